import { sql, type SQL } from "drizzle-orm";
import type { Store } from "../client";
import { isoOf } from "./event-read-queries";

export interface FailureGroupRow {
  key: string;
  rootCause: string;
  title: string;
  connector: string | null;
  owner: string | null;
  status: string;
  firstSeenAt: string;
  lastSeenAt: string;
  openParked: number;
  events: number;
  sources: string[];
  actions: string[];
}

/** Open failure groups with how many deliveries are still parked under each, newest first. */
export async function listFailureGroups(store: Store, f: { connector?: string; includeEmpty?: boolean; statuses?: string[]; limit: number }): Promise<FailureGroupRow[]> {
  const where: SQL[] = [sql`g.status in ${f.statuses ?? ["open", "acknowledged"]}`];
  if (f.connector) where.push(sql`g.connector = ${f.connector}`);
  if (!f.includeEmpty) where.push(sql`coalesce(c.open_parked, 0) > 0`);
  const rows = await store.rows<FailureGroupRow>(sql`
    select g.key, g.root_cause as "rootCause", g.title, g.connector, g.owner, g.status,
           g.first_seen_at as "firstSeenAt", g.last_seen_at as "lastSeenAt",
           coalesce(c.open_parked, 0) as "openParked", coalesce(c.events, 0) as "events",
           coalesce(c.sources, '{}') as "sources", coalesce(c.actions, '{}') as "actions"
      from failure_groups g
      left join lateral (
        select count(*)::int as open_parked, count(distinct d.event_id)::int as events,
               array_agg(distinct e.source_connector) as sources, array_agg(distinct d.action) as actions
          from deliveries d
          join parked_deliveries p on p.delivery_id = d.id and p.released_at is null
          join events e on e.id = d.event_id
         where d.failure_key = g.key and d.status = 'parked') c on true
     where ${sql.join(where, sql` and `)}
     order by g.last_seen_at desc
     limit ${f.limit}`);
  return rows.map(normaliseGroup);
}

export async function getFailureGroup(store: Store, key: string): Promise<FailureGroupRow | undefined> {
  const [row] = await store.rows<FailureGroupRow>(sql`
    select g.key, g.root_cause as "rootCause", g.title, g.connector, g.owner, g.status,
           g.first_seen_at as "firstSeenAt", g.last_seen_at as "lastSeenAt",
           0 as "openParked", 0 as "events", '{}'::text[] as "sources", '{}'::text[] as "actions"
      from failure_groups g where g.key = ${key}`);
  return row ? normaliseGroup(row) : undefined;
}

/** How many deliveries are parked under a key, counted up to a cap so a huge group stays cheap. */
export async function countOpenParked(store: Store, key: string, cap = 10_000): Promise<{ count: number; capped: boolean; events: number }> {
  const [row] = await store.rows<{ n: number; events: number }>(sql`
    select count(*)::int as n, count(distinct event_id)::int as events from (
      select d.event_id from deliveries d
        join parked_deliveries p on p.delivery_id = d.id and p.released_at is null
       where d.failure_key = ${key} and d.status = 'parked'
       limit ${cap + 1}) x`);
  const n = Number(row?.n ?? 0);
  return { count: Math.min(n, cap), capped: n > cap, events: Number(row?.events ?? 0) };
}

function normaliseGroup(r: FailureGroupRow): FailureGroupRow {
  return { ...r, firstSeenAt: isoOf(r.firstSeenAt)!, lastSeenAt: isoOf(r.lastSeenAt)!, openParked: Number(r.openParked), events: Number(r.events), sources: r.sources ?? [], actions: r.actions ?? [] };
}

export interface ParkedTarget {
  deliveryId: string;
  eventId: string;
  destination: string;
  action: string;
  attempts: number;
  failureKey: string | null;
  errorClass: string;
  reason: string;
  field: string | null;
  parkedAt: string;
  eventType: string;
  sourceConnector: string;
  orderNumber: string | null;
  poNumber: string | null;
  skus: string[];
  customer: string | null;
  correlationId: string;
  schemaVersion: number;
  payload?: unknown;
}

