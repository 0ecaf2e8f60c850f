import { randomUUID } from "node:crypto";
import { startSandbox, route, WebhookEmitter, type FaultResponses, type SandboxResponse, type SandboxSeed, type SandboxServer } from "../../sdk/sandbox-kit";
import { DEFAULT_API_VERSION } from "../graphql-documents";
import type { ShopifyCredentials } from "../index";
import { stringifyWithBigInts } from "../parse-exact-json";
import { signShopifyWebhook } from "../webhooks";
import { INVALID_TOKEN_BODY, INVALID_TOKEN_HEADERS, REST_429_BODY, internalErrorBody, throttledBody } from "./error-bodies";
import { handleGraphql } from "./graphql";
import { LeakyBucket } from "./leaky-bucket";
import { SandboxInputError, ShopifySandboxState, type CancelInput, type PlaceOrderInput, type RefundInput, type SandboxLevel, type SandboxOrder, type SandboxRefund } from "./state";
import { fulfillmentPayload, inventoryLevelPayload, orderPayload, refundPayload } from "./webhook-payloads";

export interface ShopifySandboxOptions {
  port?: number;
  seed?: SandboxSeed;
  /** Where webhooks go (the ingress URL for this connector); none are sent without one. */
  webhookTarget?: string;
  /** The app client secret webhooks are signed with. */
  apiSecret?: string;
  /** The Admin API token the sandbox accepts in X-Shopify-Access-Token. */
  accessToken?: string;
  shopDomain?: string;
  /** Rendered in X-Shopify-API-Version on webhooks. */
  webhookApiVersion?: string;
  /** The GraphQL cost bucket; Shopify's standard plan is 1000 points restoring 50/s. */
  bucket?: { maximumAvailable?: number; restoreRate?: number };
  /** The shop's UTC offset in minutes: webhook times are rendered in it, as Shopify does. Default -300 (New York, winter). */
  timezoneOffsetMinutes?: number;
  /** Also send inventory_levels/update when stock changes. Off by default to keep webhook streams short. */
  inventoryWebhooks?: boolean;
  /** Tax rate in basis points (default 825 = 8.25 %, per line, half-up). */
  taxRateBp?: number;
}

export interface ShopifySandbox extends SandboxServer {
  /** Credentials that work against this sandbox (base URL: `url`). */
  credentials: ShopifyCredentials;
  state: ShopifySandboxState;
  bucket: LeakyBucket;
  webhooks: WebhookEmitter;
  /** Places an order as checkout would and sends orders/create (resolves after delivery). */
  placeOrder(input: PlaceOrderInput): Promise<SandboxOrder>;
  /** Refunds units (optionally restocking) and sends refunds/create. */
  refundOrder(orderRef: string, input: RefundInput): Promise<SandboxRefund>;
  /** Cancels an order (stock released) and sends orders/cancelled. */
  cancelOrder(orderRef: string, input?: CancelInput): Promise<SandboxOrder>;
  /** Sends orders/updated with the order as it is now. */
  touchOrder(orderRef: string): Promise<SandboxOrder>;
  setWebhookTarget(url: string | undefined): void;
  /** Signs webhooks with a new client secret from now on (to test secret rotation). */
  rotateApiSecret(next: string): void;
  /** Resolves when every queued webhook has been delivered (or given up on). */
  webhooksIdle(): Promise<void>;
}

