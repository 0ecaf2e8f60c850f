import { randomBytes } from "node:crypto";

/**
 * The sandbox's Stripe account: charges, refunds, disputes, adjustments, the balance
 * transactions they post, payouts that sweep those transactions, and the events all of it emits.
 * Objects are kept in the shape the API serves (as in ../shared/fixtures/stripe/objects).
 *
 * Simplifications, on purpose: funds are available at once (no pending period), one currency per
 * payout, and a payout sweeps every balance transaction not yet paid out.
 */

export interface FeeDetail {
  amount: number;
  application: string | null;
  currency: string;
  description: string;
  type: string;
}

export interface SandboxBalanceTransaction {
  id: string;
  object: "balance_transaction";
  amount: number;
  available_on: number;
  created: number;
  currency: string;
  description: string | null;
  exchange_rate: null;
  fee: number;
  fee_details: FeeDetail[];
  net: number;
  reporting_category: string;
  source: string | null;
  status: "available" | "pending";
  type: string;
}

export interface SandboxCharge {
  id: string;
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  balance_transaction: string;
  billing_details: { email: string | null; name: string | null };
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  disputed: boolean;
  livemode: false;
  metadata: Record<string, string>;
  paid: boolean;
  payment_intent: string | null;
  refunded: boolean;
  status: "succeeded";
}

export interface SandboxRefund {
  id: string;
  object: "refund";
  amount: number;
  balance_transaction: string;
  charge: string;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string | null;
  reason: string | null;
  status: "succeeded";
}

export interface SandboxDispute {
  id: string;
  object: "dispute";
  amount: number;
  balance_transactions: SandboxBalanceTransaction[];
  charge: string;
  created: number;
  currency: string;
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Record<string, string>;
  payment_intent: string | null;
  reason: string;
  status: string;
}

export type PayoutStatus = "pending" | "in_transit" | "paid" | "failed" | "canceled";

export interface SandboxPayout {
  id: string;
  object: "payout";
  amount: number;
  arrival_date: number;
  automatic: boolean;
  balance_transaction: string;
  created: number;
  currency: string;
  description: string;
  destination: string;
  failure_balance_transaction: string | null;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Record<string, string>;
  method: "standard";
  reconciliation_status: "completed" | "in_progress" | "not_applicable";
  source_type: "card";
  statement_descriptor: null;
  status: PayoutStatus;
  type: "bank_account";
}

export interface SandboxEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface RequestContext {
  id: string | null;
  idempotency_key: string | null;
}

/** A validation failure in Stripe's words: the API answers it as a 400 invalid_request_error. */
export interface ParamError {
  param: string;
  message: string;
  code?: string;
}

export const SANDBOX_API_VERSION = "2026-10-28.endive";

export function stripeId(prefix: string): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return `${prefix}_${[...randomBytes(24)].map((b) => alphabet[b % alphabet.length]).join("")}`;
}

export class StripeSandboxState {
  charges: SandboxCharge[] = [];
  refunds: SandboxRefund[] = [];
  disputes: SandboxDispute[] = [];
  payouts: SandboxPayout[] = [];
  balanceTransactions: SandboxBalanceTransaction[] = [];
  events: SandboxEvent[] = [];
  /** Which payout swept each balance transaction (Stripe's own bookkeeping, never served as a field). */
  readonly payoutOf = new Map<string, string>();
  clockOffsetSec = 0;
  /** Set by the server: called with every event, e.g. to send it as a webhook. */
  onEvent: (event: SandboxEvent) => void = () => {};
  /** Whether an endpoint will receive the event (sets pending_webhooks). */
  webhooksEnabled = false;

  constructor(readonly defaultCurrency = "usd") {}

