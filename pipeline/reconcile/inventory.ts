import type { LiveInstance } from "../connector-instances";
import { eventsByPayloadIds, eventsOfOrders, eventsTouchingSkus, eventsWithOpenWork, pollerStatesOf, type LogDelivery, type LogEvent } from "../db/queries/recon-evidence";
import type { InventoryLevel, Shipment } from "../model";
import type { ReaderOrder } from "./orders";
import { channelLocations, displayName, instancesOf, locationResolver, roleOf, safetyStockOf, type ReconRole } from "./roles";
import type { BridgeLine, EvidenceRef, Finding, LogEvidence, ProposedRepair, ReconcileContext, ReconcileResult, Reconciler } from "./types";
import { dedupeRefs, describeWork, logEvidence, refsOf, retryRepair, signed, workStateOf, worstState, type WorkState } from "./work";

/**
 * Inventory per SKU and ERP location: the ERP against each 3PL (on hand and committed/allocated)
 * and against each channel's listed availability (ERP available − safety stock).
 *
 * Each system is first projected forward by the work from our log that has not reached it yet
 * (an order not yet in the ERP commits its units, a shipment not yet fulfilled in the ERP takes
 * them off hand, a return not yet received adds them back...). What remains after that is drift,
 * and is then explained from the log where it can be: a shipment the 3PL made that never reached
 * us (lost webhook), a return restocked in one system only, a stock change the ERP reported that
 * the 3PL never saw. Whatever is still left is a change recorded in one system only.
 */
export const inventoryReconciler: Reconciler = { domain: "inventory", run: reconcileInventory };

interface Counts {
  onHand: number;
  committed: number;
  available: number;
  inTransit: number;
  /** The system's own location names that fold into this ERP location. */
  names: Set<string>;
}

/** Work in our log that has not reached `system` yet, and what it will do to its figures there. */
interface Work {
  system: string;
  key: string;
  dOnHand: number;
  dCommitted: number;
  /** The effect is not known until it lands (an order edit, a stock level being published). */
  uncertain: boolean;
  state: WorkState;
  text: string;
  explains: string;
  event: LogEvent;
  delivery: LogDelivery;
}

/** A cause found for (part of) a residual after projection. */
interface Cause {
  cause: string;
  amount: number;
  state: WorkState | "drift";
  text: string;
  log?: LogEvidence;
  refs?: EvidenceRef[];
  repair?: ProposedRepair;
  owner?: string;
}

const SEP = "\u0000";
const keyOf = (sku: string, loc: string) => `${sku}${SEP}${loc}`;
const splitKey = (key: string) => key.split(SEP) as [string, string];
const subjectOf = (key: string) => splitKey(key).join("@");

export function matchesSubject(subject: string, filter: string | undefined): boolean {
  return !filter || subject === filter || subject.startsWith(`${filter}@`);
}

function fold(levels: InventoryLevel[], resolve: (loc: string) => string | undefined, unmapped: Set<string>): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const l of levels) {
    const loc = resolve(l.location);
    if (!loc) {
      unmapped.add(l.location);
      continue;
    }
    const k = keyOf(l.sku, loc);
    const c = out.get(k);
    if (c) {
      c.onHand += l.onHand;
      c.committed += l.committed;
      c.available += l.available;
      c.inTransit += l.inTransit ?? 0;
      c.names.add(l.location);
    } else out.set(k, { onHand: l.onHand, committed: l.committed, available: l.available, inTransit: l.inTransit ?? 0, names: new Set([l.location]) });
  }
  return out;
}

const ZERO: Counts = { onHand: 0, committed: 0, available: 0, inTransit: 0, names: new Set() };

async function reconcileInventory(ctx: ReconcileContext): Promise<ReconcileResult> {
  const erp = instancesOf(ctx.instances, "erp", "inventory")[0];
  const tpls = instancesOf(ctx.instances, "3pl", "inventory");
  const channels = instancesOf(ctx.instances, "channel", "inventory");
  if (!erp || tpls.length + channels.length === 0) {
    return { applicable: false, checked: 0, findings: [], notes: ["inventory needs an ERP and at least one 3PL or channel with an inventory reader"], systems: {} };
  }
  const [erpLevels, ...others] = await Promise.all([erp, ...tpls, ...channels].map((i) => ctx.read<InventoryLevel[]>(i, "inventory")));
  const notes: string[] = [];
  const erpMap = fold(erpLevels!, (l) => l, new Set());
  const sides = new Map<string, { inst: LiveInstance; role: ReconRole; map: Map<string, Counts>; unmapped: Set<string> }>();
  [...tpls, ...channels].forEach((inst, i) => {
    const role = roleOf(inst)!;
    const unmapped = new Set<string>();
    sides.set(inst.id, { inst, role, map: fold(others[i]!, locationResolver(inst, role, ctx.mappings), unmapped), unmapped });
    if (unmapped.size) notes.push(`${inst.id}: location(s) ${[...unmapped].slice(0, 5).join(", ")} map to no ERP location and were not compared (add a recon_location mapping to compare them)`);
  });
  const byId = new Map(ctx.instances.map((i) => [i.id, i]));

  // Where orders commit stock when their source names no location: the one location ERP and 3PLs share.
  const shared = new Set([...sides.values()].filter((s) => s.role === "3pl").flatMap((s) => [...s.map.keys()].map((k) => splitKey(k)[1])));
  const fallbackLocation = shared.size === 1 ? [...shared][0] : undefined;
  const work = projectOpenWork(await eventsWithOpenWork(ctx.store, { types: ["order.created", "order.updated", "order.cancelled", "shipment.created", "refund.created", "inventory.level"] }), ctx, byId, erp, fallbackLocation, notes);
  const workAt = (system: string, key: string) => work.get(system)?.get(key) ?? [];

  const pending: Pending[] = [];
  let checked = 0;
  for (const [id, side] of sides) {
    const keys = new Set(side.map.keys());
    // A 3PL is compared at the locations it reports; a channel where it lists stock.
    const locations = new Set([...side.map.keys()].map((k) => splitKey(k)[1]));
    if (side.role === "3pl") for (const k of erpMap.keys()) if (locations.has(splitKey(k)[1])) keys.add(k);
    for (const key of keys) {
      if (!matchesSubject(subjectOf(key), ctx.subject)) continue;
      checked++;
      const e = erpMap.get(key);
      const s = side.map.get(key) ?? ZERO;
      const erpWork = workAt(erp.id, key);
      const sideWork = workAt(id, key);
      if (side.role === "3pl") {
        const p = compareWithThreePl(key, e ?? ZERO, s, forThreePl(erpWork), sideWork, ctx.settings.tolerance);
        if (p.residualOnHand !== 0 || p.residualCommitted !== 0 || p.rawDiffers || ctx.subject) pending.push({ ...p, side: id, role: "3pl", key, erpMissing: !e, sideMissing: !side.map.has(key) });
      } else {
        if (!e) {
          if (s.available > 0) pending.push({ kind: "unknown_sku", side: id, role: "channel", key, erpMissing: true, sideMissing: false, residualOnHand: 0, residualCommitted: 0, residualAvailable: s.available, rawDiffers: true, expected: undefined });
          continue;
        }
        const p = compareWithChannel(key, e, s, erpWork.filter((w) => w.event.source === id), safetyStockOf(side.inst), ctx.settings.tolerance);
        if (p.residualAvailable !== 0 || p.rawDiffers || ctx.subject) pending.push({ ...p, side: id, role: "channel", key, erpMissing: false, sideMissing: !side.map.has(key) });
      }
    }
  }

  const log = await loadExplanations(ctx, erp, pending);
  const findings: Finding[] = [];
  const agreements: NonNullable<ReconcileResult["agreements"]> = [];
  for (const p of pending) {
    const side = sides.get(p.side)!;
    const e = erpMap.get(p.key) ?? ZERO;
    const s = side.map.get(p.key) ?? ZERO;
    const built = p.role === "3pl"
      ? await explainThreePl(ctx, p, erp, side.inst, e, s, forThreePl(workAt(erp.id, p.key)), workAt(p.side, p.key), log)
      : p.kind === "unknown_sku"
        ? unknownSku(p, erp, side.inst, s)
        : await explainChannel(ctx, p, erp, side.inst, e, s, workAt(erp.id, p.key), workAt(p.side, p.key), log);
    if (built.finding) findings.push(built.finding);
    else if (ctx.subject) agreements.push({ subject: subjectOf(p.key), summary: built.summary, bridge: built.bridge });
  }
  return {
    applicable: true,
    checked,
    findings,
    notes,
    agreements: ctx.subject ? agreements : undefined,
    systems: {
      erp: { id: erp.id, levels: erpLevels!.length },
      threePls: tpls.map((t) => ({ id: t.id, levels: sides.get(t.id)!.map.size })),
      channels: channels.map((c) => ({ id: c.id, levels: sides.get(c.id)!.map.size, safetyStock: safetyStockOf(c) })),
      openWork: [...work.values()].reduce((n, m) => n + [...m.values()].reduce((a, w) => a + w.length, 0), 0),
    },
  };
}

