import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ClassifiedError, RETRY_DECISION } from "../../../pipeline/errors";
import type { Shipment } from "../../../pipeline/model";
import type { DeliveryContext } from "../../sdk/definition";
import { ShipStationClient } from "../client";
import { shipstation } from "../index";
import { startShipStationSandbox, type ShipStationSandbox } from "../sandbox";
import { canonicalOrder, deliveryContext } from "./support/canonical";

const SEED = {
  currency: "USD",
  catalog: [
    { sku: "AB-12", title: "Alpine Bottle 12oz", priceMinor: 2400 },
    { sku: "CM-01", title: "Camp Mug", priceMinor: 1800 },
    { sku: "TR-20", title: "Trail Rope 20m", priceMinor: 4500 },
  ],
  stock: { west: { "AB-12": 100, "CM-01": 50 }, east: { "AB-12": 20, "TR-20": 5 } },
};

let sandbox: ShipStationSandbox;
let client: ShipStationClient;

async function rejected(p: Promise<unknown>): Promise<ClassifiedError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ClassifiedError);
    return e as ClassifiedError;
  }
  throw new Error("expected a ClassifiedError");
}

const createOrder = shipstation.destinations!.create_order!;
const cancelOrder = shipstation.destinations!.cancel_order!;
const deliver = (ctx: DeliveryContext) => createOrder.deliver(client, ctx);

