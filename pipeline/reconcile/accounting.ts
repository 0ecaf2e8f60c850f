import { checkSettlement, describeSettlementCheck } from "../../connectors/amazon/settlement-report";
import { reconcilePayout, type ExpectedSettlement } from "../../connectors/stripe/payout-reconcile";
import type { LiveInstance } from "../connector-instances";
import { eventsByPayloadIds, eventsOfOrders, eventsSince, type LogEvent } from "../db/queries/recon-evidence";
import { fromMinorUnits, type AccountingPosting, type Payout, type SettlementLine } from "../model";
import { matchesSubject } from "./inventory";
import type { ReaderOrder } from "./orders";
import { displayName, hasReader, instancesOf } from "./roles";
import type { BridgeLine, Finding, ProposedRepair, ReconcileContext, ReconcileResult, Reconciler } from "./types";
import { dedupeRefs, describeWork, logEvidence, refsOf, retryRepair, workStateOf, type WorkState } from "./work";

/**
 * Accounting: every channel order and refund against the postings the books hold (read from
 * QuickBooks itself), to the cent: one sales receipt per order with the order's total and tax, a
 * refund receipt per refund. Payouts (Stripe) and settlements (Amazon) are checked line by line
 * and against their deposit journal in the books.
 */
export const accountingReconciler: Reconciler = { domain: "accounting", run: reconcileAccounting };

const SALES = new Set(["sales_receipt", "invoice"]);

async function reconcileAccounting(ctx: ReconcileContext): Promise<ReconcileResult> {
  const books = instancesOf(ctx.instances, "accounting", "postings")[0];
  const channels = instancesOf(ctx.instances, "channel", "orders");
  const payoutSources = ctx.instances.filter((i) => i.enabled && hasReader(i, "payouts"));
  const settlementSources = ctx.instances.filter((i) => i.enabled && hasReader(i, "settlements"));
  if (!books || channels.length + payoutSources.length + settlementSources.length === 0) {
    return { applicable: false, checked: 0, findings: [], notes: ["accounting needs a books connection with a postings reader and a channel, payout or settlement source"], systems: {} };
  }
  const since = new Date(ctx.now.getTime() - ctx.settings.windowMs).toISOString();
  const [postings, orderLists, payouts, settlements] = await Promise.all([
    ctx.read<AccountingPosting[]>(books, "postings", since),
    Promise.all(channels.map((c) => ctx.read<ReaderOrder[]>(c, "orders", since))),
    Promise.all(payoutSources.map((p) => ctx.read<Payout[]>(p, "payouts", since))),
    Promise.all(settlementSources.map((p) => ctx.read<Payout[]>(p, "settlements", since))),
  ]);
  const bySource = new Map<string, AccountingPosting[]>();
  for (const p of postings) (bySource.get(p.sourceId) ?? bySource.set(p.sourceId, []).get(p.sourceId)!).push(p);
  const refundEvents = (await eventsSince(ctx.store, { types: ["refund.created"], since, sources: channels.map((c) => c.id) })).filter((e) => e.deliveries.some((d) => d.destination === books.id));
  const orderNumbers = [...new Set([...orderLists.flat().map((o) => o.orderNumber), ...refundEvents.map((e) => e.orderNumber!).filter(Boolean), ...bySource.keys()])];
  const orderEvents = await eventsOfOrders(ctx.store, orderNumbers, { types: ["order.created", "order.cancelled"] });
  const eventsOf = new Map<string, LogEvent[]>();
  for (const e of orderEvents) (eventsOf.get(e.orderNumber!) ?? eventsOf.set(e.orderNumber!, []).get(e.orderNumber!)!).push(e);

  const findings: Finding[] = [];
  let checked = 0;
  const channelNumbers = new Set<string>();
  channels.forEach((ch, i) => {
    for (const o of orderLists[i]!) {
      channelNumbers.add(o.orderNumber);
      if (!matchesSubject(o.orderNumber, ctx.subject)) continue;
      checked++;
      const f = checkOrder(ctx, books, ch, o, eventsOf.get(o.orderNumber) ?? [], bySource.get(o.orderNumber) ?? [], refundEvents.some((r) => r.orderNumber === o.orderNumber));
      if (f) findings.push(f);
    }
  });

  const refundsByOrder = new Map<string, LogEvent[]>();
  for (const r of refundEvents) (refundsByOrder.get(r.orderNumber!) ?? refundsByOrder.set(r.orderNumber!, []).get(r.orderNumber!)!).push(r);
  for (const [number, refunds] of refundsByOrder) {
    if (!matchesSubject(number, ctx.subject)) continue;
    checked++;
    const f = checkRefunds(ctx, books, number, refunds, (bySource.get(number) ?? []).filter((p) => p.kind === "refund_receipt" || p.kind === "credit_memo"));
    if (f) findings.push(f);
  }

  // Receipts in the books for orders no channel has and Loopkeeper never saw.
  for (const [source, list] of bySource) {
    const sales = list.filter((p) => SALES.has(p.kind) && p.total.amountMinor !== 0);
    if (sales.length === 0 || channelNumbers.has(source) || eventsOf.has(source) || !matchesSubject(source, ctx.subject)) continue;
    checked++;
    findings.push(unexpectedPosting(books, source, sales));
  }

  const payoutFindings = [
    ...payoutSources.flatMap((src, i) => payouts[i]!.map((p) => ({ src, p, kind: "payout" as const }))),
    ...settlementSources.flatMap((src, i) => settlements[i]!.map((p) => ({ src, p, kind: "settlement" as const }))),
  ].filter((x) => matchesSubject(x.p.id, ctx.subject));
  if (payoutFindings.length) {
    const settled = await eventsSince(ctx.store, { types: ["payout.settled"], since });
    const expectedOrders = await expectedForPayouts(ctx, payoutFindings.filter((x) => x.kind === "payout").map((x) => x.p));
    const expectedLines = await expectedSettlementLines(ctx, payoutFindings.filter((x) => x.kind === "settlement"));
    for (const { src, p, kind } of payoutFindings) {
      checked++;
      findings.push(...checkPayout(ctx, books, src, p, kind, bySource.get(p.id) ?? [], settled.find((e) => e.payload?.id === p.id), expectedOrders, expectedLines.get(p.id)));
    }
  }
  return {
    applicable: true,
    checked,
    findings,
    notes: [],
    systems: { books: { id: books.id, postings: postings.length }, channels: channels.map((c, i) => ({ id: c.id, orders: orderLists[i]!.length })), payouts: payoutSources.map((p, i) => ({ id: p.id, payouts: payouts[i]!.length })), settlements: settlementSources.map((p, i) => ({ id: p.id, settlements: settlements[i]!.length })), since },
  };
}

