import { createHmac, timingSafeEqual } from "node:crypto";
import { ZodError } from "zod";
import { IngressRejection } from "../../pipeline/errors";
import { entityKeysOf, type EventType } from "../../pipeline/model";
import type { CapturedEvent, InboundRequest, ParsedWebhook, WebhookSupport } from "../sdk/definition";
import { RestFulfillment, RestInventoryLevel, RestOrder, RestRefund } from "./api-schemas";
import { ShopifyMappingError, exactId, mapRestFulfillment, mapRestOrder, mapRestRefund, orderNameFromRefund, utcTime } from "./map";
import { parseExactJson } from "./parse-exact-json";

/** The app's client secret, and the one it replaced while Shopify still signs with it (about an hour). */
export interface ShopifyWebhookSecrets {
  current: string;
  previous?: string;
}

/** Topics this connector turns into canonical events; any other topic is acknowledged and ignored. */
export const WEBHOOK_TOPICS = {
  "orders/create": "order.created",
  "orders/updated": "order.updated",
  "orders/cancelled": "order.cancelled",
  "refunds/create": "refund.created",
  "fulfillments/create": "shipment.created",
  "inventory_levels/update": "inventory.level",
} as const satisfies Record<string, EventType>;

/** Webhook headers, classic (X-Shopify-*) or the "Events" format (shopify-*); headers arrive lower-cased. */
function header(req: InboundRequest, name: string): string | undefined {
  return req.headers[`x-shopify-${name}`] ?? req.headers[`shopify-${name}`];
}

export function signShopifyWebhook(rawBody: string, secret: string): string {
  return createHmac("sha256", secret).update(Buffer.from(rawBody, "utf8")).digest("base64");
}

/**
 * X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(client secret, raw body bytes)), compared in
 * constant time against the current secret and, during a rotation, the previous one.
 * https://shopify.dev/docs/apps/build/webhooks/verify-deliveries
 */
export function verifyShopifyWebhook(req: InboundRequest, secrets: ShopifyWebhookSecrets): void {
  const given = header(req, "hmac-sha256");
  if (!given) throw new IngressRejection(401, "bad_signature", "missing X-Shopify-Hmac-Sha256 header");
  const givenBytes = Buffer.from(given.trim(), "base64");
  const candidates = [secrets.current, secrets.previous].filter((s): s is string => typeof s === "string" && s.length > 0);
  let ok = false;
  for (const secret of candidates) {
    const expected = createHmac("sha256", secret).update(Buffer.from(req.rawBody, "utf8")).digest();
    // No early exit: the comparison time does not tell which secret matched.
    if (givenBytes.length === expected.length && timingSafeEqual(givenBytes, expected)) ok = true;
  }
  if (!ok) throw new IngressRejection(401, "bad_signature", "X-Shopify-Hmac-Sha256 does not match the body under the app's client secret");
}

/**
 * Turns a verified delivery into canonical events.
 * - sourceEventId is X-Shopify-Event-Id (the same across deliveries and subscriptions of one
 *   event), else X-Shopify-Webhook-Id, else a key derived from the topic and record version.
 * - occurredAt is X-Shopify-Triggered-At, else the record's updated_at / created_at.
 * - refunds/create carries no order name: it is read from the payment id ("#1001.1") when it has
 *   that form, otherwise the delivery becomes a notification and fetchNotification reads the
 *   refund with its order through GraphQL.
 * - inventory_levels/update names an inventory item, not a SKU, and may carry available: null:
 *   it becomes a notification, and fetchNotification reads the item's SKU and current
 *   quantities (so the event carries a real SKU rather than a made-up key).
 */
