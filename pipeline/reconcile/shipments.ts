import type { LiveInstance } from "../connector-instances";
import { eventsByPayloadIds, eventsOfOrders, type LogEvent } from "../db/queries/recon-evidence";
import type { Shipment } from "../model";
import { matchesSubject } from "./inventory";
import type { ReaderOrder } from "./orders";
import { displayName, instancesOf, roleOf } from "./roles";
import type { BridgeLine, Finding, ReconcileContext, ReconcileResult, Reconciler } from "./types";
import { dedupeRefs, describeWork, logEvidence, refsOf, retryRepair, workStateOf, type WorkState } from "./work";

/**
 * Shipments: what each 3PL shipped against what the channel and the ERP show as fulfilled. A
 * shipment missing from our log never reached us (lost webhook), so nobody was told; one in our
 * log whose fulfilment is still pending is in flight; parked or stuck is drift. The other way
 * round, a channel order fulfilled with no shipment from the 3PL it was sent to was fulfilled
 * outside the 3PL.
 */
export const shipmentsReconciler: Reconciler = { domain: "shipments", run: reconcileShipments };

const FULFILLED = new Set(["fulfilled", "partially_fulfilled", "closed"]);

async function reconcileShipments(ctx: ReconcileContext): Promise<ReconcileResult> {
  const tpls = instancesOf(ctx.instances, "3pl", "shipments");
  const channels = instancesOf(ctx.instances, "channel", "orders");
  const erps = instancesOf(ctx.instances, "erp", "orders");
  if (tpls.length === 0 || channels.length + erps.length === 0) return { applicable: false, checked: 0, findings: [], notes: ["shipments needs a 3PL with a shipments reader and a channel or ERP with an orders reader"], systems: {} };
  const since = new Date(ctx.now.getTime() - ctx.settings.windowMs).toISOString();
  const [shipmentLists, orderLists] = await Promise.all([
    Promise.all(tpls.map((t) => ctx.read<Shipment[]>(t, "shipments", since))),
    Promise.all([...channels, ...erps].map((i) => ctx.read<ReaderOrder[]>(i, "orders", since))),
  ]);
  const ordersOf = new Map<string, Map<string, ReaderOrder>>();
  [...channels, ...erps].forEach((inst, i) => ordersOf.set(inst.id, new Map(orderLists[i]!.map((o) => [o.orderNumber, o]))));
  const shipments = tpls.flatMap((t, i) => shipmentLists[i]!.map((s) => ({ tpl: t, s })));
  const known = new Map((await eventsByPayloadIds(ctx.store, "shipment.created", shipments.map((x) => x.s.id))).map((e) => [e.payload.id as string, e]));

  const findings: Finding[] = [];
  const agreements: NonNullable<ReconcileResult["agreements"]> = [];
  let checked = 0;
  for (const { tpl, s } of shipments) {
    if (!matchesSubject(s.orderNumber, ctx.subject)) continue;
    checked++;
    const ev = known.get(s.id);
    const gaps = [...channels, ...erps]
      .map((inst) => ({ inst, order: ordersOf.get(inst.id)!.get(s.orderNumber) }))
      .filter((x) => x.order && !FULFILLED.has(x.order.status ?? ""));
    if (gaps.length === 0) {
      if (ctx.subject) agreements.push({ subject: s.orderNumber, summary: `shipment ${s.id} of ${s.orderNumber} is fulfilled everywhere`, bridge: [{ kind: "start", text: `${displayName(tpl)} shipped ${s.id} (${s.trackingNumber})` }] });
      continue;
    }
    if (!ev) {
      findings.push(lostShipment(tpl, s, gaps.map((g) => g.inst), ordersOf));
      continue;
    }
    for (const { inst, order } of gaps) {
      const d = ev.deliveries.find((x) => x.destination === inst.id);
      if (!d) continue;
      findings.push(unfulfilled(ctx, tpl, s, inst, order!, ev, workStateOf(d, ev, ctx.now, ctx.settings.lagMs), d));
    }
  }

  // The other way round: fulfilled in the channel although the 3PL it was routed to shipped nothing.
  const shippedNumbers = new Set(shipments.map((x) => x.s.orderNumber));
  const fulfilledInChannel = channels.flatMap((c) => [...ordersOf.get(c.id)!.values()].filter((o) => FULFILLED.has(o.status ?? "") && !shippedNumbers.has(o.orderNumber) && matchesSubject(o.orderNumber, ctx.subject)).map((o) => ({ c, o })));
  if (fulfilledInChannel.length) {
    const created = new Map((await eventsOfOrders(ctx.store, fulfilledInChannel.map((x) => x.o.orderNumber), { types: ["order.created"] })).map((e) => [e.orderNumber!, e]));
    for (const { c, o } of fulfilledInChannel) {
      const ev = created.get(o.orderNumber);
      const sent = ev?.deliveries.find((d) => tpls.some((t) => t.id === d.destination) && d.status === "succeeded");
      if (!ev || !sent) continue;
      checked++;
      findings.push(fulfilledOutside(c, o, tpls.find((t) => t.id === sent.destination)!, ev));
    }
  }
  return {
    applicable: true,
    checked,
    findings,
    notes: [],
    agreements: ctx.subject ? agreements : undefined,
    systems: { threePls: tpls.map((t, i) => ({ id: t.id, shipments: shipmentLists[i]!.length })), channels: channels.map((c) => c.id), erps: erps.map((e) => e.id), since },
  };
}

