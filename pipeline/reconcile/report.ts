import type { Store } from "../db/client";
import { reconFindingCounts, reconFindings, reconRunsFor, type ReconRunRecord } from "../db/queries/recon-report";
import type { BridgeLine, Evidence, ProposedRepair, ReconDomain } from "./types";

export interface ReportFinding {
  id: string;
  domain: string;
  subject: string;
  kind: string;
  severity: string;
  /** open: drift; in_flight: explained by work within its lag; resolved: agrees again. */
  status: string;
  summary: string;
  cause: string;
  /** The bridge from one system's figure to the other's, line by line (also as text in `explanation`). */
  bridge: BridgeLine[];
  explanation: string | null;
  /** The records on each side, by connector instance id. */
  sides: Record<string, unknown>;
  evidence: Evidence;
  /** Proposed, never applied: it goes through the remediation approval flow. */
  proposedRepair: ProposedRepair | null;
  failureKey: string | null;
  firstSeenAt: string;
  lastSeenAt: string | null;
  resolvedAt: string | null;
  runId: string;
}

export interface ReconciliationReport {
  /** The latest run of each domain asked about (or the run asked for), with its timings and notes. */
  runs: { id: string; domain: string; status: string; startedAt: string; finishedAt: string | null; checked: number; findings: number; summary: unknown }[];
  findings: ReportFinding[];
  counts: { open: number; inFlight: number; resolved: number };
  /** When a subject was asked about: bridges of its parts that agreed in the latest on-demand look at it. */
  agreements: { subject: string; summary: string; bridge: BridgeLine[] }[];
  truncated: boolean;
}

/**
 * The latest reconciliation findings with their evidence and bridges: what the
 * get_reconciliation_report tool and the console show. Without a run, the findings still open or
 * in flight (with a subject, resolved ones too: the history of that SKU or order); with a run,
 * the findings that run saw last.
 */
export async function getReconciliationReport(
  store: Store,
  f: { domain?: ReconDomain; subject?: string; runId?: string; status?: "open" | "in_flight" | "resolved" | "all"; limit?: number } = {},
): Promise<ReconciliationReport> {
  const limit = Math.min(f.limit ?? 100, 1000);
  const runs = await reconRunsFor(store, { domain: f.domain, runId: f.runId });
  const statuses = f.status === "all" ? undefined : f.status ? [f.status] : f.subject || f.runId ? undefined : ["open", "in_flight"];
  const rows = await reconFindings(store, { domain: f.domain ?? (f.runId ? runs[0]?.domain : undefined), subject: f.subject, runId: f.runId, statuses, limit: limit + 1 });
  const counts = { open: 0, inFlight: 0, resolved: 0 };
  for (const c of await reconFindingCounts(store, { domain: f.domain })) {
    if (c.status === "open") counts.open += c.n;
    else if (c.status === "in_flight") counts.inFlight += c.n;
    else if (c.status === "resolved") counts.resolved += c.n;
  }
  const agreements = f.subject ? await agreementsOf(store, f.subject, f.domain) : [];
  return {
    runs: runs.map(runView),
    findings: rows.slice(0, limit).map((r) => ({
      id: r.id,
      domain: r.domain,
      subject: r.subject,
      kind: r.kind,
      severity: r.severity,
      status: r.status,
      summary: r.evidence?.summary ?? "",
      cause: r.evidence?.cause ?? r.kind,
      bridge: r.evidence?.bridge ?? [],
      explanation: r.explanation,
      sides: r.sides ?? {},
      evidence: r.evidence,
      proposedRepair: r.evidence?.proposedRepair ?? null,
      failureKey: r.failureKey,
      firstSeenAt: r.firstSeenAt,
      lastSeenAt: r.lastSeenAt,
      resolvedAt: r.resolvedAt,
      runId: r.runId,
    })),
    counts,
    agreements,
    truncated: rows.length > limit,
  };
}

function runView(r: ReconRunRecord) {
  return { id: r.id, domain: r.domain, status: r.status, startedAt: r.startedAt, finishedAt: r.finishedAt, checked: r.checked, findings: r.diffCount, summary: r.summary };
}

async function agreementsOf(store: Store, subject: string, domain?: ReconDomain): Promise<ReconciliationReport["agreements"]> {
  const scoped = await reconRunsFor(store, { domain, scoped: true });
  return scoped
    .filter((r) => r.summary?.subject === subject || String(r.summary?.subject ?? "").startsWith(`${subject}@`) || subject.startsWith(`${r.summary?.subject}@`))
    .flatMap((r) => (r.summary?.agreements ?? []) as ReconciliationReport["agreements"]);
}
