import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { loadLatestOrder } from "../../../pipeline/db/queries/order-queries";
import { resendDueAnswers } from "../../../pipeline/ingress-hooks";
import { runTool } from "../../../tools/run-tool";
import { Order } from "../../../pipeline/model";
import type { Runtime } from "../../../pipeline/runtime";
import type { TestStore } from "../../../pipeline/testing/backends";
import { waitFor } from "../../../pipeline/testing/engine-backends";
import { startWorldHarness, type WorldHarness } from "../../../pipeline/testing/world-harness";
import { el, isValidSscc, parseInterchange, segmentsOf, transactionsOf } from "../../edi-x12";
import type { SandboxPurchaseOrder, SentPurchaseOrder } from "../../edi-x12/sandbox/server";
import { startB2bWorld, type B2bWorld } from "../b2b-world";

/**
 * The B2B + DTC hybrid over HTTP: a retailer's 850 and a Shopify checkout become the same
 * canonical order, NetSuite books both, ShipStation ships both, and the retailer gets its 997,
 * 855, 856 (SSCC-labelled cartons) and 810 inside its compliance windows, while the Shopify
 * order gets its fulfillment. The retailer's own scorecard is the judge: every document is read
 * with the partner's envelope checks, control numbers must never skip or repeat (also across a
 * worker restart), and late or missing documents are violations.
 */
