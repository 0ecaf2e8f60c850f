import { isClassifiedError } from "../../pipeline/errors";
import type { EventType } from "../../pipeline/model";
import type { CapturedEvent, Poller } from "../sdk/definition";
import type { SpOrder, SpOrderItem } from "./api-schemas";
import type { AmazonClient } from "./client";
import { mapOrder, utc } from "./map";

/** The version of an order: Amazon bumps LastUpdateDate on every change. */
export function orderVersionKey(o: Pick<SpOrder, "AmazonOrderId" | "LastUpdateDate">): string {
  return `${o.AmazonOrderId}@${o.LastUpdateDate}`;
}

/** Pending orders carry no prices and may never become real (payment not authorised): not emitted. */
export function isPending(o: SpOrder): boolean {
  return o.OrderStatus === "Pending" || o.OrderStatus === "PendingAvailability";
}

export function orderEvent(order: SpOrder, items: SpOrderItem[], type: "order.created" | "order.updated" | "order.cancelled"): CapturedEvent {
  const canonical = mapOrder(order, items);
  const base = { sourceEventId: orderVersionKey(order), occurredAt: utc(order.LastUpdateDate) };
  if (type === "order.cancelled") return { ...base, type, data: { order: canonical, reason: "cancelled on Amazon" } } as CapturedEvent<EventType>;
  return { ...base, type, data: canonical } as CapturedEvent<EventType>;
}

export interface OrdersCursor {
  /** LastUpdatedBefore of the last complete poll; null before the first one. */
  lastUpdatedBefore: string | null;
  /** Versions (`id@LastUpdateDate`) already handled whose time falls in the window the next poll re-reads. */
  seen: string[];
  /**
   * Orders already emitted (or deliberately dropped), as `id@PurchaseDate`, kept for `createdHorizonMs`:
   * whether an order is new cannot be read from its PurchaseDate alone, because an order whose
   * versions kept changing faster than the 2-minute settle time shows up first long after its creation.
   */
  known: string[];
  /** Orders read while Pending (`id@PurchaseDate`): their first real version is their creation. */
  pending: string[];
  /** Orders that could not be mapped (kept so they are visible, never silently dropped). */
  skipped: { orderId: string; version: string; reason: string }[];
}

export interface OrdersPollerOptions {
  intervalMs?: number;
  /** How far each window reaches back before the previous LastUpdatedBefore. Default 5 min. */
  overlapMs?: number;
  /** LastUpdatedBefore = now − settleMs; SP-API requires at least 2 minutes. */
  settleMs?: number;
  /** How far the first poll reaches back. Default 24 h. */
  initialLookbackMs?: number;
  /**
   * How long emitted order ids are remembered. An order first seen with a PurchaseDate older than
   * this counts as already known (order.updated). Default 24 h; the cursor grows by ~30 bytes per order.
   */
  createdHorizonMs?: number;
  maxResultsPerPage?: number;
}

/**
 * Polls getOrders by LastUpdatedAfter/LastUpdatedBefore. Windows overlap by `overlapMs` because
 * Amazon indexes updates with a delay (its guide: most updates are visible two minutes later,
 * which is also why LastUpdatedBefore must be two minutes old); both bounds are inclusive. Versions
 * already handled inside the overlap are remembered in the cursor, so the overlap costs no double
 * count and the boundary no gap. Each new version is one event with sourceEventId
 * `${AmazonOrderId}@${LastUpdateDate}`: order.created the first time an order is emitted (or
 * leaves Pending; emitted ids are remembered for `createdHorizonMs`), order.cancelled when it is
 * Canceled, order.updated otherwise. An order cancelled
 * before we ever emitted it is dropped: nothing downstream knows it.
 *
 * A poll that hits the rate limit half-way returns what it has, remembering the handled versions
 * without moving the window, so a large backlog drains over several polls instead of restarting.
 */
