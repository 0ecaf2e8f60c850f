import { sql } from "drizzle-orm";
import type { Store } from "../client";

/**
 * The loop as an ops director reads it: four stages, left to right. An event belongs to a stage
 * by its type and by which side of it a connector is on: a channel capturing an order is order
 * capture; the ERP or 3PL receiving it is fulfilment; the 3PL reporting a shipment is fulfilment
 * too; shipments and stock going back to channels are channel updates; postings, payouts and
 * refunds are accounting.
 */
export const LOOP_STAGES = [
  { id: "capture", title: "Order capture", blurb: "Orders arriving from channels" },
  { id: "fulfilment", title: "Fulfilment", blurb: "Orders to ERP and 3PL; shipments back" },
  { id: "channel", title: "Channel updates", blurb: "Shipments and stock to channels" },
  { id: "accounting", title: "Accounting", blurb: "Postings, payouts and refunds to the books" },
] as const;
export type LoopStageId = (typeof LOOP_STAGES)[number]["id"];

const SOURCE_STAGE = sql`case
  when e.type like 'order.%' then 'capture'
  when e.type like 'shipment.%' then 'fulfilment'
  when e.type like 'inventory.%' or e.type = 'product.updated' then 'channel'
  else 'accounting' end`;

/** What a destination system is for; a destination of unknown kind is placed by the event's type. */
export type SystemRole = "channel" | "fulfilment" | "accounting";

const destinationStage = (roles: Record<string, SystemRole>) => sql`case coalesce(${JSON.stringify(roles)}::jsonb ->> d.destination, '')
  when 'accounting' then 'accounting'
  when 'channel' then 'channel'
  when 'fulfilment' then 'fulfilment'
  else case
    when e.type like 'order.%' then 'fulfilment'
    when e.type like 'shipment.%' or e.type like 'inventory.%' or e.type = 'product.updated' then 'channel'
    else 'accounting' end end`;

export interface StageConnectorRow {
  stage: LoopStageId;
  connector: string;
  side: "source" | "destination";
  /** Source: events captured; destination: deliveries that succeeded. */
  lastHour: number;
  lastDay: number;
  /** Destination: parked (stopped) deliveries; source: payloads quarantined in the last 24 h. */
  failures: number;
  /** Destination: deliveries waiting (pending, in flight, blocked). */
  waiting: number;
  /** Destination: waiting deliveries that already failed at least once. */
  retrying: number;
  /** Destination: age in seconds of the oldest waiting delivery (the lag a person feels). */
  oldestWaitingSeconds: number | null;
  /** Destination: median seconds from capture to delivered, last hour. Source: median occurred→received. */
  p50Seconds: number | null;
  lastAt: string | null;
}

/**
 * Throughput, failures and lag per connector per stage, over the last 24 hours. `roles` says what
 * each destination is for (the books receive orders too, as sales receipts: that is accounting).
 */
export async function loopStageRows(store: Store, roles: Record<string, SystemRole> = {}): Promise<StageConnectorRow[]> {
  const sources = await store.rows<Record<string, unknown>>(sql`
    select ${SOURCE_STAGE} as stage, e.source_connector as connector,
           count(*) filter (where e.received_at > now() - interval '1 hour')::int as "lastHour",
           count(*)::int as "lastDay",
           max(e.received_at) as "lastAt",
           percentile_cont(0.5) within group (order by extract(epoch from (e.received_at - e.occurred_at)))
             filter (where e.received_at > now() - interval '1 hour') as "p50Seconds"
      from events e
     where e.received_at > now() - interval '24 hours'
     group by 1, 2`);
  const quarantined = await store.rows<{ connector: string; n: number }>(sql`
    select connector, count(*)::int as n from quarantine where received_at > now() - interval '24 hours' group by connector`);
  const destinations = await store.rows<Record<string, unknown>>(sql`
    select ${destinationStage(roles)} as stage, d.destination as connector,
           count(*) filter (where d.status = 'succeeded' and d.updated_at > now() - interval '1 hour')::int as "lastHour",
           count(*) filter (where d.status = 'succeeded')::int as "lastDay",
           count(*) filter (where d.status = 'parked')::int as failures,
           count(*) filter (where d.status in ('pending', 'in_flight', 'blocked'))::int as waiting,
           count(*) filter (where d.status in ('pending', 'in_flight') and d.attempts > 0)::int as retrying,
           extract(epoch from (now() - min(d.created_at) filter (where d.status in ('pending', 'in_flight')))) as "oldestWaitingSeconds",
           percentile_cont(0.5) within group (order by extract(epoch from (d.updated_at - e.received_at)))
             filter (where d.status = 'succeeded' and d.updated_at > now() - interval '1 hour') as "p50Seconds",
           max(d.updated_at) as "lastAt"
      from deliveries d join events e on e.id = d.event_id
     where (d.status not in ('succeeded', 'skipped')) or d.updated_at > now() - interval '24 hours'
     group by 1, 2`);
  const q = new Map(quarantined.map((r) => [r.connector, Number(r.n)]));
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const iso = (v: unknown) => (v ? new Date(String(v instanceof Date ? v.toISOString() : v)).toISOString() : null);
  return [
    ...sources.map((r) => ({
      stage: r.stage as LoopStageId,
      connector: String(r.connector),
      side: "source" as const,
      lastHour: Number(r.lastHour),
      lastDay: Number(r.lastDay),
      failures: q.get(String(r.connector)) ?? 0,
      waiting: 0,
      retrying: 0,
      oldestWaitingSeconds: null,
      p50Seconds: num(r.p50Seconds),
      lastAt: iso(r.lastAt),
    })),
    ...destinations.map((r) => ({
      stage: r.stage as LoopStageId,
      connector: String(r.connector),
      side: "destination" as const,
      lastHour: Number(r.lastHour),
      lastDay: Number(r.lastDay),
      failures: Number(r.failures),
      waiting: Number(r.waiting),
      retrying: Number(r.retrying),
      oldestWaitingSeconds: num(r.oldestWaitingSeconds),
      p50Seconds: num(r.p50Seconds),
      lastAt: iso(r.lastAt),
    })),
  ];
}

