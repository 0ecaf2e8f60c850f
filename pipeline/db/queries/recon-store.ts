import { sql } from "drizzle-orm";
import type { Store } from "../client";
import { isoOf } from "./event-read-queries";
import type { MappingRow } from "./mapping-queries";

export async function insertReconRun(store: Store, run: { id: string; domain: string; startedAt: string; summary?: unknown }): Promise<void> {
  await store.rows(sql`
    insert into recon_runs (id, domain, started_at, status, summary)
    values (${run.id}, ${run.domain}, ${run.startedAt}, 'running', ${JSON.stringify(run.summary ?? {})}::jsonb)`);
}

export async function finishReconRun(store: Store, run: { id: string; status: "succeeded" | "failed"; checked: number; diffCount: number; summary: unknown }): Promise<void> {
  await store.rows(sql`
    update recon_runs set status = ${run.status}, finished_at = now(), checked = ${run.checked}, diff_count = ${run.diffCount},
           summary = ${JSON.stringify(run.summary)}::jsonb
     where id = ${run.id}`);
}

export interface UnresolvedFinding {
  id: string;
  subject: string;
  kind: string;
  status: string;
  firstSeenAt: string;
  failureKey: string | null;
}

/** Findings of a domain still open or in flight: what this run carries forward or resolves. */
export async function unresolvedFindings(store: Store, domain: string): Promise<UnresolvedFinding[]> {
  const rows = await store.rows<UnresolvedFinding>(sql`
    select id, subject, kind, status, first_seen_at as "firstSeenAt", failure_key as "failureKey"
      from recon_diffs where domain = ${domain} and status in ('open', 'in_flight')`);
  return rows.map((r) => ({ ...r, firstSeenAt: isoOf(r.firstSeenAt)! }));
}

export interface FindingRow {
  id: string;
  runId: string;
  domain: string;
  subject: string;
  kind: string;
  severity: string;
  status: string;
  sides: unknown;
  evidence: unknown;
  explanation: string;
  firstSeenAt: string;
  seenAt: string;
  failureKey: string | null;
}

/**
 * Writes this run's findings: one row per finding id, so a finding seen run after run keeps its
 * first sighting (what the lag is measured from) and points at the latest run. A finding that was
 * resolved and comes back starts a new first sighting. The batch travels as one JSON parameter.
 */
export async function upsertFindings(store: Store, rows: FindingRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    const json = JSON.stringify(rows.slice(i, i + 2000).map((r) => ({
      id: r.id, run_id: r.runId, domain: r.domain, subject: r.subject, kind: r.kind, severity: r.severity, status: r.status,
      sides: r.sides, evidence: r.evidence, explanation: r.explanation, first_seen_at: r.firstSeenAt, seen_at: r.seenAt, failure_key: r.failureKey,
    })));
    await store.rows(sql`
      insert into recon_diffs (id, run_id, domain, subject, kind, severity, status, sides, evidence, explanation, first_seen_at, created_at, last_seen_at, resolved_at, failure_key)
      select x.id, x.run_id, x.domain, x.subject, x.kind, x.severity, x.status, x.sides, x.evidence, x.explanation, x.first_seen_at, x.seen_at, x.seen_at, null, x.failure_key
        from jsonb_to_recordset(${json}::jsonb) as x(id text, run_id text, domain text, subject text, kind text, severity text, status text,
             sides jsonb, evidence jsonb, explanation text, first_seen_at timestamptz, seen_at timestamptz, failure_key text)
      on conflict (id) do update set
        run_id = excluded.run_id, severity = excluded.severity, status = excluded.status, sides = excluded.sides,
        evidence = excluded.evidence, explanation = excluded.explanation, last_seen_at = excluded.last_seen_at, resolved_at = null,
        first_seen_at = case when recon_diffs.status = 'resolved' then excluded.first_seen_at else recon_diffs.first_seen_at end,
        failure_key = coalesce(excluded.failure_key, case when recon_diffs.status = 'resolved' then null else recon_diffs.failure_key end)`);
  }
}

export async function resolveFindings(store: Store, ids: string[], runId: string): Promise<void> {
  for (let i = 0; i < ids.length; i += 5000) {
    const part = ids.slice(i, i + 5000);
    await store.rows(sql`
      update recon_diffs set status = 'resolved', resolved_at = now(),
             evidence = jsonb_set(evidence, '{resolvedByRun}', to_jsonb(${runId}::text))
       where id in (select jsonb_array_elements_text(${JSON.stringify(part)}::jsonb)) and status <> 'resolved'`);
  }
}

export interface ReconFailureGroup {
  key: string;
  rootCause: string;
  title: string;
  connector: string | null;
  owner: string | null;
}

/** Opens (or reopens) failure groups for drift that outlived its lag; returns the keys that were not open before. */
export async function upsertReconFailureGroups(store: Store, groups: ReconFailureGroup[]): Promise<string[]> {
  if (groups.length === 0) return [];
  const json = JSON.stringify(groups.map((g) => ({ key: g.key, root_cause: g.rootCause, title: g.title, connector: g.connector, owner: g.owner })));
  const rows = await store.rows<{ key: string }>(sql`
    with prev as (select key, status from failure_groups where key in (select x->>'key' from jsonb_array_elements(${json}::jsonb) x)),
    up as (
      insert into failure_groups (key, root_cause, title, connector, owner)
      select x.key, x.root_cause, x.title, x.connector, x.owner
        from jsonb_to_recordset(${json}::jsonb) as x(key text, root_cause text, title text, connector text, owner text)
      on conflict (key) do update set title = excluded.title, last_seen_at = now(), owner = coalesce(failure_groups.owner, excluded.owner),
        status = case when failure_groups.status = 'resolved' then 'open' else failure_groups.status end
      returning key)
    select up.key from up left join prev on prev.key = up.key where prev.key is null or prev.status = 'resolved'`);
  return rows.map((r) => r.key);
}

/** Resolves a domain's reconciliation failure groups that no open finding holds any more; returns their keys. */
export async function resolveReconFailureGroups(store: Store, domain: string, stillOpen: string[]): Promise<string[]> {
  const rows = await store.rows<{ key: string }>(sql`
    update failure_groups set status = 'resolved'
     where key like ${`recon|${domain}|%`} and status in ('open', 'acknowledged')
       and key not in (select jsonb_array_elements_text(${JSON.stringify(stillOpen)}::jsonb))
    returning key`);
  return rows.map((r) => r.key);
}

export async function listAllMappings(store: Store): Promise<MappingRow[]> {
  const rows = await store.rows<MappingRow>(sql`select id, kind, connector, source_key as "sourceKey", target_key as "targetKey" from mappings`);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** Records the remediation a finding's repair was proposed as (evidence.proposedRepair.remediationId). */
export async function setProposedRemediation(store: Store, findingId: string, remediationId: string): Promise<void> {
  await store.rows(sql`
    update recon_diffs set evidence = jsonb_set(evidence, '{proposedRepair,remediationId}', to_jsonb(${remediationId}::text))
     where id = ${findingId} and evidence ? 'proposedRepair'`);
}
