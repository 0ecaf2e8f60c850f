import { DEFAULT_SEED, route, startSandbox, WebhookEmitter, type FaultResponses, type Route, type SandboxRequest, type SandboxResponse, type SandboxSeed, type SandboxServer } from "../../sdk/sandbox-kit";
import { SsCreateOrderRequest, SsSubscribeRequest, type SsOrder } from "../api-schemas";
import { pacificToUtc } from "../pacific-time";
import { FixedWindowLimiter } from "./rate-limit";
import { ModelStateError, redactToken, SandboxStateError, ShipStationState, type ShipOptions, type StockRow, type StoredShipment } from "./state";

/**
 * A local ShipStation speaking the API subset the connector uses, v1 and v2 on one origin (v2
 * under /v2/), with its own state (state.ts), ShipStation's rate limiter (40 requests per minute
 * per API key, X-Rate-Limit-* on every answer) and the kit's fault plan.
 *
 * Validation faults: faults.rejectRecords keyed by order number or SKU make createorder answer
 * 400 {"Message":"The request is invalid.","ModelState":{"apiOrder.<field>":[message]}}.
 * An incomplete ship-to, or postal code 00000, gets the same with key "apiOrder.shipTo".
 * faults.custom.rateLimitPerMinute overrides the rate limit at run time.
 *
 * Control endpoints (besides the kit's state/faults/reset):
 *   POST /_sandbox/ship {orderKey?|orderNumber?, carrierCode?, serviceCode?, trackingNumber?, shipmentCost?}
 *   POST /_sandbox/inventory/adjust {sku, warehouse, delta, silent?}
 *   POST /_sandbox/rate-limit {perMinute}
 *   GET  /_sandbox/webhooks   (what was sent, tokens redacted)
 * Shipping sends SHIP_NOTIFY {resource_url: "<url>/shipments?batchId=<id>&includeShipmentItems=False",
 * resource_type: "SHIP_NOTIFY"} to every SHIP_NOTIFY subscription and to opts.webhookTarget,
 * unsigned as ShipStation's are (our token travels in the target URL).
 */

export interface ShipStationSandboxCredentials {
  apiKey: string;
  apiSecret: string;
  v2ApiKey: string;
  webhookToken: string;
}

export interface ShipStationSandboxOptions {
  port?: number;
  seed?: SandboxSeed;
  /** Where SHIP_NOTIFY goes besides subscriptions made through POST /webhooks/subscribe. */
  webhookTarget?: string;
  /** Ship every order that becomes awaiting_shipment after this delay (the live demo world). */
  autoShipAfterMs?: number;
  credentials?: Partial<ShipStationSandboxCredentials>;
  /** Requests per window per API key; ShipStation allows 40 a minute. */
  rateLimitPerMinute?: number;
  /** The rate window; one minute unless a test wants to see it reset. */
  rateWindowMs?: number;
  /** Where this account's ids start (a second account in one world must not reuse the first's ids). */
  idOffset?: number;
}

export interface SentWebhook {
  at: string;
  target: string;
  status: number | "dropped" | "held" | "error";
  body: string;
}

export interface ShipStationSandbox extends SandboxServer {
  credentials: ShipStationSandboxCredentials;
  state: ShipStationState;
  /** Ships an order (by orderKey, else order number) and delivers SHIP_NOTIFY before resolving. */
  ship(orderKeyOrNumber: string, opts?: ShipOptions): Promise<StoredShipment>;
  /** Moves on_hand; silent = a cycle count nobody reports (drift for reconciliation). */
  adjustInventory(sku: string, warehouse: string | number, delta: number, opts?: { silent?: boolean }): StockRow;
  setRateLimit(perMinute: number): void;
  setWebhookTarget(url: string | undefined): void;
  setAutoShip(afterMs: number | undefined): void;
  sentWebhooks(): SentWebhook[];
  /** Back to the seed: state, subscriptions, rate windows, timers and faults. */
  reset(): void;
}

export const DEFAULT_SANDBOX_CREDENTIALS: ShipStationSandboxCredentials = {
  apiKey: "ss-sandbox-api-key",
  apiSecret: "ss-sandbox-api-secret",
  v2ApiKey: "ss-sandbox-v2-api-key",
  webhookToken: "ss-sandbox-webhook-token-0123456789",
};