export function parseShopifyWebhook(req: InboundRequest): ParsedWebhook {
  const topic = header(req, "topic")?.trim().toLowerCase();
  if (!topic) return { kind: "ignored", reason: "no X-Shopify-Topic header" };
  if (!(topic in WEBHOOK_TOPICS)) return { kind: "ignored", reason: `topic ${topic} is not consumed by the Shopify connector` };

  let payload: unknown;
  try {
    payload = parseExactJson(req.rawBody);
  } catch (e) {
    throw new IngressRejection(400, "malformed", `body is not JSON: ${(e as Error).message}`);
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) throw new IngressRejection(400, "malformed", "body is not a JSON object");

  const triggeredAt = header(req, "triggered-at");
  const eventId = (derived: string) => sourceEventIdOf(req, derived);
  try {
    switch (topic as keyof typeof WEBHOOK_TOPICS) {
      case "orders/create":
      case "orders/updated":
      case "orders/cancelled": {
        const raw = RestOrder.parse(payload);
        const order = mapRestOrder(raw);
        const occurredAt = pickTime(triggeredAt, topic === "orders/create" ? raw.created_at : (raw.updated_at ?? raw.created_at));
        const sourceEventId = eventId(`${topic}:${order.channelOrderId}:${raw.updated_at ?? raw.created_at}`);
        if (topic === "orders/cancelled") return events(capture("order.cancelled", sourceEventId, occurredAt, { order, reason: raw.cancel_reason ?? undefined }));
        return events(capture(topic === "orders/create" ? "order.created" : "order.updated", sourceEventId, occurredAt, order));
      }
      case "refunds/create": {
        const raw = RestRefund.parse(payload);
        const refundId = exactId(raw.id, raw.admin_graphql_api_id);
        const sourceEventId = eventId(`refunds/create:${refundId}`);
        const orderNumber = orderNameFromRefund(raw);
        if (!orderNumber) return { kind: "notifications", notifications: [{ sourceEventId, resource: `gid://shopify/Refund/${refundId}`, topic }] };
        const refund = mapRestRefund(raw, { orderNumber });
        return events(capture("refund.created", sourceEventId, pickTime(triggeredAt, raw.created_at), refund));
      }
      case "fulfillments/create": {
        const raw = RestFulfillment.parse(payload);
        const status = (raw.status ?? "").toLowerCase();
        if (["cancelled", "error", "failure"].includes(status)) return { kind: "ignored", reason: `fulfillment ${raw.id} has status ${status}: nothing shipped` };
        const shipment = mapRestFulfillment(raw);
        return events(capture("shipment.created", eventId(`fulfillments/create:${raw.id}`), pickTime(triggeredAt, raw.created_at), shipment));
      }
      case "inventory_levels/update": {
        const raw = RestInventoryLevel.parse(payload);
        const itemId = raw.admin_graphql_api_id ? /inventory_item_id=(\d+)/.exec(raw.admin_graphql_api_id)?.[1] ?? raw.inventory_item_id : raw.inventory_item_id;
        return {
          kind: "notifications",
          notifications: [{
            sourceEventId: eventId(`inventory_levels/update:${itemId}:${raw.location_id}:${raw.updated_at}`),
            resource: `gid://shopify/InventoryLevel/${raw.location_id}?inventory_item_id=${itemId}`,
            topic,
          }],
        };
      }
    }
  } catch (e) {
    throw toRejection(e);
  }
  return { kind: "ignored", reason: `topic ${topic} has no parser` };
}

/** Event-Id is the same across retries and subscriptions of one event; Webhook-Id only across retries of one delivery. */
function sourceEventIdOf(req: InboundRequest, derived: string): string {
  return header(req, "event-id")?.trim() || header(req, "webhook-id")?.trim() || derived;
}

function pickTime(triggeredAt: string | undefined, fallback: string): string {
  if (triggeredAt && !Number.isNaN(Date.parse(triggeredAt))) return new Date(Date.parse(triggeredAt)).toISOString();
  return utcTime(fallback);
}

function capture<T extends EventType>(type: T, sourceEventId: string, occurredAt: string, data: CapturedEvent<T>["data"]): CapturedEvent {
  return { type, sourceEventId, occurredAt, data, keys: entityKeysOf(type, data) } as CapturedEvent;
}

function events(...list: CapturedEvent[]): ParsedWebhook {
  return { kind: "events", events: list };
}

function toRejection(e: unknown): unknown {
  if (e instanceof ShopifyMappingError) return new IngressRejection(422, "schema_invalid", e.message);
  if (e instanceof ZodError) {
    const issue = e.issues[0];
    const path = issue ? formatPath(issue.path) : "";
    return new IngressRejection(422, "schema_invalid", `${path || "(body)"}: ${issue?.message ?? "invalid"}`);
  }
  return e;
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), "");
}

export const shopifyWebhooks: WebhookSupport<ShopifyWebhookSecrets> = {
  verify: verifyShopifyWebhook,
  parse: parseShopifyWebhook,
};