const money = (minor: number, currency = "USD") => `${fromMinorUnits(minor, currency)} ${currency}`;
const cents = (minor: number, currency = "USD") => `${minor > 0 ? "+" : minor < 0 ? "−" : ""}${fromMinorUnits(Math.abs(minor), currency)}`;

function stateCause(state: WorkState | "lost"): string {
  return state === "lost" ? "lost_webhook" : state === "in_flight" ? "in_flight" : state === "parked" ? "parked_delivery" : state === "stuck" ? "stuck_delivery" : "missing_despite_delivered";
}

function postingText(p: AccountingPosting): string {
  return `${p.kind.replace(/_/g, " ")} ${p.docNumber} (Id ${p.id}, ${p.postedAt}): total ${money(p.total.amountMinor, p.total.currency)}, tax ${money(p.tax.amountMinor, p.tax.currency)}`;
}

/** One order against its sales receipt(s). */
function checkOrder(ctx: ReconcileContext, books: LiveInstance, ch: LiveInstance, o: ReaderOrder, evs: LogEvent[], posted: AccountingPosting[], refunded: boolean): Finding | undefined {
  const B = displayName(books);
  const C = displayName(ch);
  const created = evs.find((e) => e.type === "order.created");
  const post = created?.deliveries.find((d) => d.destination === books.id);
  if (created && !post) return undefined;
  const cancelled = o.status === "cancelled";
  const currency = o.currency ?? "USD";
  const totals = created?.payload?.totals as Record<string, { amountMinor: number }> | undefined;
  // The channel's current total drops with refunds; the receipt keeps the sale as made.
  const expectedTotal = refunded || o.totalMinor === undefined ? totals?.total?.amountMinor : o.totalMinor;
  const expectedTax = totals?.tax?.amountMinor;
  const receipts = posted.filter((p) => SALES.has(p.kind));
  const live = receipts.filter((p) => p.total.amountMinor !== 0);
  const start: BridgeLine = { kind: "start", text: `${C} ${o.orderNumber}: total ${expectedTotal === undefined ? "?" : money(expectedTotal, currency)}${expectedTax !== undefined ? `, tax ${money(expectedTax, currency)}` : ""}${cancelled ? ", cancelled" : ""}`, amount: expectedTotal };
  const base = { subject: o.orderNumber, counterpart: books.id };

  if (live.length === 0) {
    if (cancelled) return undefined;
    if (receipts.length) return undefined;
    const state: WorkState | "lost" = !created ? "lost" : workStateOf(post!, created, ctx.now, ctx.settings.lagMs);
    const inFlight = state === "in_flight";
    const work = state === "lost" ? `no event for ${o.orderNumber} in our log: the ${C} order webhook was lost` : describeWork(post!, state);
    const summary = state === "done" ? `${o.orderNumber} was posted to ${B} but ${B} holds no receipt for it now (deleted there?)` : `${o.orderNumber} (${expectedTotal === undefined ? "?" : money(expectedTotal, currency)}) is not in ${B}: ${work}`;
    return {
      ...base, kind: "unposted_order", severity: inFlight ? "info" : "error", status: inFlight ? "in_flight" : "open",
      sides: { [ch.id]: { ...o, tax: expectedTax }, [books.id]: [] },
      evidence: {
        cause: stateCause(state), summary, residual: expectedTotal, unit: "minor",
        bridge: [start, { kind: "adjust", text: work, status: state === "lost" || state === "done" ? "unexplained" : state === "skipped" ? "explained" : state, refs: created ? refsOf(created, [post!]) : [] }, { kind: "compare", text: `${B}: no sales receipt for ${o.orderNumber}` }],
        log: created ? [logEvidence(created, inFlight ? "posting_pending" : "posting_missing", work, [post!])] : [],
        refs: dedupeRefs([...(created ? refsOf(created, [post!]) : []), { kind: "connector", id: books.id }]),
        proposedRepair: inFlight ? undefined : state === "lost"
          ? { kind: "backfill_event", target: ch.id, title: `Re-capture ${o.orderNumber} from ${C} so it is posted to ${B} (and reaches the ERP and 3PL)`, params: { connector: ch.id, type: "order.created", orderNumber: o.orderNumber }, applied: false }
          : state === "done"
            ? { kind: "post_document", target: books.id, title: `Post the sales receipt of ${o.orderNumber} again (${expectedTotal === undefined ? "?" : money(expectedTotal, currency)})`, params: { orderNumber: o.orderNumber, deliveryId: post!.id }, applied: false }
            : retryRepair([post!], `${o.orderNumber} to ${B}`),
      },
      rootCause: state === "lost" ? "lost_webhook" : "unposted_order",
      ownerConnector: state === "lost" ? ch.id : books.id,
    };
  }

  if (live.length > 1) {
    const keep = live.find((p) => p.docNumber === o.orderNumber.replace(/^#/, "")) ?? [...live].sort((a, b) => Number(a.id) - Number(b.id) || a.postedAt.localeCompare(b.postedAt))[0]!;
    const extra = live.filter((p) => p !== keep);
    const over = extra.reduce((n, p) => n + p.total.amountMinor, 0);
    const summary = `${o.orderNumber} is posted ${live.length} times in ${B}: ${live.map((p) => p.docNumber).join(" and ")}; revenue overstated by ${money(over, currency)}`;
    const repair: ProposedRepair = { kind: "void_posting", target: books.id, title: `Void ${extra.map((p) => `sales receipt ${p.docNumber} (Id ${p.id})`).join(", ")} in ${B}: ${extra.length === 1 ? "it double-posts" : "they double-post"} ${o.orderNumber}; keep ${keep.docNumber}`, params: { keep: { id: keep.id, docNumber: keep.docNumber }, void: extra.map((p) => ({ id: p.id, docNumber: p.docNumber, totalMinor: p.total.amountMinor })) }, applied: false };
    return {
      ...base, kind: "duplicate_posting", severity: "critical", status: "open",
      sides: { [ch.id]: { ...o, tax: expectedTax }, [books.id]: live },
      evidence: {
        cause: "double_posted", summary, residual: over, unit: "minor",
        bridge: [start, ...live.map((p) => ({ kind: "compare" as const, text: postingText(p), amount: p.total.amountMinor })), { kind: "residual", text: `${live.length} receipts for one order: ${cents(over, currency)} posted twice`, amount: over, status: "unexplained" }],
        log: created ? [logEvidence(created, "posted_once", `Loopkeeper posted ${o.orderNumber} once`, post ? [post] : [])] : [],
        refs: dedupeRefs([...(created ? refsOf(created, post ? [post] : []) : []), { kind: "connector", id: books.id }]),
        proposedRepair: repair,
        detail: { keep: keep.docNumber, extra: extra.map((p) => p.docNumber) },
      },
      rootCause: "duplicate_posting",
      ownerConnector: books.id,
    };
  }

  const r = live[0]!;
  if (cancelled) {
    const voiding = evs.find((e) => e.type === "order.cancelled")?.deliveries.find((d) => d.destination === books.id);
    const cancelEv = evs.find((e) => e.type === "order.cancelled");
    const state = voiding && cancelEv ? workStateOf(voiding, cancelEv, ctx.now, ctx.settings.lagMs) : undefined;
    const inFlight = state === "in_flight";
    return {
      ...base, kind: "amount_mismatch", severity: inFlight ? "info" : "error", status: inFlight ? "in_flight" : "open",
      sides: { [ch.id]: o, [books.id]: r },
      evidence: {
        cause: inFlight ? "in_flight" : "cancelled_not_voided", summary: `${o.orderNumber} is cancelled in ${C} but its receipt ${r.docNumber} still books ${money(r.total.amountMinor, currency)} in ${B}${voiding && state ? ` (${describeWork(voiding, state)})` : ""}`,
        residual: r.total.amountMinor, unit: "minor",
        bridge: [start, { kind: "compare", text: postingText(r), amount: r.total.amountMinor }],
        log: cancelEv && voiding ? [logEvidence(cancelEv, "void_pending", describeWork(voiding, state!), [voiding])] : [],
        refs: dedupeRefs([...(cancelEv ? refsOf(cancelEv, voiding ? [voiding] : []) : []), { kind: "connector", id: books.id }]),
        proposedRepair: inFlight ? undefined : { kind: "void_posting", target: books.id, title: `Void sales receipt ${r.docNumber} (Id ${r.id}) in ${B}: ${o.orderNumber} was cancelled`, params: { void: [{ id: r.id, docNumber: r.docNumber }] }, applied: false },
      },
      rootCause: "posting_amount_mismatch",
      ownerConnector: books.id,
    };
  }
  if (expectedTotal === undefined) return undefined;
  const dTotal = r.total.amountMinor - expectedTotal;
  const dTax = expectedTax === undefined ? 0 : r.tax.amountMinor - expectedTax;
  if (Math.abs(dTotal) <= ctx.settings.tolerance && Math.abs(dTax) <= ctx.settings.tolerance) return undefined;
  const taxOnly = dTax !== 0 && dTax === dTotal;
  const what = taxOnly ? `tax ${money(r.tax.amountMinor, currency)} in ${B} vs ${money(expectedTax!, currency)} on the order (${cents(dTax, currency)})` : `total ${money(r.total.amountMinor, currency)} in ${B} vs ${money(expectedTotal, currency)} (${cents(dTotal, currency)})${dTax ? `, of which tax ${cents(dTax, currency)}` : ""}`;
  const summary = `${o.orderNumber}: receipt ${r.docNumber} differs from the order by ${cents(dTotal || dTax, currency)}: ${what}`;
  const bridge: BridgeLine[] = [
    start,
    { kind: "compare", text: postingText(r), amount: r.total.amountMinor },
    ...(dTax ? [{ kind: "residual" as const, text: `tax ${cents(dTax, currency)}: ${B} ${money(r.tax.amountMinor, currency)} vs ${C} ${money(expectedTax!, currency)}`, amount: dTax, status: "unexplained" as const }] : []),
    ...(dTotal !== dTax ? [{ kind: "residual" as const, text: `${dTax ? "the rest of the total" : "total"} ${cents(dTotal - dTax, currency)}`, amount: dTotal - dTax, status: "unexplained" as const }] : []),
  ];
  return {
    ...base, kind: "amount_mismatch", severity: "error", status: "open",
    sides: { [ch.id]: { ...o, totalMinor: expectedTotal, tax: expectedTax }, [books.id]: r },
    evidence: {
      cause: taxOnly ? "tax_mismatch" : "total_mismatch", summary, residual: dTotal, unit: "minor", bridge,
      log: created ? [logEvidence(created, "posted_amount", `the order as ${C} sent it: total ${money(expectedTotal, currency)}, tax ${expectedTax === undefined ? "?" : money(expectedTax, currency)}`, post ? [post] : [])] : [],
      refs: dedupeRefs([...(created ? refsOf(created, post ? [post] : []) : []), { kind: "connector", id: books.id }]),
      proposedRepair: { kind: "correct_posting", target: books.id, title: `Correct sales receipt ${r.docNumber} (Id ${r.id}) in ${B}: ${taxOnly ? `tax ${money(r.tax.amountMinor, currency)} → ${money(expectedTax!, currency)}` : `total ${money(r.total.amountMinor, currency)} → ${money(expectedTotal, currency)}`}`, params: { postingId: r.id, docNumber: r.docNumber, field: taxOnly ? "tax" : "total", fromMinor: taxOnly ? r.tax.amountMinor : r.total.amountMinor, toMinor: taxOnly ? expectedTax : expectedTotal }, applied: false },
      detail: { differenceMinor: dTotal, taxDifferenceMinor: dTax },
    },
    rootCause: "posting_amount_mismatch",
    ownerConnector: books.id,
  };
}

/** The refunds of one order (from our log, as the channel sent them) against its refund receipts. */
function checkRefunds(ctx: ReconcileContext, books: LiveInstance, number: string, refunds: LogEvent[], posted: AccountingPosting[]): Finding | undefined {
  const B = displayName(books);
  const currency = refunds[0]!.payload.total.currency as string;
  const expected = refunds.reduce((n, e) => n + (e.payload.total.amountMinor as number), 0);
  const actual = posted.reduce((n, p) => n + p.total.amountMinor, 0);
  const missing = refunds.length - posted.length;
  if (missing <= 0 && Math.abs(actual - expected) <= ctx.settings.tolerance) return undefined;
  const work = refunds.map((e) => ({ e, d: e.deliveries.find((d) => d.destination === books.id)! })).map((x) => ({ ...x, state: workStateOf(x.d, x.e, ctx.now, ctx.settings.lagMs) }));
  const unfinished = work.filter((w) => w.state !== "done" && w.state !== "skipped");
  const inFlight = missing > 0 && unfinished.length >= missing && unfinished.every((w) => w.state === "in_flight");
  const bridge: BridgeLine[] = [
    ...refunds.map((e) => ({ kind: "start" as const, text: `refund ${e.payload.id} of ${number}: ${money(e.payload.total.amountMinor, currency)}`, amount: e.payload.total.amountMinor as number })),
    ...unfinished.map((w) => ({ kind: "adjust" as const, text: describeWork(w.d, w.state), status: w.state as "in_flight" | "parked" | "stuck", refs: refsOf(w.e, [w.d]) })),
    ...posted.map((p) => ({ kind: "compare" as const, text: postingText(p), amount: p.total.amountMinor })),
    { kind: "residual", text: `${missing > 0 ? `${missing} refund${missing === 1 ? "" : "s"} not posted; ` : ""}posted ${money(actual, currency)} vs refunded ${money(expected, currency)}`, amount: actual - expected, status: inFlight ? "in_flight" : "unexplained" },
  ];
  const parked = unfinished.filter((w) => w.state === "parked" || w.state === "stuck");
  return {
    subject: number, kind: missing > 0 ? "unposted_refund" : "amount_mismatch", counterpart: `${books.id}:refunds`,
    severity: inFlight ? "info" : "error", status: inFlight ? "in_flight" : "open",
    sides: { refunds: refunds.map((e) => e.payload), [books.id]: posted },
    evidence: {
      cause: inFlight ? "in_flight" : parked.length ? stateCause(parked[0]!.state) : missing > 0 ? "missing_despite_delivered" : "refund_amount_mismatch",
      summary: `${number}: ${refunds.length} refund${refunds.length === 1 ? "" : "s"} of ${money(expected, currency)} in total, ${posted.length} refund receipt${posted.length === 1 ? "" : "s"} of ${money(actual, currency)} in ${B}`,
      residual: actual - expected, unit: "minor", bridge,
      log: work.map((w) => logEvidence(w.e, w.state === "done" ? "refund_posted" : "refund_not_posted", describeWork(w.d, w.state), [w.d])),
      refs: dedupeRefs([...work.flatMap((w) => refsOf(w.e, [w.d])), { kind: "connector", id: books.id }]),
      proposedRepair: inFlight ? undefined : parked.length ? retryRepair(parked.map((w) => w.d), `refunds of ${number} to ${B}`) : { kind: "investigate", target: books.id, title: `Compare the refund receipts of ${number} in ${B} with the refunds in the channel`, params: { orderNumber: number }, applied: false },
    },
    rootCause: "unposted_refund",
    ownerConnector: books.id,
  };
}

function unexpectedPosting(books: LiveInstance, source: string, sales: AccountingPosting[]): Finding {
  const B = displayName(books);
  return {
    subject: source, kind: "unexpected_posting", counterpart: books.id, severity: "warning", status: "open",
    sides: { [books.id]: sales },
    evidence: {
      cause: "posted_outside_loopkeeper", summary: `${B} holds ${sales.length} receipt${sales.length === 1 ? "" : "s"} for ${source}, an order no channel has and Loopkeeper never saw`,
      bridge: sales.map((p) => ({ kind: "compare" as const, text: postingText(p), amount: p.total.amountMinor })), log: [], refs: [{ kind: "connector", id: books.id }],
      proposedRepair: { kind: "investigate", target: books.id, title: `Check who posted ${sales.map((p) => p.docNumber).join(", ")} in ${B}`, params: { postings: sales.map((p) => p.id) }, applied: false },
    },
    rootCause: "posting_amount_mismatch",
    ownerConnector: books.id,
  };
}

/** What a Stripe payout should contain, from the orders and refunds our log holds for its lines. */
async function expectedForPayouts(ctx: ReconcileContext, payouts: Payout[]): Promise<Map<string, ExpectedSettlement>> {
  const out = new Map<string, ExpectedSettlement>();
  const orderIds = [...new Set(payouts.flatMap((p) => p.lines.map((l) => l.orderId).filter((x): x is string => !!x)))];
  if (orderIds.length === 0) return out;
  const numbers = orderIds.map((id) => id.replace(/^[a-z-]+:/, ""));
  // Payout lines name canonical order ids; a channel's order number often differs (Shopify: id 5800… vs "#1001").
  const byId = await eventsByPayloadIds(ctx.store, "order.created", orderIds);
  const byNumber = await eventsOfOrders(ctx.store, [...orderIds, ...numbers, ...numbers.map((n) => `#${n}`), ...byId.map((e) => e.orderNumber!).filter(Boolean)], { types: ["order.created", "refund.created"] });
  const evs = [...byNumber, ...byId.filter((e) => !byNumber.some((x) => x.id === e.id))];
  for (const p of payouts) {
    const ids = new Set(p.lines.map((l) => l.orderId).filter(Boolean));
    const orders = evs.filter((e) => e.type === "order.created" && ids.has(e.payload.id)).map((e) => ({ orderId: e.payload.id as string, amountMinor: e.payload.totals.total.amountMinor as number }));
    const refunds = evs.filter((e) => e.type === "refund.created" && ids.has(e.payload.orderId)).map((e) => ({ orderId: e.payload.orderId as string, amountMinor: e.payload.total.amountMinor as number }));
    out.set(p.id, { orders, refunds });
  }
  return out;
}

/**
 * What each settlement should contain line by line, from its source's own ledger where it has one
 * (Amazon: the Finances API events of the settlement's period). A source without it, or whose
 * ledger cannot be read now, leaves the settlement to the arithmetic check.
 */
async function expectedSettlementLines(ctx: ReconcileContext, items: { src: LiveInstance; p: Payout }[]): Promise<Map<string, SettlementLine[]>> {
  const out = new Map<string, SettlementLine[]>();
  for (const { src, p } of items) {
    if (!hasReader(src, "settlementLines")) continue;
    const lines = await ctx.read<SettlementLine[] | undefined>(src, "settlementLines", p).catch(() => undefined);
    if (lines) out.set(p.id, lines);
  }
  return out;
}

/** One payout or settlement: its lines add up, match what we expected, and reached the books as a deposit. */
function checkPayout(ctx: ReconcileContext, books: LiveInstance, src: LiveInstance, p: Payout, kind: "payout" | "settlement", posted: AccountingPosting[], settled: LogEvent | undefined, expected: Map<string, ExpectedSettlement>, expectedLines?: SettlementLine[]): Finding[] {
  const S = displayName(src);
  const B = displayName(books);
  const cur = p.total.currency;
  const out: Finding[] = [];
  const lines: string[] = [];
  let balanced = true;
  let detail: Record<string, unknown> = {};
  if (kind === "payout") {
    const exp = expected.get(p.id);
    const r = reconcilePayout(p, exp && exp.orders.length + exp.refunds.length ? exp : { orders: [], refunds: [] });
    // Without the orders in our log only the arithmetic can be checked.
    const checkedLines = !!exp && exp.orders.length + exp.refunds.length > 0;
    balanced = checkedLines ? r.balanced : r.net.amountMinor === r.total.amountMinor;
    lines.push(`${S} payout ${p.id}: lines add up to ${money(r.net.amountMinor, cur)}, deposited ${money(r.total.amountMinor, cur)}, fees ${money(r.feeTotal.amountMinor, cur)}`);
    if (checkedLines) {
      for (const m of r.missingInPayout) lines.push(`missing: ${m.kind} ${m.orderId} ${money(m.expectedMinor, cur)}`);
      for (const m of r.amountMismatches) lines.push(`differs: ${m.kind} ${m.orderId} expected ${money(m.expectedMinor, cur)}, paid ${money(m.actualMinor, cur)} (${cents(m.differenceMinor, cur)})`);
      for (const u of r.unexpectedInPayout) lines.push(`unexpected: ${u.kind} ${u.orderId ?? ""} ${u.description} ${money(u.amountMinor, cur)}`);
    }
    detail = { reconciliation: r };
  } else {
    const c = checkSettlement(p, expectedLines);
    const differs = c.comparison ? c.comparison.missing.length + c.comparison.unexpected.length + c.comparison.changed.length > 0 : false;
    balanced = c.balanced && !differs;
    lines.push(...describeSettlementCheck(c).map((l) => `${S} ${l}`));
    detail = { check: { ...c, byKind: Object.fromEntries(Object.entries(c.byKind).map(([k, v]) => [k, { count: v!.count, amountMinor: v!.amountMinor }])) } };
  }
  if (!balanced) {
    out.push({
      subject: p.id, kind: `${kind}_mismatch`, counterpart: src.id, severity: "error", status: "open",
      sides: { [src.id]: { id: p.id, total: p.total, lines: p.lines.length } },
      evidence: {
        cause: `${kind}_lines_disagree`, summary: lines.slice(0, 3).join("; "),
        bridge: lines.map((text, i) => ({ kind: i === 0 ? ("start" as const) : ("residual" as const), text, status: i === 0 ? undefined : ("unexplained" as const) })),
        log: [], refs: [{ kind: "connector", id: src.id }],
        proposedRepair: { kind: "investigate", target: src.id, title: `Open a case with ${S} about ${kind} ${p.id}, or book the difference as an adjustment`, params: { payoutId: p.id }, applied: false },
        detail,
      },
      rootCause: "payout_mismatch",
      ownerConnector: src.id,
    });
  }
  const journals = posted.filter((x) => x.kind === "journal_entry");
  const bank = typeof (books.settings.accounts as Record<string, unknown> | undefined)?.bank === "string" ? String((books.settings.accounts as Record<string, unknown>).bank) : undefined;
  const deposited = (j: AccountingPosting) => (bank ? j.lines.filter((l) => l.account === bank).reduce((n, l) => n + (l.side === "credit" ? -1 : 1) * l.amount.amountMinor, 0) : undefined);
  if (journals.length === 0) {
    const post = settled?.deliveries.find((d) => d.destination === books.id);
    const state: WorkState | "lost" = !settled ? "lost" : post ? workStateOf(post, settled, ctx.now, ctx.settings.lagMs) : "done";
    if (settled && !post) return out;
    const inFlight = state === "in_flight";
    const work = state === "lost" ? `no ${kind} event for ${p.id} in our log` : describeWork(post!, state);
    out.push({
      subject: p.id, kind: "undeposited_payout", counterpart: books.id, severity: inFlight ? "info" : "error", status: inFlight ? "in_flight" : "open",
      sides: { [src.id]: { id: p.id, total: p.total, depositDate: p.depositDate }, [books.id]: [] },
      evidence: {
        cause: stateCause(state), summary: `${S} ${kind} ${p.id} of ${money(p.total.amountMinor, cur)} has no deposit journal in ${B}: ${work}`, residual: p.total.amountMinor, unit: "minor",
        bridge: [{ kind: "start", text: `${S} ${kind} ${p.id}: ${money(p.total.amountMinor, cur)}${p.depositDate ? ` on ${p.depositDate}` : ""}`, amount: p.total.amountMinor }, { kind: "adjust", text: work, status: inFlight ? "in_flight" : "unexplained" }, { kind: "compare", text: `${B}: no journal entry for ${p.id}` }],
        log: settled && post ? [logEvidence(settled, "deposit_not_posted", work, [post])] : [],
        refs: dedupeRefs([...(settled ? refsOf(settled, post ? [post] : []) : []), { kind: "connector", id: books.id }]),
        proposedRepair: inFlight ? undefined : post && state !== "done" ? retryRepair([post], `${kind} ${p.id} to ${B}`) : { kind: "post_document", target: books.id, title: `Post the settlement journal of ${kind} ${p.id} (${money(p.total.amountMinor, cur)}) in ${B}`, params: { payoutId: p.id, source: src.id }, applied: false },
      },
      rootCause: "payout_mismatch",
      ownerConnector: books.id,
    });
  } else {
    const amount = deposited(journals[0]!);
    if (journals.length > 1 || (amount !== undefined && Math.abs(amount - p.total.amountMinor) > ctx.settings.tolerance)) {
      out.push({
        subject: p.id, kind: journals.length > 1 ? "duplicate_posting" : "deposit_mismatch", counterpart: books.id, severity: journals.length > 1 ? "critical" : "error", status: "open",
        sides: { [src.id]: { id: p.id, total: p.total }, [books.id]: journals },
        evidence: {
          cause: journals.length > 1 ? "double_posted" : "deposit_amount_mismatch",
          summary: journals.length > 1 ? `${kind} ${p.id} is journaled ${journals.length} times in ${B}` : `${kind} ${p.id}: ${B} deposits ${money(amount!, cur)}, ${S} paid ${money(p.total.amountMinor, cur)} (${cents(amount! - p.total.amountMinor, cur)})`,
          residual: (amount ?? 0) - p.total.amountMinor, unit: "minor",
          bridge: [{ kind: "start", text: `${S} ${kind} ${p.id}: ${money(p.total.amountMinor, cur)}`, amount: p.total.amountMinor }, ...journals.map((j) => ({ kind: "compare" as const, text: `${postingText(j)}${deposited(j) !== undefined ? `, to the bank ${money(deposited(j)!, cur)}` : ""}` }))],
          log: settled ? [logEvidence(settled, "deposit_posted", `settled ${kind} as captured`)] : [],
          refs: dedupeRefs([...(settled ? refsOf(settled, settled.deliveries.filter((d) => d.destination === books.id)) : []), { kind: "connector", id: books.id }]),
          proposedRepair: journals.length > 1
            ? { kind: "void_posting", target: books.id, title: `Delete the extra journal ${journals.slice(1).map((j) => j.docNumber).join(", ")} of ${kind} ${p.id} in ${B}`, params: { keep: journals[0]!.id, void: journals.slice(1).map((j) => j.id) }, applied: false }
            : { kind: "correct_posting", target: books.id, title: `Correct the deposit of ${kind} ${p.id} in ${B} to ${money(p.total.amountMinor, cur)}`, params: { postingId: journals[0]!.id, toMinor: p.total.amountMinor }, applied: false },
        },
        rootCause: journals.length > 1 ? "duplicate_posting" : "payout_mismatch",
        ownerConnector: books.id,
      });
    }
  }
  return out;
}