export async function startShipStationSandbox(opts: ShipStationSandboxOptions = {}): Promise<ShipStationSandbox> {
  const credentials: ShipStationSandboxCredentials = { ...DEFAULT_SANDBOX_CREDENTIALS, ...opts.credentials };
  const state = new ShipStationState(opts.seed ?? DEFAULT_SEED, undefined, opts.idOffset);
  let rateLimit = opts.rateLimitPerMinute ?? 40;
  let webhookTarget = opts.webhookTarget;
  let autoShipAfterMs = opts.autoShipAfterMs;
  let baseUrl = "";
  const timers = new Map<number, NodeJS.Timeout>();
  const emitters = new Map<string, WebhookEmitter>();
  // Assigned once the kit has made the fault plan; handlers only run after that.
  let server: SandboxServer;

  const currentLimit = () => {
    const custom = server?.faults.settings.custom?.rateLimitPerMinute;
    return typeof custom === "number" && custom > 0 ? custom : rateLimit;
  };
  const limiter = new FixedWindowLimiter(currentLimit, () => opts.rateWindowMs ?? 60_000);

  const faultResponses: FaultResponses = {
    rateLimited: (sec) => ({
      status: 429,
      headers: { "X-Rate-Limit-Limit": String(currentLimit()), "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": String(sec) },
      body: { message: "Too Many Requests" },
    }),
    serverError: (status) => ({ status, body: { Message: "An error has occurred." } }),
    expiredToken: () => ({ status: 401, headers: { "content-type": "text/plain; charset=utf-8", "WWW-Authenticate": 'Basic realm="ShipStation"' }, text: "401 Unauthorized" }),
  };

  function authorize(req: SandboxRequest): boolean {
    if (req.path.startsWith("/v2/")) return req.headers["api-key"] === credentials.v2ApiKey;
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    return !!m && Buffer.from(m[1]!, "base64").toString("utf8") === `${credentials.apiKey}:${credentials.apiSecret}`;
  }

  function apiKeyOf(req: SandboxRequest): string {
    if (req.path.startsWith("/v2/")) return `v2:${req.headers["api-key"] ?? ""}`;
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    return `v1:${m ? Buffer.from(m[1]!, "base64").toString("utf8").split(":")[0] : ""}`;
  }

  /** Every API route: counted against the key's window, answering with the budget headers. */
  const api = (method: string, path: string, handler: (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>): Route =>
    route(method, path, async (req) => {
      const decision = limiter.take(apiKeyOf(req));
      if (!decision.allowed) return { status: 429, headers: decision.headers, body: { message: "Too Many Requests" } };
      let res: SandboxResponse;
      try {
        res = await handler(req);
      } catch (e) {
        if (e instanceof ModelStateError) res = { status: e.status, body: e.body };
        else if (e instanceof SandboxStateError) res = { status: e.status, body: { Message: e.message } };
        else throw e;
      }
      return { ...res, headers: { ...decision.headers, ...(res.headers ?? {}) } };
    });

  function emitterFor(target: string): WebhookEmitter {
    let e = emitters.get(target);
    if (!e) {
      // v1 webhooks carry no signature header at all.
      e = new WebhookEmitter(server.faults, () => ({}));
      e.targetUrl = target;
      emitters.set(target, e);
    }
    return e;
  }

  async function notifyShipped(s: StoredShipment): Promise<void> {
    const body = JSON.stringify({ resource_url: `${baseUrl}/shipments?batchId=${s.batchId}&includeShipmentItems=False`, resource_type: "SHIP_NOTIFY" });
    const targets = new Set(state.subscriptions.filter((x) => x.active && x.event === "SHIP_NOTIFY").map((x) => x.targetUrl));
    if (webhookTarget) targets.add(webhookTarget);
    await Promise.all([...targets].map((t) => emitterFor(t).emit(body)));
  }

  async function ship(ref: string | { orderKey?: string; orderNumber?: string }, shipOpts: ShipOptions = {}): Promise<StoredShipment> {
    const shipment = state.ship(ref, shipOpts);
    await notifyShipped(shipment);
    return shipment;
  }

  function scheduleAutoShip(order: SsOrder): void {
    if (autoShipAfterMs === undefined || order.orderStatus !== "awaiting_shipment" || timers.has(order.orderId)) return;
    const t = setTimeout(() => {
      timers.delete(order.orderId);
      const current = state.orders.get(order.orderId);
      if (current?.orderStatus === "awaiting_shipment") ship({ orderKey: current.orderKey ?? undefined, orderNumber: current.orderNumber }).catch(() => undefined);
    }, autoShipAfterMs);
    t.unref();
    timers.set(order.orderId, t);
  }

  function clearTimers(): void {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
  }

  function resetAll(): void {
    clearTimers();
    state.reset();
    limiter.reset();
    emitters.clear();
  }

  const createOrder = (req: SandboxRequest): SandboxResponse => {
    if (req.body === undefined) throw new ModelStateError("apiOrder", "Unexpected character encountered while parsing value. Path '', line 0, position 0.");
    if (Array.isArray(req.body)) {
      throw new ModelStateError("apiOrder", "Cannot deserialize the current JSON array (e.g. [1,2,3]) into type 'SS.OpenApi.Models.Orders.Order' because the type requires a JSON object (e.g. {\"name\":\"value\"}) to deserialize correctly.\r\nPath '', line 1, position 1.");
    }
    const parsed = SsCreateOrderRequest.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ModelStateError(`apiOrder.${issue.path.join(".")}`, `The ${issue.path.join(".") || "order"} field is invalid: ${issue.message}.`);
    }
    const body = parsed.data;
    for (const key of [body.orderNumber, ...body.items.map((i) => i.sku ?? "")]) {
      const r = server.faults.rejection(key || undefined);
      if (r) throw new ModelStateError(r.field.startsWith("apiOrder") ? r.field : `apiOrder.${r.field}`, r.message);
    }
    const { order } = state.upsertOrder(body);
    scheduleAutoShip(order);
    return { status: 200, body: order };
  };

  const listOrders = (req: SandboxRequest): SandboxResponse => {
    const q = req.query;
    let list = [...state.orders.values()].sort((a, b) => a.orderId - b.orderId);
    const num = q.get("orderNumber");
    if (num) list = list.filter((o) => o.orderNumber.toLowerCase().startsWith(num.toLowerCase()));
    const status = q.get("orderStatus");
    if (status) list = list.filter((o) => o.orderStatus === status);
    list = list.filter(inRange(q, "createDate", (o) => o.createDate)).filter(inRange(q, "modifyDate", (o) => o.modifyDate)).filter(inRange(q, "orderDate", (o) => o.orderDate));
    const page = paginate(list, q);
    return { status: 200, body: { orders: page.items, total: page.total, page: page.page, pages: page.pages } };
  };

  const getOrder = (req: SandboxRequest): SandboxResponse => {
    const order = state.orders.get(Number(req.params.orderId));
    return order ? { status: 200, body: order } : { status: 404, body: { Message: `Order ${req.params.orderId} not found` } };
  };

  const listShipments = (req: SandboxRequest): SandboxResponse => {
    const q = req.query;
    let list = [...state.shipments].sort((a, b) => a.shipmentId - b.shipmentId);
    const batchId = q.get("batchId");
    if (batchId) list = list.filter((s) => String(s.batchId) === batchId);
    const num = q.get("orderNumber");
    if (num) list = list.filter((s) => s.orderNumber === num);
    const orderId = q.get("orderId");
    if (orderId) list = list.filter((s) => String(s.orderId) === orderId);
    list = list.filter(inRange(q, "createDate", (s) => s.createDate)).filter(inRange(q, "shipDate", (s) => s.shipDate));
    const withItems = (q.get("includeShipmentItems") ?? "").toLowerCase() === "true";
    const page = paginate(list, q);
    const shipments = page.items.map(({ batchId: _batch, ...s }) => ({ ...s, shipmentItems: withItems ? s.shipmentItems : null, labelData: null, formData: null }));
    return { status: 200, body: { shipments, total: page.total, page: page.page, pages: page.pages } };
  };

  const subscribe = (req: SandboxRequest): SandboxResponse => {
    const parsed = SsSubscribeRequest.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ModelStateError(`model.${issue.path.join(".")}`, issue.message);
    }
    const sub = state.subscribe({ targetUrl: parsed.data.target_url, event: parsed.data.event, storeId: parsed.data.store_id, friendlyName: parsed.data.friendly_name });
    return { status: 201, body: { id: sub.id } };
  };

  const listWebhooks = (): SandboxResponse => ({
    status: 200,
    body: {
      webhooks: state.subscriptions.map((s) => ({
        IsLabelAPIHook: false,
        WebHookID: s.id,
        SellerID: 100001,
        StoreID: s.storeId,
        HookType: s.event,
        MessageFormat: "Json",
        Url: s.targetUrl,
        Name: s.friendlyName,
        BulkCopyBatchID: null,
        BulkCopyRecordID: null,
        Active: s.active,
        WebhookLogs: [],
        Seller: null,
        Store: null,
      })),
    },
  });

  const listWarehouses = (): SandboxResponse => ({
    status: 200,
    body: state.warehouses.map((w) => ({ warehouseId: w.warehouseId, warehouseName: w.name, originAddress: null, returnAddress: null, createDate: w.createDate, isDefault: w.isDefault })),
  });

  const listInventory = (req: SandboxRequest): SandboxResponse => {
    const q = req.query;
    let rows = state.inventoryRows();
    const sku = q.get("sku");
    if (sku) rows = rows.filter((r) => r.row.sku === sku);
    const wid = q.get("inventory_warehouse_id");
    if (wid) rows = rows.filter((r) => r.warehouse.inventoryWarehouseId === wid);
    const lid = q.get("inventory_location_id");
    if (lid) rows = rows.filter((r) => r.warehouse.inventoryLocationId === lid);
    const price = new Map((opts.seed ?? DEFAULT_SEED).catalog.map((c) => [c.sku, c.priceMinor]));
    const page = paginateV2(rows, q, "/v2/inventory");
    return {
      status: 200,
      body: {
        inventory: page.items.map(({ row, warehouse }) => ({
          sku: row.sku,
          on_hand: row.onHand,
          allocated: row.allocated,
          available: row.onHand - row.allocated,
          average_cost: price.has(row.sku) ? { amount: price.get(row.sku)! / 200, currency: state.currency } : null,
          inventory_warehouse_id: warehouse.inventoryWarehouseId,
          inventory_location_id: warehouse.inventoryLocationId,
        })),
        total: page.total,
        page: page.page,
        pages: page.pages,
        links: page.links,
      },
    };
  };

  const listInventoryWarehouses = (req: SandboxRequest): SandboxResponse => {
    const page = paginateV2(state.warehouses, req.query, "/v2/inventory_warehouses");
    return {
      status: 200,
      body: {
        inventory_warehouses: page.items.map((w) => ({ inventory_warehouse_id: w.inventoryWarehouseId, name: w.name, created_at: pacificToUtc(w.createDate), updated_at: pacificToUtc(w.createDate) })),
        total: page.total,
        page: page.page,
        pages: page.pages,
        links: page.links,
      },
    };
  };

  function paginateV2<T>(all: T[], q: URLSearchParams, path: string) {
    const limit = clampInt(q.get("limit"), 100, 1, 500);
    const page = clampInt(q.get("page"), 1, 1, Number.MAX_SAFE_INTEGER);
    const pages = Math.max(1, Math.ceil(all.length / limit));
    const href = (p: number) => {
      const u = new URL(path, baseUrl);
      for (const [k, v] of q) u.searchParams.set(k, v);
      u.searchParams.set("page", String(p));
      u.searchParams.set("limit", String(limit));
      return { href: u.toString() };
    };
    return {
      items: all.slice((page - 1) * limit, page * limit),
      total: all.length,
      page,
      pages,
      links: { first: href(1), last: href(pages), prev: page > 1 ? href(page - 1) : null, next: page < pages ? href(page + 1) : null },
    };
  }

  const control = (method: string, path: string, handler: (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>): Route =>
    route(
      method,
      path,
      async (req) => {
        try {
          return await handler(req);
        } catch (e) {
          if (e instanceof SandboxStateError) return { status: e.status, body: { message: e.message } };
          throw e;
        }
      },
      { unauthenticated: true },
    );

  const routes: Route[] = [
    api("POST", "/orders/createorder", createOrder),
    api("GET", "/orders", listOrders),
    api("GET", "/orders/:orderId", getOrder),
    api("GET", "/shipments", listShipments),
    api("POST", "/webhooks/subscribe", subscribe),
    api("GET", "/webhooks", listWebhooks),
    api("DELETE", "/webhooks/:id", (req) => (state.unsubscribe(Number(req.params.id)) ? { status: 200, text: "" } : { status: 404, body: { Message: "Webhook not found" } })),
    api("GET", "/warehouses", listWarehouses),
    api("GET", "/v2/inventory", listInventory),
    api("GET", "/v2/inventory_warehouses", listInventoryWarehouses),
    control("POST", "/_sandbox/ship", async (req) => {
      const b = (req.body ?? {}) as { orderKey?: string; orderNumber?: string } & ShipOptions;
      if (!b.orderKey && !b.orderNumber) return { status: 400, body: { message: "orderKey or orderNumber is required" } };
      const s = await ship({ orderKey: b.orderKey, orderNumber: b.orderNumber }, { carrierCode: b.carrierCode, serviceCode: b.serviceCode, trackingNumber: b.trackingNumber, shipmentCost: b.shipmentCost });
      return { status: 200, body: { shipment: s, resource_url: `${baseUrl}/shipments?batchId=${s.batchId}&includeShipmentItems=False` } };
    }),
    control("POST", "/_sandbox/inventory/adjust", (req) => {
      const b = (req.body ?? {}) as { sku?: string; warehouse?: string | number; delta?: number; silent?: boolean };
      if (!b.sku || b.warehouse === undefined || typeof b.delta !== "number") return { status: 400, body: { message: "sku, warehouse and delta are required" } };
      const row = state.adjust(b.sku, b.warehouse, b.delta, { silent: b.silent });
      return { status: 200, body: { sku: row.sku, warehouseId: row.warehouseId, onHand: row.onHand, allocated: row.allocated, available: row.onHand - row.allocated } };
    }),
    control("POST", "/_sandbox/rate-limit", (req) => {
      const n = Number((req.body ?? {}).perMinute);
      if (!Number.isInteger(n) || n < 1) return { status: 400, body: { message: "perMinute must be a positive integer" } };
      rateLimit = n;
      limiter.reset();
      return { status: 200, body: { perMinute: n } };
    }),
    control("GET", "/_sandbox/webhooks", () => ({ status: 200, body: sentWebhooks().map((w) => ({ ...w, target: redactToken(w.target) })) })),
  ];

  function sentWebhooks(): SentWebhook[] {
    return [...emitters.entries()].flatMap(([target, e]) => e.sent.map((s) => ({ at: s.at, target, status: s.status, body: s.body }))).sort((a, b) => a.at.localeCompare(b.at));
  }

  server = await startSandbox({
    name: "shipstation",
    routes,
    faultResponses,
    authorize,
    state: () => ({ ...(state.snapshot() as object), rateLimitPerMinute: currentLimit(), autoShipAfterMs: autoShipAfterMs ?? null, webhookTarget: webhookTarget ? redactToken(webhookTarget) : null }),
    reset: resetAll,
    port: opts.port,
  });
  baseUrl = server.url;

  return {
    ...server,
    credentials,
    state,
    ship: (ref, shipOpts) => ship(ref, shipOpts),
    adjustInventory: (sku, warehouse, delta, o) => state.adjust(sku, warehouse, delta, o),
    setRateLimit: (perMinute) => {
      rateLimit = perMinute;
      limiter.reset();
    },
    setWebhookTarget: (url) => void (webhookTarget = url),
    setAutoShip: (afterMs) => void (autoShipAfterMs = afterMs),
    sentWebhooks,
    reset: () => {
      server.faults.reset();
      resetAll();
    },
    close: async () => {
      clearTimers();
      await server.close();
    },
  };
}

