import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Payout } from "../../../pipeline/model";
import { stripeConnector } from "../index";
import { loadCanonicalPayout } from "../load-payout";
import { reconcilePayout } from "../payout-reconcile";
import { startStripeSandbox, type StripeSandbox } from "../sandbox";
import type { StripeClient } from "../client";

const line = (kind: Payout["lines"][number]["kind"], amountMinor: number, orderId?: string, txn = `txn_${kind}_${orderId ?? "none"}`) => ({
  settlementId: "po_1",
  source: "stripe",
  kind,
  ...(orderId ? { orderId } : {}),
  description: `${kind} ${orderId ?? ""}`.trim(),
  amount: { amountMinor, currency: "USD" },
  raw: { balance_transaction: txn },
});

describe("reconcilePayout", () => {
  const payout: Payout = {
    id: "po_1",
    source: "stripe",
    total: { amountMinor: 10_000 - 320 + 5_001 - 175 - 2_000 + 0, currency: "USD" },
    lines: [
      line("principal", 10_000, "1001"),
      line("fee", -320, "1001"),
      line("principal", 5_001, "1002"),
      line("fee", -175, "1002"),
      line("refund", -2_000, "1003"),
    ],
  };

  it("is balanced when every order and refund is there with its amount", () => {
    const r = reconcilePayout({ ...payout, lines: payout.lines.map((l) => (l.orderId === "1002" && l.kind === "principal" ? { ...l, amount: { ...l.amount, amountMinor: 5_000 } } : l)), total: { amountMinor: payout.total.amountMinor - 1, currency: "USD" } }, {
      orders: [{ orderId: "1001", amountMinor: 10_000 }, { orderId: "1002", amountMinor: 5_000 }],
      refunds: [{ orderId: "1003", amountMinor: 2_000 }],
    });
    expect(r.balanced).toBe(true);
    expect(r.matches).toHaveLength(3);
    expect(r.feeTotal).toEqual({ amountMinor: 495, currency: "USD" });
  });

  it("itemises a refund missing from the payout, a charge one cent off and a line nobody expected", () => {
    const r = reconcilePayout(payout, {
      orders: [{ orderId: "1001", amountMinor: 10_000 }, { orderId: "1002", amountMinor: 5_000 }],
      refunds: [{ orderId: "1001", amountMinor: 1_500 }],
    });
    expect(r.balanced).toBe(false);
    expect(r.matches).toEqual([{ kind: "order", orderId: "1001", amountMinor: 10_000 }]);
    expect(r.missingInPayout).toEqual([{ kind: "refund", orderId: "1001", expectedMinor: 1_500 }]);
    expect(r.amountMismatches).toEqual([{ kind: "order", orderId: "1002", expectedMinor: 5_000, actualMinor: 5_001, differenceMinor: 1 }]);
    expect(r.unexpectedInPayout).toEqual([{ kind: "refund", orderId: "1003", amountMinor: -2_000, description: "refund 1003", balanceTransaction: "txn_refund_1003" }]);
    expect(r.net).toEqual(payout.total);
    expect(r.feeTotal.amountMinor).toBe(495);
  });

  it("is not balanced when the lines do not add up to the deposit, even if every order matches", () => {
    const r = reconcilePayout({ ...payout, total: { amountMinor: payout.total.amountMinor + 100, currency: "USD" } }, {
      orders: [{ orderId: "1001", amountMinor: 10_000 }, { orderId: "1002", amountMinor: 5_001 }],
      refunds: [{ orderId: "1003", amountMinor: 2_000 }],
    });
    expect(r.missingInPayout.length + r.amountMismatches.length + r.unexpectedInPayout.length).toBe(0);
    expect(r.net.amountMinor).toBe(r.total.amountMinor - 100);
    expect(r.balanced).toBe(false);
  });

  it("sums split charges and partial refunds per order before comparing", () => {
    const split: Payout = { ...payout, total: { amountMinor: 600, currency: "USD" }, lines: [line("principal", 400, "7", "t1"), line("principal", 300, "7", "t2"), line("refund", -60, "7", "t3"), line("refund", -40, "7", "t4")] };
    const r = reconcilePayout(split, { orders: [{ orderId: "7", amountMinor: 700 }], refunds: [{ orderId: "7", amountMinor: 100 }] });
    expect(r.balanced).toBe(true);
  });
});

describe("reconcilePayout on a payout read from the sandbox over HTTP", () => {
  let sandbox: StripeSandbox;
  let client: StripeClient;

  beforeAll(async () => {
    sandbox = await startStripeSandbox({ port: 0 });
    client = stripeConnector.createClient({ baseUrl: sandbox.url, credentials: sandbox.credentials });
  });
  afterAll(() => sandbox.close());

  it("finds the refund that settled elsewhere, the charge one cent off and the unexpected dispute", async () => {
    const a = sandbox.addCharge({ amount: 12_000, orderId: "2001" });
    sandbox.addCharge({ amount: 4_501, orderId: "2002" });
    const c = sandbox.addCharge({ amount: 3_000, orderId: "2003" });
    sandbox.addRefund({ charge: a.id, amount: 2_000 });
    sandbox.addDispute({ charge: c.id });
    const po = sandbox.createPayout();

    const payout = await loadCanonicalPayout(client, po.id);
    expect(payout.lines.reduce((s, l) => s + l.amount.amountMinor, 0)).toBe(po.amount);

    const r = reconcilePayout(payout, {
      orders: [
        { orderId: "2001", amountMinor: 12_000 },
        { orderId: "2002", amountMinor: 4_500 },
        { orderId: "2003", amountMinor: 3_000 },
      ],
      refunds: [
        { orderId: "2001", amountMinor: 2_000 },
        { orderId: "2002", amountMinor: 700 },
      ],
    });
    expect(r.balanced).toBe(false);
    expect(r.missingInPayout).toEqual([{ kind: "refund", orderId: "2002", expectedMinor: 700 }]);
    expect(r.amountMismatches).toEqual([{ kind: "order", orderId: "2002", expectedMinor: 4_500, actualMinor: 4_501, differenceMinor: 1 }]);
    expect(r.unexpectedInPayout).toEqual([expect.objectContaining({ kind: "dispute", orderId: "2003", amountMinor: -3_000 })]);
    expect(r.matches.map((m) => `${m.kind}:${m.orderId}`).sort()).toEqual(["order:2001", "order:2003", "refund:2001"]);
    // 2.9% + 30¢ on each charge plus the 15.00 dispute fee.
    expect(r.feeTotal.amountMinor).toBe(378 + 161 + 117 + 1_500);
    expect(r.net).toEqual(r.total);
  });
});
