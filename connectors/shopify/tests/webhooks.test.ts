import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { IngressRejection } from "../../../pipeline/errors";
import { parseEventData } from "../../../pipeline/model";
import { readFixture } from "../../../pipeline/testing/fixtures";
import type { CapturedEvent, InboundRequest } from "../../sdk/definition";
import { ShopifyNumericId } from "../api-schemas";
import { shopifyConnector } from "../index";
import { parseExactJson, quoteLongIntegers, stringifyWithBigInts } from "../parse-exact-json";
import { WEBHOOK_TOPICS, parseShopifyWebhook, signShopifyWebhook, verifyShopifyWebhook } from "../webhooks";

const SECRET = "hush-current";
const OLD_SECRET = "hush-previous";

function delivery(topic: string, rawBody: string, extra: Record<string, string> = {}): InboundRequest {
  return { headers: { "x-shopify-topic": topic, "x-shopify-hmac-sha256": signShopifyWebhook(rawBody, SECRET), ...extra }, rawBody, query: {} };
}

function rejection(fn: () => unknown): IngressRejection {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(IngressRejection);
    return e as IngressRejection;
  }
  throw new Error("expected an IngressRejection");
}

function onlyEvent(result: ReturnType<typeof parseShopifyWebhook>): CapturedEvent {
  expect(result.kind).toBe("events");
  if (result.kind !== "events") throw new Error("no events");
  expect(result.events).toHaveLength(1);
  return result.events[0]!;
}

describe("X-Shopify-Hmac-Sha256", () => {
  const body = readFixture("shopify", "webhooks", "orders-create.docs-2026-04.json");

  it("is base64(HMAC-SHA256(secret, raw body bytes))", () => {
    expect(signShopifyWebhook(body, SECRET)).toBe(createHmac("sha256", SECRET).update(Buffer.from(body, "utf8")).digest("base64"));
  });

  it("accepts a delivery signed with the current secret", () => {
    expect(() => verifyShopifyWebhook(delivery("orders/create", body), { current: SECRET })).not.toThrow();
  });

  it("accepts the previous secret during a rotation, and only then", () => {
    const req = { ...delivery("orders/create", body), headers: { "x-shopify-topic": "orders/create", "x-shopify-hmac-sha256": signShopifyWebhook(body, OLD_SECRET) } };
    expect(() => verifyShopifyWebhook(req, { current: SECRET, previous: OLD_SECRET })).not.toThrow();
    expect(rejection(() => verifyShopifyWebhook(req, { current: SECRET })).reasonCode).toBe("bad_signature");
  });

  it("rejects a wrong secret, a tampered body, a missing header and garbage with 401 bad_signature", () => {
    const good = delivery("orders/create", body);
    for (const bad of [
      { ...good, headers: { ...good.headers, "x-shopify-hmac-sha256": signShopifyWebhook(body, "someone-else") } },
      { ...good, rawBody: body.replace("jon@example.com", "eve@example.com") },
      { ...good, rawBody: body + " " },
      { ...good, headers: { "x-shopify-topic": "orders/create" } },
      { ...good, headers: { ...good.headers, "x-shopify-hmac-sha256": "not-base64!!" } },
      { ...good, headers: { ...good.headers, "x-shopify-hmac-sha256": "" } },
    ]) {
      const r = rejection(() => verifyShopifyWebhook(bad, { current: SECRET, previous: OLD_SECRET }));
      expect(r.status).toBe(401);
      expect(r.reasonCode).toBe("bad_signature");
      expect(r.message).not.toContain(SECRET);
    }
  });

  it("accepts the Events-format header name too (shopify-hmac-sha256)", () => {
    const req: InboundRequest = { headers: { "shopify-topic": "orders/create", "shopify-hmac-sha256": signShopifyWebhook(body, SECRET) }, rawBody: body, query: {} };
    expect(() => verifyShopifyWebhook(req, { current: SECRET })).not.toThrow();
  });

  it("is what the connector definition wires: webhookSecrets from the credentials", () => {
    const secrets = shopifyConnector.webhookSecrets!({ shopDomain: "a.myshopify.com", accessToken: "t", apiSecret: SECRET, previousApiSecret: OLD_SECRET, apiVersion: "2025-07" });
    expect(secrets).toEqual({ current: SECRET, previous: OLD_SECRET });
    expect(() => shopifyConnector.webhooks!.verify(delivery("orders/create", body), secrets)).not.toThrow();
  });
});

