import { appendAudit, type AuditActorType } from "./audit";
import { missingEvidence, type EvidenceRef } from "./db/queries/evidence-queries";
import { findParkedTargets } from "./db/queries/failure-queries";
import { listConnectorRows, recentAttemptsOf } from "./db/queries/health-queries";
import { decideRemediationRow, getRemediationRow, insertRemediation, listRemediationRows, type RemediationRow, type RemediationStatus } from "./db/queries/remediation-queries";
import { newId } from "./ids";
import type { McpScope } from "./mcp-tokens";
import { applyRemediation, dryRunRemediation, parseRemediationParams, type ApplyResult, type DryRunResult, type RemediationKind } from "./remediations";
import type { Runtime } from "./runtime";

/**
 * Two-phase remediations: propose (with rationale, evidence and a dry run) → approve or reject
 * (a human approver, or a named policy for a low-risk class) → apply (remediations.applyRemediation,
 * which refuses anything not approved). Every step is an entry in the audit chain.
 */

/** Who is acting. Agents and read-only clients can never approve. */
export interface Actor {
  type: "user" | "agent" | "mcp_client" | "system";
  id: string;
  scopes: McpScope[];
  /** Console users: only "approver" may approve. */
  role?: "viewer" | "operator" | "approver";
}

export interface RemediationView {
  id: string;
  kind: RemediationKind;
  status: RemediationStatus;
  title: string;
  rationale: string;
  params: Record<string, unknown>;
  evidence: EvidenceRef[];
  dryRun: DryRunResult | null;
  failureKey: string | null;
  proposedBy: string;
  decidedBy: string | null;
  approvedByPolicy: string | null;
  decisionReason: string | null;
  outcome: unknown;
  createdAt: string;
  decidedAt: string | null;
  appliedAt: string | null;
}

export type Decision<T> = { ok: true; value: T } | { ok: false; code: "not_found" | "refused" | "forbidden" | "invalid" | "awaiting_approval"; message: string };

export interface ProposalInput {
  kind: RemediationKind;
  params: unknown;
  rationale: string;
  title?: string;
  evidence?: EvidenceRef[];
}

const auditActor = (a: Actor): { actorType: AuditActorType; actorId: string } => ({ actorType: a.type, actorId: a.id });

export function toView(r: RemediationRow): RemediationView {
  const iso = (v: string | null) => (v ? new Date(v).toISOString() : null);
  return {
    id: r.id,
    kind: r.kind as RemediationKind,
    status: r.status,
    title: r.title,
    rationale: r.rationale,
    params: r.params as Record<string, unknown>,
    evidence: (r.evidence as EvidenceRef[]) ?? [],
    dryRun: (r.dryRun as DryRunResult | null) ?? null,
    failureKey: r.failureKey,
    proposedBy: r.proposedBy,
    decidedBy: r.decidedBy,
    approvedByPolicy: r.approvedByPolicy,
    decisionReason: r.decisionReason,
    outcome: r.outcome ?? null,
    createdAt: new Date(r.createdAt).toISOString(),
    decidedAt: iso(r.decidedAt),
    appliedAt: iso(r.appliedAt),
  };
}

/**
 * Records a proposal: validates the parameters, checks every cited evidence id exists, dry-runs
 * it, writes evidence → proposal to the audit chain, then lets the approval policies look at it.
 */
export async function proposeRemediation(rt: Runtime, actor: Actor, input: ProposalInput): Promise<Decision<RemediationView>> {
  if (actor.type !== "system" && !actor.scopes.includes("propose")) return { ok: false, code: "forbidden", message: `${actor.id} may not propose remediations (needs the propose scope)` };
  const parsed = parseRemediationParams(input.kind, input.params);
  if (!parsed.ok) return { ok: false, code: "invalid", message: `invalid ${input.kind} params: ${parsed.error}` };
  const evidence = input.evidence ?? [];
  const missing = await missingEvidence(rt.store, evidence);
  if (missing.length) return { ok: false, code: "invalid", message: `evidence that does not exist: ${missing.map((m) => `${m.kind} ${m.id}`).join(", ")}; cite ids from explain_failure, get_event or search_events` };
  const dryRun = await dryRunRemediation(rt, input.kind, parsed.params);
  const id = newId("rem");
  const failureKey = typeof parsed.params.failureKey === "string" ? parsed.params.failureKey : null;
  const title = input.title?.trim() || defaultTitle(input.kind, parsed.params);
  await insertRemediation(rt.store, { id, kind: input.kind, status: "proposed", title, rationale: input.rationale, params: parsed.params, evidence, dryRun, failureKey, proposedBy: actor.id });
  await appendAudit(rt.store, [
    { ...auditActor(actor), action: "remediation.evidence", subject: `remediation:${id}`, reason: input.rationale, after: { evidence } },
    { ...auditActor(actor), action: "remediation.proposed", subject: `remediation:${id}`, reason: input.rationale, after: { kind: input.kind, title, params: parsed.params, dryRun: { summary: dryRun.summary, wouldPass: dryRun.wouldPass, wouldFail: dryRun.wouldFail } } },
  ]);
  await applyPolicies(rt, id);
  return { ok: true, value: toView((await getRemediationRow(rt.store, id))!) };
}

