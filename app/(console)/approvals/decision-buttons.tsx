"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "@/app/components/api-client";

interface ApproveResult {
  applied?: { outcome?: { succeeded: number; parked: number; pending: number }; error?: string; reason?: string };
}

export function DecisionButtons({ id, title }: { id: string; title: string }) {
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
    const applied = res.data?.applied;
    if (applied?.error) setNote({ tone: "warn", text: `Approved, but not applied: ${applied.reason}` });
    else if (applied?.outcome) setNote({ tone: applied.outcome.parked ? "warn" : "ok", text: `Applied: ${applied.outcome.succeeded} delivered, ${applied.outcome.parked} stopped again, ${applied.outcome.pending} still running.` });
    else setNote({ tone: "ok", text: "Approved and applied." });
    router.refresh();
  }

  async function reject() {
    setBusy("reject");
    const res = await callApi(`/api/console/remediations/${encodeURIComponent(id)}/reject`, { reason });
    setBusy(null);
    if (!res.ok) return setNote({ tone: "bad", text: res.error ?? "rejection failed" });
    setNote({ tone: "ok", text: "Rejected." });
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
