import { ROOT_CAUSE_LABELS, type RootCause } from "../diagnosis";
import { listRemediations, type Actor, type RemediationView } from "../../pipeline/approvals";
import type { Runtime } from "../../pipeline/runtime";
import { runTool, type ToolResult } from "../../tools/run-tool";
import type { ProposalCard } from "../chat/events";
import { proposalCardOf, summarise } from "../chat/tool-steps";
import { parseIntent, type Intent } from "./intents";
import { dataOf as ok, failingEventOf, findOrderEvents, type Diagnosis, type Gen, type ToolFn } from "./lookups";
import { fixHint, proposeFix } from "./propose-fix";

export interface FallbackOutcome {
  text: string;
  /** The part of the answer that cites the store (no banner, no help examples): what the id check reads. */
  citable: string;
  intent: Intent["kind"];
  toolCalls: { name: string; ok: boolean }[];
  proposals: ProposalCard[];
}

/**
 * Answers the core ops questions with no language model: a small intent parser routes the
 * question, and the answer is built from the same registry tools the model would call (so the
 * same scopes and approval gate apply) and the deterministic diagnosis they return. The answer
 * starts with `banner`, which says plainly why no model is answering.
 */
export async function* answerWithoutModel(rt: Runtime, actor: Actor, question: string, banner: string): Gen<FallbackOutcome> {
  const connectors = rt.directory.listInstances().map((i) => ({ id: i.id, type: i.definition.id, displayName: i.definition.displayName }));
  const intent = parseIntent(question, { connectors });
  const calls: FallbackOutcome["toolCalls"] = [];
  const proposals: ProposalCard[] = [];
  let n = 0;

  async function* tool(name: string, args: Record<string, unknown>): Gen<ToolResult> {
    const callId = `fallback_${++n}`;
    yield { type: "tool_started", callId, name, args };
    const started = Date.now();
    const r = await runTool({ rt, actor }, name, args);
    calls.push({ name, ok: r.ok });
    yield { type: "tool_finished", callId, name, ok: r.ok, summary: r.ok ? summarise(name, r.data) : `${r.code}: ${r.message}`.slice(0, 300), durationMs: Date.now() - started };
    return r;
  }

  const head = `${banner}\n\n`;
  yield { type: "text", delta: head };
  let body: string;
  switch (intent.kind) {
    case "order_failure":
      body = yield* orderFailure(intent.orderNumber, tool);
      break;
    case "event_failure":
      body = yield* eventFailure(intent.eventId, tool);
      break;
    case "failing_now":
      body = yield* failingNow(intent.connector, tool);
      break;
    case "sku_discrepancy":
      body = yield* skuDiscrepancy(intent.sku, intent.counts, tool);
      break;
    case "retry_outage":
    case "propose_fix": {
      const r = intent.kind === "retry_outage" ? yield* retryOutage(rt, intent.connector, tool) : yield* proposeFix(rt, intent, tool);
      for (const card of r.cards) {
        proposals.push(card);
        yield { type: "proposal", card };
      }
      body = r.text;
      break;
    }
    case "connector_health":
      body = yield* connectorHealth(intent.connector, tool);
      break;
    case "apply_remediation":
      body = yield* applyRemediation(intent.remediationId, tool);
      break;
    case "unknown":
      body = helpText(connectors.map((c) => c.id).sort((a, b) => Number(b === "netsuite") - Number(a === "netsuite")));
      break;
  }
  yield { type: "text", delta: body };
  return { text: head + body, citable: intent.kind === "unknown" ? "" : body, intent: intent.kind, toolCalls: calls, proposals };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const label = (cause: string) => ROOT_CAUSE_LABELS[cause as RootCause] ?? cause;

function renderDiagnosis(d: Diagnosis, ref: string): string {
  const evidence = d.evidence.slice(0, 8).map((e) => `- ${e.kind} ${e.id}: ${e.summary}`).join("\n");
  const needs = d.suggestedFix.needs.length ? ` Needs: ${d.suggestedFix.needs.join("; ")}.` : "";
  const affected = d.affected.events > 1 ? `\n\nThe same cause affects ${d.affected.events} events${d.affected.orders.length ? ` (orders ${d.affected.orders.slice(0, 10).join(", ")})` : ""}${d.failureKey ? ` in failure group \`${d.failureKey}\`` : ""}.` : "";
  const hint = fixHint(d, ref);
  return `**${d.title}**\n\nRoot cause: ${d.label} (confidence ${pct(d.confidence)}). ${d.explanation}\n\nEvidence:\n${evidence}${affected}\n\nSuggested fix (${d.suggestedFix.kind}): ${d.suggestedFix.description}${needs}${hint ? `\n\n${hint}` : ""}`;
}

async function* orderFailure(orderNumber: string, tool: ToolFn): Gen<string> {
  const events = yield* findOrderEvents(orderNumber, tool);
  if (events.length === 0) return `I found no events for order ${orderNumber}. Check the number as the channel shows it, or ask "what is failing right now?".`;
  const failing = failingEventOf(events);
  const list = events.slice(0, 10).map((e) => `- ${e.id}: ${e.type} from ${e.sourceConnector}, ${e.status}`).join("\n");
  const d = ok<Diagnosis>(yield* tool("explain_failure", { eventId: failing.id }));
  if (!d) return `Order ${orderNumber} has ${events.length} event(s), but the diagnosis of ${failing.id} failed.\n\n${list}`;
  const intro = d.rootCause === "no_failure"
    ? `Order ${orderNumber} did not fail: ${d.title}.`
    : `Order ${orderNumber} failed at ${d.affected.connectors.filter((c) => c !== failing.sourceConnector).join(", ") || "delivery"} (event ${failing.id}, ${failing.type} from ${failing.sourceConnector}).`;
  return `${intro}\n\n${renderDiagnosis(d, `order ${orderNumber}`)}\n\nEvents of ${orderNumber}:\n${list}`;
}

async function* eventFailure(eventId: string, tool: ToolFn): Gen<string> {
  const r = yield* tool("explain_failure", { eventId });
  if (!r.ok) return `I could not explain ${eventId}: ${r.message}`;
  return renderDiagnosis(r.data as unknown as Diagnosis, eventId);
}

interface Group { failureKey: string; rootCause: string; title: string; destination: string | null; sources: string[]; openCount: number; events: number; orders: string[]; firstSeenAt: string; lastSeenAt: string; owner: string | null; suggestedFix: string }

async function* failingNow(connector: string | undefined, tool: ToolFn): Gen<string> {
  const r = yield* tool("list_failures", connector ? { connector } : {});
  if (!r.ok) return `I could not list failures: ${r.message}`;
  const { groups, totalOpen } = r.data as unknown as { groups: Group[]; totalOpen: number };
  if (groups.length === 0) return `Nothing is failing right now${connector ? ` for ${connector}` : ""}: there are no open failure groups and no quarantined payloads.`;
  const lines = groups.map((g, i) => {
    const where = g.destination ? `${g.sources.join(", ") || "?"} → ${g.destination}` : `from ${g.sources.join(", ")}`;
    const orders = g.orders.length ? `; orders ${g.orders.slice(0, 8).join(", ")}${g.orders.length > 8 ? "…" : ""}` : "";
    return `${i + 1}. **${g.title}** (${label(g.rootCause)}): ${g.openCount} open, ${g.events} event(s), ${where}${orders}. First seen ${g.firstSeenAt}, last ${g.lastSeenAt}${g.owner ? `; owner ${g.owner}` : ""}.\n   Fix: ${g.suggestedFix}\n   Group: \`${g.failureKey}\``;
  });
  return `${groups.length} open failure group(s), ${totalOpen} open item(s)${connector ? ` for ${connector}` : ""}:\n\n${lines.join("\n")}\n\nAsk "why did order #… fail?" for one order, or "retry everything that failed on the <connector> outage" to propose a retry.`;
}

