import { describe, expect, it } from "vitest";
import { Payout as CanonicalPayout } from "../../../pipeline/model";
import { StripeBalanceTransaction, StripePayout } from "../api-schemas";
import { chargesToLookUp, mapStripePayout, orderIdFromReference, settlementKindOf, unixToIso } from "../map";

const PAYOUT = StripePayout.parse({
  id: "po_test",
  object: "payout",
  amount: 0,
  arrival_date: 1_764_201_600,
  automatic: true,
  created: 1_764_115_200,
  currency: "eur",
  status: "paid",
});

let n = 0;
function txn(t: Partial<StripeBalanceTransaction> & Pick<StripeBalanceTransaction, "amount" | "type" | "reporting_category">): StripeBalanceTransaction {
  const fee = (t.fee_details ?? []).reduce((s, f) => s + f.amount, 0);
  return StripeBalanceTransaction.parse({
    id: `txn_${++n}`,
    object: "balance_transaction",
    available_on: 1_764_000_000,
    created: 1_764_000_000 + n,
    currency: "eur",
    fee,
    fee_details: [],
    net: t.amount - fee,
    status: "available",
    source: null,
    ...t,
  });
}

const fee = (amount: number, type = "stripe_fee", description = "Stripe processing fees") => ({ amount, currency: "eur", type, description, application: null });

describe("mapStripePayout", () => {
  const charge = txn({
    amount: 10_000,
    type: "charge",
    reporting_category: "charge",
    fee_details: [fee(320), fee(150, "application_fee", "Platform fee"), fee(19, "tax", "VAT on fees")],
    source: { id: "ch_A", object: "charge", metadata: { order_id: "1001" }, description: "Order #1001" },
  });
  const pi = txn({
    amount: 2_500,
    type: "payment",
    reporting_category: "charge",
    fee_details: [fee(100)],
    source: { id: "py_B", object: "charge", metadata: {}, description: "Shop order #1002" },
  });
  const refund = txn({ amount: -3_000, type: "refund", reporting_category: "refund", source: { id: "re_C", object: "refund", metadata: {}, charge: "ch_A" } });
  const dispute = txn({
    amount: -2_500,
    type: "adjustment",
    reporting_category: "dispute",
    fee_details: [fee(1_500, "stripe_fee", "Dispute fee")],
    source: { id: "dp_D", object: "dispute", metadata: {}, charge: "py_B" },
  });
  const adjustment = txn({ amount: 77, type: "adjustment", reporting_category: "other_adjustment", description: "Goodwill credit" });
  const own = txn({ amount: 0, type: "payout", reporting_category: "payout", source: "po_test" });
  const all = [charge, pi, refund, dispute, adjustment];
  const total = all.reduce((s, t) => s + t.net, 0);
  const payout = mapStripePayout({ ...PAYOUT, amount: total }, [...all, { ...own, amount: -total, net: -total }]);

  it("is a valid canonical Payout whose lines sum exactly to the payout amount", () => {
    expect(CanonicalPayout.parse(payout)).toEqual(payout);
    expect(payout.lines.reduce((s, l) => s + l.amount.amountMinor, 0)).toBe(total);
    expect(payout.total).toEqual({ amountMinor: total, currency: "EUR" });
    expect(payout.depositDate).toBe("2025-11-27T00:00:00.000Z");
    expect(payout.periodStart).toBe(unixToIso(charge.created));
    expect(payout.periodEnd).toBe(unixToIso(adjustment.created));
  });

  it("splits a charge into its gross principal and one fee line per fee_details entry", () => {
    const lines = payout.lines.filter((l) => l.raw?.balance_transaction === charge.id);
    expect(lines.map((l) => [l.kind, l.amount.amountMinor, l.raw?.fee_type])).toEqual([
      ["principal", 10_000, undefined],
      ["fee", -320, "stripe_fee"],
      ["fee", -150, "application_fee"],
      ["fee", -19, "tax"],
    ]);
    expect(lines.every((l) => l.orderId === "1001" && l.amount.currency === "EUR")).toBe(true);
  });

  it("maps refund, dispute (type adjustment, reporting_category dispute) and adjustment kinds, with orders inherited from the charge", () => {
    const byTxn = (id: string) => payout.lines.filter((l) => l.raw?.balance_transaction === id).map((l) => [l.kind, l.amount.amountMinor, l.orderId]);
    expect(byTxn(pi.id)).toEqual([["principal", 2_500, "1002"], ["fee", -100, "1002"]]);
    expect(byTxn(refund.id)).toEqual([["refund", -3_000, "1001"]]);
    expect(byTxn(dispute.id)).toEqual([["dispute", -2_500, "1002"], ["fee", -1_500, "1002"]]);
    expect(byTxn(adjustment.id)).toEqual([["adjustment", 77, undefined]]);
    expect(payout.lines.some((l) => l.raw?.type === "payout")).toBe(false);
  });

  it("uses orders of charges from earlier payouts when given, and says which charges it needs", () => {
    const lateRefund = txn({ amount: -500, type: "refund", reporting_category: "refund", source: { id: "re_E", object: "refund", metadata: {}, charge: "ch_OLD" } });
    expect(chargesToLookUp([lateRefund, charge])).toEqual(["ch_OLD"]);
    const p = mapStripePayout({ ...PAYOUT, amount: -500 }, [lateRefund], { orderIdByCharge: { ch_OLD: "900" } });
    expect(p.lines[0]).toMatchObject({ kind: "refund", orderId: "900" });
    const tagged = txn({ amount: -500, type: "refund", reporting_category: "refund", source: { id: "re_F", object: "refund", metadata: { order_id: "901" }, charge: "ch_OLD" } });
    expect(chargesToLookUp([tagged])).toEqual([]);
  });

  it("keeps the lines summing to net when Stripe's fee breakdown is incomplete", () => {
    const odd = txn({ amount: 1_000, type: "charge", reporting_category: "charge", fee_details: [fee(20)] });
    const broken = { ...odd, fee: 50, net: 950 };
    const p = mapStripePayout({ ...PAYOUT, amount: 950 }, [broken]);
    expect(p.lines.map((l) => [l.kind, l.amount.amountMinor])).toEqual([["principal", 1_000], ["fee", -20], ["fee", -30]]);
  });

  it("maps a manual payout, which Stripe does not itemise, to one line of the full amount", () => {
    const p = mapStripePayout({ ...PAYOUT, automatic: false, amount: 4_200 }, []);
    expect(p.lines).toHaveLength(1);
    expect(p.lines[0]).toMatchObject({ kind: "other", amount: { amountMinor: 4_200, currency: "EUR" } });
  });
});

