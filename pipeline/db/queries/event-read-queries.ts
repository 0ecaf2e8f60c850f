import { sql, type SQL } from "drizzle-orm";
import type { Store } from "../client";

/** Timestamps arrive as text or Date depending on the driver; callers get ISO-8601 UTC. */
export function isoOf(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString();
}

export interface EventSearch {
  orderNumber?: string;
  poNumber?: string;
  sku?: string;
  customer?: string;
  /** Source connector, or a destination the event was delivered to. */
  connector?: string;
  status?: string;
  type?: string;
  /** Full-text over attempts.error_message (the GIN tsvector index). */
  errorText?: string;
  since?: string;
  until?: string;
  /** Keyset cursor: events strictly older than (receivedAt, id). */
  before?: { receivedAt: string; id: string };
  limit: number;
}

export interface EventSummaryRow {
  id: string;
  type: string;
  sourceConnector: string;
  sourceEventId: string;
  orderNumber: string | null;
  poNumber: string | null;
  skus: string[];
  customer: string | null;
  status: string;
  openDeliveries: number;
  parkedDeliveries: number;
  occurredAt: string;
  receivedAt: string;
  correlationId: string;
}

/**
 * The event log `e` with each event's progress `p`. A left join: an event whose progress row is
 * missing still shows (as received) rather than vanishing from every list.
 */
export const EVENTS_WITH_PROGRESS = sql`events e left join event_progress p on p.event_id = e.id`;
export const EVENT_STATUS = sql`coalesce(p.status, 'received')`;

const SUMMARY_COLUMNS = sql`e.id, e.type, e.source_connector as "sourceConnector", e.source_event_id as "sourceEventId",
  e.order_number as "orderNumber", e.po_number as "poNumber", e.skus, e.customer, ${EVENT_STATUS} as status,
  coalesce(p.open_deliveries, 0) as "openDeliveries", coalesce(p.parked_deliveries, 0) as "parkedDeliveries",
  e.occurred_at as "occurredAt", e.received_at as "receivedAt", e.correlation_id as "correlationId"`;

export async function searchEvents(store: Store, s: EventSearch): Promise<EventSummaryRow[]> {
  const where: SQL[] = [];
  if (s.orderNumber) where.push(sql`e.order_number = ${s.orderNumber}`);
  if (s.poNumber) where.push(sql`e.po_number = ${s.poNumber}`);
  if (s.sku) where.push(sql`e.skus @> array[${s.sku}]::text[]`);
  if (s.customer) where.push(sql`e.customer = ${s.customer}`);
  if (s.connector) where.push(sql`(e.source_connector = ${s.connector} or e.id in (select d.event_id from deliveries d where d.destination = ${s.connector}))`);
  // The second test lets the planner use event_progress_unsettled_idx whatever the parameter's value.
  if (s.status) where.push(s.status === "delivered" || s.status === "skipped" ? sql`p.status = ${s.status}` : sql`p.status = ${s.status} and p.status not in ('delivered', 'skipped')`);
  if (s.type) where.push(sql`e.type = ${s.type}`);
  if (s.errorText) {
    where.push(sql`e.id in (select a.event_id from attempts a
      where a.error_message is not null and to_tsvector('simple', coalesce(a.error_message, '')) @@ plainto_tsquery('simple', ${s.errorText}))`);
  }
  if (s.since) where.push(sql`e.received_at >= ${s.since}::timestamptz`);
  if (s.until) where.push(sql`e.received_at <= ${s.until}::timestamptz`);
  if (s.before) where.push(sql`(e.received_at, e.id) < (${s.before.receivedAt}::timestamptz, ${s.before.id})`);
  const rows = await store.rows<EventSummaryRow>(sql`
    select ${SUMMARY_COLUMNS} from ${EVENTS_WITH_PROGRESS}
     ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``}
     order by e.received_at desc, e.id desc
     limit ${s.limit}`);
  return rows.map(normaliseSummary);
}

function normaliseSummary<T extends EventSummaryRow>(r: T): T {
  return { ...r, occurredAt: isoOf(r.occurredAt)!, receivedAt: isoOf(r.receivedAt)!, openDeliveries: Number(r.openDeliveries), parkedDeliveries: Number(r.parkedDeliveries) };
}

export interface EventDetailRow extends EventSummaryRow {
  schemaVersion: number;
  causationId: string | null;
  rawPayloadId: string | null;
  payload: unknown;
}

export async function getEventRow(store: Store, id: string): Promise<EventDetailRow | undefined> {
  const [row] = await store.rows<EventDetailRow>(sql`
    select ${SUMMARY_COLUMNS}, e.schema_version as "schemaVersion", e.causation_id as "causationId",
           e.raw_payload_id as "rawPayloadId", e.payload
      from ${EVENTS_WITH_PROGRESS} where e.id = ${id}`);
  return row ? { ...normaliseSummary(row), schemaVersion: Number(row.schemaVersion) } : undefined;
}

export interface AttemptView {
  id: number;
  eventId: string;
  deliveryId: string | null;
  stage: string;
  destination: string | null;
  attemptNo: number;
  startedAt: string;
  durationMs: number;
  outcome: string;
  errorClass: string | null;
  errorMessage: string | null;
  upstream: unknown;
  externalId: string | null;
  nextAttemptAt: string | null;
}

