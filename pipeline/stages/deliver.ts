import { BrokenCircuitError, ConsecutiveBreaker, bulkhead, circuitBreaker, handleWhen, type BulkheadPolicy, type CircuitBreakerPolicy } from "cockatiel";
import type { CapturedEvent, DeliveryContext, MappingLookup } from "../../connectors/sdk/definition";
import type { Store } from "../db/client";
import {
  claimDeliveries, completeDeliveries, insertAttempts, parkDelivery, rescheduleDeliveries,
  type AttemptRow, type ClaimedDelivery, type Completion, type QueuedDelivery, type Reschedule,
} from "../db/queries/delivery-queries";
import { loadLatestOrder, nextSequenceValue } from "../db/queries/order-queries";
import type { Destination, DestinationDirectory } from "../destinations";
import { ClassifiedError, RETRY_DECISION, classifyUnknownError, isClassifiedError } from "../errors";
import { failureKeyOf } from "../failure-key";
import { GroupCommit } from "../group-commit";
import { log } from "../log";
import { deliveryOutcomes, stageLatency } from "../metrics";
import { upcastEvent, type EntityKeys, type EventType } from "../model";
import { redactText, redactValue } from "../redact";

export interface DeliverJob {
  /**
   * The deliveries of one destination this job carries: one, or a batch (see
   * Engine.enqueueDeliveries for when jobs carry batches).
   */
  deliveryIds?: string[];
  /** Jobs enqueued before batch jobs existed carry their one delivery here. */
  deliveryId?: string;
  /** Set after a conflict: the connector reloads the upstream record before writing. */
  refetch?: boolean;
}

export interface DeliverDeps {
  store: Store;
  destinations: DestinationDirectory;
  mappingsFor(destination: string): MappingLookup;
  /** Enqueues deliveries (released dependents, reschedules) on their destination queues. */
  enqueue(deliveries: (QueuedDelivery & { refetch?: boolean })[]): Promise<void>;
  /** Holds a destination's queue (rate limit, open circuit) without spending attempts. */
  pause(destination: string, ms: number): Promise<void>;
  /** Captures what a destination's answer implies (follow-up events). */
  capture(source: string, events: CapturedEvent[], opts: { causationId: string; correlationId: string }): Promise<unknown>;
  /** Marks a connector stopped after its credentials were rejected. */
  stopConnector(destination: string, reason: string): Promise<void>;
  isStopped(destination: string): boolean;
  /** How long a claim holds a delivery; a killed worker's deliveries are picked up after it. */
  leaseSeconds: number;
  random?: () => number;
}

/**
 * The deliver stage: claim → call the destination through its circuit breaker → record the
 * attempt → succeed, reschedule or park, by the error class's retry decision. Database writes of
 * concurrent deliveries are group-committed.
 */
export class Deliverer {
  private readonly claims: GroupCommit<string, ClaimedDelivery | undefined>;
  private readonly completions: GroupCommit<Completion, QueuedDelivery[]>;
  private readonly reschedules: GroupCommit<Reschedule>;
  private readonly attemptLog: GroupCommit<AttemptRow>;
  private readonly breakers = new Map<string, { policy: CircuitBreakerPolicy; openedAt: number }>();
  private readonly slots = new Map<string, { capacity: number; policy: BulkheadPolicy }>();
  /** Until when a destination told us to hold off (Retry-After, an open circuit), per destination. */
  private readonly heldUntil = new Map<string, number>();
  private stopping = false;
  private readonly random: () => number;

