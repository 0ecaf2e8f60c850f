import { createHash } from "node:crypto";
import Stripe from "stripe";
import type { z } from "zod";
import { ClassifiedError } from "../../pipeline/errors";
import {
  StripeBalance,
  StripeBalanceTransaction,
  StripeCharge,
  StripeEvent,
  StripePayout,
  StripeRefund,
  StripeRefundCreate,
} from "./api-schemas";
import { classifyStripeSdkError } from "./errors";

export interface StripeClientOptions {
  /** https://api.stripe.com, or a sandbox URL: the SDK is pointed at it with host/port/protocol. */
  baseUrl: string;
  secretKey: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * Stripe accepts idempotency keys of at most 255 characters; a longer pipeline key is replaced by
 * its SHA-256, which is just as stable across retries.
 */
export function stripeIdempotencyKey(key: string): string {
  return key.length <= 255 ? key : `lk_${createHash("sha256").update(key).digest("hex")}`;
}

/** Most list endpoints cap `limit` at 100. */
const MAX_PAGE = 100;

/**
 * The Stripe API through the official SDK (stripe-node). The secret key goes into the SDK and
 * nowhere else: it is not kept on this object. SDK retries are off (maxNetworkRetries: 0)
 * because retrying is the pipeline's decision; every SDK error is classified by errors.ts, and
 * every answer is parsed once with api-schemas.
 */
export class StripeClient {
  readonly baseUrl: string;
  readonly #sdk: Stripe;