interface BridgeLine { label?: string; text?: string; amount?: number; value?: number }
interface Recon {
  runs: { id: string; domain: string; startedAt: string; finishedAt: string | null; status: string }[];
  findings: { id: string; domain: string; subject: string; kind: string; severity: string; status: string; summary: string; cause: string; bridge: BridgeLine[]; explanation: string | null; sides: unknown; evidence: unknown; proposedRepair: unknown }[];
  agreements: { subject: string; summary: string }[];
  note: string;
}

async function* skuDiscrepancy(sku: string, counts: number[], tool: ToolFn): Gen<string> {
  const r = yield* tool("get_reconciliation_report", { subject: sku, limit: 100 });
  if (!r.ok) return `I could not read the reconciliation report: ${r.message}`;
  const report = r.data as unknown as Recon;
  const asked = counts.length >= 2 ? ` (you see ${counts.join(" vs ")})` : "";
  if (report.runs.length === 0) {
    return `No reconciliation report exists yet, so I cannot say why the numbers for SKU ${sku} differ${asked}. Run a reconciliation (the console's Reconciliation page, or \`npm run reconcile -- --domain inventory\`) and ask again: it compares each system of record with the others and explains every difference line by line.`;
  }
  const runs = report.runs.map((x) => `${x.domain} run ${x.id} (${x.status}, ${x.finishedAt ?? x.startedAt})`).join("; ");
  const live = report.findings.filter((f) => f.status !== "resolved");
  if (live.length === 0) {
    const agreed = report.agreements.map((a) => `- ${a.summary}`).join("\n");
    return `The latest reconciliation (${runs}) found no open difference for SKU ${sku}${asked}.${agreed ? `\n\nHow the systems agree:\n${agreed}` : ""} If they disagree now, the change happened after that run: run a reconciliation again.`;
  }
  const lines = live.slice(0, 10).map((f) => {
    const bridge = (f.bridge ?? []).map((b) => `    ${b.text ?? b.label ?? JSON.stringify(b)}`).join("\n");
    return `- ${f.summary} (${f.kind}, ${f.status}${f.status === "in_flight" ? ": work still within its timing lag, not drift" : ""})\n  Cause: ${f.cause}${f.explanation ? `\n  Why: ${f.explanation}` : ""}${bridge ? `\n  Bridge:\n${bridge}` : ""}${evidenceLine(f.evidence)}${f.proposedRepair ? `\n  Proposed repair (needs approval): ${compact(f.proposedRepair)}` : ""}`;
  });
  return `Reconciliation found ${live.length} difference(s) for SKU ${sku}${asked}, from ${runs}:\n\n${lines.join("\n")}`;
}

