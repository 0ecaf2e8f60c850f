import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ClassifiedError } from "../../../pipeline/errors";
import { parseEventData, type InventoryLevel, type Shipment } from "../../../pipeline/model";
import type { CapturedEvent, InboundRequest } from "../../sdk/definition";
import { ShopifyClient } from "../client";
import { shopifyConnector } from "../index";
import { fetchShopifyNotification } from "../read-records";
import { startShopifySandbox, type ShopifySandbox } from "../sandbox/server";
import { deliveryContext, postJson, startWebhookReceiver, type WebhookReceiver } from "./test-support";

const def = shopifyConnector;
let sandbox: ShopifySandbox;
let receiver: WebhookReceiver;
let client: ShopifyClient;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startShopifySandbox({ webhookTarget: receiver.url, apiSecret: "test-client-secret", accessToken: "shpat_test_token" });
  client = def.createClient({ baseUrl: sandbox.url, credentials: sandbox.credentials });
});

afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

beforeEach(async () => {
  await postJson(`${sandbox.url}/_sandbox/reset`, {});
  receiver.clear();
});

function verifiedEvents(req: InboundRequest): CapturedEvent[] {
  def.webhooks!.verify(req, def.webhookSecrets!(sandbox.credentials));
  const parsed = def.webhooks!.parse(req);
  if (parsed.kind !== "events") throw new Error(`expected events, got ${JSON.stringify(parsed)}`);
  return parsed.events;
}

async function placeOrder(body: Record<string, unknown>) {
  const res = await postJson(`${sandbox.url}/_sandbox/orders`, body);
  expect(res.status).toBe(201);
  return res.body.order as { id: string; name: string; totalMinor: number };
}

function level(sku: string, locationName = "main") {
  const snap = sandbox.state.snapshot();
  return snap.levels.find((l) => l.sku === sku && l.location === locationName)!;
}

function shipmentFor(order: { id: string; name: string }, over: Partial<Shipment> = {}): Shipment {
  return {
    id: "shipstation:shipment:1",
    orderId: `shopify:${order.id}`,
    orderNumber: order.name,
    node: "main",
    carrier: "ups",
    trackingNumber: "1Z999AA10123456784",
    shippedAt: "2026-01-05T15:00:00.000Z",
    lines: [{ sku: "AB-12", quantity: 2 }, { sku: "CM-01", quantity: 1 }],
    externalIds: {},
    ...over,
  };
}

describe("connection", () => {
  it("tests the connection with shop { name } over the real path and header", async () => {
    const result = await def.testConnection(client);
    expect(result).toEqual({ ok: true, detail: "Connected to Loopkeeper Sandbox (loopkeeper-sandbox.myshopify.com), Admin API 2025-07" });
  });

  it("turns the placeholder base URL into https://<shop domain>", async () => {
    const c = def.createClient({ baseUrl: def.defaultBaseUrl, credentials: sandbox.credentials });
    expect(c.baseUrl).toBe("https://loopkeeper-sandbox.myshopify.com");
  });

  it("describes its credentials for the console form and marks the secrets", () => {
    const schema = def.credentials as any;
    const shape = schema.shape as Record<string, any>;
    expect(Object.keys(shape)).toEqual(["shopDomain", "accessToken", "apiSecret", "previousApiSecret", "apiVersion"]);
    for (const k of Object.keys(shape)) expect(shape[k].description, k).toBeTruthy();
    for (const k of ["accessToken", "apiSecret", "previousApiSecret"]) expect(shape[k].meta()?.secret, k).toBe(true);
    expect(shape.shopDomain.meta()?.secret).toBeUndefined();
    expect(def.credentials.safeParse({ shopDomain: "acme.com", accessToken: "x", apiSecret: "y" }).success).toBe(false);
  });
});

