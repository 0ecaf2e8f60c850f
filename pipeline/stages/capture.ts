import type { CapturedEvent } from "../../connectors/sdk/definition";
import type { Store } from "../db/client";
import { insertAttempts, type AttemptRow } from "../db/queries/delivery-queries";
import { insertCapturedEvents, type CaptureRow } from "../db/queries/capture-queries";
import { GroupCommit } from "../group-commit";
import { stableId } from "../ids";
import { CURRENT_SCHEMA_VERSION, entityKeysOf, parseEventData } from "../model";
import { eventsCaptured, stageLatency } from "../metrics";
import { routeEvent, type RoutingRule } from "./route";

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

export function deliveryIdOf(eventId: string, destination: string, action: string): string {
  return stableId("dlv", eventId, destination, action);
}

/** The key sent to the destination's own idempotency mechanism (requestid, Idempotency-Key...). */
export function idempotencyKeyOf(eventId: string, destination: string, action: string): string {
  return stableId("lk", eventId, destination, action).replace("lk_", "lk-");
}

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
  ) {
    this.batch = new GroupCommit((rows) => insertCapturedEvents(store, rows), { maxBatch: 500 });
    this.attemptLog = new GroupCommit((rows) => insertAttempts(store, rows), { maxBatch: 1000 });
  }

  /** Validates every event first: a schema-invalid one throws (ZodError) before anything is written. */
  async capture(source: string, captured: CapturedEvent[], opts: CaptureOptions = {}): Promise<CaptureOutcome[]> {
    const started = performance.now();
    const startedAt = new Date().toISOString();
    const receivedAt = startedAt;
    const rows = captured.map((c) => {
      const data = parseEventData(c.type, c.data);
      const id = stableId("evt", source, c.sourceEventId);
      const keys = { ...entityKeysOf(c.type, data), ...c.keys };
      const targets = routeEvent(this.rules(), { type: c.type, sourceConnector: source, data });
      const correlationId = c.correlationId ?? opts.correlationId ?? correlationOf(source, keys.orderNumber, keys.poNumber, id);
      const byStep = new Map(targets.map((t) => [`${t.connector}.${t.action}`, deliveryIdOf(id, t.connector, t.action)]));
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
          status: targets.length > 0 ? "processing" : "skipped",
          occurredAt: c.occurredAt,
          receivedAt,
        },
        deliveries: targets.map((t) => ({
          id: byStep.get(`${t.connector}.${t.action}`)!,
          eventId: id,
          destination: t.connector,
          action: t.action,
          dependsOn: t.after ? byStep.get(t.after) ?? null : null,
          idempotencyKey: idempotencyKeyOf(id, t.connector, t.action),
          status: t.after ? ("blocked" as const) : ("pending" as const),
        })),
      };
      return row;
    });
    const results = await Promise.all(rows.map((r) => this.batch.add(r)));
    const outcomes: CaptureOutcome[] = results.map((r, i) => ({
      eventId: r.eventId,
      duplicate: r.duplicate,
      deliveries: r.duplicate ? [] : rows[i]!.deliveries.map((d) => ({ id: d.id, destination: d.destination })),
    }));
    const ready = outcomes.flatMap((o, i) => (o.duplicate ? [] : rows[i]!.deliveries.filter((d) => d.status === "pending").map((d) => ({ id: d.id, destination: d.destination, nextAttemptAt: null }))));
    await this.onDeliveriesCreated(ready);
    const durationMs = Math.round(performance.now() - started);
    await Promise.all(
      outcomes.map((o, i) =>
        this.attemptLog.add({
          eventId: o.eventId,
          stage: o.duplicate ? "capture" : "route",
          attemptNo: 1,
          startedAt,
          durationMs,
          outcome: o.duplicate ? "duplicate" : rows[i]!.deliveries.length ? "ok" : "skipped",
          errorMessage: o.duplicate
            ? `duplicate of already captured ${source} event ${rows[i]!.event.sourceEventId}: not processed again`
            : rows[i]!.deliveries.length
              ? `routed to ${rows[i]!.deliveries.map((d) => `${d.destination}.${d.action}${d.dependsOn ? " (after prerequisite)" : ""}`).join(", ")}`
              : "no routing rule matched",
        }),
      ),
    );
    for (const o of outcomes) eventsCaptured.inc({ connector: source, result: o.duplicate ? "duplicate" : "new" });
    stageLatency.observe({ stage: "capture", connector: source }, (performance.now() - started) / 1000);
    return outcomes;
  }
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
