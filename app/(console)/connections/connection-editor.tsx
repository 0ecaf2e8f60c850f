"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "@/app/components/api-client";
import type { FieldSpec } from "@/app/lib/ops/connections";

interface Initial {
  id: string;
  displayName: string;
  baseUrl: string;
  owner: string;
  enabled: boolean;
  settings: string;
}

function FieldInput({ f, value, onChange }: { f: FieldSpec; value: string | boolean; onChange: (v: string | boolean) => void }) {
  const id = `cred-${f.path}`;
  const help = f.description ? <div className="help" id={`${id}-help`}>{f.description}</div> : null;
  const describedBy = f.description ? `${id}-help` : undefined;
  const label = (
    <label htmlFor={id}>
      {f.label}
      {f.required && !(f.kind === "secret" && f.stored) ? <span aria-hidden="true" style={{ color: "var(--bad)" }}> *</span> : null}
      {f.kind === "secret" ? <span className="badge" style={{ marginLeft: 6 }}>secret</span> : null}
    </label>
  );
  if (f.kind === "boolean") {
    return (
      <div className="field">
        <label htmlFor={id} className="row" style={{ fontWeight: 550 }}>
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} aria-describedby={describedBy} />
          {f.label}
        </label>
        {help}
      </div>
    );
  }
  return (
    <div className="field">
      {label}
      {f.kind === "select" ? (
        <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value)} aria-describedby={describedBy} required={f.required}>
          {!f.required ? <option value="">—</option> : null}
          {f.options?.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      ) : f.kind === "list" || f.kind === "json" ? (
        <textarea id={id} rows={f.kind === "json" ? 6 : 3} value={String(value)} onChange={(e) => onChange(e.target.value)} aria-describedby={describedBy} placeholder={f.kind === "list" ? "one per line" : "JSON"} />
      ) : (
        <input
          id={id}
          type={f.kind === "secret" ? "password" : f.kind === "number" ? "number" : "text"}
          // Secrets are write-only: the input starts empty whatever is stored, and the browser must not offer saved passwords.
          autoComplete={f.kind === "secret" ? "new-password" : "off"}
          value={String(value)}
          onChange={(e) => onChange(e.target.value)}
          aria-describedby={describedBy}
          required={f.required && !(f.kind === "secret" && f.stored)}
          placeholder={f.kind === "secret" && f.stored ? "•••••••• stored: leave blank to keep" : undefined}
          spellCheck={false}
        />
      )}
      {help}
    </div>
  );
}

export function ConnectionEditor({
  isNew,
  connectorType,
  connectorName,
  defaultBaseUrl,
  initial,
  fields,
}: {
  isNew: boolean;
  connectorType: string;
  connectorName: string;
  defaultBaseUrl: string;
  initial: Initial;
  fields: FieldSpec[];
}) {
  const router = useRouter();
  const [top, setTop] = useState(initial);
  const [creds, setCreds] = useState<Record<string, string | boolean>>(() => Object.fromEntries(fields.map((f) => [f.path, f.kind === "secret" ? "" : (f.value ?? "")])));
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ tone: "ok" | "bad"; text: string } | null>(null);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setNote(null);
    const res = await callApi<{ id: string }>("/api/console/connections", {
      ...top,
      connectorType,
      isNew,
      baseUrl: top.baseUrl.trim(),
      settings: top.settings.trim() || undefined,
      credentials: creds,
    });
    setBusy(false);
    if (!res.ok) return setNote({ tone: "bad", text: res.error ?? "could not save" });
    // Typed secrets leave the page's memory as soon as they are stored.
    setCreds((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, fields.find((f) => f.path === k)?.kind === "secret" ? "" : v])));
    setNote({ tone: "ok", text: "Saved. The pipeline uses it from now on." });
    if (isNew) router.push(`/connections/${encodeURIComponent(top.id)}`);
    else router.refresh();
  }

  return (
    <form onSubmit={submit} aria-label={`${connectorName} connection`}>
      <div className="grid grid-2">
        <div className="field">
          <label htmlFor="conn-id">Connection id</label>
          <input id="conn-id" type="text" value={top.id} readOnly={!isNew} required pattern="[a-z0-9][a-z0-9\-]{1,62}" onChange={(e) => setTop({ ...top, id: e.target.value })} aria-describedby="conn-id-help" />
          <div className="help" id="conn-id-help">
            {isNew ? "Lower-case, e.g. shopify-us. Webhooks arrive at /api/webhooks/<id>. It cannot change later." : `Webhooks arrive at /api/webhooks/${top.id}`}
          </div>
        </div>
        <div className="field">
          <label htmlFor="conn-name">Display name</label>
          <input id="conn-name" type="text" value={top.displayName} required onChange={(e) => setTop({ ...top, displayName: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="conn-url">API base URL</label>
          <input id="conn-url" type="url" value={top.baseUrl} placeholder={defaultBaseUrl} onChange={(e) => setTop({ ...top, baseUrl: e.target.value })} aria-describedby="conn-url-help" />
          <div className="help" id="conn-url-help">
            Blank uses the real service. Point it at a sandbox to test.
          </div>
        </div>
        <div className="field">
          <label htmlFor="conn-owner">Owner</label>
          <input id="conn-owner" type="text" value={top.owner} placeholder="who is alerted when it fails" onChange={(e) => setTop({ ...top, owner: e.target.value })} />
        </div>
      </div>
      <label className="row" style={{ marginBottom: 14, fontWeight: 550 }}>
        <input type="checkbox" checked={top.enabled} onChange={(e) => setTop({ ...top, enabled: e.target.checked })} />
        Enabled: deliver to and receive from this connection
      </label>
      <fieldset style={{ border: "1px solid var(--border)", borderRadius: 6, padding: "10px 14px 2px", margin: "0 0 14px" }}>
        <legend style={{ fontWeight: 600, padding: "0 4px" }}>Credentials</legend>
        <div className="grid grid-2" data-testid="credential-fields">
          {fields.map((f) => (
            <FieldInput key={f.path} f={f} value={creds[f.path] ?? ""} onChange={(v) => setCreds({ ...creds, [f.path]: v })} />
          ))}
        </div>
      </fieldset>
      <details className="disclose" style={{ marginBottom: 14 }}>
        <summary>Advanced settings (JSON)</summary>
        <div className="field" style={{ marginTop: 8 }}>
          <label htmlFor="conn-settings">Settings</label>
          <textarea id="conn-settings" rows={6} value={top.settings} onChange={(e) => setTop({ ...top, settings: e.target.value })} placeholder='{"policy": {"maxAttempts": 8}}' />
        </div>
      </details>
      <div className="row">
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? "Saving…" : isNew ? "Create connection" : "Save changes"}
        </button>
        {note ? (
          <span role="status" className={`notice ${note.tone}`} style={{ padding: "4px 10px" }}>
            {note.text}
          </span>
        ) : null}
      </div>
    </form>
  );
}
