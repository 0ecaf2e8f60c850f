import { z } from "zod";
import { ClassifiedError, isClassifiedError } from "../../pipeline/errors";
import { HttpClient, type AuthTransport, type HttpResponse } from "../sdk/http-client";
import {
  AsyncJobStatus,
  AsyncTaskList,
  AsyncTaskStatus,
  InventoryRow,
  ItemRow,
  LocationRow,
  SalesOrderLineRow,
  SalesOrderRow,
  SubsidiaryRow,
  SuiteQLPage,
  TransactionRecord,
  type CreditMemoTransformBody,
  type SalesOrderClosePatch,
  type SalesOrderWrite,
  type TransformBody,
} from "./api-schemas";
import { classifyError } from "./errors";
import { SUITEQL } from "./suiteql";

/** SuiteQL's largest page. */
export const MAX_SUITEQL_PAGE = 1000;

export type NetSuiteRecordType = "salesOrder" | "itemFulfillment" | "returnAuthorization" | "itemReceipt" | "creditMemo" | "customer";

export interface NetSuiteClientOptions {
  /** https://<account>.suitetalk.api.netsuite.com/services/rest/ (or a sandbox's equivalent). */
  baseUrl: string;
  /** Token-based authentication (oauth1.ts tbaAuth): the only holder of secrets. */
  auth: AuthTransport;
  /** For messages only. */
  accountId?: string;
  /** The NetSuite user's time zone preference, which SuiteQL datetimes are rendered in. */
  timeZone?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** SuiteQL rows per page (1–1000). */
  pageSize?: number;
  /** First wait between async job polls; doubles up to 2 s. */
  asyncPollMs?: number;
  /** How long one delivery waits for an async job before handing the rest to a retry. */
  asyncTimeoutMs?: number;
}

/**
 * A client of SuiteTalk REST web services: the record API (upsert by external ID, transforms,
 * sublist PATCH), SuiteQL with offset paging, and the async job API for writes that carry an
 * X-NetSuite-Idempotency-Key. Every non-2xx becomes a ClassifiedError through errors.ts.
 */
export class NetSuiteClient {
  readonly http: HttpClient;
  readonly accountId?: string;
  readonly timeZone: string;
  readonly pageSize: number;
  private readonly asyncPollMs: number;
  private readonly asyncTimeoutMs: number;

  constructor(opts: NetSuiteClientOptions) {
    this.http = new HttpClient({ baseUrl: opts.baseUrl, auth: opts.auth, classify: classifyError, fetch: opts.fetch, timeoutMs: opts.timeoutMs ?? 30_000 });
    this.accountId = opts.accountId;
    this.timeZone = opts.timeZone ?? "UTC";
    this.pageSize = Math.max(1, Math.min(MAX_SUITEQL_PAGE, opts.pageSize ?? MAX_SUITEQL_PAGE));
    this.asyncPollMs = opts.asyncPollMs ?? 250;
    this.asyncTimeoutMs = opts.asyncTimeoutMs ?? 20_000;
  }

  /**
   * One SuiteQL page. limit and offset travel in the query string, so they are covered by the
   * OAuth signature; `Prefer: transient` is required by the suiteql resource.
   */
  async suiteqlPage(q: string, page: { limit?: number; offset?: number } = {}): Promise<SuiteQLPage> {
    const body = await this.http.json({
      method: "POST",
      path: "query/v1/suiteql",
      query: { limit: page.limit ?? this.pageSize, offset: page.offset ?? 0 },
      headers: { prefer: "transient" },
      body: { q },
    });
    return parseUpstream(SuiteQLPage, body, "SuiteQL page");
  }

  /** Every row of a query, page after page (NetSuite stops at 100,000 rows per query). */
  async suiteqlAll<T extends z.ZodType>(q: string, row: T): Promise<z.infer<T>[]> {
    const out: z.infer<T>[] = [];
    for (let offset = 0; ; ) {
      const page = await this.suiteqlPage(q, { limit: this.pageSize, offset });
      for (const r of page.items) out.push(parseUpstream(row, r, "SuiteQL row"));
      if (!page.hasMore || page.count === 0) return out;
      offset += page.count;
    }
  }

  async testConnection(): Promise<{ subsidiaries: number; first?: string }> {
    const page = await this.suiteqlPage(SUITEQL.subsidiaries(), { limit: 1, offset: 0 });
    const first = page.items[0] ? parseUpstream(SubsidiaryRow, page.items[0], "subsidiary") : undefined;
    return { subsidiaries: page.totalResults, first: first?.name };
  }

  /** SKU (item name/number, `itemid`) → internal id, for the SKUs NetSuite knows. */
  async findItemIdsBySku(skus: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const unique = [...new Set(skus)];
    for (let i = 0; i < unique.length; i += 200) {
      for (const r of await this.suiteqlAll(SUITEQL.itemsBySku(unique.slice(i, i + 200)), ItemRow)) found.set(r.itemid, r.id);
    }
    return found;
  }

