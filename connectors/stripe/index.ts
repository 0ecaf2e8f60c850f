import { z } from "zod";
import { ClassifiedError } from "../../pipeline/errors";
import { fromMinorUnits, type Payout, type Refund } from "../../pipeline/model";
import { defineConnector, type CapturedEvent, type DeliveryContext, type DestinationAction, type Poller } from "../sdk/definition";
import type { StripeCharge, StripeRefundCreate } from "./api-schemas";
import { StripeClient, stripeIdempotencyKey } from "./client";
import { classifyStripeError } from "./errors";
import { loadCanonicalPayout, payoutSettledEvent } from "./load-payout";
import { stripeWebhooks, type StripeWebhookSecrets } from "./webhooks";

/**
 * Stripe: payouts in (each paid payout becomes a canonical `payout.settled` with one line per
 * balance-transaction component), refunds out (`create_refund`).
 *
 * Order convention: whoever creates a Stripe charge puts the order id in `metadata.order_id`
 * (fallbacks: `metadata.order_number`, `metadata.orderId`, a description like "Order #1001").
 * Payout lines carry that id as `orderId`; refunds and disputes inherit the order of their charge;
 * create_refund finds the charge to refund by it (Search API) unless a `charge` mapping names it.
 */

export const StripeCredentials = z.object({
  secretKey: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, "a Stripe secret key starts with sk_live_ or sk_test_ (rk_live_/rk_test_ for a restricted key)")
    .describe(
      "Secret API key (Dashboard → Developers → API keys). A restricted key (rk_…) needs read access to Balance, Payouts, Balance transactions, Charges and Events, and write access to Refunds.",
    )
    .meta({ secret: true }),
  webhookSecret: z
    .string()
    .startsWith("whsec_", "a webhook signing secret starts with whsec_")
    .describe("Signing secret of the webhook endpoint (whsec_…), on the endpoint's page in the Dashboard. Subscribe the endpoint to payout.paid, payout.failed and payout.updated.")
    .meta({ secret: true }),
  previousWebhookSecret: z
    .string()
    .startsWith("whsec_", "a webhook signing secret starts with whsec_")
    .optional()
    .describe("Only while rolling the endpoint secret: the old secret, still accepted until Stripe stops signing with it. Remove it once the roll has expired.")
    .meta({ secret: true }),
});
export type StripeCredentials = z.infer<typeof StripeCredentials>;

/** Stripe lists newest first; reversing before the stable sort keeps same-second items in creation order. */
const oldestFirst = <T extends { created: number }>(items: T[]): T[] => [...items].reverse().sort((a, b) => a.created - b.created);

/** How far back the payouts poller looks on its first run. */
const FIRST_POLL_LOOKBACK_SEC = 14 * 86_400;

export interface PayoutsCursor {
  /** Payouts created at or after this unix second are listed. Null until the first poll. */
  since: number | null;
  /** Paid payouts at or after `since` already emitted, so a re-listed one is not sent again. */
  emitted: string[];
}

/**
 * Payouts created since the cursor; the paid ones become payout.settled. A payout is paid days
 * after it is created, so the cursor stays at the oldest payout still in flight (pending /
 * in_transit) and only moves past it once it is final.
 */
const payoutsPoller: Poller<StripeClient, PayoutsCursor> = {
  intervalMs: 5 * 60_000,
  initialCursor: () => ({ since: null, emitted: [] }),
  async poll(client, cursor, now) {
    const nowSec = Math.floor(now.getTime() / 1000);
    const since = cursor.since ?? nowSec - FIRST_POLL_LOOKBACK_SEC;
    const payouts = oldestFirst(await client.listPayouts({ createdGte: since }));
    const emitted = new Set(cursor.emitted);
    const events: CapturedEvent[] = [];
    for (const p of payouts) {
      if (p.status !== "paid" || emitted.has(p.id)) continue;
      events.push(payoutSettledEvent(await loadCanonicalPayout(client, p), p));
      emitted.add(p.id);
    }
    const inFlight = payouts.filter((p) => p.status === "pending" || p.status === "in_transit").map((p) => p.created);
    const next = inFlight.length ? Math.min(...inFlight) : payouts.length ? Math.max(...payouts.map((p) => p.created)) : since;
    return { events, cursor: { since: next, emitted: payouts.filter((p) => p.created >= next && emitted.has(p.id)).map((p) => p.id) } };
  },
};

