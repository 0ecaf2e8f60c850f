import { describe, expect, it } from "vitest";
import { isClassifiedError } from "../../../pipeline/errors";
import { Order, Payout, Refund } from "../../../pipeline/model";
import { listFixtures, readFixture, readFixtureJson } from "../../../pipeline/testing/fixtures";
import { QboInvoice, QboItem, QboPayment, QboRefundReceipt, QboSalesReceipt } from "../api-schemas";
import { docNumberFor, requestIdFor } from "../identifiers";
import { journalEntryFromPayout, minorOf, postingFromQbo, refundReceiptFromRefund, salesReceiptFromOrder } from "../map";
import { QuickBooksSettings, txnDateOf } from "../settings";
import { readIntuitXml } from "../xml-reader";

const settings = QuickBooksSettings.parse({ accounts: { bank: "80", clearing: "81", fee: "82", refund: "87", reserve: "86" }, taxCodeId: "2" });
const items = { "AB-12": "1", "CM-01": "2", "TR-20": "3" };

function order(overrides: Partial<Record<string, unknown>> = {}): Order {
  return Order.parse({
    id: "shopify:5001",
    channel: "shopify",
    orderNumber: "#1042",
    channelOrderId: "5001",
    createdAt: "2026-11-27T07:30:00.000Z",
    currency: "USD",
    customer: { email: "ada@example.com", firstName: "Ada", lastName: "Lovelace" },
    lines: [
      { lineId: "1", sku: "AB-12", title: "Alpine Bottle 12oz", quantity: 2, unitPrice: { amountMinor: 2400, currency: "USD" }, taxes: [{ title: "CA", amount: { amountMinor: 319, currency: "USD" } }] },
      { lineId: "2", sku: "CM-01", title: "Camp Mug", quantity: 3, unitPrice: { amountMinor: 1999, currency: "USD" }, taxes: [] },
    ],
    shippingLines: [{ title: "UPS Ground", price: { amountMinor: 599, currency: "USD" }, taxes: [] }],
    discounts: [{ code: "BF10", amount: { amountMinor: 1080, currency: "USD" } }],
    // 2 × 24.00 + 3 × 19.99 = 107.97; − 10.80 + 5.99 + 3.19 = 106.35
    totals: {
      subtotal: { amountMinor: 10797, currency: "USD" },
      discounts: { amountMinor: 1080, currency: "USD" },
      shipping: { amountMinor: 599, currency: "USD" },
      tax: { amountMinor: 319, currency: "USD" },
      total: { amountMinor: 10635, currency: "USD" },
    },
    ...overrides,
  });
}

function validationOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (isClassifiedError(e)) return e;
    throw e;
  }
  throw new Error("expected a validation error");
}

