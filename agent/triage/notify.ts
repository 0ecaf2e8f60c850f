import type { Diagnosis } from "../diagnosis";
import type { RemediationView } from "../../pipeline/approvals";

/** A Slack-compatible incoming-webhook body: `text` is the fallback every client shows, `blocks` the rich layout. */
export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

export interface TriageNotice {
  kind: "awaiting_approval" | "applied" | "apply_failed" | "deferred" | "needs_input" | "no_automatic_fix" | "gave_up";
  owner: string | null;
  failureKey: string;
  diagnosis: Pick<Diagnosis, "title" | "label" | "confidence" | "explanation" | "affected" | "suggestedFix">;
  remediation?: Pick<RemediationView, "id" | "title" | "status" | "approvedByPolicy" | "dryRun">;
  /** One sentence on what happens next. */
  next: string;
  consoleUrl?: string;
}

export interface Notifier {
  send(notice: TriageNotice): Promise<{ delivered: boolean; detail: string }>;
}

const HEADLINES: Record<TriageNotice["kind"], string> = {
  awaiting_approval: "Fix proposed: needs your approval",
  applied: "Fixed automatically",
  apply_failed: "Automatic fix failed",
  deferred: "Waiting for recovery, then retrying automatically",
  needs_input: "Needs your input to fix",
  no_automatic_fix: "Needs a person: no automatic fix",
  gave_up: "Keeps failing after automatic fixes",
};

/**
 * Slack mrkdwn treats <…> as links and mentions: upstream error text is outside data, so it is
 * escaped the way Slack documents (&, <, >) and cannot forge a link or an @channel.
 */
function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function slackMessageOf(n: TriageNotice): SlackMessage {
  const d = n.diagnosis;
  const headline = `${HEADLINES[n.kind]}: ${d.title}`;
  const affected = `${d.affected.events} event(s)${d.affected.orders.length ? `, orders ${d.affected.orders.slice(0, 10).join(", ")}` : ""}${d.affected.connectors.length ? `; ${d.affected.connectors.join(", ")}` : ""}`;
  const fix = n.remediation
    ? `*Proposed fix:* ${n.remediation.id}: ${n.remediation.title}\n*Dry run:* ${n.remediation.dryRun?.summary ?? "n/a"}\n*Status:* ${n.remediation.status}${n.remediation.approvedByPolicy ? ` (policy ${n.remediation.approvedByPolicy})` : ""}`
    : `*Suggested fix:* ${d.suggestedFix.description}${d.suggestedFix.needs.length ? `\n*Needs:* ${d.suggestedFix.needs.join("; ")}` : ""}`;
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: esc(`Loopkeeper: ${headline}`).slice(0, 150) } },
    { type: "section", text: { type: "mrkdwn", text: esc(`*Root cause:* ${d.label} (${Math.round(d.confidence * 100)}%)\n${d.explanation}`).slice(0, 2900) } },
    { type: "section", fields: [{ type: "mrkdwn", text: esc(`*Owner*\n${n.owner ?? "unassigned"}`) }, { type: "mrkdwn", text: esc(`*Affected*\n${affected}`).slice(0, 1900) }] },
    { type: "section", text: { type: "mrkdwn", text: esc(fix).slice(0, 2900) } },
    { type: "context", elements: [{ type: "mrkdwn", text: esc(`${n.next} Failure group \`${n.failureKey}\`.`).slice(0, 2900) }] },
  ];
  if (n.consoleUrl) blocks.push({ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: n.remediation && n.kind === "awaiting_approval" ? "Review and approve" : "Open in Loopkeeper" }, url: n.consoleUrl }] });
  const text = `${headline}. Owner: ${n.owner ?? "unassigned"}. ${n.remediation ? `${n.remediation.id} (${n.remediation.status}), dry run: ${n.remediation.dryRun?.summary ?? "n/a"}. ` : ""}${n.next}`;
  return { text: esc(text), blocks };
}

/** Posts to a Slack-compatible incoming webhook. A failure is reported, never thrown: notifying must not stop triage. */
export function webhookNotifier(url: string, opts: { timeoutMs?: number } = {}): Notifier {
  return {
    async send(notice) {
      try {
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(slackMessageOf(notice)), signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000) });
        return res.ok ? { delivered: true, detail: `webhook answered ${res.status}` } : { delivered: false, detail: `webhook answered ${res.status}` };
      } catch (e) {
        return { delivered: false, detail: `webhook unreachable: ${(e as Error).message}` };
      }
    },
  };
}

/** When no webhook is configured the notice is only in the audit log and the console. */
export const consoleOnlyNotifier: Notifier = {
  async send() {
    return { delivered: false, detail: "NOTIFY_WEBHOOK_URL is not set: visible in the console and the audit log only" };
  },
};
