import { eq, sql } from "drizzle-orm";
import { stableId } from "../../ids";
import type { Store } from "../client";
import { inboundNotifications } from "../schema";

export async function recordNotifications(
  store: Store,
  connector: string,
  rawPayloadId: string,
  items: { sourceEventId: string; resource: string; topic?: string }[],
): Promise<{ id: string; fresh: boolean }[]> {
  if (items.length === 0) return [];
  const rows = items.map((n) => ({ id: stableId("ntf", connector, n.sourceEventId), connector, sourceEventId: n.sourceEventId, resource: n.resource, topic: n.topic ?? null, rawPayloadId }));
  const inserted = await store.db.insert(inboundNotifications).values(rows).onConflictDoNothing().returning({ id: inboundNotifications.id });
  const fresh = new Set(inserted.map((r) => r.id));
  return rows.map((r) => ({ id: r.id, fresh: fresh.has(r.id) }));
}

export async function getNotification(store: Store, id: string) {
  const [row] = await store.db.select().from(inboundNotifications).where(eq(inboundNotifications.id, id));
  return row;
}

export async function finishNotification(store: Store, id: string, eventIds: string[]): Promise<void> {
  await store.db.update(inboundNotifications).set({ status: "done", eventIds, updatedAt: sql`now()`, attempts: sql`${inboundNotifications.attempts} + 1`, lastError: null }).where(eq(inboundNotifications.id, id));
}

export async function failNotification(store: Store, id: string, error: string, final: boolean): Promise<number> {
  const [row] = await store.db
    .update(inboundNotifications)
    .set({ status: final ? "failed" : "pending", lastError: error, attempts: sql`${inboundNotifications.attempts} + 1`, updatedAt: sql`now()` })
    .where(eq(inboundNotifications.id, id))
    .returning({ attempts: inboundNotifications.attempts });
  return row?.attempts ?? 0;
}

export async function pendingNotifications(store: Store, olderThanSeconds: number): Promise<{ id: string; connector: string }[]> {
  return store.rows(sql`select id, connector from inbound_notifications where status = 'pending' and updated_at < now() - make_interval(secs => ${olderThanSeconds}) limit 500`);
}
