import type { InventoryLevel } from "../../pipeline/model";
import type { CapturedEvent, RecordReaders } from "../sdk/definition";
import type { ShopifyClient } from "./client";
import { mapGqlInventoryLevel, mapGqlOrderSummary, mapGqlRefund } from "./map";

/**
 * Reads Shopify itself for reconciliation: stock per active location ("shopify:<location id>",
 * as webhooks name it) and orders created since a time.
 */
export const shopifyReaders: RecordReaders<ShopifyClient> = {
  async inventory(client) {
    const out: InventoryLevel[] = [];
    for (const location of (await client.locations()).filter((l) => l.isActive)) {
      for (const node of await client.locationInventoryLevels(location.id)) {
        const level = mapGqlInventoryLevel(node, { locationGid: location.id });
        if (level) out.push(level);
      }
    }
    return out;
  },

  async orders(client, since) {
    return (await client.listOrders(since)).map(mapGqlOrderSummary);
  },
};

/**
 * Resolves the webhooks that arrive as notifications (see webhooks.ts): a refund whose order name
 * the payload lacked, and an inventory level named by inventory item instead of SKU.
 */
export async function fetchShopifyNotification(client: ShopifyClient, n: { sourceEventId: string; resource: string; topic?: string }): Promise<CapturedEvent[]> {
  if (n.resource.startsWith("gid://shopify/Refund/")) {
    const refund = await client.refund(n.resource);
    if (!refund) return [];
    const data = mapGqlRefund(refund);
    return [{ type: "refund.created", sourceEventId: n.sourceEventId, occurredAt: data.createdAt, data }];
  }
  const level = /^gid:\/\/shopify\/InventoryLevel\/(\d+)\?inventory_item_id=(\d+)$/.exec(n.resource);
  if (level) {
    const locationGid = `gid://shopify/Location/${level[1]}`;
    const found = await client.inventoryItemLevel(`gid://shopify/InventoryItem/${level[2]}`, locationGid);
    const data = found?.level ? mapGqlInventoryLevel(found.level, { locationGid }) : undefined;
    // An item without a SKU cannot be routed or reconciled: nothing to capture.
    if (!data) return [];
    return [{ type: "inventory.level", sourceEventId: n.sourceEventId, occurredAt: data.asOf, data }];
  }
  return [];
}