export interface LoopTotals {
  eventsLastHour: number;
  deliveredLastHour: number;
  parkedOpen: number;
  openFailureGroups: number;
  proposedRemediations: number;
  waiting: number;
}

export async function loopTotals(store: Store): Promise<LoopTotals> {
  const [r] = await store.rows<Record<string, unknown>>(sql`
    select
      (select count(*)::int from events where received_at > now() - interval '1 hour') as "eventsLastHour",
      (select count(*)::int from deliveries where status = 'succeeded' and updated_at > now() - interval '1 hour') as "deliveredLastHour",
      (select count(*)::int from deliveries where status = 'parked') as "parkedOpen",
      (select count(*)::int from failure_groups where status = 'open') as "openFailureGroups",
      (select count(*)::int from remediations where status = 'proposed') as "proposedRemediations",
      (select count(*)::int from deliveries where status in ('pending', 'in_flight', 'blocked')) as waiting`);
  return {
    eventsLastHour: Number(r?.eventsLastHour ?? 0),
    deliveredLastHour: Number(r?.deliveredLastHour ?? 0),
    parkedOpen: Number(r?.parkedOpen ?? 0),
    openFailureGroups: Number(r?.openFailureGroups ?? 0),
    proposedRemediations: Number(r?.proposedRemediations ?? 0),
    waiting: Number(r?.waiting ?? 0),
  };
}

export interface ThroughputBucket {
  at: string;
  captured: number;
  delivered: number;
  parked: number;
}

/** Captured, delivered and parked per bucket over a window, for the overview's chart. */
export async function throughputSeries(store: Store, opts: { minutes: number; bucketMinutes: number }): Promise<ThroughputBucket[]> {
  const rows = await store.rows<{ at: unknown; captured: number; delivered: number; parked: number }>(sql`
    with buckets as (
      select generate_series(
        date_bin(make_interval(mins => ${opts.bucketMinutes}), now() - make_interval(mins => ${opts.minutes}), timestamptz '2000-01-01'),
        now(), make_interval(mins => ${opts.bucketMinutes})) as at),
    cap as (
      select date_bin(make_interval(mins => ${opts.bucketMinutes}), received_at, timestamptz '2000-01-01') as at, count(*)::int as n
        from events where received_at > now() - make_interval(mins => ${opts.minutes}) group by 1),
    outcome as (
      select date_bin(make_interval(mins => ${opts.bucketMinutes}), started_at, timestamptz '2000-01-01') as at,
             count(*) filter (where outcome in ('ok', 'duplicate'))::int as delivered,
             count(*) filter (where outcome = 'parked')::int as parked
        from attempts where stage = 'deliver' and started_at > now() - make_interval(mins => ${opts.minutes}) group by 1)
    select b.at, coalesce(cap.n, 0) as captured, coalesce(o.delivered, 0) as delivered, coalesce(o.parked, 0) as parked
      from buckets b left join cap on cap.at = b.at left join outcome o on o.at = b.at
     order by b.at`);
  return rows.map((r) => ({
    at: new Date(r.at instanceof Date ? r.at.getTime() : String(r.at)).toISOString(),
    captured: Number(r.captured),
    delivered: Number(r.delivered),
    parked: Number(r.parked),
  }));
}

/** When the first event of the last `hours` arrived, so a young system's chart is not one spike at the edge. */
export async function firstEventWithin(store: Store, hours: number): Promise<string | null> {
  const [r] = await store.rows<{ at: unknown }>(sql`select min(received_at) as at from events where received_at > now() - make_interval(hours => ${hours})`);
  return r?.at ? new Date(r.at instanceof Date ? r.at.getTime() : String(r.at)).toISOString() : null;
}

/** Counts for the sidebar badges, cheap enough for every page render. */
export async function navCounts(store: Store): Promise<{ openFailureGroups: number; proposedRemediations: number }> {
  const [r] = await store.rows<Record<string, unknown>>(sql`
    select (select count(*)::int from failure_groups where status = 'open') as f,
           (select count(*)::int from remediations where status = 'proposed') as p`);
  return { openFailureGroups: Number(r?.f ?? 0), proposedRemediations: Number(r?.p ?? 0) };
}
