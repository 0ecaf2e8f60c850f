import { describe, expect, it } from "vitest";
import { Payout as CanonicalPayout } from "../../../pipeline/model";
import { listFixtures, readFixtureJson } from "../../../pipeline/testing/fixtures";
import {
  StripeApplicationFee,
  StripeBalance,
  StripeBalanceTransaction,
  StripeCharge,
  StripeCustomer,
  StripeDispute,
  StripeErrorBody,
  StripeEvent,
  StripeInvoice,
  StripePaymentIntent,
  StripePayout,
  StripeRefund,
  StripeTransfer,
} from "../api-schemas";
import { classifyStripeError } from "../errors";
import { balanceTransactionLines, mapStripePayout, orderIdFromReference, settlementKindOf } from "../map";
import { parseStripeWebhook } from "../webhooks";

const obj = (name: string) => readFixtureJson("stripe/objects", name);

/**
 * One check per file in ../shared/fixtures/stripe: each is parsed with our api-schemas and the
 * fields the connector uses are asserted. Objects outside the payout scope (customer, transfer,
 * application_fee, invoice, payment_intent, balance) are schema-checked only on the fields a
 * later feature would read.
 */
const CHECKS: Record<string, () => void> = {
  "errors/card_declined.fraudulent.402.json": () => {
    const e = StripeErrorBody.parse(readFixtureJson("stripe/errors", "card_declined.fraudulent.402.json").body);
    expect(e.error).toMatchObject({ type: "card_error", code: "card_declined", decline_code: "fraudulent" });
  },
  "errors/card_declined.generic_decline.402.json": () => {
    const e = StripeErrorBody.parse(readFixtureJson("stripe/errors", "card_declined.generic_decline.402.json").body);
    expect(e.error.decline_code).toBe("generic_decline");
  },
  "errors/idempotency_error.400.json": () => {
    const env = readFixtureJson("stripe/errors", "idempotency_error.400.json");
    expect(StripeErrorBody.parse(env.body).error.type).toBe("idempotency_error");
    expect(classifyStripeError({ status: env.status, headers: env.headers, body: JSON.stringify(env.body) }).errorClass).toBe("permanent");
  },
  "errors/lock_timeout.429.json": () => {
    const e = StripeErrorBody.parse(readFixtureJson("stripe/errors", "lock_timeout.429.json").body);
    expect(e.error).toMatchObject({ type: "invalid_request_error", code: "lock_timeout" });
  },

  "objects/payout.fixtures3.json": () => {
    const p = StripePayout.parse(obj("payout.fixtures3.json"));
    expect(p).toMatchObject({ id: "po_1Pgc79B7WZ01zgkWu1KToYf4", amount: 1100, currency: "usd", automatic: true, status: "in_transit", arrival_date: 1234567890 });
  },
  "objects/balance_transaction.fixtures3.json": () => {
    const t = StripeBalanceTransaction.parse(obj("balance_transaction.fixtures3.json"));
    expect(t).toMatchObject({ type: "charge", reporting_category: "charge", amount: 100, fee: 0, net: 100, source: "ch_1PgafuB7WZ01zgkWXYmPNZs8" });
    expect(settlementKindOf(t)).toBe("principal");
  },
  "objects/balance_transaction.docs.json": () => {
    const t = StripeBalanceTransaction.parse(obj("balance_transaction.docs.json"));
    expect(t).toMatchObject({ type: "transfer", amount: -400, net: -400, fee_details: [], description: null });
    expect(settlementKindOf(t)).toBe("other");
    const lines = balanceTransactionLines(t, { settlementId: "po_x" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ kind: "other", amount: { amountMinor: -400, currency: "USD" }, description: "transfer tr_1MiN3gLkdIwHu7ixNCZvFdgA", postedAt: "2023-03-05T19:17:24.000Z" });
  },
  "objects/charge.fixtures3.json": () => {
    const c = StripeCharge.parse(obj("charge.fixtures3.json"));
    expect(c).toMatchObject({ id: "ch_1PgafuB7WZ01zgkWXYmPNZs8", amount: 100, currency: "usd", balance_transaction: "txn_1PgaxNB7WZ01zgkWEV3TLf40", metadata: {} });
    // "My First Test Charge (created for API docs)" names no order: no order id is invented.
    expect(orderIdFromReference(c)).toBeUndefined();
  },
  "objects/refund.fixtures3.json": () => {
    const r = StripeRefund.parse(obj("refund.fixtures3.json"));
    expect(r).toMatchObject({ id: "re_1Pgc72B7WZ01zgkWqPvrRrPE", amount: 100, charge: "ch_1PgafuB7WZ01zgkWXYmPNZs8", balance_transaction: null, status: "succeeded" });
  },
  "objects/refund.docs.json": () => {
    const r = StripeRefund.parse(obj("refund.docs.json"));
    expect(r).toMatchObject({ amount: 1000, balance_transaction: "txn_1Nispe2eZvKYlo2CYezqFhEx", payment_intent: "pi_1GszsK2eZvKYlo2CfhZyoZLp", created: 1692942318 });
  },
  "objects/dispute.fixtures3.json": () => {
    const d = StripeDispute.parse(obj("dispute.fixtures3.json"));
    expect(d).toMatchObject({ id: "dp_1Pgc71B7WZ01zgkWMevJiAUx", amount: 1000, charge: "ch_1PgafuB7WZ01zgkWXYmPNZs8", reason: "general", status: "warning_needs_response", balance_transactions: [] });
  },
  "objects/event.fixtures3.json": () => {
    const e = StripeEvent.parse(obj("event.fixtures3.json"));
    expect(e).toMatchObject({ id: "evt_1Pgc76B7WZ01zgkWwyRHS12y", type: "plan.created", api_version: null });
    const parsed = parseStripeWebhook({ headers: {}, query: {}, rawBody: JSON.stringify(obj("event.fixtures3.json")) });
    expect(parsed.kind).toBe("ignored");
  },
  "objects/payment_intent.fixtures3.json": () => {
    const pi = StripePaymentIntent.parse(obj("payment_intent.fixtures3.json"));
    expect(pi).toMatchObject({ id: "pi_1PgafyB7WZ01zgkWSjxsAJo3", amount: 1099, amount_received: 0, latest_charge: null, status: "requires_payment_method", metadata: {} });
  },
  "objects/balance.fixtures3.json": () => {
    const b = StripeBalance.parse(obj("balance.fixtures3.json"));
    expect(b.available).toEqual([{ amount: 0, currency: "usd" }]);
    expect(b.pending).toEqual([{ amount: 0, currency: "usd" }]);
  },
  "objects/customer.fixtures3.json": () => {
    const c = StripeCustomer.parse(obj("customer.fixtures3.json"));
    expect(c).toEqual({ id: "cus_QXg1o8vcGmoR32", object: "customer", email: null, name: null, metadata: {} });
  },
  "objects/transfer.fixtures3.json": () => {
    const t = StripeTransfer.parse(obj("transfer.fixtures3.json"));
    expect(t).toMatchObject({ id: "tr_1Pgc7BB7WZ01zgkWVJfE40RX", amount: 1100, amount_reversed: 0, destination: "acct_1PgafTB7WZ01zgkW" });
  },
  "objects/application_fee.fixtures3.json": () => {
    const f = StripeApplicationFee.parse(obj("application_fee.fixtures3.json"));
    expect(f).toMatchObject({ id: "fee_1Pgc6zB7WZ01zgkWOMh2at1m", amount: 100, charge: "ch_1PgafuB7WZ01zgkWXYmPNZs8", balance_transaction: "txn_1PgaxNB7WZ01zgkWEV3TLf40" });
  },
  "objects/invoice.fixtures3.json": () => {
    const i = StripeInvoice.parse(obj("invoice.fixtures3.json"));
    expect(i).toMatchObject({ id: "in_1Pgc6tB7WZ01zgkWu9fdqL6I", customer: "cus_QXg1o8vcGmoR32", total: 1000, amount_due: 1000, status: "draft" });
    expect(i.lines.data.map((l) => l.amount)).toEqual([1000]);
  },
  "webhooks/event.setup_intent.created.docs.json": () => {
    const raw = readFixtureJson("stripe/webhooks", "event.setup_intent.created.docs.json");
    const e = StripeEvent.parse(raw);
    expect(e).toMatchObject({ id: "evt_1NG8Du2eZvKYlo2CUI79vXWy", type: "setup_intent.created", api_version: "2019-02-19", pending_webhooks: 0 });
    expect(parseStripeWebhook({ headers: {}, query: {}, rawBody: JSON.stringify(raw) })).toEqual({
      kind: "ignored",
      reason: "setup_intent.created: not an event Loopkeeper consumes from Stripe",
    });
  },
};

