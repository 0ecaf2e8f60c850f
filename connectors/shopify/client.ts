import type { z } from "zod";
import { ClassifiedError } from "../../pipeline/errors";
import { HttpClient, headerAuth } from "../sdk/http-client";
import {
  FulfillmentCreateData, FulfillmentLineItemsData, FulfillmentOrderLineItemsData, FulfillmentOrdersData, InventoryItemLevelData, InventorySetQuantitiesData, LocationInventoryLevelsData, LocationsData,
  OrderFulfillmentsData, OrderLineItemsData, OrdersData, RefundData, ShopData, VariantsBySkuData, GqlCost,
  type FulfillmentInput, type GqlFulfillment, type GqlFulfillmentOrder, type GqlInventoryLevel, type GqlOrderSummary, type GqlRefund,
  type GqlThrottleStatus, type InventorySetQuantitiesInput,
} from "./api-schemas";
import { classifyError, classifyGraphqlPayload } from "./errors";
import {
  CHANGE_FROM_QUANTITY_SINCE, DEFAULT_API_VERSION, FULFILLMENT_LINE_ITEMS_QUERY, FULFILLMENT_ORDERS_QUERY, FULFILLMENT_ORDER_LINE_ITEMS_QUERY, INVENTORY_ITEM_LEVEL_QUERY, LEVELS_PAGE, LOCATIONS_QUERY,
  LOCATION_INVENTORY_LEVELS_QUERY, ORDERS_PAGE, ORDERS_QUERY, ORDER_FULFILLMENTS_QUERY, ORDER_LINE_ITEMS_QUERY, REFUND_QUERY, SHOP_QUERY,
  VARIANTS_BY_SKU_QUERY, fulfillmentCreateMutation, inventorySetQuantitiesMutation, supportsIdempotentDirective, versionAtLeast,
} from "./graphql-documents";
import { parseExactJson } from "./parse-exact-json";

export interface ShopifyClientOptions {
  /** https://<shop>.myshopify.com, or a sandbox URL. */
  baseUrl: string;
  accessToken: string;
  apiVersion?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /**
   * Before a query, wait up to this long when the last reported bucket says the query would be
   * throttled (cheaper than being refused). 0 disables pacing. Default 5000.
   */
  maxPaceMs?: number;
  /**
   * Queries (never mutations) answered "throttled" are retried here after the wait Shopify
   * implies, when it is short; a longer wait is thrown as rate_limited for the pipeline to
   * schedule. Default 3 attempts, waits of at most 10 s.
   */
  queryRetry?: { attempts: number; maxWaitMs: number };
}

/**
 * A client of the Shopify Admin GraphQL API (POST /admin/api/<version>/graphql.json).
 * Every failure, including the errors Shopify reports inside a 200, is thrown as a
 * ClassifiedError; throttling is reported as rate_limited with the wait the cost extension implies.
 */
export class ShopifyClient {
  readonly apiVersion: string;
  /** The bucket as Shopify last reported it (extensions.cost.throttleStatus), with when. */
  throttle: (GqlThrottleStatus & { at: number }) | undefined;
  private readonly http: HttpClient;
  private readonly maxPaceMs: number;
  private readonly lastCost = new Map<string, number>();
  private readonly queryRetry: { attempts: number; maxWaitMs: number };

