import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isClassifiedError } from "../../../pipeline/errors";
import { AccountingPosting, Payout, Refund } from "../../../pipeline/model";
import type { InboundRequest } from "../../sdk/definition";
import type { QuickBooksClient } from "../client";
import { quickbooks } from "../index";
import { startQuickBooksSandbox, type QuickBooksSandbox } from "../sandbox/server";
import { deliveryContext, shopOrder } from "./delivery-context";

let sb: QuickBooksSandbox;
let client: QuickBooksClient;
let settings: Record<string, unknown>;
let ingress: Server;
let ingressUrl: string;
const received: InboundRequest[] = [];

beforeAll(async () => {
  ingress = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      received.push({ headers, rawBody: Buffer.concat(chunks).toString("utf8"), query: {} });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => ingress.listen(0, "127.0.0.1", resolve));
  ingressUrl = `http://127.0.0.1:${(ingress.address() as AddressInfo).port}/webhooks/quickbooks`;
  sb = await startQuickBooksSandbox({ webhookTarget: ingressUrl });
  client = quickbooks.createClient({ baseUrl: sb.url, credentials: sb.credentials });
  settings = { ...sb.settings, customerId: sb.webCustomerId };
});

afterEach(() => sb.faults.reset());

afterAll(async () => {
  await sb.close();
  await new Promise<void>((resolve) => ingress.close(() => resolve()));
});

const post = (orderNumber: string, key: string) =>
  quickbooks.destinations!.post_sales_receipt!.deliver(client, deliveryContext("order.created", shopOrder(orderNumber), { key, action: "post_sales_receipt", settings }));

describe("webhooks from the sandbox", () => {
  it("sends a signed CloudEvent on create that verifies, parses and fetches into a posting.created event", async () => {
    received.length = 0;
    const posted = await post("#5001", "k-5001");
    await sb.webhooksIdle();
    expect(received).toHaveLength(1);
    const req = received[0]!;
    expect(req.headers["intuit-signature"]).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(() => quickbooks.webhooks!.verify(req, quickbooks.webhookSecrets!(sb.credentials))).not.toThrow();
    expect(() => quickbooks.webhooks!.verify({ ...req, rawBody: req.rawBody.replace(posted.externalId!, "1") }, quickbooks.webhookSecrets!(sb.credentials))).toThrow();
    const parsed = quickbooks.webhooks!.parse(req);
    expect(parsed.kind).toBe("notifications");
    const [notification] = parsed.kind === "notifications" ? parsed.notifications : [];
    expect(notification).toMatchObject({ resource: `SalesReceipt/${posted.externalId}`, topic: "salesreceipt.created" });
    const events = await quickbooks.fetchNotification!(client, notification!);
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.type).toBe("posting.created");
    expect(event.sourceEventId).toBe(notification!.sourceEventId);
    expect(event.occurredAt).toMatch(/Z$/);
    const posting = AccountingPosting.parse(event.data);
    expect(posting).toMatchObject({ id: posted.externalId, kind: "sales_receipt", docNumber: "5001", sourceId: "#5001", total: { amountMinor: 7018 }, tax: { amountMinor: 479 } });
    expect(posting.lines.map((l) => [l.sku ?? l.description, l.amount.amountMinor])).toEqual([
      ["AB-12", 4800],
      ["CM-01", 1800],
      ["Standard", 599],
      ["Discount WELCOME10", -660],
    ]);
  });

  it("delivers a duplicated webhook with the same event id, so the pipeline can drop the copy", async () => {
    received.length = 0;
    sb.faults.set({ webhooks: { duplicates: 1 } });
    await post("#5002", "k-5002");
    await sb.webhooksIdle();
    expect(received).toHaveLength(2);
    const ids = received.map((r) => {
      const p = quickbooks.webhooks!.parse(r);
      return p.kind === "notifications" ? p.notifications[0]!.sourceEventId : undefined;
    });
    expect(ids[0]).toBeDefined();
    expect(ids[0]).toBe(ids[1]);
  });

  it("reports a voided receipt as QuickBooks now holds it, and ignores non-posting entities and deletions", async () => {
    const posted = await post("#5003", "k-5003");
    await sb.webhooksIdle();
    received.length = 0;
    await quickbooks.destinations!.void_sales_receipt!.deliver(client, deliveryContext("order.cancelled", { order: shopOrder("#5003") }, { key: "k-5003-void", action: "void_sales_receipt", settings }));
    await sb.webhooksIdle();
    const parsed = quickbooks.webhooks!.parse(received[0]!);
    const notification = parsed.kind === "notifications" ? parsed.notifications[0]! : undefined;
    expect(notification?.topic).toBe("salesreceipt.voided");
    const [event] = await quickbooks.fetchNotification!(client, notification!);
    expect(event!.data).toMatchObject({ docNumber: "5003", total: { amountMinor: 0 } });
    await expect(quickbooks.fetchNotification!(client, { sourceEventId: "c1", resource: "Customer/58", topic: "customer.updated" })).resolves.toEqual([]);
    await expect(quickbooks.fetchNotification!(client, { sourceEventId: "d1", resource: `SalesReceipt/${posted.externalId}`, topic: "salesreceipt.deleted" })).resolves.toEqual([]);
  });

  it("fails a fetch for a document that no longer exists with QBO's 610", async () => {
    const e = await quickbooks.fetchNotification!(client, { sourceEventId: "x", resource: "SalesReceipt/999999", topic: "salesreceipt.updated" }).catch((err) => err);
    expect(isClassifiedError(e) && e.code).toBe("610");
  });
});

