"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useRef, useState } from "react";
import { callApi } from "@/app/components/api-client";
import { ago, count, orderHref, plural, stamp } from "@/app/lib/format";
import type { FailureGroupRow } from "@/pipeline/db/queries/console-failures";

interface Preview {
  deliveries: number;
  orders: number;
  byDestination: { destination: string; action: string; n: number }[];
  expectations: { destination: string; tone: "ok" | "warn" | "bad"; text: string }[];
  steps: { sampledEvents: number; alreadyDone: number; wouldRun: number } | null;
}

const CAUSE_LABEL: Record<string, string> = {
  validation: "Data problem",
  auth: "Credentials",
  transient: "Outage",
  rate_limited: "Outage",
  conflict: "Conflict",
  duplicate: "Duplicate",
  permanent: "Rejected",
};

export function FailureInbox({ groups, canOperate, status }: { groups: FailureGroupRow[]; canOperate: boolean; status: string }) {
  const router = useRouter();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: "ok" | "bad"; text: string } | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);

  // Rows that vanished after a refresh (resolved elsewhere) leave the selection.
  useEffect(() => {
    setSelected((s) => new Set([...s].filter((k) => groups.some((g) => g.key === k))));
  }, [groups]);

  const keys = useMemo(() => [...selected], [selected]);
  const allChecked = groups.length > 0 && selected.size === groups.length;

  async function act(label: string, run: () => Promise<{ ok: boolean; error?: string; data?: unknown }>, done: (data: unknown) => string) {
    setBusy(true);
    setMessage(null);
    const res = await run();
    setBusy(false);
    if (!res.ok) return setMessage({ tone: "bad", text: `${label} failed: ${res.error}` });
    setMessage({ tone: "ok", text: done(res.data) });
    setSelected(new Set());
    router.refresh();
  }

  const setStatus = (to: string, label: string) =>
    act(label, () => callApi("/api/console/failures/status", { keys, status: to }), (d) => `${label}: ${plural((d as { changed: number }).changed, "group")}.`);

  async function openReplay() {
    setBusy(true);
    setMessage(null);
    const res = await callApi<Preview>("/api/console/failures/replay-preview", { keys });
    setBusy(false);
    if (!res.ok || !res.data) return setMessage({ tone: "bad", text: `Preview failed: ${res.error}` });
    setPreview(res.data);
  }

  return (
    <section className="panel" aria-label="Failure groups">
      <div className="toolbar" role="toolbar" aria-label="Bulk actions">
        <span className="count" aria-live="polite">
          {selected.size ? `${selected.size} selected` : `${plural(groups.length, "group")}`}
        </span>
        {canOperate ? (
          <>
            <button type="button" className="btn small" disabled={!selected.size || busy} onClick={() => setStatus("acknowledged", "Acknowledged")}>
              Acknowledge
            </button>
            <button type="button" className="btn small" disabled={!selected.size || busy} onClick={() => setStatus("ignored", "Ignored")}>
              Ignore
            </button>
            {status !== "open" ? (
              <button type="button" className="btn small" disabled={!selected.size || busy} onClick={() => setStatus("open", "Reopened")}>
                Reopen
              </button>
            ) : null}
            <button type="button" className="btn small" disabled={!selected.size || busy} onClick={() => setStatus("resolved", "Resolved")}>
              Mark resolved
            </button>
            <button type="button" className="btn small primary" disabled={!selected.size || busy} onClick={openReplay}>
              Replay…
            </button>
          </>
        ) : (
          <span className="faint">Acting on failures needs the operator role.</span>
        )}
        {message ? (
          <span role="status" className={message.tone === "bad" ? "badge bad" : "badge ok"} style={{ marginLeft: "auto" }}>
            {message.text}
          </span>
        ) : null}
      </div>
      {groups.length === 0 ? (
        <div className="empty">
          <h3>{status === "open" ? "Nothing is stopped" : "No groups here"}</h3>
          <div>{status === "open" ? "Every delivery is either done or still being retried." : "Try another tab."}</div>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="data" data-testid="failure-groups">
            <thead>
              <tr>
                <th className="check-cell">
                  {canOperate ? (
                    <input
                      type="checkbox"
                      aria-label="Select all groups"
                      checked={allChecked}
                      onChange={() => setSelected(allChecked ? new Set() : new Set(groups.map((g) => g.key)))}
                    />
                  ) : null}
                </th>
                <th>Root cause</th>
                <th className="num">Stopped</th>
                <th className="num">Orders</th>
                <th>Owner</th>
                <th>Status</th>
                <th>First seen</th>
                <th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={g.key} aria-selected={selected.has(g.key)} data-failure-key={g.key}>
                  <td className="check-cell">
                    {canOperate ? (
                      <input
                        type="checkbox"
                        aria-label={`Select ${g.title}`}
                        checked={selected.has(g.key)}
                        onChange={() =>
                          setSelected((s) => {
                            const n = new Set(s);
                            if (n.has(g.key)) n.delete(g.key);
                            else n.add(g.key);
                            return n;
                          })
                        }
                      />
                    ) : null}
                  </td>
                  <td style={{ maxWidth: 520 }}>
                    <Link href={`/failures/${encodeURIComponent(g.key)}`} className="title" style={{ color: "var(--text)" }}>
                      {g.title}
                    </Link>
                    <div className="sub row" style={{ gap: 6 }}>
                      <span className="badge">{CAUSE_LABEL[g.rootCause] ?? g.rootCause}</span>
                      {g.connector ? <span>{g.connector}</span> : null}
                      {g.sampleOrders.map((o) => (
                        <Link key={o} href={orderHref(o)} className="mono">
                          {o}
                        </Link>
                      ))}
                      {g.recovered ? <span className="faint">{`${count(g.recovered)} recovered`}</span> : null}
                    </div>
                  </td>
                  <td className="num">
                    <b style={g.parked ? { color: "var(--bad)" } : undefined}>{count(g.parked)}</b>
                  </td>
                  <td className="num">{count(g.orders)}</td>
                  <td>{g.owner ?? <span className="faint">unassigned</span>}</td>
                  <td>
                    <span className={`badge ${g.status === "open" ? "bad" : g.status === "acknowledged" ? "warn" : g.status === "resolved" ? "ok" : ""}`}>{g.status}</span>
                  </td>
                  <td className="nowrap" title={stamp(g.firstSeenAt)} suppressHydrationWarning>
                    {ago(g.firstSeenAt)}
                  </td>
                  <td className="nowrap" title={stamp(g.lastSeenAt)} suppressHydrationWarning>
                    {ago(g.lastSeenAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {preview ? (
        <ReplayDialog
          preview={preview}
          busy={busy}
          onCancel={() => setPreview(null)}
          onConfirm={async () => {
            setPreview(null);
            await act("Replay", () => callApi("/api/console/failures/replay", { keys }), (d) => `Replaying ${plural((d as { replayed: number }).replayed, "delivery", "deliveries")}.`);
          }}
        />
      ) : null}
    </section>
  );
}

function ReplayDialog({ preview, busy, onCancel, onConfirm }: { preview: Preview; busy: boolean; onCancel: () => void; onConfirm: () => void }) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    confirmRef.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onCancel();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onCancel]);
  return (
    <div className="dialog-backdrop" onClick={onCancel}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="replay-title" onClick={(e) => e.stopPropagation()}>
        <div className="dialog-head">
          <h2 id="replay-title">Replay preview</h2>
          <p className="muted" style={{ margin: "4px 0 0" }}>
            {`${plural(preview.deliveries, "stopped delivery", "stopped deliveries")} across ${plural(preview.orders, "order")} would be tried again now. Nothing has been sent yet.`}
          </p>
        </div>
        <div className="dialog-body">
          <table className="data compact">
            <thead>
              <tr>
                <th>Destination</th>
                <th>Action</th>
                <th className="num">Deliveries</th>
              </tr>
            </thead>
            <tbody>
              {preview.byDestination.map((d) => (
                <tr key={`${d.destination}.${d.action}`}>
                  <td>{d.destination}</td>
                  <td className="mono">{d.action}</td>
                  <td className="num">{count(d.n)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {preview.steps && preview.steps.alreadyDone ? (
            <p className="muted" style={{ margin: "10px 0 0" }}>
              {`${plural(preview.steps.alreadyDone, "step")} of ${preview.steps.sampledEvents === preview.orders ? "these" : `${preview.steps.sampledEvents} sampled`} events already went through and will not be repeated: replays reuse each step's idempotency key.`}
            </p>
          ) : null}
          <ul style={{ listStyle: "none", padding: 0, margin: "12px 0 0", display: "grid", gap: 6 }}>
            {preview.expectations.map((e) => (
              <li key={e.destination} className={`notice ${e.tone}`}>
                {e.text}
              </li>
            ))}
          </ul>
        </div>
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button ref={confirmRef} type="button" className="btn primary" disabled={busy || preview.deliveries === 0} onClick={onConfirm}>
            {`Replay ${plural(preview.deliveries, "delivery", "deliveries")}`}
          </button>
        </div>
      </div>
    </div>
  );
}