describe("B2B + DTC hybrid end to end against the retailer, Shopify, NetSuite, ShipStation and QuickBooks sandboxes", () => {
  let h: WorldHarness<B2bWorld>;
  let store: TestStore;
  let rt: Runtime;
  let world: B2bWorld;

  beforeAll(async () => {
    h = await startWorldHarness((appUrl) => startB2bWorld({ appUrl }), { name: "b2b" });
    ({ store, world, rt } = h);
  });

  afterAll(async () => h?.close());

  const PARTNER = "sandbox-retail";
  const po = (poNumber: string): SentPurchaseOrder => world.retailer.state.purchaseOrders.find((p) => p.poNumber === poNumber)!;
  const purchaseOrder = (poNumber: string, lines: SandboxPurchaseOrder["lines"]): SandboxPurchaseOrder => ({
    poNumber,
    shipTo: { name: "Sandbox Retail DC 6094", locationCode: "6094", line1: "1 Warehouse Way", city: "Columbus", region: "OH", postalCode: "43004", country: "US" },
    requestedDeliveryDate: "2026-12-15T00:00:00Z",
    lines,
  });
  const salesOrdersOf = (name: string) => [...world.netsuite.state.transactions.values()].filter((t) => t.type === "salesOrder" && t.otherRefNum === name);
  const shipStationOrdersOf = (key: string) => [...world.shipstation.state.orders.values()].filter((o: any) => o.orderKey === key);
  const receivedOf = (kind: string) => world.retailer.state.received.filter((d) => d.kinds.includes(kind));
  const parked = async () => (await store.rows<{ n: number }>(sql`select count(*)::int as n from parked_deliveries where released_at is null`))[0]!.n;

  it("turns a retailer's 850 and a Shopify checkout into the same canonical order, fulfils both through the 3PL, and sends 997, 855, 856 and 810 back", async () => {
    // A 429 burst at the 3PL and at the retailer's gateway: retries must resend the same interchange.
    world.shipstation.faults.set({ burst429: { count: 2, retryAfterSec: 1 } });
    world.retailer.faults.set({ burst429: { count: 1, retryAfterSec: 1 } });

    await world.retailer.send850(purchaseOrder("PO-1001", [
      { sku: "AB-12", quantity: 12, unitPrice: "24.00", upc: "012345678905", buyerPart: "RB-AB12" },
      { sku: "CM-01", quantity: 6, unitPrice: "18.00" },
    ]));
    const dtc = await world.shopify.placeOrder({ lines: [{ sku: "AB-12", quantity: 1 }], email: "dtc@example.com", shippingMinor: 695, shippingAddress: { name: "Ada Park", address1: "1 Main St", city: "Denver", province: "CO", zip: "80202", country: "US" } });
    expect(po("PO-1001").responses).toContain(202);

    await waitFor(() => po("PO-1001").ack997, { timeoutMs: 30_000, what: "the 997 for PO-1001 at the retailer" });
    expect(po("PO-1001").ack997).toMatchObject({ status: "A", setStatus: "A" });

    const ediOrderId = `edi:${PARTNER}:PO-1001`;
    const b2b = await waitFor(() => loadLatestOrder(store, ediOrderId), { what: "the canonical order of PO-1001" });
    const dtcOrder = await waitFor(() => loadLatestOrder(store, `shopify:${dtc.id}`), { what: "the canonical order of the Shopify checkout" });
    // One model: both parse as the same canonical Order; the B2B one carries its PO fields.
    expect(Order.parse(b2b)).toEqual(b2b);
    expect(Order.parse(dtcOrder)).toEqual(dtcOrder);
    expect(b2b).toMatchObject({ channel: "edi", orderNumber: "PO-1001", fulfilmentChannel: "merchant", purchaseOrder: { poNumber: "PO-1001", partnerId: PARTNER }, totals: { total: { amountMinor: 12 * 2400 + 6 * 1800, currency: "USD" } } });
    expect(b2b.lines.map((l) => [l.sku, l.quantity, l.unitPrice.amountMinor])).toEqual([["AB-12", 12, 2400], ["CM-01", 6, 1800]]);
    expect(b2b.shippingAddress).toMatchObject({ city: "Columbus", postalCode: "43004" });

    await waitFor(() => salesOrdersOf("PO-1001").length && salesOrdersOf(dtc.name).length && shipStationOrdersOf(ediOrderId).length && shipStationOrdersOf(`shopify:${dtc.id}`).length, { timeoutMs: 60_000, what: "both orders in NetSuite and ShipStation" });
    await waitFor(() => po("PO-1001").ack855, { timeoutMs: 30_000, what: "the 855 for PO-1001" });
    expect(po("PO-1001").ack855).toMatchObject({ bak02: "AD", lineStatuses: ["IA", "IA"] });

    await world.shipstation.ship(ediOrderId);
    await world.shipstation.ship(`shopify:${dtc.id}`);
    await waitFor(() => po("PO-1001").invoices.length, { timeoutMs: 60_000, what: "the 810 for PO-1001" });
    await waitFor(() => world.shopify.state.fulfillments.some((f) => f.orderId === dtc.id), { timeoutMs: 60_000, what: "the Shopify fulfillment of the DTC order" });
    await waitFor(async () => [...world.netsuite.state.transactions.values()].filter((t) => t.type === "itemFulfillment").length >= 2, { timeoutMs: 60_000, what: "NetSuite item fulfillments of both orders" });

    const p = po("PO-1001");
    expect(p.asns).toHaveLength(1);
    expect(p.invoices).toEqual([expect.objectContaining({ totalCents: 12 * 2400 + 6 * 1800 })]);
    expect(Date.parse(p.asns[0]!.receivedAt)).toBeLessThanOrEqual(Date.parse(p.invoices[0]!.receivedAt));
    // The ASN describes the carton with a valid SSCC-18 and the shipment's tracking number.
    const asn = receivedOf("856")[0]!;
    const asnSet = transactionsOf(parseInterchange(asn.body)).find((t) => t.set.type === "856")!.set;
    const man = segmentsOf(asnSet, "MAN");
    expect(man).toHaveLength(1);
    expect(el(man[0], 1)).toBe("GM");
    expect(isValidSscc(el(man[0], 2))).toBe(true);
    const shipment = world.shipstation.state.shipments.find((s: any) => s.orderKey === ediOrderId) as any;
    expect(segmentsOf(asnSet, "REF").some((r) => el(r, 1) === "BM" && el(r, 2) === shipment.trackingNumber)).toBe(true);
    expect(segmentsOf(asnSet, "SN1").map((s) => Number(el(s, 2))).reduce((a, b) => a + b, 0)).toBe(18);
    // A retailer order never reaches the Shopify fulfillment step; the Shopify order gets exactly one.
    expect(world.shopify.state.fulfillments.filter((f) => f.orderId === dtc.id)).toHaveLength(1);
    const ediShipmentDeliveries = await store.rows<{ destination: string; action: string }>(sql`
      select d.destination, d.action from deliveries d join events e on e.id = d.event_id
       where e.type = 'shipment.created' and e.payload->>'orderId' = ${ediOrderId} order by d.destination, d.action`);
    expect(ediShipmentDeliveries).toEqual([{ destination: "edi-sandbox-retail", action: "send_810" }, { destination: "edi-sandbox-retail", action: "send_856" }, { destination: "netsuite", action: "fulfill_sales_order" }]);

    // The partner's shared secret is never stored with what it sent.
    const stored = await store.rows<{ headers: Record<string, string> }>(sql`select headers from raw_payloads where connector = 'edi-sandbox-retail'`);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((r) => r.headers["x-edi-token"] === "[REDACTED]")).toBe(true);

    // Every document valid, every window kept, nothing parked; a day later nothing is overdue either.
    expect(world.retailer.violations()).toEqual([]);
    expect(world.retailer.state.received.every((d) => d.valid)).toBe(true);
    expect(await parked()).toBe(0);
    world.retailer.advanceClock(25 * 3_600_000);
    try {
      expect(world.retailer.violations()).toEqual([]);
    } finally {
      world.retailer.advanceClock(-25 * 3_600_000);
    }
  }, 180_000);

  it("answers a broken envelope with a TA1 rejection and a bad element with a 997 rejection, and makes no order of either", async () => {
    await world.retailer.send850(purchaseOrder("PO-2001", [{ sku: "TR-20", quantity: 2, unitPrice: "45.00" }]), { fault: "broken_envelope" });
    await world.retailer.send850(purchaseOrder("PO-2002", [{ sku: "TR-20", quantity: 2, unitPrice: "45.00" }]), { fault: "invalid_element" });
    expect(po("PO-2001").responses).toEqual([422]);
    expect(po("PO-2002").responses).toEqual([422]);
    await waitFor(() => po("PO-2001").ta1 && po("PO-2002").ack997, { timeoutMs: 30_000, what: "the TA1 for PO-2001 and the 997 for PO-2002" });
    // TA1 001: the interchange control numbers (ISA13/IEA02) do not match.
    expect(po("PO-2001").ta1).toMatchObject({ ackCode: "R", noteCode: "001" });
    expect(po("PO-2002").ack997).toMatchObject({ status: "R", setStatus: "R" });
    expect(po("PO-2002").ack997!.errors[0]).toMatchObject({ segmentId: "PO1", elements: [expect.objectContaining({ position: "2" })] });
    const orders = await store.rows<{ n: number }>(sql`select count(*)::int as n from events where po_number in ('PO-2001', 'PO-2002')`);
    expect(orders[0]!.n).toBe(0);
    const quarantined = await store.rows<{ reason_code: string }>(sql`select reason_code from quarantine where connector = 'edi-sandbox-retail' order by received_at`);
    expect(quarantined.map((q) => q.reason_code)).toEqual(["schema_invalid", "schema_invalid"]);
    expect(world.retailer.violations()).toEqual([]);
  }, 60_000);

  it("detects a resent interchange: TA1 025, and no second order anywhere", async () => {
    await world.retailer.send850(purchaseOrder("PO-3001", [{ sku: "HL-03", quantity: 4, unitPrice: "39.00" }]), { fault: "duplicate_interchange" });
    expect(po("PO-3001").responses).toEqual([202, 202]);
    await waitFor(() => po("PO-3001").ack997 && po("PO-3001").duplicateRejected && po("PO-3001").ack855, { timeoutMs: 60_000, what: "997, TA1 025 and 855 for PO-3001" });
    expect(po("PO-3001").duplicateRejected).toMatchObject({ noteCode: "025" });
    const events = await store.rows<{ n: number }>(sql`select count(*)::int as n from events where po_number = 'PO-3001'`);
    expect(events[0]!.n).toBe(1);
    const dups = await store.rows<{ n: number }>(sql`select count(*)::int as n from duplicate_captures where source_connector = 'edi-sandbox-retail'`);
    expect(dups[0]!.n).toBe(1);
    await waitFor(() => shipStationOrdersOf(`edi:${PARTNER}:PO-3001`).length, { timeoutMs: 30_000, what: "PO-3001 at the 3PL" });
    expect(salesOrdersOf("PO-3001")).toHaveLength(1);
    expect(shipStationOrdersOf(`edi:${PARTNER}:PO-3001`)).toHaveLength(1);
    expect(world.retailer.state.received.filter((d) => d.kinds.includes("855") && d.poNumbers.includes("PO-3001"))).toHaveLength(1);
    expect(world.retailer.violations()).toEqual([]);
  }, 60_000);

  it("keeps control numbers gap-free per partner across a worker restart", async () => {
    rt = await h.restart();
    await world.retailer.send850(purchaseOrder("PO-4001", [{ sku: "SB-40", quantity: 3, unitPrice: "29.00" }]));
    await waitFor(() => po("PO-4001").ack997 && po("PO-4001").ack855, { timeoutMs: 60_000, what: "997 and 855 for PO-4001 after the restart" });
    await waitFor(() => shipStationOrdersOf(`edi:${PARTNER}:PO-4001`).length, { timeoutMs: 30_000, what: "PO-4001 at the 3PL" });
    await world.shipstation.ship(`edi:${PARTNER}:PO-4001`);
    await waitFor(() => po("PO-4001").invoices.length, { timeoutMs: 60_000, what: "the 810 for PO-4001" });

    // The retailer saw every one of our ISA13s exactly once, 1, 2, 3 ... with nothing skipped.
    const ours = world.retailer.state.ourInterchanges.map((x) => Number(x.isa13));
    expect(ours).toEqual(ours.map((_, i) => i + 1));
    const [seq] = await store.rows<{ value: number }>(sql`select value::int as value from sequences where name = ${`edi-sandbox-retail:edi-x12:${PARTNER}:isa`}`);
    expect(seq!.value).toBe(ours.length);
    expect(world.retailer.violations()).toEqual([]);
    expect(await parked()).toBe(0);
  }, 120_000);

  it("keeps a 997 the retailer's gateway could not take and sends the same interchange again once it is back: the gap it left closes", async () => {
    // Down for all five of the ingress's quick tries at the 997 (about four seconds), then back.
    world.retailer.faults.set({ errors5xx: { count: 5, status: 503 } });
    await world.retailer.send850(purchaseOrder("PO-5001", [{ sku: "AB-12", quantity: 2, unitPrice: "24.00" }]));
    const kept = await store.rows<{ kind: string; reference: string; body: string; status: string }>(sql`select kind, reference, body, status from kept_answers where connector = 'edi-sandbox-retail'`);
    expect(kept).toEqual([expect.objectContaining({ kind: "997", status: "pending" })]);
    expect(po("PO-5001").ack997).toBeUndefined();
    const [event] = await store.rows<{ id: string }>(sql`select id from events where po_number = 'PO-5001'`);
    const trace = () => store.rows<{ outcome: string; error_message: string }>(sql`select outcome, error_message from attempts where event_id = ${event!.id} and stage = 'capture' and destination = 'edi-sandbox-retail' order by id`);
    expect(await trace()).toEqual([expect.objectContaining({ outcome: "failed", error_message: expect.stringContaining(`997 ${kept[0]!.reference} not sent`) })]);

    // Connector health (console, agent, MCP) says an answer is owed to the sender.
    const owed = async () => {
      const r = await runTool({ rt, actor: { type: "user", id: "ops@example.com", scopes: ["read"] } }, "get_connector_health", { connector: "edi-sandbox-retail", live: false });
      return r.ok ? (r.data as { connectors: { answersOwed: unknown }[] }).connectors[0]!.answersOwed : r;
    };
    expect(await owed()).toEqual({ pending: 1, oldestPendingSince: expect.stringMatching(/^20\d\d-\d\d-\d\dT/), givenUp: 0 });

    // The 855 went out meanwhile with the next number: the retailer saw a gap.
    await waitFor(() => po("PO-5001").ack855, { timeoutMs: 30_000, what: "the 855 for PO-5001" });
    expect(world.retailer.violations()).toEqual([expect.objectContaining({ rule: "isa13_gap", isa13: String(Number(kept[0]!.reference) + 1).padStart(9, "0") })]);

    await store.rows(sql`update kept_answers set next_attempt_at = now() where connector = 'edi-sandbox-retail'`);
    expect(await resendDueAnswers(rt)).toEqual({ sent: 1, rescheduled: 0, givenUp: 0 });
    expect(po("PO-5001").ack997).toMatchObject({ status: "A", setStatus: "A" });
    // The very interchange generated on arrival, so every number the retailer expects has now come, once.
    const received = world.retailer.state.received.find((d) => d.isa13 === kept[0]!.reference);
    expect(received).toMatchObject({ kinds: ["997"], valid: true, body: kept[0]!.body });
    const ours = world.retailer.state.ourInterchanges.map((x) => Number(x.isa13)).sort((a, b) => a - b);
    expect(ours).toEqual(ours.map((_, i) => i + 1));
    expect(world.retailer.violations().map((v) => v.rule)).toEqual(["isa13_gap"]);
    expect((await trace()).at(-1)).toEqual({ outcome: "ok", error_message: `answered the sender (try 2): sent 997 as interchange ${kept[0]!.reference}` });
    expect(await owed()).toEqual({ pending: 0, oldestPendingSince: null, givenUp: 0 });
  }, 60_000);
});
