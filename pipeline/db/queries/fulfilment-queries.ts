import { asc, sql, type SQL } from "drizzle-orm";
import type { Store } from "../client";
import { fulfilmentNodes } from "../schema";

export type FulfilmentNodeRow = typeof fulfilmentNodes.$inferSelect;

export async function listFulfilmentNodes(store: Store): Promise<FulfilmentNodeRow[]> {
  return store.db.select().from(fulfilmentNodes).orderBy(asc(fulfilmentNodes.priority), asc(fulfilmentNodes.id));
}

export async function upsertFulfilmentNode(store: Store, row: typeof fulfilmentNodes.$inferInsert): Promise<void> {
  const values = { ...row, updatedAt: new Date().toISOString() };
  await store.db.insert(fulfilmentNodes).values(values).onConflictDoUpdate({ target: fulfilmentNodes.id, set: values });
}

/** Raw SQL inside one transaction (both drivers' result shapes hidden, as Store.rows does). */
export interface TxRunner {
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
}

/**
 * Runs `fn` in a transaction holding a lock per SKU, so two orders wanting the last unit of a
 * SKU are routed one after the other (across processes too), and the second sees the first's
 * commitment. Locks are taken in sorted order: two orders with overlapping SKUs cannot deadlock.
 */
export async function withSkuLocks<T>(store: Store, skus: string[], fn: (tx: TxRunner) => Promise<T>): Promise<T> {
  return store.db.transaction(async (tx) => {
    const run: TxRunner = {
      rows: async <R>(q: SQL) => {
        const r = (await tx.execute(q)) as unknown;
        return (Array.isArray(r) ? r : ((r as { rows?: R[] }).rows ?? [])) as R[];
      },
    };
    for (const sku of [...new Set(skus)].sort()) await run.rows(sql`select pg_advisory_xact_lock(hashtextextended(${`lk-fulfil:${sku}`}, 0))::text as locked`);
    return fn(run);
  });
}

export interface StockSource {
  node: string;
  sku: string;
  /** The connector instance whose inventory.level events are the node's stock. */
  connector: string;
  location: string;
}

export interface NodeAvailability {
  node: string;
  sku: string;
  /** Available in the latest level our log holds; null when none was ever captured. */
  levelAvailable: number | null;
  /** What our routing promised and that level does not include yet. */
  committed: number;
}

/** A commitment whose order event never got stored (a crash between routing and capture) stops counting after this. */
const ORPHAN_GRACE = sql`interval '2 minutes'`;

const latestLevels = (json: string) => sql`
  w as (select * from jsonb_to_recordset(${json}::jsonb) as w(node text, sku text, connector text, location text)),
  lvl as (
    select w.node, w.sku, l.available, l.received_at
      from w left join lateral (
        select (e.payload->>'available')::int as available, e.received_at
          from events e
         where e.type = 'inventory.level' and e.source_connector = w.connector
           and e.payload->>'sku' = w.sku and e.payload->>'location' = w.location
         order by e.occurred_at desc, e.received_at desc
         limit 1) l on true)`;

/**
 * The availability view: the latest captured stock level per node and SKU, minus the units our
 * own routing committed that the level does not show yet. First settles the commitments a level
 * already includes: the ERP took the order (its delivery succeeded) before that level was read.
 * `exceptOrder` leaves one order's own commitments out (re-planning an edited order).
 */
export async function readAvailability(tx: TxRunner, sources: StockSource[], opts: { exceptOrder?: string } = {}): Promise<NodeAvailability[]> {
  if (sources.length === 0) return [];
  const json = JSON.stringify(sources);
  await tx.rows(sql`
    with ${latestLevels(json)}
    update fulfilment_commitments c set released_at = now(), release_reason = 'settled'
      from lvl, deliveries d
     where c.released_at is null and c.node = lvl.node and c.sku = lvl.sku
       and d.id = c.ack_delivery_id and d.status = 'succeeded' and lvl.received_at > d.updated_at`);
  const rows = await tx.rows<{ node: string; sku: string; available: number | null; committed: number }>(sql`
    with ${latestLevels(json)}
    select lvl.node, lvl.sku, lvl.available,
           coalesce((select sum(c.quantity) from fulfilment_commitments c
                      where c.released_at is null and c.node = lvl.node and c.sku = lvl.sku
                        and c.order_id is distinct from ${opts.exceptOrder ?? null}
                        and (c.committed_at > now() - ${ORPHAN_GRACE} or exists (select 1 from events e where e.id = c.event_id))), 0)::int as committed
      from lvl`);
  return rows.map((r) => ({ node: r.node, sku: r.sku, levelAvailable: r.available === null ? null : Number(r.available), committed: Number(r.committed) }));
}

