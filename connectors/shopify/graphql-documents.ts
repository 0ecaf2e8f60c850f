/**
 * The Admin GraphQL operations the connector sends. Operation names are stable: the sandbox and
 * the request log key on them. Page sizes keep every query well under the 1000-point single
 * query limit (connection cost ≈ 2 + first × node cost).
 */

/** The API version in the request path; pointing at a newer one is configuration only. */
export const DEFAULT_API_VERSION = "2025-07";

/**
 * Mutations that accept `@idempotent(key:)`, and the first version that does. Shopify added the
 * directive to the inventory and refund mutations in 2026-01 (mandatory from 2026-04):
 * https://shopify.dev/changelog/adding-idempotency-for-inventory-adjustments-and-refund-mutations
 * Older versions reject an unknown directive, so it is sent only where the version supports it.
 * fulfillmentCreate is not in Shopify's list; its retries are made safe by looking up the
 * fulfillment by tracking number before writing (see create-fulfillment.ts).
 */
export const IDEMPOTENT_SINCE: Record<string, string> = {
  inventorySetQuantities: "2026-01",
};

/** `changeFromQuantity` replaced compareQuantity/ignoreCompareQuantity in 2026-01 (required from 2026-04). */
export const CHANGE_FROM_QUANTITY_SINCE = "2026-01";

export function versionAtLeast(version: string, since: string): boolean {
  if (version === "unstable") return true;
  return version >= since;
}

export function supportsIdempotentDirective(version: string, mutation: string): boolean {
  const since = IDEMPOTENT_SINCE[mutation];
  return since !== undefined && versionAtLeast(version, since);
}

const MONEY = "shopMoney { amount currencyCode }";
const PAGE_INFO = "pageInfo { hasNextPage endCursor }";
const LINE_ITEM_FIELDS = "id sku name quantity currentQuantity";
const FO_LINE_FIELDS = "id sku remainingQuantity totalQuantity lineItem { id sku }";
const FULFILLMENT_LINE_FIELDS = "quantity lineItem { id sku }";
export const LINE_ITEMS_PAGE = 50;
export const ORDERS_PAGE = 10;
export const LEVELS_PAGE = 100;

export const SHOP_QUERY = `query ShopName { shop { name myshopifyDomain currencyCode } }`;

export const ORDERS_QUERY = `query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: CREATED_AT) {
    ${PAGE_INFO}
    nodes {
      id name createdAt updatedAt cancelledAt displayFulfillmentStatus displayFinancialStatus currencyCode
      currentTotalPriceSet { ${MONEY} }
      currentSubtotalPriceSet { ${MONEY} }
      currentTotalTaxSet { ${MONEY} }
      currentTotalDiscountsSet { ${MONEY} }
      lineItems(first: ${LINE_ITEMS_PAGE}) { ${PAGE_INFO} nodes { ${LINE_ITEM_FIELDS} } }
    }
  }
}`;

export const ORDER_LINE_ITEMS_QUERY = `query OrderLineItems($id: ID!, $after: String) {
  order(id: $id) { id lineItems(first: ${LINE_ITEMS_PAGE}, after: $after) { ${PAGE_INFO} nodes { ${LINE_ITEM_FIELDS} } } }
}`;

export const FULFILLMENT_ORDERS_QUERY = `query OrderFulfillmentOrders($id: ID!, $after: String) {
  order(id: $id) {
    id name
    fulfillmentOrders(first: 5, after: $after) {
      ${PAGE_INFO}
      nodes {
        id status
        assignedLocation { location { id } }
        lineItems(first: ${LINE_ITEMS_PAGE}) { ${PAGE_INFO} nodes { ${FO_LINE_FIELDS} } }
      }
    }
  }
}`;

export const FULFILLMENT_ORDER_LINE_ITEMS_QUERY = `query FulfillmentOrderLineItems($id: ID!, $after: String) {
  fulfillmentOrder(id: $id) { id lineItems(first: ${LINE_ITEMS_PAGE}, after: $after) { ${PAGE_INFO} nodes { ${FO_LINE_FIELDS} } } }
}`;

export const ORDER_FULFILLMENTS_QUERY = `query OrderFulfillments($id: ID!) {
  order(id: $id) {
    id name
    fulfillments(first: 15) {
      id name status createdAt
      trackingInfo(first: 5) { company number url }
      fulfillmentLineItems(first: 15) { ${PAGE_INFO} nodes { ${FULFILLMENT_LINE_FIELDS} } }
    }
  }
}`;

export const FULFILLMENT_LINE_ITEMS_QUERY = `query FulfillmentLineItems($id: ID!, $after: String) {
  fulfillment(id: $id) { id fulfillmentLineItems(first: ${LINE_ITEMS_PAGE}, after: $after) { ${PAGE_INFO} nodes { ${FULFILLMENT_LINE_FIELDS} } } }
}`;

export function fulfillmentCreateMutation(idempotent: boolean): string {
  return `mutation FulfillmentCreate($fulfillment: FulfillmentInput!${idempotent ? ", $idempotencyKey: String!" : ""}) {
  fulfillmentCreate(fulfillment: $fulfillment)${idempotent ? " @idempotent(key: $idempotencyKey)" : ""} {
    fulfillment { id name status createdAt trackingInfo(first: 5) { company number url } fulfillmentLineItems(first: 15) { ${PAGE_INFO} nodes { ${FULFILLMENT_LINE_FIELDS} } } }
    userErrors { field message }
  }
}`;
}

export const VARIANTS_BY_SKU_QUERY = `query VariantsBySku($query: String!) {
  productVariants(first: 5, query: $query) { nodes { id sku inventoryItem { id } } }
}`;

export function inventorySetQuantitiesMutation(idempotent: boolean): string {
  return `mutation InventorySetQuantities($input: InventorySetQuantitiesInput!${idempotent ? ", $idempotencyKey: String!" : ""}) {
  inventorySetQuantities(input: $input)${idempotent ? " @idempotent(key: $idempotencyKey)" : ""} {
    inventoryAdjustmentGroup { id reason changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}`;
}

export const LOCATIONS_QUERY = `query Locations($first: Int!, $after: String) {
  locations(first: $first, after: $after) { ${PAGE_INFO} nodes { id name isActive } }
}`;

const LEVEL_FIELDS = `id updatedAt item { id sku } location { id } quantities(names: ["available", "on_hand", "committed"]) { name quantity }`;

export const LOCATION_INVENTORY_LEVELS_QUERY = `query LocationInventoryLevels($id: ID!, $first: Int!, $after: String) {
  location(id: $id) { id inventoryLevels(first: $first, after: $after) { ${PAGE_INFO} nodes { ${LEVEL_FIELDS} } } }
}`;

export const INVENTORY_ITEM_LEVEL_QUERY = `query InventoryItemLevel($itemId: ID!, $locationId: ID!) {
  inventoryItem(id: $itemId) { id sku inventoryLevel(locationId: $locationId) { ${LEVEL_FIELDS} } }
}`;

export const REFUND_QUERY = `query Refund($id: ID!) {
  refund(id: $id) {
    id createdAt note
    order { id name }
    totalRefundedSet { ${MONEY} }
    refundLineItems(first: 100) {
      nodes { quantity restockType location { id } lineItem { id sku name } subtotalSet { ${MONEY} } totalTaxSet { ${MONEY} } }
    }
  }
}`;