/** Search-query string literal: quotes and backslashes escaped. */
const quote = (v: string) => `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/**
 * The charge an order was paid with: a `charge` mapping (order id or number → ch_…) first, then
 * a Search API lookup on metadata.order_id. Among several charges, the first with enough left
 * to refund wins.
 */
async function chargeForRefund(client: StripeClient, ctx: DeliveryContext, refund: Refund): Promise<StripeCharge | undefined> {
  const keys = [...new Set([refund.orderId, refund.orderNumber].filter(Boolean))];
  for (const key of keys) {
    const mapped = await ctx.mappings.get("charge", key);
    if (mapped) return client.retrieveCharge(mapped);
  }
  for (const key of keys) {
    const charges = await client.searchCharges(`metadata['order_id']:${quote(key)} AND status:'succeeded'`);
    if (charges.length === 0) continue;
    return charges.find((c) => c.amount - (c.amount_refunded ?? 0) >= refund.total.amountMinor) ?? charges[0];
  }
  return undefined;
}

function refundReason(reason: string | undefined): StripeRefundCreate["reason"] {
  if (!reason) return undefined;
  if (/fraud/i.test(reason)) return "fraudulent";
  if (/duplicate/i.test(reason)) return "duplicate";
  return "requested_by_customer";
}

/**
 * Refunds a Stripe-paid order. The pipeline's idempotencyKey goes out as Idempotency-Key and is
 * also stored as metadata.loopkeeper_key, which is how lookupExisting recognises our refund after
 * the idempotency window (24 h) has passed. Every parameter derives from the event alone, so a
 * retry sends exactly the same request and Stripe replays the first answer.
 */
const createRefund: DestinationAction<StripeClient> = {
  accepts: ["refund.created"],
  async deliver(client, ctx) {
    const refund = ctx.event.data as Refund;
    const already = refund.externalIds?.stripe;
    if (already?.startsWith("re_")) return { externalId: already, summary: `refund already exists in Stripe as ${already}` };
    const charge = await chargeForRefund(client, ctx, refund);
    if (!charge) {
      throw new ClassifiedError({
        errorClass: "validation",
        field: "orderId",
        reason: "no_stripe_charge",
        message: `stripe: no succeeded charge for order ${refund.orderNumber} (${refund.orderId}): it was not paid through Stripe, or its charge lacks metadata.order_id`,
      });
    }
    if (charge.currency.toUpperCase() !== refund.total.currency) {
      throw new ClassifiedError({
        errorClass: "validation",
        field: "total.currency",
        reason: "currency_mismatch",
        message: `stripe: refund is in ${refund.total.currency} but charge ${charge.id} was paid in ${charge.currency.toUpperCase()}`,
      });
    }
    if (refund.total.amountMinor <= 0) {
      throw new ClassifiedError({ errorClass: "validation", field: "total", reason: "not_positive", message: `stripe: refund total must be positive, got ${refund.total.amountMinor}` });
    }
    const reason = refundReason(refund.reason);
    const res = await client.createRefund(
      {
        charge: charge.id,
        amount: refund.total.amountMinor,
        ...(reason ? { reason } : {}),
        metadata: {
          loopkeeper_key: stripeIdempotencyKey(ctx.idempotencyKey),
          loopkeeper_refund_id: refund.id.slice(0, 500),
          order_id: refund.orderId.slice(0, 500),
          order_number: refund.orderNumber.slice(0, 500),
        },
      },
      ctx.idempotencyKey,
    );
    return {
      externalId: res.refund.id,
      summary: `refunded ${fromMinorUnits(res.refund.amount, refund.total.currency)} ${refund.total.currency} of charge ${charge.id} for order ${refund.orderNumber}${res.replayed ? " (idempotent replay)" : ""}`,
      upstream: { status: 200, ...(res.requestId ? { requestId: res.requestId } : {}) },
    };
  },
  async lookupExisting(client, ctx) {
    const refund = ctx.event.data as Refund;
    const charge = await chargeForRefund(client, ctx, refund);
    if (!charge) return undefined;
    const refunds = await client.listRefunds({ charge: charge.id });
    return refunds.find((r) => r.metadata?.loopkeeper_key === stripeIdempotencyKey(ctx.idempotencyKey))?.id;
  },
};

export const stripeConnector = defineConnector<StripeCredentials, StripeClient, StripeWebhookSecrets>({
  id: "stripe",
  displayName: "Stripe",
  credentials: StripeCredentials,
  defaultBaseUrl: "https://api.stripe.com",
  // Stripe allows 100 read/write operations per second in live mode and 25 in test mode
  // (https://docs.stripe.com/rate-limits); 25/s is safe in both.
  ratePolicy: { concurrency: 10, perSecond: 25 },
  capabilities: { source: ["payout.settled"], destination: ["create_refund"], readers: ["payouts"] },
  createClient: ({ baseUrl, credentials, fetch, timeoutMs }) => new StripeClient({ baseUrl, secretKey: credentials.secretKey, fetch, timeoutMs }),
  async testConnection(client) {
    const balance = await client.retrieveBalance();
    const fmt = (xs: { amount: number; currency: string }[]) => xs.map((b) => `${fromMinorUnits(b.amount, b.currency.toUpperCase())} ${b.currency.toUpperCase()}`).join(", ") || "none";
    return { ok: true, detail: `Stripe balance readable: available ${fmt(balance.available)}; pending ${fmt(balance.pending)}` };
  },
  webhooks: stripeWebhooks,
  webhookSecrets: (credentials) => ({ secrets: [credentials.webhookSecret, ...(credentials.previousWebhookSecret ? [credentials.previousWebhookSecret] : [])] }),
  async fetchNotification(client, notification) {
    const payout = await client.retrievePayout(notification.resource);
    // Only a paid payout settles; pending/in-transit ones settle later (payout.paid), and a failed
    // payout has no canonical counterpart: its funds return to the balance and reappear in the next payout.
    if (payout.status !== "paid") return [];
    return [payoutSettledEvent(await loadCanonicalPayout(client, payout), payout)];
  },
  pollers: { payouts: payoutsPoller },
  readers: {
    /** Paid payouts created at or after `since` (ISO-8601), itemised, oldest first. */
    async payouts(client: StripeClient, since: string): Promise<Payout[]> {
      const sinceSec = Math.floor(Date.parse(since) / 1000);
      const paid = oldestFirst(await client.listPayouts({ createdGte: sinceSec, status: "paid" }));
      const out: Payout[] = [];
      for (const p of paid) out.push(await loadCanonicalPayout(client, p));
      return out;
    },
  },
  destinations: { create_refund: createRefund },
  classifyError: classifyStripeError,
});

export default stripeConnector;

export { StripeClient, stripeIdempotencyKey } from "./client";
export { classifyStripeError, classifyStripeSdkError } from "./errors";
export { mapStripePayout, settlementKindOf, orderIdFromReference, unixToIso } from "./map";
export { loadCanonicalPayout, payoutSettledEvent } from "./load-payout";
export { reconcilePayout, type ExpectedSettlement, type PayoutReconciliation } from "./payout-reconcile";
export { verifyStripeSignature, parseStripeWebhook, missedPayoutNotifications, DEFAULT_TOLERANCE_SEC, type StripeWebhookSecrets } from "./webhooks";