function shipmentText(tpl: LiveInstance, s: Shipment): string {
  return `${displayName(tpl)} shipped ${s.id} of ${s.orderNumber} on ${s.shippedAt}: ${s.lines.map((l) => `${l.quantity} × ${l.sku}`).join(", ")}, ${s.carrier} ${s.trackingNumber}`;
}

function lostShipment(tpl: LiveInstance, s: Shipment, missing: LiveInstance[], ordersOf: Map<string, Map<string, ReaderOrder>>): Finding {
  const names = missing.map((m) => displayName(m)).join(" and ");
  const summary = `${displayName(tpl)} shipped ${s.orderNumber} (${s.trackingNumber}) but the shipment never reached Loopkeeper: no event in our log, so ${names} still show${missing.length === 1 ? "s" : ""} it unfulfilled (the ship notification webhook was lost)`;
  const bridge: BridgeLine[] = [
    { kind: "start", text: shipmentText(tpl, s) },
    { kind: "residual", text: `no shipment.created event for ${s.id} in our log`, status: "unexplained" },
    ...missing.map((m) => ({ kind: "compare" as const, text: `${displayName(m)} ${s.orderNumber}: ${ordersOf.get(m.id)!.get(s.orderNumber)?.status ?? "?"}` })),
  ];
  return {
    subject: s.orderNumber, kind: "not_received", counterpart: s.id, severity: "error", status: "open",
    sides: { [tpl.id]: s, ...Object.fromEntries(missing.map((m) => [m.id, ordersOf.get(m.id)!.get(s.orderNumber)])) },
    evidence: {
      cause: "lost_webhook", summary, bridge,
      log: [{ eventId: "", type: "shipment.created", source: tpl.id, orderNumber: s.orderNumber, receivedAt: "", explains: "lost_webhook", note: `shipment ${s.id} was never captured from ${tpl.id}`, deliveries: [] }],
      refs: [{ kind: "connector", id: tpl.id }],
      proposedRepair: { kind: "backfill_event", target: tpl.id, title: `Re-capture shipment ${s.id} of ${s.orderNumber} from ${displayName(tpl)} so ${names} get the fulfilment and tracking; then check ${displayName(tpl)}'s webhook subscription`, params: { connector: tpl.id, type: "shipment.created", shipmentId: s.id, orderNumber: s.orderNumber }, applied: false },
    },
    rootCause: "lost_webhook",
    ownerConnector: tpl.id,
  };
}