describe("order → SalesReceipt", () => {
  it("posts lines, discount, shipping and tax that add up to the order total to the cent", () => {
    const { body, totalMinor } = salesReceiptFromOrder(order(), { itemIdBySku: items, customerId: "58" }, settings);
    expect(totalMinor).toBe(10635);
    expect(body.DocNumber).toBe("1042");
    expect(body.TxnDate).toBe("2026-11-27");
    expect(body.CustomerRef).toEqual({ value: "58" });
    expect(body.CurrencyRef).toBeUndefined();
    expect(body.TxnTaxDetail).toEqual({ TxnTaxCodeRef: { value: "2" }, TotalTax: 3.19 });
    expect(body.PrivateNote).toContain("[lk:order:#1042]");
    expect(body.Line).toEqual([
      { DetailType: "SalesItemLineDetail", Amount: 48, Description: "Alpine Bottle 12oz (AB-12)", SalesItemLineDetail: { ItemRef: { value: "1" }, Qty: 2, UnitPrice: 24, TaxCodeRef: { value: "TAX" } } },
      { DetailType: "SalesItemLineDetail", Amount: 59.97, Description: "Camp Mug (CM-01)", SalesItemLineDetail: { ItemRef: { value: "2" }, Qty: 3, UnitPrice: 19.99, TaxCodeRef: { value: "NON" } } },
      { DetailType: "SalesItemLineDetail", Amount: 5.99, Description: "UPS Ground", SalesItemLineDetail: { ItemRef: { value: "SHIPPING_ITEM_ID" }, TaxCodeRef: { value: "NON" } } },
      { DetailType: "DiscountLineDetail", Amount: 10.8, Description: "Discount BF10", DiscountLineDetail: { PercentBased: false } },
    ]);
    // What QBO computes: Σ item lines − discount + TotalTax, in exact minor units.
    const items_ = body.Line.filter((l) => l.DetailType === "SalesItemLineDetail").reduce((a, l) => a + minorOf(l.Amount, "USD"), 0);
    const discount = body.Line.filter((l) => l.DetailType === "DiscountLineDetail").reduce((a, l) => a + minorOf(l.Amount, "USD"), 0);
    expect(items_ - discount + minorOf(body.TxnTaxDetail.TotalTax, "USD")).toBe(10635);
    // The JSON QBO receives carries the decimals exactly.
    expect(JSON.stringify(body)).toContain('"Amount":59.97');
  });

  it("refuses an order whose parts do not add up, naming the figures", () => {
    const bad = order({ totals: { ...order().totals, total: { amountMinor: 10636, currency: "USD" } } });
    const e = validationOf(() => salesReceiptFromOrder(bad, { itemIdBySku: items }, settings));
    expect(e).toMatchObject({ errorClass: "validation", field: "totals.total" });
    expect(e.reason).toContain("106.35");
    expect(e.reason).toContain("106.36");
  });

  it("refuses a SKU with no QuickBooks item", () => {
    const e = validationOf(() => salesReceiptFromOrder(order(), { itemIdBySku: { "AB-12": "1" } }, settings));
    expect(e).toMatchObject({ errorClass: "validation", field: "lines[1].sku" });
  });

  it("refuses tax-inclusive prices instead of overstating income", () => {
    const e = validationOf(() => salesReceiptFromOrder(order({ taxesIncluded: true }), { itemIdBySku: items }, settings));
    expect(e).toMatchObject({ errorClass: "validation", field: "taxesIncluded" });
  });

  it("marks every item line taxable when only the order carries tax, and sends CurrencyRef for a foreign currency", () => {
    const o = order();
    const plain = Order.parse({ ...o, currency: "CAD", lines: o.lines.map((l) => ({ ...l, taxes: [], unitPrice: { ...l.unitPrice, currency: "CAD" } })), shippingLines: [], discounts: [],
      totals: { subtotal: { amountMinor: 10797, currency: "CAD" }, discounts: { amountMinor: 0, currency: "CAD" }, shipping: { amountMinor: 0, currency: "CAD" }, tax: { amountMinor: 540, currency: "CAD" }, total: { amountMinor: 11337, currency: "CAD" } } });
    const { body } = salesReceiptFromOrder(plain, { itemIdBySku: items }, settings);
    expect(body.CurrencyRef).toEqual({ value: "CAD" });
    expect(body.Line.map((l) => (l.DetailType === "SalesItemLineDetail" ? l.SalesItemLineDetail.TaxCodeRef?.value : "-"))).toEqual(["TAX", "TAX"]);
  });

  it("dates the receipt in the books' time zone", () => {
    expect(txnDateOf("2026-11-27T07:30:00.000Z", "America/Los_Angeles")).toBe("2026-11-26");
    const la = QuickBooksSettings.parse({ timeZone: "America/Los_Angeles" });
    expect(salesReceiptFromOrder(order(), { itemIdBySku: items }, la).body.TxnDate).toBe("2026-11-26");
    expect(() => QuickBooksSettings.parse({ timeZone: "Mars/Olympus" })).toThrow(/IANA/);
  });
});

