"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import type { ProposalCard as Card } from "@/agent/chat/events";
import { Badge, StatusBadge } from "@/app/components/ui";
import { appliedText, DecisionButtons, type AppliedOutcome, type Decision } from "@/app/components/decision-buttons";

/** Where the card's remediation stands now: from the stream, the server (on reload) or the approver's click. */
export interface CardState {
  status: string;
  decidedBy?: string | null;
  outcome?: AppliedOutcome | null;
  note?: { tone: "ok" | "bad" | "warn"; text: string };
}

function outcomeText(s: CardState): string | null {
  if (s.note) return s.note.text;
  if (s.status === "applied" && s.outcome) return appliedText(s.outcome);
  if (s.status === "rejected") return `Rejected${s.decidedBy ? ` by ${s.decidedBy}` : ""}.`;
  if (s.status === "failed") return "Applying it failed: see the audit log.";
  return null;
}

/**
 * A remediation the agent proposed, with its dry run. Approvers decide on the card through the
 * approvals API; everyone else sees the card and who may decide. The server checks the role anyway.
 */
export function ProposalCardView({ card, state, canApprove, role, onDecided }: { card: Card; state: CardState; canApprove: boolean; role: string; onDecided: (d: Decision) => void }) {
  const pct = card.wouldPass !== null && card.wouldFail !== null && card.wouldPass + card.wouldFail > 0 ? Math.round((card.wouldPass / (card.wouldPass + card.wouldFail)) * 100) : null;
  const outcome = outcomeText(state);
  const tone = state.note?.tone ?? (state.status === "applied" && !state.outcome?.parked ? "ok" : state.status === "failed" ? "bad" : "warn");
  const titleId = `card-${card.remediationId}`;
  const outcomeRef = useRef<HTMLSpanElement>(null);
  const [decidedHere, setDecidedHere] = useState(false);
  // The clicked button goes away with the decision: keep the keyboard on what the click did.
  useEffect(() => {
    if (decidedHere) outcomeRef.current?.focus();
  }, [decidedHere, state.status]);
  return (
    <section className="proposal" aria-labelledby={titleId} data-remediation-id={card.remediationId} data-status={state.status}>
      <div className="proposal-head">
        <div style={{ minWidth: 0 }}>
          <div className="faint proposal-kicker">Proposed fix</div>
          <h3 id={titleId}>{card.title}</h3>
          <div className="row faint" style={{ fontSize: 12, marginTop: 3 }}>
            <Badge>{card.kind.replace(/_/g, " ")}</Badge>
            <Link href={`/approvals#${encodeURIComponent(card.remediationId)}`} className="mono">
              {card.remediationId}
            </Link>
            {card.failureKey ? <Link href={`/failures/${encodeURIComponent(card.failureKey)}`}>failure group</Link> : null}
          </div>
        </div>
        <StatusBadge status={state.status} />
      </div>
      <div className="proposal-body">
        <div className="row between">
          <span>
            <span className="faint">Dry run: </span>
            <b data-testid="dry-run-summary">{card.dryRunSummary ?? "not recorded"}</b>
          </span>
          {card.wouldPass !== null && card.wouldFail !== null ? <span className="faint num">{`${card.wouldPass} pass · ${card.wouldFail} fail`}</span> : null}
        </div>
        {pct !== null ? (
          <div className="meter" role="meter" aria-label="Share that would now pass" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
            <div style={{ width: `${pct}%` }} />
          </div>
        ) : null}
        {card.approvedByPolicy ? <p className="faint" style={{ margin: "6px 0 0" }}>{`Pre-approved by policy ${card.approvedByPolicy}.`}</p> : null}
      </div>
      <div className="proposal-foot" aria-live="polite">
        {state.status === "proposed" ? (
          canApprove ? (
            <DecisionButtons
              id={card.remediationId}
              title={card.title}
              onDecided={(d) => {
                setDecidedHere(true);
                onDecided(d);
              }}
            />
          ) : (
            <span className="faint" data-testid="card-approver-note">{`Waiting for an approver: approving needs the approver role (you are ${role}).`}</span>
          )
        ) : outcome ? (
          <span ref={outcomeRef} tabIndex={-1} className={`badge ${tone}`} data-testid="card-outcome">
            {outcome}
          </span>
        ) : (
          <span className="faint">{state.status === "approved" ? "Approved: it is applied next (triage, or ask to apply it)." : `Status: ${state.status}.`}</span>
        )}
      </div>
    </section>
  );
}
