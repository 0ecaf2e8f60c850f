import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LiveInstance } from "../../connector-instances";
import { Engine } from "../../engine";
import type { AccountingPosting, Payout } from "../../model";
import { InProcessTransport } from "../../queue/in-process";
import { staticDirectory } from "../../destinations";
import { openPgliteTestStore, type TestStore } from "../../testing/backends";
import { orderCreated } from "../../testing/sample-events";
import { getReconciliationReport, runReconciliation } from "..";

/**
 * Payouts and settlements against the deposits in the books, with the readers answering canned
 * records: the Stripe and Amazon sandboxes are not part of the DTC world yet. The logic under
 * test is ours (the line checks are the connectors' reconcilePayout and checkSettlement).
 */
const usd = (amountMinor: number) => ({ amountMinor, currency: "USD" });

function instance(id: string, type: string, readers: Record<string, (...args: any[]) => Promise<unknown>>, settings: Record<string, unknown> = {}): LiveInstance {
  return { id, definition: { id: type, displayName: type[0]!.toUpperCase() + type.slice(1), readers } as never, baseUrl: "", credentials: {}, settings, owner: `${id}@example.com`, enabled: true, client: {} };
}

function payout(id: string, total: number, lines: { kind: "principal" | "fee" | "refund"; orderId?: string; amount: number }[]): Payout {
  return { id, source: "stripe", total: usd(total), depositDate: "2026-11-27T00:00:00.000Z", lines: lines.map((l, i) => ({ settlementId: id, source: "stripe", kind: l.kind, orderId: l.orderId, description: `${l.kind} ${i}`, amount: usd(l.amount) })) };
}

function journal(payoutId: string, bank: number): AccountingPosting {
  return {
    id: `je-${payoutId}`, kind: "journal_entry", docNumber: `P-${payoutId}`, sourceId: payoutId, postedAt: "2026-11-27T01:00:00.000Z",
    lines: [{ description: "deposit", account: "35", side: "debit", amount: usd(bank) }, { description: "clearing", account: "36", side: "credit", amount: usd(bank) }],
    tax: usd(0), total: usd(bank), externalIds: {},
  };
}

describe("payouts and settlements against deposits", () => {
  let store: TestStore;
  const payouts: Payout[] = [];
  const settlements: Payout[] = [];
  const postings: AccountingPosting[] = [];
  const instances = () => [
    instance("stripe", "stripe", { payouts: async () => payouts }),
    instance("amazon", "amazon", { settlements: async () => settlements }),
    instance("quickbooks", "quickbooks", { postings: async () => postings }, { accounts: { bank: "35" } }),
  ];

  beforeAll(async () => {
    store = await openPgliteTestStore();
    const engine = new Engine({ store, transport: new InProcessTransport(), destinations: staticDirectory([]), rules: () => [] });
    await engine.capture("shopify", [orderCreated(1, { totals: { subtotal: usd(7018), discounts: usd(0), shipping: usd(0), tax: usd(0), total: usd(7018) } })]);
  });
  afterAll(async () => store?.dispose());

  it("agrees when a payout's lines add up, match the order and reach the bank", async () => {
    payouts.push(payout("po_ok", 6700, [{ kind: "principal", orderId: "shopify:1001", amount: 7018 }, { kind: "fee", amount: -318 }]));
    postings.push(journal("po_ok", 6700));
    const run = await runReconciliation({ store, instances }, { domain: "accounting" });
    expect(run.status, run.error).toBe("succeeded");
    expect(run.findings).toEqual([]);
  });

  it("finds a payout short of an order, an undeposited payout, a deposit that differs and a settlement that does not add up", async () => {
    payouts.push(payout("po_short", 6682, [{ kind: "principal", orderId: "shopify:1001", amount: 7000 }, { kind: "fee", amount: -318 }]));
    postings.push(journal("po_short", 6682));
    payouts.push(payout("po_missing", 1000, [{ kind: "principal", amount: 1000 }]));
    payouts.push(payout("po_diff", 2000, [{ kind: "principal", amount: 2000 }]));
    postings.push(journal("po_diff", 1990));
    settlements.push({ ...payout("amz_1", 5000, [{ kind: "principal", orderId: "amazon:111", amount: 5100 }, { kind: "fee", amount: -150 }]), source: "amazon" });
    postings.push(journal("amz_1", 5000));

    await runReconciliation({ store, instances }, { domain: "accounting" });
    const { findings } = await getReconciliationReport(store, { domain: "accounting" });
    const by = (subject: string) => findings.filter((f) => f.subject === subject).map((f) => [f.kind, f.cause]);
    expect(by("po_ok")).toEqual([]);
    expect(by("po_short")).toEqual([["payout_mismatch", "payout_lines_disagree"]]);
    expect(findings.find((f) => f.subject === "po_short")!.bridge.map((b) => b.text).join("\n")).toContain("differs: order shopify:1001 expected 70.18 USD, paid 70.00 USD (−0.18)");
    expect(by("po_missing")).toEqual([["undeposited_payout", "lost_webhook"]]);
    expect(by("po_diff")).toEqual([["deposit_mismatch", "deposit_amount_mismatch"]]);
    expect(findings.find((f) => f.subject === "po_diff")).toMatchObject({ evidence: { residual: -10 }, proposedRepair: { kind: "correct_posting", applied: false } });
    expect(by("amz_1")).toEqual([["settlement_mismatch", "settlement_lines_disagree"]]);
    expect(findings.find((f) => f.subject === "amz_1")!.summary).toContain("lines add up to 49.50 USD, total is 50.00 USD (difference -0.50 USD)");
  });
});