interface Pending {
  kind?: "unknown_sku";
  side: string;
  role: "3pl" | "channel";
  key: string;
  erpMissing: boolean;
  sideMissing: boolean;
  residualOnHand: number;
  residualCommitted: number;
  residualAvailable?: number;
  rawDiffers: boolean;
  /** Channel: the availability it should list after in-flight work. */
  expected?: number;
}

/** The 3PL should show the ERP's figures once the work in flight to either side lands. */
function compareWithThreePl(key: string, e: Counts, t: Counts, erpWork: Work[], tplWork: Work[], tolerance: number) {
  const expOnHand = e.onHand + sum(erpWork, "dOnHand") - sum(tplWork, "dOnHand");
  const expCommitted = e.committed + sum(erpWork, "dCommitted") - sum(tplWork, "dCommitted");
  const within = (n: number) => (Math.abs(n) <= tolerance ? 0 : n);
  return {
    residualOnHand: within(t.onHand - expOnHand),
    residualCommitted: within(t.committed - expCommitted),
    rawDiffers: Math.abs(t.onHand - e.onHand) > tolerance || Math.abs(t.committed - e.committed) > tolerance,
    key,
  };
}

/**
 * A channel lists what the ERP can sell less the channel's safety stock. Only the channel's own
 * work still on its way to the ERP is projected (the channel applied it already: an order placed
 * there took its units at once); anything else reaches the channel later, by publishing.
 */
function compareWithChannel(key: string, e: Counts, c: Counts, erpWork: Work[], safety: number, tolerance: number) {
  const available = e.available + sum(erpWork, "dOnHand") - sum(erpWork, "dCommitted");
  const expected = Math.max(0, available - safety);
  const residual = c.available - expected;
  return {
    residualOnHand: 0,
    residualCommitted: 0,
    residualAvailable: Math.abs(residual) <= tolerance ? 0 : residual,
    rawDiffers: Math.abs(c.available - Math.max(0, e.available - safety)) > tolerance,
    expected,
    key,
  };
}

/**
 * A return on its way into the ERP says nothing about the 3PL's shelf: the parcel reaches the 3PL
 * on its own schedule (often before the refund). Returns are matched against the 3PL's count
 * from the refunds in the log instead (explainThreePl), not projected.
 */
function forThreePl(ws: Work[]): Work[] {
  return ws.filter((w) => w.explains !== "return_not_yet_received");
}

function sum(ws: Work[], f: "dOnHand" | "dCommitted"): number {
  return ws.reduce((n, w) => n + w[f], 0);
}

/**
 * What each unfinished delivery will do to its destination's figures when it lands. Only work
 * whose effect on stock is known is projected; an order edit or a stock level being published is
 * recorded as uncertain: it can explain a gap on its SKU while it is in flight, nothing more.
 */
