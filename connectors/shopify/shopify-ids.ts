/**
 * Shopify identifies a record three ways: the numeric id of REST and webhooks ("820982911946154508"),
 * the GraphQL global id ("gid://shopify/Order/820982911946154508"), and our canonical id
 * ("shopify:820982911946154508" for orders). These helpers convert between them, always as strings.
 */
export type ShopifyResource = "Order" | "LineItem" | "Fulfillment" | "FulfillmentOrder" | "FulfillmentOrderLineItem" | "InventoryItem" | "InventoryLevel" | "Location" | "Refund" | "Customer" | "ProductVariant" | "Product" | "OrderTransaction" | "InventoryAdjustmentGroup";

export function toGid(resource: ShopifyResource, id: string): string {
  if (id.startsWith("gid://")) return id;
  return `gid://shopify/${resource}/${id}`;
}

/** The numeric tail of a gid ("gid://shopify/InventoryLevel/1?inventory_item_id=2" gives "1"). */
export function gidTail(gid: string): string {
  const m = /^gid:\/\/shopify\/\w+\/([^?/]+)/.exec(gid);
  return m ? m[1]! : gid;
}

export function canonicalOrderId(shopifyOrderId: string): string {
  return `shopify:${gidTail(shopifyOrderId)}`;
}

export function canonicalLocation(shopifyLocationId: string): string {
  return `shopify:${gidTail(shopifyLocationId)}`;
}

/**
 * Reads a Shopify id out of whatever a person or mapping stored: a gid, "shopify:<n>",
 * "shopify:<kind>:<n>" or the bare number. Returns undefined when it is none of those.
 */
export function parseShopifyRef(resource: ShopifyResource, value: string | undefined | null): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (v.startsWith(`gid://shopify/${resource}/`)) return v;
  const m = /^(?:shopify:(?:[a-z_]+:)?)?(\d+)$/.exec(v);
  return m ? toGid(resource, m[1]!) : undefined;
}
