/**
 * Shopify's GraphQL cost bucket: a query spends its requested cost; the bucket refills at
 * restoreRate points per second up to maximumAvailable (1000 / 50 on standard plans).
 * https://shopify.dev/docs/api/usage/limits#rate-limits
 */
export class LeakyBucket {
  private available: number;
  private at: number;

  constructor(readonly maximumAvailable = 1000, readonly restoreRate = 50, private readonly now: () => number = Date.now) {
    this.available = maximumAvailable;
    this.at = now();
  }

  status(): { maximumAvailable: number; currentlyAvailable: number; restoreRate: number } {
    this.refill();
    return { maximumAvailable: this.maximumAvailable, currentlyAvailable: Math.floor(this.available), restoreRate: this.restoreRate };
  }

  /** Spends `cost` points if the bucket holds them; false (nothing spent) otherwise. */
  take(cost: number): boolean {
    this.refill();
    if (cost > this.available) return false;
    this.available -= cost;
    return true;
  }

  /** Gives back points charged up front but not used (Shopify charges the actual cost). */
  refund(points: number): void {
    if (points <= 0) return;
    this.refill();
    this.available = Math.min(this.maximumAvailable, this.available + points);
  }

  /** Empties the bucket (a fault: "another app just used the shop's budget"). */
  drain(): void {
    this.available = 0;
    this.at = this.now();
  }

  reset(): void {
    this.available = this.maximumAvailable;
    this.at = this.now();
  }

  private refill(): void {
    const t = this.now();
    this.available = Math.min(this.maximumAvailable, this.available + ((t - this.at) / 1000) * this.restoreRate);
    this.at = t;
  }
}