function projectOpenWork(events: LogEvent[], ctx: ReconcileContext, byId: Map<string, LiveInstance>, erp: LiveInstance, fallbackLocation: string | undefined, notes: string[]): Map<string, Map<string, Work[]>> {
  const out = new Map<string, Map<string, Work[]>>();
  const add = (w: Work) => {
    const m = out.get(w.system) ?? out.set(w.system, new Map()).get(w.system)!;
    (m.get(w.key) ?? m.set(w.key, []).get(w.key)!).push(w);
  };
  let unplaced = 0;
  for (const e of events) {
    const src = byId.get(e.source);
    for (const d of e.deliveries) {
      if (d.status === "succeeded" || d.status === "skipped") continue;
      const dest = byId.get(d.destination);
      const role = dest ? roleOf(dest) : undefined;
      if (!dest || !role) continue;
      const state = workStateOf(d, e, ctx.now, ctx.settings.lagMs);
      const base = { system: dest.id, state, event: e, delivery: d };
      const who = displayName(dest);
      const work = describeWork(d, state);
      const p = e.payload;
      if ((e.type === "order.created" || e.type === "order.updated") && (role === "erp" || role === "3pl")) {
        const loc = orderLocation(src, ctx, fallbackLocation);
        if (!loc) {
          unplaced++;
          continue;
        }
        for (const l of (p?.lines ?? []) as { sku: string; quantity: number; requiresShipping?: boolean }[]) {
          if (role === "3pl" && l.requiresShipping === false) continue;
          const created = e.type === "order.created";
          add({
            ...base, key: keyOf(l.sku, loc), dOnHand: 0, dCommitted: created ? l.quantity : 0, uncertain: !created,
            explains: created ? "order_not_yet_committed" : "order_edit_pending",
            text: created
              ? `${l.quantity} committed by order ${p.orderNumber}, not yet in ${who} (${work})`
              : `order ${p.orderNumber} edited, the edit not yet in ${who} (${work}): its effect on ${l.sku} is known once it lands`,
          });
        }
      } else if (e.type === "order.cancelled" && (role === "erp" || role === "3pl")) {
        const loc = orderLocation(src, ctx, fallbackLocation);
        if (!loc) continue;
        for (const l of (p?.order?.lines ?? []) as { sku: string; quantity: number }[]) {
          add({ ...base, key: keyOf(l.sku, loc), dOnHand: 0, dCommitted: -l.quantity, uncertain: false, explains: "cancellation_pending", text: `${l.quantity} released by the cancellation of order ${p.order.orderNumber}, not yet in ${who} (${work})` });
        }
      } else if (e.type === "shipment.created" && role === "erp") {
        const shipper = src;
        const loc = shipper ? locationResolver(shipper, roleOf(shipper) ?? "3pl", ctx.mappings)(p.node) : p.node;
        if (!loc) continue;
        for (const l of (p?.lines ?? []) as { sku: string; quantity: number }[]) {
          add({ ...base, key: keyOf(l.sku, loc), dOnHand: -l.quantity, dCommitted: -l.quantity, uncertain: false, explains: "shipped_not_fulfilled", text: `${l.quantity} shipped by ${displayName(shipper, e.source)} (order ${p.orderNumber}, tracking ${p.trackingNumber}), not yet fulfilled in ${who} (${work})` });
        }
      } else if (e.type === "refund.created" && role === "erp") {
        for (const l of (p?.lines ?? []) as { sku: string; quantity: number; restock?: boolean; restockLocation?: string }[]) {
          if (!l.restock || l.quantity <= 0) continue;
          const loc = (l.restockLocation && src ? locationResolver(src, roleOf(src) ?? "channel", ctx.mappings)(l.restockLocation) : undefined) ?? orderLocation(src, ctx, fallbackLocation);
          if (!loc) continue;
          add({ ...base, key: keyOf(l.sku, loc), dOnHand: l.quantity, dCommitted: 0, uncertain: false, explains: "return_not_yet_received", text: `${l.quantity} returned and restocked by refund ${p.id} of order ${p.orderNumber}, not yet received in ${who} (${work})` });
        }
      } else if (e.type === "inventory.level" && role === "channel" && e.source === erp.id) {
        add({ ...base, key: keyOf(p.sku, p.location), dOnHand: 0, dCommitted: 0, uncertain: true, explains: "level_not_yet_published", text: `${displayName(erp)} level of ${p.sku} at ${p.location} (available ${p.available}) not yet published to ${who} (${work})` });
      }
    }
  }
  if (unplaced) notes.push(`${unplaced} unfinished order deliveries come from a source with no known stock location (map the channel's location) and were not projected`);
  return out;
}

/** Where an order commits stock: the location its channel sells from, a configured one, or the one the ERP and 3PLs share. */
function orderLocation(src: LiveInstance | undefined, ctx: ReconcileContext, fallback: string | undefined): string | undefined {
  if (src && roleOf(src) === "channel") {
    const locs = channelLocations(src, ctx.mappings);
    if (locs.length) return locs[0];
  }
  const configured = src?.settings.reconStockLocation;
  return typeof configured === "string" ? configured : fallback;
}

interface ExplanationLog {
  bySku: Map<string, LogEvent[]>;
}

/** Log events about the SKUs that still differ after projection: one query for all of them. */
async function loadExplanations(ctx: ReconcileContext, erp: LiveInstance, pending: Pending[]): Promise<ExplanationLog> {
  const skus = [...new Set(pending.map((p) => splitKey(p.key)[0]))];
  const since = new Date(ctx.now.getTime() - ctx.settings.windowMs).toISOString();
  const events = await eventsTouchingSkus(ctx.store, { skus, since, types: ["order.created", "order.cancelled", "shipment.created", "refund.created", "inventory.level"] });
  const bySku = new Map<string, LogEvent[]>();
  for (const e of events) {
    if (e.type === "inventory.level" && e.source !== erp.id) continue;
    for (const s of e.skus) (bySku.get(s) ?? bySku.set(s, []).get(s)!).push(e);
  }
  return { bySku };
}

/** Orders still holding units of a SKU (ordered − shipped − cancelled), from our log. */
function openOrdersOf(sku: string, log: ExplanationLog): { orderNumber: string; units: number }[] {
  const open = new Map<string, number>();
  for (const e of log.bySku.get(sku) ?? []) {
    const p = e.payload;
    const units = (lines: { sku: string; quantity: number }[] | undefined) => (lines ?? []).filter((l) => l.sku === sku).reduce((n, l) => n + l.quantity, 0);
    if (e.type === "order.created") open.set(p.orderNumber, (open.get(p.orderNumber) ?? 0) + units(p.lines));
    else if (e.type === "shipment.created" || e.type === "order.cancelled") {
      const n = e.type === "shipment.created" ? p.orderNumber : p.order.orderNumber;
      if (open.has(n)) open.set(n, open.get(n)! - units(e.type === "shipment.created" ? p.lines : p.order.lines));
    }
  }
  return [...open].filter(([, u]) => u > 0).map(([orderNumber, units]) => ({ orderNumber, units }));
}

function ordersText(orders: { orderNumber: string; units: number }[]): string {
  if (orders.length === 0) return "";
  const shown = orders.slice(0, 6).map((o) => `${o.orderNumber} ×${o.units}`).join(", ");
  return `: ${shown}${orders.length > 6 ? ` and ${orders.length - 6} more` : ""} not shipped`;
}

