/**
 * ShipStation v1's limiter: a fixed one-minute window per API key, reported on every response as
 * X-Rate-Limit-Limit / -Remaining / -Reset (seconds until the window ends), 429 once spent.
 * https://www.shipstation.com/docs/api/requirements/#api-rate-limits
 */
export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

export class FixedWindowLimiter {
  private windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly limit: () => number,
    private readonly windowMs: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): RateDecision {
    const now = this.now();
    const limit = this.limit();
    const windowMs = this.windowMs();
    let w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) this.windows.set(key, (w = { start: now, used: 0 }));
    const allowed = w.used < limit;
    if (allowed) w.used++;
    const resetSec = Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
    return {
      allowed,
      headers: {
        "X-Rate-Limit-Limit": String(limit),
        "X-Rate-Limit-Remaining": String(Math.max(0, limit - w.used)),
        "X-Rate-Limit-Reset": String(resetSec),
      },
    };
  }

  reset(): void {
    this.windows.clear();
  }
}
