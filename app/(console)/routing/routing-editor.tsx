"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "@/app/components/api-client";

export interface RuleView {
  id: string;
  name: string;
  priority: number;
  enabled: boolean;
  stopOnMatch: boolean;
  match: { types?: string[]; sources?: string[]; where?: { path: string; equals?: unknown; in?: unknown[]; exists?: boolean }[] };
  destinations: { connector: string; action: string; after?: string }[];
}

type Op = "equals" | "in" | "exists" | "missing";
interface Draft {
  id: string;
  name: string;
  priority: string;
  enabled: boolean;
  stopOnMatch: boolean;
  types: string[];
  sources: string;
  where: { path: string; op: Op; value: string }[];
  destinations: { connector: string; action: string; after: string }[];
}

const EMPTY: Draft = { id: "", name: "", priority: "100", enabled: true, stopOnMatch: false, types: [], sources: "", where: [], destinations: [{ connector: "", action: "", after: "" }] };

function toDraft(r: RuleView): Draft {
  return {
    id: r.id,
    name: r.name,
    priority: String(r.priority),
    enabled: r.enabled,
    stopOnMatch: r.stopOnMatch,
    types: r.match.types ?? [],
    sources: (r.match.sources ?? []).join(", "),
    where: (r.match.where ?? []).map((c) =>
      c.exists !== undefined
        ? { path: c.path, op: c.exists ? "exists" : "missing", value: "" }
        : c.in
          ? { path: c.path, op: "in", value: c.in.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ") }
          : { path: c.path, op: "equals", value: typeof c.equals === "string" ? c.equals : JSON.stringify(c.equals) },
    ),
    destinations: r.destinations.map((d) => ({ connector: d.connector, action: d.action, after: d.after ?? "" })),
  };
}

/** "true", "3" and '"x"' become JSON values; anything else stays text. */
function parseValue(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function toRule(d: Draft): RuleView {
  return {
    id: d.id.trim(),
    name: d.name.trim(),
    priority: Number(d.priority),
    enabled: d.enabled,
    stopOnMatch: d.stopOnMatch,
    match: {
      types: d.types.length ? d.types : undefined,
      sources: d.sources.trim() ? d.sources.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
      where: d.where
        .filter((c) => c.path.trim())
        .map((c) =>
          c.op === "exists" ? { path: c.path.trim(), exists: true } : c.op === "missing" ? { path: c.path.trim(), exists: false } : c.op === "in" ? { path: c.path.trim(), in: c.value.split(",").map((v) => parseValue(v.trim())) } : { path: c.path.trim(), equals: parseValue(c.value) },
        ),
    },
    destinations: d.destinations.filter((x) => x.connector && x.action).map((x) => ({ connector: x.connector, action: x.action, after: x.after || undefined })),
  };
}

function describe(r: RuleView): string {
  const parts = [r.match.types?.length ? r.match.types.join(" or ") : "any event", r.match.sources?.length ? `from ${r.match.sources.join(" or ")}` : null];
  const where = (r.match.where ?? []).map((c) => (c.exists !== undefined ? `${c.path} ${c.exists ? "is set" : "is missing"}` : c.in ? `${c.path} in [${c.in.join(", ")}]` : `${c.path} = ${JSON.stringify(c.equals)}`));
  return [parts.filter(Boolean).join(" "), where.length ? `where ${where.join(" and ")}` : null].filter(Boolean).join(" ");
}

export function RoutingEditor({ rules, connectors, eventTypes, canEdit, canCheck }: { rules: RuleView[]; connectors: { id: string; name: string; actions: string[] }[]; eventTypes: string[]; canEdit: boolean; canCheck: boolean }) {
  const router = useRouter();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [note, setNote] = useState<{ tone: "ok" | "bad" | "info"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const isExisting = draft ? rules.some((r) => r.id === draft.id) : false;

  async function save() {
    if (!draft) return;
    setBusy(true);
    const res = await callApi("/api/console/routing-rules", toRule(draft));
    setBusy(false);
    if (!res.ok) return setNote({ tone: "bad", text: res.error ?? "failed" });
    setNote({ tone: "ok", text: `Saved ${draft.name}. New events are routed by it within seconds.` });
    setDraft(null);
    router.refresh();
  }

  async function check() {
    if (!draft) return;
    setBusy(true);
    const res = await callApi<{ checked: number; matched: number; byType: Record<string, number>; destinations: Record<string, number> }>("/api/console/routing-rules/check", toRule(draft));
    setBusy(false);
    if (!res.ok || !res.data) return setNote({ tone: "bad", text: res.error ?? "failed" });
    const d = res.data;
    setNote({
      tone: "info",
      text: `Would have matched ${d.matched} of the last ${d.checked} events${d.matched ? `: ${Object.entries(d.byType).map(([t, n]) => `${n} ${t}`).join(", ")} → ${Object.keys(d.destinations).join(", ")}` : ""}.`,
    });
  }

  async function remove(id: string) {
    const res = await callApi(`/api/console/routing-rules/${encodeURIComponent(id)}`, undefined, "DELETE");
    if (!res.ok) return setNote({ tone: "bad", text: res.error ?? "failed" });
    setNote({ tone: "ok", text: `Deleted ${id}.` });
    router.refresh();
  }

  const steps = draft ? draft.destinations.filter((d) => d.connector && d.action).map((d) => `${d.connector}.${d.action}`) : [];

  return (
    <div className="stack">
      <section className="panel" aria-label="Rules">
        <div className="toolbar">
          <span className="count">{`${rules.length} rules`}</span>
          {canEdit ? (
            <button type="button" className="btn small primary" style={{ marginLeft: "auto" }} onClick={() => setDraft({ ...EMPTY })}>
              New rule
            </button>
          ) : (
            <span className="faint" style={{ marginLeft: "auto" }}>
              Editing rules needs the admin role.
            </span>
          )}
        </div>
        {rules.length === 0 ? (
          <div className="empty">No rules: captured events go nowhere until a rule routes them.</div>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th className="num">Priority</th>
                <th>Rule</th>
                <th>Sends to</th>
                <th>State</th>
                {canEdit || canCheck ? <th aria-label="Actions" /> : null}
              </tr>
            </thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.id}>
                  <td className="num">{r.priority}</td>
                  <td>
                    <span className="title">{r.name}</span>
                    <div className="sub">{describe(r)}</div>
                  </td>
                  <td>
                    {r.destinations.map((d) => (
                      <div key={`${d.connector}.${d.action}`} className="mono" style={{ fontSize: 12 }}>
                        {`${d.connector}.${d.action}`}
                        {d.after ? <span className="faint">{` after ${d.after}`}</span> : null}
                      </div>
                    ))}
                  </td>
                  <td>
                    {r.enabled ? <span className="badge ok">on</span> : <span className="badge">off</span>}
                    {r.stopOnMatch ? <span className="badge" style={{ marginLeft: 4 }}>stops</span> : null}
                  </td>
                  {canEdit || canCheck ? (
                    <td style={{ textAlign: "right", whiteSpace: "nowrap" }}>
                      <button type="button" className="btn small" onClick={() => setDraft(toDraft(r))}>
                        {canEdit ? "Edit" : "Check"}
                      </button>
                      {canEdit ? (
                        <button type="button" className="btn small ghost" onClick={() => remove(r.id)} aria-label={`Delete rule ${r.name}`}>
                          Delete
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {note ? (
        <p role="status" className={`notice ${note.tone}`}>
          {note.text}
        </p>
      ) : null}
      {draft ? (
        <section className="panel" aria-label="Rule editor">
          <div className="panel-head">
            <h2>{isExisting ? `Edit ${draft.name}` : "New rule"}</h2>
            <button type="button" className="btn small ghost" onClick={() => setDraft(null)}>
              Close
            </button>
          </div>
          <form
            className="panel-body"
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <div className="grid grid-4">
              <div className="field">
                <label htmlFor="r-id">Id</label>
                <input id="r-id" type="text" value={draft.id} readOnly={isExisting} required onChange={(e) => setDraft({ ...draft, id: e.target.value })} placeholder="orders-to-erp" />
              </div>
              <div className="field">
                <label htmlFor="r-name">Name</label>
                <input id="r-name" type="text" value={draft.name} required onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
              </div>
              <div className="field">
                <label htmlFor="r-prio">Priority</label>
                <input id="r-prio" type="number" value={draft.priority} required onChange={(e) => setDraft({ ...draft, priority: e.target.value })} />
              </div>
              <div className="field">
                <span className="label">Behaviour</span>
                <label className="row">
                  <input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} /> enabled
                </label>
                <label className="row">
                  <input type="checkbox" checked={draft.stopOnMatch} onChange={(e) => setDraft({ ...draft, stopOnMatch: e.target.checked })} /> stop after this rule
                </label>
              </div>
            </div>
            <fieldset style={{ border: "1px solid var(--border)", borderRadius: 6, padding: "8px 12px", margin: "0 0 12px" }}>
              <legend style={{ fontWeight: 600, padding: "0 4px" }}>When</legend>
              <div className="field">
                <span className="label">Event types (none ticked: any)</span>
                <div className="row">
                  {eventTypes.map((t) => (
                    <label key={t} className="row" style={{ gap: 4, marginRight: 8 }}>
                      <input type="checkbox" checked={draft.types.includes(t)} onChange={(e) => setDraft({ ...draft, types: e.target.checked ? [...draft.types, t] : draft.types.filter((x) => x !== t) })} />
                      <span className="mono" style={{ fontSize: 12 }}>
                        {t}
                      </span>
                    </label>
                  ))}
                </div>
              </div>
              <div className="field">
                <label htmlFor="r-src">From connections (comma-separated; blank: any)</label>
                <input id="r-src" type="text" value={draft.sources} onChange={(e) => setDraft({ ...draft, sources: e.target.value })} placeholder={connectors.map((c) => c.id).slice(0, 3).join(", ")} />
              </div>
              <span className="label">Conditions on the payload</span>
              {draft.where.map((c, i) => (
                <div className="row" key={i} style={{ marginTop: 6 }}>
                  <label className="visually-hidden" htmlFor={`w-path-${i}`}>
                    Field path
                  </label>
                  <input id={`w-path-${i}`} type="text" value={c.path} placeholder="e.g. fulfilmentChannel" onChange={(e) => setDraft({ ...draft, where: draft.where.map((x, j) => (j === i ? { ...x, path: e.target.value } : x)) })} />
                  <label className="visually-hidden" htmlFor={`w-op-${i}`}>
                    Test
                  </label>
                  <select id={`w-op-${i}`} value={c.op} onChange={(e) => setDraft({ ...draft, where: draft.where.map((x, j) => (j === i ? { ...x, op: e.target.value as Op } : x)) })}>
                    <option value="equals">equals</option>
                    <option value="in">is one of</option>
                    <option value="exists">is set</option>
                    <option value="missing">is missing</option>
                  </select>
                  {c.op === "equals" || c.op === "in" ? (
                    <>
                      <label className="visually-hidden" htmlFor={`w-val-${i}`}>
                        Value
                      </label>
                      <input id={`w-val-${i}`} type="text" value={c.value} placeholder={c.op === "in" ? "a, b, c" : "value"} onChange={(e) => setDraft({ ...draft, where: draft.where.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)) })} />
                    </>
                  ) : null}
                  <button type="button" className="btn small ghost" onClick={() => setDraft({ ...draft, where: draft.where.filter((_, j) => j !== i) })} aria-label="Remove condition">
                    Remove
                  </button>
                </div>
              ))}
              <button type="button" className="btn small" style={{ marginTop: 6 }} onClick={() => setDraft({ ...draft, where: [...draft.where, { path: "", op: "equals", value: "" }] })}>
                Add condition
              </button>
            </fieldset>
            <fieldset style={{ border: "1px solid var(--border)", borderRadius: 6, padding: "8px 12px", margin: "0 0 12px" }}>
              <legend style={{ fontWeight: 600, padding: "0 4px" }}>Send to</legend>
              {draft.destinations.map((d, i) => {
                const actions = connectors.find((c) => c.id === d.connector)?.actions ?? [];
                return (
                  <div className="row" key={i} style={{ marginBottom: 6 }}>
                    <label className="visually-hidden" htmlFor={`d-conn-${i}`}>
                      Connection
                    </label>
                    <select id={`d-conn-${i}`} value={d.connector} onChange={(e) => setDraft({ ...draft, destinations: draft.destinations.map((x, j) => (j === i ? { ...x, connector: e.target.value, action: "" } : x)) })}>
                      <option value="">connection…</option>
                      {connectors.filter((c) => c.actions.length).map((c) => (
                        <option key={c.id} value={c.id}>
                          {`${c.id} (${c.name})`}
                        </option>
                      ))}
                    </select>
                    <label className="visually-hidden" htmlFor={`d-act-${i}`}>
                      Action
                    </label>
                    <select id={`d-act-${i}`} value={d.action} onChange={(e) => setDraft({ ...draft, destinations: draft.destinations.map((x, j) => (j === i ? { ...x, action: e.target.value } : x)) })}>
                      <option value="">action…</option>
                      {actions.map((a) => (
                        <option key={a}>{a}</option>
                      ))}
                    </select>
                    <label className="visually-hidden" htmlFor={`d-after-${i}`}>
                      After step
                    </label>
                    <select id={`d-after-${i}`} value={d.after} onChange={(e) => setDraft({ ...draft, destinations: draft.destinations.map((x, j) => (j === i ? { ...x, after: e.target.value } : x)) })}>
                      <option value="">right away</option>
                      {steps.filter((s) => s !== `${d.connector}.${d.action}`).map((s) => (
                        <option key={s} value={s}>{`after ${s}`}</option>
                      ))}
                    </select>
                    <button type="button" className="btn small ghost" onClick={() => setDraft({ ...draft, destinations: draft.destinations.filter((_, j) => j !== i) })} aria-label="Remove destination">
                      Remove
                    </button>
                  </div>
                );
              })}
              <button type="button" className="btn small" onClick={() => setDraft({ ...draft, destinations: [...draft.destinations, { connector: "", action: "", after: "" }] })}>
                Add destination
              </button>
            </fieldset>
            <div className="row">
              {canEdit ? (
                <button type="submit" className="btn primary" disabled={busy}>
                  Save rule
                </button>
              ) : null}
              {canCheck ? (
                <button type="button" className="btn" disabled={busy} onClick={check}>
                  Check against recent events
                </button>
              ) : null}
            </div>
          </form>
        </section>
      ) : null}
    </div>
  );
}