  constructor(opts: StripeClientOptions) {
    this.baseUrl = opts.baseUrl;
    const url = new URL(opts.baseUrl);
    const protocol = url.protocol === "http:" ? "http" : "https";
    const baseFetch = opts.fetch ?? globalThis.fetch;
    // The SDK only knows host/port/protocol; a base URL with a path (a proxy mount) is kept by
    // prefixing every request path.
    const prefix = url.pathname.replace(/\/+$/, "");
    const fetchFn: typeof fetch = prefix
      ? (input, init) => {
          const target = new URL(input instanceof Request ? input.url : String(input));
          target.pathname = `${prefix}${target.pathname}`;
          return baseFetch(target, init);
        }
      : baseFetch;
    this.#sdk = new Stripe(opts.secretKey, {
      host: url.hostname,
      port: url.port ? Number(url.port) : protocol === "http" ? 80 : 443,
      protocol,
      httpClient: Stripe.createFetchHttpClient(fetchFn),
      maxNetworkRetries: 0,
      timeout: opts.timeoutMs ?? 30_000,
      telemetry: false,
      appInfo: { name: "Loopkeeper", version: "0.1.0" },
    });
  }

  async retrieveBalance(): Promise<StripeBalance> {
    return parse(StripeBalance, await this.call(() => this.#sdk.balance.retrieve()), "balance");
  }

  /** Payouts, newest first, every page (auto-pagination walks starting_after). */
  async listPayouts(opts: { createdGte?: number; status?: string; pageSize?: number; max?: number } = {}): Promise<StripePayout[]> {
    const params: Stripe.PayoutListParams = { limit: pageSize(opts.pageSize) };
    if (opts.createdGte !== undefined) params.created = { gte: opts.createdGte };
    if (opts.status) params.status = opts.status;
    const items = await this.collect(this.#sdk.payouts.list(params), opts.max);
    return items.map((p) => parse(StripePayout, p, "payout"));
  }

  async retrievePayout(id: string): Promise<StripePayout> {
    return parse(StripePayout, await this.call(() => this.#sdk.payouts.retrieve(id)), "payout");
  }

  /**
   * The balance transactions an automatic payout settled, with each source expanded (charge,
   * refund, dispute...) so order references can be read without one call per line. Includes the
   * payout's own transaction (type payout), which the mapper excludes.
   */
  async listPayoutTransactions(payoutId: string, opts: { pageSize?: number } = {}): Promise<StripeBalanceTransaction[]> {
    const items = await this.collect(this.#sdk.balanceTransactions.list({ payout: payoutId, expand: ["data.source"], limit: pageSize(opts.pageSize) }));
    return items.map((t) => parse(StripeBalanceTransaction, t, "balance_transaction"));
  }

  async retrieveCharge(id: string): Promise<StripeCharge> {
    return parse(StripeCharge, await this.call(() => this.#sdk.charges.retrieve(id)), "charge");
  }

  /**
   * Charges matching a Search API query (https://docs.stripe.com/search#search-query-language),
   * first page only. Search is eventually consistent: a charge can take up to a minute to appear.
   */
  async searchCharges(query: string, limit = 10): Promise<StripeCharge[]> {
    const page = await this.call(() => this.#sdk.charges.search({ query, limit }));
    return page.data.map((c) => parse(StripeCharge, c, "charge"));
  }

  /**
   * POST /v1/refunds with the caller's Idempotency-Key: Stripe replays the first answer for the
   * same key and parameters (`replayed` = the Idempotent-Replayed header) and rejects the same key
   * with other parameters (idempotency_error → permanent).
   */
  async createRefund(params: StripeRefundCreate, idempotencyKey: string): Promise<{ refund: StripeRefund; replayed: boolean; requestId?: string }> {
    const checked = StripeRefundCreate.safeParse(params);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new ClassifiedError({ errorClass: "validation", field: issue?.path.join(".") || "refund", reason: issue?.message ?? "invalid", message: `stripe: refund not sent: ${issue?.path.join(".")}: ${issue?.message}` });
    }
    const body = checked.data;
    const res = await this.call(() => this.#sdk.refunds.create(body, { idempotencyKey: stripeIdempotencyKey(idempotencyKey) }));
    return {
      refund: parse(StripeRefund, res, "refund"),
      replayed: headerOf(res.lastResponse, "idempotent-replayed") === "true",
      requestId: res.lastResponse?.requestId ?? headerOf(res.lastResponse, "request-id"),
    };
  }

  async listRefunds(opts: { charge?: string; pageSize?: number; max?: number } = {}): Promise<StripeRefund[]> {
    const params: Stripe.RefundListParams = { limit: pageSize(opts.pageSize) };
    if (opts.charge) params.charge = opts.charge;
    const items = await this.collect(this.#sdk.refunds.list(params), opts.max);
    return items.map((r) => parse(StripeRefund, r, "refund"));
  }

  /** Events (kept 30 days by Stripe), newest first: the catch-up path when webhooks were missed. */
  async listEvents(opts: { types?: string[]; createdGte?: number; pageSize?: number; max?: number } = {}): Promise<StripeEvent[]> {
    const params: Stripe.EventListParams = { limit: pageSize(opts.pageSize) };
    if (opts.types?.length) params.types = opts.types;
    if (opts.createdGte !== undefined) params.created = { gte: opts.createdGte };
    const items = await this.collect(this.#sdk.events.list(params), opts.max);
    return items.map((e) => parse(StripeEvent, e, "event"));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw classifyStripeSdkError(e);
    }
  }

  private async collect<T>(list: AsyncIterable<T>, max = 10_000): Promise<T[]> {
    const out: T[] = [];
    try {
      for await (const item of list) {
        out.push(item);
        if (out.length >= max) break;
      }
    } catch (e) {
      throw classifyStripeSdkError(e);
    }
    return out;
  }
}

function pageSize(n: number | undefined): number {
  return Math.min(MAX_PAGE, Math.max(1, n ?? MAX_PAGE));
}

/** The SDK's fetch client exposes a Headers object as lastResponse.headers, the node client a plain record. */
function headerOf(lastResponse: { headers?: unknown } | undefined, name: string): string | undefined {
  const h = lastResponse?.headers as { get?: (n: string) => string | null } | Record<string, string> | undefined;
  if (!h) return undefined;
  if (typeof (h as { get?: unknown }).get === "function") return (h as { get: (n: string) => string | null }).get(name) ?? undefined;
  return (h as Record<string, string>)[name];
}

function parse<S extends z.ZodTypeAny>(schema: S, data: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ClassifiedError({
    errorClass: "permanent",
    message: `stripe: unexpected ${what} shape at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`,
    code: "schema_mismatch",
  });
}