  async findLocationIdByName(name: string): Promise<string | undefined> {
    const rows = await this.suiteqlAll(SUITEQL.locationByName(name), LocationRow);
    return rows[0]?.id;
  }

  /** One page of stock rows changed at or after `since` (NetSuite-local text; null = all, oldest change first). */
  async inventoryChangesPage(since: string | null, page: { limit?: number; offset?: number } = {}): Promise<{ rows: InventoryRow[]; hasMore: boolean; count: number }> {
    const res = await this.suiteqlPage(SUITEQL.inventory(since), page);
    return { rows: res.items.map((r) => parseUpstream(InventoryRow, r, "inventory row")), hasMore: res.hasMore, count: res.count };
  }

  /** Every stock row, ordered by item and location (stable under concurrent stock changes). */
  listInventory(): Promise<InventoryRow[]> {
    return this.suiteqlAll(SUITEQL.inventory(), InventoryRow);
  }

  /** The sales order with this external ID: internal id and status letter (H = closed). */
  async findSalesOrderByExternalId(externalId: string): Promise<{ id: string; status?: string } | undefined> {
    const rows = await this.suiteqlAll(SUITEQL.salesOrderByExternalId(externalId), SalesOrderRow);
    return rows[0] ? { id: rows[0].id, status: rows[0].status?.replace(/^SalesOrd:/, "") } : undefined;
  }

  async findSalesOrderIdByExternalId(externalId: string): Promise<string | undefined> {
    return (await this.findSalesOrderByExternalId(externalId))?.id;
  }

  listSalesOrdersModifiedSince(localText: string): Promise<SalesOrderRow[]> {
    return this.suiteqlAll(SUITEQL.salesOrdersModifiedSince(localText), SalesOrderRow);
  }

  async listSalesOrderLines(transactionIds: string[]): Promise<z.infer<typeof SalesOrderLineRow>[]> {
    const out: z.infer<typeof SalesOrderLineRow>[] = [];
    for (let i = 0; i < transactionIds.length; i += 200) out.push(...(await this.suiteqlAll(SUITEQL.salesOrderLines(transactionIds.slice(i, i + 200)), SalesOrderLineRow)));
    return out;
  }

  /**
   * Creates or updates the sales order keyed by external ID (PUT .../eid:{externalId}, answered
   * 204 with the record in Location). `replace=item` makes the item sublist exactly what we
   * send, so an updated order drops lines that were removed in the channel.
   */
  async upsertSalesOrder(externalId: string, body: SalesOrderWrite): Promise<string> {
    const res = await this.http.request({ method: "PUT", path: `record/v1/salesOrder/eid:${externalId}`, query: { replace: "item" }, body });
    return this.recordIdFrom(res, "salesOrder", externalId);
  }

  async upsertCustomer(externalId: string, body: Record<string, unknown>): Promise<string> {
    const res = await this.http.request({ method: "PUT", path: `record/v1/customer/eid:${externalId}`, body });
    return this.recordIdFrom(res, "customer", externalId);
  }

