import { sql, type SQL } from "drizzle-orm";
import type { Store } from "../client";

export const FAILURE_STATUSES = ["open", "acknowledged", "resolved", "ignored"] as const;
export type FailureStatus = (typeof FAILURE_STATUSES)[number];

export interface FailureGroupRow {
  key: string;
  rootCause: string;
  title: string;
  connector: string | null;
  owner: string | null;
  status: FailureStatus;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Deliveries stopped under this cause right now. */
  parked: number;
  /** Distinct orders (or POs) they belong to. */
  orders: number;
  sampleOrders: string[];
  /** Deliveries under this cause that went through after all (replayed or fixed). */
  recovered: number;
}

const iso = (v: unknown): string => new Date(v instanceof Date ? v.getTime() : String(v)).toISOString();

function toGroup(r: Record<string, unknown>): FailureGroupRow {
  return {
    key: String(r.key),
    rootCause: String(r.rootCause),
    title: String(r.title),
    connector: (r.connector as string | null) ?? null,
    owner: (r.owner as string | null) ?? null,
    status: r.status as FailureStatus,
    firstSeenAt: iso(r.firstSeenAt),
    lastSeenAt: iso(r.lastSeenAt),
    parked: Number(r.parked ?? 0),
    orders: Number(r.orders ?? 0),
    sampleOrders: ((r.sampleOrders as string[] | null) ?? []).filter(Boolean).slice(0, 3),
    recovered: Number(r.recovered ?? 0),
  };
}

const GROUP_SELECT = sql`
  select g.key, g.root_cause as "rootCause", g.title, g.connector, g.owner, g.status,
         g.first_seen_at as "firstSeenAt", g.last_seen_at as "lastSeenAt",
         count(d.id) filter (where d.status = 'parked')::int as parked,
         count(distinct coalesce(e.order_number, e.po_number)) filter (where d.status = 'parked')::int as orders,
         (array_agg(distinct coalesce(e.order_number, e.po_number)) filter (where d.status = 'parked' and coalesce(e.order_number, e.po_number) is not null)) as "sampleOrders",
         count(d.id) filter (where d.status = 'succeeded')::int as recovered
    from failure_groups g
    left join deliveries d on d.failure_key = g.key
    left join events e on e.id = d.event_id`;

/** The inbox: groups by business root cause, open ones first, newest activity first. */
export async function listFailureGroups(store: Store, f: { status?: FailureStatus | "all"; connector?: string; q?: string; limit?: number } = {}): Promise<FailureGroupRow[]> {
  const where: SQL[] = [];
  if (f.status && f.status !== "all") where.push(sql`g.status = ${f.status}`);
  if (f.connector) where.push(sql`g.connector = ${f.connector}`);
  if (f.q) where.push(sql`(g.title ilike ${`%${f.q}%`} or g.key ilike ${`%${f.q}%`})`);
  const rows = await store.rows<Record<string, unknown>>(sql`
    ${GROUP_SELECT}
    ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``}
    group by g.key
    order by case g.status when 'open' then 0 when 'acknowledged' then 1 else 2 end, g.last_seen_at desc
    limit ${f.limit ?? 200}`);
  return rows.map(toGroup);
}

export async function getFailureGroup(store: Store, key: string): Promise<FailureGroupRow | undefined> {
  const [row] = await store.rows<Record<string, unknown>>(sql`${GROUP_SELECT} where g.key = ${key} group by g.key`);
  return row ? toGroup(row) : undefined;
}

export async function failureStatusCounts(store: Store): Promise<Record<FailureStatus, number>> {
  const rows = await store.rows<{ status: FailureStatus; n: number }>(sql`select status, count(*)::int as n from failure_groups group by status`);
  const out = { open: 0, acknowledged: 0, resolved: 0, ignored: 0 } as Record<FailureStatus, number>;
  for (const r of rows) if (r.status in out) out[r.status] = Number(r.n);
  return out;
}

export interface ParkedDeliveryRow {
  deliveryId: string;
  eventId: string;
  eventType: string;
  orderNumber: string | null;
  poNumber: string | null;
  destination: string;
  action: string;
  attempts: number;
  errorClass: string;
  reason: string;
  field: string | null;
  parkedAt: string;
  sourceConnector: string;
}

