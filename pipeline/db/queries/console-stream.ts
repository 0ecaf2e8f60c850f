import { sql } from "drizzle-orm";
import type { Store } from "../client";

/** One fingerprint per topic the console refreshes on. */
export type ChangeSignature = Record<"events" | "activity" | "failures" | "approvals" | "audit" | "recon" | "connections", string>;

/**
 * A cheap snapshot of what changed, run about once a second for all open consoles together.
 * Each part is an index-only max() or a scan of a small table, so it stays cheap at any event
 * volume; it works the same on PGlite and PostgreSQL (no LISTEN/NOTIFY needed).
 */
export async function changeSignature(store: Store): Promise<ChangeSignature> {
  const [r] = await store.rows<Record<string, unknown>>(sql`
    select
      (select coalesce(max(received_at)::text, '') from events) as events,
      (select coalesce(max(id), 0)::text from attempts) as activity,
      (select count(*)::text || ':' || coalesce(max(last_seen_at)::text, '') || ':' || coalesce(md5(string_agg(key || status || coalesce(owner, ''), ',' order by key)), '')
         from failure_groups) as failures,
      (select count(*)::text || ':' || coalesce(max(coalesce(applied_at, decided_at, created_at))::text, '') from remediations) as approvals,
      (select coalesce(max(seq), 0)::text from audit_log) as audit,
      (select count(*)::text || ':' || coalesce(max(coalesce(finished_at, started_at))::text, '') from recon_runs) as recon,
      (select count(*)::text || ':' || coalesce(max(updated_at)::text, '') from connector_instances) as connections`);
  const s = (k: string) => String(r?.[k] ?? "");
  return {
    events: s("events"),
    activity: s("activity"),
    failures: s("failures"),
    approvals: s("approvals"),
    audit: s("audit"),
    recon: s("recon"),
    connections: s("connections"),
  };
}
