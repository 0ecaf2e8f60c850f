import { ClassifiedError } from "../../pipeline/errors";
import { basicAuth, headerAuth, HttpClient, type HttpRequest } from "../sdk/http-client";
import type { z } from "zod";
import {
  SsCreateOrderRequest,
  SsOrder,
  SsOrderList,
  SsShipmentList,
  SsSubscribeResponse,
  SsWarehouseList,
  SsWebhookList,
  V2InventoryPage,
  V2InventoryWarehousePage,
  type SsShipment,
  type SsWarehouse,
  type SsWebhookSubscription,
  type V2InventoryRow,
  type V2InventoryWarehouse,
} from "./api-schemas";
import { classifyShipStationError } from "./errors";

export const SHIPSTATION_V1_BASE_URL = "https://ssapi.shipstation.com";
export const SHIPSTATION_V2_BASE_URL = "https://api.shipstation.com";

export interface ShipStationClientOptions {
  /** v1 base: https://ssapi.shipstation.com, or a sandbox. */
  baseUrl: string;
  /**
   * v2 base (inventory). Defaults to https://api.shipstation.com when baseUrl is the real v1 host,
   * and to baseUrl itself otherwise, because the sandbox serves both versions (v2 under /v2/).
   */
  v2BaseUrl?: string;
  apiKey: string;
  apiSecret: string;
  /** Only inventory reads need it; without it they fail with a permanent error. */
  v2ApiKey?: string;
  /** ShipStation amounts carry no currency: they are in the account's currency. */
  currency?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** The last rate-limit budget ShipStation reported (X-Rate-Limit-* headers), for connector health. */
export interface RateBudget {
  limit?: number;
  remaining?: number;
  /** Seconds until the window resets, as of observedAt. */
  resetSeconds?: number;
  observedAt: string;
}

export interface ListOrdersQuery {
  orderNumber?: string;
  orderStatus?: string;
  /** Pacific wall-clock (see pacific-time.ts), as v1 filters expect. */
  modifyDateStart?: string;
  createDateStart?: string;
  page?: number;
  pageSize?: number;
}

export interface ListShipmentsQuery {
  orderNumber?: string;
  orderId?: number;
  /** Pacific wall-clock. */
  createDateStart?: string;
  shipDateStart?: string;
  page?: number;
  pageSize?: number;
}

/** Upper bound on pages per listing (at 500 rows a page: 2.5 million rows). */
const MAX_PAGES = 5_000;
const WAREHOUSE_CACHE_MS = 10 * 60_000;
const WAREHOUSE_MISS_RETRY_MS = 60_000;

/**
 * ShipStation API client. v1 (orders, shipments, webhooks, warehouses) with Basic apiKey:apiSecret;
 * v2 inventory with the API-Key header. Credentials reach requests only through the auth transports.
 */
export class ShipStationClient {
  readonly v1: HttpClient;
  readonly v2: HttpClient | undefined;
  readonly currency: string;
  readonly v2BaseUrl: string;
  private lastBudget: RateBudget | undefined;
  private lastV2Budget: RateBudget | undefined;
  private warehouses: { at: number; list: SsWarehouse[] } | undefined;

  constructor(private readonly opts: ShipStationClientOptions) {
    this.currency = opts.currency ?? "USD";
    this.v2BaseUrl = opts.v2BaseUrl ?? defaultV2BaseUrl(opts.baseUrl);
    const base = opts.fetch ?? fetch;
    const observe = (set: (b: RateBudget) => void): typeof fetch =>
      (async (input: RequestInfo | URL, init?: RequestInit) => {
        const res = await base(input, init);
        const budget = budgetOf(res.headers);
        if (budget) set(budget);
        return res;
      }) as typeof fetch;
    this.v1 = new HttpClient({
      baseUrl: opts.baseUrl,
      auth: basicAuth(opts.apiKey, opts.apiSecret),
      classify: classifyShipStationError,
      fetch: observe((b) => (this.lastBudget = b)),
      timeoutMs: opts.timeoutMs,
    });
    this.v2 = opts.v2ApiKey
      ? new HttpClient({
          baseUrl: this.v2BaseUrl,
          auth: headerAuth("API-Key", opts.v2ApiKey),
          classify: classifyShipStationError,
          fetch: observe((b) => (this.lastV2Budget = b)),
          timeoutMs: opts.timeoutMs,
        })
      : undefined;
  }

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  /** The v1 budget from the latest response (v1 allows 40 requests per minute per key). */
  get rateBudget(): RateBudget | undefined {
    return this.lastBudget;
  }