function defaultTitle(kind: RemediationKind, p: Record<string, unknown>): string {
  switch (kind) {
    case "retry":
      return `Retry ${p.failureKey ? `failure group ${p.failureKey}` : "parked deliveries"}`;
    case "replay_from_stage":
      return `Replay from ${p.stage}${p.failureKey ? ` (${p.failureKey})` : ""}`;
    case "update_mapping":
      return `Map ${(p.mappings as { sourceKey: string; targetKey: string }[]).map((m) => `${m.sourceKey} → ${m.targetKey}`).join(", ")} (${p.mappingKind} on ${p.connector})`;
    case "reconnect_credentials":
      return `Reconnect ${p.connector}`;
    case "push_correction":
      return `Push a corrected ${p.eventId}`;
  }
}

/** Whether this actor may approve or reject: console approvers and approve-scoped MCP tokens, never the agent. */
export function canApprove(actor: Actor): { ok: boolean; why: string } {
  if (actor.type === "agent") return { ok: false, why: "the agent proposes; only a human approver (or a named policy) approves" };
  if (actor.type === "user") return actor.role === "approver" ? { ok: true, why: "approver role" } : { ok: false, why: `user ${actor.id} does not have the approver role` };
  if (actor.type === "mcp_client") return actor.scopes.includes("approve") ? { ok: true, why: "approve-scoped token" } : { ok: false, why: `this MCP token has scopes ${actor.scopes.join(", ")}: approving needs a token with the approve scope` };
  return { ok: false, why: "system actors do not approve" };
}

export async function approveRemediation(rt: Runtime, actor: Actor, id: string, reason?: string): Promise<Decision<RemediationView>> {
  return decide(rt, actor, id, "approved", reason);
}

export async function rejectRemediation(rt: Runtime, actor: Actor, id: string, reason: string): Promise<Decision<RemediationView>> {
  return decide(rt, actor, id, "rejected", reason);
}

async function decide(rt: Runtime, actor: Actor, id: string, status: "approved" | "rejected", reason?: string): Promise<Decision<RemediationView>> {
  const allowed = canApprove(actor);
  if (!allowed.ok) return { ok: false, code: "forbidden", message: `cannot ${status === "approved" ? "approve" : "reject"}: ${allowed.why}` };
  const row = await getRemediationRow(rt.store, id);
  if (!row) return { ok: false, code: "not_found", message: `no remediation ${id}` };
  if (row.status !== "proposed") return { ok: false, code: "refused", message: `remediation ${id} is ${row.status}${row.decidedBy ? ` (decided by ${row.decidedBy})` : ""}: only a proposed remediation can be decided` };
  // Four eyes: whoever proposed does not also approve.
  if (status === "approved" && row.proposedBy === actor.id) return { ok: false, code: "forbidden", message: `${actor.id} proposed remediation ${id} and cannot also approve it` };
  const updated = await decideRemediationRow(rt.store, id, { status, decidedBy: actor.id, approvedByPolicy: null, reason: reason ?? null });
  if (!updated) return { ok: false, code: "refused", message: `remediation ${id} was decided by someone else a moment ago` };
  await appendAudit(rt.store, { ...auditActor(actor), action: status === "approved" ? "remediation.approved" : "remediation.rejected", subject: `remediation:${id}`, reason: reason ?? null, before: { status: "proposed" }, after: { status } });
  return { ok: true, value: toView(updated) };
}

