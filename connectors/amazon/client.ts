import { gunzipSync } from "node:zlib";
import type { z } from "zod";
import { ClassifiedError, classifyUnknownError, isClassifiedError } from "../../pipeline/errors";
import { HttpClient, type HttpRequest } from "../sdk/http-client";
import {
  CreateReportResponse,
  GetInventorySummariesResponse,
  GetMarketplaceParticipationsResponse,
  GetOrderItemsResponse,
  GetOrderResponse,
  GetOrdersResponse,
  GetReportsResponse,
  ListFinancialEventGroupsResponse,
  ListFinancialEventsResponse,
  SpReport,
  SpReportDocument,
  type ConfirmShipmentRequest,
  type FbaInventorySummary,
  type FinancialEventGroup,
  type FinancialEvents,
  type SpOrder,
  type SpOrderItem,
} from "./api-schemas";
import type { AmazonCredentials } from "./credentials";
import { TOKEN_REJECTED, classifyAmazonError } from "./errors";
import { lwaAuth, type LwaAuth } from "./lwa-auth";
import { OperationRateLimiter, sleep, type OperationBudget, type SpOperation, type UsagePlan } from "./rate-limiter";

export const SETTLEMENT_REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2";

export interface AmazonClientOptions {
  /** Regional endpoint, e.g. https://sellingpartnerapi-na.amazon.com, or a sandbox URL. */
  baseUrl: string;
  credentials: AmazonCredentials;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Overrides of the documented usage plans (a seller with a raised quota, or a test sandbox). */
  usagePlans?: Partial<Record<SpOperation, UsagePlan>>;
  /** Longest a call sleeps for its operation's budget before failing rate_limited. Default 60 s. */
  maxThrottleWaitMs?: number;
  /** 429s a call absorbs (waiting for the bucket) before throwing rate_limited. Default 3. */
  maxQuotaRetries?: number;
  /** Extra attempts of idempotent reads after a 5xx or network error. Default 1. */
  transientRetries?: number;
  now?: () => number;
}

export interface GetOrdersQuery {
  lastUpdatedAfter?: string;
  lastUpdatedBefore?: string;
  createdAfter?: string;
  createdBefore?: string;
  orderStatuses?: string[];
  maxResultsPerPage?: number;
  nextToken?: string;
}

export interface ReportsQuery {
  reportTypes: string[];
  processingStatuses?: string[];
  createdSince?: string;
  createdUntil?: string;
  pageSize?: number;
}

/**
 * The SP-API client: real paths, LWA auth through the AuthTransport, NextToken paging, a token
 * bucket per operation fed by x-amzn-RateLimit-Limit, and errors classified with the operation
 * and parameters they concern.
 */
export class AmazonClient {
  readonly auth: LwaAuth;
  readonly limiter: OperationRateLimiter;
  readonly marketplaceIds: string[];
  readonly sellingPartnerId: string;
  readonly baseUrl: string;

  constructor(private readonly opts: AmazonClientOptions) {
    this.baseUrl = opts.baseUrl;
    this.marketplaceIds = opts.credentials.marketplaceIds;
    this.sellingPartnerId = opts.credentials.sellingPartnerId;
    this.auth = lwaAuth({
      clientId: opts.credentials.clientId,
      clientSecret: opts.credentials.clientSecret,
      refreshToken: opts.credentials.refreshToken,
      tokenUrl: opts.credentials.lwaTokenUrl,
      fetch: opts.fetch,
      now: opts.now,
      timeoutMs: opts.timeoutMs,
    });
    this.limiter = new OperationRateLimiter(opts.usagePlans, { maxWaitMs: opts.maxThrottleWaitMs, now: opts.now });
  }

  /** The primary marketplace: FBA inventory and confirmShipment use it. */
  get marketplaceId(): string {
    return this.marketplaceIds[0]!;
  }

  /** Per-operation rate budget, for connector health. */
  rateBudget(): Record<string, OperationBudget> {
    return this.limiter.budget();
  }

