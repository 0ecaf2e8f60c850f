import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { isClassifiedError, type ClassifiedError } from "../../../pipeline/errors";
import { InventoryLevel, Payout, type Shipment } from "../../../pipeline/model";
import { readFixtureJson } from "../../../pipeline/testing/fixtures";
import { connectorDefinition } from "../../registry";
import type { DeliveryContext } from "../../sdk/definition";
import { AmazonClient } from "../client";
import { packageReferenceIdOf } from "../confirm-shipment";
import { amazonConnector, checkSettlement } from "../index";
import { DEFAULT_USAGE_PLANS } from "../rate-limiter";
import { startAmazonSandbox, type AmazonSandbox } from "../sandbox";

const FAST = { rate: 500, burst: 500 };
const PLANS = Object.fromEntries(Object.keys(DEFAULT_USAGE_PLANS).map((op) => [op, FAST]));

let sandbox: AmazonSandbox;
let client: AmazonClient;

beforeAll(async () => {
  sandbox = await startAmazonSandbox({ pageSize: 2, rateLimits: PLANS });
  client = new AmazonClient({ baseUrl: sandbox.url, credentials: sandbox.credentials, usagePlans: PLANS });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
  sandbox.faults.reset();
});

async function caught(p: Promise<unknown>): Promise<ClassifiedError> {
  try {
    await p;
  } catch (e) {
    if (isClassifiedError(e)) return e;
    throw e;
  }
  throw new Error("expected a ClassifiedError");
}

describe("definition", () => {
  it("is registered as amazon and declares what it does", () => {
    expect(connectorDefinition("amazon")).toBe(amazonConnector);
    expect(amazonConnector).toMatchObject({
      id: "amazon",
      displayName: "Amazon Seller Central (SP-API)",
      defaultBaseUrl: "https://sellingpartnerapi-na.amazon.com",
      ratePolicy: { concurrency: 2, perSecond: 0.0167 },
      capabilities: {
        source: ["order.created", "order.updated", "order.cancelled", "inventory.level", "payout.settled"],
        destination: ["confirm_shipment"],
        readers: ["inventory", "orders", "settlements", "settlementLines"],
      },
    });
    expect(Object.keys(amazonConnector.pollers!)).toEqual(["orders", "settlements", "fbaInventory"]);
    expect(amazonConnector.destinations!.confirm_shipment!.accepts).toEqual(["shipment.created"]);
  });

  it("describes every credential field and marks the secrets", () => {
    const shape = (amazonConnector.credentials as unknown as z.ZodObject).shape;
    const meta = (k: string) => z.globalRegistry.get(shape[k] as z.ZodType) ?? {};
    expect(Object.keys(shape)).toEqual(["sellingPartnerId", "marketplaceIds", "clientId", "clientSecret", "refreshToken", "lwaTokenUrl", "relayToken"]);
    for (const k of Object.keys(shape)) expect(meta(k).description ?? (shape[k] as z.ZodType).description, k).toBeTruthy();
    expect(Object.keys(shape).filter((k) => meta(k).secret)).toEqual(["clientSecret", "refreshToken", "relayToken"]);
    expect(amazonConnector.credentials.parse(sandbox.credentials)).toEqual(sandbox.credentials);
    expect(() => amazonConnector.credentials.parse({ ...sandbox.credentials, marketplaceIds: [] })).toThrow();
  });

  it("classifies with the same classifier the client uses", () => {
    const f = readFixtureJson("amazon/errors/quota-exceeded.429.json");
    expect(amazonConnector.classifyError({ status: 429, headers: {}, body: JSON.stringify(f.body) })).toMatchObject({ errorClass: "rate_limited", retryAfterMs: 1000 });
  });

  it("tests the connection with getMarketplaceParticipations", async () => {
    const c = amazonConnector.createClient({ baseUrl: sandbox.url, credentials: sandbox.credentials });
    expect(await amazonConnector.testConnection(c)).toEqual({ ok: true, detail: "seller A3TH9S8BH6GOGM connected; marketplaces: Amazon.com (ATVPDKIKX0DER)" });
    const wrong = amazonConnector.createClient({ baseUrl: sandbox.url, credentials: { ...sandbox.credentials, marketplaceIds: ["ATVPDKIKX0DER", "A1PA6795UKMFR9"] } });
    expect(await caught(amazonConnector.testConnection(wrong))).toMatchObject({ errorClass: "validation", field: "marketplaceIds" });
  });
});

