import type { z } from "zod";
import { ClassifiedError } from "../../pipeline/errors";
import { HttpClient, tryJson, type AuthTransport, type HttpRequest } from "../sdk/http-client";
import {
  QBO_ENTITIES,
  QboCompanyInfo,
  QboCustomer,
  QboInvoice,
  QboItem,
  QboJournalEntry,
  QboQueryResponse,
  QboRefundReceipt,
  QboSalesReceipt,
  type CustomerWrite,
  type JournalEntryWrite,
  type RefundReceiptWrite,
  type SalesReceiptWrite,
} from "./api-schemas";
import { classifyError, throwOnFaultIn2xx } from "./errors";
import { qboQuote } from "./identifiers";

export const QBO_PRODUCTION_BASE_URL = "https://quickbooks.api.intuit.com";
export const QBO_SANDBOX_BASE_URL = "https://sandbox-quickbooks.api.intuit.com";
/** Minor versions 1–74 were retired in 2025; 75 is the floor every request must name. */
export const QBO_MINOR_VERSION = 75;
/** QBO's per-realm concurrency ceiling (a 429 beyond it). */
export const QBO_MAX_CONCURRENT = 10;
/** QBO returns at most 1000 rows per query page. */
export const QBO_MAX_PAGE = 1000;

export interface QuickBooksClientOptions {
  /** https://quickbooks.api.intuit.com, the sandbox company host, or a local sandbox URL. */
  baseUrl: string;
  realmId: string;
  auth: AuthTransport;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Home currency, for documents QBO returns without CurrencyRef. */
  homeCurrency?: string;
  maxConcurrent?: number;
}

/** What a write returns: the entity, and Intuit's transaction id for support tickets. */
export interface WriteResult<T> {
  entity: T;
  intuitTid?: string;
}

export interface WriteOptions {
  /** QBO's idempotency key: a repeated requestid returns the original response. */
  requestId: string;
}

const ENTITY_SCHEMAS = {
  SalesReceipt: QboSalesReceipt,
  RefundReceipt: QboRefundReceipt,
  Invoice: QboInvoice,
  JournalEntry: QboJournalEntry,
  Customer: QboCustomer,
  Item: QboItem,
} as const;
type ReadableEntity = keyof typeof ENTITY_SCHEMAS;
type EntityOf<E extends ReadableEntity> = z.infer<(typeof ENTITY_SCHEMAS)[E]>;
const schemaOf = <E extends ReadableEntity>(entity: E) => ENTITY_SCHEMAS[entity] as unknown as z.ZodType<EntityOf<E>>;

/**
 * A client of the QuickBooks Online Accounting API v3 for one company (realm). Every request
 * names minorversion=75; every write carries a requestid; at most 10 requests are in flight.
 */
export class QuickBooksClient {
  readonly realmId: string;
  readonly homeCurrency: string;
  private readonly http: HttpClient;
  private readonly gate: ConcurrencyGate;

  constructor(opts: QuickBooksClientOptions) {
    this.realmId = opts.realmId;
    this.homeCurrency = opts.homeCurrency ?? "USD";
    this.gate = new ConcurrencyGate(opts.maxConcurrent ?? QBO_MAX_CONCURRENT);
    this.http = new HttpClient({
      baseUrl: companyBaseUrl(opts.baseUrl, opts.realmId),
      auth: opts.auth,
      classify: classifyError,
      fetch: opts.fetch,
      timeoutMs: opts.timeoutMs,
      inspect: throwOnFaultIn2xx,
    });
  }

  /** The company's name: the cheap authenticated read behind "Test connection". */
  async companyInfo(): Promise<z.infer<typeof QboCompanyInfo>> {
    const body = await this.get(`companyinfo/${encodeURIComponent(this.realmId)}`);
    return parseEntity(QboCompanyInfo, body, "CompanyInfo");
  }

  async read<E extends ReadableEntity>(entity: E, id: string): Promise<EntityOf<E>> {
    const body = await this.get(`${QBO_ENTITIES[entity]}/${encodeURIComponent(id)}`);
    return parseEntity(schemaOf(entity), body, entity);
  }

  createSalesReceipt(body: SalesReceiptWrite, opts: WriteOptions): Promise<WriteResult<z.infer<typeof QboSalesReceipt>>> {
    return this.write("SalesReceipt", body, opts);
  }

