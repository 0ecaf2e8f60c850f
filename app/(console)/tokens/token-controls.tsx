"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "@/app/components/api-client";

export function CreateTokenForm({ scopeHelp }: { scopeHelp: Record<string, string> }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["read"]);
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section className="panel" aria-label="Create a token">
      <form
        className="panel-body"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          const res = await callApi<{ token: string }>("/api/console/mcp-tokens", { name, scopes });
          setBusy(false);
          if (!res.ok || !res.data) return setError(res.error ?? "failed");
          setCreated({ token: res.data.token, name });
          setName("");
          router.refresh();
        }}
      >
        <div className="row" style={{ alignItems: "flex-end" }}>
          <div className="field" style={{ marginBottom: 0 }}>
            <label htmlFor="tok-name">Name</label>
            <input id="tok-name" type="text" value={name} onChange={(e) => setName(e.target.value)} required placeholder="e.g. Dana's Claude Desktop" style={{ width: 260 }} />
          </div>
          <fieldset className="row" style={{ border: 0, padding: 0, margin: 0 }}>
            <legend className="label" style={{ marginBottom: 4 }}>
              Scopes
            </legend>
            {Object.entries(scopeHelp).map(([s, help]) => (
              <label key={s} className="row" style={{ gap: 4, marginRight: 10 }} title={help}>
                <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} />
                {s}
              </label>
            ))}
          </fieldset>
          <button type="submit" className="btn primary" disabled={busy || !scopes.length}>
            Create token
          </button>
        </div>
        {error ? <p className="notice bad" style={{ marginTop: 10 }}>{error}</p> : null}
        {created ? (
          <div className="notice ok" style={{ marginTop: 12 }} role="status">
            <p style={{ marginBottom: 6 }}>
              <b>{`Token for ${created.name}. Copy it now: it is not stored and will not be shown again.`}</b>
            </p>
            <div className="secret-once" data-testid="new-token">
              {created.token}
            </div>
            <div className="row" style={{ marginTop: 8 }}>
              <button type="button" className="btn small" onClick={() => void navigator.clipboard?.writeText(created.token)}>
                Copy
              </button>
              <button type="button" className="btn small ghost" onClick={() => setCreated(null)}>
                I have copied it
              </button>
            </div>
          </div>
        ) : null}
      </form>
    </section>
  );
}

export function RevokeTokenButton({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!confirming) {
    return (
      <button type="button" className="btn small danger" onClick={() => setConfirming(true)} aria-label={`Revoke ${name}`}>
        Revoke
      </button>
    );
  }
  return (
    <span className="row" style={{ justifyContent: "flex-end" }}>
      <span className="faint">Clients using it stop working.</span>
      <button
        type="button"
        className="btn small danger"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          await callApi(`/api/console/mcp-tokens/${encodeURIComponent(id)}`, undefined, "DELETE");
          setBusy(false);
          router.refresh();
        }}
      >
        Revoke now
      </button>
      <button type="button" className="btn small ghost" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </span>
  );
}
