import { eq } from "drizzle-orm";
import type { CapturedEvent } from "../connectors/sdk/definition";
import type { Store } from "./db/client";
import { findParkedDeliveries, findRecoverableDeliveries, releaseParked, type ParkedFilter, type QueuedDelivery } from "./db/queries/delivery-queries";
import { connectorInstances } from "./db/schema";
import type { DestinationDirectory } from "./destinations";
import type { FulfilmentRouter } from "./fulfilment/router";
import { GroupCommit } from "./group-commit";
import { log } from "./log";
import { MappingCache } from "./mapping-lookup";
import { queueDepth } from "./metrics";
import type { QueueTransport } from "./queue/transport";
import { Capturer, type CaptureOptions, type CaptureOutcome } from "./stages/capture";
import { Deliverer, type DeliverJob } from "./stages/deliver";
import type { RoutingRule } from "./stages/route";

/** Most deliveries one batch job carries (see enqueueDeliveries). */
const BATCH_JOB_SIZE = 100;

export interface EngineOptions {
  store: Store;
  transport: QueueTransport;
  destinations: DestinationDirectory;
  rules: () => RoutingRule[];
  /** Chooses fulfilment nodes for order events whose rules have fulfilment steps. */
  fulfilment?: FulfilmentRouter;
  /** Queue names are prefixed with this, so tests and tenants can share one Redis. */
  queuePrefix?: string;
  sweepIntervalMs?: number;
  /** Claim lease per delivery (default 60 s: longer than any upstream call's timeout). */
  leaseSeconds?: number;
  random?: () => number;
}

/**
 * The pipeline: Capture → Normalize → Route (Capturer) and Deliver (Deliverer) over a queue
 * transport, with the database as the source of truth. Any number of engines may run against the
 * same database and Redis; each consumes every destination queue.
 */
export class Engine {
  readonly mappings: MappingCache;
  private readonly capturer: Capturer;
  private readonly deliverer: Deliverer;
  private readonly stopped = new Map<string, string>();
  private sweepTimer?: NodeJS.Timeout;
  private consuming = false;
  private readonly consumed = new Set<string>();

  constructor(private readonly opts: EngineOptions) {
    this.mappings = new MappingCache(opts.store);
    this.capturer = new Capturer(opts.store, opts.rules, (d) => this.enqueueDeliveries(d), opts.fulfilment);
    this.deliverer = new Deliverer({
      store: opts.store,
      destinations: opts.destinations,
      mappingsFor: (id) => this.mappings.for(id),
      enqueue: (d) => this.enqueueDeliveries(d),
      pause: (dest, ms) => opts.transport.pauseFor(this.queueOf(dest), ms),
      capture: (source, events, o) => this.capture(source, events, o),
      stopConnector: (dest, reason) => this.stopConnector(dest, reason),
      isStopped: (dest) => this.stopped.has(dest),
      leaseSeconds: opts.leaseSeconds ?? 60,
      random: opts.random,
    });
  }

  get store(): Store {
    return this.opts.store;
  }

  get transport(): QueueTransport {
    return this.opts.transport;
  }

  queueOf(destination: string): string {
    return `${this.opts.queuePrefix ?? ""}deliver-${destination}`;
  }

  /** Capture canonical events from a source. Throws on schema-invalid data before writing anything. */
  capture(source: string, events: CapturedEvent[], opts: CaptureOptions = {}): Promise<CaptureOutcome[]> {
    return this.capturer.capture(source, events, opts);
  }

  /**
   * Puts deliveries on their destinations' queues. Due deliveries of a destination without a
   * per-second limit travel together, up to BATCH_JOB_SIZE per job: one job per batch instead of
   * per delivery is what takes delivery past the queue's per-job cost (bench:pipeline). A
   * destination with a per-second limit gets one job per delivery, because the queue's limiter
   * counts jobs; so do delayed retries and refetches.
   *
   * Job ids derive from the deliveries and their scheduled time: a re-enqueue of the same schedule
   * (the sweeper, a restart) is absorbed by the transport, a reschedule is a new job. A delivery
   * that ends up in two jobs (a batch and a sweeper's re-enqueue) is still delivered once: the
   * second job's claim finds it taken or done.
   */
  async enqueueDeliveries(items: (QueuedDelivery & { refetch?: boolean })[]): Promise<void> {
    if (items.length === 0) return;
    // Concurrent callers' jobs go out together: one round trip to Redis per batch, not per event.
    await Promise.all(items.map((d) => this.enqueueBatch.add(d)));
  }

  private readonly enqueueBatch = new GroupCommit<QueuedDelivery & { refetch?: boolean }>((items) => this.enqueueNow(items), { maxBatch: 1000 });