describe("orders/create webhook", () => {
  it("arrives signed with every X-Shopify header and parses into the order the sandbox priced", async () => {
    const order = await placeOrder({ lines: [{ sku: "AB-12", quantity: 2 }, { sku: "CM-01", quantity: 1 }], email: "ana@example.com", discountCode: "SAVE10", shippingMinor: 500, shippingAddress: { name: "Ana Silva", address1: "1 Main St", city: "Denver", province: "CO", zip: "80202", country: "US" } });
    const [req] = await receiver.waitFor(1);
    expect(req).toBeDefined();
    for (const h of ["x-shopify-topic", "x-shopify-hmac-sha256", "x-shopify-shop-domain", "x-shopify-api-version", "x-shopify-webhook-id", "x-shopify-event-id", "x-shopify-triggered-at"]) expect(req!.headers[h], h).toBeTruthy();
    expect(req!.headers["x-shopify-topic"]).toBe("orders/create");
    expect(req!.headers["x-shopify-shop-domain"]).toBe("loopkeeper-sandbox.myshopify.com");
    // Shopify's own rendering: bare 64-bit ids and local-time offsets.
    expect(req!.rawBody).toContain(`"id":${order.id},`);
    expect(BigInt(order.id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(req!.rawBody).toMatch(/"created_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-05:00"/);

    const [event] = verifiedEvents(req!);
    expect(event!.type).toBe("order.created");
    expect(event!.sourceEventId).toBe(req!.headers["x-shopify-event-id"]);
    const canonical = parseEventData("order.created", event!.data);
    expect(canonical.id).toBe(`shopify:${order.id}`);
    expect(canonical.orderNumber).toBe("#1001");
    expect(canonical.createdAt).toMatch(/Z$/);
    // 2×24.00 + 18.00 = 66.00; SAVE10 6.60 split 4.80/1.80; tax 8.25 % per line, half-up: 3.564→3.56, 1.3365→1.34.
    expect(canonical.totals).toEqual({
      subtotal: { amountMinor: 6600, currency: "USD" },
      discounts: { amountMinor: 660, currency: "USD" },
      shipping: { amountMinor: 500, currency: "USD" },
      tax: { amountMinor: 490, currency: "USD" },
      total: { amountMinor: 6930, currency: "USD" },
    });
    expect(order.totalMinor).toBe(6930);
    expect(canonical.lines.map((l) => [l.sku, l.quantity, l.discount?.amountMinor, l.taxes[0]?.amount.amountMinor])).toEqual([["AB-12", 2, 480, 356], ["CM-01", 1, 180, 134]]);
    expect(canonical.discounts).toEqual([{ code: "SAVE10", title: "SAVE10", amount: { amountMinor: 660, currency: "USD" } }]);
    expect(canonical.shippingAddress).toMatchObject({ name: "Ana Silva", city: "Denver", region: "CO", country: "US" });
    expect(canonical.customer.email).toBe("ana@example.com");
    // Stock is committed at the location.
    expect(level("AB-12")).toMatchObject({ available: 398, committed: 2, onHand: 400 });
  });

  it("answers bad control requests with 422 and the reason", async () => {
    const res = await postJson(`${sandbox.url}/_sandbox/orders`, { lines: [{ sku: "NOPE", quantity: 1 }] });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/NOPE/);
    expect((await postJson(`${sandbox.url}/_sandbox/orders`, { lines: [{ sku: "AB-12", quantity: 1 }], discountCode: "BOGUS" })).status).toBe(422);
    expect((await postJson(`${sandbox.url}/_sandbox/orders/999/cancel`, {})).status).toBe(404);
  });
});

describe("create_fulfillment", () => {
  const action = def.destinations!.create_fulfillment!;

  it("accepts shipment.created", () => {
    expect(action.accepts).toEqual(["shipment.created"]);
  });

  it("creates one fulfillment with tracking; the same delivery again writes nothing", async () => {
    const order = await placeOrder({ lines: [{ sku: "AB-12", quantity: 2 }, { sku: "CM-01", quantity: 1 }] });
    await receiver.waitFor(1);
    const ctx = deliveryContext("shipment.created", shipmentFor(order), { idempotencyKey: "evt-ship-1:shopify.create_fulfillment" });

    const first = await action.deliver(client, ctx);
    const second = await action.deliver(client, ctx);
    expect(second.externalId).toBe(first.externalId);
    expect(second.summary).toMatch(/Already fulfilled/);
    const fulfillments = sandbox.state.fulfillments;
    expect(fulfillments).toHaveLength(1);
    expect(fulfillments[0]).toMatchObject({ id: first.externalId, name: "#1001.1", tracking: { company: "UPS", number: "1Z999AA10123456784" }, notifyCustomer: true });
    expect(sandbox.state.fulfillmentOrders[0]!.status).toBe("CLOSED");
    expect(level("AB-12")).toMatchObject({ available: 398, committed: 0, onHand: 398 });
    expect(await action.lookupExisting!(client, ctx)).toBe(first.externalId);

    // Shopify tells the channel side too: fulfillments/create → shipment.created.
    await sandbox.webhooksIdle();
    const hooks = await receiver.waitFor(2);
    const shipped = verifiedEvents(hooks[1]!)[0]!;
    expect(shipped.type).toBe("shipment.created");
    expect(parseEventData("shipment.created", shipped.data)).toMatchObject({ orderNumber: "#1001", trackingNumber: "1Z999AA10123456784", carrier: "UPS", orderId: `shopify:${order.id}` });
  });

  it("ships partially, then the rest under another tracking number, and refuses more than was ordered", async () => {
    const order = await placeOrder({ lines: [{ sku: "AB-12", quantity: 2 }, { sku: "CM-01", quantity: 1 }] });
    await action.deliver(client, deliveryContext("shipment.created", shipmentFor(order, { trackingNumber: "T-1", lines: [{ sku: "AB-12", quantity: 1 }] }), { settings: { notifyCustomer: false } }));
    expect(sandbox.state.fulfillmentOrders[0]!.status).toBe("IN_PROGRESS");
    await action.deliver(client, deliveryContext("shipment.created", shipmentFor(order, { trackingNumber: "T-2", lines: [{ sku: "AB-12", quantity: 1 }, { sku: "CM-01", quantity: 1 }] })));
    expect(sandbox.state.fulfillments.map((f) => [f.name, f.tracking.number, f.notifyCustomer])).toEqual([["#1001.1", "T-1", false], ["#1001.2", "T-2", true]]);
    expect(sandbox.state.fulfillmentOrders[0]!.status).toBe("CLOSED");

    const err = await action.deliver(client, deliveryContext("shipment.created", shipmentFor(order, { trackingNumber: "T-3", lines: [{ sku: "AB-12", quantity: 1 }] }))).catch((e) => e);
    expect(err).toBeInstanceOf(ClassifiedError);
    expect(err).toMatchObject({ errorClass: "validation", field: "lines[0].sku" });
    expect(err.reason).toMatch(/AB-12 has no unfulfilled units on Shopify order #1001/);
  });

  it("takes an order no single location can fill from several, and fulfils each location's shipment on its own", async () => {
    const two = await startShopifySandbox({ seed: { currency: "USD", catalog: [{ sku: "AB-12", title: "Bottle", priceMinor: 2400 }, { sku: "TR-20", title: "Rope", priceMinor: 4500 }], stock: { main: { "AB-12": 5, "TR-20": 0 }, east: { "AB-12": 0, "TR-20": 3 } } } });
    try {
      const c = def.createClient({ baseUrl: two.url, credentials: two.credentials });
      const order = await two.placeOrder({ lines: [{ sku: "AB-12", quantity: 2 }, { sku: "TR-20", quantity: 1 }] });
      const [main, east] = two.state.locations;
      expect(two.state.fulfillmentOrders.map((f) => [f.locationId, f.lines.map((l) => l.sku)])).toEqual([[main!.id, ["AB-12"]], [east!.id, ["TR-20"]]]);
      expect(two.state.level(two.state.variantBySku("TR-20")!.inventoryItemId, east!.id)).toMatchObject({ available: 2, committed: 1 });
      await action.deliver(c, deliveryContext("shipment.created", shipmentFor(order, { id: "s-east", node: "east", trackingNumber: "T-EAST", lines: [{ sku: "TR-20", quantity: 1 }] })));
      await action.deliver(c, deliveryContext("shipment.created", shipmentFor(order, { id: "s-main", trackingNumber: "T-MAIN", lines: [{ sku: "AB-12", quantity: 2 }] })));
      expect(two.state.fulfillments.map((f) => [f.locationId, f.tracking.number])).toEqual([[east!.id, "T-EAST"], [main!.id, "T-MAIN"]]);
      expect(two.state.fulfillmentOrders.map((f) => f.status)).toEqual(["CLOSED", "CLOSED"]);
      // A refund restocks where the line's units were held.
      await two.refundOrder(order.id, { lines: [{ sku: "TR-20", quantity: 1, restock: true }] });
      expect(two.state.refunds[0]!.lines[0]!.locationId).toBe(east!.id);
      await expect(two.placeOrder({ lines: [{ sku: "TR-20", quantity: 9 }] })).rejects.toThrow("TR-20: not enough stock at any location for 9");
    } finally {
      await two.close();
    }
  });

  it("parks a shipment for an order Shopify does not have, or that is not a Shopify order", async () => {
    const missing = await action.deliver(client, deliveryContext("shipment.created", shipmentFor({ id: "5200000000000099999", name: "#4040" }))).catch((e) => e);
    expect(missing).toMatchObject({ errorClass: "validation", field: "orderId" });
    const foreign = await action.deliver(client, deliveryContext("shipment.created", shipmentFor({ id: "x", name: "PO-1" }, { orderId: "edi:PO-1" }))).catch((e) => e);
    expect(foreign).toMatchObject({ errorClass: "validation", field: "orderId" });
  });

  it("finds the order through a shopify_order mapping when the shipment names another channel's id", async () => {
    const order = await placeOrder({ lines: [{ sku: "TR-20", quantity: 1 }] });
    const ctx = deliveryContext("shipment.created", shipmentFor({ id: "x", name: "SO-77" }, { orderId: "netsuite:77", lines: [{ sku: "TR-20", quantity: 1 }] }), { mappings: { shopify_order: { "netsuite:77": order.id } } });
    const result = await action.deliver(client, ctx);
    expect(sandbox.state.fulfillments[0]!.id).toBe(result.externalId);
  });
});

describe("set_inventory", () => {
  const action = def.destinations!.set_inventory!;
  const erpLevel = (over: Partial<InventoryLevel> = {}): InventoryLevel => ({ sku: "AB-12", location: "netsuite:1", onHand: 120, committed: 20, available: 100, inTransit: 0, asOf: "2026-01-05T12:00:00.000Z", system: "netsuite", ...over });

  it("accepts inventory.level", () => expect(action.accepts).toEqual(["inventory.level"]));

  it("publishes available − safety stock at the mapped location and the sandbox's stock follows", async () => {
    const main = sandbox.state.locations[0]!;
    const ctx = deliveryContext("inventory.level", erpLevel(), { settings: { safetyStock: 5 }, mappings: { shopify_location: { "netsuite:1": `shopify:${main.id}` } } });
    const result = await action.deliver(client, ctx);
    expect(level("AB-12")).toMatchObject({ available: 95, onHand: 95, committed: 0 });
    const variant = sandbox.state.variantBySku("AB-12")!;
    expect(result.externalId).toBe(`${variant.inventoryItemId}@${main.id}`);
    expect(result.summary).toMatch(/to 95 .*netsuite available 100 − safety stock 5; change -305/);
    const [group] = sandbox.state.adjustments;
    expect(group).toMatchObject({ name: "available", reason: "correction", referenceDocumentUri: `loopkeeper://events/${ctx.event.id}` });
  });

  it("never publishes below zero and falls back to settings.defaultLocationId", async () => {
    const main = sandbox.state.locations[0]!;
    await action.deliver(client, deliveryContext("inventory.level", erpLevel({ sku: "CM-01", available: 3 }), { settings: { safetyStock: 5, defaultLocationId: main.id } }));
    expect(level("CM-01").available).toBe(0);
  });

  it("uses a shopify_inventory_item mapping instead of looking the SKU up", async () => {
    const main = sandbox.state.locations[0]!;
    const variant = sandbox.state.variantBySku("TR-20")!;
    await action.deliver(client, deliveryContext("inventory.level", erpLevel({ sku: "TR-20-ERP", available: 7 }), { settings: { defaultLocationId: `gid://shopify/Location/${main.id}` }, mappings: { shopify_inventory_item: { "TR-20-ERP": variant.inventoryItemId } } }));
    expect(level("TR-20").available).toBe(7);
  });

  it("parks an unknown SKU as validation on field sku, naming the SKU", async () => {
    const err = await action.deliver(client, deliveryContext("inventory.level", erpLevel({ sku: "GHOST-9" }), { settings: { defaultLocationId: sandbox.state.locations[0]!.id } })).catch((e) => e);
    expect(err).toBeInstanceOf(ClassifiedError);
    expect(err).toMatchObject({ errorClass: "validation", field: "sku" });
    expect(err.reason).toContain("GHOST-9");
  });

  it("parks a level whose location maps nowhere, and a bad safetyStock setting", async () => {
    expect(await action.deliver(client, deliveryContext("inventory.level", erpLevel())).catch((e) => e)).toMatchObject({ errorClass: "validation", field: "location" });
    expect(await action.deliver(client, deliveryContext("inventory.level", erpLevel(), { settings: { safetyStock: -1, defaultLocationId: "1" } })).catch((e) => e)).toMatchObject({ errorClass: "permanent", field: "settings.safetyStock" });
  });

  it("does not echo Shopify's own levels back to Shopify", async () => {
    const result = await action.deliver(client, deliveryContext("inventory.level", erpLevel({ system: "shopify", location: "shopify:1" })));
    expect(result.summary).toMatch(/Skipped/);
    expect(sandbox.state.adjustments).toHaveLength(0);
  });

  it("on 2026-01 sends @idempotent with the pipeline's key: a retry returns the first result and writes nothing", async () => {
    const modern = def.createClient({ baseUrl: sandbox.url, credentials: { ...sandbox.credentials, apiVersion: "2026-01" } });
    const main = sandbox.state.locations[0]!;
    const ctx = deliveryContext("inventory.level", erpLevel({ available: 50 }), { idempotencyKey: "evt-42:shopify.set_inventory", settings: { defaultLocationId: main.id } });
    const first = await action.deliver(modern, ctx);
    expect(level("AB-12").available).toBe(50);
    // A sale happens between the attempts; a second write would wipe it out.
    await placeOrder({ lines: [{ sku: "AB-12", quantity: 1 }] });
    const again = await action.deliver(modern, ctx);
    expect(again.externalId).toBe(first.externalId);
    expect(level("AB-12").available).toBe(49);
    expect(sandbox.state.adjustments).toHaveLength(1);
    expect(sandbox.state.idempotency.has("evt-42:shopify.set_inventory")).toBe(true);
  });

  it("a write refused by Shopify surfaces as validation with the field path (rejectRecords fault)", async () => {
    sandbox.faults.set({ rejectRecords: { "AB-12": { field: "input.quantities.0.quantity", message: "Quantity exceeds the maximum for this item" } } });
    const err = await action.deliver(client, deliveryContext("inventory.level", erpLevel(), { settings: { defaultLocationId: sandbox.state.locations[0]!.id } })).catch((e) => e);
    expect(err).toMatchObject({ errorClass: "validation", field: "input.quantities.0.quantity", reason: "Quantity exceeds the maximum for this item" });
  });
});

describe("readers", () => {
  it("reads stock per location as Shopify counts it", async () => {
    await placeOrder({ lines: [{ sku: "CM-01", quantity: 3 }] });
    const levels = await def.readers!.inventory!(client);
    const main = sandbox.state.locations[0]!;
    expect(levels).toHaveLength(3);
    expect(levels.find((l) => l.sku === "CM-01")).toMatchObject({ location: `shopify:${main.id}`, onHand: 250, committed: 3, available: 247, system: "shopify" });
    for (const l of levels) expect(l.asOf).toMatch(/Z$/);
  });

  it("reads orders since a time across pages, with totals, lines and status", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 12; i++) await placeOrder({ lines: [{ sku: "AB-12", quantity: 1 + (i % 2) }] });
    await sandbox.cancelOrder("#1003");
    const orders = await def.readers!.orders!(client, since);
    expect(orders).toHaveLength(12);
    expect(orders[0]).toEqual({ orderNumber: "#1001", externalId: sandbox.state.orders[0]!.id, totalMinor: 2598, currency: "USD", lines: [{ sku: "AB-12", quantity: 1 }], status: "open" });
    expect(orders[2]!.status).toBe("cancelled");
    expect(await def.readers!.orders!(client, new Date(Date.now() + 60_000).toISOString())).toEqual([]);
  });
});

