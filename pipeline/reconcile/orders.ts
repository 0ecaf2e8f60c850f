import type { LiveInstance } from "../connector-instances";
import { eventsOfOrders, type LogDelivery, type LogEvent } from "../db/queries/recon-evidence";
import { fromMinorUnits } from "../model";
import { matchesSubject } from "./inventory";
import { displayName, instancesOf, roleOf } from "./roles";
import type { BridgeLine, Finding, ReconcileContext, ReconcileResult, Reconciler } from "./types";
import { dedupeRefs, describeWork, logEvidence, refsOf, retryRepair, workStateOf, type WorkState } from "./work";

/** A sales order as every orders reader reports it (connectors/sdk/definition.ts RecordReaders.orders). */
export interface ReaderOrder {
  orderNumber: string;
  externalId: string;
  totalMinor?: number;
  currency?: string;
  lines: { sku: string; quantity: number }[];
  status?: string;
}

/**
 * Orders: each channel's orders against the ERP's and the 3PL's, read from each system. An order
 * is expected wherever our log routed it; one missing there is in flight while its delivery is
 * within the lag, drift when parked, stuck or delivered and gone since. A channel order with no
 * event in our log at all was never received (a lost webhook). Lines and totals are compared for
 * orders not refunded or cancelled since (refunds change the channel's current total, not the ERP's).
 */
export const ordersReconciler: Reconciler = { domain: "orders", run: reconcileOrders };

const CANCELLED = new Set(["cancelled", "closed"]);