  private async enqueueNow(items: (QueuedDelivery & { refetch?: boolean })[]): Promise<void> {
    const byQueue = new Map<string, { id: string; data: DeliverJob; delayMs?: number }[]>();
    const batches = new Map<string, string[]>();
    const now = Date.now();
    const jobsOf = (q: string) => byQueue.get(q) ?? byQueue.set(q, []).get(q)!;
    for (const d of items) {
      const at = d.nextAttemptAt ? Date.parse(d.nextAttemptAt) : 0;
      const q = this.queueOf(d.destination);
      const batchable = at <= now && !d.refetch && !this.opts.destinations.get(d.destination)?.policy.perSecond;
      if (batchable) {
        const ids = batches.get(q) ?? batches.set(q, []).get(q)!;
        ids.push(d.id);
        continue;
      }
      jobsOf(q).push({ id: `${d.id}@${at}`, data: { deliveryIds: [d.id], refetch: d.refetch }, delayMs: at > now ? at - now : undefined });
    }
    for (const [q, ids] of batches) {
      for (let i = 0; i < ids.length; i += BATCH_JOB_SIZE) {
        const chunk = ids.slice(i, i + BATCH_JOB_SIZE);
        jobsOf(q).push({ id: chunk.length === 1 ? `${chunk[0]}@0` : `${chunk[0]}@0+${chunk.length}`, data: { deliveryIds: chunk } });
      }
    }
    await Promise.all([...byQueue].map(([q, jobs]) => this.opts.transport.enqueue(q, jobs)));
  }

  /** Starts consuming every destination's queue with its own concurrency and rate, plus the sweeper. */
  async startWorkers(): Promise<void> {
    if (this.consuming) return;
    this.consuming = true;
    await this.loadStoppedConnectors();
    await this.syncConsumers();
    // At start, everything unfinished is due again: in-process queues begin empty.
    await this.sweep({ includeScheduled: true });
    const every = this.opts.sweepIntervalMs ?? 5_000;
    this.sweepTimer = setInterval(
      () => void Promise.all([this.sweep({ includeScheduled: false }), this.loadStoppedConnectors()]).catch((err) => log.warn({ err: err.message }, "sweep failed")),
      every,
    );
    this.sweepTimer.unref?.();
  }

  /** Consumes the queue of every destination not consumed yet (new connections start delivering at once). */
  async syncConsumers(): Promise<void> {
    if (!this.consuming) return;
    for (const dest of this.opts.destinations.list()) {
      if (this.consumed.has(dest.id)) continue;
      this.consumed.add(dest.id);
      const perSecond = dest.policy.perSecond;
      await this.opts.transport.consume<DeliverJob>(this.queueOf(dest.id), (job) => this.deliverer.handle(dest.id, job.data), {
        concurrency: dest.policy.concurrency,
        limiter: perSecond ? { max: Math.max(1, Math.round(perSecond)), durationMs: perSecond >= 1 ? 1000 : Math.round(1000 / perSecond) } : undefined,
      });
    }
  }

  /** Re-enqueues work the queue does not hold (lost jobs, killed workers). Safe to run anywhere, any time. */
  async sweep(opts: { includeScheduled: boolean }): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await findRecoverableDeliveries(this.opts.store, { graceSeconds: 10, limit: 1000, includeScheduled: opts.includeScheduled });
      if (rows.length === 0) break;
      await this.enqueueDeliveries(rows);
      total += rows.length;
      if (rows.length < 1000 || opts.includeScheduled === false) break;
      if (total >= 100_000) break;
    }
    if (total) log.info({ recovered: total }, "sweeper re-enqueued unfinished deliveries");
    return total;
  }

  /** Replays parked deliveries (dead letters) now. */
  async replayParked(deliveryIds: string[], by: string): Promise<QueuedDelivery[]> {
    const released = await releaseParked(this.opts.store, deliveryIds, by);
    await this.enqueueDeliveries(released);
    return released;
  }

  /** Replays every parked delivery that matches a filter (a destination, an error class, a failure group). */
  async replayParkedWhere(filter: ParkedFilter, by: string): Promise<QueuedDelivery[]> {
    const rows = await findParkedDeliveries(this.opts.store, filter);
    return this.replayParked(rows.map((r) => r.deliveryId), by);
  }

  circuitState(destination: string) {
    return this.deliverer.circuitState(destination);
  }

  isStopped(destination: string): boolean {
    return this.stopped.has(destination);
  }

  async stopConnector(destination: string, reason: string): Promise<void> {
    this.stopped.set(destination, reason);
    await this.opts.store.db
      .update(connectorInstances)
      .set({ authState: "failed", authError: reason, updatedAt: new Date().toISOString() })
      .where(eq(connectorInstances.id, destination));
    log.error({ destination, reason }, "connector stopped: credentials rejected; reconnect to resume");
  }

  /** After credentials are reconnected: deliveries to this connector run again. */
  async resumeConnector(destination: string): Promise<void> {
    this.stopped.delete(destination);
    await this.opts.store.db
      .update(connectorInstances)
      .set({ authState: "ok", authError: null, updatedAt: new Date().toISOString() })
      .where(eq(connectorInstances.id, destination));
  }

  /**
   * The stopped set mirrors connector_instances.auth_state, re-read on every sweep: a reconnect
   * applied by another process (the console, an MCP client) resumes deliveries here too.
   */
  private async loadStoppedConnectors(): Promise<void> {
    const rows = await this.opts.store.db
      .select({ id: connectorInstances.id, authState: connectorInstances.authState, authError: connectorInstances.authError })
      .from(connectorInstances);
    for (const r of rows) {
      if (r.authState === "failed") this.stopped.set(r.id, r.authError ?? "credentials rejected");
      else this.stopped.delete(r.id);
    }
  }

  async refreshQueueMetrics(): Promise<void> {
    for (const dest of this.opts.destinations.list()) {
      const q = this.queueOf(dest.id);
      const c = await this.opts.transport.counts(q);
      for (const [state, n] of Object.entries(c)) queueDepth.set({ queue: q, state }, n);
    }
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.deliverer.stop();
    await this.opts.transport.close();
  }
}
