import { reconDiffsOfOrder, type ReconDiffView } from "@/pipeline/db/queries/console-orders";
import { attemptsOfEvents, deliveriesOfEvents, eventsOfOrder, type AttemptView, type DeliveryView, type EventDetailRow } from "@/pipeline/db/queries/event-read-queries";
import { redactValue } from "@/pipeline/redact";
import type { Runtime } from "@/pipeline/runtime";

export interface TraceEvent extends EventDetailRow {
  deliveries: (DeliveryView & { attemptLog: AttemptView[] })[];
  /** Capture and route steps, which belong to the event rather than to a delivery. */
  stageLog: AttemptView[];
}

export interface SystemIds {
  system: string;
  role: "source" | "destination";
  ids: { label: string; value: string }[];
  state: "ok" | "bad" | "warn" | "neutral";
}

export interface OrderTrace {
  ref: string;
  events: TraceEvent[];
  systems: SystemIds[];
  recon: ReconDiffView[];
  /** done: every delivery finished; parked: one stopped; open: still running. */
  state: "done" | "parked" | "open";
}

/** One order across every system: its events, each delivery with its attempts, ids per system, reconciliation. */
export async function loadOrderTrace(rt: Runtime, ref: string): Promise<OrderTrace | undefined> {
  const events = await eventsOfOrder(rt.store, ref);
  if (events.length === 0) return undefined;
  const ids = events.map((e) => e.id);
  const deliveries = await deliveriesOfEvents(rt.store, ids);
  const attempts = await attemptsOfEvents(rt.store, ids);
  const recon = await reconDiffsOfOrder(rt.store, [ref, ...events.flatMap((e) => [e.orderNumber ?? "", e.poNumber ?? ""])]);

  const traceEvents: TraceEvent[] = events.map((e) => ({
    ...e,
    payload: redactValue(e.payload),
    deliveries: deliveries.filter((d) => d.eventId === e.id).map((d) => ({ ...d, attemptLog: attempts.filter((a) => a.deliveryId === d.id) })),
    stageLog: attempts.filter((a) => a.eventId === e.id && !a.deliveryId),
  }));

  const systems = new Map<string, SystemIds>();
  for (const e of events) {
    const s = systems.get(`source:${e.sourceConnector}`) ?? { system: e.sourceConnector, role: "source" as const, ids: [], state: "ok" as const };
    const channelId = (e.payload as { channelOrderId?: string } | null)?.channelOrderId;
    if (channelId && !s.ids.some((i) => i.value === channelId)) s.ids.push({ label: "order id", value: channelId });
    if (!s.ids.some((i) => i.value === e.sourceEventId)) s.ids.push({ label: `${e.type} event`, value: e.sourceEventId });
    systems.set(`source:${e.sourceConnector}`, s);
  }
  for (const d of deliveries) {
    const key = `destination:${d.destination}`;
    const s = systems.get(key) ?? { system: d.destination, role: "destination" as const, ids: [], state: "ok" as const };
    if (d.externalId) s.ids.push({ label: d.action, value: d.externalId });
    const tone = d.status === "parked" ? "bad" : d.status === "succeeded" || d.status === "skipped" ? "ok" : "warn";
    s.state = s.state === "bad" || tone === "bad" ? "bad" : s.state === "warn" || tone === "warn" ? "warn" : "ok";
    systems.set(key, s);
  }

  const state = deliveries.some((d) => d.status === "parked")
    ? "parked"
    : deliveries.some((d) => d.status !== "succeeded" && d.status !== "skipped") || events.some((e) => e.status === "received")
      ? "open"
      : "done";
  return { ref, events: traceEvents, systems: [...systems.values()], recon, state };
}
