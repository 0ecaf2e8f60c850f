import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isClassifiedError, type ClassifiedError } from "../../../pipeline/errors";
import { Order, Payout, Refund } from "../../../pipeline/model";
import type { QuickBooksClient } from "../client";
import { QuickBooksCredentials, quickbooks } from "../index";
import { minorOf } from "../map";
import { startQuickBooksSandbox, type QuickBooksSandbox } from "../sandbox/server";
import { deliveryContext, shopOrder } from "./delivery-context";

let sb: QuickBooksSandbox;
let client: QuickBooksClient;
let settings: Record<string, unknown>;

beforeAll(async () => {
  sb = await startQuickBooksSandbox();
  client = quickbooks.createClient({ baseUrl: sb.url, credentials: sb.credentials });
  settings = { ...sb.settings, customerId: sb.webCustomerId, taxCodeId: "2" };
});

afterEach(() => sb.faults.reset());

afterAll(async () => {
  await sb.close();
});

const destinations = () => quickbooks.destinations!;

async function failure(p: Promise<unknown>): Promise<ClassifiedError> {
  try {
    await p;
  } catch (e) {
    if (isClassifiedError(e)) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

function postOrder(order: Order, key: string, extra: { settings?: Record<string, unknown>; mappings?: Record<string, string> } = {}) {
  return destinations().post_sales_receipt!.deliver(client, deliveryContext("order.created", order, { key, action: "post_sales_receipt", settings: extra.settings ?? settings, mappings: extra.mappings }));
}

describe("QuickBooks destinations against the sandbox over HTTP", () => {
  it("passes the connection test with CompanyInfo", async () => {
    await expect(quickbooks.testConnection(client)).resolves.toEqual({ ok: true, detail: `connected to Loopkeeper Sandbox Co. (realm ${sb.realmId})` });
  });

  it("declares what it does", () => {
    expect(quickbooks.capabilities.destination.sort()).toEqual(["post_journal", "post_refund_receipt", "post_sales_receipt", "void_sales_receipt"]);
    expect(Object.fromEntries(Object.entries(destinations()).map(([k, d]) => [k, d.accepts]))).toEqual({
      post_sales_receipt: ["order.created"],
      post_refund_receipt: ["refund.created"],
      void_sales_receipt: ["order.cancelled"],
      post_journal: ["payout.settled"],
    });
    expect(quickbooks.ratePolicy).toMatchObject({ concurrency: 10, perSecond: 8 });
    const shape = QuickBooksCredentials.shape;
    const secrets = Object.entries(shape).filter(([, f]) => (f.meta() as { secret?: boolean } | undefined)?.secret).map(([k]) => k);
    expect(secrets.sort()).toEqual(["accessToken", "clientSecret", "refreshToken", "webhookVerifierToken"]);
    expect(Object.values(shape).every((f) => !!f.description)).toBe(true);
  });

  it("posts a sales receipt whose lines, discount, shipping and tax add up to the order total to the cent", async () => {
    const result = await postOrder(shopOrder("#2001"), "k-2001");
    const stored = sb.state.table("SalesReceipt").get(result.externalId!)!;
    expect(stored.DocNumber).toBe("2001");
    expect(stored.TotalAmt).toBe(70.18);
    expect(stored.TxnTaxDetail).toEqual({ TxnTaxCodeRef: { value: "2" }, TotalTax: 4.79 });
    expect(stored.CustomerRef).toEqual({ value: sb.webCustomerId, name: "Web Sales" });
    const lines = stored.Line.map((l: any) => [l.DetailType, l.SalesItemLineDetail?.ItemRef?.value ?? null, l.Amount]);
    expect(lines).toEqual([
      ["SalesItemLineDetail", "1", 48],
      ["SalesItemLineDetail", "2", 18],
      ["SalesItemLineDetail", "SHIPPING_ITEM_ID", 5.99],
      ["DiscountLineDetail", null, 6.6],
      ["SubTotalLineDetail", null, 71.99],
    ]);
    expect(result.summary).toBe(`SalesReceipt 2001 (Id ${result.externalId}) for order #2001, total 70.18 USD`);
    // Every write names minorversion=75 and carries a requestid within QBO's 50 characters.
    const writes = sb.state.requests.filter((r) => r.method === "POST");
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) {
      expect(w.query.minorversion).toBe("75");
      expect(w.query.requestid?.length).toBeGreaterThan(0);
      expect(w.query.requestid!.length).toBeLessThanOrEqual(50);
    }
  });

  it("posts once when the same delivery is sent twice with the same requestid", async () => {
    const order = shopOrder("#2002");
    const first = await postOrder(order, "k-2002");
    const second = await postOrder(order, "k-2002");
    expect(second.externalId).toBe(first.externalId);
    expect(sb.state.list("SalesReceipt").filter((r) => r.DocNumber === "2002")).toHaveLength(1);
    const posts = sb.state.requests.filter((r) => r.method === "POST" && r.query.requestid === "k-2002");
    expect(posts.map((p) => !!p.replayed)).toEqual([false, true]);
  });

  it("reports a second posting under another key as a duplicate that lookupExisting resolves by DocNumber", async () => {
    const order = shopOrder("#2003");
    const first = await postOrder(order, "k-2003-a");
    const e = await failure(postOrder(order, "k-2003-b"));
    expect(e).toMatchObject({ errorClass: "duplicate", code: "6140", existingId: first.externalId });
    const ctx = deliveryContext("order.created", order, { key: "k-2003-b", action: "post_sales_receipt", settings });
    await expect(destinations().post_sales_receipt!.lookupExisting!(client, ctx)).resolves.toBe(first.externalId);
    expect(sb.state.list("SalesReceipt").filter((r) => r.DocNumber === "2003")).toHaveLength(1);
  });

  it("does not claim another channel's receipt that happens to share the DocNumber", async () => {
    const shop = await postOrder(shopOrder("#2004"), "k-2004-shop");
    const other = shopOrder("2004", { id: "amazon:2004", channel: "amazon" });
    const e = await failure(postOrder(other, "k-2004-amazon"));
    // Not a duplicate (the deliver stage would count the other order's receipt as this one's).
    expect(e).toMatchObject({ errorClass: "validation", field: "DocNumber", code: "6140", existingId: undefined });
    expect(e.reason).toContain(`QuickBooks Id ${shop.externalId}`);
    expect(e.reason).toContain("docNumberPrefix");
    const ctx = deliveryContext("order.created", other, { key: "k-2004-amazon", action: "post_sales_receipt", settings });
    await expect(destinations().post_sales_receipt!.lookupExisting!(client, ctx)).resolves.toBeUndefined();
  });

  it("finds items by mapping first, then by SKU", async () => {
    const result = await postOrder(shopOrder("#2005"), "k-2005", { mappings: { "quickbooks_item:AB-12": "3" } });
    const stored = sb.state.table("SalesReceipt").get(result.externalId!)!;
    expect(stored.Line[0].SalesItemLineDetail.ItemRef).toEqual({ value: "3", name: "Trail Rope 20m" });
    expect(stored.Line[1].SalesItemLineDetail.ItemRef.value).toBe("2");
  });

  it("parks an order whose SKU has no item, before writing anything", async () => {
    const order = shopOrder("#2006", { lines: [{ lineId: "1", sku: "NOPE-1", quantity: 1, unitPrice: { amountMinor: 6600, currency: "USD" } }] });
    const before = sb.state.list("SalesReceipt").length;
    const e = await failure(postOrder(order, "k-2006"));
    expect(e).toMatchObject({ errorClass: "validation", field: "lines[0].sku" });
    expect(sb.state.list("SalesReceipt")).toHaveLength(before);
  });

  it("creates the buyer as a customer once, then reuses it", async () => {
    const perBuyer = { ...sb.settings };
    const a = await postOrder(shopOrder("#2007"), "k-2007", { settings: perBuyer });
    const b = await postOrder(shopOrder("#2008"), "k-2008", { settings: perBuyer });
    const customers = sb.state.list("Customer").filter((c) => c.DisplayName === "Grace Hopper (grace@example.com)");
    expect(customers).toHaveLength(1);
    expect(sb.state.table("SalesReceipt").get(a.externalId!)!.CustomerRef.value).toBe(customers[0]!.Id);
    expect(sb.state.table("SalesReceipt").get(b.externalId!)!.CustomerRef.value).toBe(customers[0]!.Id);
  });

  it("classifies a rejected SKU as validation (2500) and a rejected DocNumber as validation (6000)", async () => {
    sb.faults.set({ rejectRecords: { "CM-01": { field: "Line.SalesItemLineDetail.ItemRef", message: "Camp Mug was made inactive" }, "2010": { field: "DocNumber", message: "period is closed" } } });
    const bySku = await failure(postOrder(shopOrder("#2009"), "k-2009"));
    expect(bySku).toMatchObject({ errorClass: "validation", code: "2500", field: "Line.SalesItemLineDetail.ItemRef" });
    expect(bySku.reason).toContain("Camp Mug was made inactive");
    const byDoc = await failure(postOrder(shopOrder("#2010"), "k-2010"));
    expect(byDoc).toMatchObject({ errorClass: "validation", code: "6000", field: "DocNumber" });
    // Once the data is fixed, the same delivery (same requestid) goes through: errors are not replayed.
    sb.faults.reset();
    await expect(postOrder(shopOrder("#2010"), "k-2010")).resolves.toMatchObject({ externalId: expect.any(String) });
  });

  it("notes in the summary when QuickBooks stores a different total than the order's", async () => {
    sb.taxOffByOneCentNext();
    const result = await postOrder(shopOrder("#2011"), "k-2011");
    expect(result.summary).toContain("QuickBooks computed 70.19, expected 70.18 (0.01 difference");
    expect(sb.state.table("SalesReceipt").get(result.externalId!)!.TxnTaxDetail.TotalTax).toBe(4.8);
  });

  it("answers a 429 burst as rate_limited with Retry-After, and QBO's 403 throttle with the 60 s default", async () => {
    sb.faults.set({ burst429: { count: 2, retryAfterSec: 3 } });
    await expect(failure(postOrder(shopOrder("#2012"), "k-2012"))).resolves.toMatchObject({ errorClass: "rate_limited", retryAfterMs: 3_000, code: "3001" });
    await expect(failure(client.companyInfo())).resolves.toMatchObject({ errorClass: "rate_limited" });
    sb.throttleAs403();
    sb.faults.set({ burst429: { count: 1 } });
    await expect(failure(client.companyInfo())).resolves.toMatchObject({ errorClass: "rate_limited", retryAfterMs: 60_000, upstream: { status: 403 } });
    await expect(postOrder(shopOrder("#2012"), "k-2012")).resolves.toMatchObject({ externalId: expect.any(String) });
  });

  it("answers a 5xx as transient", async () => {
    sb.faults.set({ errors5xx: { count: 1, status: 503 } });
    await expect(failure(client.companyInfo())).resolves.toMatchObject({ errorClass: "transient", upstream: { status: 503 } });
  });

  it("keeps at most 10 requests in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const counting: typeof fetch = async (input, init) => {
      peak = Math.max(peak, ++inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    };
    const counted = quickbooks.createClient({ baseUrl: sb.url, credentials: sb.credentials, fetch: counting });
    sb.faults.set({ timeouts: { count: 25, delayMs: 30 } });
    const infos = await Promise.all(Array.from({ length: 25 }, () => counted.companyInfo()));
    expect(infos).toHaveLength(25);
    expect(peak).toBe(10);
  });
});