beforeAll(async () => {
  sandbox = await startShipStationSandbox({ seed: SEED, rateLimitPerMinute: 1000 });
  client = shipstation.createClient({ baseUrl: sandbox.url, credentials: { ...sandbox.credentials, currency: "USD" } });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(() => sandbox.reset());

describe("ShipStation orders over HTTP", () => {
  it("testConnection lists the warehouses and reports the rate budget", async () => {
    const r = await shipstation.testConnection(client);
    expect(r.ok).toBe(true);
    expect(r.detail).toContain('default "west"');
    expect(r.detail).toMatch(/\d+\/1000 requests left/);
    expect(client.rateBudget).toMatchObject({ limit: 1000 });
  });

  it("create_order twice with the same orderKey leaves one ShipStation order, updated in place", async () => {
    const order = canonicalOrder();
    const first = await deliver(deliveryContext("order.created", order));
    const bigger = { ...order, lines: [{ ...order.lines[0]!, quantity: 5 }, order.lines[1]!] };
    const second = await deliver(deliveryContext("order.updated", bigger));

    expect(second.externalId).toBe(first.externalId);
    const found = await client.findOrdersByNumber(order.orderNumber);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ orderId: Number(first.externalId), orderKey: order.id, orderStatus: "awaiting_shipment" });
    expect(found[0]!.items!.find((i) => i.sku === "AB-12")!.quantity).toBe(5);
    // The update replaced the allocation instead of adding to it.
    expect(sandbox.state.stockRow("AB-12", 16079).allocated).toBe(5);
    expect(await createOrder.lookupExisting!(client, deliveryContext("order.created", order))).toBe(first.externalId);
  });

  it("stores and returns times as Pacific wall clock without an offset, as ShipStation does", async () => {
    const order = canonicalOrder();
    await deliver(deliveryContext("order.created", order));
    const [o] = await client.findOrdersByNumber(order.orderNumber);
    // Sent as 11:30 Pacific daylight time; stored and returned the same way, without an offset.
    expect(o!.orderDate).toBe("2026-07-04T11:30:00.0000000");
  });

  it("findOrdersByNumber ignores ShipStation's prefix matches", async () => {
    const a = canonicalOrder({ orderNumber: "#2001" });
    const b = canonicalOrder({ orderNumber: "#20010" });
    await deliver(deliveryContext("order.created", a));
    await deliver(deliveryContext("order.created", b));
    expect((await client.listOrders({ orderNumber: "#2001" })).total).toBe(2);
    expect((await client.findOrdersByNumber("#2001")).map((o) => o.orderKey)).toEqual([a.id]);
  });

  it("routes to the warehouse mapped for the node, or named like it", async () => {
    const order = canonicalOrder();
    const mapped = await deliver(deliveryContext("order.created", order, { settings: { node: "east-dc" }, mappings: { "shipstation_warehouse:east-dc": "16080" } }));
    expect(mapped.summary).toContain("warehouse 16080");
    expect(sandbox.state.stockRow("AB-12", 16080).allocated).toBe(2);

    const byName = canonicalOrder();
    await deliver(deliveryContext("order.created", byName, { settings: { node: "East" } }));
    expect((await client.findOrderByKey(byName.id, byName.orderNumber))!.advancedOptions!.warehouseId).toBe(16080);

    const fixed = canonicalOrder();
    await deliver(deliveryContext("order.created", fixed, { settings: { warehouseId: 16079, node: "east" } }));
    expect((await client.findOrderByKey(fixed.id, fixed.orderNumber))!.advancedOptions!.warehouseId).toBe(16079);
  });

  it("ships each part of a split order as its own ShipStation order at its warehouse, and the shipment maps back to the order", async () => {
    const order = canonicalOrder();
    const partOf = (node: string, lineIds: string[], primary: boolean) => ({ node, fulfilmentPart: { node, lineIds, primary, count: 2 } });
    const west = await deliver(deliveryContext("order.created", order, { settings: partOf("west", ["li-1"], true) }));
    const east = await deliver(deliveryContext("order.created", order, { settings: partOf("east", ["li-2"], false) }));
    expect(east.summary).toContain("its part at east, one of 2");
    const found = await client.findOrdersByNumber(order.orderNumber);
    expect(found.map((o) => [o.orderKey, o.advancedOptions!.warehouseId, o.items!.filter((i) => !i.adjustment).map((i) => i.sku)])).toEqual([
      [order.id, 16079, ["AB-12"]],
      [`${order.id}~east`, 16080, ["CM-01"]],
    ]);
    // Shipping rides on the primary part; each part carries its own lines' tax, so the parts add up to the order.
    expect(found.map((o) => [o.shippingAmount, o.taxAmount, o.amountPaid])).toEqual([[5, 2, 55], [0, 0, 18]]);
    // A retry of a part upserts the same order; its lookup finds it by the part's key.
    const again = await deliver(deliveryContext("order.created", order, { settings: partOf("east", ["li-2"], false) }));
    expect(again.externalId).toBe(east.externalId);
    expect(await createOrder.lookupExisting!(client, deliveryContext("order.created", order, { settings: partOf("east", ["li-2"], false) }))).toBe(east.externalId);
    expect(west.externalId).not.toBe(east.externalId);

    const shipped = await sandbox.ship(`${order.id}~east`);
    const [shipment] = (await shipstation.readers!.shipments!(client, "2000-01-01T00:00:00.000Z")) as Shipment[];
    expect(shipment).toMatchObject({ orderId: order.id, node: "east", lines: [{ sku: "CM-01", quantity: 1 }], trackingNumber: shipped.trackingNumber });

    const cancelled = await cancelOrder.deliver(client, deliveryContext("order.cancelled", { order }, { action: "cancel_order", settings: partOf("west", ["li-1"], true) }));
    expect(cancelled.externalId).toBe(west.externalId);
    expect((await client.findOrderByKey(order.id, order.orderNumber))!.orderStatus).toBe("cancelled");
  });

  it("refuses to guess a warehouse for an unmapped node", async () => {
    const e = await rejected(deliver(deliveryContext("order.created", canonicalOrder(), { settings: { node: "chicago" } })));
    expect(e).toMatchObject({ errorClass: "validation", field: "advancedOptions.warehouseId" });
    expect(sandbox.state.orders.size).toBe(0);
  });

  it("an address that fails validation is parked with field shipTo", async () => {
    const bad = canonicalOrder({ shippingAddress: { name: "Ada", line1: "1 Main St", city: "Portland", region: "OR", postalCode: "00000", country: "US" } });
    const e = await rejected(deliver(deliveryContext("order.created", bad)));
    expect(e).toMatchObject({ errorClass: "validation", field: "shipTo" });
    expect(RETRY_DECISION[e.errorClass]).toBe("park");

    const incomplete = canonicalOrder({ shippingAddress: { name: "Ada", city: "Portland", country: "US" } });
    expect(await rejected(deliver(deliveryContext("order.created", incomplete)))).toMatchObject({ field: "shipTo", message: expect.stringContaining("street1") });
  });

  it("rejectRecords by SKU or order number answers ShipStation's ModelState 400", async () => {
    await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rejectRecords: { "TR-20": { field: "items.sku", message: "SKU TR-20 is not set up in this warehouse" }, "#9999": { field: "orderNumber", message: "Duplicate order number" } } }),
    });
    const usd = (amountMinor: number) => ({ amountMinor, currency: "USD" });
    const rope = canonicalOrder({ lines: [{ lineId: "r", sku: "TR-20", quantity: 1, unitPrice: usd(4500) }] });
    expect(await rejected(deliver(deliveryContext("order.created", rope)))).toMatchObject({ errorClass: "validation", field: "items.sku", reason: expect.stringContaining("apiOrder.items.sku") });
    expect(await rejected(deliver(deliveryContext("order.created", canonicalOrder({ orderNumber: "#9999" }))))).toMatchObject({ errorClass: "validation", field: "orderNumber" });
  });

  it("the kit's faults come back classified: 5xx transient, expired credentials auth, 429 with its wait", async () => {
    const setFaults = (f: unknown) => fetch(`${sandbox.url}/_sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(f) });
    await setFaults({ errors5xx: { count: 1, status: 503 } });
    expect((await rejected(client.listWarehouses())).errorClass).toBe("transient");
    await setFaults({ burst429: { count: 1, retryAfterSec: 7 } });
    expect(await rejected(client.listWarehouses())).toMatchObject({ errorClass: "rate_limited", retryAfterMs: 7000 });
    await setFaults({ expiredToken: true });
    expect((await rejected(client.listWarehouses())).errorClass).toBe("auth");
    await setFaults({ expiredToken: false });
    expect(await client.listWarehouses()).toHaveLength(2);
  });

  it("wrong credentials are an auth error", async () => {
    const wrong = shipstation.createClient({ baseUrl: sandbox.url, credentials: { ...sandbox.credentials, apiSecret: "nope", currency: "USD" } });
    expect((await rejected(wrong.listWarehouses())).errorClass).toBe("auth");
  });

  it("cancel_order cancels the same orderKey and releases its allocation", async () => {
    const order = canonicalOrder();
    const created = await deliver(deliveryContext("order.created", order));
    expect(sandbox.state.stockRow("AB-12", 16079).allocated).toBe(2);

    const ctx = deliveryContext("order.cancelled", { order, reason: "customer changed their mind" }, { action: "cancel_order" });
    const r = await cancelOrder.deliver(client, ctx);
    expect(r.externalId).toBe(created.externalId);
    const o = await client.findOrderByKey(order.id, order.orderNumber);
    expect(o).toMatchObject({ orderStatus: "cancelled", internalNotes: "Cancelled: customer changed their mind" });
    expect(sandbox.state.stockRow("AB-12", 16079).allocated).toBe(0);
    expect(sandbox.state.orders.size).toBe(1);
    expect(await cancelOrder.lookupExisting!(client, ctx)).toBe(created.externalId);

    // Cancelling again is a no-op that still reports the order.
    expect((await cancelOrder.deliver(client, ctx)).summary).toContain("already cancelled");
  });

  it("cancel_order never creates an order ShipStation does not have", async () => {
    const order = canonicalOrder();
    const r = await cancelOrder.deliver(client, deliveryContext("order.cancelled", { order }, { action: "cancel_order" }));
    expect(r.externalId).toBeUndefined();
    expect(r.summary).toContain("nothing to cancel");
    expect(sandbox.state.orders.size).toBe(0);
  });

  it("a shipped order can be neither cancelled nor updated", async () => {
    const order = canonicalOrder();
    await deliver(deliveryContext("order.created", order));
    await sandbox.ship(order.id);
    expect(await rejected(cancelOrder.deliver(client, deliveryContext("order.cancelled", { order }, { action: "cancel_order" })))).toMatchObject({ errorClass: "validation", field: "orderStatus" });
    expect(await rejected(deliver(deliveryContext("order.updated", order)))).toMatchObject({ errorClass: "validation", field: "orderStatus" });
  });

  it("the orders reader reports ShipStation's view since a time", async () => {
    const order = canonicalOrder();
    const before = new Date(Date.now() - 60_000).toISOString();
    const created = await deliver(deliveryContext("order.created", order));
    const orders = await shipstation.readers!.orders!(client, before);
    expect(orders).toEqual([{ orderNumber: order.orderNumber, externalId: created.externalId, totalMinor: 7300, currency: "USD", lines: [{ sku: "AB-12", quantity: 2 }, { sku: "CM-01", quantity: 1 }], status: "awaiting_shipment" }]);
    expect(await shipstation.readers!.orders!(client, new Date(Date.now() + 60_000).toISOString())).toEqual([]);
  });

  it("pages through v1 lists", async () => {
    for (let i = 0; i < 5; i++) await deliver(deliveryContext("order.created", canonicalOrder()));
    const page = await client.listOrders({ pageSize: 2, page: 3 });
    expect({ total: page.total, page: page.page, pages: page.pages, n: page.orders.length }).toEqual({ total: 5, page: 3, pages: 3, n: 1 });
    expect(await client.listAllOrders({ pageSize: 2 })).toHaveLength(5);
  });
});

describe("ShipStation's rate limit", () => {
  let limited: ShipStationSandbox;

  beforeAll(async () => {
    limited = await startShipStationSandbox({ seed: SEED, rateLimitPerMinute: 3 });
  });

  afterAll(async () => {
    await limited.close();
  });

  it("counts every call per key, answers 429 when spent, and the limit can be raised", async () => {
    const c = shipstation.createClient({ baseUrl: limited.url, credentials: { ...limited.credentials, currency: "USD" } });
    for (let i = 2; i >= 0; i--) {
      await c.listWarehouses();
      expect(c.rateBudget).toMatchObject({ limit: 3, remaining: i });
    }
    const e = await rejected(c.listWarehouses());
    expect(e.errorClass).toBe("rate_limited");
    expect(e.retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(RETRY_DECISION[e.errorClass]).toBe("wait");
    expect(c.rateBudget).toMatchObject({ remaining: 0 });

    // The v2 key has a window of its own.
    await expect(c.listInventoryWarehouses()).resolves.toHaveLength(2);
    expect(c.v2RateBudget).toMatchObject({ limit: 3, remaining: 2 });

    await fetch(`${limited.url}/_sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ custom: { rateLimitPerMinute: 100 } }) });
    await c.listWarehouses();
    expect(c.rateBudget).toMatchObject({ limit: 100 });
  });

  it("the window resets", async () => {
    const quick = await startShipStationSandbox({ seed: SEED, rateLimitPerMinute: 1, rateWindowMs: 300 });
    try {
      const c = shipstation.createClient({ baseUrl: quick.url, credentials: { ...quick.credentials, currency: "USD" } });
      await c.listWarehouses();
      expect((await rejected(c.listWarehouses())).errorClass).toBe("rate_limited");
      await new Promise((r) => setTimeout(r, 350));
      await expect(c.listWarehouses()).resolves.toHaveLength(2);
    } finally {
      await quick.close();
    }
  });
});
