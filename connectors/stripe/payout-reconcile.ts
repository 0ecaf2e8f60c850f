import type { Money, Payout, SettlementLine } from "../../pipeline/model";

/** What a payout should contain: the orders it was paid for and the refunds it paid back (minor units, positive). */
export interface ExpectedSettlement {
  orders: { orderId: string; amountMinor: number }[];
  refunds: { orderId: string; amountMinor: number }[];
}

type ExpectedKind = "order" | "refund";

export interface PayoutReconciliation {
  payoutId: string;
  /** Orders and refunds whose payout amount equals the expected one. */
  matches: { kind: ExpectedKind; orderId: string; amountMinor: number }[];
  /** Expected orders or refunds with no line in the payout. */
  missingInPayout: { kind: ExpectedKind; orderId: string; expectedMinor: number }[];
  /** Payout lines nobody expected: a charge or refund of another order, one without an order, a dispute, an adjustment. Fees never appear here. */
  unexpectedInPayout: { kind: SettlementLine["kind"]; orderId?: string; amountMinor: number; description: string; balanceTransaction?: string }[];
  /** Present on both sides with different amounts; differenceMinor = actual - expected. */
  amountMismatches: { kind: ExpectedKind; orderId: string; expectedMinor: number; actualMinor: number; differenceMinor: number }[];
  /** Fees the processor kept, as a positive amount. */
  feeTotal: Money;
  /** Sum of every line: what the lines say should have been deposited. */
  net: Money;
  /** What Stripe says it deposited. */
  total: Money;
  /** Nothing missing, unexpected or mismatched, and the lines add up to the deposit. */
  balanced: boolean;
}

/**
 * Reconciles one payout against the orders and refunds it should contain. Orders are matched on
 * the gross charge (principal lines), refunds on the refunded amount (refund lines, sign flipped);
 * lines are summed per order first, so split charges and partial refunds compare as totals.
 */
export function reconcilePayout(payout: Payout, expected: ExpectedSettlement): PayoutReconciliation {
  const currency = payout.total.currency;
  const principal = new Map<string, number>();
  const refunded = new Map<string, number>();
  const expOrders = sumBy(expected.orders);
  const expRefunds = sumBy(expected.refunds);
  const unexpected: PayoutReconciliation["unexpectedInPayout"] = [];
  let fees = 0;
  let net = 0;

  for (const l of payout.lines) {
    net += l.amount.amountMinor;
    if (l.kind === "fee") {
      fees -= l.amount.amountMinor;
      continue;
    }
    const tracked = l.kind === "principal" ? { seen: principal, exp: expOrders, sign: 1 } : l.kind === "refund" ? { seen: refunded, exp: expRefunds, sign: -1 } : undefined;
    if (tracked && l.orderId && tracked.exp.has(l.orderId)) {
      tracked.seen.set(l.orderId, (tracked.seen.get(l.orderId) ?? 0) + tracked.sign * l.amount.amountMinor);
      continue;
    }
    unexpected.push({
      kind: l.kind,
      ...(l.orderId ? { orderId: l.orderId } : {}),
      amountMinor: l.amount.amountMinor,
      description: l.description,
      ...(typeof l.raw?.balance_transaction === "string" ? { balanceTransaction: l.raw.balance_transaction } : {}),
    });
  }

  const matches: PayoutReconciliation["matches"] = [];
  const missing: PayoutReconciliation["missingInPayout"] = [];
  const mismatches: PayoutReconciliation["amountMismatches"] = [];
  const compare = (kind: ExpectedKind, exp: Map<string, number>, seen: Map<string, number>) => {
    for (const [orderId, expectedMinor] of exp) {
      const actualMinor = seen.get(orderId);
      if (actualMinor === undefined) missing.push({ kind, orderId, expectedMinor });
      else if (actualMinor === expectedMinor) matches.push({ kind, orderId, amountMinor: actualMinor });
      else mismatches.push({ kind, orderId, expectedMinor, actualMinor, differenceMinor: actualMinor - expectedMinor });
    }
  };
  compare("order", expOrders, principal);
  compare("refund", expRefunds, refunded);

  return {
    payoutId: payout.id,
    matches,
    missingInPayout: missing,
    unexpectedInPayout: unexpected,
    amountMismatches: mismatches,
    feeTotal: { amountMinor: fees, currency },
    net: { amountMinor: net, currency },
    total: payout.total,
    balanced: missing.length === 0 && unexpected.length === 0 && mismatches.length === 0 && net === payout.total.amountMinor,
  };
}

function sumBy(items: { orderId: string; amountMinor: number }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const i of items) out.set(i.orderId, (out.get(i.orderId) ?? 0) + i.amountMinor);
  return out;
}
