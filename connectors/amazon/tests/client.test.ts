import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isClassifiedError, type ClassifiedError } from "../../../pipeline/errors";
import { AmazonClient, type AmazonClientOptions } from "../client";
import { parseSettlementReport } from "../settlement-report";
import { startAmazonSandbox, type AmazonSandbox } from "../sandbox";

/** Fast usage plans for both sides, so paging tests never wait on Amazon's real one-a-minute getOrders. */
const FAST = { rate: 200, burst: 200 };
const FAST_PLANS = {
  getOrders: FAST, getOrder: FAST, getOrderItems: FAST, getInventorySummaries: FAST, getReports: FAST, getReport: FAST,
  getReportDocument: FAST, createReport: FAST, confirmShipment: FAST, getMarketplaceParticipations: FAST,
};

let sandbox: AmazonSandbox;
const client = (over: Partial<AmazonClientOptions> = {}) =>
  new AmazonClient({ baseUrl: sandbox.url, credentials: sandbox.credentials, usagePlans: FAST_PLANS, ...over });

async function caught(p: Promise<unknown>): Promise<ClassifiedError> {
  try {
    await p;
  } catch (e) {
    if (isClassifiedError(e)) return e;
    throw e;
  }
  throw new Error("expected a ClassifiedError");
}

beforeAll(async () => {
  sandbox = await startAmazonSandbox({ pageSize: 2, rateLimits: FAST_PLANS });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
  sandbox.faults.reset();
});

const tenMinutesAgo = () => new Date(Date.now() - 10 * 60_000).toISOString();
const threeMinutesAgo = () => new Date(Date.now() - 3 * 60_000).toISOString();

describe("Login with Amazon", () => {
  it("fetches one access token and reuses it until near expiry", async () => {
    const c = client();
    sandbox.addOrder({ PurchaseDate: tenMinutesAgo() });
    await c.getMarketplaceParticipations();
    await c.listOrders({ lastUpdatedAfter: new Date(Date.now() - 3600_000).toISOString(), lastUpdatedBefore: threeMinutesAgo() });
    await c.getInventorySummaries();
    expect(sandbox.stats().tokenRequests).toBe(1);
    expect(c.auth.status()).toMatchObject({ hasToken: true, refreshCount: 1 });
  });

  it("refreshes once when SP-API says the token is revoked, malformed or invalid", async () => {
    const c = client();
    await c.getMarketplaceParticipations();
    sandbox.expireTokens();
    const participations = await c.getMarketplaceParticipations();
    expect(participations[0]!.marketplace.id).toBe("ATVPDKIKX0DER");
    expect(sandbox.stats().tokenRequests).toBe(2);
  });

  it("refreshes before expiry when the token is short-lived", async () => {
    const short = await startAmazonSandbox({ tokenLifetimeSec: 1, rateLimits: FAST_PLANS });
    try {
      const c = new AmazonClient({ baseUrl: short.url, credentials: short.credentials, usagePlans: FAST_PLANS });
      await c.getMarketplaceParticipations();
      await new Promise((r) => setTimeout(r, 600));
      await c.getMarketplaceParticipations();
      expect(short.stats().tokenRequests).toBe(2);
    } finally {
      await short.close();
    }
  });

  it("gives up with auth after one refresh when every call is refused, and never echoes secrets", async () => {
    const c = client();
    sandbox.faults.set({ expiredToken: true });
    const e = await caught(c.getOrder("111-0000000-0000000"));
    expect(e.errorClass).toBe("auth");
    expect(e.code).toBe("Unauthorized");
    expect(sandbox.stats().tokenRequests).toBe(2);
    const text = JSON.stringify({ m: e.message, r: e.reason, u: e.upstream });
    for (const secret of [sandbox.credentials.clientSecret, sandbox.credentials.refreshToken]) expect(text).not.toContain(secret);
  });

  it("fails auth with the reason when the client secret is wrong", async () => {
    const c = new AmazonClient({ baseUrl: sandbox.url, credentials: { ...sandbox.credentials, clientSecret: "wrong-secret" }, usagePlans: FAST_PLANS });
    const e = await caught(c.getMarketplaceParticipations());
    expect(e).toMatchObject({ errorClass: "auth", code: "invalid_client" });
    expect(e.reason).toMatch(/client id or client secret/);
    expect(JSON.stringify(e.upstream)).not.toContain("wrong-secret");
  });

  it("names the region when the endpoint is wrong (MissingAuthenticationToken)", async () => {
    const c = new AmazonClient({ baseUrl: `${sandbox.url}/eu`, credentials: sandbox.credentials, usagePlans: FAST_PLANS });
    const e = await caught(c.getMarketplaceParticipations());
    expect(e).toMatchObject({ errorClass: "auth", code: "MissingAuthenticationToken" });
    expect(e.reason).toMatch(/regional endpoint/);
  });
});