async function reconcileOrders(ctx: ReconcileContext): Promise<ReconcileResult> {
  const channels = instancesOf(ctx.instances, "channel", "orders");
  const targets = [...instancesOf(ctx.instances, "erp", "orders"), ...instancesOf(ctx.instances, "3pl", "orders")];
  if (channels.length === 0 || targets.length === 0) return { applicable: false, checked: 0, findings: [], notes: ["orders needs a channel and an ERP or 3PL with an orders reader"], systems: {} };
  const since = new Date(ctx.now.getTime() - ctx.settings.windowMs).toISOString();
  const read = await Promise.all([...channels, ...targets].map((i) => ctx.read<ReaderOrder[]>(i, "orders", since)));
  const byNumber = new Map<string, Map<string, ReaderOrder[]>>();
  [...channels, ...targets].forEach((inst, i) => {
    const m = new Map<string, ReaderOrder[]>();
    for (const o of read[i]!) (m.get(o.orderNumber) ?? m.set(o.orderNumber, []).get(o.orderNumber)!).push(o);
    byNumber.set(inst.id, m);
  });
  const numbers = new Set([...byNumber.values()].flatMap((m) => [...m.keys()]));
  const events = await eventsOfOrders(ctx.store, [...numbers], { types: ["order.created", "order.updated", "order.cancelled", "refund.created"] });
  const eventsOf = new Map<string, LogEvent[]>();
  for (const e of events) if (e.orderNumber) (eventsOf.get(e.orderNumber) ?? eventsOf.set(e.orderNumber, []).get(e.orderNumber)!).push(e);

  const findings: Finding[] = [];
  const agreements: NonNullable<ReconcileResult["agreements"]> = [];
  const channelNumbers = new Set<string>();
  let checked = 0;
  for (const ch of channels) {
    for (const [number, copies] of byNumber.get(ch.id)!) {
      channelNumbers.add(number);
      if (!matchesSubject(number, ctx.subject)) continue;
      checked++;
      const order = copies[0]!;
      const evs = eventsOf.get(number) ?? [];
      const created = evs.find((e) => e.type === "order.created" && e.source === ch.id) ?? evs.find((e) => e.type === "order.created");
      const before = findings.length;
      if (!created) {
        findings.push(notReceived(ctx, ch, order, targets, byNumber));
        continue;
      }
      const refunded = evs.some((e) => e.type === "refund.created") || order.status === "refunded";
      const cancelled = order.status === "cancelled";
      for (const t of targets) {
        const d = created.deliveries.find((x) => x.destination === t.id && /order/.test(x.action));
        if (!d) continue;
        const recs = byNumber.get(t.id)!.get(number) ?? [];
        if (recs.length === 0) {
          const state = workStateOf(d, created, ctx.now, ctx.settings.lagMs);
          findings.push(missingIn(ch, t, order, created, d, state));
          continue;
        }
        if (recs.length > 1) {
          findings.push(duplicateIn(t, number, recs, created));
          continue;
        }
        const rec = recs[0]!;
        const update = evs.filter((e) => e.type === "order.updated" || e.type === "order.cancelled").flatMap((e) => e.deliveries.filter((x) => x.destination === t.id && x.status !== "succeeded" && x.status !== "skipped").map((x) => ({ e, x })));
        const pendingChange = update.map(({ e, x }) => ({ e, x, state: workStateOf(x, e, ctx.now, ctx.settings.lagMs) }));
        if (cancelled) {
          if (!CANCELLED.has(rec.status ?? "")) findings.push(statusMismatch(ch, t, order, rec, created, pendingChange));
          continue;
        }
        if (refunded) continue;
        const shipping = new Set(((created.payload?.lines ?? []) as { sku: string; requiresShipping?: boolean }[]).filter((l) => l.requiresShipping !== false).map((l) => l.sku));
        const expectedLines = roleOf(t) === "3pl" ? order.lines.filter((l) => shipping.size === 0 || shipping.has(l.sku)) : order.lines;
        const lineDiff = diffLines(expectedLines, rec.lines);
        if (lineDiff.length) findings.push(lineMismatch(ch, t, order, rec, created, lineDiff, pendingChange));
        const role = roleOf(t)!;
        if ((ctx.settings.compareTotalsWith as string[]).includes(role) && order.totalMinor !== undefined && rec.totalMinor !== undefined && order.currency === rec.currency) {
          const diff = rec.totalMinor - order.totalMinor;
          if (Math.abs(diff) > ctx.settings.tolerance) findings.push(totalMismatch(ch, t, order, rec, created, diff, pendingChange));
        }
      }
      if (ctx.subject && findings.length === before) agreements.push({ subject: number, summary: `${number} agrees in ${[ch, ...targets].map((i) => displayName(i)).join(", ")}`, bridge: [{ kind: "start", text: `${displayName(ch)} ${number}: ${linesText(order.lines)}${order.totalMinor !== undefined ? `, total ${money(order.totalMinor, order.currency)}` : ""}` }] });
    }
  }

  // Orders the ERP or 3PL hold that no channel read and our log never saw: made outside Loopkeeper.
  for (const t of targets) {
    for (const [number, recs] of byNumber.get(t.id)!) {
      if (!matchesSubject(number, ctx.subject)) continue;
      if (!channelNumbers.has(number) && recs.length > 1) findings.push(duplicateIn(t, number, recs, undefined));
      if (channelNumbers.has(number) || eventsOf.has(number)) continue;
      checked++;
      findings.push(unexpected(t, recs[0]!));
    }
  }
  return {
    applicable: true,
    checked,
    findings,
    notes: [],
    agreements: ctx.subject ? agreements : undefined,
    systems: { channels: channels.map((c) => ({ id: c.id, orders: byNumber.get(c.id)!.size })), targets: targets.map((t) => ({ id: t.id, role: roleOf(t), orders: byNumber.get(t.id)!.size })), since },
  };
}

function money(minor: number | undefined, currency: string | undefined): string {
  return minor === undefined ? "?" : `${fromMinorUnits(minor, currency ?? "USD")} ${currency ?? ""}`.trim();
}

function linesText(lines: { sku: string; quantity: number }[]): string {
  return lines.map((l) => `${l.quantity} × ${l.sku}`).join(", ") || "no lines";
}

function diffLines(expected: { sku: string; quantity: number }[], actual: { sku: string; quantity: number }[]): { sku: string; expected: number; actual: number }[] {
  const sum = (ls: { sku: string; quantity: number }[]) => ls.reduce((m, l) => m.set(l.sku, (m.get(l.sku) ?? 0) + l.quantity), new Map<string, number>());
  const a = sum(expected);
  const b = sum(actual);
  return [...new Set([...a.keys(), ...b.keys()])].filter((s) => (a.get(s) ?? 0) !== (b.get(s) ?? 0)).map((sku) => ({ sku, expected: a.get(sku) ?? 0, actual: b.get(sku) ?? 0 }));
}

