import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { loadLatestOrder } from "../../../pipeline/db/queries/order-queries";
import { reconcileNow } from "../../../pipeline/reconcile";
import type { Runtime } from "../../../pipeline/runtime";
import type { TestStore } from "../../../pipeline/testing/backends";
import { waitFor } from "../../../pipeline/testing/engine-backends";
import { startWorldHarness, type WorldHarness } from "../../../pipeline/testing/world-harness";
import { reconcilePayout } from "../../stripe";
import { startStripeWorld, type StripeWorld } from "../stripe-world";

/**
 * Stripe payouts end to end: Shopify checkouts paid through Stripe, a refund, then a signed
 * payout.paid webhook → payout.settled (read back from Stripe with its balance transactions) → a
 * settlement journal in QuickBooks, and the accounting reconciliation holding each payout against
 * the orders and refunds our log has for it. A payout with a short charge and a manual adjustment
 * is flagged with exactly those lines; a replayed or stale webhook changes nothing.
 */
describe("Stripe payouts end to end against the Shopify, Stripe and QuickBooks sandboxes", () => {
  let h: WorldHarness<StripeWorld>;
  let store: TestStore;
  let rt: Runtime;
  let world: StripeWorld;
  const address = { name: "Ada Park", address1: "1 Main St", city: "Denver", province: "CO", zip: "80202", country: "US" };

  beforeAll(async () => {
    h = await startWorldHarness((appUrl) => startStripeWorld({ appUrl }), { name: "stripe" });
    ({ store, world, rt } = h);
  });

  afterAll(async () => h?.close());

  const journalsOf = (payoutId: string) => world.quickbooks.state.list("JournalEntry").filter((j: any) => JSON.stringify(j).includes(payoutId));
  const settledEvents = async (payoutId: string) => (await store.rows<{ id: string }>(sql`select id from events where type = 'payout.settled' and payload->>'id' = ${payoutId}`)).length;
  const payoutWebhook = (payoutId: string) => world.stripe.webhooks.sent.find((s) => s.status === 202 && JSON.parse(s.body).type === "payout.paid" && JSON.parse(s.body).data.object.id === payoutId)!;
  const diffsOf = (subject: string) => store.rows<{ kind: string; status: string; evidence: any }>(sql`select kind, status, evidence from recon_diffs where domain = 'accounting' and subject = ${subject} order by kind`);

  let balancedPayout: string;
  let shortPayout: string;

  it("settles a payout from its signed webhook, journals it once, and reconciles it to the orders and the refund it paid", async () => {
    const a = await world.checkout({ lines: [{ sku: "AB-12", quantity: 2 }], email: "a@example.com", shippingMinor: 695, shippingAddress: address });
    const b = await world.checkout({ lines: [{ sku: "CM-01", quantity: 1 }], email: "b@example.com", shippingMinor: 0, shippingAddress: address });
    await waitFor(async () => (await loadLatestOrder(store, `shopify:${a.order.id}`)) && (await loadLatestOrder(store, `shopify:${b.order.id}`)), { what: "both orders captured from Shopify" });
    const refund = await world.shopify.refundOrder(a.order.id, { lines: [{ sku: "AB-12", quantity: 1, restock: true }] });
    world.stripe.addRefund({ charge: a.chargeId, amount: refund.totalMinor });
    await waitFor(async () => (await store.rows(sql`select 1 from events where type = 'refund.created' and order_number = ${a.order.name}`)).length, { what: "the refund captured from Shopify" });

    balancedPayout = world.stripe.createPayout({ status: "paid" }).id;
    await waitFor(() => journalsOf(balancedPayout).length, { timeoutMs: 30_000, what: `a QuickBooks journal for ${balancedPayout}` });
    expect(await settledEvents(balancedPayout)).toBe(1);
    const [settled] = await store.rows<{ payload: any }>(sql`select payload from events where type = 'payout.settled' and payload->>'id' = ${balancedPayout}`);
    const kinds = settled!.payload.lines.map((l: any) => l.kind).sort();
    expect(kinds).toEqual(["fee", "fee", "principal", "principal", "refund"]);

    // Exactly the two charges and the refund, each at the amount our log has for it.
    const expected = reconcilePayout(settled!.payload, {
      orders: [a, b].map((x) => ({ orderId: `shopify:${x.order.id}`, amountMinor: x.order.totalMinor })),
      refunds: [{ orderId: `shopify:${a.order.id}`, amountMinor: refund.totalMinor }],
    });
    expect(expected).toMatchObject({ balanced: true, missingInPayout: [], unexpectedInPayout: [], amountMismatches: [] });
    expect(expected.matches).toHaveLength(3);
    const run = await reconcileNow(rt, { domain: "accounting" });
    expect(run.status).toBe("succeeded");
    expect(run.findings.filter((f) => f.subject === balancedPayout)).toEqual([]);
    expect((await diffsOf(balancedPayout)).filter((d) => d.status === "open")).toEqual([]);
    const journal = journalsOf(balancedPayout)[0] as any;
    const bankId = (world.quickbooks.settings.accounts as Record<string, string>).bank;
    expect(Math.round(Number(journal.Line.find((l: any) => l.JournalEntryLineDetail.AccountRef.value === bankId).Amount) * 100)).toBe(settled!.payload.total.amountMinor);
  }, 120_000);

  it("flags a payout that does not match our orders with the exact lines: a short charge and an adjustment nobody expected", async () => {
    const c = await world.checkout({ lines: [{ sku: "TR-20", quantity: 1 }], email: "c@example.com", shippingMinor: 0, shippingAddress: address });
    // The storefront captured 1 cent of order D's total (a broken capture).
    const placed = await world.checkout({ lines: [{ sku: "HL-03", quantity: 2 }], email: "d@example.com", shippingMinor: 0, shippingAddress: address }, { chargeMinor: 1 });
    const dOrderId = `shopify:${placed.order.id}`;
    await waitFor(async () => (await loadLatestOrder(store, `shopify:${c.order.id}`)) && (await loadLatestOrder(store, dOrderId)), { what: "both orders captured" });
    world.stripe.addAdjustment({ amount: -1234, description: "Chargeback fee correction" });
    shortPayout = world.stripe.createPayout({ status: "paid" }).id;
    await waitFor(() => journalsOf(shortPayout).length, { timeoutMs: 30_000, what: `a QuickBooks journal for ${shortPayout}` });

    const run = await reconcileNow(rt, { domain: "accounting", subject: shortPayout });
    expect(run.status).toBe("succeeded");
    const mismatch = (await diffsOf(shortPayout)).find((x) => x.kind === "payout_mismatch")!;
    expect(mismatch).toMatchObject({ status: "open" });
    const r = mismatch.evidence.detail.reconciliation;
    expect(r.amountMismatches).toEqual([{ kind: "order", orderId: dOrderId, expectedMinor: placed.order.totalMinor, actualMinor: 1, differenceMinor: 1 - placed.order.totalMinor }]);
    expect(r.unexpectedInPayout).toEqual([expect.objectContaining({ kind: "adjustment", amountMinor: -1234, description: expect.stringContaining("Chargeback fee correction") })]);
    expect(r.missingInPayout).toEqual([]);
    expect(r.matches).toEqual([{ kind: "order", orderId: `shopify:${c.order.id}`, amountMinor: c.order.totalMinor }]);
    const text = mismatch.evidence.bridge.map((l: any) => l.text).join("\n");
    expect(text).toContain(`differs: order ${dOrderId}`);
    expect(text).toContain("Chargeback fee correction");
    // The books still match the bank: the journal deposits exactly what Stripe paid out.
    const journal = journalsOf(shortPayout)[0] as any;
    const bankId = (world.quickbooks.settings.accounts as Record<string, string>).bank;
    const [settled] = await store.rows<{ payload: any }>(sql`select payload from events where type = 'payout.settled' and payload->>'id' = ${shortPayout}`);
    expect(Math.round(Number(journal.Line.find((l: any) => l.JournalEntryLineDetail.AccountRef.value === bankId).Amount) * 100)).toBe(settled!.payload.total.amountMinor);
  }, 120_000);

  it("dedupes a replayed payout.paid and rejects a stale one: no second settlement, no second journal", async () => {
    const sent = payoutWebhook(balancedPayout);
    const post = (headers: Record<string, string>) => fetch(`${h.ingressUrl}/api/webhooks/stripe`, { method: "POST", body: sent.body, headers: { "content-type": "application/json", ...headers } });

    const replay = await post({ "stripe-signature": sent.headers["stripe-signature"]! });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toMatchObject({ accepted: 0, duplicates: 1 });

    const stale = await post({ "stripe-signature": world.stripe.signPayload(sent.body, { timestamp: Math.floor(Date.now() / 1000) - 3_600 }) });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: "bad_signature", quarantined: true, reason: expect.stringContaining("replay") });

    const forged = await post({ "stripe-signature": world.stripe.signPayload(sent.body, { secrets: ["whsec_not_the_endpoint_secret"] }) });
    expect(forged.status).toBe(401);

    await world.stripe.drainWebhooks();
    expect(await settledEvents(balancedPayout)).toBe(1);
    expect(journalsOf(balancedPayout)).toHaveLength(1);
    const [q] = await store.rows<{ n: number }>(sql`select count(*)::int as n from quarantine where connector = 'stripe' and reason_code = 'bad_signature'`);
    expect(q!.n).toBe(2);
  }, 60_000);
});