const ATTEMPT_COLUMNS = sql`a.id, a.event_id as "eventId", a.delivery_id as "deliveryId", a.stage, a.destination,
  a.attempt_no as "attemptNo", a.started_at as "startedAt", a.duration_ms as "durationMs", a.outcome,
  a.error_class as "errorClass", a.error_message as "errorMessage", a.upstream, a.external_id as "externalId",
  a.next_attempt_at as "nextAttemptAt"`;

function normaliseAttempt(a: AttemptView): AttemptView {
  return { ...a, id: Number(a.id), attemptNo: Number(a.attemptNo), durationMs: Number(a.durationMs), startedAt: isoOf(a.startedAt)!, nextAttemptAt: isoOf(a.nextAttemptAt) };
}

export async function attemptsOfEvents(store: Store, eventIds: string[], limit = 2000): Promise<AttemptView[]> {
  if (eventIds.length === 0) return [];
  const rows = await store.rows<AttemptView>(sql`
    select ${ATTEMPT_COLUMNS} from attempts a
     where a.event_id in ${eventIds}
     order by a.started_at, a.id
     limit ${limit}`);
  return rows.map(normaliseAttempt);
}

export async function attemptsOfDelivery(store: Store, deliveryId: string, eventId: string, limit = 50): Promise<AttemptView[]> {
  const rows = await store.rows<AttemptView>(sql`
    select ${ATTEMPT_COLUMNS} from attempts a
     where a.event_id = ${eventId} and a.delivery_id = ${deliveryId}
     order by a.started_at desc, a.id desc limit ${limit}`);
  return rows.map(normaliseAttempt);
}

export interface DeliveryView {
  id: string;
  eventId: string;
  destination: string;
  action: string;
  dependsOn: string | null;
  idempotencyKey: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  externalId: string | null;
  lastErrorClass: string | null;
  lastError: string | null;
  failureKey: string | null;
  createdAt: string;
  updatedAt: string;
  parkedAt: string | null;
  parkedReason: string | null;
  parkedField: string | null;
  parkedErrorClass: string | null;
  releasedAt: string | null;
  releasedBy: string | null;
}

export async function deliveriesOfEvents(store: Store, eventIds: string[]): Promise<DeliveryView[]> {
  if (eventIds.length === 0) return [];
  const rows = await store.rows<DeliveryView>(sql`
    select d.id, d.event_id as "eventId", d.destination, d.action, d.depends_on as "dependsOn", d.idempotency_key as "idempotencyKey",
           d.status, d.attempts, d.next_attempt_at as "nextAttemptAt", d.external_id as "externalId",
           d.last_error_class as "lastErrorClass", d.last_error as "lastError", d.failure_key as "failureKey",
           d.created_at as "createdAt", d.updated_at as "updatedAt",
           p.parked_at as "parkedAt", p.reason as "parkedReason", p.field as "parkedField", p.error_class as "parkedErrorClass",
           p.released_at as "releasedAt", p.released_by as "releasedBy"
      from deliveries d left join parked_deliveries p on p.delivery_id = d.id
     where d.event_id in ${eventIds}
     order by d.created_at, d.id`);
  return rows.map((d) => ({
    ...d,
    attempts: Number(d.attempts),
    nextAttemptAt: isoOf(d.nextAttemptAt),
    createdAt: isoOf(d.createdAt)!,
    updatedAt: isoOf(d.updatedAt)!,
    parkedAt: isoOf(d.parkedAt),
    releasedAt: isoOf(d.releasedAt),
  }));
}

export async function getRawPayloadInfo(store: Store, id: string): Promise<{ id: string; connector: string; contentType: string | null; bytes: number; receivedAt: string } | undefined> {
  const [row] = await store.rows<{ id: string; connector: string; contentType: string | null; bytes: number; receivedAt: string }>(sql`
    select id, connector, content_type as "contentType", octet_length(body)::int as bytes, received_at as "receivedAt" from raw_payloads where id = ${id}`);
  return row ? { ...row, receivedAt: isoOf(row.receivedAt)! } : undefined;
}

/**
 * Every event of one order: by order or PO number, plus everything sharing their correlation
 * ids (follow-up events each system raised: shipments, postings, refunds).
 */
export async function eventsOfOrder(store: Store, ref: string, limit = 500): Promise<EventDetailRow[]> {
  const rows = await store.rows<EventDetailRow>(sql`
    with seed as (
      select correlation_id from events where order_number = ${ref} or po_number = ${ref} or id = ${ref}
      limit 100)
    select ${SUMMARY_COLUMNS}, e.schema_version as "schemaVersion", e.causation_id as "causationId",
           e.raw_payload_id as "rawPayloadId", e.payload
      from ${EVENTS_WITH_PROGRESS}
     where e.order_number = ${ref} or e.po_number = ${ref} or e.id = ${ref}
        or e.correlation_id in (select correlation_id from seed)
     order by e.occurred_at, e.received_at, e.id
     limit ${limit}`);
  return rows.map((r) => ({ ...normaliseSummary(r), schemaVersion: Number(r.schemaVersion) }));
}