/** Open dead letters selected by failure key, delivery ids or event ids (any that are given). */
export async function findParkedTargets(
  store: Store,
  f: { failureKey?: string; deliveryIds?: string[]; eventIds?: string[]; destination?: string; limit: number; withPayload?: boolean },
): Promise<ParkedTarget[]> {
  const any: SQL[] = [];
  if (f.failureKey) any.push(sql`d.failure_key = ${f.failureKey}`);
  if (f.deliveryIds?.length) any.push(sql`d.id in ${f.deliveryIds}`);
  if (f.eventIds?.length) any.push(sql`d.event_id in ${f.eventIds}`);
  if (any.length === 0) return [];
  const rows = await store.rows<ParkedTarget>(sql`
    select d.id as "deliveryId", d.event_id as "eventId", d.destination, d.action, d.attempts, d.failure_key as "failureKey",
           p.error_class as "errorClass", p.reason, p.field, p.parked_at as "parkedAt",
           e.type as "eventType", e.source_connector as "sourceConnector", e.order_number as "orderNumber", e.po_number as "poNumber",
           e.skus, e.customer, e.correlation_id as "correlationId", e.schema_version as "schemaVersion"
           ${f.withPayload ? sql`, e.payload` : sql``}
      from deliveries d
      join parked_deliveries p on p.delivery_id = d.id and p.released_at is null
      join events e on e.id = d.event_id
     where d.status = 'parked' and (${sql.join(any, sql` or `)})
       ${f.destination ? sql`and d.destination = ${f.destination}` : sql``}
     order by p.parked_at desc, d.id
     limit ${f.limit}`);
  return rows.map((r) => ({ ...r, attempts: Number(r.attempts), schemaVersion: Number(r.schemaVersion), parkedAt: isoOf(r.parkedAt)! }));
}

/** Parked rows of a destination whose stop reason was the connector's credentials. */
export async function findParkedByDestinationClass(store: Store, destination: string, errorClass: string, limit: number): Promise<ParkedTarget[]> {
  const rows = await store.rows<ParkedTarget>(sql`
    select d.id as "deliveryId", d.event_id as "eventId", d.destination, d.action, d.attempts, d.failure_key as "failureKey",
           p.error_class as "errorClass", p.reason, p.field, p.parked_at as "parkedAt",
           e.type as "eventType", e.source_connector as "sourceConnector", e.order_number as "orderNumber", e.po_number as "poNumber",
           e.skus, e.customer, e.correlation_id as "correlationId", e.schema_version as "schemaVersion"
      from parked_deliveries p
      join deliveries d on d.id = p.delivery_id and d.status = 'parked'
      join events e on e.id = d.event_id
     where p.released_at is null and p.destination = ${destination} and p.error_class = ${errorClass}
     order by p.parked_at desc limit ${limit}`);
  return rows.map((r) => ({ ...r, attempts: Number(r.attempts), schemaVersion: Number(r.schemaVersion), parkedAt: isoOf(r.parkedAt)! }));
}

export async function setFailureGroupStatus(store: Store, key: string, status: "open" | "acknowledged" | "resolved" | "ignored"): Promise<void> {
  await store.rows(sql`update failure_groups set status = ${status} where key = ${key}`);
}

export interface QuarantineGroupRow {
  key: string;
  connector: string;
  reasonCode: string;
  sampleReason: string;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
  sampleIds: string[];
}

/** The normalised reason (numbers dropped) so one kind of rejection groups together. */
export const QUARANTINE_KEY = sql`'quarantine|' || q.connector || '|' || q.reason_code || '|' || left(md5(regexp_replace(q.reason, '[0-9]+', '#', 'g')), 10)`;

/** Quarantined inbound payloads not replayed yet, grouped by connector, reason code and kind of reason. */
export async function listQuarantineGroups(store: Store, f: { connector?: string; key?: string; limit: number }): Promise<QuarantineGroupRow[]> {
  const rows = await store.rows<QuarantineGroupRow>(sql`
    select key, connector, reason_code as "reasonCode", (array_agg(reason order by received_at desc))[1] as "sampleReason",
           count(*)::int as count, min(received_at) as "firstSeenAt", max(received_at) as "lastSeenAt",
           (array_agg(id order by received_at desc))[1:20] as "sampleIds"
      from (select q.*, ${QUARANTINE_KEY} as key from quarantine q
             where q.replayed_at is null ${f.connector ? sql`and q.connector = ${f.connector}` : sql``}) g
     ${f.key ? sql`where key = ${f.key}` : sql``}
     group by key, connector, reason_code
     order by max(received_at) desc
     limit ${f.limit}`);
  return rows.map((r) => ({ ...r, count: Number(r.count), firstSeenAt: isoOf(r.firstSeenAt)!, lastSeenAt: isoOf(r.lastSeenAt)! }));
}