  get v2RateBudget(): RateBudget | undefined {
    return this.lastV2Budget;
  }

  /** Creates the order, or updates the one with the same orderKey (ShipStation's upsert). */
  async createOrder(body: SsCreateOrderRequest): Promise<SsOrder> {
    const valid = SsCreateOrderRequest.safeParse(body);
    if (!valid.success) {
      const issue = valid.error.issues[0];
      const field = issue?.path.join(".") || "order";
      throw new ClassifiedError({ errorClass: "validation", message: `createorder body is invalid at ${field}: ${issue?.message ?? "invalid"}`, field, reason: issue?.message });
    }
    const res = await this.v1.request({ method: "POST", path: "/orders/createorder", body: valid.data });
    return parseBody(SsOrder, res.body, "POST /orders/createorder");
  }

  async getOrder(orderId: number | string): Promise<SsOrder> {
    return parseBody(SsOrder, await this.v1.json({ path: `/orders/${encodeURIComponent(String(orderId))}` }), "GET /orders/{id}");
  }

  async listOrders(q: ListOrdersQuery = {}): Promise<SsOrderList> {
    return parseBody(SsOrderList, await this.v1.json({ path: "/orders", query: { ...q } }), "GET /orders");
  }

  async listAllOrders(q: Omit<ListOrdersQuery, "page"> = {}): Promise<SsOrder[]> {
    return collectPages((page) => this.listOrders({ pageSize: 500, ...q, page }).then((r) => ({ items: r.orders, pages: r.pages })));
  }

  /**
   * Orders whose number is exactly orderNumber. v1's orderNumber filter is a prefix match, so
   * "1042" also returns "10420": filter again here.
   */
  async findOrdersByNumber(orderNumber: string): Promise<SsOrder[]> {
    return (await this.listAllOrders({ orderNumber })).filter((o) => o.orderNumber === orderNumber);
  }

  /**
   * The order with this orderKey. v1 cannot filter by orderKey, so this lists by orderNumber (our
   * orderKey's order always carries its number) and picks the key.
   */
  async findOrderByKey(orderKey: string, orderNumber: string): Promise<SsOrder | undefined> {
    return (await this.findOrdersByNumber(orderNumber)).find((o) => o.orderKey === orderKey);
  }

  async listShipments(q: ListShipmentsQuery = {}): Promise<SsShipmentList> {
    return parseBody(SsShipmentList, await this.v1.json({ path: "/shipments", query: { ...q, includeShipmentItems: true } }), "GET /shipments");
  }

  async listAllShipments(q: Omit<ListShipmentsQuery, "page"> = {}): Promise<SsShipment[]> {
    return collectPages((page) => this.listShipments({ pageSize: 500, ...q, page }).then((r) => ({ items: r.shipments, pages: r.pages })));
  }

