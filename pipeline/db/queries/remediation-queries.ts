import { and, desc, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import type { Store } from "../client";
import { remediations } from "../schema";

export type RemediationRow = typeof remediations.$inferSelect;
export type RemediationStatus = RemediationRow["status"];

export async function insertRemediation(store: Store, row: typeof remediations.$inferInsert): Promise<void> {
  await store.db.insert(remediations).values(row);
}

export async function getRemediationRow(store: Store, id: string): Promise<RemediationRow | undefined> {
  const [row] = await store.db.select().from(remediations).where(eq(remediations.id, id));
  return row;
}

export async function listRemediationRows(store: Store, f: { statuses?: RemediationStatus[]; failureKey?: string; limit: number }): Promise<RemediationRow[]> {
  const where: SQL[] = [];
  if (f.statuses?.length) where.push(inArray(remediations.status, f.statuses));
  if (f.failureKey) where.push(eq(remediations.failureKey, f.failureKey));
  return store.db.select().from(remediations).where(where.length ? and(...where) : undefined).orderBy(desc(remediations.createdAt)).limit(f.limit);
}

/** Moves a proposal to approved/rejected only if it is still proposed (a second decision loses). */
export async function decideRemediationRow(
  store: Store,
  id: string,
  d: { status: "approved" | "rejected"; decidedBy: string; approvedByPolicy: string | null; reason: string | null },
): Promise<RemediationRow | undefined> {
  const [row] = await store.db
    .update(remediations)
    .set({ status: d.status, decidedBy: d.decidedBy, approvedByPolicy: d.approvedByPolicy, decisionReason: d.reason, decidedAt: sql`now()` })
    .where(and(eq(remediations.id, id), eq(remediations.status, "proposed")))
    .returning();
  return row;
}

/**
 * Claims an approved remediation for applying: only one caller gets the row, and only while it
 * is approved and not applied yet. This statement is the approval gate's last line.
 */
export async function claimApprovedRemediation(store: Store, id: string): Promise<RemediationRow | undefined> {
  const [row] = await store.db
    .update(remediations)
    .set({ appliedAt: sql`now()` })
    .where(and(eq(remediations.id, id), eq(remediations.status, "approved"), isNull(remediations.appliedAt)))
    .returning();
  return row;
}

export async function finishRemediationRow(store: Store, id: string, status: "applied" | "failed", outcome: unknown): Promise<void> {
  await store.db.update(remediations).set({ status, outcome }).where(eq(remediations.id, id));
}

export async function setRemediationOutcome(store: Store, id: string, outcome: unknown): Promise<void> {
  await store.db.update(remediations).set({ outcome }).where(eq(remediations.id, id));
}

export interface DeliveryState {
  id: string;
  eventId: string;
  destination: string;
  status: string;
  externalId: string | null;
  lastError: string | null;
}

export async function deliveryStates(store: Store, ids: string[]): Promise<DeliveryState[]> {
  if (ids.length === 0) return [];
  return store.rows<DeliveryState>(sql`
    select id, event_id as "eventId", destination, status, external_id as "externalId", last_error as "lastError"
      from deliveries where id in ${ids}`);
}

/**
 * Retires parked deliveries that a corrected event replaces: they will never be retried with the
 * old payload. Counts them off their events like a finished delivery.
 */
export async function supersedeParked(store: Store, deliveryIds: string[], by: string): Promise<string[]> {
  if (deliveryIds.length === 0) return [];
  const rows = await store.rows<{ id: string }>(sql`
    with sup as (
      update deliveries set status = 'skipped', updated_at = now(), last_error = ${`superseded by ${by}`}
       where id in ${deliveryIds} and status = 'parked'
      returning id, event_id),
    pk as (update parked_deliveries set released_at = now(), released_by = ${by} where delivery_id in (select id from sup) returning delivery_id),
    ev as (select event_id, count(*)::int as n from sup group by event_id),
    evupd as (
      update event_progress p set parked_deliveries = greatest(p.parked_deliveries - ev.n, 0),
             status = case when p.parked_deliveries - ev.n > 0 then 'parked'
                           when p.open_deliveries > 0 then 'processing' else 'delivered' end
        from ev where p.event_id = ev.event_id returning p.event_id)
    select id from sup`);
  return rows.map((r) => r.id);
}
