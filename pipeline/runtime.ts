import { config as loadedConfig, type Config } from "./config";
import { InstanceDirectory } from "./connector-instances";
import { openStore, type Store } from "./db/client";
import { maintenanceWarnings, runMaintenance } from "./db/maintenance";
import { InboundFolderRunner } from "./inbound-folders";
import { ANSWER_RESEND_SWEEP_MS, resendDueAnswers } from "./ingress-hooks";
import { failNotification, finishNotification, getNotification, pendingNotifications } from "./db/queries/notification-queries";
import type { Destination } from "./destinations";
import { Engine } from "./engine";
import { every } from "./every";
import { classifyUnknownError } from "./errors";
import { FulfilmentNodesCache } from "./fulfilment/nodes";
import { FulfilmentRouter } from "./fulfilment/router";
import { log } from "./log";
import { PollerRunner } from "./pollers";
import { createTransport } from "./queue";
import type { QueueTransport } from "./queue/transport";
import { reconDepsOf } from "./reconcile/propose";
import { scheduleReconciliation } from "./reconcile/schedule";
import { RulesCache } from "./routing-rules";

/**
 * A background service that runs wherever workers run (the triage agent). pipeline/ never imports
 * agent/, so entry points register services (instrumentation.ts, the worker CLI) and
 * startWorkers starts them; each must share work across processes itself (leases).
 */
export interface WorkerService {
  stop(): Promise<void> | void;
}
export type WorkerServiceFactory = (rt: Runtime) => WorkerService | Promise<WorkerService>;
const workerServices = new Map<string, WorkerServiceFactory>();

/** Registers (or replaces) a service by name; it starts with the next Runtime.startWorkers. */
export function registerWorkerService(name: string, factory: WorkerServiceFactory): void {
  workerServices.set(name, factory);
}

export interface RuntimeOptions {
  config?: Config;
  store?: Store;
  transport?: QueueTransport;
  /** Destinations that are not connector instances (benchmarks' no-op sink). */
  extraDestinations?: Destination[];
}

/**
 * One process's wiring: store, transport, engine, connector instances, rules, pollers. The web
 * app, `npm run worker`, the MCP server and the tests all build one of these.
 */
export class Runtime {
  readonly engine: Engine;
  readonly directory: InstanceDirectory;
  readonly rules: RulesCache;
  readonly fulfilmentNodes: FulfilmentNodesCache;
  private pollers?: PollerRunner;
  private inboundFolders?: InboundFolderRunner;
  private notificationSweep?: NodeJS.Timeout;
  private answerResends?: NodeJS.Timeout;
  private upkeep?: NodeJS.Timeout;

  private constructor(readonly config: Config, readonly store: Store, readonly transport: QueueTransport, extra: Destination[]) {
    this.directory = new InstanceDirectory(store, config.secretKey, extra);
    this.rules = new RulesCache(store);
    this.fulfilmentNodes = new FulfilmentNodesCache(store);
    const fulfilment = new FulfilmentRouter(store, this.fulfilmentNodes.current);
    this.engine = new Engine({ store, transport, destinations: this.directory, rules: this.rules.current, fulfilment, leaseSeconds: config.deliveryLeaseSeconds });
  }

  static async open(opts: RuntimeOptions = {}): Promise<Runtime> {
    const config = opts.config ?? loadedConfig();
    const store = opts.store ?? (await openStore(config.database));
    const transport = opts.transport ?? (await createTransport(config.queue));
    const rt = new Runtime(config, store, transport, opts.extraDestinations ?? []);
    await rt.reload();
    rt.rules.startAutoReload();
    rt.fulfilmentNodes.startAutoReload();
    return rt;
  }

  /** Re-reads connector instances and rules (after the console changed them); new destinations get consumers. */
  async reload(): Promise<void> {
    await Promise.all([this.directory.reload(), this.rules.reload(), this.fulfilmentNodes.reload()]);
    if (this.workersStarted) await this.syncConsumers();
  }

  private workersStarted = false;
  private readonly fetchConsumers = new Set<string>();

  private async syncConsumers(): Promise<void> {
    for (const inst of this.directory.listInstances()) {
      if (!inst.definition.fetchNotification || this.fetchConsumers.has(inst.id)) continue;
      this.fetchConsumers.add(inst.id);
      await this.transport.consume<{ id: string }>(`fetch-${inst.id}`, (job) => this.fetchNotification(job.data.id), { concurrency: 4 });
    }
    await this.engine.syncConsumers();
  }

  private readonly services: WorkerService[] = [];

  /** Makes this process a worker: deliveries, notification fetches, pollers and inbound folders, sweeper, registered services. */
  async startWorkers(opts: { pollers?: boolean; services?: boolean; reconcile?: boolean } = {}): Promise<void> {
    if (this.workersStarted) return;
    this.workersStarted = true;
    await this.syncConsumers();
    await this.engine.startWorkers();
    if (opts.pollers !== false) {
      this.pollers = new PollerRunner(this.store, this.engine, () => this.directory.listInstances());
      this.pollers.start();
      this.inboundFolders = new InboundFolderRunner(this);
      this.inboundFolders.start();
    }
    const sweepNotifications = async () => {
      for (const n of await pendingNotifications(this.store, 30)) await this.enqueueNotificationFetches([n.id], n.connector);
    };
    await sweepNotifications();
    this.notificationSweep = setInterval(() => void sweepNotifications().catch(() => {}), 15_000);
    this.notificationSweep.unref?.();
    this.answerResends = every(ANSWER_RESEND_SWEEP_MS, () =>
      resendDueAnswers(this).catch((e) => log.warn({ err: (e as Error).message }, "answers due for a resend could not be sent")),
    );
    if (this.store.kind === "pglite") this.startEmbeddedUpkeep();
    else void maintenanceWarnings(this.store).then((ws) => ws.forEach((w) => log.warn(w))).catch(() => {});
    if (opts.reconcile !== false) {
      // Scale-out: BullMQ job schedulers (one run per tick across all workers); embedded: timers.
      await scheduleReconciliation({ ...reconDepsOf(this), transport: this.transport }).catch((e) =>
        log.error({ err: (e as Error).message }, "reconciliation could not be scheduled; on-demand runs still work"),
      );
    }
    if (opts.services !== false) {
      for (const [name, factory] of workerServices) {
        // A service that cannot start must not take the pipeline down with it.
        try {
          this.services.push(await factory(this));
        } catch (e) {
          log.error({ service: name, err: (e as Error).message }, "worker service failed to start");
        }
      }
    }
  }

