import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { netsuiteConnector } from "../index";
import { startNetSuiteSandbox, type NetSuiteSandbox } from "../sandbox/server";
import { clientFor, contextFor, mappingsOf, orderOf, shipmentOf, usdMoney } from "./helpers";

const upsert = netsuiteConnector.destinations!.upsert_sales_order!;
const cancel = netsuiteConnector.destinations!.cancel_sales_order!;

describe("sales orders against the sandbox", () => {
  let sb: NetSuiteSandbox;
  let client: ReturnType<typeof clientFor>;
  let settings: Record<string, unknown>;

  beforeAll(async () => {
    sb = await startNetSuiteSandbox();
    client = clientFor(sb);
  });
  afterAll(() => sb.close());
  beforeEach(async () => {
    await fetch(`${sb.url}/_sandbox/reset`, { method: "POST" });
    settings = { defaultCustomerId: sb.ids.customerId };
  });

  const state = async () => (await (await fetch(`${sb.url}/_sandbox/state`)).json()) as any;

  it("upserts by external ID: delivering twice leaves one sales order and commits stock once", async () => {
    const order = orderOf();
    const first = await upsert.deliver(client, contextFor("order.created", order, { settings }));
    const again = await upsert.deliver(client, contextFor("order.created", order, { settings }));
    expect(again.externalId).toBe(first.externalId);
    const s = await state();
    expect(s.salesOrders).toHaveLength(1);
    expect(s.salesOrders[0]).toMatchObject({ externalId: "shopify_3a1042", otherRefNum: "#1042", tranDate: "2026-11-27" });
    expect(sb.inventoryOf("AB-12", "main")).toMatchObject({ onHand: 400, committed: 3, available: 397 });
  });

  it("applies order.updated to the same record, replacing its lines", async () => {
    const created = await upsert.deliver(client, contextFor("order.created", orderOf(), { settings }));
    const updated = orderOf({ lines: [{ sku: "AB-12", quantity: 1, priceMinor: 2400 }, { sku: "CM-01", quantity: 2, priceMinor: 1800 }] });
    const res = await upsert.deliver(client, contextFor("order.updated", updated, { settings }));
    expect(res.externalId).toBe(created.externalId);
    const so = await client.getTransaction("salesOrder", { id: res.externalId! });
    expect(so?.item?.items?.map((l) => [l.item.refName, l.quantity, l.rate])).toEqual([
      ["AB-12", 1, 24],
      ["CM-01", 2, 18],
    ]);
    expect(sb.inventoryOf("AB-12", "main").committed).toBe(1);
    expect(sb.inventoryOf("CM-01", "main").committed).toBe(2);
    expect(await upsert.lookupExisting!(client, contextFor("order.updated", updated, { settings }))).toBe(res.externalId);
  });

  it("parks an unknown SKU as a validation error on field item", async () => {
    const order = orderOf({ lines: [{ sku: "ZZ-99", quantity: 1, priceMinor: 100 }] });
    await expect(upsert.deliver(client, contextFor("order.created", order, { settings }))).rejects.toMatchObject({
      errorClass: "validation",
      field: "item",
      reason: "SKU ZZ-99 has no NetSuite item",
    });
    expect((await state()).salesOrders).toHaveLength(0);
  });

  it("names the SKU when NetSuite rejects a stale mapped item id", async () => {
    const ctx = contextFor("order.created", orderOf({ lines: [{ sku: "CM-01", quantity: 1, priceMinor: 1800 }, { sku: "AB-12", quantity: 1, priceMinor: 2400 }] }), {
      settings,
      mappings: mappingsOf({ netsuite_item: { "AB-12": "9999" } }),
    });
    const err = await upsert.deliver(client, ctx).catch((e) => e);
    expect(err).toMatchObject({ errorClass: "validation", field: "item", reason: "SKU AB-12 has no NetSuite item", code: "INVALID_CONTENT" });
    expect(err.message).toContain("line 2 is SKU AB-12");
  });

  it("upserts the customer by e-mail when no default customer is set", async () => {
    const one = await upsert.deliver(client, contextFor("order.created", orderOf(), {}));
    const two = await upsert.deliver(client, contextFor("order.created", orderOf({ id: "shopify:1043", orderNumber: "#1043", channelOrderId: "1043" }), {}));
    const s = await state();
    const buyers = s.customers.filter((c: any) => c.email === "ada@example.com");
    expect(buyers).toHaveLength(1);
    expect(buyers[0]).toMatchObject({ isPerson: true, firstName: "Ada", lastName: "Lovelace" });
    expect(s.salesOrders.map((o: any) => o.entityId)).toEqual([buyers[0].id, buyers[0].id]);
    expect(one.externalId).not.toBe(two.externalId);
  });

  it("reports NetSuite's required-field error when a person has no name", async () => {
    const order = orderOf({ customer: { email: "nobody@example.com" }, shippingAddress: undefined });
    await expect(upsert.deliver(client, contextFor("order.created", order, {}))).rejects.toMatchObject({
      errorClass: "validation",
      field: "First Name, Last Name",
      code: "USER_ERROR",
    });
  });

  it("applies rejectRecords keyed by order number with the real USER_ERROR shape", async () => {
    sb.faults.set({ rejectRecords: { "#1042": { field: "shipMethod", message: "Invalid ship method for this address." } } });
    await expect(upsert.deliver(client, contextFor("order.created", orderOf(), { settings }))).rejects.toMatchObject({
      errorClass: "validation",
      field: "shipMethod",
      reason: "Invalid ship method for this address.",
    });
  });

  it("books shipping, discount and channel tax with the configured items", async () => {
    const order = orderOf({
      lines: [{ sku: "AB-12", quantity: 2, priceMinor: 2400 }],
      totals: { subtotal: usdMoney(4800), discounts: usdMoney(500), shipping: usdMoney(799), tax: usdMoney(410), total: usdMoney(5509) },
    });
    await expect(upsert.deliver(client, contextFor("order.created", order, { settings }))).rejects.toMatchObject({ errorClass: "validation", field: "discountItemId" });
    const res = await upsert.deliver(client, contextFor("order.created", order, { settings: { ...settings, discountItemId: sb.ids.discountItemId, shipMethodId: sb.ids.shipMethodId, taxItemId: sb.ids.taxItemId } }));
    const so = await client.getTransaction("salesOrder", { id: res.externalId! });
    expect(so?.total).toBe(55.09);
    expect(so?.item?.items?.map((l) => l.item.id)).toEqual([sb.ids.items["AB-12"], sb.ids.taxItemId]);
    expect(sb.inventoryOf("AB-12", "main").committed).toBe(2);
  });

  it("commits at the routed node's location, found by name", async () => {
    const two = await startNetSuiteSandbox({ seed: { currency: "USD", catalog: [{ sku: "AB-12", title: "Bottle", priceMinor: 2400 }], stock: { main: { "AB-12": 5 }, east: { "AB-12": 7 } } } });
    try {
      const c = clientFor(two);
      await upsert.deliver(c, contextFor("order.created", orderOf({ lines: [{ sku: "AB-12", quantity: 2, priceMinor: 2400 }] }), { settings: { defaultCustomerId: two.ids.customerId, routedNode: "east" } }));
      expect(two.inventoryOf("AB-12", "east")).toMatchObject({ committed: 2, available: 5 });
      expect(two.inventoryOf("AB-12", "main").committed).toBe(0);
      await expect(
        upsert.deliver(c, contextFor("order.created", orderOf({ id: "shopify:2", orderNumber: "#2" }), { settings: { defaultCustomerId: two.ids.customerId, routedNode: "west" } })),
      ).rejects.toMatchObject({ errorClass: "validation", field: "location", reason: "node west has no NetSuite location" });
    } finally {
      await two.close();
    }
  });

  it("commits each line of a split order at its own routed location, and fulfils each part from there", async () => {
    const two = await startNetSuiteSandbox({
      seed: { currency: "USD", catalog: [{ sku: "AB-12", title: "Bottle", priceMinor: 2400 }, { sku: "TR-20", title: "Rope", priceMinor: 4500 }], stock: { main: { "AB-12": 5, "TR-20": 0 }, east: { "AB-12": 0, "TR-20": 4 } } },
    });
    try {
      const c = clientFor(two);
      const order = orderOf({ lines: [{ sku: "AB-12", quantity: 2, priceMinor: 2400 }, { sku: "TR-20", quantity: 1, priceMinor: 4500 }] });
      const res = await upsert.deliver(c, contextFor("order.created", order, { settings: { defaultCustomerId: two.ids.customerId, routedNode: "main", routedLines: { "1": "main", "2": "east" } } }));
      expect(res.summary).toContain("committed at main + east");
      expect(two.inventoryOf("AB-12", "main")).toMatchObject({ committed: 2, available: 3 });
      expect(two.inventoryOf("TR-20", "east")).toMatchObject({ committed: 1, available: 3 });
      expect(two.inventoryOf("TR-20", "main").committed).toBe(0);

      const fulfil = netsuiteConnector.destinations!.fulfill_sales_order!;
      await fulfil.deliver(c, contextFor("shipment.created", shipmentOf({ id: "shp-east", node: "east", lines: [{ sku: "TR-20", quantity: 1 }] }), { settings: { defaultCustomerId: two.ids.customerId } }));
      await fulfil.deliver(c, contextFor("shipment.created", shipmentOf({ id: "shp-main", node: "main", trackingNumber: "1Z2", lines: [{ sku: "AB-12", quantity: 2 }] }), { settings: { defaultCustomerId: two.ids.customerId } }));
      expect(two.inventoryOf("TR-20", "east")).toMatchObject({ onHand: 3, committed: 0 });
      expect(two.inventoryOf("AB-12", "main")).toMatchObject({ onHand: 3, committed: 0 });
    } finally {
      await two.close();
    }
  });

  it("cancels by closing the lines, which releases the commitment, and is idempotent", async () => {
    const order = orderOf();
    const created = await upsert.deliver(client, contextFor("order.created", order, { settings }));
    expect(sb.inventoryOf("AB-12", "main").committed).toBe(3);
    const ctx = contextFor("order.cancelled", { order, reason: "customer request" });
    const res = await cancel.deliver(client, ctx);
    expect(res.externalId).toBe(created.externalId);
    expect(sb.inventoryOf("AB-12", "main")).toMatchObject({ committed: 0, available: 400 });
    const so = (await state()).salesOrders[0];
    expect(so.status).toBe("H");
    expect(so.memo).toContain("Cancelled in shopify: customer request");
    const again = await cancel.deliver(client, ctx);
    expect(again.summary).toContain("already closed");
    expect(await cancel.lookupExisting!(client, ctx)).toBe(created.externalId);
  });

  it("never re-opens a closed sales order on a late update, and closes it for a cancelled one", async () => {
    const order = orderOf();
    await upsert.deliver(client, contextFor("order.created", order, { settings }));
    await cancel.deliver(client, contextFor("order.cancelled", { order }));
    const late = await upsert.deliver(client, contextFor("order.updated", orderOf({ note: "gift wrap" }), { settings }));
    expect(late.summary).toContain("not re-opened");
    expect(sb.inventoryOf("AB-12", "main").committed).toBe(0);

    const other = orderOf({ id: "shopify:1050", orderNumber: "#1050", channelOrderId: "1050" });
    await upsert.deliver(client, contextFor("order.created", other, { settings }));
    await upsert.deliver(client, contextFor("order.updated", { ...other, status: "cancelled" }, { settings }));
    expect((await state()).salesOrders.find((s: any) => s.otherRefNum === "#1050").status).toBe("H");
    const never = await upsert.deliver(client, contextFor("order.updated", orderOf({ id: "shopify:1051", orderNumber: "#1051", status: "cancelled" }), { settings }));
    expect(never.externalId).toBeUndefined();
    expect((await state()).salesOrders).toHaveLength(2);
  });

  it("retries a cancel that arrives before its sales order", async () => {
    await expect(cancel.deliver(client, contextFor("order.cancelled", { order: orderOf() }))).rejects.toMatchObject({ errorClass: "transient", code: "SALES_ORDER_NOT_FOUND" });
  });

  it("reads orders back for reconciliation, with NetSuite's totals and item lines", async () => {
    const order = orderOf({ lines: [{ sku: "AB-12", quantity: 2, priceMinor: 2400 }, { sku: "TR-20", quantity: 1, priceMinor: 4500 }] });
    const res = await upsert.deliver(client, contextFor("order.created", order, { settings: { ...settings, taxItemId: sb.ids.taxItemId } }));
    const rows = await netsuiteConnector.readers!.orders!(client, "2000-01-01T00:00:00.000Z");
    expect(rows).toEqual([
      {
        orderNumber: "#1042",
        externalId: res.externalId,
        totalMinor: 9300,
        currency: "USD",
        lines: [
          { sku: "AB-12", quantity: 2 },
          { sku: "TR-20", quantity: 1 },
        ],
        status: "open",
      },
    ]);
    expect(await netsuiteConnector.readers!.orders!(client, "2999-01-01T00:00:00.000Z")).toEqual([]);
  });
});