describe("64-bit ids", () => {
  const raw = readFixture("shopify", "webhooks", "orders-create.test-notification.raw.json");

  it("keeps every digit of the ids in the raw test notification", () => {
    // What plain JSON.parse does to them:
    expect(String(JSON.parse(raw).id)).toBe("820982911946154500");
    const body = parseExactJson(raw) as any;
    expect(body.id).toBe("820982911946154508");
    expect(body.customer.id).toBe("115310627314723954");
    expect(body.customer.default_address.id).toBe("715243470612851245");
    expect(body.line_items.map((l: any) => l.id)).toEqual(["866550311766439020", "141249953214522974"]);
    expect(body.shipping_lines[0].id).toBe("271878346596884015");
    expect(body.line_items[0].product_id).toBe(9313716535612); // safe integers stay numbers
    expect(body.current_total_price).toBe("1585.90");
  });

  it("rejects the notification as captured (its lines have no SKU), naming the field", () => {
    const r = rejection(() => parseShopifyWebhook(delivery("orders/create", raw)));
    expect(r.status).toBe(422);
    expect(r.reasonCode).toBe("schema_invalid");
    expect(r.message).toMatch(/^line_items\[0\]\.sku: .*866550311766439020/);
  });

  it("maps it with exact ids once its lines carry SKUs", () => {
    let n = 0;
    const withSkus = raw.replace(/"sku":null/g, () => `"sku":"SNOW-${++n}"`);
    const event = onlyEvent(parseShopifyWebhook(delivery("orders/create", withSkus, { "x-shopify-event-id": "e-1" })));
    const order = parseEventData("order.created", event.data);
    expect(order.id).toBe("shopify:820982911946154508");
    expect(order.channelOrderId).toBe("820982911946154508");
    expect(order.customer.externalIds).toEqual({ shopify: "115310627314723954" });
    expect(order.lines.map((l) => [l.lineId, l.sku, l.unitPrice.amountMinor])).toEqual([
      ["866550311766439020", "SNOW-1", 88595],
      ["141249953214522974", "SNOW-2", 69995],
    ]);
    expect(order.totals.total).toEqual({ amountMinor: 158590, currency: "USD" });
    expect(order.createdAt).toBe("2024-06-26T16:33:21.000Z");
  });

  it("quotes only integer literals too long to be safe, never inside strings", () => {
    expect(quoteLongIntegers('{"a":1234567890123456789,"b":"1234567890123456789","c":12.5,"d":-98765432109876543210,"e":9007199254740991}')).toBe(
      '{"a":"1234567890123456789","b":"1234567890123456789","c":12.5,"d":"-98765432109876543210","e":"9007199254740991"}',
    );
    expect(quoteLongIntegers('{"s":"x\\"1234567890123456789"}')).toBe('{"s":"x\\"1234567890123456789"}');
    expect(stringifyWithBigInts({ id: 5200000000000000001n, n: 1 })).toBe('{"id":5200000000000000001,"n":1}');
    expect(ShopifyNumericId.safeParse(820982911946154508).success).toBe(false);
    expect(ShopifyNumericId.parse(450789469)).toBe("450789469");
  });
});

