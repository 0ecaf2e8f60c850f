import type { ConsumeOptions, EnqueueJob, Job, JobHandler, QueueCounts, QueueTransport } from "./transport";
import { INFRA_RETRY } from "./transport";
import { log } from "../log";

interface Entry {
  job: Job;
  runAt: number;
  infraAttempts: number;
}

interface LocalQueue {
  ready: Entry[];
  delayed: Map<string, NodeJS.Timeout>;
  ids: Set<string>;
  active: number;
  handler?: JobHandler;
  opts?: ConsumeOptions;
  pausedUntil: number;
  startedAt: number[];
  wake?: NodeJS.Timeout;
}

/**
 * The embedded transport: an in-memory queue per name with per-queue concurrency, a sliding
 * window rate limiter, delays and pauses. It loses its contents on exit by design; the sweeper
 * re-enqueues unfinished work from the database at start.
 */
export class InProcessTransport implements QueueTransport {
  readonly kind = "in-process" as const;
  private readonly queues = new Map<string, LocalQueue>();
  private closed = false;
  private readonly idle: (() => void)[] = [];
  private readonly schedules = new Map<string, NodeJS.Timeout>();
  private readonly scheduledRuns = new Set<Promise<void>>();

  private queue(name: string): LocalQueue {
    let q = this.queues.get(name);
    if (!q) {
      q = { ready: [], delayed: new Map(), ids: new Set(), active: 0, pausedUntil: 0, startedAt: [] };
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue<T>(name: string, jobs: EnqueueJob<T>[]): Promise<void> {
    if (this.closed) throw new Error("queue transport is closed");
    const q = this.queue(name);
    for (const { delayMs, ...job } of jobs) {
      if (q.ids.has(job.id)) continue;
      q.ids.add(job.id);
      this.place(name, q, { job, runAt: Date.now() + (delayMs ?? 0), infraAttempts: 0 });
    }
    this.pump(name);
  }

  private place(name: string, q: LocalQueue, entry: Entry): void {
    const wait = entry.runAt - Date.now();
    if (wait <= 0) {
      q.ready.push(entry);
      return;
    }
    const timer = setTimeout(() => {
      q.delayed.delete(entry.job.id);
      q.ready.push(entry);
      this.pump(name);
    }, wait);
    timer.unref?.();
    q.delayed.set(entry.job.id, timer);
  }

  async consume<T>(name: string, handler: JobHandler<T>, opts: ConsumeOptions): Promise<void> {
    const q = this.queue(name);
    q.handler = handler as JobHandler;
    q.opts = opts;
    this.pump(name);
  }

  async pauseFor(name: string, ms: number): Promise<void> {
    const q = this.queue(name);
    q.pausedUntil = Math.max(q.pausedUntil, Date.now() + ms);
    this.wakeAt(name, q, q.pausedUntil);
  }

  private wakeAt(name: string, q: LocalQueue, at: number): void {
    if (q.wake) clearTimeout(q.wake);
    q.wake = setTimeout(() => ((q.wake = undefined), this.pump(name)), Math.max(1, at - Date.now()));
    q.wake.unref?.();
  }

  private pump(name: string): void {
    const q = this.queues.get(name);
    if (!q?.handler || !q.opts || this.closed) return;
    const now = Date.now();
    if (q.pausedUntil > now) return this.wakeAt(name, q, q.pausedUntil);
    while (q.ready.length > 0 && q.active < q.opts.concurrency) {
      const limiter = q.opts.limiter;
      if (limiter) {
        while (q.startedAt.length && q.startedAt[0]! <= Date.now() - limiter.durationMs) q.startedAt.shift();
        if (q.startedAt.length >= limiter.max) return this.wakeAt(name, q, q.startedAt[0]! + limiter.durationMs);
        q.startedAt.push(Date.now());
      }
      const entry = q.ready.shift()!;
      q.active++;
      void this.run(name, q, entry);
    }
  }

  private async run(name: string, q: LocalQueue, entry: Entry): Promise<void> {
    try {
      await q.handler!(entry.job);
      q.ids.delete(entry.job.id);
    } catch (err) {
      entry.infraAttempts++;
      if (entry.infraAttempts >= INFRA_RETRY.attempts || this.closed) {
        q.ids.delete(entry.job.id);
        log.error({ err, queue: name, jobId: entry.job.id }, "job failed after infrastructure retries; the sweeper will pick it up from the database");
      } else {
        entry.runAt = Date.now() + INFRA_RETRY.baseMs * 2 ** (entry.infraAttempts - 1);
        this.place(name, q, entry);
      }
    } finally {
      q.active--;
      this.pump(name);
      if (this.idle.length && [...this.queues.values()].every((x) => x.active === 0)) for (const r of this.idle.splice(0)) r();
    }
  }

  async counts(name: string): Promise<QueueCounts> {
    const q = this.queue(name);
    return { waiting: q.ready.length, active: q.active, delayed: q.delayed.size };
  }

  async schedule(name: string, everyMs: number, handler: () => Promise<void>): Promise<void> {
    if (this.closed) throw new Error("queue transport is closed");
    const previous = this.schedules.get(name);
    if (previous) clearInterval(previous);
    let running = false;
    const timer = setInterval(() => {
      if (running || this.closed) return;
      running = true;
      const run = handler()
        .catch((err) => log.error({ err, schedule: name }, "scheduled job failed; the next tick runs it again"))
        .finally(() => {
          running = false;
          this.scheduledRuns.delete(run);
        });
      this.scheduledRuns.add(run);
    }, everyMs);
    timer.unref?.();
    this.schedules.set(name, timer);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.schedules.values()) clearInterval(t);
    this.schedules.clear();
    // A scheduled run still going uses the store: let it finish before the caller closes that.
    await Promise.all([...this.scheduledRuns]);
    for (const q of this.queues.values()) {
      for (const t of q.delayed.values()) clearTimeout(t);
      if (q.wake) clearTimeout(q.wake);
    }
    if ([...this.queues.values()].some((q) => q.active > 0)) await new Promise<void>((r) => this.idle.push(r));
  }
}
