import { describe, expect, it } from "vitest";
import { Payout } from "../../../pipeline/model";
import { readFixture } from "../../../pipeline/testing/fixtures";
import { generateSettlementReport, type SettlementSpec } from "../sandbox/settlement-file";
import {
  SETTLEMENT_COLUMNS,
  checkSettlement,
  describeSettlementCheck,
  kindOfSettlementRow,
  parseAmazonAmount,
  parseSettlementDate,
  parseSettlementReport,
} from "../settlement-report";

const header = readFixture("amazon/reports/settlement-flat-file-v2.header.tsv");

/** A realistic two-week US settlement: FBA and FBM orders, a refund, a reimbursement, fees, reserve. */
const usSpec: SettlementSpec = {
  settlementId: "11872649211",
  orders: [
    { orderId: "113-4055532-1869038", sku: "AB-12", quantity: 2, principalMinor: 4800, taxMinor: 384, commissionMinor: 720, fbaFeeMinor: 644 },
    { orderId: "113-8771450-0213062", sku: "CM-01", principalMinor: 1800, taxMinor: 144, promotionMinor: 180 },
    { orderId: "114-2214887-5510611", sku: "TR-20", principalMinor: 4500, shippingMinor: 599, fulfillment: "MFN" },
  ],
  refunds: [{ orderId: "113-4055532-1869038", sku: "AB-12", principalMinor: 2400, taxMinor: 192 }],
  reimbursements: [{ sku: "CM-01", reason: "WAREHOUSE_DAMAGE", amountMinor: 1150 }],
  fees: [{ description: "Storage Fee", amountMinor: 312 }],
  reserve: { previousMinor: 2500, currentMinor: 3100 },
};

describe("settlement flat file V2: columns", () => {
  it("knows exactly the columns of the fixture header and of the column specification", () => {
    expect(header.trimEnd().split("\t")).toEqual([...SETTLEMENT_COLUMNS]);
    const spec = readFixture("amazon/reports/settlement-flat-file-v2.columns.csv").trim().split("\n").slice(1);
    expect(spec.map((l) => l.split(",")[1])).toEqual([...SETTLEMENT_COLUMNS]);
    expect(spec.map((l) => Number(l.split(",")[0]))).toEqual(SETTLEMENT_COLUMNS.map((_, i) => i + 1));
  });

  it("generates files whose header is the fixture header", () => {
    const { tsv } = generateSettlementReport(usSpec);
    expect(tsv.split("\n")[0] + "\n").toBe(header.endsWith("\n") ? header : header + "\n");
  });
});