function workLines(ws: Work[], sign: 1 | -1, mode: "counts" | "available"): BridgeLine[] {
  return ws
    .filter((w) => w.uncertain || w.dOnHand || w.dCommitted)
    .map((w) => {
      let text: string;
      let amount: number | undefined;
      if (w.uncertain) text = `± ${w.text}`;
      else if (mode === "available") {
        amount = sign * (w.dOnHand - w.dCommitted);
        text = `${signed(amount)} available: ${w.text}`;
      } else {
        const oh = sign * w.dOnHand;
        const cm = sign * w.dCommitted;
        const parts = oh && oh === cm ? [`${signed(oh)} on hand and committed`] : [oh ? `${signed(oh)} on hand` : "", cm ? `${signed(cm)} committed` : ""].filter(Boolean);
        amount = oh;
        text = `${parts.join(", ")}: ${w.text}`;
      }
      return { kind: "adjust" as const, text, amount, status: w.state === "in_flight" ? ("in_flight" as const) : w.state === "parked" ? ("parked" as const) : ("stuck" as const), refs: refsOf(w.event, [w.delivery]) };
    });
}

function workCauses(ws: Work[]): { state: WorkState | undefined; log: LogEvidence[]; refs: EvidenceRef[] } {
  return {
    state: worstState(ws.map((w) => w.state)),
    log: ws.map((w) => logEvidence(w.event, w.explains, w.text, [w.delivery])),
    refs: ws.flatMap((w) => refsOf(w.event, [w.delivery])),
  };
}

