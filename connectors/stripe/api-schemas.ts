import { z } from "zod";

/**
 * The Stripe API payloads this connector reads and writes (API v1). Only the fields we use are
 * declared; zod strips the rest. Stripe sends `null` for absent values, hence `.nullish()`.
 * Amounts are already integer minor units; currencies arrive lower-case; times are unix seconds.
 * Shapes follow ../shared/fixtures/stripe/objects (stripe/openapi fixtures3.json).
 */

export const StripeMetadata = z.record(z.string(), z.string());
export type StripeMetadata = z.infer<typeof StripeMetadata>;

/** An expandable reference: the id, or the object when `expand[]` asked for it. */
const expandable = <T extends z.ZodTypeAny>(object: T) => z.union([z.string(), object]);

const ExpandedRef = z.object({
  id: z.string(),
  object: z.string().optional(),
  metadata: StripeMetadata.nullish(),
  description: z.string().nullish(),
});

export const StripeCharge = z.object({
  id: z.string(),
  object: z.literal("charge"),
  amount: z.number().int(),
  amount_captured: z.number().int().nullish(),
  amount_refunded: z.number().int().nullish(),
  balance_transaction: expandable(z.object({ id: z.string() })).nullish(),
  created: z.number().int(),
  currency: z.string(),
  customer: expandable(z.object({ id: z.string() })).nullish(),
  description: z.string().nullish(),
  metadata: StripeMetadata.nullish(),
  paid: z.boolean().nullish(),
  payment_intent: expandable(ExpandedRef).nullish(),
  refunded: z.boolean().nullish(),
  disputed: z.boolean().nullish(),
  status: z.string(),
  billing_details: z.object({ email: z.string().nullish(), name: z.string().nullish() }).nullish(),
});
export type StripeCharge = z.infer<typeof StripeCharge>;

export const StripeRefund = z.object({
  id: z.string(),
  object: z.literal("refund"),
  amount: z.number().int(),
  balance_transaction: expandable(z.object({ id: z.string() })).nullish(),
  charge: expandable(ExpandedRef).nullish(),
  created: z.number().int(),
  currency: z.string(),
  metadata: StripeMetadata.nullish(),
  payment_intent: expandable(ExpandedRef).nullish(),
  reason: z.string().nullish(),
  status: z.string().nullish(),
});
export type StripeRefund = z.infer<typeof StripeRefund>;

export const StripeDispute = z.object({
  id: z.string(),
  object: z.literal("dispute"),
  amount: z.number().int(),
  charge: expandable(ExpandedRef),
  created: z.number().int(),
  currency: z.string(),
  metadata: StripeMetadata.nullish(),
  reason: z.string(),
  status: z.string(),
  payment_intent: expandable(ExpandedRef).nullish(),
  balance_transactions: z.array(z.object({ id: z.string() })).default([]),
});
export type StripeDispute = z.infer<typeof StripeDispute>;

export const StripePayoutStatus = z.enum(["paid", "pending", "in_transit", "canceled", "failed"]);

export const StripePayout = z.object({
  id: z.string(),
  object: z.literal("payout"),
  amount: z.number().int(),
  arrival_date: z.number().int(),
  /** Only automatic payouts can be itemised with balance_transactions?payout=. */
  automatic: z.boolean(),
  balance_transaction: expandable(z.object({ id: z.string() })).nullish(),
  created: z.number().int(),
  currency: z.string(),
  description: z.string().nullish(),
  failure_code: z.string().nullish(),
  failure_message: z.string().nullish(),
  metadata: StripeMetadata.nullish(),
  method: z.string().nullish(),
  reconciliation_status: z.string().nullish(),
  status: StripePayoutStatus.or(z.string()),
  type: z.string().nullish(),
});
export type StripePayout = z.infer<typeof StripePayout>;

export const StripeFeeDetail = z.object({
  amount: z.number().int(),
  application: z.string().nullish(),
  currency: z.string(),
  description: z.string().nullish(),
  type: z.string(),
});
export type StripeFeeDetail = z.infer<typeof StripeFeeDetail>;

/**
 * The object a balance transaction moved money for, when listed with `expand[]=data.source`:
 * a charge, refund, dispute, payout, transfer... Loose on purpose: only the fields that carry an
 * order reference are read.
 */
export const StripeBalanceTransactionSource = z.object({
  id: z.string(),
  object: z.string(),
  metadata: StripeMetadata.nullish(),
  description: z.string().nullish(),
  charge: expandable(ExpandedRef).nullish(),
  payment_intent: expandable(ExpandedRef).nullish(),
});
export type StripeBalanceTransactionSource = z.infer<typeof StripeBalanceTransactionSource>;

