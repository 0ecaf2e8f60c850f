import { Queue, Worker, type ConnectionOptions } from "bullmq";
import { Redis } from "ioredis";
import type { ConsumeOptions, EnqueueJob, JobHandler, QueueCounts, QueueTransport } from "./transport";
import { INFRA_RETRY } from "./transport";
import { log } from "../log";

/**
 * The scale-out transport: BullMQ on Redis. Any number of worker processes on any number of
 * machines consume the same queues; BullMQ's job ids de-duplicate enqueues, its limiter enforces
 * per-destination rates across all workers, and stalled jobs of a killed worker are re-delivered.
 */
export class BullmqTransport implements QueueTransport {
  readonly kind = "bullmq" as const;
  private readonly connection: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();

  constructor(url: string, private readonly prefix = "lk") {
    // Workers block on Redis; BullMQ requires maxRetriesPerRequest: null on their connections.
    this.connection = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
    this.connection.on("error", (err) => log.warn({ err: err.message }, "redis connection error"));
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: this.connection as unknown as ConnectionOptions,
        prefix: this.prefix,
        defaultJobOptions: {
          removeOnComplete: true,
          removeOnFail: { count: 1000 },
          attempts: INFRA_RETRY.attempts,
          backoff: { type: "exponential", delay: INFRA_RETRY.baseMs },
        },
      });
      q.on("error", (err) => log.warn({ err: err.message, queue: name }, "bullmq queue error"));
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue<T>(name: string, jobs: EnqueueJob<T>[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue(name).addBulk(
      jobs.map((j) => ({ name: "job", data: j.data, opts: { jobId: j.id, delay: j.delayMs && j.delayMs > 0 ? j.delayMs : undefined } })),
    );
  }

  async consume<T>(name: string, handler: JobHandler<T>, opts: ConsumeOptions): Promise<void> {
    if (this.workers.has(name)) return;
    const worker = new Worker(name, async (job) => handler({ id: job.id!, data: job.data as T }), {
      connection: this.connection.duplicate() as unknown as ConnectionOptions,
      prefix: this.prefix,
      concurrency: opts.concurrency,
      // BullMQ only honours pauseFor (Queue.rateLimit) on workers that have a limiter, so every
      // worker gets one; without a configured rate it is too wide to ever bind.
      limiter: opts.limiter ? { max: opts.limiter.max, duration: opts.limiter.durationMs } : { max: 1_000_000, duration: 1000 },
      // A killed worker's jobs come back after this; the database lease prevents double work.
      stalledInterval: 5_000,
      maxStalledCount: 10,
    });
    worker.on("error", (err) => log.warn({ err: err.message, queue: name }, "bullmq worker error"));
    worker.on("failed", (job, err) => log.warn({ err: err.message, queue: name, jobId: job?.id }, "job handler threw (infrastructure retry)"));
    this.workers.set(name, worker);
  }

  async pauseFor(name: string, ms: number): Promise<void> {
    // The queue-level rate limit key is shared in Redis: every worker process holds off for `ms`,
    // and no job spends an attempt.
    await this.queue(name).rateLimit(ms);
  }

  async counts(name: string): Promise<QueueCounts> {
    const c = await this.queue(name).getJobCounts("waiting", "active", "delayed", "prioritized");
    return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0 };
  }

  async schedule(name: string, everyMs: number, handler: () => Promise<void>): Promise<void> {
    const queueName = `schedule-${name}`;
    // startDate only applies when the scheduler is new: a worker that starts later joins the
    // existing schedule instead of moving it.
    await this.queue(queueName).upsertJobScheduler(
      name,
      { every: everyMs, startDate: Date.now() + everyMs },
      { name, data: {}, opts: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } } },
    );
    await this.consume(queueName, async () => {
      try {
        await handler();
      } catch (err) {
        log.error({ err, schedule: name }, "scheduled job failed; the next tick runs it again");
      }
    }, { concurrency: 1 });
  }

  async ping(): Promise<void> {
    await this.connection.ping();
  }

  /** Removes every job of these queues (tests and benchmarks only). */
  async obliterate(names: string[]): Promise<void> {
    for (const n of names) await this.queue(n).obliterate({ force: true });
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }
}