  async getOrders(q: GetOrdersQuery): Promise<{ orders: SpOrder[]; nextToken?: string }> {
    const query = {
      MarketplaceIds: this.marketplaceIds.join(","),
      LastUpdatedAfter: q.lastUpdatedAfter,
      LastUpdatedBefore: q.lastUpdatedBefore,
      CreatedAfter: q.createdAfter,
      CreatedBefore: q.createdBefore,
      OrderStatuses: q.orderStatuses?.join(","),
      MaxResultsPerPage: q.maxResultsPerPage,
      NextToken: q.nextToken,
    };
    const body = await this.call("getOrders", { path: "/orders/v0/orders", query }, GetOrdersResponse);
    return { orders: body.payload.Orders, nextToken: body.payload.NextToken || undefined };
  }

  /** Every order matching the query, following NextToken to the end (filters are resent with it, as Amazon's own examples do). */
  async listOrders(q: Omit<GetOrdersQuery, "nextToken">): Promise<SpOrder[]> {
    const out: SpOrder[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.getOrders({ ...q, nextToken });
      out.push(...page.orders);
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  }

  async getOrder(orderId: string): Promise<SpOrder> {
    const body = await this.call("getOrder", { path: `/orders/v0/orders/${encodeURIComponent(orderId)}` }, GetOrderResponse, ["orderId"]);
    return body.payload;
  }

  /** All items of an order (getOrderItems pages with NextToken too). */
  async getOrderItems(orderId: string): Promise<SpOrderItem[]> {
    const out: SpOrderItem[] = [];
    let nextToken: string | undefined;
    do {
      const body = await this.call(
        "getOrderItems",
        { path: `/orders/v0/orders/${encodeURIComponent(orderId)}/orderItems`, query: { NextToken: nextToken } },
        GetOrderItemsResponse,
        ["orderId"],
      );
      out.push(...body.payload.OrderItems);
      nextToken = body.payload.NextToken || undefined;
    } while (nextToken);
    return out;
  }

  /** Confirms an FBM shipment. Amazon answers 204 with no body. */
  async confirmShipment(orderId: string, body: ConfirmShipmentRequest): Promise<void> {
    await this.call(
      "confirmShipment",
      { method: "POST", path: `/orders/v0/orders/${encodeURIComponent(orderId)}/shipmentConfirmation`, body },
      undefined,
      ["body"],
    );
  }

  async getInventorySummaries(q: { nextToken?: string; startDateTime?: string; sellerSkus?: string[] } = {}): Promise<{
    summaries: FbaInventorySummary[];
    nextToken?: string;
  }> {
    const query = {
      details: true,
      granularityType: "Marketplace",
      granularityId: this.marketplaceId,
      marketplaceIds: this.marketplaceId,
      startDateTime: q.startDateTime,
      sellerSkus: q.sellerSkus?.join(","),
      nextToken: q.nextToken,
    };
    const body = await this.call("getInventorySummaries", { path: "/fba/inventory/v1/summaries", query }, GetInventorySummariesResponse);
    return { summaries: body.payload.inventorySummaries, nextToken: body.pagination?.nextToken || undefined };
  }

  /**
   * Every FBA inventory summary (of SKUs changed since `startDateTime` when given). Amazon's
   * nextToken expires after 30 s and must travel with the same startDateTime.
   */
  async listInventorySummaries(q: { startDateTime?: string } = {}): Promise<FbaInventorySummary[]> {
    const out: FbaInventorySummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.getInventorySummaries({ startDateTime: q.startDateTime, nextToken });
      out.push(...page.summaries);
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  }

  /** Settlement reports cannot be requested (Amazon schedules them); other report types can. */
  async createReport(spec: { reportType: string; marketplaceIds?: string[]; dataStartTime?: string; dataEndTime?: string }): Promise<string> {
    const body = await this.call(
      "createReport",
      { method: "POST", path: "/reports/2021-06-30/reports", body: { ...spec, marketplaceIds: spec.marketplaceIds ?? this.marketplaceIds } },
      CreateReportResponse,
      ["body"],
    );
    return body.reportId;
  }

  async getReport(reportId: string): Promise<SpReport> {
    return this.call("getReport", { path: `/reports/2021-06-30/reports/${encodeURIComponent(reportId)}` }, SpReport);
  }

  /** One page of getReports. With a nextToken, Amazon requires it to be the only parameter. */
  async getReports(q: ReportsQuery | { nextToken: string }): Promise<{ reports: SpReport[]; nextToken?: string }> {
    const query =
      "nextToken" in q
        ? { nextToken: q.nextToken }
        : {
            reportTypes: q.reportTypes.join(","),
            processingStatuses: q.processingStatuses?.join(","),
            marketplaceIds: this.marketplaceIds.join(","),
            createdSince: q.createdSince,
            createdUntil: q.createdUntil,
            pageSize: q.pageSize,
          };
    const body = await this.call("getReports", { path: "/reports/2021-06-30/reports", query }, GetReportsResponse);
    return { reports: body.reports, nextToken: body.nextToken || undefined };
  }

  async listReports(q: ReportsQuery): Promise<SpReport[]> {
    const out: SpReport[] = [];
    let page = await this.getReports(q);
    out.push(...page.reports);
    while (page.nextToken) {
      page = await this.getReports({ nextToken: page.nextToken });
      out.push(...page.reports);
    }
    return out;
  }

  async getReportDocument(reportDocumentId: string): Promise<SpReportDocument> {
    return this.call("getReportDocument", { path: `/reports/2021-06-30/documents/${encodeURIComponent(reportDocumentId)}` }, SpReportDocument);
  }

  /**
   * Downloads a report document from its pre-signed URL (valid 5 minutes). The URL carries its
   * own signature, so no SP-API credential is sent with it.
   */
  async downloadReportDocument(doc: SpReportDocument): Promise<string> {
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(doc.url, { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 60_000) });
    } catch (e) {
      throw classifyUnknownError(e);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (!res.ok) {
      const text = bytes.toString("utf8").slice(0, 500);
      throw new ClassifiedError({
        errorClass: res.status >= 500 || res.status === 403 ? "transient" : "permanent",
        message: `report document download ${res.status}${res.status === 403 ? " (the pre-signed URL expires after 5 minutes: fetch the document again)" : ""}`,
        upstream: { status: res.status, body: text },
      });
    }
    const raw = doc.compressionAlgorithm === "GZIP" ? gunzipSync(bytes) : bytes;
    const charset = /charset=([^;]+)/i.exec(res.headers.get("content-type") ?? "")?.[1]?.trim() ?? "utf-8";
    return new TextDecoder(charset).decode(raw);
  }

