import { and, inArray, sql } from "drizzle-orm";
import type { Db, Store } from "../client";
import { insertAttemptsSql, type AttemptRow } from "./delivery-queries";
import { deliveries, duplicateCaptures, events, quarantine, rawPayloads } from "../schema";

export type EventRow = typeof events.$inferInsert;
export type DeliveryRow = typeof deliveries.$inferInsert;

export interface CaptureRow {
  event: EventRow;
  deliveries: DeliveryRow[];
  /** The route stage's attempt row, written with the event when the event is new. */
  attempt?: AttemptRow;
}

/**
 * Inserts a batch of captured events, their progress rows (processing, or skipped when no route
 * matched) and their deliveries in one statement (atomic on its own).
 * The batch travels as one JSON parameter: building a statement with thousands of bind
 * parameters cost more CPU than the database spent on it. A source event already captured (or
 * repeated inside the batch) is recorded as a duplicate and gets no deliveries. Returns, per
 * input row, whether it was new.
 */
export async function insertCapturedEvents(store: Store, rows: CaptureRow[]): Promise<{ eventId: string; duplicate: boolean }[]> {
  const firstById = new Map<string, CaptureRow>();
  for (const r of rows) if (!firstById.has(r.event.id)) firstById.set(r.event.id, r);
  const unique = [...firstById.values()];
  const evJson = JSON.stringify(
    unique.map(({ event: e, deliveries: d }) => ({
      id: e.id, schema_version: e.schemaVersion, type: e.type, source_connector: e.sourceConnector, source_event_id: e.sourceEventId,
      order_number: e.orderNumber ?? null, po_number: e.poNumber ?? null, skus: e.skus ?? [], customer: e.customer ?? null,
      correlation_id: e.correlationId, causation_id: e.causationId ?? null, raw_payload_id: e.rawPayloadId ?? null, payload: e.payload ?? null,
      occurred_at: e.occurredAt, received_at: e.receivedAt ?? new Date().toISOString(),
    })),
  );
  // Its own small parameter: reading the status off the events' recordset would parse every payload twice.
  const progressJson = JSON.stringify(
    unique.map(({ event: e, deliveries: d }) => ({ event_id: e.id, status: d.length > 0 ? "processing" : "skipped", open_deliveries: d.length })),
  );
  const dlJson = JSON.stringify(
    unique.flatMap((r) => r.deliveries).map((d) => ({
      id: d.id, event_id: d.eventId, destination: d.destination, action: d.action, depends_on: d.dependsOn ?? null, idempotency_key: d.idempotencyKey, status: d.status ?? "pending",
      settings: d.settings ?? null, hold: d.hold ?? null,
    })),
  );
  const logged = unique.flatMap((r) => (r.attempt ? [r.attempt] : []));
  const inserted = await store.rows<{ id: string }>(sql`
    with ev as (
      insert into events (id, schema_version, type, source_connector, source_event_id, order_number, po_number, skus, customer,
                          correlation_id, causation_id, raw_payload_id, payload, occurred_at, received_at)
      select x.id, x.schema_version, x.type, x.source_connector, x.source_event_id, x.order_number, x.po_number,
             array(select jsonb_array_elements_text(x.skus)), x.customer, x.correlation_id, x.causation_id, x.raw_payload_id,
             x.payload, x.occurred_at, x.received_at
        from jsonb_to_recordset(${evJson}::jsonb) as x(id text, schema_version int, type text, source_connector text, source_event_id text,
             order_number text, po_number text, skus jsonb, customer text, correlation_id text, causation_id text, raw_payload_id text,
             payload jsonb, occurred_at timestamptz, received_at timestamptz)
      on conflict do nothing
      returning id),
    pr as (
      insert into event_progress (event_id, status, open_deliveries)
      select p.event_id, p.status, p.open_deliveries
        from jsonb_to_recordset(${progressJson}::jsonb) as p(event_id text, status text, open_deliveries int)
       where p.event_id in (select id from ev)),
    dl as (
      insert into deliveries (id, event_id, destination, action, depends_on, idempotency_key, status, settings, hold)
      select y.id, y.event_id, y.destination, y.action, y.depends_on, y.idempotency_key, y.status, y.settings, y.hold
        from jsonb_to_recordset(${dlJson}::jsonb) as y(id text, event_id text, destination text, action text, depends_on text, idempotency_key text, status text, settings jsonb, hold jsonb)
       where y.event_id in (select id from ev)
      on conflict do nothing),
    att as (${logged.length ? insertAttemptsSql(logged, sql`a.event_id in (select id from ev)`) : sql`select 1`})
    select id from ev`);
  const fresh = new Set(inserted.map((r) => r.id));
  const seen = new Set<string>();
  const out = rows.map((r) => {
    const duplicate = !fresh.has(r.event.id) || seen.has(r.event.id);
    seen.add(r.event.id);
    return { eventId: r.event.id, duplicate };
  });
  const dups = rows.filter((_, i) => out[i]!.duplicate);
  if (dups.length > 0) {
    await store.db.insert(duplicateCaptures).values(
      dups.map((r) => ({ sourceConnector: r.event.sourceConnector, sourceEventId: r.event.sourceEventId, originalEventId: r.event.id, rawPayloadId: r.event.rawPayloadId ?? null })),
    );
  }
  return out;
}

export async function insertRawPayload(db: Db, row: typeof rawPayloads.$inferInsert): Promise<void> {
  await db.insert(rawPayloads).values(row).onConflictDoNothing();
}

export async function insertQuarantine(db: Db, row: typeof quarantine.$inferInsert): Promise<void> {
  await db.insert(quarantine).values(row);
}

/** Events whose source ids are already captured, for callers that want to skip work early. */
export async function findCapturedSourceIds(db: Db, connector: string, sourceEventIds: string[]): Promise<Set<string>> {
  if (sourceEventIds.length === 0) return new Set();
  const rows = await db
    .select({ id: events.sourceEventId })
    .from(events)
    .where(and(sql`${events.sourceConnector} = ${connector}`, inArray(events.sourceEventId, sourceEventIds)));
  return new Set(rows.map((r) => r.id));
}