describe("postings reader", () => {
  it("reads sales receipts, refund receipts and journal entries back from QuickBooks, page by page", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    await post("#6001", "k-6001");
    await post("#6002", "k-6002");
    await post("#6003", "k-6003");
    const refund = Refund.parse({
      id: "shopify:refund:6001",
      orderId: "shopify:#6001",
      orderNumber: "#6001",
      channel: "shopify",
      createdAt: "2026-11-29T12:00:00.000Z",
      lines: [{ sku: "CM-01", quantity: 1, amount: { amountMinor: 1800, currency: "USD" } }],
      total: { amountMinor: 1800, currency: "USD" },
    });
    await quickbooks.destinations!.post_refund_receipt!.deliver(client, deliveryContext("refund.created", refund, { key: "k-6001-refund", action: "post_refund_receipt", settings }));
    const payout = Payout.parse({
      id: "po_6001",
      source: "stripe",
      depositDate: "2026-11-30T00:00:00.000Z",
      total: { amountMinor: 6700, currency: "USD" },
      lines: [
        { settlementId: "po_6001", source: "stripe", kind: "principal", description: "charges", amount: { amountMinor: 7018, currency: "USD" } },
        { settlementId: "po_6001", source: "stripe", kind: "fee", description: "fees", amount: { amountMinor: -318, currency: "USD" } },
      ],
    });
    await quickbooks.destinations!.post_journal!.deliver(client, deliveryContext("payout.settled", payout, { key: "k-6001-payout", action: "post_journal", settings }));

    const queriesBefore = sb.state.requests.filter((r) => r.path.endsWith("/query")).length;
    const { readPostings } = await import("../readers");
    const postings = await readPostings(client, since, { pageSize: 2 });
    const queries = sb.state.requests.filter((r) => r.path.endsWith("/query")).slice(queriesBefore);
    expect(queries.some((q) => /STARTPOSITION 3 MAXRESULTS 2$/.test(q.query.query!))).toBe(true);

    for (const p of postings) AccountingPosting.parse(p);
    const receipts = postings.filter((p) => p.kind === "sales_receipt" && p.docNumber.startsWith("600"));
    expect(receipts.map((p) => p.sourceId).sort()).toEqual(["#6001", "#6002", "#6003"]);
    expect(receipts.every((p) => p.total.amountMinor === 7018 && p.tax.amountMinor === 479)).toBe(true);
    expect(receipts[0]!.lines.filter((l) => l.sku).map((l) => l.sku)).toEqual(["AB-12", "CM-01"]);
    expect(postings.find((p) => p.kind === "refund_receipt")).toMatchObject({ docNumber: "6001-R6001", sourceId: "#6001", total: { amountMinor: 1800 } });
    const journal = postings.find((p) => p.kind === "journal_entry")!;
    expect(journal).toMatchObject({ sourceId: "po_6001", total: { amountMinor: 7018 } });
    expect(journal.lines.map((l) => [l.side, l.account, l.amount.amountMinor])).toEqual([
      ["debit", sb.accounts.bank, 6700],
      ["credit", sb.accounts.clearing, 7018],
      ["debit", sb.accounts.fee, 318],
    ]);
  });

  it("exposes a double-posted sale and a tax one cent off to the reconciliation", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    sb.doublePostNext();
    await post("#6101", "k-6101");
    sb.taxOffByOneCentNext();
    await post("#6102", "k-6102");
    const postings = await quickbooks.readers!.postings!(client, since) as AccountingPosting[];
    const mine = postings.filter((p) => p.sourceId === "#6101" || p.sourceId === "#6102");
    expect(mine.map((p) => [p.docNumber, p.total.amountMinor, p.tax.amountMinor]).sort()).toEqual([
      ["6101", 7018, 479],
      ["6101-1", 7018, 479],
      ["6102", 7019, 480],
    ]);
  });
});

