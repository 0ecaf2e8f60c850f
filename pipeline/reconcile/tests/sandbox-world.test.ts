import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { startSandboxWorld, type SandboxWorld } from "../../../connectors/sandbox-world/world";
import { loadConfig } from "../../config";
import { missingEvidence } from "../../db/queries/evidence-queries";
import { PollerRunner } from "../../pollers";
import { InProcessTransport } from "../../queue/in-process";
import { Runtime } from "../../runtime";
import { applyWorld } from "../../sandbox-world-config";
import { openPgliteTestStore, type TestStore } from "../../testing/backends";
import { transportBackends, waitFor } from "../../testing/engine-backends";
import { startIngressServer } from "../../testing/ingress-server";
import { getReconciliationReport, reconDepsOf, runReconciliation, saveReconSettings, scheduleReconciliation, type ReconDomain, type RunOptions } from "..";

/**
 * Reconciliation against the four DTC sandboxes, each its own system of record, with real orders
 * flowing through the pipeline over HTTP. Drift is injected in the sandboxes themselves; the
 * reconcilers must find each kind with the evidence that explains it, and must stay quiet about
 * work that is merely in flight.
 */
describe("reconciliation of the DTC sandbox world", () => {
  let store: TestStore;
  let rt: Runtime;
  let world: SandboxWorld;
  let ingress: { url: string; close(): Promise<void> };
  let poller: PollerRunner;
  const config = loadConfig({ LOOPKEEPER_DATA_DIR: mkdtempSync(join(tmpdir(), "lk-recon-")), LOOPKEEPER_DELIVERY_LEASE_SECONDS: "2", LOG_LEVEL: "warn" });
  const address = { name: "Ada Park", address1: "1 Main St", city: "Denver", province: "CO", zip: "80202", country: "US" };
  const orders: Record<string, Awaited<ReturnType<SandboxWorld["shopify"]["placeOrder"]>>> = {};

  const deps = () => ({ store, instances: () => rt.directory.listInstances() });
  const reconcile = (domain: ReconDomain, opts: Omit<RunOptions, "domain"> = {}) => runReconciliation(deps(), { domain, ...opts });
  const findingsOf = async (domain: ReconDomain, subject?: string) => (await getReconciliationReport(store, { domain, subject, status: "all", limit: 1000 })).findings;
  const openFor = async (domain: ReconDomain, subject: string) => (await findingsOf(domain, subject)).filter((f) => f.status === "open");

  /** The ERP stock poller, run when the test says so: publishing stock is part of what is tested. */
  const publishErpStock = async () => {
    const inst = rt.directory.instance("netsuite")!;
    await poller.runOnce("netsuite:inventory", inst, inst.definition.pollers!.inventory!);
  };
  const unfinished = async (except: string[] = []) => {
    const [r] = await store.rows<{ n: number }>(sql`
      select count(*)::int as n from deliveries where status in ('pending', 'in_flight', 'blocked')
         and id not in (select jsonb_array_elements_text(${JSON.stringify(except)}::jsonb))`);
    return r!.n;
  };
  const settle = async (except: string[] = []) => {
    await waitFor(async () => (await unfinished(except)) === 0, { timeoutMs: 60_000, what: "every delivery finished" });
    await publishErpStock();
    await waitFor(async () => (await unfinished(except)) === 0, { timeoutMs: 60_000, what: "stock published to the channel" });
  };
  const place = async (key: string, lines: { sku: string; quantity: number }[]) => {
    orders[key] = await world.shopify.placeOrder({ lines, email: `${key}@example.com`, shippingMinor: 695, shippingAddress: address });
    return orders[key]!;
  };
  const inAllSystems = (name: string) =>
    [...world.netsuite.state.transactions.values()].some((t) => t.type === "salesOrder" && t.otherRefNum === name) &&
    [...world.shipstation.state.orders.values()].some((o) => o.orderNumber === name) &&
    world.quickbooks.state.list("SalesReceipt").some((r: any) => r.DocNumber === name.replace("#", ""));

  beforeAll(async () => {
    store = await openPgliteTestStore();
    rt = await Runtime.open({ config, store, transport: new InProcessTransport() });
    ingress = await startIngressServer(() => rt);
    world = await startSandboxWorld({ appUrl: ingress.url });
    await applyWorld(rt, {
      ...world.config,
      // A NetSuite retry waits two minutes, so a failed attempt stays "retrying" while we look.
      instances: world.config.instances.map((i) => (i.id === "netsuite" ? { ...i, settings: { ...i.settings, policy: { backoff: { baseMs: 120_000, maxMs: 600_000 } } } } : i)),
    });
    await rt.reload();
    await rt.startWorkers({ pollers: false, reconcile: false });
    poller = new PollerRunner(store, rt.engine, () => rt.directory.listInstances());
    await settle();
  }, 120_000);

  afterAll(async () => {
    await rt?.halt();
    await world?.close();
    await ingress?.close();
    await store?.dispose();
  });

  it("finds every system agreeing on a settled world, with orders committed but not shipped", async () => {
    await place("a", [{ sku: "AB-12", quantity: 2 }, { sku: "CM-01", quantity: 1 }]);
    await place("b", [{ sku: "AB-12", quantity: 3 }]);
    await waitFor(() => inAllSystems(orders.a!.name) && inAllSystems(orders.b!.name), { timeoutMs: 60_000, what: "both orders in NetSuite, ShipStation and QuickBooks" });
    await settle();
    expect(world.netsuite.inventoryOf("AB-12", "main")).toMatchObject({ onHand: 400, committed: 5 });

    for (const domain of ["inventory", "orders", "shipments", "accounting"] as const) {
      const run = await reconcile(domain);
      expect(run.status, `${domain}: ${run.error}`).toBe("succeeded");
      // Nothing has shipped yet, so the shipments reconciler has nothing to check.
      if (domain !== "shipments") expect(run.checked).toBeGreaterThan(0);
    }
    // The only open finding is the world's deliberate catalogue gap: a SKU the ERP does not stock.
    const open = (await getReconciliationReport(store, { status: "open", limit: 1000 })).findings;
    expect(open.map((f) => `${f.domain}:${f.subject}:${f.kind}`)).toEqual(["inventory:ZZ-99@main:unknown_sku"]);
    expect(open[0]).toMatchObject({ cause: "sku_missing_in_erp", proposedRepair: { target: "netsuite", applied: false } });
    expect(await findingsOf("inventory", "AB-12")).toEqual([]);

    // On demand for one SKU: the bridge says why the 3PL and the ERP agree.
    const look = await reconcile("inventory", { subject: "AB-12" });
    const threePl = look.agreements!.find((a) => a.bridge.some((b) => b.text.startsWith("ShipStation")))!;
    const text = threePl.bridge.map((b) => b.text).join("\n");
    expect(text).toContain(`NetSuite main on hand 400, committed 5: ${orders.a!.name} ×2, ${orders.b!.name} ×3 not shipped`);
    expect(text).toContain("ShipStation main on hand 400, allocated 5");
    expect(text).toContain("difference 0 after commitments");
    const channel = look.agreements!.find((a) => a.bridge.some((b) => b.text.includes("safety stock")))!;
    expect(channel.bridge.map((b) => b.text).join("\n")).toContain("= 393 Shopify should list");
    expect((await getReconciliationReport(store, { subject: "AB-12" })).agreements.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it("explains an unreported cycle count in the 3PL, and opens a failure once it outlives the lag", async () => {
    world.shipstation.adjustInventory("TR-20", "main", -12, { silent: true });
    const first = await reconcile("inventory");
    const [f] = await openFor("inventory", "TR-20@main");
    expect(f).toMatchObject({ kind: "erp_3pl_mismatch", cause: "unreported_adjustment", severity: "warning", evidence: { residual: -12 } });
    expect(f!.sides).toMatchObject({ netsuite: { onHand: 120 }, shipstation: { onHand: 108 } });
    expect(f!.explanation).toContain("ShipStation 108 vs NetSuite 120");
    expect(f!.bridge.map((b) => b.text).join("\n")).toMatch(/−12: not explained by any order, shipment, return or adjustment in our log: a stock change recorded only in ShipStation/);
    expect(f!.proposedRepair).toMatchObject({ kind: "post_adjustment", target: "netsuite", params: { sku: "TR-20", location: "main", delta: -12 }, applied: false });
    // The ERP still publishes 120 − 2 to the channel: nothing is wrong between those two.
    expect((await findingsOf("inventory", "TR-20@main")).map((x) => x.kind)).toEqual(["erp_3pl_mismatch"]);
    expect(first.failuresOpened).toEqual([]);
    expect(f!.failureKey).toBeNull();

    const later = await reconcile("inventory", { now: new Date(Date.now() + 16 * 60_000) });
    expect(later.failuresOpened).toContain("recon|inventory|inventory_drift|shipstation");
    const [group] = await store.rows<{ rootCause: string; owner: string; status: string; title: string }>(sql`
      select root_cause as "rootCause", owner, status, title from failure_groups where key = 'recon|inventory|inventory_drift|shipstation'`);
    expect(group).toMatchObject({ rootCause: "inventory_drift", owner: "fulfilment@loopkeeper.example", status: "open" });
    const [again] = await openFor("inventory", "TR-20@main");
    expect(again!.failureKey).toBe("recon|inventory|inventory_drift|shipstation");
    expect(again!.firstSeenAt).toBe(f!.firstSeenAt);
  }, 60_000);

  it("explains a return restocked only in the 3PL by the refund in our log", async () => {
    const o = orders.a!;
    await world.shipstation.ship(`shopify:${o.id}`);
    await waitFor(() => world.shopify.state.fulfillments.some((x) => x.orderId === o.id), { timeoutMs: 30_000, what: "the fulfilment in Shopify" });
    await settle();
    // The customer sends one mug back: refunded without restock in the channel, so the ERP books no
    // receipt; the 3PL puts the parcel back on the shelf.
    const refund = await world.shopify.refundOrder(o.id, { lines: [{ sku: "CM-01", quantity: 1, restock: false }], note: "returned" });
    await settle();
    world.shipstation.adjustInventory("CM-01", "main", 1);

    await reconcile("inventory");
    const [f] = await openFor("inventory", "CM-01@main");
    expect(f).toMatchObject({ kind: "erp_3pl_mismatch", cause: "return_restocked_in_3pl_only", evidence: { residual: 1 } });
    expect(f!.bridge.map((b) => b.text).join("\n")).toContain(`+1: a return restocked only in ShipStation: refund shopify:refund:${refund.id} of order ${o.name} returned 1 × CM-01`);
    expect(f!.evidence.log.some((l) => l.type === "refund.created" && l.explains === "return_restocked_in_3pl_only")).toBe(true);
    expect(f!.proposedRepair).toMatchObject({ kind: "post_adjustment", target: "netsuite", params: { delta: 1, reason: "return_restock" } });
    expect(await missingEvidence(store, f!.evidence.refs)).toEqual([]);

    // The shipment itself is consistent everywhere; the refund is in the books.
    await reconcile("shipments");
    await reconcile("accounting");
    expect(await openFor("shipments", o.name)).toEqual([]);
    expect(await openFor("accounting", o.name)).toEqual([]);
  }, 90_000);

  it("finds lost webhooks: an order and a shipment that never reached us", async () => {
    world.shopify.faults.set({ webhooks: { drop: 1 } });
    const lost = await place("lost", [{ sku: "HL-03", quantity: 1 }]);
    world.shipstation.faults.set({ webhooks: { drop: 1 } });
    await world.shipstation.ship(`shopify:${orders.b!.id}`);

    await reconcile("orders");
    const [order] = await openFor("orders", lost.name);
    expect(order).toMatchObject({ kind: "not_received", cause: "lost_webhook", severity: "error", proposedRepair: { kind: "backfill_event", target: "shopify" } });
    expect(order!.summary).toContain("Loopkeeper never received it");

    await reconcile("accounting");
    expect((await openFor("accounting", lost.name)).map((x) => [x.kind, x.cause])).toEqual([["unposted_order", "lost_webhook"]]);

    await reconcile("inventory");
    await reconcile("shipments");
    const [ship] = await openFor("shipments", orders.b!.name);
    expect(ship).toMatchObject({ kind: "not_received", cause: "lost_webhook" });
    expect(Object.keys(ship!.sides).sort()).toEqual(["netsuite", "shipstation", "shopify"]);

    // In inventory the channel took a lamp the ERP never committed: the lost order is the bridge line.
    const [lamp] = await openFor("inventory", "HL-03@main");
    expect(lamp).toMatchObject({ kind: "channel_mismatch", cause: "lost_webhook", evidence: { residual: -1 }, proposedRepair: { kind: "backfill_event", params: { orderNumber: lost.name } } });
    // And the 3PL shipped 3 units the ERP still holds: the lost shipment is the bridge line.
    const [stock] = await openFor("inventory", "AB-12@main");
    expect(stock).toMatchObject({ kind: "erp_3pl_mismatch", cause: "lost_webhook", evidence: { residual: -3 } });
    // Order a (2 × AB-12) shipped and was fulfilled earlier; order b's 3 units left the 3PL unnoticed.
    expect(stock!.sides).toMatchObject({ netsuite: { onHand: 398, committed: 3 }, shipstation: { onHand: 395, allocated: 0 } });
    expect(stock!.bridge.map((b) => b.text).join("\n")).toContain(`−3: shipped by ShipStation in shipment shipstation:`);
    expect(stock!.bridge.map((b) => b.text).join("\n")).toContain(`of order ${orders.b!.name}`);
  }, 90_000);

  it("finds a double-posted receipt and a tax one cent off", async () => {
    world.quickbooks.doublePostNext();
    const twice = await place("twice", [{ sku: "SB-40", quantity: 1 }]);
    await waitFor(() => inAllSystems(twice.name), { timeoutMs: 30_000, what: "the order everywhere" });
    world.quickbooks.taxOffByOneCentNext();
    const cent = await place("cent", [{ sku: "FK-02", quantity: 1 }]);
    await waitFor(() => inAllSystems(cent.name), { timeoutMs: 30_000, what: "the order everywhere" });
    await settle();

    await reconcile("accounting");
    const [dup] = await openFor("accounting", twice.name);
    const docNumber = twice.name.replace("#", "");
    expect(dup).toMatchObject({ kind: "duplicate_posting", severity: "critical", cause: "double_posted", evidence: { residual: twice.totalMinor } });
    expect(dup!.proposedRepair).toMatchObject({ kind: "void_posting", target: "quickbooks", applied: false, params: { keep: { docNumber }, void: [{ docNumber: `${docNumber}-1` }] } });
    const [tax] = await openFor("accounting", cent.name);
    expect(tax).toMatchObject({ kind: "amount_mismatch", cause: "tax_mismatch", evidence: { residual: 1 } });
    expect(tax!.summary).toContain("+0.01");
    expect(tax!.proposedRepair).toMatchObject({ kind: "correct_posting", params: { field: "tax", fromMinor: cent.taxMinor + 1, toMinor: cent.taxMinor } });
  }, 90_000);

  it("names a delivery that is still parked, and proposes its retry through the approval flow once the drift outlives the lag", async () => {
    const o = orders.cent!;
    await world.shipstation.ship(`shopify:${o.id}`);
    await waitFor(() => world.shopify.state.fulfillments.some((x) => x.orderId === o.id), { timeoutMs: 30_000, what: "the fulfilment in Shopify" });
    await settle();
    // Someone deletes the channel-location → NetSuite-location mappings: a return restocked in the
    // channel then has no ERP location to be received at, and the ERP return parks.
    await store.rows(sql`delete from mappings where kind = 'netsuite_location'`);
    rt.engine.mappings.invalidate();
    await world.shopify.refundOrder(o.id, { lines: [{ sku: "FK-02", quantity: 1, restock: true }], note: "returned" });
    const [parked] = await waitFor(async () => {
      const rows = await store.rows<{ id: string }>(sql`
        select d.id from deliveries d join events e on e.id = d.event_id
         where e.order_number = ${o.name} and e.type = 'refund.created' and d.destination = 'netsuite' and d.status = 'parked'`);
      return rows.length ? rows : undefined;
    }, { timeoutMs: 30_000, what: "the NetSuite return parked" });
    await settle();

    const run = await runReconciliation(reconDepsOf(rt), { domain: "inventory", settings: { failAfterMs: 0 } });
    const [f] = await openFor("inventory", "FK-02@main");
    expect(f).toMatchObject({ kind: "channel_mismatch", cause: "parked_delivery", severity: "error" });
    expect(f!.bridge.map((b) => b.text).join("\n")).toMatch(/\+1 available: 1 returned and restocked by refund .* not yet received in NetSuite \(netsuite\.create_return parked after 1 attempt: .*restock location/);
    expect(f!.proposedRepair).toMatchObject({ kind: "retry_delivery", target: "netsuite", remediation: { kind: "retry", params: { deliveryIds: [parked!.id] } }, applied: false });
    // A return on its way into the ERP says nothing about the 3PL's shelf: no ERP-vs-3PL finding.
    expect((await findingsOf("inventory", "FK-02@main")).map((x) => x.kind)).toEqual(["channel_mismatch"]);

    // The ERP's own inventory failure group (opened by ZZ-99 earlier) now holds this drift too.
    expect(f!.failureKey).toBe("recon|inventory|inventory_drift|netsuite");
    const [group] = await store.rows<{ status: string; owner: string }>(sql`select status, owner from failure_groups where key = 'recon|inventory|inventory_drift|netsuite'`);
    expect(group).toEqual({ status: "open", owner: "erp-team@loopkeeper.example" });
    const remediationId = run.proposed![f!.id]!;
    const [rem] = await store.rows<{ kind: string; status: string; proposedBy: string; evidence: { kind: string; id: string }[]; params: unknown }>(sql`
      select kind, status, proposed_by as "proposedBy", evidence, params from remediations where id = ${remediationId}`);
    expect(rem).toMatchObject({ kind: "retry", status: "proposed", proposedBy: "reconciler", params: { deliveryIds: [parked!.id] } });
    expect(rem!.evidence).toEqual(expect.arrayContaining([{ kind: "recon_diff", id: f!.id }, { kind: "parked_delivery", id: parked!.id }]));
    expect((await openFor("inventory", "FK-02@main"))[0]!.proposedRepair).toMatchObject({ remediationId });
    // Proposed once: the next run does not propose it again, and nothing was applied.
    const again = await runReconciliation(reconDepsOf(rt), { domain: "inventory", settings: { failAfterMs: 0 } });
    expect(again.proposed).toEqual({});
    const [still] = await store.rows<{ status: string }>(sql`select status from deliveries where id = ${parked!.id}`);
    expect(still!.status).toBe("parked");
  }, 90_000);

  it("raises no alarm about an order whose ERP delivery is still retrying within the lag", async () => {
    world.netsuite.faults.set({ errors5xx: { count: 1 } });
    const slow = await place("slow", [{ sku: "SB-40", quantity: 2 }]);
    const [retrying] = await waitFor(async () => {
      const rows = await store.rows<{ id: string }>(sql`
        select d.id from deliveries d join events e on e.id = d.event_id
         where e.order_number = ${slow.name} and d.destination = 'netsuite' and d.status = 'pending' and d.attempts >= 1`);
      return rows.length ? rows : undefined;
    }, { timeoutMs: 30_000, what: "the NetSuite delivery retrying" });
    await waitFor(() => world.quickbooks.state.list("SalesReceipt").some((r: any) => r.DocNumber === slow.name.replace("#", "")), { timeoutMs: 30_000, what: "the receipt" });
    await waitFor(async () => (await unfinished([retrying!.id])) <= 1, { timeoutMs: 30_000, what: "everything else finished" });

    for (const domain of ["orders", "inventory", "accounting", "shipments"] as const) await reconcile(domain);
    expect(await openFor("orders", slow.name)).toEqual([]);
    const inFlight = (await findingsOf("orders", slow.name)).filter((f) => f.status === "in_flight");
    expect(inFlight.map((f) => [f.kind, f.sides && Object.keys(f.sides).includes("netsuite") ? "netsuite" : "shipstation"]).sort()).toEqual([["missing_order", "netsuite"], ["missing_order", "shipstation"]]);
    expect(inFlight[0]!.bridge.map((b) => b.text).join("\n")).toMatch(/within the lag/);
    expect(await openFor("inventory", "SB-40@main")).toEqual([]);
    const channel = (await findingsOf("inventory", "SB-40@main")).find((f) => f.kind === "channel_mismatch");
    expect(channel).toMatchObject({ status: "in_flight", severity: "info" });
    expect(channel!.bridge.map((b) => b.text).join("\n")).toContain(`−2 available: 2 committed by order ${slow.name}, not yet in NetSuite`);
    expect(await openFor("accounting", slow.name)).toEqual([]);

    // The retry lands: the in-flight findings resolve.
    await store.rows(sql`update deliveries set next_attempt_at = now() where id = ${retrying!.id}`);
    await rt.engine.enqueueDeliveries([{ id: retrying!.id, destination: "netsuite", nextAttemptAt: null }]);
    await waitFor(() => inAllSystems(slow.name), { timeoutMs: 30_000, what: "the order everywhere after the retry" });
    await settle();
    await reconcile("orders");
    await reconcile("inventory");
    expect((await findingsOf("orders", slow.name)).every((f) => f.status === "resolved")).toBe(true);
    expect((await findingsOf("inventory", "SB-40@main")).every((f) => f.status === "resolved")).toBe(true);
  }, 120_000);

  it("reports the latest findings with evidence, and resolves drift once the systems agree again", async () => {
    const report = await getReconciliationReport(store, { domain: "inventory" });
    expect(report.runs).toHaveLength(1);
    expect(report.runs[0]!.summary).toMatchObject({ timings: { readMs: expect.any(Number), computeMs: expect.any(Number), storeMs: expect.any(Number) } });
    expect(report.findings.map((f) => f.subject)).toEqual(expect.arrayContaining(["TR-20@main", "CM-01@main", "AB-12@main"]));
    expect(report.counts.open).toBeGreaterThanOrEqual(3);

    // Someone counts TR-20 in the ERP too and books the same −12: the drift and its failure resolve.
    world.netsuite.adjustInventory("TR-20", "main", -12, "cycle count");
    await settle();
    const run = await reconcile("inventory");
    expect((await findingsOf("inventory", "TR-20@main")).map((f) => f.status)).toEqual(["resolved"]);
    expect(run.resolved).toBeGreaterThanOrEqual(1);
    // The drift that outlived the lag is gone; the younger ShipStation findings have not opened it again (yet).
    expect(run.failuresResolved).toEqual(["recon|inventory|inventory_drift|shipstation"]);
    const [group] = await store.rows<{ status: string }>(sql`select status from failure_groups where key = 'recon|inventory|inventory_drift|shipstation'`);
    expect(group!.status).toBe("resolved");
    const audit = await store.rows<{ action: string }>(sql`select action from audit_log where subject = 'failure_group:recon|inventory|inventory_drift|shipstation' order by seq`);
    expect(audit.map((a) => a.action)).toEqual(["failure_group.opened", "failure_group.resolved"]);
  }, 60_000);

  it("records a run that failed because a system could not be read, after retrying", async () => {
    world.shipstation.faults.set({ errors5xx: { count: 50, status: 503 } });
    try {
      const run = await reconcile("shipments");
      expect(run).toMatchObject({ status: "failed", error: expect.stringMatching(/shipstation shipments reader: .*503/) });
      const report = await getReconciliationReport(store, { domain: "shipments" });
      expect(report.runs[0]).toMatchObject({ id: run.runId, status: "failed", summary: { error: run.error } });
    } finally {
      world.shipstation.faults.set({ errors5xx: { count: 0 } });
    }
  }, 60_000);

  it.each(transportBackends().map((b) => [b.name, b] as const))("runs on its schedule with the %s transport", async (_name, backend) => {
    await saveReconSettings(store, "shipments", { everyMs: 150 }, "test");
    const transport = await backend.open();
    const count = async () => {
      const [r] = await store.rows<{ n: number }>(sql`select count(*)::int as n from recon_runs where domain = 'shipments' and summary->>'trigger' = 'schedule' and status = 'succeeded'`);
      return r!.n;
    };
    const before = await count();
    try {
      const scheduled = await scheduleReconciliation({ ...deps(), transport });
      expect(scheduled).toEqual(["inventory", "orders", "shipments", "accounting"]);
      await waitFor(async () => (await count()) >= before + 2, { timeoutMs: 30_000, what: "two scheduled shipments runs" });
    } finally {
      if (transport.kind === "bullmq") await (transport as import("../../queue/bullmq").BullmqTransport).obliterate(["inventory", "orders", "shipments", "accounting"].map((d) => `schedule-reconcile-${d}`));
      await transport.close();
      await saveReconSettings(store, "shipments", { everyMs: 15 * 60_000 }, "test");
    }
  }, 60_000);
});
