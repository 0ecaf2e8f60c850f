import type { CapturedEvent } from "../../connectors/sdk/definition";
import type { Store } from "../db/client";
import { insertAttempts, type AttemptRow } from "../db/queries/delivery-queries";
import { insertCapturedEvents, type CaptureRow } from "../db/queries/capture-queries";
import { GroupCommit } from "../group-commit";
import { stableId } from "../ids";
import { expandFulfilmentSteps } from "../fulfilment/expand-steps";
import type { FulfilmentDecision, FulfilmentRouter, RoutedOrderEvent } from "../fulfilment/router";
import { CURRENT_SCHEMA_VERSION, entityKeysOf, parseEventData, type EventType, type Order } from "../model";
import { eventsCaptured, stageLatency } from "../metrics";
import { routeEvent, type RouteDestination, type RoutingRule } from "./route";

export interface CaptureOptions {
  rawPayloadId?: string;
  correlationId?: string;
  causationId?: string;
}

export interface CaptureOutcome {
  eventId: string;
  duplicate: boolean;
  deliveries: { id: string; destination: string }[];
}

/** `part` is the fulfilment node of one part of a split order: each part is its own delivery. */
export function deliveryIdOf(eventId: string, destination: string, action: string, part?: string): string {
  return stableId("dlv", eventId, destination, action, ...(part ? [part] : []));
}

/** The key sent to the destination's own idempotency mechanism (requestid, Idempotency-Key...). */
export function idempotencyKeyOf(eventId: string, destination: string, action: string, part?: string): string {
  return stableId("lk", eventId, destination, action, ...(part ? [part] : [])).replace("lk_", "lk-");
}

const ROUTED_ORDER_EVENTS = new Set<EventType>(["order.created", "order.updated", "order.cancelled"]);

/**
 * Capture → Normalize → Route, in one durable step per batch: the canonical payload is
 * validated, the routing rules choose destinations, and the event row plus its delivery rows
 * are written in one transaction. After that the event cannot be lost: the queue only carries ids.
 */
export class Capturer {
  private readonly batch: GroupCommit<CaptureRow, { eventId: string; duplicate: boolean }>;
  private readonly attemptLog: GroupCommit<AttemptRow>;

  constructor(
    private readonly store: Store,
    private readonly rules: () => RoutingRule[],
    private readonly onDeliveriesCreated: (deliveries: { id: string; destination: string; nextAttemptAt: null }[]) => Promise<void>,
    private readonly fulfilment?: FulfilmentRouter,
  ) {
    this.batch = new GroupCommit((rows) => insertCapturedEvents(store, rows), { maxBatch: 500 });
    this.attemptLog = new GroupCommit((rows) => insertAttempts(store, rows), { maxBatch: 1000 });
  }

