import type { DeliveryContext, DeliveryResult } from "../connectors/sdk/definition";

/** How hard the pipeline may push one destination, and when it gives up. */
export interface DestinationPolicy {
  concurrency: number;
  /** Steady requests per second across all workers (BullMQ limiter / in-process window). */
  perSecond?: number;
  maxAttempts: number;
  backoff: { baseMs: number; maxMs: number };
  breaker: { consecutiveFailures: number; halfOpenAfterMs: number };
}

export const DEFAULT_POLICY: DestinationPolicy = {
  concurrency: 10,
  maxAttempts: 8,
  backoff: { baseMs: 1_000, maxMs: 10 * 60_000 },
  breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 },
};

export interface DestinationActionRuntime {
  deliver(ctx: DeliveryContext): Promise<DeliveryResult>;
  lookupExisting?(ctx: DeliveryContext): Promise<string | undefined>;
}

/** A destination as the deliver stage sees it: a connector instance with its client bound in. */
export interface Destination {
  id: string;
  owner?: string | null;
  settings: Record<string, unknown>;
  policy: DestinationPolicy;
  actions: Record<string, DestinationActionRuntime>;
}

export interface DestinationDirectory {
  get(id: string): Destination | undefined;
  list(): Destination[];
}

export function staticDirectory(destinations: Destination[]): DestinationDirectory {
  const byId = new Map(destinations.map((d) => [d.id, d]));
  return { get: (id) => byId.get(id), list: () => [...byId.values()] };
}
