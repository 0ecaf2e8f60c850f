import type { DeliveryContext, DeliveryResult } from "../../connectors/sdk/definition";
import { DEFAULT_POLICY, type Destination, type DestinationPolicy } from "../destinations";
import { ClassifiedError, type ClassifiedErrorInit } from "../errors";

/**
 * A stand-in for an outside system in engine tests: it keeps records by idempotency key (as a
 * real API's idempotency mechanism would) and answers from a script of faults. Connector tests use
 * the real sandboxes over HTTP; this exists to pin the engine's retry semantics precisely.
 */
export class ScriptedSystem {
  readonly records = new Map<string, { externalId: string; eventId: string; writes: number }>();
  readonly calls: { key: string; at: number; attemptNo: number; refetch: boolean }[] = [];
  private script: ((ctx: DeliveryContext) => ClassifiedErrorInit | "hang" | undefined)[] = [];
  failWith?: (ctx: DeliveryContext) => ClassifiedErrorInit | undefined;
  latencyMs = 0;
  /** Calls in progress now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;

  /** The next calls fail as given, in order (undefined = succeed). */
  next(...outcomes: (ClassifiedErrorInit | "hang" | undefined)[]): this {
    this.script.push(...outcomes.map((o) => () => o));
    return this;
  }

  async deliver(ctx: DeliveryContext): Promise<DeliveryResult> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.respond(ctx);
    } finally {
      this.inFlight--;
    }
  }

  private async respond(ctx: DeliveryContext): Promise<DeliveryResult> {
    this.calls.push({ key: ctx.idempotencyKey, at: Date.now(), attemptNo: ctx.attemptNo, refetch: ctx.refetch });
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    const scripted = this.script.shift()?.(ctx) ?? this.failWith?.(ctx);
    if (scripted === "hang") await new Promise(() => {});
    if (scripted) throw new ClassifiedError(scripted as ClassifiedErrorInit);
    const existing = this.records.get(ctx.idempotencyKey);
    if (existing) {
      existing.writes++;
      return { externalId: existing.externalId, summary: "idempotent replay" };
    }
    const externalId = `ext-${this.records.size + 1}`;
    this.records.set(ctx.idempotencyKey, { externalId, eventId: ctx.event.id, writes: 1 });
    return { externalId, summary: `created ${externalId}` };
  }

  async lookupExisting(ctx: DeliveryContext): Promise<string | undefined> {
    return this.records.get(ctx.idempotencyKey)?.externalId;
  }

  asDestination(id: string, policy: Partial<DestinationPolicy> = {}, actions = ["write"]): Destination {
    return {
      id,
      settings: {},
      owner: `${id}-owner@example.com`,
      policy: { ...DEFAULT_POLICY, backoff: { baseMs: 20, maxMs: 200 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 400 }, ...policy },
      actions: Object.fromEntries(actions.map((a) => [a, { deliver: (ctx: DeliveryContext) => this.deliver(ctx), lookupExisting: (ctx: DeliveryContext) => this.lookupExisting(ctx) }])),
    };
  }
}