  createRefundReceipt(body: RefundReceiptWrite, opts: WriteOptions): Promise<WriteResult<z.infer<typeof QboRefundReceipt>>> {
    return this.write("RefundReceipt", body, opts);
  }

  createJournalEntry(body: JournalEntryWrite, opts: WriteOptions): Promise<WriteResult<z.infer<typeof QboJournalEntry>>> {
    return this.write("JournalEntry", body, opts);
  }

  createCustomer(body: CustomerWrite, opts: WriteOptions): Promise<WriteResult<z.infer<typeof QboCustomer>>> {
    return this.write("Customer", body, opts);
  }

  /**
   * Voids a sales receipt: a sparse update with include=void. QBO keeps the document (and its
   * DocNumber) with every amount zeroed and "Voided" in PrivateNote. The SyncToken must be the
   * current one, else QBO answers 5010 (a `conflict`).
   */
  voidSalesReceipt(ref: { Id: string; SyncToken: string }, opts: WriteOptions): Promise<WriteResult<z.infer<typeof QboSalesReceipt>>> {
    return this.write("SalesReceipt", { Id: ref.Id, SyncToken: ref.SyncToken, sparse: true }, opts, { operation: "update", include: "void" });
  }

  /** Deletes a sales receipt (frees its DocNumber, unlike a void). */
  async deleteSalesReceipt(ref: { Id: string; SyncToken: string }, opts: WriteOptions): Promise<{ Id: string; status?: string }> {
    const res = await this.call({ method: "POST", path: QBO_ENTITIES.SalesReceipt, body: { Id: ref.Id, SyncToken: ref.SyncToken }, query: { operation: "delete", requestid: opts.requestId } });
    const doc = asObject(res.body);
    return { Id: String(doc.SalesReceipt?.Id ?? ref.Id), status: doc.SalesReceipt?.status };
  }

  /**
   * Runs one query page. `statement` is "select * from <Entity> [where ...] [orderby ...]"
   * without paging, which this adds (STARTPOSITION is 1-based).
   */
  async queryPage<E extends ReadableEntity>(entity: E, statement: string, startPosition = 1, maxResults = QBO_MAX_PAGE): Promise<EntityOf<E>[]> {
    const sql = `${statement} STARTPOSITION ${startPosition} MAXRESULTS ${Math.min(maxResults, QBO_MAX_PAGE)}`;
    const body = await this.get("query", { query: sql });
    const parsed = QboQueryResponse.safeParse(body);
    if (!parsed.success) throw unexpected("query", parsed.error.message);
    const rows = parsed.data.QueryResponse[entity];
    if (rows === undefined) return [];
    if (!Array.isArray(rows)) throw unexpected("query", `QueryResponse.${entity} is not a list`);
    return rows.map((r) => parseRow(schemaOf(entity), r, entity));
  }

  /** Every row of a query, page by page. `limit` stops early (a guard against runaway reads). */
  async queryAll<E extends ReadableEntity>(entity: E, statement: string, opts: { pageSize?: number; limit?: number } = {}): Promise<EntityOf<E>[]> {
    const pageSize = Math.min(opts.pageSize ?? QBO_MAX_PAGE, QBO_MAX_PAGE);
    const out: EntityOf<E>[] = [];
    for (let start = 1; ; start += pageSize) {
      const page = await this.queryPage(entity, statement, start, pageSize);
      out.push(...page);
      if (page.length < pageSize || (opts.limit !== undefined && out.length >= opts.limit)) break;
    }
    return opts.limit === undefined ? out : out.slice(0, opts.limit);
  }

  /** Documents of one type with this DocNumber (normally zero or one). */
  findByDocNumber<E extends "SalesReceipt" | "RefundReceipt" | "JournalEntry" | "Invoice">(entity: E, docNumber: string): Promise<EntityOf<E>[]> {
    return this.queryAll(entity, `select * from ${entity} where DocNumber = ${qboQuote(docNumber)}`, { limit: 50 });
  }