function notReceived(ctx: ReconcileContext, ch: LiveInstance, order: ReaderOrder, targets: LiveInstance[], byNumber: Map<string, Map<string, ReaderOrder[]>>): Finding {
  const C = displayName(ch);
  const present = targets.filter((t) => (byNumber.get(t.id)!.get(order.orderNumber) ?? []).length > 0);
  const summary = `${order.orderNumber} exists in ${C} but Loopkeeper never received it: no event in our log${present.length ? `; ${present.map((t) => displayName(t)).join(" and ")} ha${present.length === 1 ? "s" : "ve"} it from elsewhere` : `, so ${targets.map((t) => displayName(t)).join(" and ")} never got it`} (the ${C} order webhook was lost)`;
  const bridge: BridgeLine[] = [
    { kind: "start", text: `${C} ${order.orderNumber}: ${linesText(order.lines)}, total ${money(order.totalMinor, order.currency)}, ${order.status ?? "open"}` },
    { kind: "residual", text: `no order event for ${order.orderNumber} from ${ch.id} in our log`, status: "unexplained" },
    ...targets.map((t) => ({ kind: "compare" as const, text: `${displayName(t)}: ${(byNumber.get(t.id)!.get(order.orderNumber) ?? []).length ? "has it" : "no such order"}` })),
  ];
  return {
    subject: order.orderNumber, kind: "not_received", counterpart: ch.id, severity: "error", status: "open",
    sides: Object.fromEntries([[ch.id, order], ...targets.map((t) => [t.id, byNumber.get(t.id)!.get(order.orderNumber) ?? null])]),
    evidence: {
      cause: "lost_webhook", summary, bridge,
      log: [{ eventId: "", type: "order.created", source: ch.id, orderNumber: order.orderNumber, receivedAt: "", explains: "lost_webhook", note: `no event for ${order.orderNumber} was ever captured from ${ch.id}`, deliveries: [] }],
      refs: [{ kind: "connector", id: ch.id }],
      proposedRepair: { kind: "backfill_event", target: ch.id, title: `Re-capture order ${order.orderNumber} from ${C} (read it and capture it as order.created) so it reaches ${targets.map((t) => displayName(t)).join(" and ")}; then check ${C}'s webhook subscription`, params: { connector: ch.id, type: "order.created", orderNumber: order.orderNumber, externalId: order.externalId }, applied: false },
      detail: { presentIn: present.map((t) => t.id), lookedBack: ctx.settings.windowMs },
    },
    rootCause: "lost_webhook",
    ownerConnector: ch.id,
  };
}

function stateCause(state: WorkState): string {
  return state === "in_flight" ? "in_flight" : state === "parked" ? "parked_delivery" : state === "stuck" ? "stuck_delivery" : "missing_despite_delivered";
}

function missingIn(ch: LiveInstance, t: LiveInstance, order: ReaderOrder, created: LogEvent, d: LogDelivery, state: WorkState): Finding {
  const T = displayName(t);
  const work = describeWork(d, state);
  const cause = stateCause(state);
  const summary = state === "done"
    ? `${order.orderNumber} was delivered to ${T} but ${T} has no such order now (deleted or renumbered there)`
    : `${order.orderNumber} is not in ${T} yet: ${work}`;
  return {
    subject: order.orderNumber, kind: "missing_order", counterpart: t.id,
    severity: state === "in_flight" ? "info" : state === "parked" ? "error" : "warning",
    status: state === "in_flight" ? "in_flight" : "open",
    sides: { [ch.id]: order, [t.id]: null },
    evidence: {
      cause, summary,
      bridge: [
        { kind: "start", text: `${displayName(ch)} ${order.orderNumber}: ${linesText(order.lines)}` },
        { kind: "adjust", text: work, status: state === "done" ? "unexplained" : state === "skipped" ? "explained" : state, refs: refsOf(created, [d]) },
        { kind: "compare", text: `${T}: no order ${order.orderNumber}` },
      ],
      log: [logEvidence(created, state === "done" ? "delivered_then_missing" : "order_not_yet_delivered", work, [d])],
      refs: dedupeRefs([...refsOf(created, [d]), { kind: "connector", id: t.id }]),
      proposedRepair: state === "in_flight" ? undefined : state === "done"
        ? { kind: "investigate", target: t.id, title: `Find out why ${order.orderNumber} is gone from ${T}; replay the delivery if it was deleted by mistake`, params: { orderNumber: order.orderNumber, deliveryId: d.id }, applied: false }
        : retryRepair([d], `${order.orderNumber} to ${T}`),
    },
    rootCause: "order_drift",
    ownerConnector: t.id,
  };
}