describe("refunds and cancellations", () => {
  it("refunds/create names its order (payment id) and restocks; the notification path reads the same refund", async () => {
    const order = await placeOrder({ lines: [{ sku: "AB-12", quantity: 2 }], shippingMinor: 500 });
    await receiver.waitFor(1);
    const res = await postJson(`${sandbox.url}/_sandbox/orders/${order.id}/refund`, { lines: [{ sku: "AB-12", quantity: 1, restock: true }], note: "too big" });
    expect(res.status).toBe(201);
    const hooks = await receiver.waitFor(2);
    const refund = parseEventData("refund.created", verifiedEvents(hooks[1]!)[0]!.data);
    // One of two units: 24.00 + tax 1.98 (half of 3.96).
    expect(refund).toMatchObject({ orderId: `shopify:${order.id}`, orderNumber: "#1001", reason: "too big", total: { amountMinor: 2598, currency: "USD" } });
    expect(refund.lines).toEqual([{ lineId: sandbox.state.orders[0]!.lines[0]!.id, sku: "AB-12", quantity: 1, amount: { amountMinor: 2400, currency: "USD" }, tax: { amountMinor: 198, currency: "USD" }, restock: true, restockLocation: `shopify:${sandbox.state.locations[0]!.id}` }]);
    expect(level("AB-12")).toMatchObject({ available: 399, committed: 1, onHand: 400 });

    const fetched = await def.fetchNotification!(client, { sourceEventId: "n-1", resource: `gid://shopify/Refund/${res.body.refund.id}`, topic: "refunds/create" });
    expect(fetched).toHaveLength(1);
    expect(parseEventData("refund.created", fetched[0]!.data)).toMatchObject({ orderNumber: "#1001", total: { amountMinor: 2598 }, lines: [{ sku: "AB-12", quantity: 1, restock: true }] });
  });

  it("orders/cancelled carries the order and the reason; stock goes back", async () => {
    const order = await placeOrder({ lines: [{ sku: "TR-20", quantity: 4 }] });
    await receiver.waitFor(1);
    const res = await postJson(`${sandbox.url}/_sandbox/orders/${encodeURIComponent(order.name)}/cancel`, { reason: "inventory" });
    expect(res.status).toBe(200);
    const hooks = await receiver.waitFor(2);
    const event = verifiedEvents(hooks[1]!)[0]!;
    expect(event.type).toBe("order.cancelled");
    const data = parseEventData("order.cancelled", event.data);
    expect(data.reason).toBe("inventory");
    expect(data.order.status).toBe("cancelled");
    expect(level("TR-20")).toMatchObject({ available: 120, committed: 0 });
  });

  it("orders/updated is sent on request with the order as it is now", async () => {
    const order = await placeOrder({ lines: [{ sku: "TR-20", quantity: 1 }] });
    await sandbox.touchOrder(order.id);
    const hooks = await receiver.waitFor(2);
    expect(verifiedEvents(hooks[1]!)[0]!.type).toBe("order.updated");
  });
});