export async function getFulfilmentDecision(tx: TxRunner | Store, orderId: string): Promise<{ eventId: string; decision: unknown; decidedAt: string } | undefined> {
  const [row] = await tx.rows<{ eventId: string; decision: unknown; decidedAt: string }>(sql`
    select event_id as "eventId", decision, decided_at as "decidedAt" from fulfilment_decisions where order_id = ${orderId}`);
  return row;
}

export interface CommitmentRow {
  lineId: string;
  sku: string;
  node: string;
  quantity: number;
  ackDeliveryId: string | null;
}

/**
 * Records an order's decision and its commitments, one per line. A line kept on the same node
 * with the same quantity keeps its commitment as it is (open, or settled into the ERP's level);
 * changed lines, and lines an earlier edit dropped, are committed anew; lines gone are released.
 */
export async function saveFulfilmentDecision(tx: TxRunner, d: { orderId: string; eventId: string; decision: unknown; commitments: CommitmentRow[] }): Promise<void> {
  await tx.rows(sql`
    insert into fulfilment_decisions (order_id, event_id, decision, decided_at)
    values (${d.orderId}, ${d.eventId}, ${JSON.stringify(d.decision)}::jsonb, now())
    on conflict (order_id) do update set event_id = excluded.event_id, decision = excluded.decision, decided_at = excluded.decided_at`);
  const json = JSON.stringify(d.commitments.map((c) => ({ line_id: c.lineId, sku: c.sku, node: c.node, quantity: c.quantity, ack: c.ackDeliveryId })));
  await tx.rows(sql`
    update fulfilment_commitments c set released_at = now(), release_reason = 'replanned'
     where c.order_id = ${d.orderId} and c.released_at is null
       and c.line_id not in (select x.line_id from jsonb_to_recordset(${json}::jsonb) as x(line_id text))`);
  await tx.rows(sql`
    insert into fulfilment_commitments (order_id, line_id, sku, node, quantity, event_id, ack_delivery_id, committed_at, released_at, release_reason)
    select ${d.orderId}, x.line_id, x.sku, x.node, x.quantity, ${d.eventId}, x.ack, now(), null, null
      from jsonb_to_recordset(${json}::jsonb) as x(line_id text, sku text, node text, quantity int, ack text)
    on conflict (order_id, line_id) do update
       set sku = excluded.sku, node = excluded.node, quantity = excluded.quantity, event_id = excluded.event_id,
           ack_delivery_id = excluded.ack_delivery_id, committed_at = now(), released_at = null, release_reason = null
     where fulfilment_commitments.node <> excluded.node or fulfilment_commitments.quantity <> excluded.quantity
        or fulfilment_commitments.sku <> excluded.sku or fulfilment_commitments.release_reason = 'replanned'`);
}

/** A cancelled order gives its units back at once; the ERP's own release shows up in its next level. */
export async function releaseOrderCommitments(tx: TxRunner, orderId: string, reason: "cancelled"): Promise<number> {
  const rows = await tx.rows<{ line_id: string }>(sql`
    update fulfilment_commitments set released_at = now(), release_reason = ${reason}
     where order_id = ${orderId} and released_at is null returning line_id`);
  return rows.length;
}

/** Open commitments per node and SKU (the console's and the tests' view of what routing holds). */
export async function openCommitments(store: Store, opts: { skus?: string[] } = {}): Promise<{ node: string; sku: string; quantity: number; orders: number }[]> {
  const rows = await store.rows<{ node: string; sku: string; quantity: number; orders: number }>(sql`
    select node, sku, sum(quantity)::int as quantity, count(distinct order_id)::int as orders
      from fulfilment_commitments where released_at is null ${opts.skus?.length ? sql`and sku in ${opts.skus}` : sql``}
     group by node, sku order by node, sku`);
  return rows.map((r) => ({ ...r, quantity: Number(r.quantity), orders: Number(r.orders) }));
}