describe("parse", () => {
  const ordersCreate = readFixture("shopify", "webhooks", "orders-create.docs-2026-04.json");

  it("maps each subscribed topic to its canonical event type", () => {
    expect(WEBHOOK_TOPICS).toEqual({
      "orders/create": "order.created",
      "orders/updated": "order.updated",
      "orders/cancelled": "order.cancelled",
      "refunds/create": "refund.created",
      "fulfillments/create": "shipment.created",
      "inventory_levels/update": "inventory.level",
    });
    expect(shopifyConnector.capabilities.source.sort()).toEqual([...new Set(Object.values(WEBHOOK_TOPICS))].sort());
  });

  it("takes sourceEventId from X-Shopify-Event-Id and occurredAt from X-Shopify-Triggered-At (in UTC)", () => {
    const event = onlyEvent(parseShopifyWebhook(delivery("orders/create", ordersCreate, {
      "x-shopify-event-id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
      "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
      "x-shopify-triggered-at": "2023-03-29T18:00:27.877041743Z",
    })));
    expect(event.type).toBe("order.created");
    expect(event.sourceEventId).toBe("98880550-7158-44d4-b7cd-2c97c8a091b5");
    expect(event.occurredAt).toBe("2023-03-29T18:00:27.877Z");
    expect(event.keys).toMatchObject({ orderNumber: "#9999", skus: ["SKU2006-001", "LENS-PROTECT-2YR", "CASE-LEATHER-PREM", "SKU2006-020", "SKU2006-035"], customer: "jon@example.com" });
  });

  it("falls back to X-Shopify-Webhook-Id, then to the record's own version, and to its timestamps", () => {
    const byWebhookId = onlyEvent(parseShopifyWebhook(delivery("orders/updated", ordersCreate, { "x-shopify-webhook-id": "wh-1" })));
    expect(byWebhookId.type).toBe("order.updated");
    expect(byWebhookId.sourceEventId).toBe("wh-1");
    const derived = onlyEvent(parseShopifyWebhook(delivery("orders/updated", ordersCreate)));
    expect(derived.sourceEventId).toBe("orders/updated:820982911946154508:2021-12-31T19:00:00-05:00");
    expect(derived.occurredAt).toBe("2022-01-01T00:00:00.000Z");
  });

  it("wraps orders/cancelled with the cancel reason", () => {
    const event = onlyEvent(parseShopifyWebhook(delivery("orders/cancelled", ordersCreate, { "x-shopify-event-id": "c-1" })));
    expect(event.type).toBe("order.cancelled");
    const data = parseEventData("order.cancelled", event.data);
    expect(data.reason).toBe("customer");
    expect(data.order.status).toBe("cancelled");
  });

  it("turns refunds/create into refund.created when the payment id names the order", () => {
    const event = onlyEvent(parseShopifyWebhook(delivery("refunds/create", readFixture("shopify", "webhooks", "refunds-create.docs-2026-04.json"), { "x-shopify-event-id": "r-1" })));
    const refund = parseEventData("refund.created", event.data);
    expect(refund).toMatchObject({ orderNumber: "#9999", total: { amountMinor: 8500, currency: "USD" } });
  });

  it("turns refunds/create into a notification to fetch when the order name is not in the payload", () => {
    const body = JSON.stringify({ ...(parseExactJson(readFixture("shopify", "rest", "refund-create-response.json")) as any).refund });
    const result = parseShopifyWebhook(delivery("refunds/create", body, { "x-shopify-event-id": "r-2" }));
    expect(result).toEqual({ kind: "notifications", notifications: [{ sourceEventId: "r-2", resource: "gid://shopify/Refund/929361472", topic: "refunds/create" }] });
  });

  it("turns fulfillments/create into the channel's shipment.created, and ignores failed fulfillments", () => {
    const body = readFixture("shopify", "webhooks", "fulfillments-create.docs-2026-04.json");
    const shipment = parseEventData("shipment.created", onlyEvent(parseShopifyWebhook(delivery("fulfillments/create", body))).data);
    expect(shipment).toMatchObject({ orderNumber: "#9999", carrier: "UPS", trackingNumber: "1z827wk74630" });
    const failed = parseShopifyWebhook(delivery("fulfillments/create", body.replace('"status": "pending"', '"status": "failure"')));
    expect(failed.kind).toBe("ignored");
  });

  it("turns inventory_levels/update into a notification naming the inventory level (its SKU is fetched)", () => {
    const result = parseShopifyWebhook(delivery("inventory_levels/update", readFixture("shopify", "webhooks", "inventory_levels-update.docs-2024-01.json"), { "x-shopify-event-id": "i-1" }));
    expect(result).toEqual({ kind: "notifications", notifications: [{ sourceEventId: "i-1", resource: "gid://shopify/InventoryLevel/24826418?inventory_item_id=271878346596884015", topic: "inventory_levels/update" }] });
  });

  it("ignores topics it does not consume", () => {
    expect(parseShopifyWebhook(delivery("products/update", "{}"))).toMatchObject({ kind: "ignored" });
    expect(parseShopifyWebhook({ headers: {}, rawBody: "{}", query: {} })).toMatchObject({ kind: "ignored" });
  });

  it("rejects a body that is not JSON with 400 malformed", () => {
    for (const body of ["{not json", "", "[1,2]", "null"]) {
      const r = rejection(() => parseShopifyWebhook(delivery("orders/create", body)));
      expect(r.status).toBe(400);
      expect(r.reasonCode).toBe("malformed");
    }
  });

  it("rejects a schema-invalid body with 422 naming the field", () => {
    const order = parseExactJson(ordersCreate) as any;
    const cases: [unknown, RegExp][] = [
      [{ ...order, line_items: undefined }, /^line_items: /],
      [{ ...order, line_items: [{ ...order.line_items[0], sku: "" }] }, /^line_items\[0\]\.sku: /],
      [{ ...order, line_items: [{ ...order.line_items[0], quantity: 0 }] }, /^lines\[0\]\.quantity: /],
      [{ ...order, line_items: [{ ...order.line_items[0], price: { wrong: true } }] }, /^line_items\[0\]\.price: /],
      [{ ...order, created_at: "soon" }, /^created_at: /],
      [{ ...order, line_items: [] }, /^lines: an order needs at least one line/],
    ];
    for (const [body, field] of cases) {
      const r = rejection(() => parseShopifyWebhook(delivery("orders/create", JSON.stringify(body))));
      expect(r.status).toBe(422);
      expect(r.reasonCode).toBe("schema_invalid");
      expect(r.message).toMatch(field);
    }
  });
});
