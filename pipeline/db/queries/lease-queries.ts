import { sql } from "drizzle-orm";
import type { Store } from "../client";

/**
 * A named lease on a sync_cursors row (the table pollers lease their cursors in): with any number
 * of processes, one holds it at a time, and a dead holder's lease is taken over when it runs out.
 * Returns whether `owner` holds it now.
 */
export async function takeLease(store: Store, id: string, owner: string, seconds: number): Promise<boolean> {
  await store.rows(sql`insert into sync_cursors (id, cursor) values (${id}, '{}'::jsonb) on conflict (id) do nothing`);
  const held = await store.rows<{ id: string }>(sql`
    update sync_cursors set lease_owner = ${owner}, lease_until = now() + make_interval(secs => ${seconds}), last_polled_at = now()
     where id = ${id} and (lease_owner is null or lease_owner = ${owner} or lease_until < now())
    returning id`);
  return held.length > 0;
}

export async function releaseLease(store: Store, id: string, owner: string): Promise<void> {
  await store.rows(sql`update sync_cursors set lease_owner = null, lease_until = null where id = ${id} and lease_owner = ${owner}`);
}

/** A recent last_error on the lease row, so a failing background job shows up where pollers' errors do. */
export async function recordLeaseError(store: Store, id: string, error: string | null): Promise<void> {
  await store.rows(sql`update sync_cursors set last_error = ${error}, updated_at = now() where id = ${id}`);
}