async function explainThreePl(ctx: ReconcileContext, p: Pending, erp: LiveInstance, tpl: LiveInstance, e: Counts, t: Counts, erpWork: Work[], tplWork: Work[], log: ExplanationLog): Promise<{ finding?: Finding; summary: string; bridge: BridgeLine[] }> {
  const [sku, loc] = splitKey(p.key);
  const E = displayName(erp);
  const T = displayName(tpl);
  const tplLoc = [...t.names].join("+") || loc;
  const committedOrders = openOrdersOf(sku, log);
  const bridge: BridgeLine[] = [
    { kind: "start", text: `${E} ${loc} on hand ${e.onHand}, committed ${e.committed}${ordersText(committedOrders)}`, amount: e.onHand },
    ...workLines(erpWork, 1, "counts"),
    ...workLines(tplWork, -1, "counts"),
  ];
  const expOnHand = t.onHand - p.residualOnHand;
  const expCommitted = t.committed - p.residualCommitted;
  bridge.push({ kind: "total", text: `= ${T} should show on hand ${expOnHand}, allocated ${expCommitted}`, amount: expOnHand });
  bridge.push({ kind: "compare", text: `${T} ${tplLoc} on hand ${t.onHand}, allocated ${t.committed}${p.sideMissing ? ` (${T} has no record of ${sku} here)` : ""}`, amount: t.onHand });

  const causes: Cause[] = [];
  let rOnHand = p.residualOnHand;
  let rCommitted = p.residualCommitted;
  const uncertain = [...erpWork, ...tplWork].filter((w) => w.uncertain);

  if (rOnHand < 0 && e.inTransit === 0 && t.inTransit > 0) {
    const n = Math.min(-rOnHand, t.inTransit);
    causes.push({ cause: "transfer_in_transit", amount: -n, state: "in_flight", text: `${signed(-n)}: ${n} in transit to ${T} ${tplLoc}, received in ${E} but not yet by ${T} (in-flight transfer)` });
    rOnHand += n;
  }
  if (rOnHand > 0 && e.inTransit > 0) {
    const n = Math.min(rOnHand, e.inTransit);
    causes.push({ cause: "transfer_in_transit", amount: n, state: "in_flight", text: `${signed(n)}: ${n} of the ${e.inTransit} in transit to ${E} ${loc} already counted by ${T}, not yet received in ${E} (in-flight transfer)` });
    rOnHand -= n;
  }
  if (rOnHand < 0 && rCommitted < 0) {
    for (const c of await lostShipments(ctx, tpl, sku, loc, Math.min(-rOnHand, -rCommitted))) {
      causes.push(c);
      rOnHand -= c.amount;
      rCommitted -= c.amount;
    }
  }
  const refunds = (log.bySku.get(sku) ?? []).filter((ev) => ev.type === "refund.created");
  if (rOnHand > 0) {
    for (const ev of refunds) {
      if (rOnHand <= 0) break;
      const lines = (ev.payload.lines as { sku: string; quantity: number; restock?: boolean }[]).filter((l) => l.sku === sku);
      const ret = ev.deliveries.find((d) => d.action === "create_return" && d.destination === erp.id);
      const unrestocked = lines.filter((l) => !l.restock || !ret || ret.status !== "succeeded").reduce((n, l) => n + l.quantity, 0);
      if (unrestocked <= 0) continue;
      const n = Math.min(rOnHand, unrestocked);
      rOnHand -= n;
      const restockPending = ret && ret.status !== "succeeded" && ret.status !== "skipped" && lines.some((l) => l.restock) ? workStateOf(ret, ev, ctx.now, ctx.settings.lagMs) : undefined;
      if (restockPending) {
        // The 3PL has the parcel; the ERP's receipt of it is still on its way (or stopped).
        const work = describeWork(ret!, restockPending);
        causes.push({
          cause: restockPending === "in_flight" ? "return_not_yet_received" : restockPending === "parked" ? "parked_delivery" : "stuck_delivery",
          amount: n, state: restockPending,
          text: `${signed(n)}: returned to ${T} by refund ${ev.payload.id} of order ${ev.payload.orderNumber}; ${E} receives it when its return lands (${work})`,
          log: logEvidence(ev, "return_not_yet_received", work, [ret!]),
          refs: refsOf(ev, [ret!]),
          owner: ret!.destination,
          repair: restockPending === "in_flight" ? undefined : retryRepair([ret!], `the return of ${sku} for order ${ev.payload.orderNumber}`),
        });
        continue;
      }
      const why = !ret ? `${E} was never asked to take it back` : lines.every((l) => !l.restock) ? `the refund did not restock it, so ${E} booked no receipt` : `${E}'s return was skipped`;
      causes.push({
        cause: "return_restocked_in_3pl_only", amount: n, state: "drift",
        text: `${signed(n)}: a return restocked only in ${T}: refund ${ev.payload.id} of order ${ev.payload.orderNumber} returned ${unrestocked} × ${sku}; ${why}`,
        log: logEvidence(ev, "return_restocked_in_3pl_only", `refund of order ${ev.payload.orderNumber}: ${unrestocked} × ${sku} back on ${T}'s shelf, not in ${E}`),
        refs: refsOf(ev, ret ? [ret] : []),
        owner: erp.id,
        repair: { kind: "post_adjustment", target: erp.id, title: `Receive the return of ${n} × ${sku} at ${loc} in ${E} (item receipt for refund ${ev.payload.id} of order ${ev.payload.orderNumber}), after confirming ${T}'s count`, params: { sku, location: loc, delta: n, reason: "return_restock", refundId: ev.payload.id, orderNumber: ev.payload.orderNumber }, applied: false },
      });
    }
  }
  if (rOnHand < 0) {
    for (const ev of refunds) {
      if (rOnHand >= 0) break;
      const ret = ev.deliveries.find((d) => d.action === "create_return" && d.destination === erp.id && d.status === "succeeded");
      const restocked = (ev.payload.lines as { sku: string; quantity: number; restock?: boolean }[]).filter((l) => l.sku === sku && l.restock).reduce((n, l) => n + l.quantity, 0);
      if (!ret || restocked <= 0) continue;
      const n = Math.min(-rOnHand, restocked);
      const young = ctx.now.getTime() - Date.parse(ev.receivedAt) < ctx.settings.lagMs;
      causes.push({
        cause: "return_restocked_in_erp_only", amount: -n, state: young ? "in_flight" : "drift",
        text: `${signed(-n)}: refund ${ev.payload.id} of order ${ev.payload.orderNumber} restocked ${restocked} × ${sku} in ${E}; ${T} has not counted it ${young ? "yet (the parcel may still be on its way, within the lag)" : "(never received, or received without an adjustment)"}`,
        log: logEvidence(ev, "return_restocked_in_erp_only", `restocked in ${E}, not in ${T}`, [ret]),
        refs: refsOf(ev, [ret]),
        owner: tpl.id,
        repair: young ? undefined : { kind: "investigate", target: tpl.id, title: `Check whether the return of ${n} × ${sku} (order ${ev.payload.orderNumber}) reached ${T} ${tplLoc}; receive it there, or reverse the receipt in ${E}`, params: { sku, location: loc, delta: -n, refundId: ev.payload.id }, applied: false },
      });
      rOnHand += n;
    }
  }
  if (rOnHand !== 0) {
    const change = erpOnlyChange(log, erp, sku, loc, -rOnHand);
    if (change) {
      causes.push({
        cause: "adjustment_only_in_erp", amount: rOnHand, state: "drift",
        text: `${signed(rOnHand)}: ${E} changed its on hand by ${signed(-rOnHand)} at ${change.at} with no order, shipment or return behind it; ${T} never saw that change (an adjustment recorded only in ${E})`,
        log: logEvidence(change.event, "adjustment_only_in_erp", `${E} on hand ${change.from} → ${change.to}`, []),
        refs: [{ kind: "event", id: change.event.id }],
        owner: erp.id,
        repair: { kind: "investigate", target: tpl.id, title: `Check the ${signed(-rOnHand)} ${sku} change ${E} recorded at ${loc}: if the units really moved, adjust ${T} by ${signed(-rOnHand)}; if not, reverse it in ${E}`, params: { sku, location: loc, delta: -rOnHand }, applied: false },
      });
      rOnHand = 0;
    }
  }
  if (rOnHand !== 0 && uncertain.some((w) => w.state === "in_flight")) {
    causes.push({ cause: "in_flight", amount: rOnHand, state: "in_flight", text: `${signed(rOnHand)}: within the effect of the in-flight edit(s) above` });
    rOnHand = 0;
  }
  if (rOnHand !== 0) {
    const n = rOnHand;
    causes.push({
      cause: "unreported_adjustment", amount: n, state: "drift",
      text: `${signed(n)}: not explained by any order, shipment, return or adjustment in our log: a stock change recorded only in ${T} (${n < 0 ? "a cycle count, damage or shrinkage" : "a receipt, a count or a return"} nobody reported)`,
      owner: tpl.id,
      repair: { kind: "post_adjustment", target: erp.id, title: `Post a ${signed(n)} adjustment of ${sku} at ${loc} in ${E} to match ${T}'s count, after confirming the count in ${T}`, params: { sku, location: loc, delta: n, reason: "cycle_count" }, applied: false },
    });
  }
  if (rCommitted !== 0) {
    causes.push({
      cause: "allocation_mismatch", amount: rCommitted, state: "drift",
      text: `allocated ${signed(rCommitted)}: ${T} holds ${t.committed} for open orders where ${E} commits ${e.committed} and no order in flight accounts for the difference (an order open or cancelled in one system only)`,
      owner: tpl.id,
      repair: { kind: "investigate", target: tpl.id, title: `Compare the open orders holding ${sku} at ${loc} in ${T} and ${E}`, params: { sku, location: loc, delta: rCommitted }, applied: false },
    });
  }
  for (const c of causes) bridge.push({ kind: "residual", text: c.text, amount: c.amount, status: c.state === "drift" ? "unexplained" : c.state === "in_flight" ? "in_flight" : c.state === "parked" ? "parked" : "stuck", refs: c.refs });

  const work = workCauses([...erpWork, ...tplWork]);
  const driftCauses = causes.filter((c) => c.state !== "in_flight");
  const diffOnHand = t.onHand - e.onHand;
  const rawDiff = p.rawDiffers;
  // A residual left only with in-flight causes is in flight; a raw gap the projection closes is as
  // in flight as the work that closes it. Equal figures (work on both sides, or within tolerance) agree.
  const state = driftCauses.length ? "drift" : p.residualOnHand || p.residualCommitted ? "in_flight" : rawDiff && work.state ? work.state : undefined;
  if (!state) {
    bridge.push({ kind: "residual", text: `difference 0 after commitments`, amount: 0 });
    return { summary: `${T} and ${E} agree on ${sku} at ${loc}: on hand ${t.onHand}, ${e.committed} committed`, bridge };
  }
  bridge.push({
    kind: "residual",
    text: driftCauses.length
      ? `${T} ${t.onHand} vs ${E} ${e.onHand}: ${driftCauses.map((c) => `${signed(c.amount)} ${c.cause.replace(/_/g, " ")}`).join(", ")}`
      : `difference ${signed(diffOnHand)} on hand, ${signed(t.committed - e.committed)} committed: all of it work in flight (${work.state})`,
  });
  const main = driftCauses[0];
  const cause = main?.cause ?? (work.state === "parked" ? "parked_delivery" : work.state === "stuck" ? "stuck_delivery" : "in_flight");
  const isDrift = state !== "in_flight";
  const summary = main
    ? `${T} ${t.onHand} vs ${E} ${e.onHand} for ${sku} at ${loc}: ${main.text.replace(/^[^:]*:\s*/, "")}`
    : `${T} ${t.onHand} vs ${E} ${e.onHand} for ${sku} at ${loc}: ${isDrift ? `work ${work.state} in our log` : "explained by work still in flight"}`;
  const repair = main?.repair ?? (isDrift ? retryRepair([...erpWork, ...tplWork].filter((w) => w.state !== "in_flight").map((w) => w.delivery), `${sku} at ${loc}`) : undefined);
  return {
    summary,
    bridge,
    finding: {
      subject: `${sku}@${loc}`,
      kind: "erp_3pl_mismatch",
      counterpart: tpl.id,
      severity: !isDrift ? "info" : causes.some((c) => c.cause === "lost_webhook" || c.state === "parked") || state === "parked" ? "error" : "warning",
      status: isDrift ? "open" : "in_flight",
      sides: {
        [erp.id]: { system: erp.id, location: loc, onHand: e.onHand, committed: e.committed, available: e.available, inTransit: e.inTransit, missing: p.erpMissing || undefined },
        [tpl.id]: { system: tpl.id, location: tplLoc, onHand: t.onHand, allocated: t.committed, available: t.available, inTransit: t.inTransit, missing: p.sideMissing || undefined },
      },
      evidence: {
        cause,
        summary,
        residual: driftCauses.reduce((n, c) => n + c.amount, 0),
        unit: "units",
        bridge,
        log: [...work.log, ...causes.flatMap((c) => (c.log ? [c.log] : []))],
        refs: dedupeRefs([...work.refs, ...causes.flatMap((c) => c.refs ?? []), { kind: "connector", id: tpl.id }, { kind: "connector", id: erp.id }]),
        proposedRepair: repair,
        detail: { committedOrders, differenceOnHand: diffOnHand, differenceCommitted: t.committed - e.committed },
      },
      rootCause: cause === "lost_webhook" ? "lost_webhook" : "inventory_drift",
      ownerConnector: main?.owner ?? [...erpWork, ...tplWork].find((w) => w.state !== "in_flight")?.delivery.destination ?? tpl.id,
    },
  };
}