  /** Documents of one type changed at or after `since` (UTC ISO-8601), oldest first. */
  changedSince<E extends ReadableEntity>(entity: E, since: string, opts: { pageSize?: number } = {}): Promise<EntityOf<E>[]> {
    const at = new Date(since);
    if (Number.isNaN(at.getTime())) throw new ClassifiedError({ errorClass: "permanent", message: `not a time: ${since}` });
    const stamp = at.toISOString().replace(/\.\d{3}Z$/, "+00:00");
    return this.queryAll(entity, `select * from ${entity} where MetaData.LastUpdatedTime >= ${qboQuote(stamp)} ORDERBY MetaData.LastUpdatedTime`, opts);
  }

  /** The item with this SKU, else the item whose Name is the SKU (companies without the SKU field). */
  async findItemBySku(sku: string): Promise<EntityOf<"Item"> | undefined> {
    let bySku: EntityOf<"Item">[] = [];
    try {
      bySku = await this.queryPage("Item", `select * from Item where Sku = ${qboQuote(sku)}`, 1, 2);
    } catch (e) {
      // Companies without the SKU feature reject a Sku filter as a query error; Name still works.
      if (!(e instanceof ClassifiedError && e.errorClass === "permanent" && (e.code === "4000" || e.code === "4001"))) throw e;
    }
    if (bySku[0]) return bySku[0];
    const byName = await this.queryPage("Item", `select * from Item where Name = ${qboQuote(sku)}`, 1, 2);
    return byName[0];
  }

  async itemsByIds(ids: string[]): Promise<EntityOf<"Item">[]> {
    const unique = [...new Set(ids)];
    const out: EntityOf<"Item">[] = [];
    for (let i = 0; i < unique.length; i += 50) {
      const chunk = unique.slice(i, i + 50);
      out.push(...(await this.queryAll("Item", `select * from Item where Id in (${chunk.map(qboQuote).join(", ")})`)));
    }
    return out;
  }

  async findCustomerByDisplayName(displayName: string): Promise<EntityOf<"Customer"> | undefined> {
    return (await this.queryPage("Customer", `select * from Customer where DisplayName = ${qboQuote(displayName)}`, 1, 2))[0];
  }

  private async write<E extends ReadableEntity>(entity: E, body: unknown, opts: WriteOptions, extra: Record<string, string> = {}): Promise<WriteResult<EntityOf<E>>> {
    const res = await this.call({ method: "POST", path: QBO_ENTITIES[entity], body, query: { ...extra, requestid: opts.requestId } });
    return { entity: parseEntity(schemaOf(entity), res.body, entity), intuitTid: res.headers["intuit_tid"] };
  }

  private async get(path: string, query: Record<string, string> = {}): Promise<unknown> {
    return (await this.call({ method: "GET", path, query })).body;
  }

  private call(req: HttpRequest) {
    return this.gate.run(async () => {
      const res = await this.http.request({ ...req, query: { ...req.query, minorversion: QBO_MINOR_VERSION } });
      return { ...res, body: typeof res.body === "string" ? tryJson(res.body) ?? res.body : res.body };
    });
  }
}

/** Accepts a host ("https://quickbooks.api.intuit.com") or a full company URL. */
export function companyBaseUrl(baseUrl: string, realmId: string): string {
  const trimmed = baseUrl.replace(/\/+$/, "");
  if (/\/v3\/company\/[^/]+$/.test(trimmed)) return `${trimmed}/`;
  return `${trimmed}/v3/company/${encodeURIComponent(realmId)}/`;
}

function asObject(body: unknown): Record<string, any> {
  return body && typeof body === "object" ? (body as Record<string, any>) : {};
}

function parseEntity<T>(schema: z.ZodType<T>, body: unknown, entity: string): T {
  const raw = asObject(body)[entity];
  if (raw === undefined) throw unexpected(entity, `the response has no ${entity}`);
  return parseRow(schema, raw, entity);
}

function parseRow<T>(schema: z.ZodType<T>, raw: unknown, entity: string): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw unexpected(entity, parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return parsed.data;
}

function unexpected(what: string, detail: string): ClassifiedError {
  return new ClassifiedError({ errorClass: "permanent", message: `unexpected QuickBooks ${what} response: ${detail}` });
}

/** A counting semaphore: QBO answers 429 beyond 10 concurrent requests per realm and app. */
class ConcurrencyGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
