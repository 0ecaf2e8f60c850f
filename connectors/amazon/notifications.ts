import { createHash, timingSafeEqual } from "node:crypto";
import { IngressRejection } from "../../pipeline/errors";
import type { CapturedEvent, InboundRequest, ParsedWebhook, WebhookSupport } from "../sdk/definition";
import { OrderChangeNotification } from "./api-schemas";
import type { AmazonClient } from "./client";
import { amazonOrderIdOf } from "./map";
import { isPending, orderEvent } from "./orders-poller";

/**
 * SP-API notifications (ORDER_CHANGE) are delivered to an SQS queue or EventBridge, never to an
 * HTTP endpoint. A small relay (a Lambda on the queue, or an EventBridge API destination) POSTs
 * each message to our ingress:
 *
 *   POST /api/webhooks/amazon
 *   Content-Type: application/json
 *   X-Relay-Token: <the connector's relayToken>
 *   body: the SQS message Body verbatim (the notification JSON), or the EventBridge event
 *         whose `detail` is the notification
 *
 * Amazon signs nothing we could check here, so the relay's shared token is the authentication;
 * it is compared in constant time. The relay must answer SQS only after our 2xx, so a failed POST
 * is redelivered (duplicates are fine: NotificationId is the sourceEventId).
 */
export const RELAY_TOKEN_HEADER = "x-relay-token";
const ORDER_RESOURCE = /^orders\/v0\/orders\/([^/]+)$/;

export function verifyRelayToken(req: InboundRequest, secrets: { relayToken: string }): void {
  const given = req.headers[RELAY_TOKEN_HEADER];
  // Hashing first gives equal-length inputs, so timingSafeEqual leaks neither content nor length.
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  if (!given || !secrets.relayToken || !timingSafeEqual(digest(given), digest(secrets.relayToken))) {
    throw new IngressRejection(401, "bad_signature", "X-Relay-Token missing or wrong");
  }
}

export function parseNotification(req: InboundRequest): ParsedWebhook {
  let body: any;
  try {
    body = JSON.parse(req.rawBody);
  } catch {
    throw new IngressRejection(400, "malformed", "the relay body is not JSON");
  }
  // EventBridge wraps the notification in `detail`; SQS bodies are the notification itself.
  const notification = body && typeof body === "object" && body.detail && typeof body.detail === "object" && !body.NotificationType ? body.detail : body;
  const type = notification?.NotificationType ?? notification?.notificationType;
  if (typeof type !== "string") throw new IngressRejection(422, "schema_invalid", "NotificationType: missing (is this an SP-API notification?)");
  if (type !== "ORDER_CHANGE") return { kind: "ignored", reason: `notification type ${type} is not handled` };
  const parsed = OrderChangeNotification.safeParse(notification);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IngressRejection(422, "schema_invalid", `${issue?.path.join(".")}: ${issue?.message}`);
  }
  const change = parsed.data.Payload.OrderChangeNotification;
  if (change.Summary?.OrderStatus === "Pending") return { kind: "ignored", reason: `order ${change.AmazonOrderId} is Pending: no prices yet` };
  return {
    kind: "notifications",
    notifications: [
      { sourceEventId: parsed.data.NotificationMetadata.NotificationId, resource: `orders/v0/orders/${change.AmazonOrderId}`, topic: "ORDER_CHANGE" },
    ],
  };
}

export const relayWebhooks: WebhookSupport<{ relayToken: string }> = { verify: verifyRelayToken, parse: parseNotification };

/**
 * The notification carries no prices, so the order is read back (getOrder + getOrderItems).
 * The event has the poller's sourceEventId (`id@LastUpdateDate`), so a version seen both ways
 * counts once. Without the poller's memory, the type follows the order's state: Canceled →
 * order.cancelled; an FBM order with units shipped → order.updated; otherwise order.created
 * (FBA orders go from Pending straight to Shipped). A repeated order.created for an order the
 * destination already has resolves as a duplicate there, where a missing one would lose the order.
 */
export async function fetchOrderNotification(
  client: AmazonClient,
  n: { sourceEventId: string; resource: string; topic?: string },
): Promise<CapturedEvent[]> {
  const id = ORDER_RESOURCE.exec(n.resource)?.[1] ?? amazonOrderIdOf(n.resource);
  if (!id) return [];
  const order = await client.getOrder(decodeURIComponent(id));
  if (isPending(order)) return [];
  const items = await client.getOrderItems(order.AmazonOrderId);
  const shippedByUs = order.FulfillmentChannel !== "AFN" && (order.OrderStatus === "Shipped" || order.OrderStatus === "PartiallyShipped" || (order.NumberOfItemsShipped ?? 0) > 0);
  const type = order.OrderStatus === "Canceled" ? "order.cancelled" : shippedByUs ? "order.updated" : "order.created";
  return [orderEvent(order, items, type)];
}
