import { sql, type SQL } from "drizzle-orm";
import type { Store } from "../client";
import { isoOf } from "./event-read-queries";

/** A delivery of a log event, with the open dead-letter reason if it is parked. */
export interface LogDelivery {
  id: string;
  destination: string;
  action: string;
  status: string;
  attempts: number;
  lastError: string | null;
  parkedReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An event from our log with every delivery it caused: what reconcilers explain gaps with. */
export interface LogEvent {
  id: string;
  type: string;
  source: string;
  sourceEventId: string;
  orderNumber: string | null;
  skus: string[];
  payload: any;
  occurredAt: string;
  receivedAt: string;
  deliveries: LogDelivery[];
}

const EVENT_COLUMNS = sql`
  e.id, e.type, e.source_connector as source, e.source_event_id as "sourceEventId", e.order_number as "orderNumber", e.skus,
  e.payload, e.occurred_at as "occurredAt", e.received_at as "receivedAt",
  coalesce((
    select jsonb_agg(jsonb_build_object(
             'id', d.id, 'destination', d.destination, 'action', d.action, 'status', d.status, 'attempts', d.attempts,
             'lastError', d.last_error, 'parkedReason', p.reason, 'createdAt', d.created_at, 'updatedAt', d.updated_at) order by d.created_at, d.id)
      from deliveries d left join parked_deliveries p on p.delivery_id = d.id and p.released_at is null
     where d.event_id = e.id), '[]'::jsonb) as deliveries`;

function toLogEvent(r: Record<string, unknown>): LogEvent {
  const deliveries = (typeof r.deliveries === "string" ? JSON.parse(r.deliveries) : r.deliveries) as LogDelivery[];
  return {
    id: String(r.id),
    type: String(r.type),
    source: String(r.source),
    sourceEventId: String(r.sourceEventId),
    orderNumber: (r.orderNumber as string | null) ?? null,
    skus: (r.skus as string[] | null) ?? [],
    payload: typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload,
    occurredAt: isoOf(r.occurredAt)!,
    receivedAt: isoOf(r.receivedAt)!,
    deliveries: deliveries.map((d) => ({ ...d, attempts: Number(d.attempts), createdAt: isoOf(d.createdAt)!, updatedAt: isoOf(d.updatedAt)! })),
  };
}

/**
 * Events with work not finished (a delivery blocked, pending, in flight or parked): the work in
 * flight that explains why two systems disagree for now. Small in a healthy pipeline, whatever
 * the catalogue size.
 */
export async function eventsWithOpenWork(store: Store, f: { types?: string[]; limit?: number } = {}): Promise<LogEvent[]> {
  const rows = await store.rows<Record<string, unknown>>(sql`
    select ${EVENT_COLUMNS} from events e
     where e.id in (select distinct d.event_id from deliveries d where d.status in ('blocked', 'pending', 'in_flight', 'parked'))
       ${f.types?.length ? sql`and e.type in ${f.types}` : sql``}
     order by e.received_at, e.id
     limit ${f.limit ?? 50_000}`);
  return rows.map(toLogEvent);
}

/** Events about these orders (by order or PO number), oldest first. */
export async function eventsOfOrders(store: Store, orderNumbers: string[], f: { types?: string[] } = {}): Promise<LogEvent[]> {
  const list = [...new Set(orderNumbers.filter(Boolean))];
  if (list.length === 0) return [];
  const rows = await store.rows<Record<string, unknown>>(sql`
    select ${EVENT_COLUMNS} from events e
     where (e.order_number in (select jsonb_array_elements_text(${JSON.stringify(list)}::jsonb))
            or e.po_number in (select jsonb_array_elements_text(${JSON.stringify(list)}::jsonb)))
       ${f.types?.length ? sql`and e.type in ${f.types}` : sql``}
     order by e.received_at, e.id`);
  return rows.map(toLogEvent);
}

/** Events of one type whose canonical payload id is one of these (a shipment by its id). */
export async function eventsByPayloadIds(store: Store, type: string, ids: string[]): Promise<LogEvent[]> {
  const list = [...new Set(ids)];
  if (list.length === 0) return [];
  const rows = await store.rows<Record<string, unknown>>(sql`
    select ${EVENT_COLUMNS} from events e
     where e.type = ${type} and (e.payload->>'id') in (select jsonb_array_elements_text(${JSON.stringify(list)}::jsonb))
     order by e.received_at, e.id`);
  return rows.map(toLogEvent);
}

/** Events touching any of these SKUs since a time (the GIN index on skus), oldest first. */
export async function eventsTouchingSkus(store: Store, f: { skus: string[]; since: string; types?: string[]; sources?: string[]; limit?: number }): Promise<LogEvent[]> {
  if (f.skus.length === 0) return [];
  const where: SQL[] = [sql`e.skus && array(select jsonb_array_elements_text(${JSON.stringify([...new Set(f.skus)])}::jsonb))`, sql`e.received_at >= ${f.since}`];
  if (f.types?.length) where.push(sql`e.type in ${f.types}`);
  if (f.sources?.length) where.push(sql`e.source_connector in ${f.sources}`);
  const rows = await store.rows<Record<string, unknown>>(sql`
    select ${EVENT_COLUMNS} from events e where ${sql.join(where, sql` and `)}
     order by e.received_at, e.id limit ${f.limit ?? 20_000}`);
  return rows.map(toLogEvent);
}

/** Events of some types received since a time (refunds, payouts to reconcile), oldest first. */
export async function eventsSince(store: Store, f: { types: string[]; since: string; sources?: string[]; limit?: number }): Promise<LogEvent[]> {
  const rows = await store.rows<Record<string, unknown>>(sql`
    select ${EVENT_COLUMNS} from events e
     where e.type in ${f.types} and e.received_at >= ${f.since} ${f.sources?.length ? sql`and e.source_connector in ${f.sources}` : sql``}
     order by e.received_at, e.id limit ${f.limit ?? 50_000}`);
  return rows.map(toLogEvent);
}

export interface PollerState {
  id: string;
  lastPolledAt: string | null;
  lastError: string | null;
}

/** The pollers of a connector instance (sync_cursors rows "<instance>:<poller>"). */
export async function pollerStatesOf(store: Store, instanceId: string): Promise<PollerState[]> {
  const rows = await store.rows<{ id: string; lastPolledAt: unknown; lastError: string | null }>(sql`
    select id, last_polled_at as "lastPolledAt", last_error as "lastError" from sync_cursors where id like ${`${instanceId}:%`}`);
  return rows.map((r) => ({ id: r.id, lastPolledAt: isoOf(r.lastPolledAt), lastError: r.lastError }));
}