describe("NextToken paging", () => {
  it("follows getOrders across 4 pages of 2", async () => {
    const c = client();
    const ids = Array.from({ length: 7 }, (_, i) => sandbox.addOrder({ PurchaseDate: new Date(Date.now() - (30 - i) * 60_000).toISOString() }).AmazonOrderId);
    const orders = await c.listOrders({ lastUpdatedAfter: new Date(Date.now() - 3600_000).toISOString(), lastUpdatedBefore: threeMinutesAgo() });
    expect(orders.map((o) => o.AmazonOrderId).sort()).toEqual(ids.sort());
    expect(sandbox.stats().calls.getOrders).toBe(4);
  });

  it("follows getOrderItems, getInventorySummaries and getReports (nextToken alone) across 3+ pages", async () => {
    const c = client();
    const order = sandbox.addOrder({ PurchaseDate: tenMinutesAgo(), items: ["AB-12", "CM-01", "TR-20", "AB-12", "CM-01"].map((sku) => ({ sku })) });
    expect(await c.getOrderItems(order.AmazonOrderId)).toHaveLength(5);
    expect(sandbox.stats().calls.getOrderItems).toBe(3);

    for (const sku of ["X-1", "X-2", "X-3", "X-4"]) sandbox.state.inventory.set(sku, { ...sandbox.state.inventory.get("AB-12")!, sku });
    expect((await c.listInventorySummaries()).map((s) => s.sellerSku).sort()).toEqual(["AB-12", "CM-01", "TR-20", "X-1", "X-2", "X-3", "X-4"]);
    expect(sandbox.stats().calls.getInventorySummaries).toBe(4);

    for (let i = 0; i < 5; i++) sandbox.addSettlement({ orders: [{ sku: "AB-12", principalMinor: 2400 }] });
    const reports = await c.listReports({ reportTypes: ["GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"], processingStatuses: ["DONE"], pageSize: 2 });
    expect(reports).toHaveLength(5);
    expect(sandbox.stats().calls.getReports).toBe(3);
  });

  it("lets Amazon's validation through with the parameter it names", async () => {
    const c = client();
    const e = await caught(c.getOrders({ lastUpdatedAfter: tenMinutesAgo(), lastUpdatedBefore: new Date().toISOString() }));
    expect(e).toMatchObject({ errorClass: "validation", code: "InvalidInput", field: "LastUpdatedBefore" });
  });
});

describe("SP-API rate limits", () => {
  it("adopts x-amzn-RateLimit-Limit and absorbs QuotaExceeded by waiting for the bucket", async () => {
    sandbox.setRateLimit("getOrderItems", { rate: 2, burst: 1 });
    const c = client({ usagePlans: {} });
    const order = sandbox.addOrder({ PurchaseDate: tenMinutesAgo() });
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect(await c.getOrderItems(order.AmazonOrderId)).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(sandbox.stats().throttled.getOrderItems).toBeGreaterThanOrEqual(1);
    const budget = c.rateBudget().getOrderItems!;
    expect(budget).toMatchObject({ rate: 2, burst: 30, rateSource: "header" });
    expect(budget.throttled).toBeGreaterThanOrEqual(1);
    expect(budget.lastThrottledAt).toMatch(/Z$/);
  });

  it("throws rate_limited with a wait of 1/rate seconds (at least 1 s) when it may not retry", async () => {
    sandbox.setRateLimit("getOrder", { rate: 2, burst: 1 });
    const c = client({ usagePlans: {}, maxQuotaRetries: 0 });
    const order = sandbox.addOrder({ PurchaseDate: tenMinutesAgo() });
    await c.getOrder(order.AmazonOrderId);
    const e = await caught(c.getOrder(order.AmazonOrderId));
    expect(e).toMatchObject({ errorClass: "rate_limited", code: "QuotaExceeded", retryAfterMs: 1000 });
    sandbox.setRateLimit("getReports", { rate: 0.5, burst: 1 });
    await c.getReports({ reportTypes: ["GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"] });
    const slow = await caught(c.getReports({ reportTypes: ["GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"] }));
    expect(slow.retryAfterMs).toBe(2000);
  });

  it("spaces calls by its own bucket so the server never throttles", async () => {
    sandbox.setRateLimit("getOrder", { rate: 10, burst: 2 });
    const c = client({ usagePlans: { getOrder: { rate: 10, burst: 2 } } });
    const order = sandbox.addOrder({ PurchaseDate: tenMinutesAgo() });
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => c.getOrder(order.AmazonOrderId)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(sandbox.stats().throttled.getOrder ?? 0).toBe(0);
  });

  it("fails fast (without calling) when the budget would make it wait longer than allowed", async () => {
    sandbox.setRateLimit("getReports", { rate: 0.0222, burst: 10 });
    const c = client({ usagePlans: { getReports: { rate: 0.0222, burst: 1 } }, maxThrottleWaitMs: 5_000 });
    await c.getReports({ reportTypes: ["GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"] });
    const before = sandbox.stats().calls.getReports;
    const e = await caught(c.getReports({ reportTypes: ["GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"] }));
    expect(e).toMatchObject({ errorClass: "rate_limited", code: "QuotaBudget" });
    expect(e.retryAfterMs).toBeGreaterThan(40_000);
    expect(sandbox.stats().calls.getReports).toBe(before);
  });

  it("answers the kit's burst429 fault with Amazon's body and recovers", async () => {
    const c = client();
    sandbox.faults.set({ burst429: { count: 1 } });
    const started = Date.now();
    await c.getMarketplaceParticipations();
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(c.rateBudget().getMarketplaceParticipations!.throttled).toBe(1);
  });
});