describe("settlements poller", () => {
  it("emits payout.settled per new settlement report (sourceEventId = settlement id), once", async () => {
    const poller = amazonConnector.pollers!.settlements!;
    const ids = [
      sandbox.addSettlement({ orders: [{ sku: "AB-12", principalMinor: 2400 }], createdTime: new Date(Date.now() - 3 * 86_400_000).toISOString() }),
      sandbox.addSettlement({ compress: true, orders: [{ sku: "CM-01", principalMinor: 1800 }], reimbursements: [{ sku: "TR-20", amountMinor: 2200 }] }),
      sandbox.addSettlement({ currency: "EUR", marketplaceName: "Amazon.de", orders: [{ sku: "TR-20", principalMinor: 4500 }] }),
    ];
    let r = await poller.poll(client, poller.initialCursor(), new Date());
    expect(r.events.map((e) => [e.type, e.sourceEventId])).toEqual(ids.map((id) => ["payout.settled", id]));
    for (const e of r.events) {
      const payout = Payout.parse(e.data);
      expect(checkSettlement(payout).balanced).toBe(true);
      expect(e.occurredAt).toBe(payout.depositDate);
    }
    expect((r.events[2]!.data as Payout).total.currency).toBe("EUR");

    r = await poller.poll(client, r.cursor, new Date());
    expect(r.events).toEqual([]);
    const next = sandbox.addSettlement({ orders: [{ sku: "AB-12", principalMinor: 4800, quantity: 2 }] });
    r = await poller.poll(client, r.cursor, new Date());
    expect(r.events.map((e) => e.sourceEventId)).toEqual([next]);
  });
});

describe("FBA inventory poller and reader", () => {
  it("emits levels at amazon-fba for changed SKUs only", async () => {
    const poller = amazonConnector.pollers!.fbaInventory!;
    let r = await poller.poll(client, poller.initialCursor(), new Date());
    expect(r.events.map((e) => (e.data as InventoryLevel).sku).sort()).toEqual(["AB-12", "CM-01", "TR-20"]);
    const ab = InventoryLevel.parse(r.events.find((e) => (e.data as InventoryLevel).sku === "AB-12")!.data);
    // Seeded AB-12: 50 fulfillable, 2 reserved, 12 inbound shipped, 1 unfulfillable.
    expect(ab).toMatchObject({ location: "amazon-fba", system: "amazon", onHand: 52, committed: 2, available: 50, inTransit: 12 });

    r = await poller.poll(client, r.cursor, new Date(Date.now() + 1000));
    expect(r.events).toEqual([]);

    sandbox.setInventory("CM-01", { fulfillable: 7 });
    r = await poller.poll(client, r.cursor, new Date(Date.now() + 2000));
    expect(r.events.map((e) => [e.type, (e.data as InventoryLevel).sku, (e.data as InventoryLevel).available])).toEqual([["inventory.level", "CM-01", 7]]);
  });

  it("catches inbound-only changes, which Amazon's change feed misses, at the next full listing", async () => {
    const { fbaInventoryPoller } = await import("../fba-inventory-poller");
    const poller = fbaInventoryPoller({ fullRefreshMs: 60_000 });
    const t = Date.now();
    // Stock last moved an hour ago, well before the change feed's window.
    sandbox.setClock(t - 60 * 60_000);
    sandbox.state.reset();
    sandbox.setClock(undefined);
    let r = await poller.poll(client, poller.initialCursor(), new Date(t));
    sandbox.setInventory("TR-20", { inboundShipped: 40 });
    r = await poller.poll(client, r.cursor, new Date(t + 1000));
    expect(r.events).toEqual([]);
    r = await poller.poll(client, r.cursor, new Date(t + 61_000));
    expect(r.events.map((e) => [(e.data as InventoryLevel).sku, (e.data as InventoryLevel).inTransit])).toEqual([["TR-20", 40]]);
  });

  it("reads the system of record: inventory, orders since, settlements since", async () => {
    const levels = await amazonConnector.readers!.inventory!(client);
    expect(levels).toHaveLength(3);
    expect(levels.every((l) => l.location === "amazon-fba")).toBe(true);

    const since = new Date(Date.now() - 60 * 60_000).toISOString();
    const o = sandbox.addOrder({ PurchaseDate: new Date(Date.now() - 30 * 60_000).toISOString(), items: [{ sku: "AB-12", quantity: 3, unitPriceMinor: 2400, taxMinor: 576 }] });
    const orders = await amazonConnector.readers!.orders!(client, since);
    expect(orders).toEqual([{ orderNumber: o.AmazonOrderId, externalId: o.AmazonOrderId, totalMinor: 7776, currency: "USD", lines: [{ sku: "AB-12", quantity: 3 }], status: "Unshipped" }]);

    const id = sandbox.addSettlement({ orders: [{ sku: "AB-12", principalMinor: 2400 }] });
    const payouts = (await amazonConnector.readers!.settlements!(client, since)) as Payout[];
    expect(payouts.map((p) => p.id)).toEqual([id]);
  });
});

