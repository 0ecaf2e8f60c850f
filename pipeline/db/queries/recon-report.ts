import { sql, type SQL } from "drizzle-orm";
import type { Store } from "../client";
import { isoOf } from "./event-read-queries";

export interface ReconRunRecord {
  id: string;
  domain: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  checked: number;
  diffCount: number;
  summary: any;
}

/** The given run, or the newest finished (or failed) run of each domain, or of one. */
export async function reconRunsFor(store: Store, f: { domain?: string; runId?: string; scoped?: boolean }): Promise<ReconRunRecord[]> {
  const where: SQL[] = [sql`status <> 'running'`];
  if (f.runId) where.push(sql`id = ${f.runId}`);
  if (f.domain) where.push(sql`domain = ${f.domain}`);
  // Runs scoped to one subject are not the domain's latest picture.
  if (!f.runId) where.push(f.scoped ? sql`summary->>'subject' is not null` : sql`summary->>'subject' is null`);
  const rows = await store.rows<ReconRunRecord>(sql`
    select distinct on (domain) id, domain, started_at as "startedAt", finished_at as "finishedAt", status, checked, diff_count as "diffCount", summary
      from recon_runs where ${sql.join(where, sql` and `)}
     order by domain, started_at desc`);
  return rows.map((r) => ({ ...r, startedAt: isoOf(r.startedAt)!, finishedAt: isoOf(r.finishedAt), checked: Number(r.checked), diffCount: Number(r.diffCount), summary: typeof r.summary === "string" ? JSON.parse(r.summary) : r.summary }));
}

export interface ReconFindingRecord {
  id: string;
  runId: string;
  domain: string;
  subject: string;
  kind: string;
  severity: string;
  status: string;
  sides: any;
  evidence: any;
  explanation: string | null;
  firstSeenAt: string;
  lastSeenAt: string | null;
  resolvedAt: string | null;
  failureKey: string | null;
}

/** Findings by domain, subject (a SKU matches its "SKU@location" rows), run and status; worst first. */
export async function reconFindings(store: Store, f: { domain?: string; subject?: string; runId?: string; statuses?: string[]; limit: number }): Promise<ReconFindingRecord[]> {
  const where: SQL[] = [];
  if (f.domain) where.push(sql`domain = ${f.domain}`);
  if (f.runId) where.push(sql`run_id = ${f.runId}`);
  if (f.subject) where.push(sql`(subject = ${f.subject} or subject like ${`${f.subject.replace(/[\\%_]/g, (c) => `\\${c}`)}@%`})`);
  if (f.statuses?.length) where.push(sql`status in ${f.statuses}`);
  const rows = await store.rows<ReconFindingRecord>(sql`
    select id, run_id as "runId", domain, subject, kind, severity, status, sides, evidence, explanation,
           first_seen_at as "firstSeenAt", last_seen_at as "lastSeenAt", resolved_at as "resolvedAt", failure_key as "failureKey"
      from recon_diffs ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``}
     order by case status when 'open' then 0 when 'in_flight' then 1 else 2 end,
              case severity when 'critical' then 0 when 'error' then 1 when 'warning' then 2 else 3 end,
              coalesce(last_seen_at, created_at) desc, subject
     limit ${f.limit}`);
  return rows.map((r) => ({
    ...r,
    sides: typeof r.sides === "string" ? JSON.parse(r.sides) : r.sides,
    evidence: typeof r.evidence === "string" ? JSON.parse(r.evidence) : r.evidence,
    firstSeenAt: isoOf(r.firstSeenAt)!,
    lastSeenAt: isoOf(r.lastSeenAt),
    resolvedAt: isoOf(r.resolvedAt),
  }));
}

export async function reconFindingCounts(store: Store, f: { domain?: string }): Promise<{ domain: string; status: string; n: number }[]> {
  const rows = await store.rows<{ domain: string; status: string; n: number }>(sql`
    select domain, status, count(*)::int as n from recon_diffs ${f.domain ? sql`where domain = ${f.domain}` : sql``} group by domain, status`);
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}