/**
 * Shipments the 3PL made of this SKU that never reached our log: the webhook (SHIP_NOTIFY) was
 * lost, so the ERP still holds the units as committed and on hand.
 */
async function lostShipments(ctx: ReconcileContext, tpl: LiveInstance, sku: string, loc: string, upTo: number): Promise<Cause[]> {
  if (!tpl.definition.readers?.shipments) return [];
  const shipments = await shipmentsOf(ctx, tpl);
  const resolve = locationResolver(tpl, "3pl", ctx.mappings);
  const mine = shipments.filter((s) => resolve(s.node) === loc && s.lines.some((l) => l.sku === sku));
  if (mine.length === 0) return [];
  const known = new Set((await eventsByPayloadIds(ctx.store, "shipment.created", mine.map((s) => s.id))).map((e) => e.payload.id as string));
  const out: Cause[] = [];
  let left = upTo;
  for (const s of mine) {
    if (known.has(s.id) || left <= 0) continue;
    const units = s.lines.filter((l) => l.sku === sku).reduce((n, l) => n + l.quantity, 0);
    const n = Math.min(units, left);
    left -= n;
    out.push({
      cause: "lost_webhook", amount: -n, state: "drift",
      text: `${signed(-n)}: shipped by ${displayName(tpl)} in shipment ${s.id} of order ${s.orderNumber} (tracking ${s.trackingNumber}, ${s.shippedAt}); no shipment event in our log: its webhook never reached Loopkeeper, so the ERP still counts the units`,
      log: { eventId: "", type: "shipment.created", source: tpl.id, orderNumber: s.orderNumber, receivedAt: "", explains: "lost_webhook", note: `shipment ${s.id} exists in ${displayName(tpl)} but was never received`, deliveries: [] },
      owner: tpl.id,
      repair: { kind: "backfill_event", target: tpl.id, title: `Re-capture shipment ${s.id} of order ${s.orderNumber} from ${displayName(tpl)} so the ERP fulfils it and the channel gets tracking; then check the ${displayName(tpl)} webhook subscription`, params: { connector: tpl.id, type: "shipment.created", shipmentId: s.id, orderNumber: s.orderNumber }, applied: false },
    });
  }
  return out;
}

const shipmentCache = new WeakMap<ReconcileContext, Map<string, Promise<Shipment[]>>>();

/** One read of a 3PL's recent shipments per run, shared by every SKU that needs it. */
function shipmentsOf(ctx: ReconcileContext, tpl: LiveInstance): Promise<Shipment[]> {
  const m = shipmentCache.get(ctx) ?? shipmentCache.set(ctx, new Map()).get(ctx)!;
  let p = m.get(tpl.id);
  if (!p) {
    p = ctx.read<Shipment[]>(tpl, "shipments", new Date(ctx.now.getTime() - ctx.settings.windowMs).toISOString());
    m.set(tpl.id, p);
  }
  return p;
}

/**
 * A change of the ERP's on hand, seen in the stock levels its poller captured, that no order,
 * shipment or return explains and that matches the gap: an adjustment the ERP recorded alone.
 */
function erpOnlyChange(log: ExplanationLog, erp: LiveInstance, sku: string, loc: string, delta: number): { event: LogEvent; at: string; from: number; to: number } | undefined {
  const levels = (log.bySku.get(sku) ?? []).filter((e) => e.type === "inventory.level" && e.source === erp.id && e.payload.location === loc);
  for (let i = levels.length - 1; i > 0; i--) {
    const prev = levels[i - 1]!.payload as InventoryLevel;
    const cur = levels[i]!.payload as InventoryLevel;
    if (cur.onHand - prev.onHand === delta && cur.committed === prev.committed) return { event: levels[i]!, at: cur.asOf, from: prev.onHand, to: cur.onHand };
  }
  return undefined;
}