export interface QuarantineRow {
  id: string;
  connector: string;
  reasonCode: string;
  reason: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: string;
  replayedAt: string | null;
  replayedEventId: string | null;
}

export async function getQuarantineRows(store: Store, ids: string[]): Promise<QuarantineRow[]> {
  if (ids.length === 0) return [];
  const rows = await store.rows<QuarantineRow>(sql`
    select id, connector, reason_code as "reasonCode", reason, headers, body, received_at as "receivedAt",
           replayed_at as "replayedAt", replayed_event_id as "replayedEventId"
      from quarantine where id in ${ids} order by received_at`);
  return rows.map((r) => ({ ...r, receivedAt: isoOf(r.receivedAt)!, replayedAt: isoOf(r.replayedAt) }));
}

/** Ids of quarantine rows in a group (by its key), oldest first. */
export async function quarantineIdsOfGroup(store: Store, key: string, limit: number): Promise<string[]> {
  const rows = await store.rows<{ id: string }>(sql`
    select q.id from quarantine q where q.replayed_at is null and ${QUARANTINE_KEY} = ${key} order by q.received_at limit ${limit}`);
  return rows.map((r) => r.id);
}

export async function markQuarantineReplayed(store: Store, id: string, eventId: string | null): Promise<void> {
  await store.rows(sql`update quarantine set replayed_at = now(), replayed_event_id = ${eventId} where id = ${id}`);
}

export interface FailureGroupSummary {
  group: FailureGroupRow;
  count: { count: number; capped: boolean; events: number };
  sample: { eventIds: string[]; orders: string[]; sources: string[] };
}

/**
 * A failure group with its open size (counted up to a cap) and a sample of what it touches, in
 * one round trip: the diagnosis asks for all three on every call.
 */
export async function failureGroupSummary(store: Store, key: string, cap = 10_000, sampleSize = 50): Promise<FailureGroupSummary | undefined> {
  const [row] = await store.rows<FailureGroupRow & { n: number; eventCount: number; eventIds: string[]; orders: string[]; sampleSources: string[] }>(sql`
    with m as (
      select d.event_id, d.updated_at from deliveries d
        join parked_deliveries p on p.delivery_id = d.id and p.released_at is null
       where d.failure_key = ${key} and d.status = 'parked'
       limit ${cap + 1}),
    s as (
      select e.id, coalesce(e.order_number, e.po_number) as ref, e.source_connector
        from (select event_id, updated_at from m order by updated_at desc limit ${sampleSize}) x join events e on e.id = x.event_id)
    select g.key, g.root_cause as "rootCause", g.title, g.connector, g.owner, g.status,
           g.first_seen_at as "firstSeenAt", g.last_seen_at as "lastSeenAt",
           0 as "openParked", 0 as "events", '{}'::text[] as "sources", '{}'::text[] as "actions",
           (select count(*)::int from m) as n,
           (select count(distinct event_id)::int from m) as "eventCount",
           (select coalesce(array_agg(id), '{}') from s) as "eventIds",
           (select coalesce(array_agg(distinct ref) filter (where ref is not null), '{}') from s) as orders,
           (select coalesce(array_agg(distinct source_connector), '{}') from s) as "sampleSources"
      from failure_groups g where g.key = ${key}`);
  if (!row) return undefined;
  const n = Number(row.n);
  const { n: _n, eventCount, eventIds, orders, sampleSources, ...group } = row;
  return {
    group: normaliseGroup(group),
    count: { count: Math.min(n, cap), capped: n > cap, events: Number(eventCount) },
    sample: { eventIds: eventIds ?? [], orders: orders ?? [], sources: sampleSources ?? [] },
  };
}