describe("parseSettlementReport", () => {
  it("turns a realistic report into a Payout whose lines add up to total-amount", () => {
    const { tsv, totalMinor } = generateSettlementReport(usSpec);
    const payout = parseSettlementReport(tsv);
    expect(Payout.parse(payout)).toEqual(payout);
    expect(payout).toMatchObject({
      id: "11872649211",
      source: "amazon",
      periodStart: "2026-11-01T08:00:00.000Z",
      periodEnd: "2026-11-15T08:00:00.000Z",
      depositDate: "2026-11-17T08:00:00.000Z",
      total: { amountMinor: totalMinor, currency: "USD" },
    });
    // Orders 3436 + 1028 + 4424, refund −2112, reimbursement 1150, storage −312, reserve 2500 − 3100.
    expect(totalMinor).toBe(7014);
    const check = checkSettlement(payout);
    expect(check).toMatchObject({ balanced: true, differenceMinor: 0, sumMinor: 7014, totalMinor: 7014 });
    expect(Object.fromEntries(Object.entries(check.byKind).map(([k, v]) => [k, [v!.count, v!.amountMinor]]))).toEqual({
      principal: [3, 11100],
      tax: [6, 0],
      shipping: [1, 599],
      fee: [8, -2655],
      promotion: [1, -180],
      refund: [1, -2400],
      reimbursement: [1, 1150],
      reserve: [2, -600],
    });
    const commission = payout.lines.find((l) => l.description === "Commission" && l.orderId === "amazon:113-4055532-1869038" && l.amount.amountMinor < 0)!;
    expect(commission).toMatchObject({ kind: "fee", sku: "AB-12", amount: { amountMinor: -720, currency: "USD" }, postedAt: "2026-11-01T09:00:00.000Z" });
    expect(commission.raw).toMatchObject({ "transaction-type": "Order", "amount-type": "ItemFees", "fulfillment-id": "AFN", "marketplace-name": "Amazon.com" });
    expect(commission.raw).not.toHaveProperty("total-amount");
  });

  it("reads EU files: decimal commas and dotted dates give the same minor units", () => {
    const spec: SettlementSpec = { ...usSpec, settlementId: "22001", currency: "EUR", marketplaceName: "Amazon.de", format: { dates: "dotted" } };
    const { tsv, totalMinor } = generateSettlementReport(spec);
    expect(tsv).toMatch(/\t48,00\t/);
    expect(tsv).toMatch(/01\.11\.2026 08:00:00 UTC/);
    const payout = parseSettlementReport(tsv);
    expect(payout.total).toEqual({ amountMinor: totalMinor, currency: "EUR" });
    expect(payout.periodStart).toBe("2026-11-01T08:00:00.000Z");
    expect(payout.lines.find((l) => l.description === "Principal")!.amount.amountMinor).toBe(4800);
    expect(checkSettlement(payout).balanced).toBe(true);
    // Amazon.de has no marketplace-facilitator withholding: taxes stay in the payout.
    expect(payout.lines.some((l) => /Withheld|Facilitator/.test(l.description))).toBe(false);
  });

  it("parses amounts in both decimal styles without float error", () => {
    expect(parseAmazonAmount("95,00", "EUR")).toBe(9500);
    expect(parseAmazonAmount("-0,30", "EUR")).toBe(-30);
    expect(parseAmazonAmount("1.234,56", "EUR")).toBe(123456);
    expect(parseAmazonAmount("1234.56", "USD")).toBe(123456);
    expect(parseAmazonAmount("-12.5", "USD")).toBe(-1250);
    expect(parseAmazonAmount("0.29", "USD")).toBe(29);
    expect(parseAmazonAmount("1200", "JPY")).toBe(1200);
    expect(parseAmazonAmount("1,5", "EUR", ",")).toBe(150);
    expect(() => parseAmazonAmount("12,34.5x", "USD")).toThrow(expect.objectContaining({ errorClass: "validation" }));
  });

  it("parses the date formats Amazon uses into UTC", () => {
    expect(parseSettlementDate("2021-05-27 19:42:33 UTC")).toBe("2021-05-27T19:42:33.000Z");
    expect(parseSettlementDate("2021-05-27T19:42:33+00:00")).toBe("2021-05-27T19:42:33.000Z");
    expect(parseSettlementDate("2021-05-27T21:42:33+02:00")).toBe("2021-05-27T19:42:33.000Z");
    expect(parseSettlementDate("27.05.2021 19:42:33 UTC")).toBe("2021-05-27T19:42:33.000Z");
    expect(parseSettlementDate("2021-05-27 12:42:33 PDT")).toBe("2021-05-27T19:42:33.000Z");
    expect(parseSettlementDate("27/05/2021")).toBe("2021-05-27T00:00:00.000Z");
    expect(parseSettlementDate("05/27/2021")).toBe("2021-05-27T00:00:00.000Z");
    expect(parseSettlementDate("04/05/2021", { dayFirst: false })).toBe("2021-04-05T00:00:00.000Z");
    expect(parseSettlementDate("04/05/2021", { dayFirst: true })).toBe("2021-05-04T00:00:00.000Z");
    expect(parseSettlementDate("2021-05-27")).toBe("2021-05-27T00:00:00.000Z");
    expect(parseSettlementDate("31.02.2021")).toBeUndefined();
    expect(parseSettlementDate("yesterday")).toBeUndefined();
  });

  it("classifies the amount types and descriptions Amazon writes", () => {
    const k = (tx: string, type: string, desc: string) => kindOfSettlementRow({ "transaction-type": tx, "amount-type": type, "amount-description": desc });
    expect(k("Order", "ItemPrice", "Principal")).toBe("principal");
    expect(k("Order", "ItemPrice", "Tax")).toBe("tax");
    expect(k("Order", "ItemPrice", "ShippingTax")).toBe("tax");
    expect(k("Order", "ItemPrice", "Shipping")).toBe("shipping");
    expect(k("Order", "ItemFees", "Commission")).toBe("fee");
    expect(k("Order", "ItemFees", "FBAPerUnitFulfillmentFee")).toBe("fee");
    expect(k("Order", "ItemFees", "SalesTaxCollectionFee")).toBe("fee");
    expect(k("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal")).toBe("tax");
    expect(k("Order", "Promotion", "Principal")).toBe("promotion");
    expect(k("Refund", "ItemPrice", "Principal")).toBe("refund");
    expect(k("Refund", "ItemPrice", "Tax")).toBe("tax");
    expect(k("Refund", "ItemFees", "RefundCommission")).toBe("fee");
    expect(k("other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE")).toBe("reimbursement");
    expect(k("other-transaction", "other-transaction", "REVERSAL_REIMBURSEMENT")).toBe("reimbursement");
    expect(k("other-transaction", "other-transaction", "Previous Reserve Amount Balance")).toBe("reserve");
    expect(k("other-transaction", "other-transaction", "Current Reserve Amount")).toBe("reserve");
    expect(k("other-transaction", "other-transaction", "Storage Fee")).toBe("fee");
    expect(k("other-transaction", "other-transaction", "Subscription Fee")).toBe("fee");
    expect(k("ServiceFee", "Cost of Advertising", "TransactionTotalAmount")).toBe("fee");
    expect(k("Chargeback Refund", "ItemPrice", "Principal")).toBe("dispute");
    expect(k("A-to-z Guarantee Claim", "ItemPrice", "Principal")).toBe("dispute");
    expect(k("other-transaction", "other-transaction", "Payable to Amazon")).toBe("adjustment");
    expect(k("other-transaction", "other-transaction", "Something new")).toBe("other");
  });

  it("reads columns by name (reordered, extra, quoted) and rejects files it cannot trust", () => {
    const { tsv } = generateSettlementReport({ ...usSpec, settlementId: "330" });
    const rows = tsv.trimEnd().split("\n").map((l) => l.split("\t"));
    const order = [...rows[0]!.keys()].reverse();
    const reordered = rows.map((r, i) => [...order.map((j) => (i > 0 && j === 14 ? `"${r[j]}"` : r[j])), i === 0 ? "new-column" : "x"].join("\t")).join("\r\n");
    const a = parseSettlementReport(tsv);
    const b = parseSettlementReport("\uFEFF" + reordered);
    expect(b.lines.map((l) => [l.kind, l.amount.amountMinor])).toEqual(a.lines.map((l) => [l.kind, l.amount.amountMinor]));
    expect(b.total).toEqual(a.total);

    const withoutAmount = rows.map((r) => r.filter((_, j) => j !== 14).join("\t")).join("\n");
    expect(() => parseSettlementReport(withoutAmount)).toThrow(expect.objectContaining({ errorClass: "validation", field: "amount" }));
    const mixed = tsv.replace(/\n330\t(?=[^\n]*\tOrder\t)/, "\n331\t");
    expect(() => parseSettlementReport(mixed)).toThrow(expect.objectContaining({ field: "settlement-id" }));
    expect(() => parseSettlementReport("")).toThrow(expect.objectContaining({ errorClass: "validation" }));
  });
});