/** The stopped deliveries behind one or more groups, newest first. */
export async function parkedDeliveriesOfGroups(store: Store, keys: string[], limit = 500): Promise<ParkedDeliveryRow[]> {
  if (keys.length === 0) return [];
  const rows = await store.rows<Record<string, unknown>>(sql`
    select d.id as "deliveryId", d.event_id as "eventId", e.type as "eventType", e.order_number as "orderNumber", e.po_number as "poNumber",
           d.destination, d.action, d.attempts, coalesce(p.error_class, d.last_error_class, 'unknown') as "errorClass",
           coalesce(p.reason, d.last_error, '') as reason, p.field, coalesce(p.parked_at, d.updated_at) as "parkedAt",
           e.source_connector as "sourceConnector"
      from deliveries d join events e on e.id = d.event_id
      left join parked_deliveries p on p.delivery_id = d.id
     where d.failure_key in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb)) and d.status = 'parked'
     order by coalesce(p.parked_at, d.updated_at) desc
     limit ${limit}`);
  return rows.map((r) => ({
    deliveryId: String(r.deliveryId),
    eventId: String(r.eventId),
    eventType: String(r.eventType),
    orderNumber: (r.orderNumber as string | null) ?? null,
    poNumber: (r.poNumber as string | null) ?? null,
    destination: String(r.destination),
    action: String(r.action),
    attempts: Number(r.attempts),
    errorClass: String(r.errorClass),
    reason: String(r.reason),
    field: (r.field as string | null) ?? null,
    parkedAt: iso(r.parkedAt),
    sourceConnector: String(r.sourceConnector),
  }));
}

/** Sets the status of groups; returns the groups as they were, for the audit entry. */
export async function setFailureGroupStatus(store: Store, keys: string[], status: FailureStatus): Promise<{ key: string; before: string }[]> {
  if (keys.length === 0) return [];
  return store.rows(sql`
    with prev as (select key, status from failure_groups where key in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb)) for update)
    update failure_groups g set status = ${status} from prev where g.key = prev.key
    returning g.key, prev.status as before`);
}

export async function setFailureGroupOwner(store: Store, key: string, owner: string | null): Promise<{ before: string | null } | undefined> {
  const [row] = await store.rows<{ before: string | null }>(sql`
    with prev as (select key, owner from failure_groups where key = ${key} for update)
    update failure_groups g set owner = ${owner} from prev where g.key = prev.key
    returning prev.owner as before`);
  return row;
}

export interface ReplayPreviewFacts {
  deliveries: number;
  orders: number;
  byDestination: { destination: string; action: string; n: number; oldestParkedAt: string }[];
  /** Per destination: what changed since its oldest delivery was parked, so a replay could now pass. */
  changesSince: { destination: string; connectionUpdatedAt: string | null; mappingsUpdated: number; authState: string | null; enabled: boolean | null }[];
}

/**
 * The facts a replay preview is built from: what would be retried, and whether anything that
 * could have caused the failure (connection, credentials, mappings) changed since.
 */
export async function replayPreviewFacts(store: Store, keys: string[]): Promise<ReplayPreviewFacts> {
  const keyList = sql`(select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`;
  const by = await store.rows<Record<string, unknown>>(sql`
    select d.destination, d.action, count(*)::int as n, min(coalesce(p.parked_at, d.updated_at)) as "oldestParkedAt"
      from deliveries d left join parked_deliveries p on p.delivery_id = d.id
     where d.failure_key in ${keyList} and d.status = 'parked'
     group by d.destination, d.action order by n desc`);
  const [tot] = await store.rows<{ deliveries: number; orders: number }>(sql`
    select count(*)::int as deliveries, count(distinct coalesce(e.order_number, e.po_number, e.id))::int as orders
      from deliveries d join events e on e.id = d.event_id
     where d.failure_key in ${keyList} and d.status = 'parked'`);
  const changes = await store.rows<Record<string, unknown>>(sql`
    with oldest as (
      select d.destination, min(coalesce(p.parked_at, d.updated_at)) as since
        from deliveries d left join parked_deliveries p on p.delivery_id = d.id
       where d.failure_key in ${keyList} and d.status = 'parked' group by d.destination)
    select o.destination,
           case when ci.updated_at > o.since then ci.updated_at end as "connectionUpdatedAt",
           (select count(*)::int from mappings m where m.connector = o.destination and m.updated_at > o.since) as "mappingsUpdated",
           ci.auth_state as "authState", ci.enabled
      from oldest o left join connector_instances ci on ci.id = o.destination`);
  return {
    deliveries: Number(tot?.deliveries ?? 0),
    orders: Number(tot?.orders ?? 0),
    byDestination: by.map((r) => ({ destination: String(r.destination), action: String(r.action), n: Number(r.n), oldestParkedAt: iso(r.oldestParkedAt) })),
    changesSince: changes.map((r) => ({
      destination: String(r.destination),
      connectionUpdatedAt: r.connectionUpdatedAt ? iso(r.connectionUpdatedAt) : null,
      mappingsUpdated: Number(r.mappingsUpdated ?? 0),
      authState: (r.authState as string | null) ?? null,
      enabled: (r.enabled as boolean | null) ?? null,
    })),
  };
}

export async function parkedDeliveryIdsOfGroups(store: Store, keys: string[], limit = 5000): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows = await store.rows<{ id: string }>(sql`
    select id from deliveries where failure_key in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb)) and status = 'parked'
     order by updated_at limit ${limit}`);
  return rows.map((r) => r.id);
}
