import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { Runtime } from "../../../pipeline/runtime";
import type { TestStore } from "../../../pipeline/testing/backends";
import { waitFor } from "../../../pipeline/testing/engine-backends";
import { startWorldHarness, type WorldHarness } from "../../../pipeline/testing/world-harness";
import { startSandboxWorld, type SandboxWorld } from "../world";

/**
 * The whole DTC loop over HTTP: Shopify checkout → NetSuite sales order → ShipStation order →
 * QuickBooks receipt; ShipStation ships → Shopify fulfillment with tracking + NetSuite item
 * fulfillment. Each sandbox's own state is the judge, under duplicate webhooks, 429 bursts and a
 * crash of the worker in the middle of the run.
 */
describe("DTC loop end to end against the four sandboxes", () => {
  let h: WorldHarness<SandboxWorld>;
  let store: TestStore;
  let rt: Runtime;
  let world: SandboxWorld;

  beforeAll(async () => {
    h = await startWorldHarness((appUrl) => startSandboxWorld({ appUrl }), { name: "dtc" });
    ({ store, world, rt } = h);
  });

  afterAll(async () => h?.close());

  const receiptsOf = (docNumber: string) => world.quickbooks.state.list("SalesReceipt").filter((r: any) => r.DocNumber === docNumber);
  const salesOrdersOf = (name: string) => [...world.netsuite.state.transactions.values()].filter((t) => t.type === "salesOrder" && t.otherRefNum === name);
  const shipStationOrdersOf = (name: string) => [...world.shipstation.state.orders.values()].filter((o: any) => o.orderNumber === name);

  it("moves every order through all four systems exactly once, with the right amounts", async () => {
    // Faults: each of the first webhooks arrives twice; bursts of 429 from the ERP, the 3PL and the books.
    world.shopify.faults.set({ webhooks: { duplicates: 3 } });
    world.netsuite.faults.set({ burst429: { count: 3, retryAfterSec: 1 } });
    world.shipstation.faults.set({ burst429: { count: 2, retryAfterSec: 1 } });
    world.quickbooks.faults.set({ burst429: { count: 2, retryAfterSec: 1 } });

    const orders: Awaited<ReturnType<SandboxWorld["shopify"]["placeOrder"]>>[] = [];
    for (let i = 0; i < 3; i++) {
      orders.push(await world.shopify.placeOrder({ lines: [{ sku: "AB-12", quantity: 1 + i }, { sku: "CM-01", quantity: 1 }], email: `buyer${i}@example.com`, shippingMinor: 695, discountCode: i === 1 ? "SAVE10" : undefined, shippingAddress: { name: "Ada Park", address1: "1 Main St", city: "Denver", province: "CO", zip: "80202", country: "US" } }));
    }
    // A crash of the worker mid-run: the in-process queue is lost with whatever it held.
    const before = rt;
    rt = await h.restart();
    expect(rt).not.toBe(before);
    for (let i = 3; i < 6; i++) {
      orders.push(await world.shopify.placeOrder({ lines: [{ sku: "TR-20", quantity: 1 }], email: `buyer${i}@example.com`, shippingMinor: 0, shippingAddress: { name: "Ben Ortiz", address1: "2 Oak Ave", city: "Austin", province: "TX", zip: "78701", country: "US" } }));
    }

    await waitFor(() => orders.every((o) => salesOrdersOf(o.name).length >= 1 && shipStationOrdersOf(o.name).length >= 1 && receiptsOf(o.name.replace("#", "")).length >= 1), { timeoutMs: 60_000, what: "every order in NetSuite, ShipStation and QuickBooks" });

    for (const o of orders) {
      expect(salesOrdersOf(o.name)).toHaveLength(1);
      expect(shipStationOrdersOf(o.name)).toHaveLength(1);
      const receipts = receiptsOf(o.name.replace("#", ""));
      expect(receipts).toHaveLength(1);
      expect(Math.round(Number((receipts[0] as any).TotalAmt) * 100)).toBe(o.totalMinor);
      expect(Math.round(Number((receipts[0] as any).TxnTaxDetail?.TotalTax ?? 0) * 100)).toBe(o.taxMinor);
    }
    // Inventory was committed in the ERP when the sales orders were created.
    const committed = world.netsuite.inventoryOf("AB-12", "main");
    expect(committed.committed).toBeGreaterThanOrEqual(1 + 2 + 3);

    // The 3PL ships; tracking flows back to the channel and the ERP fulfils.
    for (const o of orders) await world.shipstation.ship(`shopify:${o.id}`);
    await waitFor(() => orders.every((o) => world.shopify.state.fulfillments.some((f) => f.orderId === o.id && f.tracking.number)), { timeoutMs: 60_000, what: "a Shopify fulfillment with tracking for every order" });
    await waitFor(() => orders.every((o) => [...world.netsuite.state.transactions.values()].some((t) => t.type === "itemFulfillment" && t.createdFromId === salesOrdersOf(o.name)[0]!.id)), { timeoutMs: 60_000, what: "a NetSuite item fulfillment for every order" });
    for (const o of orders) {
      const fulfillments = world.shopify.state.fulfillments.filter((f) => f.orderId === o.id);
      expect(fulfillments).toHaveLength(1);
      const shipment = world.shipstation.state.shipments.find((s: any) => s.orderNumber === o.name) as any;
      expect(fulfillments[0]!.tracking.number).toBe(shipment.trackingNumber);
      expect([...world.netsuite.state.transactions.values()].filter((t) => t.type === "itemFulfillment" && t.createdFromId === salesOrdersOf(o.name)[0]!.id)).toHaveLength(1);
    }

    // Nothing parked, the duplicates were recorded, and every event of the run is delivered.
    const parked = await store.rows<{ n: number }>(sql`select count(*)::int as n from parked_deliveries where released_at is null`);
    expect(parked[0]!.n).toBe(0);
    const dups = await store.rows<{ n: number }>(sql`select count(*)::int as n from duplicate_captures where source_connector = 'shopify'`);
    expect(dups[0]!.n).toBeGreaterThanOrEqual(1);
    const rateLimited = await store.rows<{ n: number }>(sql`select count(*)::int as n from attempts where outcome = 'rate_limited'`);
    expect(rateLimited[0]!.n).toBeGreaterThanOrEqual(1);
    await waitFor(async () => {
      const [r] = await store.rows<{ n: number }>(sql`select count(*)::int as n from events e join event_progress p on p.event_id = e.id where p.status not in ('delivered', 'skipped') and e.type <> 'inventory.level'`);
      return r!.n === 0;
    }, { timeoutMs: 30_000, what: "every order, shipment event delivered" });
  }, 180_000);

  it("propagates a refund (ERP return, restock, refund receipt) and a cancellation (ERP, 3PL, books)", async () => {
    const address = { name: "Dev Patel", address1: "9 Pine Rd", city: "Madison", province: "WI", zip: "53703", country: "US" };
    const everywhere = (name: string) => salesOrdersOf(name).length === 1 && shipStationOrdersOf(name).length === 1 && receiptsOf(name.replace("#", "")).length === 1;

    // A refund of a shipped unit, restocked: NetSuite return authorization, item receipt at the
    // 3PL's location, credit memo; QuickBooks refund receipt for the refunded amount.
    const sold = await world.shopify.placeOrder({ lines: [{ sku: "SB-40", quantity: 2 }], email: "dev@example.com", shippingMinor: 0, shippingAddress: address });
    await waitFor(() => everywhere(sold.name), { timeoutMs: 30_000, what: "the order everywhere" });
    await world.shipstation.ship(`shopify:${sold.id}`);
    await waitFor(() => world.shopify.state.fulfillments.some((f) => f.orderId === sold.id), { timeoutMs: 30_000, what: "fulfilled" });
    const onHandBefore = world.netsuite.inventoryOf("SB-40", "main").onHand;
    const refund = await world.shopify.refundOrder(sold.id, { lines: [{ sku: "SB-40", quantity: 1, restock: true }], note: "too big" });
    const so = salesOrdersOf(sold.name)[0]!;
    const txOf = (type: string) => [...world.netsuite.state.transactions.values()].filter((t) => t.type === type && (t.createdFromId === so.id || [...world.netsuite.state.transactions.values()].some((ra) => ra.type === "returnAuthorization" && ra.createdFromId === so.id && t.createdFromId === ra.id)));
    await waitFor(() => txOf("returnAuthorization").length === 1 && txOf("itemReceipt").length === 1, { timeoutMs: 30_000, what: "the NetSuite return and its receipt" });
    expect(world.netsuite.inventoryOf("SB-40", "main").onHand).toBe(onHandBefore + 1);
    const refundReceipts = () => world.quickbooks.state.list("RefundReceipt").filter((r: any) => String(r.DocNumber).startsWith(sold.name.replace("#", "")));
    await waitFor(() => refundReceipts().length === 1, { timeoutMs: 30_000, what: "the QuickBooks refund receipt" });
    expect(Math.round(Number((refundReceipts()[0] as any).TotalAmt) * 100)).toBe(refund.lines.reduce((n, l) => n + l.subtotalMinor + l.taxMinor, 0));

    // A cancellation before shipping: the ERP closes the order (stock released), the 3PL cancels it, the receipt is voided.
    const cancelled = await world.shopify.placeOrder({ lines: [{ sku: "HL-03", quantity: 3 }], email: "dev@example.com", shippingMinor: 0, shippingAddress: address });
    await waitFor(() => everywhere(cancelled.name), { timeoutMs: 30_000, what: "the order everywhere" });
    await world.shopify.cancelOrder(cancelled.id, { reason: "customer", restock: true });
    await waitFor(() => {
      const nsClosed = salesOrdersOf(cancelled.name)[0]!.lines.every((l) => l.isClosed);
      const ssCancelled = (shipStationOrdersOf(cancelled.name)[0] as any).orderStatus === "cancelled";
      const voided = Number((receiptsOf(cancelled.name.replace("#", ""))[0] as any).TotalAmt) === 0;
      return nsClosed && ssCancelled && voided;
    }, { timeoutMs: 30_000, what: "closed in NetSuite, cancelled in ShipStation, voided in QuickBooks" });
  }, 120_000);

  it("pushes an ERP stock change to the channel within seconds, minus safety stock", async () => {
    const before = world.netsuite.inventoryOf("HL-03", "main").available;
    world.netsuite.adjustInventory("HL-03", "main", 17, "receipt");
    const expected = before + 17 - 2;
    const variant = world.shopify.state.variants.find((v) => v.sku === "HL-03")!;
    await waitFor(() => world.shopify.state.levels.find((l) => l.inventoryItemId === variant.inventoryItemId && l.locationId === world.shopify.state.locations[0]!.id)?.available === expected, { timeoutMs: 20_000, what: `Shopify HL-03 available = ${expected}` });
  }, 60_000);

  it("parks an order with a SKU the ERP does not know, with the field and the reason", async () => {
    const o = await world.shopify.placeOrder({ lines: [{ sku: "ZZ-99", quantity: 1 }], email: "zz@example.com", shippingMinor: 0, shippingAddress: { name: "Chloe Nguyen", address1: "3 Elm St", city: "Boston", province: "MA", zip: "02108", country: "US" } });
    const [p] = await waitFor(async () => {
      const rows = await store.rows<{ reason: string; field: string; destination: string }>(sql`
        select p.reason, p.field, p.destination from parked_deliveries p join events e on e.id = p.event_id where e.order_number = ${o.name}`);
      return rows.length ? rows : undefined;
    }, { timeoutMs: 30_000, what: "the ZZ-99 order parked" });
    expect(p).toMatchObject({ destination: "netsuite", field: "item" });
    expect(p!.reason).toContain("ZZ-99");
    // The 3PL step waits on the ERP and was never attempted.
    expect(shipStationOrdersOf(o.name)).toHaveLength(0);
  }, 60_000);
});