describe("queries", () => {
  it("pages with STARTPOSITION/MAXRESULTS and rejects a start position below 1 as QBO does", async () => {
    const all = await client.queryAll("Item", "select * from Item", { pageSize: 2 });
    expect(all.map((i) => i.Sku ?? i.Id)).toEqual(["AB-12", "CM-01", "TR-20", "SHIPPING_ITEM_ID"]);
    const e = await client.queryPage("Item", "select * from Item", 0).catch((err) => err);
    expect(e).toMatchObject({ errorClass: "permanent", code: "4001" });
    expect(e.message).toContain("value 0 is too small");
  });

  it("quotes values with QBO's backslash escape", async () => {
    await expect(client.findCustomerByDisplayName("O'Brien's \\ Store")).resolves.toBeUndefined();
    const last = sb.state.requests.at(-1)!;
    expect(last.query.query).toBe("select * from Customer where DisplayName = 'O\\'Brien\\'s \\\\ Store' STARTPOSITION 1 MAXRESULTS 2");
  });
});

describe("sandbox control plane over HTTP", () => {
  it("serves state, takes custom faults, edits a receipt like a person would, and resets", async () => {
    const posted = await post("#7001", "k-7001");
    const state = await (await fetch(`${sb.url}/_sandbox/state`)).json();
    expect(state.salesReceipts.some((r: { DocNumber: string }) => r.DocNumber === "7001")).toBe(true);
    expect(state.tokens.active).toBeGreaterThan(0);
    expect(JSON.stringify(state)).not.toContain(sb.credentials.clientSecret);

    const edit = await fetch(`${sb.url}/_sandbox/salesreceipt/${posted.externalId}/edit`, { method: "POST" });
    expect((await edit.json()).SyncToken).toBe("1");

    await fetch(`${sb.url}/_sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ custom: { doublePostNext: true } }) });
    await post("#7002", "k-7002");
    expect(sb.state.list("SalesReceipt").filter((r) => String(r.DocNumber).startsWith("7002")).map((r) => r.DocNumber)).toEqual(["7002", "7002-1"]);

    const reset = await fetch(`${sb.url}/_sandbox/reset`, { method: "POST" });
    expect(reset.status).toBe(200);
    expect(sb.state.list("SalesReceipt")).toHaveLength(0);
    expect(sb.state.list("Item")).toHaveLength(4);
    await expect(client.companyInfo()).resolves.toBeDefined();
  });

  it("refuses another company's realm with QBO's authorization fault", async () => {
    const stranger = quickbooks.createClient({ baseUrl: sb.url, credentials: { ...sb.credentials, realmId: "1234" } });
    const e = await stranger.companyInfo().catch((err) => err);
    expect(e).toMatchObject({ errorClass: "auth", code: "3100" });
  });
});
