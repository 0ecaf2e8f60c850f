import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { idempotencyUuid } from "../external-ids";
import { netsuiteConnector } from "../index";
import { startNetSuiteSandbox, type NetSuiteSandbox } from "../sandbox/server";
import { clientFor, contextFor, orderOf, refundOf, shipmentOf, usdMoney } from "./helpers";

const { upsert_sales_order: upsert, fulfill_sales_order: fulfill, create_return: createReturn } = netsuiteConnector.destinations!;

describe("fulfilments and returns against the sandbox", () => {
  let sb: NetSuiteSandbox;
  let client: ReturnType<typeof clientFor>;
  let settings: Record<string, unknown>;
  let soId: string;

  beforeAll(async () => {
    sb = await startNetSuiteSandbox();
    client = clientFor(sb);
  });
  afterAll(() => sb.close());
  beforeEach(async () => {
    sb.state.reset();
    sb.faults.reset();
    sb.setAsyncDelay(0);
    settings = { defaultCustomerId: sb.ids.customerId, refundAdjustmentItemId: sb.ids.refundAdjustmentItemId };
    const order = orderOf({ lines: [{ sku: "AB-12", quantity: 3, priceMinor: 2400 }, { sku: "CM-01", quantity: 1, priceMinor: 1800 }] });
    soId = (await upsert!.deliver(client, contextFor("order.created", order, { settings }))).externalId!;
  });

  const snapshot = () => sb.state.snapshot();

  it("transforms the sales order into an item fulfillment that takes units off hand", async () => {
    expect(sb.inventoryOf("AB-12", "main")).toMatchObject({ onHand: 400, committed: 3 });
    const res = await fulfill!.deliver(client, contextFor("shipment.created", shipmentOf(), { settings }));
    expect(sb.inventoryOf("AB-12", "main")).toMatchObject({ onHand: 398, committed: 1, available: 397 });
    expect(sb.inventoryOf("CM-01", "main")).toMatchObject({ onHand: 250, committed: 1 });
    const [itf] = snapshot().itemFulfillments;
    expect(itf).toMatchObject({ id: res.externalId, createdFromId: soId, externalId: "lk-shp-shp-1", status: "C" });
    expect(itf!.memo).toContain("1Z999AA10123456784");
    const so = await client.getTransaction("salesOrder", { id: soId });
    expect(so?.item?.items?.map((l) => l.quantityFulfilled)).toEqual([2, 0]);
    expect(snapshot().salesOrders[0]!.status).toBe("D");
  });

  it("does not fulfil twice when the shipment is delivered again", async () => {
    const ctx = contextFor("shipment.created", shipmentOf(), { settings });
    const first = await fulfill!.deliver(client, ctx);
    const again = await fulfill!.deliver(client, contextFor("shipment.created", shipmentOf(), { settings }));
    expect(again.externalId).toBe(first.externalId);
    expect(snapshot().itemFulfillments).toHaveLength(1);
    expect(sb.inventoryOf("AB-12", "main").onHand).toBe(398);
    expect(await fulfill!.lookupExisting!(client, ctx)).toBe(first.externalId);
  });

  it("joins the first async job when the same idempotency key is sent again", async () => {
    const key = idempotencyUuid("evt-x:netsuite:fulfill_sales_order", "itemFulfillment");
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const body = { item: { items: [{ orderLine: 1, itemReceive: true, quantity: 1 }, { orderLine: 2, itemReceive: false }] } };
    const a = await client.transform("salesOrder", soId, "itemFulfillment", body, { idempotencyKey: key });
    const b = await client.transform("salesOrder", soId, "itemFulfillment", body, { idempotencyKey: key });
    expect(b).toBe(a);
    expect(snapshot().itemFulfillments).toHaveLength(1);
    expect(snapshot().asyncJobs).toHaveLength(1);
  });

  it("waits for an async job that is still pending", async () => {
    sb.setAsyncDelay(400);
    const started = Date.now();
    const res = await fulfill!.deliver(client, contextFor("shipment.created", shipmentOf(), { settings }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(res.externalId).toBe(snapshot().itemFulfillments[0]!.id);
  });

  it("parks a shipment of more than the order has open, and of a SKU not on the order", async () => {
    await expect(fulfill!.deliver(client, contextFor("shipment.created", shipmentOf({ lines: [{ sku: "AB-12", quantity: 5 }] }), { settings }))).rejects.toMatchObject({
      errorClass: "validation",
      field: "quantity",
    });
    await expect(fulfill!.deliver(client, contextFor("shipment.created", shipmentOf({ lines: [{ sku: "TR-20", quantity: 1 }] }), { settings }))).rejects.toMatchObject({
      errorClass: "validation",
      field: "item",
    });
    expect(snapshot().itemFulfillments).toHaveLength(0);
  });

  it("retries a shipment whose sales order is not in NetSuite yet", async () => {
    await expect(fulfill!.deliver(client, contextFor("shipment.created", shipmentOf({ orderId: "shopify:9999", orderNumber: "#9999" }), { settings }))).rejects.toMatchObject({
      errorClass: "transient",
      code: "SALES_ORDER_NOT_FOUND",
    });
  });

  it("books a refund as return authorization, restocking item receipt and credit memo, once", async () => {
    await fulfill!.deliver(client, contextFor("shipment.created", shipmentOf(), { settings }));
    const onHand = sb.inventoryOf("AB-12", "main").onHand;
    const ctx = contextFor("refund.created", refundOf(), { settings });
    const res = await createReturn!.deliver(client, ctx);
    const s = snapshot();
    expect(s.returnAuthorizations).toHaveLength(1);
    expect(s.returnAuthorizations[0]).toMatchObject({ id: res.externalId, createdFromId: soId, status: "G" });
    expect(s.itemReceipts).toHaveLength(1);
    expect(s.itemReceipts[0]!.lines).toMatchObject([{ sku: "AB-12", quantity: 1, locationId: sb.ids.locations.main }]);
    expect(s.creditMemos).toHaveLength(1);
    expect(s.creditMemos[0]!.total).toBe("24.00");
    expect(sb.inventoryOf("AB-12", "main").onHand).toBe(onHand + 1);

    const again = await createReturn!.deliver(client, contextFor("refund.created", refundOf(), { settings }));
    expect(again.externalId).toBe(res.externalId);
    expect([snapshot().returnAuthorizations.length, snapshot().itemReceipts.length, snapshot().creditMemos.length]).toEqual([1, 1, 1]);
    expect(sb.inventoryOf("AB-12", "main").onHand).toBe(onHand + 1);
    expect(await createReturn!.lookupExisting!(client, ctx)).toBe(res.externalId);
  });

  it("books a shipping refund on the credit memo and skips the receipt when nothing is restocked", async () => {
    const refund = refundOf({
      lines: [{ sku: "CM-01", quantity: 1, amount: usdMoney(1800), restock: false }],
      shippingRefund: usdMoney(500),
      total: usdMoney(2300),
    });
    const res = await createReturn!.deliver(client, contextFor("refund.created", refund, { settings }));
    expect(res.summary).toContain("nothing restocked");
    const s = snapshot();
    expect(s.itemReceipts).toHaveLength(0);
    expect(s.creditMemos[0]!.total).toBe("23.00");
    expect(sb.inventoryOf("CM-01", "main").onHand).toBe(250);
  });

  it("parks a refund it cannot book completely before writing anything", async () => {
    const refund = refundOf({ shippingRefund: usdMoney(500), total: usdMoney(2900) });
    await expect(createReturn!.deliver(client, contextFor("refund.created", refund, { settings: { defaultCustomerId: sb.ids.customerId } }))).rejects.toMatchObject({
      errorClass: "validation",
      field: "refundAdjustmentItemId",
    });
    await expect(createReturn!.deliver(client, contextFor("refund.created", refundOf({ lines: [{ sku: "AB-12", quantity: 1, amount: usdMoney(100), restock: true, restockLocation: "nowhere" }] }), { settings }))).rejects.toMatchObject({
      errorClass: "validation",
      field: "restockLocation",
    });
    await expect(createReturn!.deliver(client, contextFor("refund.created", refundOf({ lines: [{ sku: "AB-12", quantity: 0, amount: usdMoney(100) }] }), { settings }))).rejects.toMatchObject({
      errorClass: "validation",
      field: "lines",
    });
    expect(snapshot().returnAuthorizations).toHaveLength(0);
  });
});
