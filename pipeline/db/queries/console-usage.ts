import { sql } from "drizzle-orm";
import type { Store } from "../client";

export interface UsageRow {
  day: string;
  connector: string;
  /** in: events captured from the connector; out: deliveries made to it. */
  direction: "in" | "out";
  count: number;
}

/**
 * Events per connector per UTC day: captured events by source plus deliveries by destination,
 * the unit integration platforms bill on. Skipped deliveries never reached anyone and are not counted.
 */
export async function usageByDay(store: Store, days: number): Promise<UsageRow[]> {
  const rows = await store.rows<Record<string, unknown>>(sql`
    select to_char(date_trunc('day', received_at at time zone 'UTC'), 'YYYY-MM-DD') as day, source_connector as connector, 'in' as direction, count(*)::int as count
      from events where received_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - make_interval(days => ${days - 1})
     group by 1, 2
    union all
    select to_char(date_trunc('day', created_at at time zone 'UTC'), 'YYYY-MM-DD') as day, destination as connector, 'out' as direction, count(*)::int as count
      from deliveries where created_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - make_interval(days => ${days - 1}) and status <> 'skipped'
     group by 1, 2
    order by 1, 2, 3`);
  return rows.map((r) => ({ day: String(r.day), connector: String(r.connector), direction: r.direction as "in" | "out", count: Number(r.count) }));
}