/**
 * A local Shopify: the Admin GraphQL subset the connector uses (POST /admin/api/<version>/graphql.json)
 * with a real cost bucket, state, @idempotent keys, signed webhooks and the kit's faults.
 *
 * Control endpoints besides the kit's (/_sandbox/state, /_sandbox/faults, /_sandbox/reset):
 *   POST /_sandbox/orders               {lines:[{sku,quantity}], email?, shippingAddress?, discountCode?, shippingMinor?, location?}
 *   POST /_sandbox/orders/:id/refund    {lines:[{sku,quantity,restock}], shippingMinor?, note?}
 *   POST /_sandbox/orders/:id/cancel    {reason?, restock?}
 *   POST /_sandbox/orders/:id/touch     (sends orders/updated)
 *   POST /_sandbox/webhook-target       {url}
 *   GET  /_sandbox/webhooks             deliveries sent so far
 * (:id is the numeric order id or its name, "#1001" URL-encoded as %231001.)
 *
 * Faults: rejectRecords keys are SKUs (inventorySetQuantities) and order names (fulfillmentCreate);
 * custom.rateLimitStyle "graphql" answers rate-limit faults as GraphQL THROTTLED instead of REST 429;
 * custom.drainBucket true empties the cost bucket once.
 */
export async function startShopifySandbox(opts: ShopifySandboxOptions = {}): Promise<ShopifySandbox> {
  const accessToken = opts.accessToken ?? "shpat_sandbox_token";
  let apiSecret = opts.apiSecret ?? "sandbox-client-secret";
  const offset = opts.timezoneOffsetMinutes ?? -300;
  const state = new ShopifySandboxState({ seed: opts.seed, shopDomain: opts.shopDomain, taxRateBp: opts.taxRateBp });
  const bucket = new LeakyBucket(opts.bucket?.maximumAvailable ?? 1000, opts.bucket?.restoreRate ?? 50);
  let emitter: WebhookEmitter | undefined;
  let queue: Promise<void> = Promise.resolve();

  const enqueue = (topic: string, payload: unknown): Promise<void> => {
    const body = stringifyWithBigInts(payload);
    const headers = {
      "X-Shopify-Topic": topic,
      "X-Shopify-Shop-Domain": state.shop.domain,
      "X-Shopify-API-Version": opts.webhookApiVersion ?? DEFAULT_API_VERSION,
      "X-Shopify-Webhook-Id": randomUUID(),
      "X-Shopify-Event-Id": randomUUID(),
      "X-Shopify-Triggered-At": new Date().toISOString(),
    };
    queue = queue.then(() => emitter!.emit(body, headers)).catch(() => undefined);
    return queue;
  };
  const emitLevels = (levels: SandboxLevel[]) => {
    if (opts.inventoryWebhooks) for (const l of levels) void enqueue("inventory_levels/update", inventoryLevelPayload(l, offset));
  };
  const levelsOf = (order: SandboxOrder) => order.lines.map((l) => state.level(l.inventoryItemId, state.lineLocation(order, l.id))!).filter(Boolean);

  const faultResponses: FaultResponses = {
    rateLimited(retryAfterSec) {
      if (server.faults.settings.custom?.rateLimitStyle === "graphql") {
        const status = bucket.status();
        return { status: 200, body: throttledBody({ requestedQueryCost: Math.ceil(retryAfterSec * status.restoreRate), maximumAvailable: status.maximumAvailable, currentlyAvailable: 0, restoreRate: status.restoreRate }) };
      }
      return { status: 429, headers: { "Retry-After": retryAfterSec.toFixed(1), "X-Shopify-Shop-Api-Call-Limit": "40/40", "X-Request-Id": randomUUID() }, body: REST_429_BODY };
    },
    serverError(status) {
      const requestId = randomUUID();
      return { status, headers: { "X-Request-Id": requestId }, body: internalErrorBody(requestId) };
    },
    expiredToken() {
      return { status: 401, headers: { ...INVALID_TOKEN_HEADERS, "X-Request-Id": randomUUID() }, body: INVALID_TOKEN_BODY };
    },
  };

  const control = async (fn: () => Promise<unknown>, status = 200): Promise<SandboxResponse> => {
    try {
      return { status, body: await fn() };
    } catch (e) {
      if (e instanceof SandboxInputError) return { status: e.status, body: { error: e.message } };
      throw e;
    }
  };

  const api = {
    async placeOrder(input: PlaceOrderInput) {
      const order = state.placeOrder(input);
      emitLevels(levelsOf(order));
      await enqueue("orders/create", orderPayload(state, order, offset));
      return order;
    },
    async refundOrder(orderRef: string, input: RefundInput) {
      const refund = state.refund(orderRef, input);
      const order = state.orders.find((o) => o.id === refund.orderId)!;
      emitLevels(levelsOf(order));
      await enqueue("refunds/create", refundPayload(state, refund, offset));
      return refund;
    },
    async cancelOrder(orderRef: string, input?: CancelInput) {
      const order = state.cancel(orderRef, input);
      emitLevels(levelsOf(order));
      await enqueue("orders/cancelled", orderPayload(state, order, offset));
      return order;
    },
    async touchOrder(orderRef: string) {
      const order = state.order(orderRef);
      if (!order) throw new SandboxInputError(`order ${orderRef} does not exist`, 404);
      order.updatedAt = state.timestamp();
      await enqueue("orders/updated", orderPayload(state, order, offset));
      return order;
    },
  };

  const server = await startSandbox({
    name: "shopify",
    port: opts.port,
    faultResponses,
    authorize: (req) => req.headers["x-shopify-access-token"] === accessToken,
    state: () => ({ ...state.snapshot(), bucket: bucket.status(), webhooksSent: emitter?.sent.length ?? 0 }),
    reset: () => {
      state.reset();
      bucket.reset();
    },
    routes: [
      route("POST", "/admin/api/:version/graphql.json", (req) => {
        const custom = server.faults.settings.custom;
        if (custom?.drainBucket) {
          bucket.drain();
          server.faults.set({ custom: { ...custom, drainBucket: false } });
        }
        return handleGraphql(
          {
            state,
            bucket,
            version: req.params.version!,
            rejection: (key) => server.faults.rejection(key),
            onFulfillmentCreated: (f) => {
              void enqueue("fulfillments/create", fulfillmentPayload(state, f, offset));
              emitLevels(f.lines.map((l) => state.level(state.variantBySku(l.sku)!.inventoryItemId, f.locationId)!));
            },
            onLevelsChanged: emitLevels,
          },
          req.body,
        );
      }),
      route("POST", "/_sandbox/orders", (req) => control(async () => ({ order: await api.placeOrder(req.body) }), 201), { unauthenticated: true }),
      route("POST", "/_sandbox/orders/:id/refund", (req) => control(async () => ({ refund: await api.refundOrder(req.params.id!, req.body) }), 201), { unauthenticated: true }),
      route("POST", "/_sandbox/orders/:id/cancel", (req) => control(async () => ({ order: await api.cancelOrder(req.params.id!, req.body ?? {}) })), { unauthenticated: true }),
      route("POST", "/_sandbox/orders/:id/touch", (req) => control(async () => ({ order: await api.touchOrder(req.params.id!) })), { unauthenticated: true }),
      route("POST", "/_sandbox/webhook-target", (req) => {
        emitter!.targetUrl = typeof req.body?.url === "string" && req.body.url ? req.body.url : undefined;
        return { status: 200, body: { url: emitter!.targetUrl ?? null } };
      }, { unauthenticated: true }),
      route("GET", "/_sandbox/webhooks", () => ({ status: 200, body: { sent: emitter!.sent.slice(-200) } }), { unauthenticated: true }),
    ],
  });

  emitter = new WebhookEmitter(server.faults, (body) => ({ "X-Shopify-Hmac-Sha256": signShopifyWebhook(body, apiSecret) }));
  emitter.targetUrl = opts.webhookTarget;

  return {
    ...server,
    credentials: { shopDomain: state.shop.domain, accessToken, apiSecret, apiVersion: DEFAULT_API_VERSION },
    state,
    bucket,
    webhooks: emitter,
    ...api,
    setWebhookTarget(url) {
      emitter!.targetUrl = url;
    },
    rotateApiSecret(next) {
      apiSecret = next;
    },
    webhooksIdle: () => queue,
  };
}
