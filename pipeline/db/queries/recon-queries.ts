import { sql, type SQL } from "drizzle-orm";
import type { Store } from "../client";
import { isoOf } from "./event-read-queries";

export interface ReconRunRow {
  id: string;
  domain: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  checked: number;
  diffCount: number;
  summary: unknown;
}

export interface ReconDiffRow {
  id: string;
  runId: string;
  domain: string;
  subject: string;
  kind: string;
  severity: string;
  sides: unknown;
  evidence: unknown;
  explanation: string | null;
  status: string;
  firstSeenAt: string;
  createdAt: string;
}

/** The newest run per domain (or the given run). */
export async function latestReconRuns(store: Store, f: { domain?: string; runId?: string }): Promise<ReconRunRow[]> {
  const where: SQL[] = [];
  if (f.domain) where.push(sql`domain = ${f.domain}`);
  if (f.runId) where.push(sql`id = ${f.runId}`);
  const rows = await store.rows<ReconRunRow>(sql`
    select distinct on (domain) id, domain, started_at as "startedAt", finished_at as "finishedAt", status, checked, diff_count as "diffCount", summary
      from recon_runs ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``}
     order by domain, started_at desc`);
  return rows.map((r) => ({ ...r, startedAt: isoOf(r.startedAt)!, finishedAt: isoOf(r.finishedAt), checked: Number(r.checked), diffCount: Number(r.diffCount) }));
}

export async function reconDiffsOf(store: Store, f: { runIds: string[]; status?: string; limit: number }): Promise<ReconDiffRow[]> {
  if (f.runIds.length === 0) return [];
  const rows = await store.rows<ReconDiffRow>(sql`
    select id, run_id as "runId", domain, subject, kind, severity, sides, evidence, explanation, status,
           first_seen_at as "firstSeenAt", created_at as "createdAt"
      from recon_diffs where run_id in ${f.runIds} ${f.status ? sql`and status = ${f.status}` : sql``}
     order by case severity when 'critical' then 0 when 'error' then 1 when 'warning' then 2 else 3 end, created_at desc
     limit ${f.limit}`);
  return rows.map((r) => ({ ...r, firstSeenAt: isoOf(r.firstSeenAt)!, createdAt: isoOf(r.createdAt)! }));
}
