import type { Payout, SettlementLine } from "../../pipeline/model";
import type { StripeBalanceTransaction, StripeBalanceTransactionSource, StripeMetadata, StripePayout } from "./api-schemas";

/**
 * Pure mapping Stripe → canonical model. Stripe amounts are already integer minor units and are
 * kept as they are; currencies are upper-cased; unix seconds become UTC ISO-8601.
 *
 * Sign convention of payout lines: positive adds to the deposit, negative deducts from it, so the
 * lines of a payout always sum to its total (each balance transaction contributes its `net`).
 */

export const STRIPE = "stripe";

export function unixToIso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

export function stripeCurrency(currency: string): string {
  return currency.toUpperCase();
}

type Kind = SettlementLine["kind"];

/**
 * Which settlement line a balance transaction becomes. `reporting_category` is Stripe's own
 * accounting grouping and splits `type=adjustment` into disputes, failed refunds and fees
 * (https://docs.stripe.com/reports/reporting-categories), so it is read first; `type` is the
 * fallback for categories this table does not know. The payout's own transaction is excluded:
 * it is the deposit itself, not something the deposit contains.
 */
export function settlementKindOf(txn: Pick<StripeBalanceTransaction, "type" | "reporting_category" | "source">, payoutId?: string): Kind | "excluded" {
  if (txn.type === "payout" && (payoutId === undefined || sourceIdOf(txn.source) === payoutId)) return "excluded";
  const byCategory: Record<string, Kind> = {
    charge: "principal",
    partial_capture_reversal: "principal",
    charge_failure: "principal",
    refund: "refund",
    refund_failure: "refund",
    dispute: "dispute",
    dispute_reversal: "dispute",
    fee: "fee",
    tax: "tax",
    risk_reserved_funds: "reserve",
    other_adjustment: "adjustment",
    payout_reversal: "adjustment",
    payout: "adjustment",
  };
  const category = byCategory[txn.reporting_category];
  if (category) return category;
  const byType: Record<string, Kind> = {
    charge: "principal",
    payment: "principal",
    refund: "refund",
    payment_refund: "refund",
    adjustment: "adjustment",
    stripe_fee: "fee",
    tax_fee: "fee",
    application_fee: "fee",
    reserve_transaction: "reserve",
    reserved_funds: "reserve",
  };
  return byType[txn.type] ?? "other";
}

/**
 * The order a payment belongs to. Convention (set by whoever creates the charge, documented in
 * connectors/stripe/index.ts): `metadata.order_id`, else `metadata.order_number` / `metadata.orderId`,
 * else a description such as "Order #1001" or "order 1001".
 */
export function orderIdFromReference(ref: { metadata?: StripeMetadata | null; description?: string | null } | null | undefined): string | undefined {
  if (!ref) return undefined;
  for (const key of ["order_id", "order_number", "orderId"]) {
    const v = ref.metadata?.[key]?.trim();
    if (v) return v;
  }
  const d = ref.description ?? "";
  const m = /\border\s*#\s*([\w-]+)/i.exec(d) ?? /\border\s+(\d[\w-]*)/i.exec(d);
  return m?.[1];
}

export function sourceIdOf(source: StripeBalanceTransaction["source"]): string | undefined {
  if (!source) return undefined;
  return typeof source === "string" ? source : source.id;
}

/** The charge behind a balance transaction's source: the charge itself, or the one a refund/dispute points at. */
export function chargeIdOf(source: StripeBalanceTransaction["source"]): string | undefined {
  if (!source) return undefined;
  if (typeof source === "string") return source.startsWith("ch_") || source.startsWith("py_") ? source : undefined;
  if (source.object === "charge") return source.id;
  const charge = source.charge;
  return typeof charge === "string" ? charge : charge?.id;
}

function orderIdOfSource(source: StripeBalanceTransaction["source"], orderIdByCharge: Record<string, string>): string | undefined {
  if (!source || typeof source === "string") {
    const chargeId = chargeIdOf(source);
    return chargeId ? orderIdByCharge[chargeId] : undefined;
  }
  return (
    orderIdFromReference(source.object === "charge" ? source : { metadata: source.metadata }) ??
    orderIdFromPaymentIntent(source) ??
    lookupCharge(source, orderIdByCharge) ??
    (typeof source.charge === "object" ? orderIdFromReference(source.charge) : undefined)
  );
}

function orderIdFromPaymentIntent(source: StripeBalanceTransactionSource): string | undefined {
  return typeof source.payment_intent === "object" ? orderIdFromReference({ metadata: source.payment_intent?.metadata }) : undefined;
}

function lookupCharge(source: StripeBalanceTransactionSource, orderIdByCharge: Record<string, string>): string | undefined {
  const chargeId = chargeIdOf(source);
  return chargeId ? orderIdByCharge[chargeId] : undefined;
}

