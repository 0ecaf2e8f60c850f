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
  /**
   * Runs `handler` every `everyMs`, the first time one interval from now. BullMQ: a job scheduler
   * (repeatable job) in Redis, so however many processes schedule the same name, each tick runs
   * once, on one of them, and the schedule outlives restarts. In-process: a timer in this process.
   * Either way one run of a name at a time per process; a tick that finds it still running is
   * skipped (in-process) or waits (BullMQ). A handler that throws is logged, never retried: the
   * next tick is the retry.
   */
  schedule(name: string, everyMs: number, handler: () => Promise<void>): Promise<void>;
  ping(): Promise<void>;
  /** Stops consumers (letting active jobs finish), then connections. */
  close(): Promise<void>;
}

/** Retry schedule for handler exceptions (database down, bugs): not for upstream errors. */
export const INFRA_RETRY = { attempts: 8, baseMs: 500 } as const;