  /**
   * Follows a SHIP_NOTIFY resource_url. Refuses any URL off the ShipStation API origin, because this
   * request carries our Basic credentials. ShipStation's own URL often says
   * includeShipmentItems=False; we need the items for the shipment lines, so it is switched on.
   */
  async getShipNotifyResource(resourceUrl: string): Promise<SsShipment[]> {
    if (!isShipStationApiUrl(resourceUrl, this.opts.baseUrl)) {
      throw new ClassifiedError({ errorClass: "permanent", message: `refusing to fetch a resource_url off the ShipStation API origin: ${safeOrigin(resourceUrl)}` });
    }
    const url = new URL(resourceUrl);
    url.searchParams.set("includeShipmentItems", "true");
    return collectPages(async (page) => {
      if (page > 1) url.searchParams.set("page", String(page));
      const r = parseBody(SsShipmentList, await this.v1.json({ path: url.toString() }), "GET resource_url");
      return { items: r.shipments, pages: r.pages };
    });
  }

  async subscribeWebhook(input: { targetUrl: string; event?: "SHIP_NOTIFY" | "ORDER_NOTIFY"; friendlyName?: string; storeId?: number }): Promise<{ id: number }> {
    const body = { target_url: input.targetUrl, event: input.event ?? "SHIP_NOTIFY", store_id: input.storeId ?? null, friendly_name: input.friendlyName ?? "Loopkeeper" };
    return parseBody(SsSubscribeResponse, await this.v1.json({ method: "POST", path: "/webhooks/subscribe", body }), "POST /webhooks/subscribe");
  }

  async unsubscribeWebhook(id: number): Promise<void> {
    await this.v1.request({ method: "DELETE", path: `/webhooks/${id}` });
  }

  async listWebhooks(): Promise<SsWebhookSubscription[]> {
    return parseBody(SsWebhookList, await this.v1.json({ path: "/webhooks" }), "GET /webhooks").webhooks;
  }

  async listWarehouses(): Promise<SsWarehouse[]> {
    const list = parseBody(SsWarehouseList, await this.v1.json({ path: "/warehouses" }), "GET /warehouses");
    this.warehouses = { at: Date.now(), list };
    return list;
  }

  /** A warehouse's name by id, from a cached GET /warehouses (names change rarely; calls are scarce). */
  async warehouseName(warehouseId: number | null | undefined): Promise<string | undefined> {
    if (warehouseId === null || warehouseId === undefined) return undefined;
    return (await this.findWarehouse((w) => w.warehouseId === warehouseId))?.warehouseName;
  }

  /** A warehouse's id by its name (case-insensitive), from the same cache. */
  async warehouseIdByName(name: string): Promise<number | undefined> {
    return (await this.findWarehouse((w) => w.warehouseName.toLowerCase() === name.toLowerCase()))?.warehouseId;
  }

  /**
   * Looks in the cache first; refetches when it is stale, or when the warehouse is missing and the
   * cache is older than a minute (a new warehouse), so an unknown id cannot cost a call every time.
   */
  private async findWarehouse(match: (w: SsWarehouse) => boolean): Promise<SsWarehouse | undefined> {
    const age = this.warehouses ? Date.now() - this.warehouses.at : Infinity;
    const cached = this.warehouses?.list.find(match);
    if (age < WAREHOUSE_CACHE_MS && (cached || age < WAREHOUSE_MISS_RETRY_MS)) return cached;
    return (await this.listWarehouses()).find(match);
  }

  /** v2 GET /v2/inventory, every page (following links.next). */
  async listInventory(q: { sku?: string; inventory_warehouse_id?: string; limit?: number } = {}): Promise<V2InventoryRow[]> {
    const v2 = this.requireV2();
    return this.followV2Links(v2, { path: "/v2/inventory", query: { ...q } }, (b) => {
      const p = parseBody(V2InventoryPage, b, "GET /v2/inventory");
      return { items: p.inventory, next: p.links?.next?.href ?? undefined };
    });
  }

  async listInventoryWarehouses(): Promise<V2InventoryWarehouse[]> {
    const v2 = this.requireV2();
    return this.followV2Links(v2, { path: "/v2/inventory_warehouses" }, (b) => {
      const p = parseBody(V2InventoryWarehousePage, b, "GET /v2/inventory_warehouses");
      return { items: p.inventory_warehouses, next: p.links?.next?.href ?? undefined };
    });
  }