async function explainChannel(ctx: ReconcileContext, p: Pending, erp: LiveInstance, ch: LiveInstance, e: Counts, c: Counts, erpWork: Work[], chWork: Work[], log: ExplanationLog): Promise<{ finding?: Finding; summary: string; bridge: BridgeLine[] }> {
  const [sku, loc] = splitKey(p.key);
  const E = displayName(erp);
  const C = displayName(ch);
  const safety = safetyStockOf(ch);
  const chLoc = [...c.names].join("+") || loc;
  const committedOrders = openOrdersOf(sku, log);
  const mine = erpWork.filter((w) => !w.uncertain && w.event.source === ch.id);
  const availableAfter = e.available + sum(mine, "dOnHand") - sum(mine, "dCommitted");
  const bridge: BridgeLine[] = [
    { kind: "start", text: `${E} ${loc} on hand ${e.onHand} − committed ${e.committed}${ordersText(committedOrders)} = available ${e.available}`, amount: e.available },
    ...workLines(erpWork.filter((w) => !w.uncertain && w.event.source === ch.id), 1, "available"),
  ];
  if (mine.some((w) => w.dOnHand !== w.dCommitted)) bridge.push({ kind: "total", text: `= ${availableAfter} available in ${E} once the work in flight lands`, amount: availableAfter });
  bridge.push({ kind: "adjust", text: `− safety stock ${safety} (${ch.id} settings.safetyStock)`, amount: -safety });
  bridge.push({ kind: "total", text: `= ${p.expected} ${C} should list${availableAfter - safety < 0 ? " (never below 0)" : ""}`, amount: p.expected });
  bridge.push({ kind: "compare", text: `${C} ${chLoc} available ${c.available}${p.sideMissing ? ` (${C} does not list ${sku} here)` : ""}`, amount: c.available });

  let r = p.residualAvailable ?? 0;
  const causes: Cause[] = [];
  // A level on its way to the channel, or an order edit on its way to the ERP: either can move the channel's figure.
  const publishing = [...chWork.filter((w) => w.uncertain), ...erpWork.filter((w) => w.uncertain)];
  if (r !== 0 && publishing.length) {
    const worst = worstState(publishing.map((w) => w.state))!;
    causes.push({ cause: worst === "in_flight" ? "publish_pending" : worst === "parked" ? "parked_delivery" : "stuck_delivery", amount: r, state: worst, text: `${signed(r)}: ${publishing.map((w) => w.text).join("; ")}`, refs: publishing.flatMap((w) => refsOf(w.event, [w.delivery])), log: publishing.map((w) => logEvidence(w.event, w.explains, w.text, [w.delivery]))[0], owner: ch.id });
    r = 0;
  }
  if (r < 0) {
    for (const c of await lostChannelOrders(ctx, ch, sku, -r)) {
      causes.push(c);
      r -= c.amount;
    }
  }
  if (r !== 0) {
    const captured = (log.bySku.get(sku) ?? []).filter((ev) => ev.type === "inventory.level" && ev.source === erp.id && ev.payload.location === loc).at(-1);
    if (captured && (captured.payload as InventoryLevel).available !== e.available) {
      const poller = (await pollerStatesOf(ctx.store, erp.id)).find((s) => /inventory/i.test(s.id));
      const healthy = poller?.lastPolledAt && ctx.now.getTime() - Date.parse(poller.lastPolledAt) < ctx.settings.lagMs && !poller.lastError;
      causes.push({
        cause: healthy ? "change_not_yet_polled" : "poller_behind", amount: r, state: healthy ? "in_flight" : "stuck",
        text: `${signed(r)}: ${E} available moved from ${(captured.payload as InventoryLevel).available} (last captured at ${captured.occurredAt}) to ${e.available}; ${healthy ? `the stock poller has not picked the change up yet (last poll ${poller!.lastPolledAt})` : `the stock poller ${poller ? `last ran at ${poller.lastPolledAt ?? "never"}${poller.lastError ? ` and failed: ${poller.lastError}` : ""}` : "is not running"}`}`,
        refs: [{ kind: "event", id: captured.id }],
        owner: erp.id,
      });
      r = 0;
    } else if (!captured && e.available - safety !== c.available) {
      const poller = (await pollerStatesOf(ctx.store, erp.id)).find((s) => /inventory/i.test(s.id));
      if (!poller) neverCaptured(causes, r, `${signed(r)}: no stock level of ${sku} at ${loc} from ${E} was ever captured (is the ${E} stock poller running?)`);
    }
  }
  if (r !== 0 && !causes.length) {
    causes.push({
      cause: "channel_out_of_sync", amount: r, state: "drift",
      text: `${signed(r)}: ${C} lists ${c.available} where ${E} can sell ${p.expected} after safety stock; nothing in flight explains it (${C} changed outside Loopkeeper, or a publish was lost)`,
      owner: ch.id,
      repair: { kind: "push_inventory", target: ch.id, title: `Push ${E}'s count to ${C}: set ${sku} at ${chLoc} to ${p.expected} available (${E} available ${availableAfter} − safety stock ${safety})`, params: { sku, location: chLoc, erpLocation: loc, available: p.expected }, applied: false },
    });
  }
  for (const cz of causes) bridge.push({ kind: "residual", text: cz.text, amount: cz.amount, status: cz.state === "drift" ? "unexplained" : cz.state === "in_flight" ? "in_flight" : cz.state === "parked" ? "parked" : "stuck", refs: cz.refs });

  const work = workCauses([...mine, ...publishing]);
  const driftCauses = causes.filter((cz) => cz.state !== "in_flight");
  const own = [...erpWork.filter((w) => w.event.source === ch.id), ...publishing];
  const ownState = worstState(own.map((w) => w.state));
  const state = driftCauses.length ? "drift" : p.residualAvailable ? "in_flight" : p.rawDiffers && ownState ? ownState : undefined;
  if (!state) {
    bridge.push({ kind: "residual", text: `difference 0 after commitments and safety stock`, amount: 0 });
    return { summary: `${C} lists ${c.available} of ${sku}, as ${E} allows (${e.available} available − safety stock ${safety})`, bridge };
  }
  const isDrift = state !== "in_flight";
  const main = driftCauses[0];
  const cause = main?.cause ?? (ownState === "parked" ? "parked_delivery" : ownState === "stuck" ? "stuck_delivery" : causes[0]?.cause ?? "in_flight");
  bridge.push({ kind: "residual", text: isDrift ? `difference ${signed(c.available - (p.expected ?? 0))}: drift (${cause.replace(/_/g, " ")})` : `difference ${signed(c.available - Math.max(0, e.available - safety))} against ${E} as it stands: all of it work in flight` });
  const summary = main ? `${C} ${c.available} vs ${p.expected} expected from ${E} for ${sku} at ${loc}: ${main.text.replace(/^[^:]*:\s*/, "")}` : `${C} ${c.available} vs ${E} ${e.available} − ${safety} for ${sku} at ${loc}: ${isDrift ? `work ${ownState} in our log` : "explained by work still in flight"}`;
  const repair = main?.repair ?? (isDrift ? retryRepair(own.filter((w) => w.state !== "in_flight").map((w) => w.delivery), `${sku} at ${loc}`) : undefined);
  return {
    summary,
    bridge,
    finding: {
      subject: `${sku}@${loc}`,
      kind: "channel_mismatch",
      counterpart: ch.id,
      severity: isDrift ? (state === "parked" ? "error" : "warning") : "info",
      status: isDrift ? "open" : "in_flight",
      sides: {
        [erp.id]: { system: erp.id, location: loc, onHand: e.onHand, committed: e.committed, available: e.available },
        [ch.id]: { system: ch.id, location: chLoc, available: c.available, committed: c.committed, onHand: c.onHand, safetyStock: safety, expected: p.expected },
      },
      evidence: {
        cause,
        summary,
        residual: driftCauses.reduce((n, cz) => n + cz.amount, 0),
        unit: "units",
        bridge,
        log: [...work.log, ...causes.flatMap((cz) => (cz.log ? [cz.log] : []))],
        refs: dedupeRefs([...work.refs, ...causes.flatMap((cz) => cz.refs ?? []), { kind: "connector", id: ch.id }, { kind: "connector", id: erp.id }]),
        proposedRepair: repair,
        detail: { committedOrders, expected: p.expected, safetyStock: safety },
      },
      rootCause: cause === "lost_webhook" ? "lost_webhook" : "inventory_drift",
      ownerConnector: main?.owner ?? own.find((w) => w.state !== "in_flight")?.delivery.destination ?? ch.id,
    },
  };
}

