import { appendAudit } from "../audit";
import type { LiveInstance } from "../connector-instances";
import type { Store } from "../db/client";
import {
  finishReconRun, insertReconRun, listAllMappings, resolveFindings, resolveReconFailureGroups, setProposedRemediation, unresolvedFindings, upsertFindings, upsertReconFailureGroups,
  type FindingRow, type ReconFailureGroup,
} from "../db/queries/recon-store";
import { ClassifiedError, classifyUnknownError } from "../errors";
import { newId, stableId } from "../ids";
import { log } from "../log";
import { accountingReconciler } from "./accounting";
import { inventoryReconciler, matchesSubject } from "./inventory";
import { ordersReconciler } from "./orders";
import { displayName } from "./roles";
import { failAfterOf, loadReconSettings, type DomainSettings } from "./settings";
import { shipmentsReconciler } from "./shipments";
import type { EvidenceRef, Finding, ReconcileContext, ReconcileResult, ReconDomain, Reconciler } from "./types";

export const RECONCILERS: Record<ReconDomain, Reconciler> = {
  inventory: inventoryReconciler,
  orders: ordersReconciler,
  shipments: shipmentsReconciler,
  accounting: accountingReconciler,
};

/** A proposal through the remediation flow (pipeline/approvals.ts proposeRemediation). */
export type ProposeRemediation = (input: { kind: string; params: Record<string, unknown>; rationale: string; title: string; evidence: EvidenceRef[] }) => Promise<{ ok: true; id: string } | { ok: false; message: string }>;

/** What a run needs: the store and the live connector instances (Runtime.directory.listInstances). */
export interface ReconDeps {
  store: Store;
  instances: () => LiveInstance[];
  /**
   * When given, a repair that is one of the remediation kinds (a retry of parked deliveries) is
   * proposed through the approval flow once, when its drift opens a failure. Other repairs stay
   * proposals in the finding's evidence: the remediation kinds cannot express them yet.
   */
  propose?: ProposeRemediation;
}

export interface RunOptions {
  domain: ReconDomain;
  /** The clock (tests move it past a lag). */
  now?: Date;
  /** Only this subject: a SKU, "SKU@location" or an order number. */
  subject?: string;
  /** Overrides of the stored settings for this run only. */
  settings?: Partial<DomainSettings>;
  trigger?: "schedule" | "on_demand";
}

export interface RunOutcome {
  runId?: string;
  domain: ReconDomain;
  status: "succeeded" | "failed" | "skipped";
  checked: number;
  open: number;
  inFlight: number;
  resolved: number;
  failuresOpened: string[];
  failuresResolved: string[];
  /** readMs: wall time with a reader call in flight; computeMs: the rest of the reconciler; storeMs: writing findings and failures. */
  timings: { readMs: number; computeMs: number; storeMs: number; totalMs: number };
  notes: string[];
  findings: Finding[];
  agreements?: ReconcileResult["agreements"];
  /** Remediations proposed through the approval flow by this run, by finding id. */
  proposed?: Record<string, string>;
  error?: string;
}

const ROOT_CAUSE_TITLES: Record<string, string> = {
  inventory_drift: "Inventory drift",
  lost_webhook: "Events never received (lost webhooks)",
  order_drift: "Orders disagree between systems",
  shipment_drift: "Shipments not reflected everywhere",
  unposted_order: "Orders not posted to the books",
  unposted_refund: "Refunds not posted to the books",
  duplicate_posting: "Documents posted twice",
  posting_amount_mismatch: "Posted amounts differ from the order",
  payout_mismatch: "Payouts or settlements do not match deposits",
};

const running = new Set<string>();

/**
 * Runs one domain's reconciler and records what it found: a recon_runs row, one recon_diffs row
 * per finding (carried across runs by a stable id, so its first sighting is kept), findings no
 * longer seen resolved, and a failure group for drift that has outlived the domain's lag.
 * Repairs are only proposed (in each finding's evidence), never applied. Never throws: a failed
 * run is recorded as failed with the error.
 */
