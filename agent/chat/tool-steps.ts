import type { Actor } from "../../pipeline/approvals";
import { log } from "../../pipeline/log";
import type { Runtime } from "../../pipeline/runtime";
import { runOpenAiToolCall } from "../../tools/openai-adapter";
import type { ProposalCard } from "./events";

export interface ToolStep {
  ok: boolean;
  /** What the model reads next (before it is fenced as data). */
  content: string;
  data?: unknown;
  summary: string;
  proposal?: ProposalCard;
  durationMs: number;
  /** The arguments were not JSON or failed the tool's zod schema. */
  malformed: boolean;
}

/**
 * Runs one tool call through the registry's OpenAI adapter (scope check, zod validation,
 * handler). Refusals and bad arguments come back as results the model can read; a tool that
 * throws is a bug, logged once and reported to the model as an internal error so the turn goes on.
 */
export async function runToolStep(rt: Runtime, actor: Actor, call: { name: string; arguments: string }): Promise<ToolStep> {
  const started = Date.now();
  try {
    const r = await runOpenAiToolCall({ rt, actor }, call);
    const malformed = !r.ok && /^error \(invalid\): (the arguments of|invalid arguments for)/.test(r.content);
    return {
      ok: r.ok,
      content: r.content,
      data: r.data,
      summary: r.ok ? summarise(call.name, r.data) : r.content.slice(0, 300),
      proposal: r.ok && call.name === "propose_remediation" ? proposalCardOf(r.data) : undefined,
      durationMs: Date.now() - started,
      malformed,
    };
  } catch (e) {
    log.error({ tool: call.name, err: (e as Error).message }, "tool threw during an agent turn");
    const content = `error (internal): ${call.name} failed unexpectedly; try another tool or tell the operator`;
    return { ok: false, content, summary: content, durationMs: Date.now() - started, malformed: false };
  }
}

/** The parsed arguments for display, or the raw string when they are not JSON. */
export function displayArgs(raw: string): unknown {
  try {
    return raw ? JSON.parse(raw) : {};
  } catch {
    return raw;
  }
}

export function proposalCardOf(data: unknown): ProposalCard | undefined {
  const r = (data as { remediation?: Record<string, any> } | undefined)?.remediation;
  if (!r || typeof r.id !== "string") return undefined;
  return {
    remediationId: r.id,
    title: String(r.title ?? ""),
    kind: String(r.kind ?? ""),
    status: String(r.status ?? "proposed"),
    dryRunSummary: r.dryRun?.summary ?? null,
    wouldPass: typeof r.dryRun?.wouldPass === "number" ? r.dryRun.wouldPass : null,
    wouldFail: typeof r.dryRun?.wouldFail === "number" ? r.dryRun.wouldFail : null,
    failureKey: r.failureKey ?? null,
    approvedByPolicy: r.approvedByPolicy ?? null,
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One line for the console's tool step: what came back, not the whole result. */
export function summarise(name: string, data: unknown): string {
  const d = (data ?? {}) as Record<string, any>;
  switch (name) {
    case "search_events":
      return `${plural(d.events?.length ?? 0, "event")}${d.nextCursor ? " (more available)" : ""}`;
    case "get_event":
      return `${d.event?.type ?? "event"} from ${d.event?.sourceConnector ?? "?"}: ${d.event?.status ?? "?"}, ${plural(d.deliveries?.length ?? 0, "delivery", "deliveries")}, ${plural(d.attempts?.length ?? 0, "attempt")}`;
    case "list_failures":
      return `${plural(d.groups?.length ?? 0, "failure group")}, ${d.totalOpen ?? 0} open`;
    case "explain_failure":
      return `${d.rootCause ?? "?"} (${Math.round((d.confidence ?? 0) * 100)}%): ${d.title ?? ""}`;
    case "get_reconciliation_report":
      return `${plural(d.runs?.length ?? 0, "run")}, ${plural(d.findings?.length ?? 0, "finding")}`;
    case "get_connector_health":
      return (d.connectors ?? []).map((c: any) => `${c.id}: auth ${c.auth?.state}, circuit ${c.circuit?.state}, ${c.openParked} parked`).join("; ") || "no connectors";
    case "propose_remediation":
      return `${d.remediation?.id} ${d.remediation?.status}: ${d.remediation?.dryRun?.summary ?? "no dry run"}`;
    case "apply_remediation":
      return `${d.remediationId} ${d.status}: ${d.outcome?.succeeded ?? 0} succeeded, ${d.outcome?.parked ?? 0} parked, ${d.outcome?.pending ?? 0} pending`;
    case "verify_audit_chain":
      return d.ok ? `chain verifies (${d.checked} entries)` : `chain broken at entry ${d.firstBadSeq}: ${d.problem ?? ""}`;
    default: {
      const parts = Object.entries(d).map(([k, v]) => (Array.isArray(v) ? `${v.length} ${k}` : typeof v === "object" ? null : `${k} ${String(v).slice(0, 40)}`)).filter(Boolean);
      return parts.slice(0, 4).join(", ") || "ok";
    }
  }
}
