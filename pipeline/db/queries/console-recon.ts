import { sql, type SQL } from "drizzle-orm";
import type { Store } from "../client";
import { RECON_DIFF_COLUMNS, reconDiffFromRow, type ReconDiffView } from "./console-orders";

export interface ReconRunView {
  id: string;
  domain: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  checked: number;
  diffCount: number;
  summary: unknown;
}

const iso = (v: unknown): string => new Date(v instanceof Date ? v.getTime() : String(v)).toISOString();

function toRun(r: Record<string, unknown>): ReconRunView {
  return {
    id: String(r.id),
    domain: String(r.domain),
    startedAt: iso(r.startedAt),
    finishedAt: r.finishedAt ? iso(r.finishedAt) : null,
    status: String(r.status),
    checked: Number(r.checked),
    diffCount: Number(r.diffCount),
    summary: r.summary ?? null,
  };
}

const RUN_COLUMNS = sql`id, domain, started_at as "startedAt", finished_at as "finishedAt", status, checked, diff_count as "diffCount", summary`;

/** The newest run of every domain, with the number of findings still open in that domain. */
export async function latestReconRuns(store: Store): Promise<(ReconRunView & { openDiffs: number })[]> {
  const rows = await store.rows<Record<string, unknown>>(sql`
    select distinct on (domain) ${RUN_COLUMNS},
           (select count(*)::int from recon_diffs d where d.domain = recon_runs.domain and d.status = 'open') as "openDiffs"
      from recon_runs order by domain, started_at desc`);
  return rows.map((r) => ({ ...toRun(r), openDiffs: Number(r.openDiffs ?? 0) }));
}

/** Runs of one domain, oldest first, for the trend chart. */
export async function reconRunHistory(store: Store, domain: string, limit = 30): Promise<ReconRunView[]> {
  const rows = await store.rows<Record<string, unknown>>(sql`
    select * from (select ${RUN_COLUMNS} from recon_runs where domain = ${domain} order by started_at desc limit ${limit}) r
     order by "startedAt"`);
  return rows.map(toRun);
}

export async function listReconDiffs(store: Store, f: { domain: string; runId?: string; status?: string; kind?: string; limit?: number }): Promise<ReconDiffView[]> {
  const where: SQL[] = [sql`domain = ${f.domain}`];
  if (f.runId) where.push(sql`run_id = ${f.runId}`);
  if (f.status && f.status !== "all") where.push(sql`status = ${f.status}`);
  if (f.kind) where.push(sql`kind = ${f.kind}`);
  const rows = await store.rows<Record<string, unknown>>(sql`
    select ${RECON_DIFF_COLUMNS} from recon_diffs where ${sql.join(where, sql` and `)}
     order by case severity when 'critical' then 0 when 'error' then 1 when 'warning' then 2 else 3 end, created_at desc
     limit ${f.limit ?? 200}`);
  return rows.map(reconDiffFromRow);
}

export async function reconDiffKinds(store: Store, domain: string): Promise<{ kind: string; open: number; total: number }[]> {
  const rows = await store.rows<Record<string, unknown>>(sql`
    select kind, count(*) filter (where status = 'open')::int as open, count(*)::int as total
      from recon_diffs where domain = ${domain} group by kind order by open desc, total desc`);
  return rows.map((r) => ({ kind: String(r.kind), open: Number(r.open), total: Number(r.total) }));
}
