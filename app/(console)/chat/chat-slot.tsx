"use client";

/**
 * SLOT for the chat agent (agent engineer): this file is the page's chat UI and is meant to be
 * replaced. The layout is ready: a message list, an input, and a side panel for the tool steps a
 * turn took. POST /api/chat streams one turn as server-sent events (agent/chat/README.md); proposal
 * cards get Approve / Reject for approvers through POST /api/console/remediations/<id>/approve|reject,
 * the same routes the Approvals page uses.
 */
export function ChatSlot({ canApprove, role }: { canApprove: boolean; role: string }) {
  return (
    <div className="chat" data-testid="chat-slot">
      <section className="panel chat-main" aria-label="Conversation">
        <div className="chat-messages" role="log" aria-live="polite" aria-label="Messages">
          <div className="slot-marker">
            <b>Chat slot.</b> The agent&apos;s conversation renders here: streamed answers with every cited order, event and connector as a link, and proposal cards{" "}
            {canApprove ? "with Approve and Reject for you." : `(approving needs the approver role; you are ${role}).`}
          </div>
          <div className="faint" style={{ fontSize: 12 }}>
            Try: “Why did order #1042 not reach NetSuite?” · “What failed in the last hour?” · “Is ShipStation healthy?”
          </div>
        </div>
        <form className="chat-input" onSubmit={(e) => e.preventDefault()} aria-label="Ask">
          <label htmlFor="chat-input" className="visually-hidden">
            Your question
          </label>
          <textarea id="chat-input" rows={2} placeholder="Ask about an order, a failure or a connection…" disabled aria-describedby="chat-slot-note" />
          <button type="submit" className="btn primary" disabled>
            Ask
          </button>
        </form>
        <p id="chat-slot-note" className="visually-hidden">
          The agent is not connected to this page yet.
        </p>
      </section>
      <aside className="panel chat-steps" aria-label="Tool steps">
        <div className="panel-head">
          <h2>Steps</h2>
          <span className="hint">what the agent looked at</span>
        </div>
        <div className="panel-body faint">Each tool call of a turn (search_events, explain_failure, preview_replay…) appears here, collapsible, with its arguments and result.</div>
      </aside>
    </div>
  );
}
