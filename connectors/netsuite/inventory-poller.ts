import { z } from "zod";
import type { CapturedEvent, Poller } from "../sdk/definition";
import type { InventoryRow } from "./api-schemas";
import type { NetSuiteClient } from "./client";
import { toInventoryLevel } from "./map";
import { netsuiteLocalToUtcIso } from "./netsuite-time";

/**
 * Where the inventory poller stands. SuiteQL renders the change stamp to the second, so the
 * cursor is the newest stamp seen plus the rows already emitted at exactly that stamp: the next
 * query asks for `>=` the stamp (no gap) and skips those rows (no double count).
 */
export const InventoryCursor = z.object({
  /** NetSuite-local "YYYY-MM-DD HH24:MI:SS", sent back verbatim; null before the first poll. */
  since: z.string().nullable(),
  /** "item:location:available" of every row emitted at `since`. */
  seen: z.array(z.string()).default([]),
});
export type InventoryCursor = z.infer<typeof InventoryCursor>;

const rowKey = (r: InventoryRow) => `${r.item}:${r.location}`;
/** Available is what the stamp tracks; on hand and committed can move together without a new stamp. */
const rowState = (r: InventoryRow) => `${rowKey(r)}:${r.quantityavailable ?? r.quantityonhand - r.quantitycommitted}`;

/**
 * ERP stock changes as `inventory.level` events, within about a second. Each page is asked for
 * from the cursor again (keyset paging), so rows that change while we page move behind the
 * cursor instead of shifting an offset past rows not yet read. Offsets are used only within
 * one stamp, to step through a bulk change made in a single second.
 * The first poll reads every row once; rows NetSuite has never stamped are left to the
 * inventory reader. Every second by default; an instance sets its own pace with
 * settings.pollers.inventory.intervalMs (each poll is one SuiteQL request out of the account's
 * shared concurrency).
 */
export interface InventoryPoller extends Poller<NetSuiteClient, InventoryCursor> {
  poll(client: NetSuiteClient, cursor: InventoryCursor, now: Date): Promise<{ events: CapturedEvent<"inventory.level">[]; cursor: InventoryCursor }>;
}

export function inventoryPoller(opts: { pageSize?: number; maxPages?: number } = {}): InventoryPoller {
  return {
    intervalMs: 1_000,
    initialCursor: () => ({ since: null, seen: [] }),
    async poll(client, raw) {
      let cursor = InventoryCursor.parse(raw ?? { since: null });
      let seen = new Set(cursor.seen);
      const seenRows = new Set(cursor.seen.map((s) => s.slice(0, s.lastIndexOf(":"))));
      const events: CapturedEvent<"inventory.level">[] = [];
      const limit = opts.pageSize ?? client.pageSize;
      let offset = 0;
      for (let page = 0; page < (opts.maxPages ?? 20); page++) {
        const res = await client.inventoryChangesPage(cursor.since, { limit, offset });
        const pageSince = cursor.since;
        for (const row of res.rows) {
          const stamp = row.lastmodified;
          if (!stamp || (cursor.since !== null && stamp < cursor.since)) continue;
          const state = rowState(row);
          const atCursor = stamp === cursor.since;
          if (atCursor && seen.has(state)) continue;
          // A second change to the same row within one second needs its own event id.
          const again = atCursor && seenRows.has(rowKey(row));
          events.push(toEvent(row, netsuiteLocalToUtcIso(stamp, client.timeZone), again));
          if (!atCursor) {
            cursor = { since: stamp, seen: [] };
            seen = new Set();
            seenRows.clear();
          }
          cursor.seen.push(state);
          seen.add(state);
          seenRows.add(rowKey(row));
        }
        if (!res.hasMore || res.count === 0) break;
        // A newer stamp restarts the keyset; a page that stayed on one stamp is stepped over.
        offset = cursor.since === pageSince ? offset + res.count : 0;
      }
      return { events, cursor };
    },
  };
}

function toEvent(row: InventoryRow, changedAt: string, again: boolean): CapturedEvent<"inventory.level"> {
  const level = toInventoryLevel(row, changedAt);
  const suffix = again ? `#${level.available}` : "";
  return {
    type: "inventory.level",
    sourceEventId: `${level.sku}@${level.location}@${changedAt}${suffix}`,
    occurredAt: changedAt,
    data: level,
    keys: { skus: [level.sku] },
  };
}