  async enqueueNotificationFetches(ids: string[], connector: string): Promise<void> {
    if (ids.length) await this.transport.enqueue(`fetch-${connector}`, ids.map((id) => ({ id, data: { id } })));
  }

  /** Fetches what a notification points at and captures it; a failure is retried, then recorded. */
  private async fetchNotification(id: string): Promise<void> {
    const n = await getNotification(this.store, id);
    if (!n || n.status === "done") return;
    const inst = this.directory.instance(n.connector);
    if (!inst?.definition.fetchNotification) return;
    try {
      const events = await inst.definition.fetchNotification(inst.client, { sourceEventId: n.sourceEventId, resource: n.resource, topic: n.topic ?? undefined });
      const outcomes = events.length ? await this.engine.capture(n.connector, events, { rawPayloadId: n.rawPayloadId ?? undefined }) : [];
      await finishNotification(this.store, id, outcomes.map((o) => o.eventId));
    } catch (e) {
      const err = classifyUnknownError(e);
      const final = err.errorClass === "validation" || err.errorClass === "permanent" || err.errorClass === "auth" || n.attempts + 1 >= 8;
      await failNotification(this.store, id, `${err.errorClass}: ${err.message}`.slice(0, 1000), final);
      if (err.errorClass === "rate_limited" && err.retryAfterMs) await this.transport.pauseFor(`fetch-${n.connector}`, err.retryAfterMs);
      if (!final) throw err;
      log.error({ notification: id, connector: n.connector, err: err.message }, "notification could not be fetched; recorded as failed");
    }
  }

  /** PGlite has no autovacuum (see db/maintenance.ts): this process does its work, once a minute at most. */
  private startEmbeddedUpkeep(): void {
    this.upkeep = every(60_000, () =>
      runMaintenance(this.store)
        // Routine, like autovacuum; worth an operator's eye only when a step held the database up.
        .then((steps) => steps.length && (steps.some((s) => s.ms > 1_000) ? log.info : log.debug).call(log, { steps }, "embedded database upkeep"))
        .catch((e) => log.warn({ err: (e as Error).message }, "embedded database upkeep failed; it runs again in a minute")),
    );
  }

  /** Which backends are in use, whether each answers, and what needs an operator's attention. */
  async health(): Promise<{ ok: boolean; database: { kind: string; ok: boolean; error?: string; warnings?: string[] }; queue: { kind: string; ok: boolean; error?: string } }> {
    const check = async (fn: () => Promise<void>) => {
      try {
        await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error("timed out after 2 s")), 2_000))]);
        return { ok: true as const };
      } catch (e) {
        return { ok: false as const, error: (e as Error).message };
      }
    };
    let warnings: string[] = [];
    const [db, q] = await Promise.all([
      // The warnings query runs inside the database check, under the same 2 s bound as the ping.
      check(async () => {
        await this.store.ping();
        // A warning does not make the process unhealthy: work goes on, but someone should act.
        warnings = await maintenanceWarnings(this.store).catch(() => []);
      }),
      check(() => this.transport.ping()),
    ]);
    return { ok: db.ok && q.ok, database: { kind: this.store.kind, ...db, ...(db.ok && warnings.length ? { warnings } : {}) }, queue: { kind: this.transport.kind, ...q } };
  }

  /** Stops all work of this process (queue, pollers, timers) but leaves the store open. */
  async halt(): Promise<void> {
    await Promise.all(this.services.splice(0).map((s) => Promise.resolve(s.stop()).catch(() => {})));
    this.pollers?.stop();
    await this.inboundFolders?.stop();
    this.rules.stop();
    this.fulfilmentNodes.stop();
    if (this.notificationSweep) clearInterval(this.notificationSweep);
    if (this.answerResends) clearInterval(this.answerResends);
    if (this.upkeep) clearInterval(this.upkeep);
    await this.engine.stop();
  }

  async close(): Promise<void> {
    await this.halt();
    await this.store.close();
  }
}

const GLOBAL_KEY = Symbol.for("loopkeeper.runtime");

/**
 * The process-wide runtime for the web app (route handlers share it across requests). In the
 * embedded default this process is also the worker, since the in-process queue lives here.
 */
export function getRuntime(opts: { prepare?: (rt: Runtime) => Promise<void> } = {}): Promise<Runtime> {
  const g = globalThis as unknown as Record<symbol, Promise<Runtime> | undefined>;
  g[GLOBAL_KEY] ??= (async () => {
    const rt = await Runtime.open();
    await opts.prepare?.(rt);
    const consume = rt.config.queue.kind === "in-process" || process.env.LOOPKEEPER_WEB_WORKER === "1";
    if (consume) await rt.startWorkers();
    return rt;
  })().catch((e) => {
    g[GLOBAL_KEY] = undefined;
    throw e;
  });
  return g[GLOBAL_KEY]!;
}