  now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffsetSec;
  }

  reset(): void {
    this.charges = [];
    this.refunds = [];
    this.disputes = [];
    this.payouts = [];
    this.balanceTransactions = [];
    this.events = [];
    this.payoutOf.clear();
    this.clockOffsetSec = 0;
  }

  /** A succeeded card charge and its balance transaction; fees default to Stripe's US card rate (2.9% + 30¢). */
  addCharge(opts: {
    amount: number;
    currency?: string;
    orderId?: string;
    description?: string;
    metadata?: Record<string, string>;
    fees?: { amount: number; type?: string; description?: string }[];
    customer?: string;
    email?: string;
    created?: number;
  }): SandboxCharge {
    assertPositiveInt(opts.amount, "amount");
    const created = opts.created ?? this.now();
    const currency = (opts.currency ?? this.defaultCurrency).toLowerCase();
    const id = stripeId("ch");
    const fees = opts.fees ?? [{ amount: Math.round(opts.amount * 0.029) + 30, type: "stripe_fee", description: "Stripe processing fees" }];
    const description = opts.description ?? (opts.orderId ? `Order #${opts.orderId}` : null);
    const txn = this.postTransaction({
      amount: opts.amount,
      currency,
      created,
      description,
      fee_details: fees.map((f) => ({ amount: f.amount, application: null, currency, description: f.description ?? "Stripe processing fees", type: f.type ?? "stripe_fee" })),
      reporting_category: "charge",
      source: id,
      type: "charge",
    });
    const charge: SandboxCharge = {
      id,
      object: "charge",
      amount: opts.amount,
      amount_captured: opts.amount,
      amount_refunded: 0,
      balance_transaction: txn.id,
      billing_details: { email: opts.email ?? null, name: null },
      captured: true,
      created,
      currency,
      customer: opts.customer ?? null,
      description,
      disputed: false,
      livemode: false,
      metadata: { ...(opts.orderId ? { order_id: opts.orderId } : {}), ...(opts.metadata ?? {}) },
      paid: true,
      payment_intent: null,
      refunded: false,
      status: "succeeded",
    };
    this.charges.push(charge);
    this.record("charge.succeeded", charge);
    return charge;
  }

  /** Refunds a charge as POST /v1/refunds does; a ParamError is what the API answers as 400. */
  refundCharge(opts: { charge: string; amount?: number; reason?: string; metadata?: Record<string, string> }, request?: RequestContext): SandboxRefund | ParamError {
    const charge = this.charges.find((c) => c.id === opts.charge);
    if (!charge) return { param: "charge", code: "resource_missing", message: `No such charge: '${opts.charge}'` };
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) return { param: "charge", code: "charge_already_refunded", message: `Charge ${charge.id} has already been refunded.` };
    const amount = opts.amount ?? remaining;
    if (!Number.isInteger(amount) || amount <= 0) return { param: "amount", message: "Invalid positive integer" };
    if (amount > remaining) {
      return { param: "amount", message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})` };
    }
    if (opts.reason && !["duplicate", "fraudulent", "requested_by_customer"].includes(opts.reason)) {
      return { param: "reason", message: `Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer` };
    }
    const id = stripeId("re");
    const created = this.now();
    const txn = this.postTransaction({
      amount: -amount,
      currency: charge.currency,
      created,
      description: "REFUND FOR CHARGE" + (charge.description ? ` (${charge.description})` : ""),
      fee_details: [],
      reporting_category: "refund",
      source: id,
      type: "refund",
    });
    const refund: SandboxRefund = {
      id,
      object: "refund",
      amount,
      balance_transaction: txn.id,
      charge: charge.id,
      created,
      currency: charge.currency,
      metadata: { ...(opts.metadata ?? {}) },
      payment_intent: charge.payment_intent,
      reason: opts.reason ?? null,
      status: "succeeded",
    };
    const before = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    this.refunds.push(refund);
    this.record("refund.created", refund, undefined, request);
    this.record("charge.refunded", charge, before, request);
    return refund;
  }

  /** A dispute withdraws the disputed amount plus Stripe's dispute fee (type adjustment, reporting_category dispute). */
  addDispute(opts: { charge: string; amount?: number; fee?: number; reason?: string }): SandboxDispute {
    const charge = this.charges.find((c) => c.id === opts.charge);
    if (!charge) throw new Error(`sandbox: no charge ${opts.charge}`);
    const amount = opts.amount ?? charge.amount;
    const fee = opts.fee ?? 1500;
    const id = stripeId("dp");
    const created = this.now();
    const txn = this.postTransaction({
      amount: -amount,
      currency: charge.currency,
      created,
      description: `Chargeback withdrawal for ${charge.id}`,
      fee_details: fee ? [{ amount: fee, application: null, currency: charge.currency, description: "Dispute fee", type: "stripe_fee" }] : [],
      reporting_category: "dispute",
      source: id,
      type: "adjustment",
    });
    const dispute: SandboxDispute = {
      id,
      object: "dispute",
      amount,
      balance_transactions: [txn],
      charge: charge.id,
      created,
      currency: charge.currency,
      is_charge_refundable: false,
      livemode: false,
      metadata: {},
      payment_intent: charge.payment_intent,
      reason: opts.reason ?? "fraudulent",
      status: "needs_response",
    };
    charge.disputed = true;
    this.disputes.push(dispute);
    this.record("charge.dispute.created", dispute);
    return dispute;
  }

  /** A manual balance adjustment (credit or debit) with no source object. */
  addAdjustment(opts: { amount: number; description: string; currency?: string }): SandboxBalanceTransaction {
    if (!Number.isInteger(opts.amount) || opts.amount === 0) throw new Error("sandbox: adjustment amount must be a non-zero integer");
    return this.postTransaction({
      amount: opts.amount,
      currency: (opts.currency ?? this.defaultCurrency).toLowerCase(),
      created: this.now(),
      description: opts.description,
      fee_details: [],
      reporting_category: "other_adjustment",
      source: null,
      type: "adjustment",
    });
  }

  /**
   * An automatic payout of everything not yet paid out in one currency: amount = sum of `net`.
   * Records payout.created, then payout.paid when created as paid.
   */
  createPayout(opts: { status?: PayoutStatus; currency?: string; arrivalDate?: number; automatic?: boolean; amount?: number } = {}): SandboxPayout {
    const currency = (opts.currency ?? this.defaultCurrency).toLowerCase();
    const automatic = opts.automatic ?? true;
    const swept = automatic ? this.balanceTransactions.filter((t) => t.currency === currency && !this.payoutOf.has(t.id)) : [];
    const amount = automatic ? swept.reduce((s, t) => s + t.net, 0) : opts.amount ?? 0;
    if (amount <= 0) throw new Error(`sandbox: nothing to pay out in ${currency.toUpperCase()} (balance ${amount})`);
    const id = stripeId("po");
    const created = this.now();
    const own = this.postTransaction({
      amount: -amount,
      currency,
      created,
      description: "STRIPE PAYOUT",
      fee_details: [],
      reporting_category: "payout",
      source: id,
      type: "payout",
    });
    for (const t of [...swept, own]) this.payoutOf.set(t.id, id);
    const payout: SandboxPayout = {
      id,
      object: "payout",
      amount,
      arrival_date: opts.arrivalDate ?? created,
      automatic,
      balance_transaction: own.id,
      created,
      currency,
      description: "STRIPE PAYOUT",
      destination: "ba_sandbox000000000000000000",
      failure_balance_transaction: null,
      failure_code: null,
      failure_message: null,
      livemode: false,
      metadata: {},
      method: "standard",
      reconciliation_status: automatic ? "completed" : "not_applicable",
      source_type: "card",
      statement_descriptor: null,
      status: "pending",
      type: "bank_account",
    };
    this.payouts.push(payout);
    this.record("payout.created", payout);
    const status = opts.status ?? "paid";
    if (status !== "pending") this.setPayoutStatus(id, status);
    return payout;
  }

  /** Moves a payout on: paid → payout.paid; failed → payout.failed and the funds return to the balance. */
  setPayoutStatus(id: string, status: PayoutStatus, failure: { code?: string; message?: string } = {}): SandboxPayout {
    const payout = this.payouts.find((p) => p.id === id);
    if (!payout) throw new Error(`sandbox: no payout ${id}`);
    const previous = { status: payout.status };
    payout.status = status;
    if (status === "failed") {
      const back = this.postTransaction({
        amount: payout.amount,
        currency: payout.currency,
        created: this.now(),
        description: `Payout failure (${payout.id})`,
        fee_details: [],
        reporting_category: "payout_reversal",
        source: payout.id,
        type: "payout_failure",
      });
      payout.failure_balance_transaction = back.id;
      payout.failure_code = failure.code ?? "account_closed";
      payout.failure_message = failure.message ?? "The bank account has been closed.";
    }
    const type = status === "paid" ? "payout.paid" : status === "failed" ? "payout.failed" : status === "canceled" ? "payout.canceled" : "payout.updated";
    this.record(type, payout, previous);
    return payout;
  }

  balance(): { available: { amount: number; currency: string; source_types: { card: number } }[]; pending: { amount: number; currency: string; source_types: { card: number } }[] } {
    const byCurrency = new Map<string, number>([[this.defaultCurrency, 0]]);
    for (const t of this.balanceTransactions) {
      if (this.payoutOf.has(t.id)) continue;
      byCurrency.set(t.currency, (byCurrency.get(t.currency) ?? 0) + t.net);
    }
    return {
      available: [...byCurrency].map(([currency, amount]) => ({ amount, currency, source_types: { card: amount } })),
      pending: [...byCurrency.keys()].map((currency) => ({ amount: 0, currency, source_types: { card: 0 } })),
    };
  }

  findObject(id: string): Record<string, unknown> | undefined {
    const all: { id: string }[][] = [this.charges, this.refunds, this.disputes, this.payouts, this.balanceTransactions];
    for (const list of all) {
      const hit = list.find((o) => o.id === id);
      if (hit) return hit as unknown as Record<string, unknown>;
    }
    return undefined;
  }

  private postTransaction(t: Omit<SandboxBalanceTransaction, "id" | "object" | "available_on" | "exchange_rate" | "fee" | "net" | "status">): SandboxBalanceTransaction {
    const fee = t.fee_details.reduce((s, f) => s + f.amount, 0);
    const txn: SandboxBalanceTransaction = {
      id: stripeId("txn"),
      object: "balance_transaction",
      ...t,
      available_on: t.created,
      exchange_rate: null,
      fee,
      net: t.amount - fee,
      status: "available",
    };
    this.balanceTransactions.push(txn);
    return txn;
  }

  private record(type: string, object: object, previous?: Record<string, unknown>, request?: RequestContext): void {
    const event: SandboxEvent = {
      id: stripeId("evt"),
      object: "event",
      api_version: SANDBOX_API_VERSION,
      created: this.now(),
      // A snapshot, as Stripe sends the object as it was when the event happened.
      data: { object: structuredClone(object) as Record<string, unknown>, ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false,
      pending_webhooks: this.webhooksEnabled ? 1 : 0,
      request: request ?? { id: null, idempotency_key: null },
      type,
    };
    this.events.push(event);
    this.onEvent(event);
  }
}

function assertPositiveInt(n: number, name: string): void {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`sandbox: ${name} must be a positive integer of minor units, got ${n}`);
}

export function isParamError(x: unknown): x is ParamError {
  return typeof x === "object" && x !== null && "param" in x && "message" in x && !("object" in x);
}