export function ordersPoller(opts: OrdersPollerOptions = {}): Poller<AmazonClient, OrdersCursor> {
  const overlapMs = opts.overlapMs ?? 5 * 60_000;
  const settleMs = Math.max(opts.settleMs ?? 2 * 60_000, 2 * 60_000);
  const lookbackMs = opts.initialLookbackMs ?? 24 * 60 * 60_000;
  const horizonMs = opts.createdHorizonMs ?? 24 * 60 * 60_000;
  return {
    intervalMs: opts.intervalMs ?? 60_000,
    initialCursor: () => ({ lastUpdatedBefore: null, seen: [], known: [], pending: [], skipped: [] }),
    async poll(client, cursor, now) {
      const before = now.getTime() - settleMs;
      const prev = cursor.lastUpdatedBefore ? Date.parse(cursor.lastUpdatedBefore) : before - lookbackMs;
      if (before <= prev) return { events: [], cursor };
      const after = cursor.lastUpdatedBefore ? prev - overlapMs : prev;
      const horizon = now.getTime() - horizonMs;
      const seen = new Set(cursor.seen);
      const known = new Map((cursor.known ?? []).map((k) => [k.slice(0, k.lastIndexOf("@")), k]));
      const pending = new Map(cursor.pending.map((p) => [p.slice(0, p.lastIndexOf("@")), p]));
      const skipped = [...cursor.skipped];
      const events: CapturedEvent[] = [];

      const orders = await client.listOrders({
        lastUpdatedAfter: new Date(after).toISOString(),
        lastUpdatedBefore: new Date(before).toISOString(),
        maxResultsPerPage: opts.maxResultsPerPage ?? 100,
      });
      orders.sort((a, b) => Date.parse(a.LastUpdateDate) - Date.parse(b.LastUpdateDate));

      const partial = (): { events: CapturedEvent[]; cursor: OrdersCursor } => ({
        events,
        cursor: { ...cursor, seen: prune(seen, after), known: prune(new Set(known.values()), horizon), pending: [...pending.values()], skipped: skipped.slice(-50) },
      });

      for (const order of orders) {
        const key = orderVersionKey(order);
        if (seen.has(key)) continue;
        const id = order.AmazonOrderId;
        if (isPending(order)) {
          pending.set(id, `${id}@${order.PurchaseDate}`);
          seen.add(key);
          continue;
        }
        const wasPending = pending.delete(id);
        const isNew = wasPending || (!known.has(id) && Date.parse(order.PurchaseDate) >= horizon);
        if (order.OrderStatus === "Canceled" && isNew) {
          seen.add(key);
          known.set(id, `${id}@${order.PurchaseDate}`);
          continue;
        }
        let items: SpOrderItem[];
        try {
          items = await client.getOrderItems(id);
          events.push(orderEvent(order, items, order.OrderStatus === "Canceled" ? "order.cancelled" : isNew ? "order.created" : "order.updated"));
        } catch (e) {
          if (isClassifiedError(e) && e.errorClass === "validation") {
            // Not known: if a later version maps, that one is the order's creation downstream.
            skipped.push({ orderId: id, version: order.LastUpdateDate, reason: e.message });
            if (wasPending) pending.set(id, `${id}@${order.PurchaseDate}`);
            seen.add(key);
            continue;
          } else if (isClassifiedError(e) && (e.errorClass === "rate_limited" || e.errorClass === "transient") && events.length) {
            if (wasPending) pending.set(id, `${id}@${order.PurchaseDate}`);
            return partial();
          } else {
            throw e;
          }
        }
        seen.add(key);
        known.set(id, `${id}@${order.PurchaseDate}`);
      }

      const nextAfter = before - overlapMs;
      return {
        events,
        cursor: {
          lastUpdatedBefore: new Date(before).toISOString(),
          seen: prune(seen, nextAfter),
          known: prune(new Set(known.values()), horizon),
          pending: prune(new Set(pending.values()), now.getTime() - 30 * 24 * 60 * 60_000),
          skipped: skipped.slice(-50),
        },
      };
    },
  };
}

/** Keeps the `id@time` entries whose time is at or after `fromMs`. */
function prune(keys: Set<string>, fromMs: number): string[] {
  return [...keys].filter((k) => Date.parse(k.slice(k.lastIndexOf("@") + 1)) >= fromMs);
}