describe("faults", () => {
  it("retries a read once after a 5xx, then reports transient", async () => {
    const c = client();
    const order = sandbox.addOrder({ PurchaseDate: tenMinutesAgo() });
    sandbox.faults.set({ errors5xx: { count: 1, status: 503 } });
    expect((await c.getOrder(order.AmazonOrderId)).AmazonOrderId).toBe(order.AmazonOrderId);
    sandbox.faults.set({ errors5xx: { count: 2, status: 500 } });
    const e = await caught(c.getOrder(order.AmazonOrderId));
    expect(e).toMatchObject({ errorClass: "transient", code: "InternalFailure" });
  });

  it("reports a hung call as transient", async () => {
    const c = client({ timeoutMs: 200, transientRetries: 0 });
    sandbox.faults.set({ timeouts: { count: 1, delayMs: 1000 } });
    const e = await caught(c.getMarketplaceParticipations());
    expect(e.errorClass).toBe("transient");
  });
});

describe("Reports API", () => {
  it("downloads a GZIP settlement document from its pre-signed URL without the access token", async () => {
    const c = client();
    const id = sandbox.addSettlement({ compress: true, orders: [{ sku: "AB-12", principalMinor: 2400 }], reimbursements: [{ sku: "CM-01", amountMinor: 900 }] });
    const [report] = await c.listReports({ reportTypes: ["GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"] });
    const doc = await c.getReportDocument(report!.reportDocumentId!);
    expect(doc.compressionAlgorithm).toBe("GZIP");
    expect(new URL(doc.url).origin).not.toBe(new URL(sandbox.url).origin);
    const payout = parseSettlementReport(await c.downloadReportDocument(doc));
    expect(payout.id).toBe(id);
    expect(sandbox.documents.downloads).toEqual([expect.objectContaining({ status: 200, carriedAccessToken: false })]);
  });

  it("refuses to request a settlement report (Amazon schedules them) and polls a requested report to its end", async () => {
    const c = client();
    const e = await caught(c.createReport({ reportType: "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2" }));
    expect(e).toMatchObject({ errorClass: "validation", field: "reportSpecification" });
    const { report, text } = await c.requestReport({ reportType: "GET_MERCHANT_LISTINGS_ALL_DATA" }, { pollMs: 10 });
    expect(report.processingStatus).toBe("CANCELLED");
    expect(text).toBeUndefined();
  });

  it("treats an expired document URL as transient (fetch the document again)", async () => {
    const c = client();
    sandbox.addSettlement({ orders: [{ sku: "AB-12", principalMinor: 2400 }] });
    const [report] = await c.listReports({ reportTypes: ["GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"] });
    const doc = await c.getReportDocument(report!.reportDocumentId!);
    sandbox.setClock(Date.now() + 6 * 60_000);
    const e = await caught(c.downloadReportDocument(doc));
    expect(e.errorClass).toBe("transient");
    expect(e.message).toMatch(/expires after 5 minutes/);
  });
});