describe("identifiers", () => {
  it("DocNumber: the order number without #, at most 21 characters, deterministic", () => {
    expect(docNumberFor("#1042")).toBe("1042");
    expect(docNumberFor("112-1234567-1234567")).toBe("112-1234567-1234567");
    const long = docNumberFor("PO-ACME-2026-000123456789");
    expect(long).toHaveLength(21);
    expect(long.startsWith("PO-ACME-2026")).toBe(true);
    expect(docNumberFor("PO-ACME-2026-000123456789")).toBe(long);
    expect(docNumberFor("PO-ACME-2026-000123456780")).not.toBe(long);
    expect(docNumberFor("1042", "W")).toBe("W1042");
  });

  it("requestid: at most 50 characters, stable per key and step", () => {
    expect(requestIdFor("evt_1:quickbooks:post_sales_receipt")).toBe("evt_1:quickbooks:post_sales_receipt");
    const long = "x".repeat(80);
    expect(requestIdFor(long).length).toBeLessThanOrEqual(50);
    expect(requestIdFor(long)).toBe(requestIdFor(long));
    expect(requestIdFor("k", "customer")).not.toBe(requestIdFor("k", "void:1:0"));
    expect(requestIdFor("k", "customer").length).toBeLessThanOrEqual(50);
  });
});

describe("refund → RefundReceipt", () => {
  const refund = (overrides: Record<string, unknown> = {}) =>
    Refund.parse({
      id: "shopify:refund:929361462",
      orderId: "shopify:5001",
      orderNumber: "#1042",
      channel: "shopify",
      createdAt: "2026-11-28T10:00:00.000Z",
      lines: [
        { sku: "AB-12", quantity: 1, amount: { amountMinor: 2400, currency: "USD" }, tax: { amountMinor: 160, currency: "USD" } },
        { sku: "CM-01", quantity: 3, amount: { amountMinor: 5000, currency: "USD" } },
        { sku: "TR-20", quantity: 1, amount: { amountMinor: 0, currency: "USD" }, restock: true },
      ],
      shippingRefund: { amountMinor: 599, currency: "USD" },
      total: { amountMinor: 8159, currency: "USD" },
      ...overrides,
    });

  it("posts refunded lines, shipping and tax, and pays them from the configured account", () => {
    const built = refundReceiptFromRefund(refund(), { itemIdBySku: items }, settings)!;
    expect(built.totalMinor).toBe(8159);
    expect(built.body.DocNumber).toBe("1042-R361462");
    expect(built.body.DepositToAccountRef).toEqual({ value: "81" });
    expect(built.body.TxnTaxDetail.TotalTax).toBe(1.6);
    expect(built.body.Line).toHaveLength(3);
    // 50.00 over 3 mugs does not divide: posted as an amount without a rounded unit price.
    expect(built.body.Line[1]).toMatchObject({ Amount: 50, Description: "CM-01 × 3", SalesItemLineDetail: { ItemRef: { value: "2" } } });
    expect(built.body.Line[1]!.SalesItemLineDetail.UnitPrice).toBeUndefined();
    expect(built.body.Line[0]!.SalesItemLineDetail).toMatchObject({ Qty: 1, UnitPrice: 24, TaxCodeRef: { value: "TAX" } });
    expect(built.body.Line[2]!.SalesItemLineDetail.ItemRef.value).toBe("SHIPPING_ITEM_ID");
    expect(built.body.PrivateNote).toContain("[lk:refund:shopify:refund:929361462]");
  });

  it("refuses a refund whose parts do not add up, and one with nowhere to pay from", () => {
    expect(validationOf(() => refundReceiptFromRefund(refund({ total: { amountMinor: 8000, currency: "USD" } }), { itemIdBySku: items }, settings))).toMatchObject({ field: "total" });
    const noAccounts = QuickBooksSettings.parse({});
    expect(validationOf(() => refundReceiptFromRefund(refund(), { itemIdBySku: items }, noAccounts))).toMatchObject({ field: "settings.accounts.refundFrom" });
  });

  it("posts nothing for a refund that moves no money", () => {
    const none = refund({ lines: [{ sku: "TR-20", quantity: 1, amount: { amountMinor: 0, currency: "USD" }, restock: true }], shippingRefund: undefined, total: { amountMinor: 0, currency: "USD" } });
    expect(refundReceiptFromRefund(none, { itemIdBySku: items }, settings)).toBeUndefined();
  });
});