describe("every ../shared/fixtures/stripe file", () => {
  it("has a check (a new fixture must be wired in here)", () => {
    expect(listFixtures("stripe")).toEqual(Object.keys(CHECKS).sort());
  });
  for (const [file, check] of Object.entries(CHECKS)) it(file, check);
});

describe("the fixture payout with its fixture balance transaction", () => {
  it("maps to a canonical payout with UTC times, upper-case currency and the payout's own transaction excluded", () => {
    const payout = StripePayout.parse({ ...obj("payout.fixtures3.json"), status: "paid" });
    const charge = StripeBalanceTransaction.parse({ ...obj("balance_transaction.fixtures3.json"), amount: 1100, net: 1100 });
    const own = StripeBalanceTransaction.parse({
      ...obj("balance_transaction.fixtures3.json"),
      id: "txn_payout",
      type: "payout",
      reporting_category: "payout",
      amount: -1100,
      net: -1100,
      source: payout.id,
    });
    const p = CanonicalPayout.parse(mapStripePayout(payout, [charge, own]));
    expect(p).toMatchObject({ id: "po_1Pgc79B7WZ01zgkWu1KToYf4", source: "stripe", depositDate: "2009-02-13T23:31:30.000Z", total: { amountMinor: 1100, currency: "USD" } });
    expect(p.lines).toHaveLength(1);
    expect(p.lines[0]).toMatchObject({ kind: "principal", settlementId: payout.id, amount: { amountMinor: 1100, currency: "USD" }, raw: { balance_transaction: "txn_1PgaxNB7WZ01zgkWEV3TLf40", source: "ch_1PgafuB7WZ01zgkWXYmPNZs8" } });
    expect(p.lines.reduce((s, l) => s + l.amount.amountMinor, 0)).toBe(p.total.amountMinor);
  });
});