export const StripeBalanceTransaction = z.object({
  id: z.string(),
  object: z.literal("balance_transaction"),
  /** Gross, signed: positive moves money to the merchant. */
  amount: z.number().int(),
  available_on: z.number().int(),
  created: z.number().int(),
  currency: z.string(),
  description: z.string().nullish(),
  exchange_rate: z.number().nullish(),
  fee: z.number().int(),
  fee_details: z.array(StripeFeeDetail),
  /** amount - fee: what the transaction adds to the payout. */
  net: z.number().int(),
  reporting_category: z.string(),
  source: expandable(StripeBalanceTransactionSource).nullish(),
  status: z.string(),
  type: z.string(),
});
export type StripeBalanceTransaction = z.infer<typeof StripeBalanceTransaction>;

export const StripeEvent = z.object({
  id: z.string(),
  object: z.literal("event"),
  api_version: z.string().nullish(),
  created: z.number().int(),
  data: z.object({
    object: z.object({ id: z.string().optional(), object: z.string() }).catchall(z.unknown()),
    previous_attributes: z.record(z.string(), z.unknown()).nullish(),
  }),
  livemode: z.boolean(),
  pending_webhooks: z.number().int().nullish(),
  request: z.object({ id: z.string().nullish(), idempotency_key: z.string().nullish() }).nullish(),
  type: z.string(),
});
export type StripeEvent = z.infer<typeof StripeEvent>;

const BalanceAmount = z.object({ amount: z.number().int(), currency: z.string() });

export const StripeBalance = z.object({
  object: z.literal("balance"),
  available: z.array(BalanceAmount),
  pending: z.array(BalanceAmount),
  livemode: z.boolean(),
});
export type StripeBalance = z.infer<typeof StripeBalance>;

export const StripePaymentIntent = z.object({
  id: z.string(),
  object: z.literal("payment_intent"),
  amount: z.number().int(),
  amount_received: z.number().int(),
  currency: z.string(),
  customer: expandable(z.object({ id: z.string() })).nullish(),
  latest_charge: expandable(z.object({ id: z.string() })).nullish(),
  metadata: StripeMetadata.nullish(),
  status: z.string(),
});
export type StripePaymentIntent = z.infer<typeof StripePaymentIntent>;

export const StripeCustomer = z.object({
  id: z.string(),
  object: z.literal("customer"),
  email: z.string().nullish(),
  name: z.string().nullish(),
  metadata: StripeMetadata.nullish(),
});
export type StripeCustomer = z.infer<typeof StripeCustomer>;

export const StripeTransfer = z.object({
  id: z.string(),
  object: z.literal("transfer"),
  amount: z.number().int(),
  amount_reversed: z.number().int(),
  balance_transaction: expandable(z.object({ id: z.string() })).nullish(),
  currency: z.string(),
  destination: expandable(z.object({ id: z.string() })).nullish(),
});
export type StripeTransfer = z.infer<typeof StripeTransfer>;

export const StripeApplicationFee = z.object({
  id: z.string(),
  object: z.literal("application_fee"),
  amount: z.number().int(),
  amount_refunded: z.number().int(),
  charge: expandable(z.object({ id: z.string() })),
  currency: z.string(),
  balance_transaction: expandable(z.object({ id: z.string() })).nullish(),
});
export type StripeApplicationFee = z.infer<typeof StripeApplicationFee>;

export const StripeInvoice = z.object({
  id: z.string(),
  object: z.literal("invoice"),
  amount_due: z.number().int(),
  amount_paid: z.number().int(),
  currency: z.string(),
  customer: expandable(z.object({ id: z.string() })).nullish(),
  status: z.string().nullish(),
  total: z.number().int(),
  lines: z.object({
    object: z.literal("list"),
    data: z.array(z.object({ id: z.string(), amount: z.number().int(), currency: z.string(), description: z.string().nullish() })),
    has_more: z.boolean(),
  }),
});
export type StripeInvoice = z.infer<typeof StripeInvoice>;

/** A v1 list page: `{object:"list", data, has_more, url}`; pages are walked with starting_after. */
export const stripeList = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ object: z.literal("list"), data: z.array(item), has_more: z.boolean(), url: z.string() });

/** Every v1 error body: `{ error: { type, code?, decline_code?, param?, message } }`. */
export const StripeErrorBody = z.object({
  error: z.object({
    type: z.string(),
    code: z.string().nullish(),
    decline_code: z.string().nullish(),
    param: z.string().nullish(),
    message: z.string().nullish(),
    charge: z.string().nullish(),
    doc_url: z.string().nullish(),
    request_log_url: z.string().nullish(),
  }),
});
export type StripeErrorBody = z.infer<typeof StripeErrorBody>;

/** The parameters of POST /v1/refunds we send. */
export const StripeRefundCreate = z.object({
  charge: z.string().optional(),
  payment_intent: z.string().optional(),
  amount: z.number().int().positive(),
  reason: z.enum(["duplicate", "fraudulent", "requested_by_customer"]).optional(),
  metadata: StripeMetadata.optional(),
});
export type StripeRefundCreate = z.infer<typeof StripeRefundCreate>;