/** Applies an approved remediation (the gate itself lives in applyRemediation's claim). */
export async function applyApprovedRemediation(rt: Runtime, actor: Actor, id: string, opts: { waitMs?: number } = {}): Promise<ApplyResult> {
  if (actor.type !== "system" && !actor.scopes.includes("propose")) {
    const refusal = { ok: false as const, code: "refused" as const, message: `${actor.id} may not apply remediations (needs the propose scope)` };
    await appendAudit(rt.store, { ...auditActor(actor), action: "remediation.apply_refused", subject: `remediation:${id}`, reason: refusal.message });
    return refusal;
  }
  return applyRemediation(rt, { type: actor.type, id: actor.id }, id, opts);
}

export async function getRemediation(rt: Runtime, id: string): Promise<RemediationView | undefined> {
  const row = await getRemediationRow(rt.store, id);
  return row ? toView(row) : undefined;
}

export async function listRemediations(rt: Runtime, f: { statuses?: RemediationStatus[]; failureKey?: string; limit?: number }): Promise<RemediationView[]> {
  return (await listRemediationRows(rt.store, { ...f, limit: f.limit ?? 50 })).map(toView);
}

/** A named policy that may pre-approve a proposal. The audit entry names it as the approver. */
export interface ApprovalPolicy {
  name: string;
  description: string;
  evaluate(rt: Runtime, r: RemediationRow): Promise<{ approve: boolean; why: string }>;
}

export const RETRY_AFTER_TRANSIENT: ApprovalPolicy = {
  name: "retry-after-transient-when-healthy",
  description: "Pre-approves a plain retry of deliveries that failed only for outages or rate limits, once every destination involved is healthy again: circuit closed, not stopped, and its latest attempt after the failures succeeded.",
  async evaluate(rt, r) {
    if (r.kind !== "retry") return { approve: false, why: "only plain retries qualify" };
    const p = r.params as { failureKey?: string; deliveryIds?: string[]; eventIds?: string[] };
    const targets = await findParkedTargets(rt.store, { failureKey: p.failureKey, deliveryIds: p.deliveryIds, eventIds: p.eventIds, limit: 501 });
    if (targets.length === 0 || targets.length > 500) return { approve: false, why: targets.length ? "more than 500 deliveries: a human decides" : "nothing to retry" };
    const bad = targets.find((t) => t.errorClass !== "transient" && t.errorClass !== "rate_limited");
    if (bad) return { approve: false, why: `delivery ${bad.deliveryId} failed with ${bad.errorClass}, not an outage or rate limit` };
    for (const dest of new Set(targets.map((t) => t.destination))) {
      const [row] = await listConnectorRows(rt.store, dest);
      if (!rt.directory.get(dest)) return { approve: false, why: `${dest} is not configured` };
      if (rt.engine.isStopped(dest) || row?.authState === "failed") return { approve: false, why: `${dest} is stopped` };
      const circuit = rt.engine.circuitState(dest);
      if (circuit !== "closed") return { approve: false, why: `${dest}'s circuit is ${circuit}` };
      const lastParked = targets.filter((t) => t.destination === dest).reduce((m, t) => (t.parkedAt > m ? t.parkedAt : m), "");
      const [latest] = (await recentAttemptsOf(rt.store, dest, 10)).filter((a) => a.outcome !== "rate_limited" && a.outcome !== "circuit_open");
      if (!latest || !(latest.outcome === "ok" || latest.outcome === "duplicate") || latest.startedAt < lastParked) {
        return { approve: false, why: `no successful attempt to ${dest} since the failures: its health is not proven yet` };
      }
    }
    return { approve: true, why: `all ${targets.length} deliveries failed for outages/rate limits and every destination is healthy again` };
  },
};

export const APPROVAL_POLICIES: ApprovalPolicy[] = [RETRY_AFTER_TRANSIENT];

async function applyPolicies(rt: Runtime, id: string): Promise<void> {
  const row = await getRemediationRow(rt.store, id);
  if (!row || row.status !== "proposed") return;
  for (const policy of APPROVAL_POLICIES) {
    const verdict = await policy.evaluate(rt, row);
    if (!verdict.approve) continue;
    const updated = await decideRemediationRow(rt.store, id, { status: "approved", decidedBy: `policy:${policy.name}`, approvedByPolicy: policy.name, reason: verdict.why });
    if (updated) {
      await appendAudit(rt.store, { actorType: "policy", actorId: policy.name, action: "remediation.approved", subject: `remediation:${id}`, reason: verdict.why, before: { status: "proposed" }, after: { status: "approved", policy: policy.name } });
    }
    return;
  }
}
