import { hostname } from "node:os";
import { explainFailure, signalsOf, type Diagnosis } from "../diagnosis";
import { APPROVAL_POLICIES, applyApprovedRemediation, listRemediations, proposeRemediation, type Actor } from "../../pipeline/approvals";
import { appendAudit, readAuditLog } from "../../pipeline/audit";
import type { EvidenceRef } from "../../pipeline/db/queries/evidence-queries";
import { listFailureGroups, type FailureGroupRow } from "../../pipeline/db/queries/failure-queries";
import { listConnectorRows } from "../../pipeline/db/queries/health-queries";
import { recordLeaseError, releaseLease, takeLease } from "../../pipeline/db/queries/lease-queries";
import type { RemediationRow } from "../../pipeline/db/queries/remediation-queries";
import { log } from "../../pipeline/log";
import { parseRemediationParams, REMEDIATION_KINDS, type RemediationKind } from "../../pipeline/remediations";
import type { Runtime } from "../../pipeline/runtime";
import { consoleOnlyNotifier, webhookNotifier, type Notifier, type TriageNotice } from "./notify";

/** The triage agent's identity in the audit chain and on its proposals. */
export const TRIAGE_ACTOR: Actor = { type: "agent", id: "triage", scopes: ["read", "propose"] };
const LEASE_ID = "agent:triage";

export interface TriageOptions {
  pollIntervalMs?: number;
  /**
   * How long a fix a policy could pre-approve (a retry after an outage) waits for its destination
   * to recover before a human is asked instead. 0: ask at once.
   */
  deferPolicyEligibleMs?: number;
  /** Automatic proposals per failure group per day; after that the owner is told it keeps failing. */
  maxProposalsPerGroupPerDay?: number;
  /** How long apply waits for the deliveries it caused before recording the outcome later. */
  applyWaitMs?: number;
  notifier?: Notifier;
}

export interface TriageTickReport {
  held: boolean;
  applied: string[];
  proposed: string[];
  deferred: string[];
  notified: string[];
  skipped: string[];
}

type Step = TriageNotice["kind"] | "diagnosed";

/**
 * The background triage agent. Each tick, under a lease (one process at a time, however many
 * workers run):
 * 1. applies its own proposals that a human approver or a named policy approved;
 * 2. for each open failure group with parked deliveries it has not handled since the group last
 *    failed: runs the deterministic diagnosis, proposes the playbook's fix with a dry run (a
 *    policy may pre-approve it, and then it is applied at once), routes it to the owner of the
 *    connector (failure_groups.owner, else connector_instances.owner) and notifies them.
 * Every step is an audit entry with actor agent/triage; "handled since the group last failed" is
 * read back from those entries, so a restart neither forgets nor repeats work.
 */
export class TriageAgent {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  private readonly owner = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  private readonly opts: Required<Omit<TriageOptions, "notifier">> & { notifier: Notifier };

  constructor(private readonly rt: Runtime, opts: TriageOptions = {}) {
    this.opts = {
      pollIntervalMs: opts.pollIntervalMs ?? 10_000,
      deferPolicyEligibleMs: opts.deferPolicyEligibleMs ?? 15 * 60_000,
      maxProposalsPerGroupPerDay: opts.maxProposalsPerGroupPerDay ?? 3,
      applyWaitMs: opts.applyWaitMs ?? 5_000,
      notifier: opts.notifier ?? (rt.config.notifyWebhookUrl ? webhookNotifier(rt.config.notifyWebhookUrl) : consoleOnlyNotifier),
    };
  }

