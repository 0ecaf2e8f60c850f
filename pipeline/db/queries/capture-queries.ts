import { and, inArray, sql } from "drizzle-orm";
import type { Db } from "../client";
import { deliveries, duplicateCaptures, events, quarantine, rawPayloads } from "../schema";

export type EventRow = typeof events.$inferInsert;
export type DeliveryRow = typeof deliveries.$inferInsert;

export interface CaptureRow {
  event: EventRow;
  deliveries: DeliveryRow[];
}

/**
 * Inserts a batch of captured events and their deliveries in one transaction. A source event
 * already captured (or repeated inside the batch) is recorded as a duplicate and gets no
 * deliveries. Returns, per input row, whether it was new.
 */
export async function insertCapturedEvents(db: Db, rows: CaptureRow[]): Promise<{ eventId: string; duplicate: boolean }[]> {
  return db.transaction(async (tx) => {
    const firstById = new Map<string, CaptureRow>();
    for (const r of rows) if (!firstById.has(r.event.id)) firstById.set(r.event.id, r);
    const unique = [...firstById.values()];
    const inserted = await tx
      .insert(events)
      .values(unique.map((r) => ({ ...r.event, openDeliveries: r.deliveries.length })))
      .onConflictDoNothing()
      .returning({ id: events.id });
    const fresh = new Set(inserted.map((r) => r.id));
    const newDeliveries = unique.filter((r) => fresh.has(r.event.id)).flatMap((r) => r.deliveries);
    if (newDeliveries.length > 0) await tx.insert(deliveries).values(newDeliveries).onConflictDoNothing();
    const seen = new Set<string>();
    const out = rows.map((r) => {
      const duplicate = !fresh.has(r.event.id) || seen.has(r.event.id);
      seen.add(r.event.id);
      return { eventId: r.event.id, duplicate };
    });
    const dups = rows.filter((_, i) => out[i]!.duplicate);
    if (dups.length > 0) {
      await tx.insert(duplicateCaptures).values(
        dups.map((r) => ({ sourceConnector: r.event.sourceConnector, sourceEventId: r.event.sourceEventId, originalEventId: r.event.id, rawPayloadId: r.event.rawPayloadId ?? null })),
      );
    }
    return out;
  });
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
