import { z } from "zod";
import { attemptsOfEvents, deliveriesOfEvents, eventsOfOrder } from "../pipeline/db/queries/event-read-queries";
import type { Runtime } from "../pipeline/runtime";
import { defineTool, fail } from "./define-tool";
import { EventSummary } from "./schemas";

export const OrderTraceOutput = z.object({
  ref: z.string(),
  orderNumbers: z.array(z.string()),
  poNumbers: z.array(z.string()),
  ids: z.array(z.object({ system: z.string(), id: z.string(), what: z.string() })),
  events: z.array(EventSummary),
  timeline: z.array(
    z.object({
      at: z.string(),
      system: z.string(),
      stage: z.string(),
      outcome: z.string(),
      detail: z.string(),
      eventId: z.string(),
      deliveryId: z.string().nullable(),
      externalId: z.string().nullable(),
    }),
  ),
  open: z.object({ parked: z.number(), pending: z.number() }),
});
export type OrderTrace = z.infer<typeof OrderTraceOutput>;

/** The trace behind both the tool and the loopkeeper://orders/{n}/trace resource. */
export async function buildOrderTrace(rt: Runtime, ref: string): Promise<OrderTrace | undefined> {
  const events = await eventsOfOrder(rt.store, ref);
  if (events.length === 0) return undefined;
  const ids = events.map((e) => e.id);
  const [deliveries, attempts] = await Promise.all([deliveriesOfEvents(rt.store, ids), attemptsOfEvents(rt.store, ids, 5000)]);
  const known = new Map<string, { system: string; id: string; what: string }>();
  const addId = (system: string, id: unknown, what: string) => {
    if (typeof id === "string" && id) known.set(`${system}|${id}|${what}`, { system, id, what });
  };
  for (const e of events) {
    addId(e.sourceConnector, e.sourceEventId, `${e.type} source event id`);
    const p = e.payload as Record<string, any> | null;
    const order = p?.order ?? p;
    if (order?.channelOrderId && order?.channel) addId(order.channel, order.channelOrderId, "order id");
    for (const [system, id] of Object.entries((order?.externalIds ?? {}) as Record<string, unknown>)) addId(system, id, "external id");
  }
  for (const d of deliveries) if (d.externalId) addId(d.destination, d.externalId, `${d.action} result`);
  const byEvent = new Map(events.map((e) => [e.id, e]));
  const timeline = [
    ...events.map((e) => ({ at: e.receivedAt, system: e.sourceConnector, stage: "capture", outcome: "captured", detail: `${e.type} ${e.sourceEventId}${e.causationId ? ` (caused by ${e.causationId})` : ""}`, eventId: e.id, deliveryId: null, externalId: null })),
    ...attempts.map((a) => ({
      at: a.startedAt,
      system: a.destination ?? byEvent.get(a.eventId)?.sourceConnector ?? "loopkeeper",
      stage: a.stage,
      outcome: a.outcome,
      detail: `${a.errorClass ? `${a.errorClass}: ` : ""}${a.errorMessage ?? ""}`.slice(0, 400),
      eventId: a.eventId,
      deliveryId: a.deliveryId,
      externalId: a.externalId,
    })),
  ].sort((x, y) => x.at.localeCompare(y.at) || (x.stage === "capture" ? -1 : 1));
  const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))];
  return {
    ref,
    orderNumbers: uniq(events.map((e) => e.orderNumber)),
    poNumbers: uniq(events.map((e) => e.poNumber)),
    ids: [...known.values()],
    events: events.map(({ payload: _p, schemaVersion: _s, causationId: _c, rawPayloadId: _r, ...s }) => s),
    timeline,
    open: { parked: deliveries.filter((d) => d.status === "parked").length, pending: deliveries.filter((d) => ["pending", "in_flight", "blocked"].includes(d.status)).length },
  };
}

export default defineTool({
  name: "get_order_trace",
  title: "Trace one order across systems",
  description:
    "Follows one order through every system and stage in time order: capture from the channel, routing, each delivery attempt to the ERP / 3PL / accounting, follow-up events (shipments, postings, refunds) that share its correlation id, with the id the order has in each system (channel order id, ERP sales order id, 3PL order id...). Give an order number (\"#1042\"), a PO number or an event id. Use it to answer \"where is order X?\" or \"did X reach NetSuite?\".",
  input: z.object({ orderNumber: z.string().describe("Order number, PO number, or an event id of the order") }),
  output: OrderTraceOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredScope: "read",
  async handler({ rt }, { orderNumber }) {
    const trace = await buildOrderTrace(rt, orderNumber);
    return trace ?? fail("not_found", `no events for order ${orderNumber}: check the exact number (with its # if the channel uses one) or try search_events`);
  },
});