describe("payout → JournalEntry", () => {
  const payout = Payout.parse({
    id: "po_1OaBcDeFgHiJkLmN",
    source: "stripe",
    depositDate: "2026-11-30T00:00:00.000Z",
    total: { amountMinor: 7180, currency: "USD" },
    lines: [
      { settlementId: "po_1", source: "stripe", kind: "principal", description: "charge ch_1", amount: { amountMinor: 6000, currency: "USD" } },
      { settlementId: "po_1", source: "stripe", kind: "principal", description: "charge ch_2", amount: { amountMinor: 4000, currency: "USD" } },
      { settlementId: "po_1", source: "stripe", kind: "fee", description: "fees", amount: { amountMinor: -320, currency: "USD" } },
      { settlementId: "po_1", source: "stripe", kind: "refund", description: "refund re_1", amount: { amountMinor: -2000, currency: "USD" } },
      { settlementId: "po_1", source: "stripe", kind: "reserve", description: "rolling reserve", amount: { amountMinor: -500, currency: "USD" } },
    ],
  });

  it("journals one line per kind (in the model's kind order) plus the bank deposit, balanced to the cent", () => {
    const built = journalEntryFromPayout(payout, settings)!;
    const side = (t: "Debit" | "Credit") => built.body.Line.filter((l) => l.JournalEntryLineDetail.PostingType === t).reduce((a, l) => a + minorOf(l.Amount, "USD"), 0);
    expect(side("Debit")).toBe(side("Credit"));
    expect(built.totalMinor).toBe(10000);
    expect(built.body.Line.map((l) => [l.JournalEntryLineDetail.PostingType, l.JournalEntryLineDetail.AccountRef.value, l.Amount])).toEqual([
      ["Debit", "80", 71.8],
      ["Credit", "81", 100],
      ["Debit", "82", 3.2],
      ["Debit", "87", 20],
      ["Debit", "86", 5],
    ]);
    expect(built.body.TxnDate).toBe("2026-11-30");
    expect(built.body.DocNumber).toBe("po_1OaBcDeFgHiJkLmN");
  });

  it("refuses lines that do not add up to the payout, and a missing bank account", () => {
    expect(validationOf(() => journalEntryFromPayout(Payout.parse({ ...payout, total: { amountMinor: 7000, currency: "USD" } }), settings))).toMatchObject({ field: "lines" });
    expect(validationOf(() => journalEntryFromPayout(payout, QuickBooksSettings.parse({ accounts: { clearing: "81" } })))).toMatchObject({ field: "settings.accounts.bank" });
  });
});

