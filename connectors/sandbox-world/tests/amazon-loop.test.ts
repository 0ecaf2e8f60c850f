import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { loadConfig } from "../../../pipeline/config";
import { loadLatestOrder } from "../../../pipeline/db/queries/order-queries";
import { PollerRunner } from "../../../pipeline/pollers";
import { InProcessTransport } from "../../../pipeline/queue/in-process";
import { reconcileNow } from "../../../pipeline/reconcile";
import { Runtime } from "../../../pipeline/runtime";
import { applyWorld } from "../../../pipeline/sandbox-world-config";
import { openPgliteTestStore, type TestStore } from "../../../pipeline/testing/backends";
import { waitFor } from "../../../pipeline/testing/engine-backends";
import { startIngressServer } from "../../../pipeline/testing/ingress-server";
import { DEFAULT_USAGE_PLANS } from "../../amazon/rate-limiter";
import { startAmazonWorld, type AmazonWorld } from "../amazon-world";

/**
 * The Amazon-first seller end to end: FBM orders (ORDER_CHANGE through the relay) go to the 3PL
 * and their shipment is confirmed on Amazon; FBA orders only reach the books and Amazon's FBA
 * node; settlement reports become one summarised journal whose deposit is the settlement total,
 * and the accounting reconciliation holds each settlement against the bank deposit and against
 * Amazon's own ledger (Finances API), naming the exact lines of a settlement that does not add up.
 */