/** Order ids of the charges that appear (expanded) in a payout's own transactions. */
export function orderIdsOfCharges(txns: StripeBalanceTransaction[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of txns) {
    const s = t.source;
    if (s && typeof s === "object" && s.object === "charge") {
      const orderId = orderIdFromReference(s) ?? orderIdFromPaymentIntent(s);
      if (orderId) out[s.id] = orderId;
    }
  }
  return out;
}

/**
 * The charge ids a payout's refunds and disputes point at whose order cannot be read from the
 * payout itself: the loader fetches those charges (a refund can settle in a later payout than
 * its charge).
 */
export function chargesToLookUp(txns: StripeBalanceTransaction[]): string[] {
  const known = orderIdsOfCharges(txns);
  const missing = new Set<string>();
  for (const t of txns) {
    const s = t.source;
    if (!s || typeof s === "string" || s.object === "charge") continue;
    if (orderIdFromReference({ metadata: s.metadata }) || orderIdFromPaymentIntent(s)) continue;
    const chargeId = chargeIdOf(s);
    if (chargeId && !known[chargeId] && !(typeof s.charge === "object" && orderIdFromReference(s.charge))) missing.add(chargeId);
  }
  return [...missing];
}

/**
 * One balance transaction → its settlement lines: the gross amount as one line of its kind, then
 * every fee_details entry as its own negative fee line. Guards keep the lines summing to `net`
 * even if Stripe's fee breakdown were incomplete.
 */
export function balanceTransactionLines(
  txn: StripeBalanceTransaction,
  opts: { settlementId: string; orderIdByCharge?: Record<string, string> },
): SettlementLine[] {
  const kind = settlementKindOf(txn, opts.settlementId);
  if (kind === "excluded") return [];
  const currency = stripeCurrency(txn.currency);
  const sourceId = sourceIdOf(txn.source);
  const orderId = orderIdOfSource(txn.source, opts.orderIdByCharge ?? {});
  const postedAt = unixToIso(txn.created);
  const raw = { balance_transaction: txn.id, type: txn.type, reporting_category: txn.reporting_category, ...(sourceId ? { source: sourceId } : {}) };
  const line = (k: Kind, amountMinor: number, description: string, extra: Record<string, unknown> = {}): SettlementLine => ({
    settlementId: opts.settlementId,
    source: STRIPE,
    kind: k,
    ...(orderId ? { orderId } : {}),
    description,
    amount: { amountMinor, currency },
    postedAt,
    raw: { ...raw, ...extra },
  });

  const lines = [line(kind, txn.amount, txn.description ?? `${txn.type} ${sourceId ?? txn.id}`)];
  let itemised = 0;
  for (const fd of txn.fee_details) {
    itemised += fd.amount;
    lines.push(line("fee", -fd.amount, `${fd.description ?? fd.type} (${sourceId ?? txn.id})`, { fee_type: fd.type }));
  }
  if (itemised !== txn.fee) lines.push(line("fee", -(txn.fee - itemised), `fee not itemised by Stripe (${txn.id})`, { fee_type: "unitemised" }));
  const drift = txn.net - (txn.amount - txn.fee);
  if (drift !== 0) lines.push(line("other", drift, `net differs from amount - fee (${txn.id})`));
  return lines;
}

/**
 * A paid Stripe payout and the balance transactions it settled (GET /v1/balance_transactions?payout=)
 * → the canonical Payout. `orderIdByCharge` supplies orders of charges that settled in an
 * earlier payout (see chargesToLookUp). Lines come oldest first.
 */
export function mapStripePayout(payout: StripePayout, txns: StripeBalanceTransaction[], opts: { orderIdByCharge?: Record<string, string> } = {}): Payout {
  const currency = stripeCurrency(payout.currency);
  const orderIdByCharge = { ...orderIdsOfCharges(txns), ...(opts.orderIdByCharge ?? {}) };
  // Lines in settlement order: Stripe lists newest first, so reverse before the stable sort.
  const included = [...txns].reverse().sort((a, b) => a.created - b.created).filter((t) => settlementKindOf(t, payout.id) !== "excluded");
  const lines = included.flatMap((t) => balanceTransactionLines(t, { settlementId: payout.id, orderIdByCharge }));
  if (!payout.automatic && lines.length === 0) {
    // Stripe only itemises automatic payouts; a manual one is a single opaque transfer.
    lines.push({
      settlementId: payout.id,
      source: STRIPE,
      kind: "other",
      description: "manual payout: Stripe does not itemise manual payouts",
      amount: { amountMinor: payout.amount, currency },
      postedAt: unixToIso(payout.created),
    });
  }
  const created = included.map((t) => t.created);
  return {
    id: payout.id,
    source: STRIPE,
    ...(created.length ? { periodStart: unixToIso(Math.min(...created)), periodEnd: unixToIso(Math.max(...created)) } : {}),
    depositDate: unixToIso(payout.arrival_date),
    total: { amountMinor: payout.amount, currency },
    lines,
  };
}