function duplicateIn(t: LiveInstance, number: string, recs: ReaderOrder[], created: LogEvent | undefined): Finding {
  const T = displayName(t);
  const summary = `${number} exists ${recs.length} times in ${T} (${recs.map((r) => r.externalId).join(", ")}): it would be shipped or invoiced ${recs.length} times`;
  return {
    subject: number, kind: "duplicate_order", counterpart: t.id, severity: "error", status: "open",
    sides: { [t.id]: recs },
    evidence: {
      cause: "duplicate_record", summary,
      bridge: recs.map((r) => ({ kind: "compare" as const, text: `${T} ${r.externalId}: ${linesText(r.lines)}, total ${money(r.totalMinor, r.currency)}, ${r.status ?? "?"}` })),
      log: created ? [logEvidence(created, "order_source", `the one ${number} Loopkeeper received`)] : [],
      refs: dedupeRefs([...(created ? refsOf(created, created.deliveries.filter((d) => d.destination === t.id)) : []), { kind: "connector", id: t.id }]),
      proposedRepair: { kind: "investigate", target: t.id, title: `Cancel the extra ${number} in ${T} (keep ${recs[0]!.externalId})`, params: { orderNumber: number, keep: recs[0]!.externalId, extra: recs.slice(1).map((r) => r.externalId) }, applied: false },
    },
    rootCause: "order_drift",
    ownerConnector: t.id,
  };
}

type PendingChange = { e: LogEvent; x: LogDelivery; state: WorkState }[];

function changeState(pending: PendingChange): WorkState | undefined {
  if (pending.some((p) => p.state === "parked")) return "parked";
  if (pending.some((p) => p.state === "stuck")) return "stuck";
  return pending.length ? "in_flight" : undefined;
}

function mismatch(kind: string, ch: LiveInstance, t: LiveInstance, order: ReaderOrder, rec: ReaderOrder, created: LogEvent, pending: PendingChange, what: string, bridge: BridgeLine[], detail: Record<string, unknown>, repairTitle: string): Finding {
  const state = changeState(pending);
  const inFlight = state === "in_flight";
  const T = displayName(t);
  for (const p of pending) bridge.push({ kind: "adjust", text: `${p.e.type} ${describeWork(p.x, p.state)}`, status: p.state === "done" || p.state === "skipped" ? "explained" : p.state, refs: refsOf(p.e, [p.x]) });
  const summary = `${order.orderNumber}: ${what}${inFlight ? ` (a change to it is still on its way to ${T})` : ""}`;
  return {
    subject: order.orderNumber, kind, counterpart: t.id, severity: inFlight ? "info" : "warning", status: inFlight ? "in_flight" : "open",
    sides: { [ch.id]: order, [t.id]: rec },
    evidence: {
      cause: inFlight ? "in_flight" : state ? stateCause(state) : kind, summary, bridge,
      log: [logEvidence(created, "order_source", `the order as ${displayName(ch)} sent it`), ...pending.map((p) => logEvidence(p.e, "change_pending", describeWork(p.x, p.state), [p.x]))],
      refs: dedupeRefs([...refsOf(created, created.deliveries.filter((d) => d.destination === t.id)), ...pending.flatMap((p) => refsOf(p.e, [p.x])), { kind: "connector", id: t.id }]),
      proposedRepair: inFlight ? undefined : state === "parked" || state === "stuck" ? retryRepair(pending.map((p) => p.x), `${order.orderNumber} to ${T}`) : { kind: "investigate", target: t.id, title: repairTitle, params: { orderNumber: order.orderNumber, externalId: rec.externalId }, applied: false },
      detail,
    },
    rootCause: "order_drift",
    ownerConnector: t.id,
  };
}