  start(): this {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick()
        .catch((e) => log.warn({ err: (e as Error).message }, "triage tick failed"))
        .finally(() => {
          if (!this.stopped) {
            this.timer = setTimeout(loop, this.opts.pollIntervalMs);
            this.timer.unref?.();
          }
        });
    };
    this.timer = setTimeout(loop, 0);
    this.timer.unref?.();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await releaseLease(this.rt.store, LEASE_ID, this.owner).catch(() => {});
  }

  /** One pass; exposed so tests (and a CLI) can drive triage without timers. */
  async tick(): Promise<TriageTickReport> {
    const report: TriageTickReport = { held: false, applied: [], proposed: [], deferred: [], notified: [], skipped: [] };
    const leaseSeconds = Math.max(30, Math.ceil((this.opts.pollIntervalMs * 3) / 1000));
    if (!(await takeLease(this.rt.store, LEASE_ID, this.owner, leaseSeconds))) return report;
    report.held = true;
    try {
      await this.applyApproved(report);
      for (const g of await listFailureGroups(this.rt.store, { statuses: ["open"], limit: 200 })) {
        if (this.stopped) break;
        await this.triageGroup(g, report);
      }
      await recordLeaseError(this.rt.store, LEASE_ID, null);
    } catch (e) {
      await recordLeaseError(this.rt.store, LEASE_ID, (e as Error).message.slice(0, 500)).catch(() => {});
      throw e;
    }
    return report;
  }

  private async applyApproved(report: TriageTickReport): Promise<void> {
    const approved = (await listRemediations(this.rt, { statuses: ["approved"], limit: 100 })).filter((r) => r.proposedBy === TRIAGE_ACTOR.id && !r.appliedAt);
    for (const r of approved) {
      const result = await applyApprovedRemediation(this.rt, TRIAGE_ACTOR, r.id, { waitMs: this.opts.applyWaitMs });
      if (!result.ok) {
        // Another caller (the console) got to it first: nothing to do.
        log.info({ remediation: r.id, code: result.code }, "triage did not apply an approved remediation");
        continue;
      }
      report.applied.push(r.id);
      if (!r.failureKey) continue;
      const diagnosis = await this.diagnose(r.failureKey);
      if (!diagnosis) continue;
      const after = (await listRemediations(this.rt, { failureKey: r.failureKey, limit: 5 })).find((x) => x.id === r.id) ?? r;
      const applied = result.status === "applied";
      const o = result.outcome;
      await this.notify(report, {
        kind: applied ? "applied" : "apply_failed",
        owner: await this.ownerOf(r.failureKey, diagnosis),
        failureKey: r.failureKey,
        diagnosis,
        remediation: after,
        next: applied
          ? `Applied ${r.id} (approved by ${r.approvedByPolicy ? `policy ${r.approvedByPolicy}` : r.decidedBy}): ${o.succeeded} delivered, ${o.parked} parked again${o.pending ? `, ${o.pending} still running` : ""}.`
          : `Applying ${r.id} failed: ${o.error ?? "see the audit log"}.`,
      });
    }
  }

  private async triageGroup(g: FailureGroupRow, report: TriageTickReport): Promise<void> {
    if (g.key.startsWith("quarantine|")) return;
    const pending = await listRemediations(this.rt, { failureKey: g.key, statuses: ["proposed", "approved"], limit: 1 });
    if (pending.length) return void report.skipped.push(g.key);
    const history = await readAuditLog(this.rt.store, { subject: subjectOf(g.key), limit: 50 });
    const latestIndex = history.findIndex((a) => a.actorId === TRIAGE_ACTOR.id && a.actorType === TRIAGE_ACTOR.type);
    const latest = latestIndex >= 0 ? history[latestIndex] : undefined;
    const deferredSince = latest?.action === "triage.deferred" ? latest.at : undefined;
    if (latest && latest.at >= g.lastSeenAt && !deferredSince) return void report.skipped.push(g.key);
    // A notice that a person must act is not repeated for every new failure of the same cause:
    // only once the group was resolved in between, or as a daily reminder.
    const resolvedSince = history.slice(0, Math.max(latestIndex, 0)).some((a) => a.action === "failure_group.resolved");
    if (latest && NOTICE_ONLY.has(latest.action) && !resolvedSince && Date.now() - Date.parse(latest.at) < 24 * 3600_000) return void report.skipped.push(g.key);

    const diagnosis = await this.diagnose(g.key);
    if (!diagnosis || diagnosis.rootCause === "no_failure") return;
    const owner = await this.ownerOf(g.key, diagnosis, g);
    if (!deferredSince) await this.audit(g.key, "diagnosed", `${diagnosis.label} (${Math.round(diagnosis.confidence * 100)}%): ${diagnosis.title}`, { rootCause: diagnosis.rootCause, confidence: diagnosis.confidence, evidence: diagnosis.evidence.map((e) => ({ kind: e.kind, id: e.id })), suggestedFix: diagnosis.suggestedFix, owner });

    const since = new Date(Date.now() - 24 * 3600_000).toISOString();
    const recent = (await listRemediations(this.rt, { failureKey: g.key, limit: 20 })).filter((r) => r.proposedBy === TRIAGE_ACTOR.id && r.createdAt >= since);
    if (recent.length >= this.opts.maxProposalsPerGroupPerDay) {
      return this.notify(report, { kind: "gave_up", owner, failureKey: g.key, diagnosis, next: `${recent.length} automatic fixes in the last 24 h did not hold (latest ${recent[0]!.id}); no more are proposed today: a person must look.` });
    }

    const fix = diagnosis.suggestedFix;
    if (fix.kind === "none") {
      return this.notify(report, { kind: "no_automatic_fix", owner, failureKey: g.key, diagnosis, next: fix.description });
    }
    const parsed = (REMEDIATION_KINDS as readonly string[]).includes(fix.kind) ? parseRemediationParams(fix.kind as RemediationKind, fix.params) : { ok: false as const, error: `unknown kind ${fix.kind}` };
    if (fix.needs.length || !parsed.ok) {
      return this.notify(report, { kind: "needs_input", owner, failureKey: g.key, diagnosis, next: `Propose the fix in the console once you have ${fix.needs.join("; ") || "the missing values"}.` });
    }
    const kind = fix.kind as RemediationKind;

    if (fix.policyEligible && this.opts.deferPolicyEligibleMs > 0) {
      const verdict = await previewPolicies(this.rt, kind, parsed.params, g.key);
      const waitedMs = deferredSince ? Date.now() - Date.parse(deferredSince) : 0;
      if (!verdict.approve && waitedMs < this.opts.deferPolicyEligibleMs) {
        if (!deferredSince) {
          report.deferred.push(g.key);
          await this.audit(g.key, "deferred", verdict.why, { kind, params: parsed.params, waitUpToMs: this.opts.deferPolicyEligibleMs });
          await this.notify(report, { kind: "deferred", owner, failureKey: g.key, diagnosis, next: `Not yet: ${verdict.why}. Triage proposes the retry as soon as it is healthy (a policy may then pre-approve it), or asks you for approval after ${Math.round(this.opts.deferPolicyEligibleMs / 60_000)} min.` }, false);
        }
        return;
      }
    }

    const remediation = await this.propose(kind, parsed.params, diagnosis, g.key);
    if (!remediation.ok) {
      return this.notify(report, { kind: "needs_input", owner, failureKey: g.key, diagnosis, next: `Triage could not propose the fix: ${remediation.message}.` });
    }
    const r = remediation.value;
    report.proposed.push(r.id);
    if (r.status === "approved") {
      // Pre-approved by a named policy: apply now; the notice tells the owner what was done.
      await this.applyApproved(report);
      return;
    }
    await this.notify(report, { kind: "awaiting_approval", owner, failureKey: g.key, diagnosis, remediation: r, next: `Approve or reject ${r.id} in the console (Approvals); triage applies it once approved.` });
  }

  private async propose(kind: RemediationKind, params: Record<string, unknown>, d: Diagnosis, key: string) {
    const evidence: EvidenceRef[] = dedupeRefs([{ kind: "failure_group", id: key }, ...d.evidence.map((e) => ({ kind: e.kind, id: e.id }))]);
    const input = { kind, params, rationale: `Triage: ${d.label} (${Math.round(d.confidence * 100)}% confidence). ${d.explanation} Playbook: ${d.suggestedFix.description}`, title: `${titleOfFix(kind)}: ${d.title}`.slice(0, 200), evidence };
    const r = await proposeRemediation(this.rt, TRIAGE_ACTOR, input);
    // Evidence rows can vanish between diagnosis and proposal (a replay moved them); the group itself is enough.
    if (!r.ok && r.code === "invalid" && /evidence/.test(r.message)) return proposeRemediation(this.rt, TRIAGE_ACTOR, { ...input, evidence: [{ kind: "failure_group", id: key }] });
    return r;
  }

  private async diagnose(key: string): Promise<Diagnosis | undefined> {
    return explainFailure(this.rt.store, { failureKey: key }, signalsOf(this.rt, { live: false }));
  }

  /** Ownership is configuration: an owner set on the group wins, else the destination connector's owner. */
  private async ownerOf(key: string, d: Diagnosis, g?: FailureGroupRow): Promise<string | null> {
    if (g?.owner) return g.owner;
    const destination = g?.connector ?? d.affected.connectors[0] ?? key.split("|")[1];
    if (!destination) return null;
    const [row] = await listConnectorRows(this.rt.store, destination);
    return row?.owner ?? null;
  }

  private async notify(report: TriageTickReport, n: Omit<TriageNotice, "consoleUrl">, audit = true): Promise<void> {
    const base = this.rt.config.publicUrl?.replace(/\/$/, "");
    const notice: TriageNotice = { ...n, consoleUrl: base ? `${base}${n.remediation ? "/approvals" : "/failures"}` : undefined };
    const sent = await this.opts.notifier.send(notice);
    report.notified.push(n.failureKey);
    if (!sent.delivered) log.info({ failureKey: n.failureKey, detail: sent.detail }, "triage notice not delivered by webhook");
    if (audit) {
      await this.audit(n.failureKey, n.kind, n.next, { owner: n.owner, remediationId: n.remediation?.id ?? null, notified: sent.delivered, channel: "webhook", detail: sent.detail });
    }
  }

  private async audit(key: string, step: Step, reason: string, after: unknown): Promise<void> {
    await appendAudit(this.rt.store, { actorType: TRIAGE_ACTOR.type, actorId: TRIAGE_ACTOR.id, action: `triage.${step}`, subject: subjectOf(key), reason: reason.slice(0, 1000), after });
  }
}