  /** A transaction with its item sublist inlined; undefined when NetSuite has no such record. */
  async getTransaction(type: NetSuiteRecordType, ref: { id: string } | { externalId: string }): Promise<TransactionRecord | undefined> {
    const key = "id" in ref ? ref.id : `eid:${ref.externalId}`;
    try {
      const body = await this.http.json({ method: "GET", path: `record/v1/${type}/${key}`, query: { expandSubResources: true } });
      return parseUpstream(TransactionRecord, body, type);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** The internal id of the record with this external ID, if there is one. */
  async findRecordIdByExternalId(type: NetSuiteRecordType, externalId: string): Promise<string | undefined> {
    try {
      const body = await this.http.json<{ id?: string | number }>({ method: "GET", path: `record/v1/${type}/eid:${externalId}`, query: { fields: "id" } });
      return body?.id === undefined ? undefined : String(body.id);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /**
   * Closes sales order lines. NetSuite has no REST "cancel" for a sales order; closing every
   * open line releases its commitments and turns the order Closed, and works after a partial
   * fulfilment too. Lines are keyed by `line`, so repeating the PATCH changes nothing.
   */
  async closeSalesOrderLines(id: string, patch: SalesOrderClosePatch): Promise<void> {
    await this.http.request({ method: "PATCH", path: `record/v1/salesOrder/${id}`, body: patch });
  }

  /**
   * POST .../{from}/{id}/!transform/{to} sent asynchronously with X-NetSuite-Idempotency-Key,
   * the only write NetSuite deduplicates by key: a repeat with the same key answers
   * IDEMPOTENCY_ERROR pointing at the first job, which is followed to the record it created.
   */
  async transform(
    from: NetSuiteRecordType,
    fromId: string,
    to: NetSuiteRecordType,
    body: TransformBody | CreditMemoTransformBody,
    opts: { idempotencyKey: string; replace?: string },
  ): Promise<string> {
    let res: HttpResponse;
    try {
      res = await this.http.request({
        method: "POST",
        path: `record/v1/${from}/${fromId}/!transform/${to}`,
        query: { replace: opts.replace },
        headers: { prefer: "respond-async", "x-netsuite-idempotency-key": opts.idempotencyKey },
        body,
      });
    } catch (e) {
      const earlier = isClassifiedError(e) && e.code === "IDEMPOTENCY_ERROR" ? jobIdFromLocation(e.upstream?.headers?.location) : undefined;
      if (!earlier) throw e;
      return this.awaitAsyncRecord(earlier);
    }
    const jobId = jobIdFromLocation(res.headers.location);
    if (jobId) return this.awaitAsyncRecord(jobId);
    // An account or endpoint that ignored `Prefer: respond-async` answered synchronously.
    return this.recordIdFrom(res, to);
  }

  /** Polls an async job to its end and returns the internal id of the record its task created. */
  async awaitAsyncRecord(jobId: string): Promise<string> {
    const deadline = Date.now() + this.asyncTimeoutMs;
    for (let wait = this.asyncPollMs; ; wait = Math.min(wait * 2, 2_000)) {
      const job = parseUpstream(AsyncJobStatus, await this.http.json({ path: `async/v1/job/${jobId}` }), "async job");
      if (job.completed) break;
      if (Date.now() + wait > deadline) {
        throw new ClassifiedError({
          errorClass: "transient",
          message: `NetSuite async job ${jobId} is still ${job.progress}; a retry resubmits with the same idempotency key and follows this job`,
          code: "ASYNC_PENDING",
        });
      }
      await new Promise((r) => setTimeout(r, wait));
    }
    const tasks = parseUpstream(AsyncTaskList, await this.http.json({ path: `async/v1/job/${jobId}/task` }), "async task list");
    const taskId = lastSegment(tasks.items[0]?.links.find((l) => l.rel === "self")?.href);
    if (!taskId) throw new ClassifiedError({ errorClass: "permanent", message: `NetSuite async job ${jobId} finished without a task` });
    parseUpstream(AsyncTaskStatus, await this.http.json({ path: `async/v1/job/${jobId}/task/${taskId}` }), "async task");
    // A failed task's result is the original error response, which request() classifies and throws.
    const result = await this.http.request<{ id?: string | number; links?: { rel: string; href: string }[] }>({ path: `async/v1/job/${jobId}/task/${taskId}/result` });
    const id = lastSegment(result.headers.location) ?? lastSegment(result.body?.links?.find((l) => l.rel === "self")?.href) ?? (result.body?.id === undefined ? undefined : String(result.body.id));
    if (!id || !/^\d+$/.test(id)) throw new ClassifiedError({ errorClass: "permanent", message: `NetSuite async job ${jobId} did not say which record it created` });
    return id;
  }

  /** NetSuite answers writes with 204 and `Location: .../record/v1/{type}/{id}`. */
  private async recordIdFrom(res: HttpResponse, type: NetSuiteRecordType, externalId?: string): Promise<string> {
    const seg = lastSegment(res.headers.location);
    if (seg && /^\d+$/.test(seg)) return seg;
    if (externalId) {
      const id = type === "salesOrder" ? await this.findSalesOrderIdByExternalId(externalId) : await this.findRecordIdByExternalId(type, externalId);
      if (id) return id;
    }
    throw new ClassifiedError({ errorClass: "permanent", message: `NetSuite accepted the ${type} but did not return its id (Location: ${res.headers.location ?? "none"})` });
  }
}

export function isNotFound(e: unknown): boolean {
  return isClassifiedError(e) && e.upstream?.status === 404;
}

function lastSegment(href: string | undefined): string | undefined {
  if (!href) return undefined;
  const path = href.replace(/[?#].*$/, "").replace(/\/+$/, "");
  const seg = path.slice(path.lastIndexOf("/") + 1);
  return seg ? decodeURIComponent(seg) : undefined;
}

function jobIdFromLocation(location: string | undefined): string | undefined {
  return location ? /async\/v1\/job\/([^/?#]+)/.exec(location)?.[1] : undefined;
}

/** An upstream payload that does not match what we rely on is a permanent fault, named. */
function parseUpstream<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ClassifiedError({ errorClass: "permanent", message: `unexpected NetSuite ${what}: ${issue?.path.join(".") || "(root)"} ${issue?.message ?? ""}`.trim() });
}