describe("confirm_shipment destination", () => {
  const ctx = (shipment: Shipment, over: Partial<DeliveryContext> = {}): DeliveryContext => ({
    event: { id: "evt_1", type: "shipment.created", data: shipment, keys: { skus: [] }, correlationId: "cor_1", source: { connector: "shipstation", eventId: "ship_1" } },
    action: "confirm_shipment",
    idempotencyKey: `evt_1:amazon:confirm_shipment:${shipment.id}`,
    attemptNo: 1,
    refetch: false,
    priorResults: {},
    mappings: { get: async () => undefined },
    settings: {},
    ...over,
  });
  const shipmentFor = (orderId: string, lines: Shipment["lines"], over: Partial<Shipment> = {}): Shipment => ({
    id: `shp_${orderId}`,
    orderId: `amazon:${orderId}`,
    orderNumber: orderId,
    node: "main",
    carrier: "UPS",
    service: "UPS Ground",
    trackingNumber: "1Z999AA10123456784",
    shippedAt: "2026-11-20T15:00:00.000Z",
    lines,
    externalIds: {},
    ...over,
  });
  const action = () => amazonConnector.destinations!.confirm_shipment!;

  it("confirms an FBM shipment with Amazon's order item ids and the carrier code", async () => {
    const o = sandbox.addOrder({ FulfillmentChannel: "MFN", items: [{ sku: "AB-12", quantity: 2 }, { sku: "CM-01" }] });
    const s = shipmentFor(o.AmazonOrderId, [{ sku: "AB-12", quantity: 2 }]);
    const res = await action().deliver(client, ctx(s));
    const ref = packageReferenceIdOf(ctx(s).idempotencyKey);
    expect(res.externalId).toBe(`${o.AmazonOrderId}/${ref}`);
    expect(res.summary).toMatch(/confirmed 2 unit\(s\).*UPS 1Z999AA10123456784/);
    expect(sandbox.state.latest(o.AmazonOrderId)!.OrderStatus).toBe("PartiallyShipped");
    expect(sandbox.state.orders.get(o.AmazonOrderId)!.packages).toEqual([
      { packageReferenceId: ref, fingerprint: expect.any(String), orderItems: [{ orderItemId: sandbox.state.orderItems(o.AmazonOrderId)[0]!.OrderItemId, quantity: 2 }] },
    ]);

    // A retry of the same delivery names the same package and finds it done.
    const again = await action().deliver(client, ctx(s, { attemptNo: 2 }));
    expect(again.externalId).toBe(res.externalId);
    expect(sandbox.state.orders.get(o.AmazonOrderId)!.packages).toHaveLength(1);
    expect(await action().lookupExisting!(client, ctx(s))).toBe(res.externalId);

    const rest = shipmentFor(o.AmazonOrderId, [{ sku: "CM-01", quantity: 1 }], { id: "shp_2", carrier: "Pony Express" });
    await action().deliver(client, ctx(rest, { idempotencyKey: "evt_2:amazon:confirm_shipment" }));
    expect(sandbox.state.latest(o.AmazonOrderId)!.OrderStatus).toBe("Shipped");
  });

  it("refuses FBA orders, unknown SKUs, overshipping and non-Amazon orders with the field", async () => {
    const fba = sandbox.addOrder({ FulfillmentChannel: "AFN" });
    expect(await caught(action().deliver(client, ctx(shipmentFor(fba.AmazonOrderId, [{ sku: "AB-12", quantity: 1 }]))))).toMatchObject({ errorClass: "validation", field: "orderNumber" });
    const o = sandbox.addOrder({ FulfillmentChannel: "MFN", items: [{ sku: "AB-12" }] });
    expect(await caught(action().deliver(client, ctx(shipmentFor(o.AmazonOrderId, [{ sku: "ZZ-99", quantity: 1 }]))))).toMatchObject({ errorClass: "validation", field: "lines[0].sku" });
    expect(await caught(action().deliver(client, ctx(shipmentFor(o.AmazonOrderId, [{ sku: "AB-12", quantity: 5 }]))))).toMatchObject({ errorClass: "validation", field: "lines.quantity" });
    expect(await caught(action().deliver(client, ctx(shipmentFor("x", [{ sku: "AB-12", quantity: 1 }], { orderId: "shopify:1001", orderNumber: "#1001" }))))).toMatchObject({ field: "orderNumber" });
  });

  it("parks Amazon's own 400 Invalid Input (the confirmShipment sandbox's body)", async () => {
    const o = sandbox.addOrder({ FulfillmentChannel: "MFN", items: [{ sku: "AB-12" }] });
    sandbox.faults.set({ rejectRecords: { [o.AmazonOrderId]: { field: "packageDetail", message: "Invalid Input" } } });
    const e = await caught(action().deliver(client, ctx(shipmentFor(o.AmazonOrderId, [{ sku: "AB-12", quantity: 1 }]))));
    expect(e).toMatchObject({ errorClass: "validation", code: "InvalidInput", field: "packageDetail" });
    expect(JSON.parse(e.upstream!.body!)).toEqual(readFixtureJson("amazon/errors/orders-confirmShipment.400.sandbox.json")[0].response);
  });
});
