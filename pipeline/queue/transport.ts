/**
 * How work moves between stages. Two implementations with one contract (tests/transport.contract):
 * BullMQ on Redis for scale-out, and an in-process queue for the embedded default. The queue only
 * carries ids; the database is the source of truth, so a lost queue is rebuilt by the sweeper.
 */
export interface Job<T = unknown> {
  id: string;
  data: T;
}

export interface EnqueueJob<T = unknown> extends Job<T> {
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
}

export interface ConsumeOptions {
  /** Jobs of this queue running at once in this process. */
  concurrency: number;
  /** At most `max` jobs started per `durationMs`, across this process (per destination). */
  limiter?: { max: number; durationMs: number };
}

export type JobHandler<T = unknown> = (job: Job<T>) => Promise<void>;

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
}

export interface QueueTransport {
  readonly kind: "bullmq" | "in-process";
  /**
   * Adds jobs. A job whose id is already waiting, delayed or active is not added again, so
   * re-enqueueing after a crash or from the sweeper is safe.
   */
  enqueue<T>(queue: string, jobs: EnqueueJob<T>[]): Promise<void>;
  /** Starts consuming. A handler that throws is retried by the transport with backoff (infrastructure faults only). */
  consume<T>(queue: string, handler: JobHandler<T>, opts: ConsumeOptions): Promise<void>;
  /** Holds a queue's consumers for `ms` (a rate-limit signal or an open circuit) without failing jobs. */
  pauseFor(queue: string, ms: number): Promise<void>;
  counts(queue: string): Promise<QueueCounts>;
  ping(): Promise<void>;
  /** Stops consumers (letting active jobs finish), then connections. */
  close(): Promise<void>;
}

/** Retry schedule for handler exceptions (database down, bugs): not for upstream errors. */
export const INFRA_RETRY = { attempts: 8, baseMs: 500 } as const;