export async function runReconciliation(deps: ReconDeps, opts: RunOptions): Promise<RunOutcome> {
  const started = performance.now();
  const now = opts.now ?? new Date();
  const outcome: RunOutcome = { domain: opts.domain, status: "skipped", checked: 0, open: 0, inFlight: 0, resolved: 0, failuresOpened: [], failuresResolved: [], timings: { readMs: 0, computeMs: 0, storeMs: 0, totalMs: 0 }, notes: [], findings: [] };
  const lockKey = `${opts.domain}:${opts.subject ?? "*"}`;
  if (running.has(lockKey)) {
    outcome.notes.push(`a ${opts.domain} reconciliation is already running in this process`);
    return outcome;
  }
  running.add(lockKey);
  const reads = new ReadClock();
  let runId: string | undefined;
  try {
    const settings = { ...(await loadReconSettings(deps.store))[opts.domain], ...opts.settings };
    if (!settings.enabled && opts.trigger === "schedule") return finish(outcome, started, reads);
    const instances = deps.instances();
    const ctx: ReconcileContext = {
      store: deps.store,
      instances,
      mappings: await listAllMappings(deps.store),
      settings,
      now,
      subject: opts.subject,
      read: (inst, reader, ...args) => reads.time(() => readWithRetry(inst, reader, args)),
    };
    const result = await RECONCILERS[opts.domain].run(ctx);
    outcome.notes.push(...result.notes);
    if (!result.applicable) return finish(outcome, started, reads);
    const computed = performance.now();

    runId = newId("rcr");
    outcome.runId = runId;
    const seenAt = now.toISOString();
    await insertReconRun(deps.store, { id: runId, domain: opts.domain, startedAt: new Date(now.getTime() - (computed - started)).toISOString(), summary: { trigger: opts.trigger ?? "on_demand", subject: opts.subject } });
    const previous = new Map((await unresolvedFindings(deps.store, opts.domain)).map((f) => [f.id, f]));
    const failAfter = failAfterOf(settings);
    const groups = new Map<string, ReconFailureGroup & { n: number }>();
    const rows: FindingRow[] = result.findings.map((f) => {
      const id = stableId("rcd", opts.domain, f.subject, f.kind, f.counterpart ?? "");
      const firstSeenAt = previous.get(id)?.firstSeenAt ?? seenAt;
      let failureKey: string | null = null;
      if (f.status === "open" && now.getTime() - Date.parse(firstSeenAt) >= failAfter) {
        const owner = instances.find((i) => i.id === f.ownerConnector);
        failureKey = `recon|${opts.domain}|${f.rootCause}|${f.ownerConnector ?? "all"}`;
        const g = groups.get(failureKey) ?? { key: failureKey, rootCause: f.rootCause, title: "", connector: f.ownerConnector ?? null, owner: owner?.owner ?? null, n: 0 };
        g.n++;
        g.title = `${ROOT_CAUSE_TITLES[f.rootCause] ?? f.rootCause}: ${g.n} ${opts.domain} finding${g.n === 1 ? "" : "s"} at ${displayName(owner, f.ownerConnector ?? "several systems")} (first: ${f.subject})`;
        groups.set(failureKey, g);
      }
      return {
        id, runId: runId!, domain: opts.domain, subject: f.subject, kind: f.kind, severity: f.severity, status: f.status,
        sides: f.sides, evidence: { ...f.evidence, rootCause: f.rootCause, ownerConnector: f.ownerConnector ?? null }, explanation: explanationOf(f),
        firstSeenAt, seenAt, failureKey,
      };
    });
    const seen = new Set(rows.map((r) => r.id));
    const gone = [...previous.values()].filter((p) => !seen.has(p.id) && matchesSubject(p.subject, opts.subject)).map((p) => p.id);

    const storing = performance.now();
    await upsertFindings(deps.store, rows);
    await resolveFindings(deps.store, gone, runId);
    outcome.failuresOpened = await upsertReconFailureGroups(deps.store, [...groups.values()].map(({ n: _n, ...g }) => g));
    // A run scoped to one subject cannot tell whether the others are fixed.
    const stillOpen = new Set([...groups.keys(), ...rows.filter((r) => r.status === "open").map((r) => previous.get(r.id)?.failureKey).filter((k): k is string => !!k)]);
    if (!opts.subject) outcome.failuresResolved = await resolveReconFailureGroups(deps.store, opts.domain, [...stillOpen]);
    const audits = [
      ...outcome.failuresOpened.map((key) => ({ actorType: "system" as const, actorId: "reconciler", action: "failure_group.opened", subject: `failure_group:${key}`, reason: `${groups.get(key)?.title}; drift outlived the ${opts.domain} lag of ${Math.round(failAfter / 60_000)} min`, after: { runId } })),
      ...outcome.failuresResolved.map((key) => ({ actorType: "system" as const, actorId: "reconciler", action: "failure_group.resolved", subject: `failure_group:${key}`, reason: `reconciliation run ${runId} found the systems agreeing again`, after: { runId } })),
    ];
    if (audits.length) await appendAudit(deps.store, audits);
    if (deps.propose) outcome.proposed = await proposeRepairs(deps, rows.filter((r) => r.failureKey && !previous.get(r.id)?.failureKey), result.findings, opts.domain, outcome.notes);

    outcome.status = "succeeded";
    outcome.checked = result.checked;
    outcome.findings = result.findings;
    outcome.agreements = result.agreements;
    outcome.open = rows.filter((r) => r.status === "open").length;
    outcome.inFlight = rows.filter((r) => r.status === "in_flight").length;
    outcome.resolved = gone.length;
    const storeMs = performance.now() - storing;
    finish(outcome, started, reads, storeMs);
    await finishReconRun(deps.store, {
      id: runId, status: "succeeded", checked: result.checked, diffCount: rows.length,
      summary: {
        trigger: opts.trigger ?? "on_demand", subject: opts.subject, settings, systems: result.systems, notes: result.notes,
        open: outcome.open, inFlight: outcome.inFlight, resolved: outcome.resolved,
        byKind: countBy(rows.map((r) => `${r.kind}:${r.status}`)),
        failuresOpened: outcome.failuresOpened, failuresResolved: outcome.failuresResolved,
        timings: outcome.timings,
        agreements: result.agreements?.slice(0, 200),
      },
    });
    return outcome;
  } catch (e) {
    const err = classifyUnknownError(e);
    outcome.status = "failed";
    outcome.error = `${err.errorClass}: ${err.message}`;
    log.error({ domain: opts.domain, err: err.message }, "reconciliation run failed");
    finish(outcome, started, reads);
    // A run that failed before it had a row (a reader down) is recorded too: the console shows it.
    const failedId = runId ?? newId("rcr");
    outcome.runId = failedId;
    await (runId ? Promise.resolve() : insertReconRun(deps.store, { id: failedId, domain: opts.domain, startedAt: now.toISOString(), summary: {} }))
      .then(() => finishReconRun(deps.store, { id: failedId, status: "failed", checked: 0, diffCount: 0, summary: { trigger: opts.trigger ?? "on_demand", subject: opts.subject, error: outcome.error, timings: outcome.timings } }))
      .catch((err) => log.warn({ err: (err as Error).message }, "could not record the failed reconciliation run"));
    return outcome;
  } finally {
    running.delete(lockKey);
  }
}

