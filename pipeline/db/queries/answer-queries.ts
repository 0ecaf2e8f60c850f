import { inArray, sql } from "drizzle-orm";
import type { Store } from "../client";
import { keptAnswers } from "../schema";

export type KeptAnswer = typeof keptAnswers.$inferSelect;

/** Keeps answers the sender did not get, to be sent again from their `nextAttemptAt` on. */
export async function keepAnswersForResend(store: Store, rows: Pick<KeptAnswer, "id" | "connector" | "eventIds" | "kind" | "reference" | "body" | "lastError" | "nextAttemptAt" | "expiresAt">[]): Promise<void> {
  if (rows.length) await store.db.insert(keptAnswers).values(rows).onConflictDoNothing();
}

/**
 * Takes up to `limit` due answers for this worker: each is pushed `leaseSeconds` into the future
 * as it is taken (skip locked), so another worker's sweep leaves it alone while it is being sent,
 * and a worker killed mid-send only delays it.
 */
export async function claimDueAnswers(store: Store, limit: number, leaseSeconds: number): Promise<KeptAnswer[]> {
  const rows = await store.rows<{ id: string }>(sql`
    update kept_answers set next_attempt_at = now() + make_interval(secs => ${leaseSeconds})
    where id in (
      select id from kept_answers where status = 'pending' and next_attempt_at <= now()
      order by next_attempt_at, created_at, reference limit ${limit} for update skip locked)
    returning id`);
  if (rows.length === 0) return [];
  return store.db.select().from(keptAnswers).where(inArray(keptAnswers.id, rows.map((r) => r.id))).orderBy(keptAnswers.createdAt, keptAnswers.reference);
}

export async function finishAnswer(store: Store, id: string, status: "sent" | "given_up", lastError: string | null): Promise<void> {
  await store.rows(sql`update kept_answers set status = ${status}, tries = tries + 1, last_error = ${lastError}, finished_at = now() where id = ${id}`);
}

export async function rescheduleAnswer(store: Store, id: string, nextAttemptAt: string, lastError: string): Promise<void> {
  await store.rows(sql`update kept_answers set tries = tries + 1, last_error = ${lastError}, next_attempt_at = ${nextAttemptAt} where id = ${id}`);
}

/** Moves an answer's next try without counting one (an earlier answer to the same sender failed first). */
export async function postponeAnswer(store: Store, id: string, nextAttemptAt: string): Promise<void> {
  await store.rows(sql`update kept_answers set next_attempt_at = ${nextAttemptAt} where id = ${id}`);
}
