import type { InventoryLevel } from "../../pipeline/model";
import type { CapturedEvent, Poller } from "../sdk/definition";
import type { AmazonClient } from "./client";
import { mapInventorySummary } from "./map";

export interface FbaInventoryCursor {
  /** When the last poll started; the next one asks for changes since then (minus the overlap). */
  lastPolledAt: string | null;
  /** When the last full listing ran (inbound changes are invisible to startDateTime queries). */
  lastFullAt: string | null;
  /** Last emitted figures per SKU: `onHand/committed/available/inTransit`. */
  levels: Record<string, string>;
}

export interface FbaInventoryPollerOptions {
  intervalMs?: number;
  overlapMs?: number;
  /** A full listing at least this often. Default 6 h. */
  fullRefreshMs?: number;
}

export function fbaInventoryLevels(client: AmazonClient, asOf: string, startDateTime?: string): Promise<InventoryLevel[]> {
  return client
    .listInventorySummaries({ startDateTime })
    .then((summaries) => summaries.map((s) => mapInventorySummary(s, asOf)).filter((l): l is InventoryLevel => !!l));
}

/**
 * Emits inventory.level for FBA SKUs whose figures changed. getInventorySummaries with
 * startDateTime returns only SKUs changed since then, but its own model notes that inbound
 * changes are not detected, so a full listing runs every `fullRefreshMs`; the figures kept in the
 * cursor suppress SKUs that did not really change (overlap, full listings).
 */
export function fbaInventoryPoller(opts: FbaInventoryPollerOptions = {}): Poller<AmazonClient, FbaInventoryCursor> {
  const overlapMs = opts.overlapMs ?? 5 * 60_000;
  const fullRefreshMs = opts.fullRefreshMs ?? 6 * 60 * 60_000;
  return {
    intervalMs: opts.intervalMs ?? 15 * 60_000,
    initialCursor: () => ({ lastPolledAt: null, lastFullAt: null, levels: {} }),
    async poll(client, cursor, now) {
      const asOf = now.toISOString();
      const full = !cursor.lastPolledAt || !cursor.lastFullAt || now.getTime() - Date.parse(cursor.lastFullAt) >= fullRefreshMs;
      const startDateTime = full ? undefined : new Date(Date.parse(cursor.lastPolledAt!) - overlapMs).toISOString();
      const levels = await fbaInventoryLevels(client, asOf, startDateTime);
      const next = { ...cursor.levels };
      const events: CapturedEvent[] = [];
      for (const level of levels) {
        const figures = `${level.onHand}/${level.committed}/${level.available}/${level.inTransit}`;
        if (next[level.sku] === figures) continue;
        next[level.sku] = figures;
        events.push({ type: "inventory.level", sourceEventId: `fba:${level.sku}@${level.asOf}#${figures}`, occurredAt: level.asOf, data: level });
      }
      return { events, cursor: { lastPolledAt: asOf, lastFullAt: full ? asOf : cursor.lastFullAt, levels: next } };
    },
  };
}