describe("void_sales_receipt", () => {
  const cancel = (order: Order, key: string, refetch = false) =>
    destinations().void_sales_receipt!.deliver(client, deliveryContext("order.cancelled", { order }, { key, action: "void_sales_receipt", settings, refetch }));

  it("meets a stale SyncToken as a conflict, then succeeds with refetch", async () => {
    const posted = await postOrder(shopOrder("#3001"), "k-3001");
    // A bookkeeper edits the receipt in QuickBooks: SyncToken 0 → 1.
    sb.editSalesReceipt(posted.externalId!);
    const cancelled = shopOrder("#3001", { externalIds: { quickbooks: posted.externalId }, status: "cancelled" });
    const e = await failure(cancel(cancelled, "k-3001-void"));
    expect(e).toMatchObject({ errorClass: "conflict", code: "5010" });
    const done = await cancel(cancelled, "k-3001-void", true);
    expect(done.externalId).toBe(posted.externalId);
    const stored = sb.state.table("SalesReceipt").get(posted.externalId!)!;
    expect(stored.TotalAmt).toBe(0);
    expect(stored.PrivateNote).toMatch(/^Voided - Order #3001/);
    expect(stored.SyncToken).toBe("2");
  });

  it("voids optimistically when the receipt was never touched", async () => {
    const posted = await postOrder(shopOrder("#3002"), "k-3002");
    const cancelled = shopOrder("#3002", { externalIds: { quickbooks: posted.externalId } });
    await expect(cancel(cancelled, "k-3002-void")).resolves.toMatchObject({ externalId: posted.externalId });
    const reads = sb.state.requests.filter((r) => r.method === "GET" && r.path.endsWith(`/salesreceipt/${posted.externalId}`));
    expect(reads).toHaveLength(0);
  });

  it("finds the receipt by DocNumber when its Id is unknown, and is a no-op on an already void receipt", async () => {
    const posted = await postOrder(shopOrder("#3003"), "k-3003");
    await expect(cancel(shopOrder("#3003"), "k-3003-void")).resolves.toMatchObject({ externalId: posted.externalId });
    const again = await cancel(shopOrder("#3003"), "k-3003-void-again", true);
    expect(again.summary).toContain("already void");
  });

  it("counts a receipt deleted in QuickBooks as already off the books", async () => {
    const posted = await postOrder(shopOrder("#3004"), "k-3004");
    const stored = sb.state.table("SalesReceipt").get(posted.externalId!)!;
    await expect(client.deleteSalesReceipt({ Id: stored.Id, SyncToken: stored.SyncToken }, { requestId: "k-3004-delete" })).resolves.toEqual({ Id: posted.externalId, status: "Deleted" });
    const cancelled = shopOrder("#3004", { externalIds: { quickbooks: posted.externalId } });
    for (const refetch of [false, true]) {
      await expect(cancel(cancelled, `k-3004-void-${refetch}`, refetch)).resolves.toMatchObject({ externalId: posted.externalId, summary: expect.stringContaining("no longer exists") });
    }
  });

  it("backs off when the receipt is not there yet", async () => {
    await expect(failure(cancel(shopOrder("#3999"), "k-3999-void"))).resolves.toMatchObject({ errorClass: "transient" });
  });
});

describe("post_refund_receipt and post_journal", () => {
  it("posts a refund receipt once and finds it again by DocNumber", async () => {
    const refund = Refund.parse({
      id: "shopify:refund:77001",
      orderId: "shopify:#4001",
      orderNumber: "#4001",
      channel: "shopify",
      createdAt: "2026-11-29T12:00:00.000Z",
      lines: [{ sku: "AB-12", quantity: 1, amount: { amountMinor: 2400, currency: "USD" }, tax: { amountMinor: 198, currency: "USD" } }],
      shippingRefund: { amountMinor: 599, currency: "USD" },
      total: { amountMinor: 3197, currency: "USD" },
    });
    const ctx = (key: string) => deliveryContext("refund.created", refund, { key, action: "post_refund_receipt", settings });
    const result = await destinations().post_refund_receipt!.deliver(client, ctx("k-4001"));
    const stored = sb.state.table("RefundReceipt").get(result.externalId!)!;
    expect(stored).toMatchObject({ DocNumber: "4001-R77001", TotalAmt: 31.97, DepositToAccountRef: { value: sb.accounts.clearing } });
    const e = await failure(destinations().post_refund_receipt!.deliver(client, ctx("k-4001-again")));
    expect(e).toMatchObject({ errorClass: "duplicate", existingId: result.externalId });
    await expect(destinations().post_refund_receipt!.lookupExisting!(client, ctx("k-4001-again"))).resolves.toBe(result.externalId);
  });

  it("journals a payout, balanced, to the configured accounts", async () => {
    const payout = Payout.parse({
      id: "po_4002",
      source: "stripe",
      depositDate: "2026-11-30T00:00:00.000Z",
      total: { amountMinor: 9180, currency: "USD" },
      lines: [
        { settlementId: "po_4002", source: "stripe", kind: "principal", description: "charges", amount: { amountMinor: 10000, currency: "USD" } },
        { settlementId: "po_4002", source: "stripe", kind: "fee", description: "fees", amount: { amountMinor: -320, currency: "USD" } },
        { settlementId: "po_4002", source: "stripe", kind: "reserve", description: "reserve", amount: { amountMinor: -500, currency: "USD" } },
      ],
    });
    const ctx = (key: string) => deliveryContext("payout.settled", payout, { key, action: "post_journal", settings });
    const result = await destinations().post_journal!.deliver(client, ctx("k-4002"));
    const stored = sb.state.table("JournalEntry").get(result.externalId!)!;
    expect(stored.TotalAmt).toBe(100);
    const totals = { Debit: 0, Credit: 0 } as Record<string, number>;
    for (const l of stored.Line) totals[l.JournalEntryLineDetail.PostingType] += minorOf(l.Amount, "USD");
    expect(totals).toEqual({ Debit: 10000, Credit: 10000 });
    expect(stored.Line.map((l: any) => l.JournalEntryLineDetail.AccountRef.name)).toEqual(["Checking", "Shop Payments Clearing", "Merchant Fees", "Payout Reserve"]);
    await expect(failure(destinations().post_journal!.deliver(client, ctx("k-4002-b")))).resolves.toMatchObject({ errorClass: "duplicate" });
    await expect(destinations().post_journal!.lookupExisting!(client, ctx("k-4002-b"))).resolves.toBe(result.externalId);
  });

  it("parks a journal whose account does not exist in QuickBooks with the field QBO names", async () => {
    const payout = Payout.parse({
      id: "po_4003",
      source: "stripe",
      total: { amountMinor: 1000, currency: "USD" },
      lines: [{ settlementId: "po_4003", source: "stripe", kind: "principal", description: "charges", amount: { amountMinor: 1000, currency: "USD" } }],
    });
    const ctx = deliveryContext("payout.settled", payout, { key: "k-4003", action: "post_journal", settings: { accounts: { bank: "80", clearing: "999" } } });
    await expect(failure(destinations().post_journal!.deliver(client, ctx))).resolves.toMatchObject({ errorClass: "validation", code: "2500", field: "Line.JournalEntryLineDetail.AccountRef" });
  });
});