/** Proposes the mappable repairs of drift that just opened a failure; records the remediation id in the finding. */
async function proposeRepairs(deps: ReconDeps, rows: FindingRow[], findings: Finding[], domain: ReconDomain, notes: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const byId = new Map(findings.map((x) => [stableId("rcd", domain, x.subject, x.kind, x.counterpart ?? ""), x]));
  for (const row of rows) {
    const f = byId.get(row.id);
    const repair = f?.evidence.proposedRepair;
    if (!f || !repair?.remediation) continue;
    const r = await deps.propose!({
      kind: repair.remediation.kind,
      params: repair.remediation.params,
      rationale: `Reconciliation (${domain}): ${f.evidence.summary}`,
      title: repair.title,
      evidence: [{ kind: "recon_diff" as const, id: row.id }, ...f.evidence.refs.filter((x) => x.kind !== "connector")],
    });
    if (r.ok) {
      out[row.id] = r.id;
      await setProposedRemediation(deps.store, row.id, r.id);
    } else notes.push(`could not propose the repair of ${f.subject}: ${r.message}`);
  }
  return out;
}

function finish(o: RunOutcome, started: number, reads: ReadClock, storeMs = 0): RunOutcome {
  const totalMs = performance.now() - started;
  o.timings = { readMs: round(reads.ms), computeMs: round(Math.max(0, totalMs - reads.ms - storeMs)), storeMs: round(storeMs), totalMs: round(totalMs) };
  return o;
}

const round = (n: number) => Math.round(n * 10) / 10;

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

/** The explanation column: the summary, then the bridge line by line. */
export function explanationOf(f: Finding): string {
  return [f.evidence.summary, ...f.evidence.bridge.map((b) => (b.kind === "start" || b.kind === "compare" || b.kind === "total" ? b.text : `  ${b.text}`))].join("\n");
}

/**
 * Wall time during which at least one reader call was in flight: reads run in parallel, so the
 * sum of their durations would overstate what they cost the run.
 */
class ReadClock {
  ms = 0;
  private active = 0;
  private since = 0;

  async time<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active++ === 0) this.since = performance.now();
    try {
      return await fn();
    } finally {
      if (--this.active === 0) this.ms += performance.now() - this.since;
    }
  }
}

/** Reads retry rate limits (after Retry-After) and transient faults; anything else fails the run. */
async function readWithRetry<T>(inst: LiveInstance, reader: string, args: unknown[]): Promise<T> {
  const fn = inst.definition.readers?.[reader];
  if (!fn) throw new Error(`${inst.id} (${inst.definition.id}) has no ${reader} reader`);
  for (let attempt = 1; ; attempt++) {
    try {
      return (await fn(inst.client, ...args)) as T;
    } catch (e) {
      const err = classifyUnknownError(e);
      const retryable = err.errorClass === "rate_limited" || err.errorClass === "transient";
      if (!retryable || attempt >= 5) throw new ClassifiedError({ errorClass: err.errorClass, message: `${inst.id} ${reader} reader: ${err.message}`, code: err.code });
      const wait = err.errorClass === "rate_limited" && err.retryAfterMs ? Math.min(err.retryAfterMs, 30_000) : 250 * 2 ** (attempt - 1);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
