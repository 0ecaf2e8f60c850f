import { sql } from "drizzle-orm";
import type { Store } from "../client";
import { Order } from "../../model";

/** The canonical order as last captured (created, updated or cancelled), by canonical order id. */
export async function loadLatestOrder(store: Store, orderId: string): Promise<Order | undefined> {
  const [row] = await store.rows<{ payload: unknown; type: string }>(sql`
    select payload, type from events
     where type like 'order.%' and (payload->>'id') = ${orderId}
     order by received_at desc limit 1`);
  if (!row) return undefined;
  const parsed = Order.safeParse(row.payload);
  return parsed.success ? parsed.data : undefined;
}

/** A gap-free counter: each call returns the next value for the name, atomically, starting at 1. */
export async function nextSequenceValue(store: Store, name: string): Promise<number> {
  const [row] = await store.rows<{ value: number | string }>(sql`
    insert into sequences (name, value) values (${name}, 1)
    on conflict (name) do update set value = sequences.value + 1
    returning value`);
  return Number(row!.value);
}
