import { createHash, timingSafeEqual } from "node:crypto";
import { IngressRejection } from "../../pipeline/errors";
import { entityKeysOf } from "../../pipeline/model";
import type { CapturedEvent, InboundRequest, ParsedWebhook, WebhookSupport } from "../sdk/definition";
import { SsWebhookNotification } from "./api-schemas";
import { isShipStationApiUrl, SHIPSTATION_V1_BASE_URL, type ShipStationClient } from "./client";
import { toCanonicalShipment } from "./map";

/**
 * ShipStation v1 webhooks are not signed (https://www.shipstation.com/docs/api/webhooks/subscribe/):
 * anyone who knows the target URL can post to it. Two checks stand in for a signature:
 * 1. the target URL we register carries a secret `?token=` (webhookTargetUrl), compared in constant
 *    time (401 bad_signature when missing or wrong);
 * 2. the body is only a pointer (resource_url) that we later GET with our Basic credentials, so a
 *    resource_url off the ShipStation API origin is refused (422): otherwise a forged webhook could
 *    make us send credentials anywhere (SSRF). fetchNotification checks the origin again.
 * The token sits in a URL, so keep ingress access logs free of query strings.
 */
export interface ShipStationWebhookSecrets {
  webhookToken: string;
  /** The configured v1 base URL: resource_urls must point at it (or, in production, ssapi<N>). */
  apiBaseUrl: string;
}

export const TOKEN_PARAM = "token";

/** The URL to give POST /webhooks/subscribe: our ingress URL plus the secret token. */
export function webhookTargetUrl(ingressUrl: string, webhookToken: string): string {
  const url = new URL(ingressUrl);
  url.searchParams.set(TOKEN_PARAM, webhookToken);
  return url.toString();
}

function tokensMatch(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so timingSafeEqual never leaks the expected length.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function readNotification(rawBody: string): SsWebhookNotification {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new IngressRejection(400, "malformed", "ShipStation webhook body is not JSON");
  }
  const r = SsWebhookNotification.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new IngressRejection(422, "schema_invalid", `ShipStation webhook: ${issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "invalid body"}`);
  }
  return r.data;
}

/** The batch a SHIP_NOTIFY points at: the same for every redelivery of that notification. */
export function notificationIdOf(resourceUrl: string): string {
  try {
    const batchId = new URL(resourceUrl).searchParams.get("batchId");
    if (batchId) return `batch:${batchId}`;
  } catch {
    // not a URL: the schema check upstream reports it
  }
  return resourceUrl;
}

export const shipStationWebhooks: WebhookSupport<ShipStationWebhookSecrets> = {
  verify(req: InboundRequest, secrets: ShipStationWebhookSecrets): void {
    const token = req.query[TOKEN_PARAM];
    if (!secrets.webhookToken || !token || !tokensMatch(token, secrets.webhookToken)) {
      throw new IngressRejection(401, "bad_signature", "ShipStation webhook: missing or wrong token in the target URL");
    }
    const n = readNotification(req.rawBody);
    if (!isShipStationApiUrl(n.resource_url, secrets.apiBaseUrl || SHIPSTATION_V1_BASE_URL)) {
      throw new IngressRejection(422, "schema_invalid", "ShipStation webhook: resource_url is not on the ShipStation API origin");
    }
  },

  parse(req: InboundRequest): ParsedWebhook {
    const n = readNotification(req.rawBody);
    if (n.resource_type !== "SHIP_NOTIFY") return { kind: "ignored", reason: `resource_type ${n.resource_type} is not subscribed to` };
    return { kind: "notifications", notifications: [{ sourceEventId: notificationIdOf(n.resource_url), resource: n.resource_url, topic: n.resource_type }] };
  },
};

/**
 * Follows a SHIP_NOTIFY: GETs resource_url (Basic auth, origin checked by the client) and turns
 * each shipment into a shipment.created event. Voided labels are skipped: they shipped nothing.
 * Duplicates are recognised by "shipment:<shipmentId>", whichever batch carried them.
 */
export async function fetchShipNotify(client: ShipStationClient, n: { sourceEventId: string; resource: string; topic?: string }): Promise<CapturedEvent[]> {
  if (n.topic && n.topic !== "SHIP_NOTIFY") return [];
  const shipments = await client.getShipNotifyResource(n.resource);
  const events: CapturedEvent[] = [];
  for (const s of shipments) {
    if (s.voided || s.isReturnLabel) continue;
    const node = (await client.warehouseName(s.warehouseId)) ?? (s.warehouseId ? String(s.warehouseId) : "shipstation");
    const fallbackItems = s.shipmentItems && s.shipmentItems.length > 0 ? undefined : (await client.getOrder(s.orderId)).items ?? [];
    const data = toCanonicalShipment(s, { node, currency: client.currency, fallbackItems });
    events.push({
      type: "shipment.created",
      sourceEventId: `shipment:${s.shipmentId}`,
      occurredAt: data.shippedAt,
      data,
      keys: entityKeysOf("shipment.created", data),
    });
  }
  return events;
}

/** A SHIP_NOTIFY subscription as connector health shows it: the target without its token. */
export interface SubscriptionState {
  id: number;
  event: string;
  active: boolean;
  target: string;
  name?: string;
}

function withoutToken(target: string): string {
  try {
    const url = new URL(target);
    if (url.searchParams.has(TOKEN_PARAM)) url.searchParams.set(TOKEN_PARAM, "[redacted]");
    return url.toString();
  } catch {
    return "(not a URL)";
  }
}

/** GET /webhooks, reduced to what health checks need; tokens never leave this function. */
export async function listSubscriptions(client: ShipStationClient): Promise<SubscriptionState[]> {
  return (await client.listWebhooks()).map((w) => ({ id: w.WebHookID, event: w.HookType, active: w.Active, target: withoutToken(w.Url), name: w.Name ?? undefined }));
}

/**
 * Makes sure ShipStation sends SHIP_NOTIFY to our ingress with the current token, subscribing once.
 * ShipStation cannot edit a subscription through the API, so a rotated token means a new one
 * (the old one keeps failing with 401 until removed in the ShipStation UI or by unsubscribe).
 */
export async function ensureShipNotifySubscription(client: ShipStationClient, ingressUrl: string, webhookToken: string): Promise<{ id: number; created: boolean }> {
  const target = webhookTargetUrl(ingressUrl, webhookToken);
  const existing = (await client.listWebhooks()).find((w) => w.HookType === "SHIP_NOTIFY" && w.Active && w.Url === target);
  if (existing) return { id: existing.WebHookID, created: false };
  const { id } = await client.subscribeWebhook({ targetUrl: target, event: "SHIP_NOTIFY", friendlyName: "Loopkeeper SHIP_NOTIFY" });
  return { id, created: true };
}