  constructor(private readonly deps: DeliverDeps) {
    const { store } = deps;
    this.random = deps.random ?? Math.random;
    this.claims = new GroupCommit(async (ids) => {
      const rows = await claimDeliveries(store, ids, deps.leaseSeconds);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id));
    });
    this.completions = new GroupCommit(async (items) => {
      const released = await completeDeliveries(store, items);
      // Released dependents go to the first caller; the others get nothing to enqueue.
      return items.map((_, i) => (i === 0 ? released : []));
    });
    this.reschedules = new GroupCommit((items) => rescheduleDeliveries(store, items));
    this.attemptLog = new GroupCommit((rows) => insertAttempts(store, rows), { maxBatch: 1000 });
  }

  /** Circuit state per destination, for connector health. */
  circuitState(destination: string): "closed" | "open" | "half_open" | "isolated" {
    const b = this.breakers.get(destination);
    if (!b) return "closed";
    return (["closed", "open", "half_open", "isolated"] as const)[b.policy.state] ?? "closed";
  }

  private breaker(dest: Destination) {
    let b = this.breakers.get(dest.id);
    if (!b) {
      // Only outages trip the breaker: a validation error says nothing about the destination's health.
      const policy = circuitBreaker(handleWhen((e) => isClassifiedError(e) && e.errorClass === "transient"), {
        halfOpenAfter: dest.policy.breaker.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(dest.policy.breaker.consecutiveFailures),
      });
      const entry = { policy, openedAt: 0 };
      policy.onBreak(() => {
        entry.openedAt = Date.now();
        log.warn({ destination: dest.id }, "circuit opened: pausing deliveries and probing");
      });
      policy.onReset(() => log.info({ destination: dest.id }, "circuit closed: destination healthy again"));
      this.breakers.set(dest.id, entry);
      b = entry;
    }
    return b;
  }

  /**
   * Runs a job of `destination`'s queue. Each delivery takes one of the destination's concurrency
   * slots in this process before it is claimed, so a batch job never has more upstream calls in
   * flight than the destination allows, and no claim's lease runs while its delivery waits for a
   * slot. The claims and completions of a batch travel in the same group-committed statements.
   */
  async handle(destination: string, job: DeliverJob): Promise<void> {
    const ids = job.deliveryIds ?? (job.deliveryId ? [job.deliveryId] : []);
    const slots = this.slotsOf(destination);
    const unstarted: string[] = [];
    const held: string[] = [];
    const results = await Promise.allSettled(
      ids.map((id) =>
        slots.execute(() => {
          if (this.stopping) return void unstarted.push(id);
          // Once one delivery of the batch was told to wait, the rest wait too instead of each
          // calling the destination to be told the same.
          if ((this.heldUntil.get(destination) ?? 0) > Date.now()) return void held.push(id);
          return this.deliverOne(id, job.refetch === true);
        }),
      ),
    );
    if (held.length) {
      const nextAttemptAt = new Date(this.heldUntil.get(destination) ?? Date.now()).toISOString();
      await this.deps.enqueue(held.map((id) => ({ id, destination, nextAttemptAt })));
    }
    // A stopping worker hands what it has not started back to the queue instead of draining a
    // whole batch first; if the queue is already closed, the deliveries stay pending for the sweeper.
    if (unstarted.length) {
      await this.deps
        .enqueue(unstarted.map((id) => ({ id, destination, nextAttemptAt: null })))
        .catch((err) => log.warn({ err: (err as Error).message, destination, deliveries: unstarted.length }, "stopping: deliveries left pending for the sweeper"));
    }
    // An infrastructure fault (the database down) fails the job for the transport's retry; the
    // deliveries that did finish are not claimed again.
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  /** Lets deliveries already started finish and starts no more (see handle). */
  stop(): void {
    this.stopping = true;
  }

  private slotsOf(destination: string): BulkheadPolicy {
    const capacity = this.deps.destinations.get(destination)?.policy.concurrency ?? 1;
    let s = this.slots.get(destination);
    if (!s || s.capacity !== capacity) {
      s = { capacity, policy: bulkhead(capacity, Number.POSITIVE_INFINITY) };
      this.slots.set(destination, s);
    }
    return s.policy;
  }

  private async deliverOne(deliveryId: string, refetch: boolean): Promise<void> {
    const claimed = await this.claims.add(deliveryId);
    if (!claimed) return; // finished, parked, or held by another worker: nothing to do
    const dest = this.deps.destinations.get(claimed.destination);
    const startedAt = new Date();
    const attemptNo = claimed.attempts + 1;
    if (!dest || !dest.actions[claimed.action]) {
      const err = new ClassifiedError({ errorClass: "permanent", message: `no destination ${claimed.destination}.${claimed.action} is configured` });
      return this.park(claimed, dest, err, attemptNo, startedAt, 0);
    }
    // Routing held it (a backorder): it parks once with routing's reason; a replay sends it.
    if (claimed.hold && claimed.attempts === 0) {
      const err = new ClassifiedError({ errorClass: "validation", reason: claimed.hold.reason, field: claimed.hold.field, message: claimed.hold.message ?? claimed.hold.reason });
      return this.park(claimed, dest, err, attemptNo, startedAt, 0);
    }
    if (this.deps.isStopped(dest.id)) {
      const err = new ClassifiedError({ errorClass: "auth", message: `${dest.id} is stopped until its credentials are reconnected` });
      return this.park(claimed, dest, err, claimed.attempts, startedAt, 0);
    }
    const ctx = this.contextOf(claimed, dest, attemptNo, refetch);
    const breaker = this.breaker(dest);
    const action = dest.actions[claimed.action]!;
    const t0 = performance.now();
    try {
      const result = await breaker.policy.execute(() => action.deliver(ctx));
      const durationMs = Math.round(performance.now() - t0);
      await this.succeed(claimed, attemptNo, result.externalId ?? null, startedAt, durationMs, "ok", result.summary, result.upstream);
      if (result.emits?.length) await this.deps.capture(dest.id, result.emits, { causationId: claimed.eventId, correlationId: claimed.correlationId });
    } catch (e) {
      const durationMs = Math.round(performance.now() - t0);
      if (e instanceof BrokenCircuitError) {
        const wait = Math.max(1_000, breaker.openedAt + dest.policy.breaker.halfOpenAfterMs - Date.now());
        return this.reschedule(claimed, { attempts: claimed.attempts, waitMs: wait, outcome: "circuit_open", startedAt, durationMs, message: `circuit open for ${dest.id}: waiting ${wait} ms before a probe (no attempt spent)`, retrying: false, pause: wait });
      }
      await this.fail(claimed, dest, ctx, classifyUnknownError(e), attemptNo, startedAt, durationMs);
    }
  }

  private contextOf(c: ClaimedDelivery, dest: Destination, attemptNo: number, refetch: boolean): DeliveryContext {
    const { type, data } = upcastEvent({ schemaVersion: 1, type: c.eventType, data: c.payload });
    const keys: EntityKeys = { orderNumber: c.orderNumber ?? undefined, poNumber: c.poNumber ?? undefined, skus: c.skus ?? [], customer: c.customer ?? undefined };
    return {
      event: { id: c.eventId, type: type as EventType, data: data as never, keys, correlationId: c.correlationId, source: { connector: c.sourceConnector, eventId: c.sourceEventId } },
      action: c.action,
      idempotencyKey: c.idempotencyKey,
      attemptNo,
      refetch,
      priorResults: Object.fromEntries(Object.entries(c.priorResults ?? {}).map(([k, v]) => [k, v ?? undefined])),
      mappings: this.deps.mappingsFor(dest.id),
      settings: c.settings ? { ...dest.settings, ...c.settings } : dest.settings,
      nextSequence: (name) => nextSequenceValue(this.deps.store, `${dest.id}:${name}`),
      loadOrder: (orderId) => loadLatestOrder(this.deps.store, orderId),
    };
  }

  private async fail(c: ClaimedDelivery, dest: Destination, ctx: DeliveryContext, err: ClassifiedError, attemptNo: number, startedAt: Date, durationMs: number): Promise<void> {
    const decision = RETRY_DECISION[err.errorClass];
    const message = redactText(err.message, 1000);
    switch (decision) {
      case "wait": {
        const wait = Math.max(250, err.retryAfterMs ?? 1_000);
        return this.reschedule(c, { attempts: c.attempts, waitMs: wait, outcome: "rate_limited", startedAt, durationMs, message: `${message} (waiting ${wait} ms; no attempt spent)`, err, retrying: false, pause: wait });
      }
      case "backoff": {
        if (attemptNo >= dest.policy.maxAttempts) return this.park(c, dest, err, attemptNo, startedAt, durationMs);
        const cap = Math.min(dest.policy.backoff.maxMs, dest.policy.backoff.baseMs * 2 ** (attemptNo - 1));
        const wait = Math.round(cap / 2 + this.random() * (cap / 2));
        return this.reschedule(c, { attempts: attemptNo, waitMs: wait, outcome: "retry", startedAt, durationMs, message, err, retrying: true });
      }
      case "refetch_retry": {
        if (attemptNo >= Math.min(3, dest.policy.maxAttempts)) return this.park(c, dest, err, attemptNo, startedAt, durationMs);
        return this.reschedule(c, { attempts: attemptNo, waitMs: 0, outcome: "retry", startedAt, durationMs, message: `${message} (refetching before the next attempt)`, err, retrying: true, refetch: true });
      }
      case "lookup_success": {
        const lookup = dest.actions[c.action]?.lookupExisting;
        const existing = err.existingId ?? (lookup ? await lookup(ctx).catch(() => undefined) : undefined);
        if (existing) return this.succeed(c, attemptNo, existing, startedAt, durationMs, "duplicate", `already existed in ${dest.id} as ${existing}: counted as delivered`, err.upstream);
        return this.park(c, dest, err, attemptNo, startedAt, durationMs);
      }
      case "stop_connector":
        await this.deps.stopConnector(dest.id, message);
        return this.park(c, dest, err, attemptNo, startedAt, durationMs);
      case "park":
        return this.park(c, dest, err, attemptNo, startedAt, durationMs);
    }
  }

  private async succeed(c: ClaimedDelivery, attemptNo: number, externalId: string | null, startedAt: Date, durationMs: number, outcome: "ok" | "duplicate", summary?: string, upstream?: unknown): Promise<void> {
    // The attempt row rides in the completion statement: the execution log costs no extra round trip.
    const released = await this.completions.add({
      id: c.id,
      attempts: attemptNo,
      externalId,
      attempt: {
        eventId: c.eventId, deliveryId: c.id, stage: "deliver", destination: c.destination, attemptNo,
        startedAt: startedAt.toISOString(), durationMs, outcome, externalId,
        errorMessage: summary ? redactText(summary, 500) : null,
        upstream: upstream ? redactValue(upstream) : null,
      },
    });
    if (released.length) await this.deps.enqueue(released);
    deliveryOutcomes.inc({ destination: c.destination, outcome });
    stageLatency.observe({ stage: "deliver", connector: c.destination }, durationMs / 1000);
  }

  private async reschedule(
    c: ClaimedDelivery,
    r: { attempts: number; waitMs: number; outcome: "retry" | "rate_limited" | "circuit_open"; startedAt: Date; durationMs: number; message: string; err?: ClassifiedError; retrying: boolean; pause?: number; refetch?: boolean },
  ): Promise<void> {
    const nextAttemptAt = new Date(Date.now() + r.waitMs).toISOString();
    await this.reschedules.add({ id: c.id, attempts: r.attempts, nextAttemptAt, errorClass: r.err?.errorClass ?? null, error: r.err ? redactText(r.err.message, 1000) : null, retrying: r.retrying });
    await this.attemptLog.add({
      eventId: c.eventId, deliveryId: c.id, stage: "deliver", destination: c.destination, attemptNo: r.attempts + (r.outcome === "retry" ? 0 : 1),
      startedAt: r.startedAt.toISOString(), durationMs: r.durationMs, outcome: r.outcome,
      errorClass: r.err?.errorClass ?? null, errorMessage: r.message, upstream: r.err?.upstream ? redactValue(r.err.upstream) : null, nextAttemptAt,
    });
    if (r.pause) {
      this.heldUntil.set(c.destination, Math.max(this.heldUntil.get(c.destination) ?? 0, Date.now() + r.pause));
      await this.deps.pause(c.destination, r.pause);
    }
    await this.deps.enqueue([{ id: c.id, destination: c.destination, nextAttemptAt, refetch: r.refetch }]);
    deliveryOutcomes.inc({ destination: c.destination, outcome: r.outcome });
  }

  private async park(c: ClaimedDelivery, dest: Destination | undefined, err: ClassifiedError, attemptNo: number, startedAt: Date, durationMs: number): Promise<void> {
    const { key, title } = failureKeyOf(c.destination, c.action, err, { orderNumber: c.orderNumber, poNumber: c.poNumber });
    const reason = redactText(err.reason ? `${err.reason}${err.field ? ` (field ${err.field})` : ""}` : err.message, 1000);
    await parkDelivery(this.deps.store, {
      id: c.id, eventId: c.eventId, destination: c.destination, attempts: attemptNo, errorClass: err.errorClass,
      reason, field: err.field ?? null, failureKey: key, failureTitle: title, owner: dest?.owner ?? null,
    }, {
      eventId: c.eventId, deliveryId: c.id, stage: "deliver", destination: c.destination, attemptNo,
      startedAt: startedAt.toISOString(), durationMs, outcome: "parked", errorClass: err.errorClass,
      errorMessage: redactText(err.message, 1000), upstream: err.upstream ? redactValue(err.upstream) : null,
    });
    deliveryOutcomes.inc({ destination: c.destination, outcome: "parked" });
  }
}