const subjectOf = (key: string) => `failure_group:${key}`;
const NOTICE_ONLY = new Set(["triage.needs_input", "triage.no_automatic_fix", "triage.gave_up"]);

function titleOfFix(kind: RemediationKind): string {
  return { retry: "Retry", replay_from_stage: "Replay", update_mapping: "Update mapping", reconnect_credentials: "Reconnect", push_correction: "Push correction" }[kind];
}

function dedupeRefs(refs: EvidenceRef[]): EvidenceRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => r.id && !seen.has(`${r.kind}:${r.id}`) && seen.add(`${r.kind}:${r.id}`));
}

/**
 * Would a named policy approve this fix right now? The policies are evaluated on a draft row that
 * is never written, so a retry is proposed only once it can be pre-approved (or the wait is over).
 */
async function previewPolicies(rt: Runtime, kind: RemediationKind, params: Record<string, unknown>, key: string): Promise<{ approve: boolean; why: string }> {
  const now = new Date().toISOString();
  const draft: RemediationRow = {
    id: "rem_preview", kind, status: "proposed", title: "", rationale: "", params, evidence: [], dryRun: null, failureKey: key,
    proposedBy: TRIAGE_ACTOR.id, decidedBy: null, approvedByPolicy: null, decisionReason: null, outcome: null, createdAt: now, decidedAt: null, appliedAt: null,
  };
  const whys: string[] = [];
  for (const p of APPROVAL_POLICIES) {
    const v = await p.evaluate(rt, draft);
    if (v.approve) return { approve: true, why: `policy ${p.name}: ${v.why}` };
    whys.push(v.why);
  }
  return { approve: false, why: whys.join("; ") || "no approval policy applies" };
}

/** Starts a triage agent on this runtime (what the worker service registration calls). */
export function startTriageAgent(rt: Runtime, opts: TriageOptions = {}): TriageAgent {
  return new TriageAgent(rt, opts).start();
}
