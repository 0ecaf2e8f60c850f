import { ClassifiedError } from "../../pipeline/errors";
import { InventoryLevel } from "../../pipeline/model";
import type { DeliveryContext, DestinationAction } from "../sdk/definition";
import type { ShopifyClient } from "./client";
import { SYSTEM } from "./map";
import { gidTail, parseShopifyRef } from "./shopify-ids";

/**
 * set_inventory: publishes a system of record's stock (ERP, WMS) as Shopify's sellable quantity:
 * available = level.available − settings.safetyStock (default 0), never below 0.
 *
 * Location: mapping "shopify_location" of level.location, else settings.defaultLocationId
 * (a gid, "shopify:<id>" or the numeric id). Inventory item: mapping "shopify_inventory_item"
 * of the SKU, else looked up by SKU. Levels that came from Shopify itself are not echoed back.
 */
export const setInventory: DestinationAction<ShopifyClient> = {
  accepts: ["inventory.level"],

  async deliver(client, ctx) {
    const level = parseLevel(ctx);
    if (level.system === SYSTEM) return { summary: `Skipped: the level of ${level.sku} at ${level.location} came from Shopify itself` };
    const safetyStock = readSafetyStock(ctx.settings);
    const quantity = Math.max(0, level.available - safetyStock);

    const locationId =
      parseShopifyRef("Location", await ctx.mappings.get("shopify_location", level.location)) ??
      parseShopifyRef("Location", typeof ctx.settings.defaultLocationId === "number" ? String(ctx.settings.defaultLocationId) : (ctx.settings.defaultLocationId as string | undefined));
    if (!locationId) {
      throw new ClassifiedError({
        errorClass: "validation",
        message: `no Shopify location for ${level.location}: add a shopify_location mapping or set defaultLocationId`,
        field: "location",
        reason: `location ${level.location} is not mapped to a Shopify location`,
      });
    }

    const itemId =
      parseShopifyRef("InventoryItem", await ctx.mappings.get("shopify_inventory_item", level.sku)) ??
      (await client.findVariantBySku(level.sku))?.inventoryItemId;
    if (!itemId) {
      throw new ClassifiedError({ errorClass: "validation", message: `SKU ${level.sku} matches no Shopify product variant`, field: "sku", reason: `SKU ${level.sku} does not exist in Shopify` });
    }

    const result = await client.setAvailableQuantity({
      inventoryItemId: itemId,
      locationId,
      quantity,
      idempotencyKey: ctx.idempotencyKey,
      referenceDocumentUri: `loopkeeper://events/${encodeURIComponent(ctx.event.id)}`,
    });
    return {
      externalId: `${gidTail(itemId)}@${gidTail(locationId)}`,
      summary: `Set Shopify available of ${level.sku} at location ${gidTail(locationId)} to ${quantity} (${level.system} available ${level.available} − safety stock ${safetyStock}; change ${result.delta >= 0 ? "+" : ""}${result.delta})`,
      upstream: { status: 200 },
    };
  },
};

function parseLevel(ctx: DeliveryContext): InventoryLevel {
  const parsed = InventoryLevel.safeParse(ctx.event.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ClassifiedError({ errorClass: "validation", message: `inventory level is invalid: ${issue?.path.join(".")}: ${issue?.message}`, field: issue?.path.join("."), reason: issue?.message });
  }
  return parsed.data;
}

function readSafetyStock(settings: Record<string, unknown>): number {
  const v = settings.safetyStock;
  if (v === undefined || v === null || v === "") return 0;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new ClassifiedError({ errorClass: "permanent", message: `setting safetyStock must be a whole number ≥ 0, got ${JSON.stringify(v)}`, field: "settings.safetyStock" });
  }
  return n;
}