  /** createReport, then getReport until processing ends, then the document's text (if any). */
  async requestReport(
    spec: { reportType: string; dataStartTime?: string; dataEndTime?: string },
    opts: { pollMs?: number; timeoutMs?: number } = {},
  ): Promise<{ report: SpReport; text?: string }> {
    const reportId = await this.createReport(spec);
    const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const report = await this.getReport(reportId);
      if (report.processingStatus === "DONE" || report.processingStatus === "FATAL" || report.processingStatus === "CANCELLED") {
        if (!report.reportDocumentId) return { report };
        return { report, text: await this.downloadReportDocument(await this.getReportDocument(report.reportDocumentId)) };
      }
      if (Date.now() > deadline) {
        throw new ClassifiedError({ errorClass: "transient", message: `report ${reportId} still ${report.processingStatus} after the wait` });
      }
      await sleep(opts.pollMs ?? 30_000);
    }
  }

  /** Financial event groups (settlement periods) started in the window, following NextToken. */
  async listFinancialEventGroups(q: { startedAfter: string; startedBefore?: string }): Promise<FinancialEventGroup[]> {
    const out: FinancialEventGroup[] = [];
    let nextToken: string | undefined;
    do {
      const query = { FinancialEventGroupStartedAfter: q.startedAfter, FinancialEventGroupStartedBefore: q.startedBefore, MaxResultsPerPage: 100, NextToken: nextToken };
      const body = await this.call("listFinancialEventGroups", { path: "/finances/v0/financialEventGroups", query }, ListFinancialEventGroupsResponse);
      out.push(...body.payload.FinancialEventGroupList);
      nextToken = body.payload.NextToken || undefined;
    } while (nextToken);
    return out;
  }

  /** Every financial event of one group, the pages merged list by list. */
  async listFinancialEventsByGroupId(groupId: string): Promise<FinancialEvents> {
    const merged: Record<string, unknown[]> = {};
    let nextToken: string | undefined;
    do {
      const body = await this.call(
        "listFinancialEventsByGroupId",
        { path: `/finances/v0/financialEventGroups/${encodeURIComponent(groupId)}/financialEvents`, query: { MaxResultsPerPage: 100, NextToken: nextToken } },
        ListFinancialEventsResponse,
        ["eventGroupId"],
      );
      for (const [list, items] of Object.entries(body.payload.FinancialEvents)) if (Array.isArray(items)) (merged[list] ??= []).push(...items);
      nextToken = body.payload.NextToken || undefined;
    } while (nextToken);
    return merged as FinancialEvents;
  }

  async getMarketplaceParticipations(): Promise<z.infer<typeof GetMarketplaceParticipationsResponse>["payload"]> {
    const body = await this.call("getMarketplaceParticipations", { path: "/sellers/v1/marketplaceParticipations" }, GetMarketplaceParticipationsResponse);
    return body.payload;
  }

  private async call<T>(op: SpOperation, req: HttpRequest, schema: z.ZodType<T> | undefined, parameters?: string[]): Promise<T> {
    const supplied = parameters ?? Object.entries(req.query ?? {}).filter(([k, v]) => v !== undefined && k !== "MarketplaceIds").map(([k]) => k);
    const http = new HttpClient({
      baseUrl: this.opts.baseUrl,
      auth: this.auth,
      fetch: this.opts.fetch,
      timeoutMs: this.opts.timeoutMs,
      classify: (res) => classifyAmazonError(res, { operation: op, parameters: supplied, ratePerSecond: this.limiter.rate(op) }),
    });
    const idempotent = (req.method ?? "GET") === "GET";
    let tokenRefreshed = false;
    let quotaRetries = 0;
    let transientRetries = 0;
    for (;;) {
      await this.auth.warm();
      await this.limiter.acquire(op);
      try {
        const res = await http.request<unknown>(req);
        this.limiter.observe(op, res.headers);
        return schema ? parseResponse(schema, res.body, op) : (undefined as T);
      } catch (e) {
        if (!isClassifiedError(e)) throw classifyUnknownError(e);
        this.limiter.observe(op, e.upstream?.headers);
        if (e.errorClass === "rate_limited" && e.code !== "QuotaBudget") {
          const waitMs = this.limiter.throttled(op);
          if (quotaRetries++ < (this.opts.maxQuotaRetries ?? 3) && waitMs <= (this.opts.maxThrottleWaitMs ?? 60_000)) {
            await sleep(waitMs);
            continue;
          }
          throw withRetryAfter(e, waitMs);
        }
        // SP-API rejects a dead token with 403 (not the 401 HttpClient refreshes on): one fresh token, one retry.
        if (e.errorClass === "auth" && !tokenRefreshed && TOKEN_REJECTED.test(e.message)) {
          tokenRefreshed = true;
          this.auth.invalidate();
          continue;
        }
        if (e.errorClass === "transient" && idempotent && transientRetries < (this.opts.transientRetries ?? 1)) {
          await sleep(250 * 2 ** transientRetries++ + Math.random() * 100);
          continue;
        }
        throw e;
      }
    }
  }
}

export function createAmazonClient(opts: AmazonClientOptions): AmazonClient {
  return new AmazonClient(opts);
}

function parseResponse<T>(schema: z.ZodType<T>, body: unknown, op: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ClassifiedError({
    errorClass: "permanent",
    code: "UnexpectedResponse",
    message: `${op}: SP-API answered an unexpected shape at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
  });
}

function withRetryAfter(e: ClassifiedError, retryAfterMs: number): ClassifiedError {
  return new ClassifiedError({
    errorClass: e.errorClass,
    message: e.message,
    retryAfterMs: Math.max(e.retryAfterMs ?? 0, retryAfterMs),
    code: e.code,
    upstream: e.upstream,
  });
}
