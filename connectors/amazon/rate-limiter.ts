import { ClassifiedError } from "../../pipeline/errors";
import { quotaWaitMs } from "./errors";

/** The SP-API operations this connector calls. */
export const SP_OPERATIONS = [
  "getOrders", "getOrder", "getOrderItems", "confirmShipment", "getInventorySummaries", "createReport", "getReports", "getReport",
  "getReportDocument", "getMarketplaceParticipations", "listFinancialEventGroups", "listFinancialEventsByGroupId",
] as const;
export type SpOperation = (typeof SP_OPERATIONS)[number];

export interface UsagePlan {
  /** Requests per second added to the bucket. */
  rate: number;
  /** Bucket size: requests that may go at once after a quiet period. */
  burst: number;
}

/**
 * Default usage plans from each operation's model ("Usage Plan" tables in ordersV0.json,
 * fbaInventory.json, reports_2021-06-30.json, sellers.json, financesV0.json). Amazon may grant a seller more and
 * reports the real rate in x-amzn-RateLimit-Limit, which replaces `rate` once seen. Burst is never
 * reported, so it stays the documented default.
 */
export const DEFAULT_USAGE_PLANS: Record<SpOperation, UsagePlan> = {
  getOrders: { rate: 0.0167, burst: 20 },
  getOrder: { rate: 0.5, burst: 30 },
  getOrderItems: { rate: 0.5, burst: 30 },
  confirmShipment: { rate: 2, burst: 10 },
  getInventorySummaries: { rate: 2, burst: 2 },
  createReport: { rate: 0.0167, burst: 15 },
  getReports: { rate: 0.0222, burst: 10 },
  getReport: { rate: 2, burst: 15 },
  getReportDocument: { rate: 0.0167, burst: 15 },
  getMarketplaceParticipations: { rate: 0.016, burst: 15 },
  listFinancialEventGroups: { rate: 0.5, burst: 30 },
  listFinancialEventsByGroupId: { rate: 0.5, burst: 30 },
};

export interface OperationBudget {
  rate: number;
  burst: number;
  /** Tokens available now (may be negative while callers wait for reserved tokens). */
  tokens: number;
  rateSource: "default" | "header";
  calls: number;
  throttled: number;
  lastThrottledAt?: string;
}

interface Bucket extends UsagePlan {
  tokens: number;
  updatedAt: number;
  rateSource: "default" | "header";
  calls: number;
  throttled: number;
  lastThrottledAt?: number;
}

/**
 * One token bucket per operation, mirroring SP-API's own algorithm, so the client spaces calls
 * instead of collecting 429s. Each call reserves a token up front (the count may go negative) and
 * sleeps until its token has accrued; a call that would sleep longer than `maxWaitMs` fails at once
 * as rate_limited so the scheduler can come back later instead of holding a worker.
 */
export class OperationRateLimiter {
  private readonly buckets = new Map<SpOperation, Bucket>();

  constructor(
    private readonly plans: Partial<Record<SpOperation, UsagePlan>> = {},
    private readonly opts: {
      maxWaitMs?: number;
      /**
       * Share of the advertised rate we actually use. Amazon's bucket starts when our first call
       * lands and network jitter can bring two calls closer than 1/rate: a 10 % margin keeps the
       * spacing on our side. Default 0.9.
       */
      headroom?: number;
      now?: () => number;
      sleep?: (ms: number) => Promise<void>;
    } = {},
  ) {}

  private effectiveRate(b: UsagePlan): number {
    return b.rate * (this.opts.headroom ?? 0.9);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private bucket(op: SpOperation): Bucket {
    let b = this.buckets.get(op);
    if (!b) {
      const plan = this.plans[op] ?? DEFAULT_USAGE_PLANS[op];
      b = { ...plan, tokens: plan.burst, updatedAt: this.now(), rateSource: "default", calls: 0, throttled: 0 };
      this.buckets.set(op, b);
    }
    const t = this.now();
    b.tokens = Math.min(b.burst, b.tokens + ((t - b.updatedAt) / 1000) * this.effectiveRate(b));
    b.updatedAt = t;
    return b;
  }

  /** Waits for a token of `op`, or throws rate_limited when the wait would exceed maxWaitMs. */
  async acquire(op: SpOperation): Promise<void> {
    const b = this.bucket(op);
    b.tokens -= 1;
    if (b.tokens >= 0) return void b.calls++;
    const waitMs = Math.ceil((-b.tokens / this.effectiveRate(b)) * 1000);
    const max = this.opts.maxWaitMs ?? 60_000;
    if (waitMs > max) {
      b.tokens += 1;
      throw new ClassifiedError({
        errorClass: "rate_limited",
        code: "QuotaBudget",
        message: `${op}: the operation's budget (${b.rate}/s, burst ${b.burst}) is spent; next call in ${waitMs} ms`,
        retryAfterMs: waitMs,
      });
    }
    b.calls++;
    await (this.opts.sleep ?? sleep)(waitMs);
  }

  /** Adopts the rate Amazon reports for this seller and application. */
  observe(op: SpOperation, headers: Record<string, string> | undefined): void {
    const v = Number(headers?.["x-amzn-ratelimit-limit"]);
    if (!Number.isFinite(v) || v <= 0) return;
    const b = this.bucket(op);
    b.rate = v;
    b.rateSource = "header";
  }

  /** After a 429 the server's bucket is empty whatever ours says: empty ours too. */
  throttled(op: SpOperation): number {
    const b = this.bucket(op);
    b.tokens = Math.min(b.tokens, 0);
    b.throttled++;
    b.lastThrottledAt = this.now();
    return quotaWaitMs(b.rate);
  }

  rate(op: SpOperation): number {
    return this.bucket(op).rate;
  }

  budget(): Record<string, OperationBudget> {
    const out: Record<string, OperationBudget> = {};
    for (const op of SP_OPERATIONS) {
      const b = this.bucket(op);
      out[op] = {
        rate: b.rate,
        burst: b.burst,
        tokens: Math.round(b.tokens * 1000) / 1000,
        rateSource: b.rateSource,
        calls: b.calls,
        throttled: b.throttled,
        lastThrottledAt: b.lastThrottledAt ? new Date(b.lastThrottledAt).toISOString() : undefined,
      };
    }
    return out;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