describe("QBO documents → AccountingPosting (fixtures)", () => {
  it("reads json/salesreceipt.read.json", () => {
    const doc = QboSalesReceipt.parse(readFixtureJson("quickbooks", "json", "salesreceipt.read.json").SalesReceipt);
    const p = postingFromQbo("sales_receipt", doc, { defaultCurrency: "USD", skuByItemId: { "4": "DESIGN" } });
    expect(p).toMatchObject({ id: "11", kind: "sales_receipt", docNumber: "1003", sourceId: "1003", postedAt: "2014-09-16T21:59:48.000Z" });
    expect(p.total).toEqual({ amountMinor: 33750, currency: "USD" });
    expect(p.tax).toEqual({ amountMinor: 0, currency: "USD" });
    expect(p.lines).toEqual([{ description: "Custom Design", sku: "DESIGN", quantity: 4.5, amount: { amountMinor: 33750, currency: "USD" } }]);
    expect(p.externalIds).toEqual({ quickbooks: "11" });
  });

  it("reads json/invoice.read.json: lines + tax = total", () => {
    const doc = QboInvoice.parse(readFixtureJson("quickbooks", "json", "invoice.read.json").Invoice);
    const p = postingFromQbo("invoice", doc, { defaultCurrency: "USD" });
    expect(p).toMatchObject({ docNumber: "1037", total: { amountMinor: 36207 }, tax: { amountMinor: 2682 } });
    expect(p.lines.map((l) => l.amount.amountMinor)).toEqual([27500, 1275, 4750]);
    expect(p.lines.reduce((a, l) => a + l.amount.amountMinor, 0) + p.tax.amountMinor).toBe(p.total.amountMinor);
  });

  it("reads xml/refund_receipt.xml with the small XML reader", () => {
    const doc = QboRefundReceipt.parse(readIntuitXml(readFixture("quickbooks", "xml", "refund_receipt.xml")).RefundReceipt);
    const p = postingFromQbo("refund_receipt", doc, { defaultCurrency: "EUR" });
    expect(p).toMatchObject({ id: "2", docNumber: "10030", postedAt: "2014-04-24T22:15:42.000Z" });
    expect(p.total).toEqual({ amountMinor: 33793, currency: "USD" });
    expect(p.tax).toEqual({ amountMinor: 2243, currency: "USD" });
    expect(p.lines).toEqual([{ description: "Deck Lumber", sku: undefined, quantity: 15, amount: { amountMinor: 34500, currency: "USD" } }]);
    // The sample's TotalAmt (337.93) is not its lines + tax (367.43): the posting reports what
    // QuickBooks says, and leaves judging it to the reconciliation.
    expect(p.lines[0]!.amount.amountMinor + p.tax.amountMinor).not.toBe(p.total.amountMinor);
  });

  it("reads xml/invoice.xml (a bare <Invoice>, with comments inside)", () => {
    const doc = QboInvoice.parse(readIntuitXml(readFixture("quickbooks", "xml", "invoice.xml")).Invoice);
    const p = postingFromQbo("invoice", doc, { defaultCurrency: "USD" });
    expect(p).toMatchObject({ id: "1", docNumber: "1001", total: { amountMinor: 5000, currency: "USD" }, tax: { amountMinor: 285, currency: "USD" } });
    expect(p.lines.map((l) => [l.description, l.amount.amountMinor])).toEqual([["Plush Baby Doll", 19899]]);
  });

  it("reads xml/fetch_sales_receipt_by_id.xml, flattening group lines, in its own currency", () => {
    const doc = QboSalesReceipt.parse(readIntuitXml(readFixture("quickbooks", "xml", "fetch_sales_receipt_by_id.xml")).SalesReceipt);
    const p = postingFromQbo("sales_receipt", doc, { defaultCurrency: "USD" });
    expect(p).toMatchObject({ docNumber: "1001", total: { amountMinor: 1000, currency: "BRL" } });
    expect(p.lines.map((l) => l.amount.amountMinor)).toEqual([1000, 1500]);
  });

  it("parses the entities that are not postings (payments, items) with their schemas", () => {
    const payment = QboPayment.parse(readFixtureJson("quickbooks", "json", "payment.read.json").Payment);
    expect(minorOf(payment.TotalAmt, "USD")).toBe(6500);
    expect(payment.Line[0]!.LinkedTxn?.[0]).toEqual({ TxnId: "70", TxnType: "Invoice" });
    const xmlPayment = QboPayment.parse(readIntuitXml(readFixture("quickbooks", "xml", "fetch_payment_by_id.xml")).Payment);
    expect(minorOf(xmlPayment.TotalAmt, "USD")).toBe(4000);
    expect(xmlPayment.CustomerRef.value).toBe("25342");
    expect(QboItem.parse(readFixtureJson("quickbooks", "json", "item.category.read.json").Item)).toMatchObject({ Id: "29", Type: "Category" });
    expect(QboItem.parse(readIntuitXml(readFixture("quickbooks", "xml", "fetch_item_by_id.xml")).Item)).toMatchObject({ Id: "2", Name: "Plush Baby Doll", IncomeAccountRef: { value: "1", name: "Sales" } });
  });

  it("reads every json and xml entity fixture", () => {
    const read = [...listFixtures("quickbooks/json").map((f) => ["json", f]), ...listFixtures("quickbooks/xml").map((f) => ["xml", f])];
    expect(read).toHaveLength(9);
    for (const [dir, file] of read) {
      const raw = readFixture("quickbooks", dir!, file!);
      const doc = dir === "json" ? JSON.parse(raw) : readIntuitXml(raw);
      const [entity] = Object.keys(doc).filter((k) => k !== "time" && k !== "xmlns");
      const entityDoc = (doc as Record<string, any>)[entity!];
      expect(typeof entityDoc.Id, `${dir}/${file}`).toBe("string");
    }
  });
});