  /**
   * Validates every event first: a schema-invalid one throws (ZodError) before anything is
   * written. Order events whose rules have fulfilment steps are routed to nodes next; that
   * decision and its stock commitments are written before the event (a crash in between leaves
   * a commitment that stops counting once its grace ends; a retry of the capture reuses it).
   */
  async capture(source: string, captured: CapturedEvent[], opts: CaptureOptions = {}): Promise<CaptureOutcome[]> {
    const started = performance.now();
    const startedAt = new Date().toISOString();
    const receivedAt = startedAt;
    const parsed = captured.map((c) => {
      const data = parseEventData(c.type, c.data);
      const id = stableId("evt", source, c.sourceEventId);
      const keys = { ...entityKeysOf(c.type, data), ...c.keys };
      const targets = routeEvent(this.rules(), { type: c.type, sourceConnector: source, data });
      return { c, data, id, keys, targets };
    });
    const decisions = await Promise.all(parsed.map((p) => this.routeFulfilment(p.id, p.c.type, p.data, p.targets)));
    const nodes = this.fulfilment?.enabledNodes() ?? [];
    const routeNotes: string[] = [];
    const rows = parsed.map(({ c, data, id, keys, targets }, i) => {
      const correlationId = c.correlationId ?? opts.correlationId ?? correlationOf(source, keys.orderNumber, keys.poNumber, id);
      const decision = decisions[i];
      const steps = expandFulfilmentSteps(targets, decision, nodes, routedTypeOf(c.type, data));
      const idOf = (s: (typeof steps)[number]) => deliveryIdOf(id, s.connector, s.action, s.part);
      // A step waiting on a per-part step waits on its first part.
      const byRuleKey = new Map<string, string>();
      for (const s of steps) if (!byRuleKey.has(s.ruleKey)) byRuleKey.set(s.ruleKey, idOf(s));
      routeNotes.push(decision ? fulfilmentNote(c.type, decision) : "");
      const row: CaptureRow = {
        event: {
          id,
          schemaVersion: CURRENT_SCHEMA_VERSION,
          type: c.type,
          sourceConnector: source,
          sourceEventId: c.sourceEventId,
          orderNumber: keys.orderNumber ?? null,
          poNumber: keys.poNumber ?? null,
          skus: keys.skus ?? [],
          customer: keys.customer ?? null,
          correlationId,
          causationId: c.causationId ?? opts.causationId ?? null,
          rawPayloadId: opts.rawPayloadId ?? null,
          payload: data,
          occurredAt: c.occurredAt,
          receivedAt,
        },
        deliveries: steps.map((s) => {
          const dependsOn = s.after ? byRuleKey.get(s.after) ?? null : null;
          return {
            id: idOf(s),
            eventId: id,
            destination: s.connector,
            action: s.action,
            dependsOn,
            idempotencyKey: idempotencyKeyOf(id, s.connector, s.action, s.part),
            status: dependsOn ? ("blocked" as const) : ("pending" as const),
            settings: s.settings ?? null,
            hold: s.hold ?? null,
          };
        }),
      };
      return row;
    });
    const durationMs = Math.round(performance.now() - started);
    rows.forEach((row, i) => {
      row.attempt = {
        eventId: row.event.id,
        stage: "route",
        attemptNo: 1,
        startedAt,
        durationMs,
        outcome: row.deliveries.length ? "ok" : "skipped",
        errorMessage: row.deliveries.length
          ? `routed to ${row.deliveries.map((d) => `${d.destination}.${d.action}${partOf(d.settings)}${d.hold ? " (held)" : ""}${d.dependsOn ? " (after prerequisite)" : ""}`).join(", ")}${routeNotes[i]}`
          : "no routing rule matched",
      };
    });
    const results = await Promise.all(rows.map((r) => this.batch.add(r)));
    const outcomes: CaptureOutcome[] = results.map((r, i) => ({
      eventId: r.eventId,
      duplicate: r.duplicate,
      deliveries: r.duplicate ? [] : rows[i]!.deliveries.map((d) => ({ id: d.id, destination: d.destination })),
    }));
    const ready = outcomes.flatMap((o, i) => (o.duplicate ? [] : rows[i]!.deliveries.filter((d) => d.status === "pending").map((d) => ({ id: d.id, destination: d.destination, nextAttemptAt: null }))));
    // A duplicate gets its own attempt row (the route row was written only for new events).
    await Promise.all([
      this.onDeliveriesCreated(ready),
      ...outcomes.flatMap((o, i) =>
        o.duplicate
          ? [this.attemptLog.add({
              eventId: o.eventId, stage: "capture", attemptNo: 1, startedAt, durationMs, outcome: "duplicate",
              errorMessage: `duplicate of already captured ${source} event ${rows[i]!.event.sourceEventId}: not processed again`,
            })]
          : [],
      ),
    ]);
    for (const o of outcomes) eventsCaptured.inc({ connector: source, result: o.duplicate ? "duplicate" : "new" });
    stageLatency.observe({ stage: "capture", connector: source }, (performance.now() - started) / 1000);
    return outcomes;
  }

  private async routeFulfilment(eventId: string, type: EventType, data: unknown, targets: RouteDestination[]): Promise<FulfilmentDecision | undefined> {
    if (!this.fulfilment || !ROUTED_ORDER_EVENTS.has(type) || !targets.some((t) => t.fulfilment)) return undefined;
    const order = type === "order.cancelled" ? (data as { order: Order }).order : (data as Order);
    const commit = targets.find((t) => t.fulfilment === "commit");
    const ship = targets.find((t) => t.fulfilment === "ship");
    const nodes = this.fulfilment.enabledNodes();
    return this.fulfilment.route({
      eventId,
      type: type as RoutedOrderEvent,
      order,
      ackDeliveryOf: (node) => {
        if (commit) return deliveryIdOf(eventId, commit.connector, commit.action);
        if (!ship) return undefined;
        return deliveryIdOf(eventId, nodes.find((n) => n.id === node)?.ship.connector ?? ship.connector, ship.action, node);
      },
    });
  }
}

/** An edit of a cancelled order is routed like its cancellation: nothing is held back. */
function routedTypeOf(type: EventType, data: unknown): RoutedOrderEvent | undefined {
  if (!ROUTED_ORDER_EVENTS.has(type)) return undefined;
  if (type === "order.updated" && (data as Order).status === "cancelled") return "order.cancelled";
  return type as RoutedOrderEvent;
}

function partOf(settings: Record<string, unknown> | null | undefined): string {
  const part = settings?.fulfilmentPart as { node?: string } | undefined;
  return part?.node ? `@${part.node}` : "";
}

function fulfilmentNote(type: EventType, d: FulfilmentDecision): string {
  if (type === "order.cancelled") return `; fulfilment: cancels the part${d.parts.length > 1 ? "s" : ""} at ${d.parts.map((p) => p.node).join(", ")}, commitments released`;
  return `; fulfilment: ${d.reason}`;
}

/**
 * Events of one order share a correlation id, so the whole loop of an order (channel, ERP, 3PL,
 * books) is one thread even when each system raises its own events.
 */
function correlationOf(source: string, orderNumber: string | undefined, poNumber: string | undefined, eventId: string): string {
  if (poNumber) return stableId("cor", "po", poNumber);
  if (orderNumber) return stableId("cor", "order", orderNumber);
  return stableId("cor", source, eventId);
}