function clampInt(v: string | null, dflt: number, min: number, max: number): number {
  const n = v === null ? NaN : Number(v);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : dflt;
}

/** v1 pagination: 1-based page, pageSize up to 500, pages = total page count. */
function paginate<T>(all: T[], q: URLSearchParams): { items: T[]; total: number; page: number; pages: number } {
  const pageSize = clampInt(q.get("pageSize"), 100, 1, 500);
  const page = clampInt(q.get("page"), 1, 1, Number.MAX_SAFE_INTEGER);
  return { items: all.slice((page - 1) * pageSize, page * pageSize), total: all.length, page, pages: Math.ceil(all.length / pageSize) };
}

/** v1 date filters (<field>Start / <field>End) are Pacific wall clock, like the stored values. */
function inRange<T>(q: URLSearchParams, field: string, get: (x: T) => string | null | undefined): (x: T) => boolean {
  const start = q.get(`${field}Start`);
  const end = q.get(`${field}End`);
  if (!start && !end) return () => true;
  const s = start ? Date.parse(pacificToUtc(start)) : -Infinity;
  const e = end ? Date.parse(pacificToUtc(end)) : Infinity;
  return (x) => {
    const v = get(x);
    if (!v) return false;
    const t = Date.parse(pacificToUtc(v));
    return t >= s && t <= e;
  };
}