  constructor(opts: ShopifyClientOptions) {
    this.apiVersion = opts.apiVersion ?? DEFAULT_API_VERSION;
    this.maxPaceMs = opts.maxPaceMs ?? 5000;
    this.queryRetry = opts.queryRetry ?? { attempts: 3, maxWaitMs: 10_000 };
    this.http = new HttpClient({
      baseUrl: opts.baseUrl,
      auth: headerAuth("X-Shopify-Access-Token", opts.accessToken),
      classify: classifyError,
      fetch: opts.fetch,
      timeoutMs: opts.timeoutMs,
      userAgent: "Loopkeeper/0.1 (shopify connector)",
    });
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** Sends one operation; validates `data` against the schema; throws classified errors. */
  async graphql<S extends z.ZodType>(operation: string, query: string, variables: Record<string, unknown>, schema: S): Promise<z.infer<S>> {
    const isQuery = !/^\s*mutation\b/.test(query);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send(operation, query, variables, schema);
      } catch (e) {
        const wait = e instanceof ClassifiedError && e.errorClass === "rate_limited" ? (e.retryAfterMs ?? 1000) : undefined;
        if (!isQuery || wait === undefined || attempt >= this.queryRetry.attempts || wait > this.queryRetry.maxWaitMs) throw e;
        await sleep(wait);
      }
    }
  }

  private async send<S extends z.ZodType>(operation: string, query: string, variables: Record<string, unknown>, schema: S): Promise<z.infer<S>> {
    await this.pace(operation);
    const res = await this.http.request({ method: "POST", path: `/admin/api/${this.apiVersion}/graphql.json`, body: { query, variables } });
    let body: any;
    try {
      body = parseExactJson(res.text);
    } catch {
      throw new ClassifiedError({ errorClass: "transient", message: `Shopify ${operation}: response is not JSON`, upstream: { status: res.status, body: res.text.slice(0, 500) } });
    }
    this.recordCost(operation, body?.extensions?.cost);
    const upstream = { status: res.status, requestId: res.headers["x-request-id"], body: res.text.slice(0, 2000) };
    const failure = classifyGraphqlPayload(body, upstream);
    if (failure) throw failure;
    const parsed = schema.safeParse(body?.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ClassifiedError({ errorClass: "permanent", message: `Shopify ${operation}: unexpected response at data.${issue?.path.join(".")}: ${issue?.message}`, upstream });
    }
    return parsed.data;
  }

  async shop(): Promise<{ name: string; myshopifyDomain?: string | null; currencyCode?: string | null }> {
    return (await this.graphql("ShopName", SHOP_QUERY, {}, ShopData)).shop;
  }

  /** Orders created at or after `since` (ISO-8601), oldest first, with all their line items. */
  async listOrders(since: string): Promise<GqlOrderSummary[]> {
    const at = Date.parse(since);
    if (Number.isNaN(at)) throw new ClassifiedError({ errorClass: "permanent", message: `listOrders: since is not a timestamp: ${JSON.stringify(since)}` });
    // Normalised so nothing from the caller reaches Shopify's search syntax unescaped.
    const query = `created_at:>='${new Date(at).toISOString()}'`;
    const out: GqlOrderSummary[] = [];
    let after: string | null = null;
    do {
      const data: z.infer<typeof OrdersData> = await this.graphql("Orders", ORDERS_QUERY, { first: ORDERS_PAGE, after, query }, OrdersData);
      for (const order of data.orders.nodes) out.push(await this.completeLineItems(order));
      after = data.orders.pageInfo.hasNextPage ? data.orders.pageInfo.endCursor : null;
    } while (after);
    return out;
  }

  private async completeLineItems(order: GqlOrderSummary): Promise<GqlOrderSummary> {
    let page = order.lineItems.pageInfo;
    const nodes = [...order.lineItems.nodes];
    while (page.hasNextPage && page.endCursor) {
      const data = await this.graphql("OrderLineItems", ORDER_LINE_ITEMS_QUERY, { id: order.id, after: page.endCursor }, OrderLineItemsData);
      if (!data.order) break;
      nodes.push(...data.order.lineItems.nodes);
      page = data.order.lineItems.pageInfo;
    }
    return { ...order, lineItems: { pageInfo: page, nodes } };
  }

  /** Every fulfillment order of an order (all statuses); undefined when the order does not exist. */
  async fulfillmentOrders(orderGid: string): Promise<{ orderName: string; fulfillmentOrders: GqlFulfillmentOrder[] } | undefined> {
    const all: GqlFulfillmentOrder[] = [];
    let after: string | null = null;
    let orderName = "";
    do {
      const data: z.infer<typeof FulfillmentOrdersData> = await this.graphql("OrderFulfillmentOrders", FULFILLMENT_ORDERS_QUERY, { id: orderGid, after }, FulfillmentOrdersData);
      if (!data.order) return undefined;
      orderName = data.order.name;
      for (const fo of data.order.fulfillmentOrders.nodes) all.push(await this.completeFulfillmentOrderLines(fo));
      after = data.order.fulfillmentOrders.pageInfo.hasNextPage ? data.order.fulfillmentOrders.pageInfo.endCursor : null;
    } while (after);
    return { orderName, fulfillmentOrders: all };
  }

  private async completeFulfillmentOrderLines(fo: GqlFulfillmentOrder): Promise<GqlFulfillmentOrder> {
    let page = fo.lineItems.pageInfo;
    const nodes = [...fo.lineItems.nodes];
    while (page?.hasNextPage && page.endCursor) {
      const data = await this.graphql("FulfillmentOrderLineItems", FULFILLMENT_ORDER_LINE_ITEMS_QUERY, { id: fo.id, after: page.endCursor }, FulfillmentOrderLineItemsData);
      if (!data.fulfillmentOrder) break;
      nodes.push(...data.fulfillmentOrder.lineItems.nodes);
      page = data.fulfillmentOrder.lineItems.pageInfo;
    }
    return { ...fo, lineItems: { pageInfo: page, nodes } };
  }

  /** The order's fulfillments (Shopify lists at most the first 15 here) with all their line items. */
  async orderFulfillments(orderGid: string): Promise<{ orderName: string; fulfillments: GqlFulfillment[] } | undefined> {
    const data = await this.graphql("OrderFulfillments", ORDER_FULFILLMENTS_QUERY, { id: orderGid }, OrderFulfillmentsData);
    if (!data.order) return undefined;
    const fulfillments: GqlFulfillment[] = [];
    for (const f of data.order.fulfillments) fulfillments.push(await this.completeFulfillmentLines(f));
    return { orderName: data.order.name, fulfillments };
  }

  private async completeFulfillmentLines(f: GqlFulfillment): Promise<GqlFulfillment> {
    if (!f.fulfillmentLineItems) return f;
    let page = f.fulfillmentLineItems.pageInfo;
    const nodes = [...f.fulfillmentLineItems.nodes];
    while (page?.hasNextPage && page.endCursor) {
      const data = await this.graphql("FulfillmentLineItems", FULFILLMENT_LINE_ITEMS_QUERY, { id: f.id, after: page.endCursor }, FulfillmentLineItemsData);
      if (!data.fulfillment) break;
      nodes.push(...data.fulfillment.fulfillmentLineItems.nodes);
      page = data.fulfillment.fulfillmentLineItems.pageInfo;
    }
    return { ...f, fulfillmentLineItems: { pageInfo: page, nodes } };
  }

  async createFulfillment(fulfillment: FulfillmentInput, idempotencyKey: string): Promise<GqlFulfillment> {
    const idempotent = supportsIdempotentDirective(this.apiVersion, "fulfillmentCreate");
    const variables: Record<string, unknown> = { fulfillment, ...(idempotent ? { idempotencyKey } : {}) };
    const data = await this.graphql("FulfillmentCreate", fulfillmentCreateMutation(idempotent), variables, FulfillmentCreateData);
    if (!data.fulfillmentCreate.fulfillment) throw new ClassifiedError({ errorClass: "permanent", message: "Shopify fulfillmentCreate returned no fulfillment and no userErrors" });
    return data.fulfillmentCreate.fulfillment;
  }

  /** The variant whose SKU is exactly `sku` (Shopify's search is fuzzier than that). */
  async findVariantBySku(sku: string): Promise<{ variantId: string; inventoryItemId: string } | undefined> {
    const data = await this.graphql("VariantsBySku", VARIANTS_BY_SKU_QUERY, { query: `sku:"${sku.replace(/["\\]/g, "\\$&")}"` }, VariantsBySkuData);
    const hit = data.productVariants.nodes.find((v) => v.sku === sku);
    return hit ? { variantId: hit.id, inventoryItemId: hit.inventoryItem.id } : undefined;
  }

  /**
   * Sets the "available" quantity of one item at one location (reason "correction").
   * The compare-and-set check is opted out in the form the API version requires: our caller is
   * the system of record for this figure, and a stale-compare failure would only lead to a
   * re-read and the same write.
   */
  async setAvailableQuantity(args: { inventoryItemId: string; locationId: string; quantity: number; idempotencyKey: string; referenceDocumentUri?: string }): Promise<{ groupId?: string; delta: number }> {
    const modern = versionAtLeast(this.apiVersion, CHANGE_FROM_QUANTITY_SINCE);
    const quantity = { inventoryItemId: args.inventoryItemId, locationId: args.locationId, quantity: args.quantity, ...(modern ? { changeFromQuantity: null } : {}) };
    const input: InventorySetQuantitiesInput = {
      name: "available",
      reason: "correction",
      ...(args.referenceDocumentUri ? { referenceDocumentUri: args.referenceDocumentUri } : {}),
      ...(modern ? {} : { ignoreCompareQuantity: true }),
      quantities: [quantity],
    };
    const idempotent = supportsIdempotentDirective(this.apiVersion, "inventorySetQuantities");
    const variables: Record<string, unknown> = { input, ...(idempotent ? { idempotencyKey: args.idempotencyKey } : {}) };
    const data = await this.graphql("InventorySetQuantities", inventorySetQuantitiesMutation(idempotent), variables, InventorySetQuantitiesData);
    const group = data.inventorySetQuantities.inventoryAdjustmentGroup;
    const delta = group?.changes.find((c) => c.name === "available")?.delta ?? 0;
    return { groupId: group?.id ?? undefined, delta };
  }

  async locations(): Promise<{ id: string; name: string; isActive: boolean }[]> {
    const out: { id: string; name: string; isActive: boolean }[] = [];
    let after: string | null = null;
    do {
      const data: z.infer<typeof LocationsData> = await this.graphql("Locations", LOCATIONS_QUERY, { first: 50, after }, LocationsData);
      out.push(...data.locations.nodes);
      after = data.locations.pageInfo.hasNextPage ? data.locations.pageInfo.endCursor : null;
    } while (after);
    return out;
  }

  async locationInventoryLevels(locationGid: string): Promise<GqlInventoryLevel[]> {
    const out: GqlInventoryLevel[] = [];
    let after: string | null = null;
    do {
      const data: z.infer<typeof LocationInventoryLevelsData> = await this.graphql("LocationInventoryLevels", LOCATION_INVENTORY_LEVELS_QUERY, { id: locationGid, first: LEVELS_PAGE, after }, LocationInventoryLevelsData);
      if (!data.location) return out;
      out.push(...data.location.inventoryLevels.nodes);
      after = data.location.inventoryLevels.pageInfo.hasNextPage ? data.location.inventoryLevels.pageInfo.endCursor : null;
    } while (after);
    return out;
  }

  async inventoryItemLevel(itemGid: string, locationGid: string): Promise<{ sku: string | null; level: GqlInventoryLevel | null } | undefined> {
    const data = await this.graphql("InventoryItemLevel", INVENTORY_ITEM_LEVEL_QUERY, { itemId: itemGid, locationId: locationGid }, InventoryItemLevelData);
    return data.inventoryItem ? { sku: data.inventoryItem.sku, level: data.inventoryItem.inventoryLevel } : undefined;
  }

  async refund(refundGid: string): Promise<GqlRefund | undefined> {
    return (await this.graphql("Refund", REFUND_QUERY, { id: refundGid }, RefundData)).refund ?? undefined;
  }

  private recordCost(operation: string, raw: unknown): void {
    const cost = GqlCost.safeParse(raw);
    if (!cost.success) return;
    this.throttle = { ...cost.data.throttleStatus, at: Date.now() };
    this.lastCost.set(operation, cost.data.requestedQueryCost);
  }

  private async pace(operation: string): Promise<void> {
    const t = this.throttle;
    const need = this.lastCost.get(operation);
    if (!t || need === undefined || this.maxPaceMs <= 0 || !(t.restoreRate > 0)) return;
    const estimate = Math.min(t.maximumAvailable, t.currentlyAvailable + ((Date.now() - t.at) / 1000) * t.restoreRate);
    if (estimate >= need) return;
    const waitMs = Math.ceil(((need - estimate) / t.restoreRate) * 1000);
    // A longer wait is the pipeline's to schedule: let Shopify answer THROTTLED with its figure.
    if (waitMs <= this.maxPaceMs) await sleep(waitMs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