function lineMismatch(ch: LiveInstance, t: LiveInstance, order: ReaderOrder, rec: ReaderOrder, created: LogEvent, diff: { sku: string; expected: number; actual: number }[], pending: PendingChange): Finding {
  const T = displayName(t);
  const C = displayName(ch);
  return mismatch("line_mismatch", ch, t, order, rec, created, pending,
    `lines differ between ${C} and ${T}: ${diff.map((d) => `${d.sku} ${d.expected} vs ${d.actual}`).join(", ")}`,
    [
      { kind: "start", text: `${C} ${order.orderNumber}: ${linesText(order.lines)}` },
      { kind: "compare", text: `${T} ${rec.externalId}: ${linesText(rec.lines)}` },
      ...diff.map((d) => ({ kind: "residual" as const, text: `${d.sku}: ${C} ${d.expected}, ${T} ${d.actual} (${d.actual - d.expected > 0 ? "+" : ""}${d.actual - d.expected})`, amount: d.actual - d.expected, status: "unexplained" as const })),
    ],
    { lines: diff },
    `Re-send ${order.orderNumber} to ${T} so its lines match ${C} (replay the order delivery), or edit it in ${T}`);
}

function totalMismatch(ch: LiveInstance, t: LiveInstance, order: ReaderOrder, rec: ReaderOrder, created: LogEvent, diff: number, pending: PendingChange): Finding {
  const T = displayName(t);
  const C = displayName(ch);
  const totals = created.payload?.totals as Record<string, { amountMinor: number }> | undefined;
  return mismatch("total_mismatch", ch, t, order, rec, created, pending,
    `total ${money(rec.totalMinor, rec.currency)} in ${T} vs ${money(order.totalMinor, order.currency)} in ${C} (${diff > 0 ? "+" : ""}${fromMinorUnits(diff, order.currency ?? "USD")})`,
    [
      { kind: "start", text: `${C} ${order.orderNumber} total ${money(order.totalMinor, order.currency)}${totals ? ` (subtotal ${totals.subtotal?.amountMinor}, discounts ${totals.discounts?.amountMinor}, shipping ${totals.shipping?.amountMinor}, tax ${totals.tax?.amountMinor} minor units as captured)` : ""}`, amount: order.totalMinor },
      { kind: "compare", text: `${T} ${rec.externalId} total ${money(rec.totalMinor, rec.currency)}`, amount: rec.totalMinor },
      { kind: "residual", text: `difference ${fromMinorUnits(diff, order.currency ?? "USD")} ${order.currency ?? ""}`, amount: diff, status: "unexplained" },
    ],
    { differenceMinor: diff },
    `Correct the total of ${order.orderNumber} in ${T} (${money(rec.totalMinor, rec.currency)} → ${money(order.totalMinor, order.currency)})`);
}

function statusMismatch(ch: LiveInstance, t: LiveInstance, order: ReaderOrder, rec: ReaderOrder, created: LogEvent, pending: PendingChange): Finding {
  const T = displayName(t);
  return mismatch("status_mismatch", ch, t, order, rec, created, pending,
    `cancelled in ${displayName(ch)}, still ${rec.status ?? "open"} in ${T}`,
    [
      { kind: "start", text: `${displayName(ch)} ${order.orderNumber}: cancelled` },
      { kind: "compare", text: `${T} ${rec.externalId}: ${rec.status ?? "open"}` },
    ],
    {},
    `Cancel ${order.orderNumber} in ${T}`);
}

function unexpected(t: LiveInstance, rec: ReaderOrder): Finding {
  const T = displayName(t);
  const summary = `${rec.orderNumber} is in ${T} but no channel has it and Loopkeeper never saw it: entered in ${T} directly, or from a source we do not connect`;
  return {
    subject: rec.orderNumber, kind: "unexpected_order", counterpart: t.id, severity: "warning", status: "open",
    sides: { [t.id]: rec },
    evidence: {
      cause: "created_outside_loopkeeper", summary,
      bridge: [{ kind: "compare", text: `${T} ${rec.externalId}: ${linesText(rec.lines)}, total ${money(rec.totalMinor, rec.currency)}, ${rec.status ?? "?"}` }, { kind: "residual", text: "no channel order and no event in our log", status: "unexplained" }],
      log: [], refs: [{ kind: "connector", id: t.id }],
      proposedRepair: { kind: "investigate", target: t.id, title: `Check who created ${rec.orderNumber} in ${T}; cancel it if it should not ship`, params: { orderNumber: rec.orderNumber, externalId: rec.externalId }, applied: false },
    },
    rootCause: "order_drift",
    ownerConnector: t.id,
  };
}