describe("Amazon FBA + FBM + QuickBooks end to end against the Amazon, ShipStation and QuickBooks sandboxes", () => {
  let store: TestStore;
  let rt: Runtime;
  let world: AmazonWorld;
  let ingress: { url: string; close(): Promise<void> };
  let pollers: PollerRunner;
  const config = loadConfig({ LOOPKEEPER_DATA_DIR: mkdtempSync(join(tmpdir(), "lk-amazon-")), LOOPKEEPER_DELIVERY_LEASE_SECONDS: "2", LOG_LEVEL: "warn" });
  // Amazon's real quotas would make the test wait minutes for getReportDocument; the shape of the limits stays.
  const FAST = Object.fromEntries(Object.keys(DEFAULT_USAGE_PLANS).map((op) => [op, { rate: 50, burst: 50 }]));

  beforeAll(async () => {
    store = await openPgliteTestStore();
    rt = await Runtime.open({ config, store, transport: new InProcessTransport() });
    ingress = await startIngressServer(() => rt);
    world = await startAmazonWorld({ appUrl: ingress.url, rateLimits: FAST });
    await applyWorld(rt, world.config);
    await rt.reload();
    await rt.startWorkers();
    pollers = new PollerRunner(store, rt.engine, () => rt.directory.listInstances());
  });

  afterAll(async () => {
    await rt?.halt();
    await world?.close();
    await ingress?.close();
    await store?.dispose();
  });

  /** One poll now, as the worker's schedule would run it (same lease owner: this process). */
  const poll = async (name: "settlements" | "fbaInventory") => {
    const inst = rt.directory.instance("amazon")!;
    return pollers.runOnce(`amazon:${name}`, inst, inst.definition.pollers![name]!);
  };
  const receiptsOf = (orderNumber: string) => world.quickbooks.state.list("SalesReceipt").filter((r: any) => r.DocNumber === orderNumber);
  const journalsOf = (settlementId: string) => world.quickbooks.state.list("JournalEntry").filter((j: any) => String(j.PrivateNote ?? "").includes(settlementId));
  const shipStationOrdersOf = (key: string) => [...world.shipstation.state.orders.values()].filter((o: any) => o.orderKey === key);
  const diffsOf = (subject: string) => store.rows<{ kind: string; status: string; evidence: any }>(sql`select kind, status, evidence from recon_diffs where domain = 'accounting' and subject = ${subject} and status <> 'resolved' order by kind`);
  const address = { Name: "Jo Buyer", AddressLine1: "500 Pine St", City: "SEATTLE", StateOrRegion: "WA", PostalCode: "98101", CountryCode: "US" };

  let fbmId: string;
  let fbaId: string;

  it("sends FBM orders to the 3PL and confirms their shipment on Amazon; FBA orders reach only the books and the FBA node", async () => {
    fbmId = world.amazon.addOrder({ FulfillmentChannel: "MFN", OrderStatus: "Unshipped", items: [{ sku: "AB-12", quantity: 2, unitPriceMinor: 2400 }], shippingAddress: address }).AmazonOrderId;
    fbaId = world.amazon.addOrder({ FulfillmentChannel: "AFN", OrderStatus: "Shipped", items: [{ sku: "CM-01", quantity: 1, unitPriceMinor: 1800 }] }).AmazonOrderId;

    const fbm = await waitFor(() => loadLatestOrder(store, `amazon:${fbmId}`), { timeoutMs: 30_000, what: "the FBM order captured from its ORDER_CHANGE" });
    const fba = await waitFor(() => loadLatestOrder(store, `amazon:${fbaId}`), { timeoutMs: 30_000, what: "the FBA order captured" });
    expect([fbm.fulfilmentChannel, fba.fulfilmentChannel]).toEqual(["merchant", "marketplace"]);

    await waitFor(() => shipStationOrdersOf(`amazon:${fbmId}`).length && receiptsOf(fbm.orderNumber).length && receiptsOf(fba.orderNumber).length, { timeoutMs: 30_000, what: "the FBM order at the 3PL and both in the books" });
    expect(shipStationOrdersOf(`amazon:${fbaId}`)).toEqual([]);
    expect(Math.round(Number((receiptsOf(fba.orderNumber)[0] as any).TotalAmt) * 100)).toBe(fba.totals.total.amountMinor);
    const routed = await store.rows<{ destination: string; action: string }>(sql`
      select d.destination, d.action from deliveries d join events e on e.id = d.event_id where e.type = 'order.created' and e.payload->>'id' = ${`amazon:${fbaId}`}`);
    expect(routed).toEqual([{ destination: "quickbooks", action: "post_sales_receipt" }]);

    const shipment = await world.shipstation.ship(`amazon:${fbmId}`);
    await waitFor(() => world.amazon.state.latest(fbmId)?.OrderStatus === "Shipped", { timeoutMs: 30_000, what: "Amazon showing the FBM order shipped" });
    const items = world.amazon.state.orderItems(fbmId);
    expect(items.map((i) => [i.SellerSKU, i.QuantityShipped])).toEqual([["AB-12", 2]]);
    expect(JSON.stringify(world.amazon.state.orders.get(fbmId))).toContain((shipment as any).trackingNumber);

    // The FBA node: Amazon's own stock, read by the FBA inventory poller.
    world.amazon.setInventory("CM-01", { fulfillable: 238 });
    expect(await poll("fbaInventory")).toBeGreaterThan(0);
    const [level] = await store.rows<{ payload: any }>(sql`select payload from events where type = 'inventory.level' and source_connector = 'amazon' and payload->>'sku' = 'CM-01' order by received_at desc limit 1`);
    expect(level!.payload).toMatchObject({ sku: "CM-01", available: 238 });

    const parked = await store.rows<{ n: number }>(sql`select count(*)::int as n from parked_deliveries where released_at is null`);
    expect(parked[0]!.n).toBe(0);
  }, 120_000);

  it("journals a settlement once, summarised by kind, depositing exactly the settlement total, and finds nothing to reconcile", async () => {
    const id = world.amazon.addSettlement({
      settlementId: "11900000001", startDate: "2026-11-01T08:00:00Z", endDate: "2026-11-15T08:00:00Z", depositDate: "2026-11-17T08:00:00Z",
      orders: [
        { orderId: fbmId, sku: "AB-12", quantity: 2, principalMinor: 4800, fulfillment: "MFN" },
        { orderId: fbaId, sku: "CM-01", principalMinor: 1800, fulfillment: "AFN" },
      ],
      reimbursements: [{ sku: "CM-01", reason: "WAREHOUSE_DAMAGE", amountMinor: 1150 }],
      fees: [{ description: "Storage Fee", amountMinor: 312 }],
    });
    await poll("settlements");
    await waitFor(() => journalsOf(id).length, { timeoutMs: 30_000, what: `the journal of settlement ${id}` });
    const [settled] = await store.rows<{ payload: any }>(sql`select payload from events where type = 'payout.settled' and source_connector = 'amazon' and payload->>'id' = ${id}`);
    const journal = journalsOf(id)[0] as any;
    const bankId = (world.quickbooks.settings.accounts as Record<string, string>).bank;
    const bankLines = journal.Line.filter((l: any) => l.JournalEntryLineDetail.AccountRef.value === bankId);
    expect(bankLines).toHaveLength(1);
    expect(Math.round(Number(bankLines[0].Amount) * 100)).toBe(settled!.payload.total.amountMinor);
    // Summarised: one line per kind of amount plus the deposit, not one per settlement row.
    const kinds = new Set(settled!.payload.lines.map((l: any) => l.kind));
    expect(journal.Line.length).toBeLessThanOrEqual(kinds.size + 1);
    expect(settled!.payload.lines.length).toBeGreaterThan(journal.Line.length);

    const run = await reconcileNow(rt, { domain: "accounting", subject: id });
    expect(run.status).toBe("succeeded");
    expect(run.checked).toBeGreaterThanOrEqual(1);
    expect(run.findings).toEqual([]);
  }, 60_000);

  it("flags a settlement whose report dropped a reimbursement and changed a fee, with exactly those lines, and keeps it out of the books", async () => {
    const id = world.amazon.addSettlement({
      settlementId: "11900000002", startDate: "2026-11-15T08:00:00Z", endDate: "2026-11-29T08:00:00Z", depositDate: "2026-12-01T08:00:00Z",
      orders: [
        { orderId: fbmId, sku: "AB-12", quantity: 2, principalMinor: 4800, fulfillment: "MFN" },
        { orderId: fbaId, sku: "CM-01", principalMinor: 1800, fulfillment: "AFN" },
      ],
      reimbursements: [{ sku: "CM-01", reason: "WAREHOUSE_DAMAGE", amountMinor: 1150 }, { sku: "AB-12", reason: "WAREHOUSE_LOST", amountMinor: 2400 }],
      omitReimbursement: "AB-12",
      feeChange: { orderId: fbaId, description: "Commission", amountMinor: 300 },
    });
    await poll("settlements");
    // The journal would not balance against the deposit: the delivery parks with the reason.
    const [parked] = await waitFor(async () => {
      const rows = await store.rows<{ reason: string; destination: string }>(sql`
        select p.reason, p.destination from parked_deliveries p join events e on e.id = p.event_id where e.type = 'payout.settled' and e.payload->>'id' = ${id}`);
      return rows.length ? rows : undefined;
    }, { timeoutMs: 30_000, what: `the journal of ${id} parked` });
    expect(parked!.destination).toBe("quickbooks");
    expect(parked!.reason).toMatch(/add up to/);
    expect(journalsOf(id)).toEqual([]);

    const run = await reconcileNow(rt, { domain: "accounting", subject: id });
    expect(run.status).toBe("succeeded");
    const diffs = await diffsOf(id);
    expect(diffs.map((d) => d.kind)).toEqual(["settlement_mismatch", "undeposited_payout"]);
    const mismatch = diffs.find((d) => d.kind === "settlement_mismatch")!;
    const comparison = mismatch.evidence.detail.check.comparison;
    expect(comparison.missing).toEqual([expect.objectContaining({ kind: "reimbursement", sku: "AB-12", amount: { amountMinor: 2400, currency: "USD" } })]);
    expect(comparison.changed).toEqual([
      expect.objectContaining({
        expected: expect.objectContaining({ kind: "fee", description: "Commission", orderId: `amazon:${fbaId}`, amount: { amountMinor: -270, currency: "USD" } }),
        actual: expect.objectContaining({ amount: { amountMinor: -300, currency: "USD" } }),
        deltaMinor: -30,
      }),
    ]);
    expect(comparison.unexpected).toEqual([]);
    expect(comparison.unexplainedMinor).toBe(0);
    const bridge = mismatch.evidence.bridge.map((l: any) => l.text);
    expect(bridge).toEqual(expect.arrayContaining([
      expect.stringContaining("missing: reimbursement FBAInventoryReimbursement SKU AB-12 24.00 USD"),
      expect.stringContaining(`changed: fee Commission order ${fbaId} SKU CM-01 -2.70 USD → -3.00 USD`),
    ]));
    // The books do not have the deposit yet, and the finding says why.
    const undeposited = diffs.find((d) => d.kind === "undeposited_payout")!;
    expect(undeposited.evidence.cause).toBe("parked_delivery");
  }, 60_000);
});
