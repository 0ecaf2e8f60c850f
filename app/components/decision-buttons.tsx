"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "@/app/components/api-client";

interface ApproveResult {
  applied?: {
    status?: string;
    caused?: { deliveryIds: string[] };
    outcome?: { succeeded: number; parked: number; pending: number };
    error?: string;
    reason?: string;
  };
}

/** What applying a remediation did to the deliveries it sent again. */
export interface AppliedOutcome {
  succeeded: number;
  parked: number;
  pending: number;
  replayed: number;
}

/** One sentence for the click's answer and for the same card read back from the server later. */
export function appliedText(o: AppliedOutcome): string {
  return `Applied: ${o.succeeded} delivered, ${o.parked} stopped again, ${o.pending} still running${o.replayed ? ` (${o.replayed} ${o.replayed === 1 ? "delivery" : "deliveries"} replayed)` : ""}.`;
}

/** What an approver's click did, for views that keep showing the remediation afterwards (the chat's proposal card). */
export interface Decision {
  status: "applied" | "failed" | "approved" | "rejected";
  outcome: AppliedOutcome | null;
  text: string;
  tone: "ok" | "bad" | "warn";
}

function decisionOf(res: ApproveResult): Decision {
  const a = res.applied;
  if (a?.error) return { status: "approved", outcome: null, text: `Approved, but not applied: ${a.reason}`, tone: "warn" };
  if (!a?.outcome) return { status: "applied", outcome: null, text: "Approved and applied.", tone: "ok" };
  const o = { ...a.outcome, replayed: a.caused?.deliveryIds.length ?? 0 };
  return { status: a.status === "failed" ? "failed" : "applied", outcome: o, text: appliedText(o), tone: a.status === "failed" || o.parked ? "warn" : "ok" };
}

/**
 * Approve (and apply) or reject one proposed remediation through the console's approvals API, the
 * same routes for every view. The server checks the approver role whatever the page shows.
 */
export function DecisionButtons({ id, title, onDecided }: { id: string; title: string; onDecided?: (d: Decision) => void }) {
  const router = useRouter();
  const [mode, setMode] = useState<"idle" | "rejecting">("idle");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState<"approve" | "reject" | null>(null);
  const [note, setNote] = useState<{ tone: "ok" | "bad" | "warn"; text: string } | null>(null);

  async function approve() {
    setBusy("approve");
    setNote(null);
    const res = await callApi<ApproveResult>(`/api/console/remediations/${encodeURIComponent(id)}/approve`, {});
    setBusy(null);
    if (!res.ok) return setNote({ tone: "bad", text: res.error ?? "approval failed" });
    const d = decisionOf(res.data ?? {});
    setNote({ tone: d.tone, text: d.text });
    onDecided?.(d);
    router.refresh();
  }

  async function reject() {
    setBusy("reject");
    const res = await callApi(`/api/console/remediations/${encodeURIComponent(id)}/reject`, { reason });
    setBusy(null);
    if (!res.ok) return setNote({ tone: "bad", text: res.error ?? "rejection failed" });
    setNote({ tone: "ok", text: "Rejected." });
    onDecided?.({ status: "rejected", outcome: null, text: `Rejected: ${reason.trim()}`, tone: "ok" });
    router.refresh();
  }

  return (
    <div className="row" style={{ width: "100%" }}>
      {mode === "idle" ? (
        <>
          <button type="button" className="btn ok" disabled={busy !== null} onClick={approve} aria-label={`Approve and apply: ${title}`}>
            {busy === "approve" ? "Applying…" : "Approve and apply"}
          </button>
          <button type="button" className="btn danger" disabled={busy !== null} onClick={() => setMode("rejecting")} aria-label={`Reject: ${title}`}>
            Reject…
          </button>
        </>
      ) : (
        <form
          className="row"
          style={{ flex: 1 }}
          onSubmit={(e) => {
            e.preventDefault();
            void reject();
          }}
        >
          <label htmlFor={`reason-${id}`} className="visually-hidden">
            Why reject
          </label>
          <input id={`reason-${id}`} type="text" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Why? (kept in the audit log)" required minLength={3} style={{ flex: 1 }} autoFocus />
          <button type="submit" className="btn danger" disabled={busy !== null || reason.trim().length < 3}>
            {busy === "reject" ? "Rejecting…" : "Reject"}
          </button>
          <button type="button" className="btn ghost" onClick={() => setMode("idle")}>
            Cancel
          </button>
        </form>
      )}
      {note ? (
        <span role="status" className={`badge ${note.tone}`} style={{ marginLeft: "auto" }}>
          {note.text}
        </span>
      ) : null}
    </div>
  );
}