const channelOrderCache = new WeakMap<ReconcileContext, Map<string, Promise<{ orders: ReaderOrder[]; known: Set<string> }>>>();

/**
 * Open channel orders holding this SKU that never reached our log: the channel took the units
 * off its availability, the ERP never committed them (the order webhook was lost).
 */
async function lostChannelOrders(ctx: ReconcileContext, ch: LiveInstance, sku: string, upTo: number): Promise<Cause[]> {
  if (!ch.definition.readers?.orders) return [];
  const m = channelOrderCache.get(ctx) ?? channelOrderCache.set(ctx, new Map()).get(ctx)!;
  let p = m.get(ch.id);
  if (!p) {
    p = (async () => {
      const orders = (await ctx.read<ReaderOrder[]>(ch, "orders", new Date(ctx.now.getTime() - ctx.settings.windowMs).toISOString())).filter((o) => o.status === "open" || o.status === "partially_fulfilled");
      const known = new Set((await eventsOfOrders(ctx.store, orders.map((o) => o.orderNumber), { types: ["order.created", "order.updated"] })).map((e) => e.orderNumber!));
      return { orders, known };
    })();
    m.set(ch.id, p);
  }
  const { orders, known } = await p;
  const out: Cause[] = [];
  let left = upTo;
  for (const o of orders) {
    if (left <= 0 || known.has(o.orderNumber)) continue;
    const units = o.lines.filter((l) => l.sku === sku).reduce((n, l) => n + l.quantity, 0);
    if (units <= 0) continue;
    const n = Math.min(units, left);
    left -= n;
    out.push({
      cause: "lost_webhook", amount: -n, state: "drift",
      text: `${signed(-n)}: order ${o.orderNumber} took ${units} × ${sku} in ${displayName(ch)}, but no event for it is in our log: its webhook never reached Loopkeeper, so the ERP never committed the units`,
      log: { eventId: "", type: "order.created", source: ch.id, orderNumber: o.orderNumber, receivedAt: "", explains: "lost_webhook", note: `order ${o.orderNumber} exists in ${displayName(ch)} but was never received`, deliveries: [] },
      owner: ch.id,
      repair: { kind: "backfill_event", target: ch.id, title: `Re-capture order ${o.orderNumber} from ${displayName(ch)} so the ERP commits its units and the 3PL ships it`, params: { connector: ch.id, type: "order.created", orderNumber: o.orderNumber, externalId: o.externalId }, applied: false },
    });
  }
  return out;
}

function neverCaptured(causes: Cause[], r: number, text: string): void {
  causes.push({ cause: "never_captured", amount: r, state: "drift", text });
}

function unknownSku(p: Pending, erp: LiveInstance, ch: LiveInstance, c: Counts): { finding: Finding; summary: string; bridge: BridgeLine[] } {
  const [sku, loc] = splitKey(p.key);
  const E = displayName(erp);
  const C = displayName(ch);
  const summary = `${C} lists ${c.available} of ${sku} at ${loc}, a SKU ${E} does not stock: nothing backs what the channel sells`;
  const bridge: BridgeLine[] = [
    { kind: "start", text: `${E} ${loc}: no item ${sku}`, amount: 0 },
    { kind: "compare", text: `${C} ${[...c.names].join("+")} available ${c.available}`, amount: c.available },
    { kind: "residual", text: `${signed(c.available)}: listed in ${C} only`, amount: c.available, status: "unexplained" },
  ];
  return {
    summary,
    bridge,
    finding: {
      subject: `${sku}@${loc}`, kind: "unknown_sku", counterpart: ch.id, severity: "warning", status: "open",
      sides: { [erp.id]: { system: erp.id, location: loc, missing: true }, [ch.id]: { system: ch.id, available: c.available, onHand: c.onHand } },
      evidence: {
        cause: "sku_missing_in_erp", summary, residual: c.available, unit: "units", bridge, log: [],
        refs: [{ kind: "connector", id: ch.id }, { kind: "connector", id: erp.id }],
        proposedRepair: { kind: "investigate", target: erp.id, title: `Create ${sku} in ${E} (or map it to an existing item), or stop selling it on ${C} (set it to 0 available)`, params: { sku, location: loc }, applied: false },
      },
      rootCause: "inventory_drift",
      ownerConnector: erp.id,
    },
  };
}