function unfulfilled(ctx: ReconcileContext, tpl: LiveInstance, s: Shipment, inst: LiveInstance, order: ReaderOrder, ev: LogEvent, state: WorkState, d: NonNullable<LogEvent["deliveries"][number]>): Finding {
  const work = describeWork(d, state);
  const I = displayName(inst);
  const inFlight = state === "in_flight";
  const summary = state === "done" ? `${s.orderNumber} shipped by ${displayName(tpl)} and delivered to ${I}, but ${I} shows it ${order.status ?? "open"} again` : `${s.orderNumber} shipped by ${displayName(tpl)}, not fulfilled in ${I} yet: ${work}`;
  return {
    subject: s.orderNumber, kind: `unfulfilled_in_${roleOf(inst) === "erp" ? "erp" : "channel"}`, counterpart: `${s.id}:${inst.id}`,
    severity: inFlight ? "info" : state === "parked" ? "error" : "warning", status: inFlight ? "in_flight" : "open",
    sides: { [tpl.id]: s, [inst.id]: order },
    evidence: {
      cause: state === "in_flight" ? "in_flight" : state === "parked" ? "parked_delivery" : state === "stuck" ? "stuck_delivery" : "fulfilment_reverted",
      summary,
      bridge: [
        { kind: "start", text: shipmentText(tpl, s) },
        { kind: "adjust", text: work, status: state === "done" ? "unexplained" : state === "skipped" ? "explained" : state, refs: refsOf(ev, [d]) },
        { kind: "compare", text: `${I} ${s.orderNumber}: ${order.status ?? "open"}` },
      ],
      log: [logEvidence(ev, inFlight ? "fulfilment_pending" : "fulfilment_not_applied", work, [d])],
      refs: dedupeRefs([...refsOf(ev, [d]), { kind: "connector", id: inst.id }]),
      proposedRepair: inFlight ? undefined : state === "done" ? { kind: "investigate", target: inst.id, title: `Find out why ${s.orderNumber} is unfulfilled in ${I} although the fulfilment was delivered`, params: { orderNumber: s.orderNumber, deliveryId: d.id }, applied: false } : retryRepair([d], `${s.orderNumber} fulfilment in ${I}`),
      detail: { lagMs: ctx.settings.lagMs },
    },
    rootCause: "shipment_drift",
    ownerConnector: inst.id,
  };
}

function fulfilledOutside(c: LiveInstance, o: ReaderOrder, tpl: LiveInstance, ev: LogEvent): Finding {
  const summary = `${o.orderNumber} is ${o.status} in ${displayName(c)} but ${displayName(tpl)}, which it was sent to, shipped nothing for it: fulfilled outside the 3PL, or ${displayName(tpl)} will ship it again`;
  return {
    subject: o.orderNumber, kind: "fulfilled_without_shipment", counterpart: tpl.id, severity: "warning", status: "open",
    sides: { [c.id]: o, [tpl.id]: null },
    evidence: {
      cause: "fulfilled_outside_3pl", summary,
      bridge: [{ kind: "start", text: `${displayName(c)} ${o.orderNumber}: ${o.status}` }, { kind: "compare", text: `${displayName(tpl)}: no shipment of ${o.orderNumber}` }],
      log: [logEvidence(ev, "order_sent_to_3pl", `sent to ${tpl.id}`, ev.deliveries.filter((d) => d.destination === tpl.id))],
      refs: dedupeRefs([...refsOf(ev, ev.deliveries.filter((d) => d.destination === tpl.id)), { kind: "connector", id: tpl.id }]),
      proposedRepair: { kind: "investigate", target: tpl.id, title: `Cancel ${o.orderNumber} in ${displayName(tpl)} if it was fulfilled elsewhere, so it is not shipped twice`, params: { orderNumber: o.orderNumber }, applied: false },
    },
    rootCause: "shipment_drift",
    ownerConnector: tpl.id,
  };
}