describe("inventory_levels/update", () => {
  it("arrives as a notification and is resolved to the item's SKU and current quantities", async () => {
    const inv = await startShopifySandbox({ webhookTarget: receiver.url, inventoryWebhooks: true });
    try {
      const c = def.createClient({ baseUrl: inv.url, credentials: inv.credentials });
      await inv.placeOrder({ lines: [{ sku: "CM-01", quantity: 2 }] });
      await inv.webhooksIdle();
      const req = receiver.requests.find((r) => r.headers["x-shopify-topic"] === "inventory_levels/update")!;
      def.webhooks!.verify(req, def.webhookSecrets!(inv.credentials));
      const parsed = def.webhooks!.parse(req);
      if (parsed.kind !== "notifications") throw new Error("expected a notification");
      const events = await fetchShopifyNotification(c, parsed.notifications[0]!);
      expect(events).toHaveLength(1);
      expect(events[0]!.sourceEventId).toBe(req.headers["x-shopify-event-id"]);
      expect(parseEventData("inventory.level", events[0]!.data)).toMatchObject({ sku: "CM-01", location: `shopify:${inv.state.locations[0]!.id}`, available: 248, committed: 2, onHand: 250, system: "shopify" });
    } finally {
      await inv.close();
    }
  });
});

describe("nested pagination", () => {
  it("reads and fulfils an order with more lines than one page holds", async () => {
    const catalog = Array.from({ length: 55 }, (_, i) => ({ sku: `BULK-${String(i).padStart(2, "0")}`, title: `Bulk item ${i}`, priceMinor: 100 + i }));
    const big = await startShopifySandbox({ seed: { currency: "USD", catalog, stock: { main: Object.fromEntries(catalog.map((c) => [c.sku, 10])) } } });
    try {
      const c = def.createClient({ baseUrl: big.url, credentials: big.credentials });
      const since = new Date(Date.now() - 1000).toISOString();
      const order = await big.placeOrder({ lines: catalog.map((p) => ({ sku: p.sku, quantity: 1 })) });
      const [summary] = await def.readers!.orders!(c, since);
      expect(summary!.lines).toHaveLength(55);
      const ctx = deliveryContext("shipment.created", {
        id: "wms:1", orderId: `shopify:${order.id}`, orderNumber: order.name, node: "main", carrier: "usps", trackingNumber: "9400100000000000000000",
        shippedAt: "2026-01-05T15:00:00.000Z", lines: catalog.map((p) => ({ sku: p.sku, quantity: 1 })), externalIds: {},
      });
      const result = await def.destinations!.create_fulfillment!.deliver(c, ctx);
      // The retry must see all 55 shipped lines (beyond the first page) to know nothing is left.
      const retry = await def.destinations!.create_fulfillment!.deliver(c, ctx);
      expect(retry.summary).toMatch(/Already fulfilled/);
      expect(big.state.fulfillments).toHaveLength(1);
      expect(big.state.fulfillments[0]!.lines).toHaveLength(55);
      expect(result.externalId).toBe(big.state.fulfillments[0]!.id);
      expect(big.state.fulfillmentOrders[0]!.status).toBe("CLOSED");
    } finally {
      await big.close();
    }
  });
});