function compact(v: unknown): string {
  const s = JSON.stringify(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

function evidenceLine(evidence: unknown): string {
  // Reconciliation evidence keeps the explaining events of our log under `log`.
  const ev = Array.isArray(evidence) ? evidence : (evidence as { log?: unknown[] } | null)?.log;
  if (!Array.isArray(ev) || ev.length === 0) return "";
  const items = ev.slice(0, 5).map((e) => {
    if (!e || typeof e !== "object") return String(e);
    const r = e as Record<string, unknown>;
    return r.summary ?? (r.note ? `${r.note}${r.eventId ? ` (${r.eventId})` : ""}` : `${r.kind ?? r.explains ?? ""} ${r.id ?? r.eventId ?? ""}`);
  });
  return `\n  Evidence: ${items.join("; ")}`;
}

const OUTAGE_CAUSES = new Set(["upstream_outage", "rate_limiting"]);

async function* retryOutage(rt: Runtime, connector: string | undefined, tool: ToolFn): Gen<{ text: string; cards: ProposalCard[] }> {
  const r = yield* tool("list_failures", connector ? { connector, includeQuarantine: false } : { includeQuarantine: false });
  if (!r.ok) return { text: `I could not list failures: ${r.message}`, cards: [] };
  const groups = (r.data as unknown as { groups: Group[] }).groups;
  const outage = groups.filter((g) => OUTAGE_CAUSES.has(g.rootCause) || g.failureKey.startsWith("outage|"));
  const scope = connector ? `the ${connector} outage` : "an outage";
  if (outage.length === 0) {
    const others = groups.length ? ` The open failures there have other causes, which a retry would not fix: ${groups.map((g) => `${g.title} (${label(g.rootCause)})`).join("; ")}.` : "";
    return { text: `Nothing failed on ${scope} that is still open: no outage or rate-limit failure group has parked deliveries${connector ? ` for ${connector}` : ""}.${others}`, cards: [] };
  }
  const cards: ProposalCard[] = [];
  const lines: string[] = [];
  for (const g of outage) {
    const pending = (await listRemediations(rt, { failureKey: g.failureKey, statuses: ["proposed", "approved"], limit: 1 }))[0];
    if (pending && pending.kind === "retry") {
      const card = cardOfView(pending);
      cards.push(card);
      lines.push(`- ${g.title}: already proposed as ${pending.id} (${pending.status}${pending.approvedByPolicy ? ` by policy ${pending.approvedByPolicy}` : ""}); dry run: ${pending.dryRun?.summary ?? "n/a"}.`);
      continue;
    }
    const p = yield* tool("propose_remediation", {
      kind: "retry",
      params: { failureKey: g.failureKey },
      title: `Retry ${g.openCount} deliveries parked by the ${g.destination ?? connector ?? ""} outage`.replace(/\s+/g, " "),
      rationale: `${g.title}: ${label(g.rootCause)}. The deliveries failed only because ${g.destination ?? "the destination"} was unavailable; sending them again unchanged fixes them once it is healthy (requested from the console chat).`,
      evidence: [{ kind: "failure_group", id: g.failureKey }],
    });
    if (!p.ok) {
      lines.push(`- ${g.title}: could not propose a retry: ${p.message}`);
      continue;
    }
    const card = proposalCardOf(p.data)!;
    cards.push(card);
    lines.push(`- ${g.title}: proposed ${card.remediationId}: dry run: ${card.dryRunSummary ?? "n/a"}. ${card.status === "approved" ? `Pre-approved by policy ${card.approvedByPolicy}: it can be applied now.` : "Awaiting approval by an approver."}`);
  }
  const awaiting = cards.some((c) => c.status === "proposed");
  return {
    text: `Retry for ${scope}: ${outage.reduce((n, g) => n + g.openCount, 0)} parked deliveries in ${outage.length} failure group(s).\n\n${lines.join("\n")}\n\n${awaiting ? "Nothing is retried until a person with the approver role approves the proposal (Approvals page); then it is applied and every step is recorded in the audit log." : "Approved proposals are applied from the Approvals page (or by the triage agent); every step is recorded in the audit log."}`,
    cards,
  };
}

function cardOfView(v: RemediationView): ProposalCard {
  return proposalCardOf({ remediation: v })!;
}

async function* connectorHealth(connector: string, tool: ToolFn): Gen<string> {
  const r = yield* tool("get_connector_health", { connector, live: false });
  if (!r.ok) return `I could not read the health of ${connector}: ${r.message}`;
  const c = (r.data as { connectors: any[] }).connectors[0];
  if (!c) return `No health data for ${connector}.`;
  const a = c.attempts;
  return `**${c.displayName}** (${c.id}): credentials ${c.auth.state}${c.auth.stopped ? " (stopped: reconnect it)" : ""}, circuit ${c.circuit.state}, ${c.openParked} parked deliveries${c.answersOwed?.pending ? `, ${c.answersOwed.pending} ${c.answersOwed.pending === 1 ? "answer" : "answers"} (EDI 997/TA1) owed to the sender and being resent` : ""}. Last ${a.windowMinutes} min: ${a.total} attempts, ${a.ok} ok, ${a.failed} failed, ${a.rateLimited} rate-limited${a.errorRate !== null ? `, error rate ${pct(a.errorRate)}` : ""}${a.p95LatencyMs !== null ? `, p95 ${a.p95LatencyMs} ms` : ""}. Last success ${a.lastOkAt ?? "none in the window"}; last failure ${a.lastFailureAt ?? "none"}.${c.owner ? ` Owner: ${c.owner}.` : ""}`;
}

/** Applies what a human or a policy approved; apply_remediation refuses anything else, whoever asks. */
async function* applyRemediation(id: string, tool: ToolFn): Gen<string> {
  const r = yield* tool("apply_remediation", { remediationId: id });
  if (!r.ok) return `${id} was not applied: ${r.message}`;
  const d = r.data as { status: string; outcome: { succeeded: number; parked: number; pending: number; error?: string }; caused: { deliveryIds: string[]; notes: string[] } };
  if (d.status !== "applied") return `${id} ran and failed: ${d.outcome.error ?? "see the audit log"}.`;
  const notes = d.caused.notes.length ? ` ${d.caused.notes.join(" ")}` : "";
  return `Applied ${id}: ${d.caused.deliveryIds.length} deliveries sent again; ${d.outcome.succeeded} succeeded, ${d.outcome.parked} parked again, ${d.outcome.pending} still running.${notes} Every step is in the audit log.`;
}

export function helpText(connectorIds: string[]): string {
  const c = connectorIds[0] ?? "netsuite";
  return [
    "Without a model I can answer these questions (from the deterministic diagnosis and the same tools the model uses):",
    "- \"why did order #1042 fail?\": the order's events and the root cause, with evidence and the fix",
    "- \"what is failing right now?\": open failure groups by root cause, with counts, orders and owners",
    "- \"why does the 3PL show 412 and the ERP 387 for SKU AB-12?\": the reconciliation report for that SKU",
    `- "retry everything that failed on the ${c} outage": a retry proposal with a dry run, for an approver`,
    "- \"fix order #1042\": a proposal of the fix the diagnosis suggests, with a dry run, for an approver",
    `- "map SKU ZZ-99 to ${c} item 106": the mapping fix for a SKU the destination rejected, with the replay of what it stopped`,
    `- "is ${c} healthy?": credentials, circuit, error rate and parked deliveries of one connector`,
    "- \"explain evt_…\": the diagnosis of one event",
    "- \"apply rem_…\": run a remediation a human approver or a named policy already approved",
    "",
    "To ask anything else, configure a model: set OPENAI_API_KEY (and OPENAI_BASE_URL / OPENAI_MODEL for any OpenAI-compatible endpoint such as vLLM, Ollama or llama.cpp) and restart.",
  ].join("\n");
}