describe("checkSettlement: a deliberate discrepancy is itemised", () => {
  const spec: SettlementSpec = {
    ...usSpec,
    settlementId: "44001",
    reimbursements: [
      { sku: "CM-01", reason: "WAREHOUSE_DAMAGE", amountMinor: 1150 },
      { sku: "TR-20", reason: "WAREHOUSE_LOST", amountMinor: 3375 },
    ],
    omitReimbursement: "TR-20",
    feeChange: { orderId: "113-8771450-0213062", description: "Commission", amountMinor: 315 },
  };

  it("reports the difference between the lines and total-amount, grouped by kind", () => {
    const { tsv, totalMinor } = generateSettlementReport(spec);
    const payout = parseSettlementReport(tsv);
    expect(payout.total.amountMinor).toBe(totalMinor);
    const check = checkSettlement(payout);
    // The lost-item reimbursement (+33.75) is missing; the commission grew from 2.70 to 3.15 (−0.45).
    expect(check.balanced).toBe(false);
    expect(check.differenceMinor).toBe(-3375 - 45);
    expect(check.byKind.reimbursement).toMatchObject({ count: 1, amountMinor: 1150 });
    expect(check.byKind.fee!.lines.map((l) => l.amount.amountMinor)).toContain(-315);
  });

  it("names the exact missing and changed lines against the expected ones", () => {
    const { tsv, truthTsv } = generateSettlementReport(spec);
    const payout = parseSettlementReport(tsv);
    const expected = parseSettlementReport(truthTsv).lines;
    const check = checkSettlement(payout, expected);
    expect(check.comparison!.missing).toEqual([expect.objectContaining({ kind: "reimbursement", description: "WAREHOUSE_LOST", sku: "TR-20", amount: { amountMinor: 3375, currency: "USD" } })]);
    expect(check.comparison!.changed).toEqual([
      {
        expected: expect.objectContaining({ kind: "fee", description: "Commission", orderId: "amazon:113-8771450-0213062", amount: { amountMinor: -270, currency: "USD" } }),
        actual: expect.objectContaining({ kind: "fee", description: "Commission", orderId: "amazon:113-8771450-0213062", amount: { amountMinor: -315, currency: "USD" } }),
        deltaMinor: -45,
      },
    ]);
    expect(check.comparison!.unexpected).toEqual([]);
    expect(check.comparison!.byKind).toEqual({ reimbursement: -3375, fee: -45 });
    expect(check.comparison!.explainedMinor).toBe(check.differenceMinor);
    expect(check.comparison!.unexplainedMinor).toBe(0);
    expect(describeSettlementCheck(check)).toEqual([
      "settlement 44001: lines add up to 69.69 USD, total is 103.89 USD (difference -34.20 USD)",
      "missing: reimbursement WAREHOUSE_LOST SKU TR-20 33.75 USD",
      "changed: fee Commission order 113-8771450-0213062 SKU CM-01 -2.70 USD → -3.15 USD",
    ]);
  });

  it("matches a clean settlement line for line", () => {
    const { tsv, truthTsv } = generateSettlementReport({ ...usSpec, settlementId: "44002" });
    const check = checkSettlement(parseSettlementReport(tsv), parseSettlementReport(truthTsv).lines);
    expect(check.comparison).toMatchObject({ missing: [], unexpected: [], changed: [], explainedMinor: 0, unexplainedMinor: 0 });
  });
});
