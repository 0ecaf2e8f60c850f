"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "@/app/components/api-client";
import type { MappingRow } from "@/pipeline/db/queries/console-connections";

const COMMON_KINDS = ["netsuite_item", "netsuite_location", "quickbooks_item", "shipstation_warehouse", "shopify_location", "shopify_inventory_item"];

/** What a kind of mapping translates, in business words. */
export function describeKind(kind: string): string {
  if (/item/.test(kind)) return "SKU → item";
  if (/location|warehouse|node/.test(kind)) return "location → node";
  return kind.replace(/_/g, " ");
}

export function MappingsEditor({ rows, fixedConnector, connectorType, connectors, kinds, canEdit }: { rows: MappingRow[]; fixedConnector?: string; connectorType?: string; connectors: string[]; kinds: string[]; canEdit: boolean }) {
  const router = useRouter();
  // A connection's own kinds (netsuite_item for NetSuite) are the likely ones to add.
  const own = [...kinds, ...COMMON_KINDS].find((k) => connectorType && k.startsWith(`${connectorType}_`));
  const [draft, setDraft] = useState({ kind: own ?? kinds[0] ?? "netsuite_item", connector: fixedConnector ?? connectors[0] ?? "", sourceKey: "", targetKey: "" });
  const [note, setNote] = useState<{ tone: "ok" | "bad"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function add(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    const res = await callApi("/api/console/mappings", draft);
    setBusy(false);
    if (!res.ok) return setNote({ tone: "bad", text: res.error ?? "failed" });
    setNote({ tone: "ok", text: `Saved ${draft.sourceKey} → ${draft.targetKey}. Deliveries use it within seconds.` });
    setDraft({ ...draft, sourceKey: "", targetKey: "" });
    router.refresh();
  }

  async function remove(id: number) {
    const res = await callApi(`/api/console/mappings/${id}`, undefined, "DELETE");
    if (!res.ok) return setNote({ tone: "bad", text: res.error ?? "failed" });
    router.refresh();
  }

  const listId = `kinds-${fixedConnector ?? "all"}`;
  return (
    <div>
      {canEdit ? (
        <form className="toolbar" onSubmit={add} aria-label="Add a mapping" style={{ flexWrap: "wrap" }}>
          <label className="visually-hidden" htmlFor={`${listId}-kind`}>
            Kind
          </label>
          <input id={`${listId}-kind`} list={listId} type="text" value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value })} placeholder="kind" style={{ width: 170 }} required />
          <datalist id={listId}>
            {[...new Set([...kinds, ...COMMON_KINDS])].map((k) => (
              <option key={k} value={k} />
            ))}
          </datalist>
          {fixedConnector ? null : (
            <>
              <label className="visually-hidden" htmlFor={`${listId}-conn`}>
                Connection
              </label>
              <select id={`${listId}-conn`} value={draft.connector} onChange={(e) => setDraft({ ...draft, connector: e.target.value })} required>
                {connectors.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </>
          )}
          <label className="visually-hidden" htmlFor={`${listId}-src`}>
            Our key (SKU or location)
          </label>
          <input id={`${listId}-src`} type="text" value={draft.sourceKey} onChange={(e) => setDraft({ ...draft, sourceKey: e.target.value })} placeholder="our key, e.g. SKU AB-12" required style={{ width: 180 }} />
          <span aria-hidden="true">→</span>
          <label className="visually-hidden" htmlFor={`${listId}-dst`}>
            Their key (item or node)
          </label>
          <input id={`${listId}-dst`} type="text" value={draft.targetKey} onChange={(e) => setDraft({ ...draft, targetKey: e.target.value })} placeholder="their key, e.g. item 4711" required style={{ width: 180 }} />
          <button type="submit" className="btn small primary" disabled={busy}>
            Add
          </button>
          {note ? (
            <span role="status" className={`badge ${note.tone}`}>
              {note.text}
            </span>
          ) : null}
        </form>
      ) : null}
      {rows.length === 0 ? (
        <div className="empty">No mappings yet.</div>
      ) : (
        <table className="data compact">
          <thead>
            <tr>
              <th>Kind</th>
              {fixedConnector ? null : <th>Connection</th>}
              <th>Our key</th>
              <th>Their key</th>
              {canEdit ? <th aria-label="Actions" /> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((m) => (
              <tr key={m.id}>
                <td>
                  <span className="mono">{m.kind}</span>
                  <div className="sub">{describeKind(m.kind)}</div>
                </td>
                {fixedConnector ? null : <td>{m.connector}</td>}
                <td className="mono">{m.sourceKey}</td>
                <td className="mono">{m.targetKey}</td>
                {canEdit ? (
                  <td style={{ textAlign: "right" }}>
                    <button type="button" className="btn small ghost" onClick={() => remove(m.id)} aria-label={`Delete mapping ${m.sourceKey}`}>
                      Delete
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