describe("helpers", () => {
  it("unixToIso gives UTC ISO-8601 with Z", () => {
    expect(unixToIso(0)).toBe("1970-01-01T00:00:00.000Z");
    expect(unixToIso(1_234_567_890)).toBe("2009-02-13T23:31:30.000Z");
  });

  it("orderIdFromReference follows the metadata-then-description convention", () => {
    expect(orderIdFromReference({ metadata: { order_id: " A-17 " }, description: "Order #99" })).toBe("A-17");
    expect(orderIdFromReference({ metadata: { order_number: "1003" } })).toBe("1003");
    expect(orderIdFromReference({ metadata: {}, description: "Payment for order 1004" })).toBe("1004");
    expect(orderIdFromReference({ metadata: {}, description: "Order of three mugs" })).toBeUndefined();
    expect(orderIdFromReference(null)).toBeUndefined();
  });

  it("settlementKindOf prefers reporting_category and falls back to type", () => {
    expect(settlementKindOf({ type: "adjustment", reporting_category: "dispute", source: null })).toBe("dispute");
    expect(settlementKindOf({ type: "adjustment", reporting_category: "refund_failure", source: null })).toBe("refund");
    expect(settlementKindOf({ type: "stripe_fee", reporting_category: "something_new", source: null })).toBe("fee");
    expect(settlementKindOf({ type: "payout", reporting_category: "payout", source: "po_1" }, "po_1")).toBe("excluded");
    expect(settlementKindOf({ type: "payout_failure", reporting_category: "payout_reversal", source: "po_0" }, "po_1")).toBe("adjustment");
  });
});