  private requireV2(): HttpClient {
    if (!this.v2) throw new ClassifiedError({ errorClass: "permanent", message: "ShipStation v2ApiKey is not configured: inventory reads need an API v2 key" });
    return this.v2;
  }

  private async followV2Links<T>(v2: HttpClient, first: HttpRequest, read: (body: unknown) => { items: T[]; next?: string }): Promise<T[]> {
    const out: T[] = [];
    let req: HttpRequest | undefined = first;
    const origin = new URL(this.v2BaseUrl).origin;
    for (let n = 0; req; n++) {
      if (n >= MAX_PAGES) throw tooManyPages(first.path);
      const page = read(await v2.json(req));
      out.push(...page.items);
      if (!page.next) break;
      const next = new URL(page.next, this.v2BaseUrl);
      // A link is followed with our API key: only ever on the v2 origin.
      if (next.origin !== origin) throw new ClassifiedError({ errorClass: "permanent", message: `v2 pagination link left the API origin: ${next.origin}` });
      req = { path: `${next.pathname}${next.search}` };
    }
    return out;
  }
}

/** v2 lives on another host in production; a sandbox or proxy serves both on one origin. */
export function defaultV2BaseUrl(v1BaseUrl: string): string {
  return new URL(v1BaseUrl).host === new URL(SHIPSTATION_V1_BASE_URL).host ? SHIPSTATION_V2_BASE_URL : v1BaseUrl;
}

/**
 * Whether a URL ShipStation handed us (a webhook's resource_url) is on its API origin. Production
 * webhooks point at numbered hosts (https://ssapi6.shipstation.com/..., see the captured fixture),
 * so with the real base URL any https://ssapi<N>.shipstation.com on the default port counts;
 * otherwise (sandbox, proxy) only the configured origin does.
 */
export function isShipStationApiUrl(candidate: string, v1BaseUrl: string): boolean {
  let url: URL;
  let base: URL;
  try {
    url = new URL(candidate);
    base = new URL(v1BaseUrl);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.origin === base.origin) return true;
  const realBase = base.host === new URL(SHIPSTATION_V1_BASE_URL).host;
  return realBase && url.protocol === "https:" && url.port === "" && /^ssapi\d*\.shipstation\.com$/i.test(url.hostname);
}

function safeOrigin(u: string): string {
  try {
    return new URL(u).origin;
  } catch {
    return "(not a URL)";
  }
}

function budgetOf(headers: Headers): RateBudget | undefined {
  const num = (k: string) => {
    const v = headers.get(k);
    return v !== null && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : undefined;
  };
  const limit = num("x-rate-limit-limit");
  const remaining = num("x-rate-limit-remaining");
  const resetSeconds = num("x-rate-limit-reset");
  if (limit === undefined && remaining === undefined && resetSeconds === undefined) return undefined;
  return { limit, remaining, resetSeconds, observedAt: new Date().toISOString() };
}

async function collectPages<T>(fetchPage: (page: number) => Promise<{ items: T[]; pages: number }>): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ; page++) {
    if (page > MAX_PAGES) throw tooManyPages("v1 list");
    const r = await fetchPage(page);
    out.push(...r.items);
    if (page >= r.pages || r.items.length === 0) break;
  }
  return out;
}

/**
 * A list longer than the page cap is an error, never a silently shortened list: a reconciliation
 * reading a truncated inventory would report drift that is not there.
 */
function tooManyPages(what: string): ClassifiedError {
  return new ClassifiedError({ errorClass: "permanent", message: `ShipStation ${what}: more than ${MAX_PAGES} pages; refusing to return a partial list` });
}

/** A 2xx whose body is not what the API documents is a bug somewhere: park it, naming the path. */
function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ClassifiedError({
    errorClass: "permanent",
    message: `unexpected ShipStation response to ${what}: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid"}`,
  });
}
