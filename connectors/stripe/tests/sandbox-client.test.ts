import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ClassifiedError } from "../../../pipeline/errors";
import { Payout as CanonicalPayout } from "../../../pipeline/model";
import { readFixtureJson } from "../../../pipeline/testing/fixtures";
import { StripeClient } from "../client";
import { stripeConnector } from "../index";
import { loadCanonicalPayout } from "../load-payout";
import { parseStripeForm, startStripeSandbox, type StripeSandbox } from "../sandbox";

let sandbox: StripeSandbox;
let client: StripeClient;

beforeAll(async () => {
  sandbox = await startStripeSandbox({ port: 0 });
  client = stripeConnector.createClient({ baseUrl: sandbox.url, credentials: sandbox.credentials });
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  const res = await fetch(`${sandbox.url}/_sandbox/reset`, { method: "POST" });
  expect(res.status).toBe(200);
});

async function failure(p: Promise<unknown>): Promise<ClassifiedError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ClassifiedError);
    return e as ClassifiedError;
  }
  throw new Error("expected the call to fail");
}

/** A raw form-encoded request, as the SDK sends it, to compare bodies and headers byte for byte. */
function raw(path: string, init: { method?: string; body?: string; key?: string; idempotencyKey?: string } = {}) {
  return fetch(`${sandbox.url}${path}`, {
    method: init.method ?? (init.body ? "POST" : "GET"),
    headers: {
      authorization: `Bearer ${init.key ?? sandbox.credentials.secretKey}`,
      ...(init.body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      ...(init.idempotencyKey ? { "idempotency-key": init.idempotencyKey } : {}),
    },
    body: init.body,
  });
}

describe("the client against the sandbox over HTTP", () => {
  it("testConnection reads the balance", async () => {
    sandbox.addCharge({ amount: 1_000, orderId: "1" });
    const r = await stripeConnector.testConnection(client);
    expect(r).toEqual({ ok: true, detail: "Stripe balance readable: available 9.41 USD; pending 0.00 USD" });
  });

  it("lists every payout across pages (limit + starting_after), newest first", async () => {
    for (let i = 0; i < 5; i++) {
      sandbox.addCharge({ amount: 1_000 + i, orderId: `p${i}` });
      sandbox.createPayout();
    }
    const firstPage = await (await raw("/v1/payouts?limit=2")).json();
    expect(firstPage).toMatchObject({ object: "list", has_more: true, url: "/v1/payouts" });
    expect(firstPage.data).toHaveLength(2);

    const all = await client.listPayouts({ pageSize: 2 });
    expect(all.map((p) => p.id)).toEqual([...sandbox.state.payouts].reverse().map((p) => p.id));
    expect(new Set(all.map((p) => p.id)).size).toBe(5);
  });

  it("reads a payout and its expanded balance transactions into canonical lines that sum to the payout exactly", async () => {
    const a = sandbox.addCharge({ amount: 25_000, orderId: "1001", fees: [{ amount: 755, description: "Stripe processing fees" }, { amount: 125, type: "application_fee", description: "Platform fee" }] });
    sandbox.addCharge({ amount: 1_999, orderId: "1002" });
    sandbox.addRefund({ charge: a.id, amount: 5_000 });
    sandbox.addAdjustment({ amount: -250, description: "Radar screening fee correction" });
    const po = sandbox.createPayout();

    const txns = await client.listPayoutTransactions(po.id, { pageSize: 2 });
    expect(txns).toHaveLength(5);
    expect(txns.find((t) => t.type === "charge" && typeof t.source === "object")).toBeDefined();

    const payout = CanonicalPayout.parse(await loadCanonicalPayout(client, po.id));
    expect(payout.total).toEqual({ amountMinor: po.amount, currency: "USD" });
    expect(payout.lines.reduce((s, l) => s + l.amount.amountMinor, 0)).toBe(po.amount);
    expect(payout.lines.map((l) => [l.kind, l.amount.amountMinor, l.orderId]).sort()).toEqual(
      [
        ["principal", 25_000, "1001"],
        ["fee", -755, "1001"],
        ["fee", -125, "1001"],
        ["principal", 1_999, "1002"],
        ["fee", -88, "1002"],
        ["refund", -5_000, "1001"],
        ["adjustment", -250, undefined],
      ].sort(),
    );
    expect(payout.depositDate).toMatch(/Z$/);
  });

  it("gives a refund that settles in a later payout the order of its earlier charge", async () => {
    const a = sandbox.addCharge({ amount: 8_000, orderId: "3001" });
    sandbox.createPayout();
    sandbox.addCharge({ amount: 9_000, orderId: "3002" });
    sandbox.addRefund({ charge: a.id, amount: 1_000 });
    const later = sandbox.createPayout();
    const payout = await loadCanonicalPayout(client, later.id);
    expect(payout.lines.find((l) => l.kind === "refund")).toMatchObject({ orderId: "3001", amount: { amountMinor: -1_000 } });
  });

  it("creates a refund once for one Idempotency-Key and replays it with Idempotent-Replayed: true", async () => {
    const ch = sandbox.addCharge({ amount: 5_000, orderId: "4001" });
    const params = { charge: ch.id, amount: 1_500, metadata: { loopkeeper_key: "key-4001", order_id: "4001" } };
    const first = await client.createRefund(params, "key-4001");
    const second = await client.createRefund(params, "key-4001");
    expect(first.replayed).toBe(false);
    expect(second.replayed).toBe(true);
    expect(second.refund).toEqual(first.refund);
    expect(sandbox.state.refunds).toHaveLength(1);
    expect(sandbox.state.charges[0]!.amount_refunded).toBe(1_500);
    const created = sandbox.state.events.find((e) => e.type === "refund.created");
    expect(created?.request).toEqual({ id: first.requestId, idempotency_key: "key-4001" });
  });

  it("answers the same key with other parameters with the fixture's idempotency_error, classified permanent", async () => {
    const ch = sandbox.addCharge({ amount: 5_000, orderId: "4002" });
    await client.createRefund({ charge: ch.id, amount: 1_000 }, "key-4002");
    const e = await failure(client.createRefund({ charge: ch.id, amount: 1_001 }, "key-4002"));
    expect(e.errorClass).toBe("permanent");
    expect(e.code).toBe("idempotency_error");
    expect(e.reason).toMatch(/Idempotency-Key/);
    expect(sandbox.state.refunds).toHaveLength(1);

    const res = await raw("/v1/refunds", { body: `charge=${ch.id}&amount=999`, idempotencyKey: "bad-idempotent-key-0" });
    expect(res.status).toBe(200);
    const again = await raw("/v1/refunds", { body: `charge=${ch.id}&amount=998`, idempotencyKey: "bad-idempotent-key-0" });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual(readFixtureJson("stripe/errors", "idempotency_error.400.json").body);
  });

  it("decodes Stripe's bracketed form bodies and rejects unknown parameters like Stripe", async () => {
    expect(parseStripeForm("amount=5&metadata[order_id]=1001&metadata[note]=a%20b&expand[0]=data.source&expand[]=x&created[gte]=10")).toEqual({
      amount: "5",
      metadata: { order_id: "1001", note: "a b" },
      expand: ["data.source", "x"],
      created: { gte: "10" },
    });
    const ch = sandbox.addCharge({ amount: 700, orderId: "5001" });
    const ok = await raw("/v1/refunds", { body: `charge=${ch.id}&amount=100&metadata[order_id]=5001&metadata[loopkeeper_key]=k` });
    expect((await ok.json()).metadata).toEqual({ order_id: "5001", loopkeeper_key: "k" });
    const unknown = await raw("/v1/refunds", { body: `charge=${ch.id}&amount_cents=100` });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error).toMatchObject({ type: "invalid_request_error", code: "parameter_unknown", param: "amount_cents" });
  });

  it("classifies refund validation failures on the parameter Stripe names", async () => {
    const ch = sandbox.addCharge({ amount: 1_000, orderId: "6001" });
    const tooMuch = await failure(client.createRefund({ charge: ch.id, amount: 1_001 }, "k-6001-a"));
    expect(tooMuch).toMatchObject({ errorClass: "validation", field: "amount" });
    const missing = await failure(client.createRefund({ charge: "ch_nope", amount: 1 }, "k-6001-b"));
    expect(missing).toMatchObject({ errorClass: "validation", field: "charge", reason: "resource_missing" });
    await client.createRefund({ charge: ch.id, amount: 1_000 }, "k-6001-c");
    const done = await failure(client.createRefund({ charge: ch.id, amount: 1 }, "k-6001-d"));
    expect(done).toMatchObject({ errorClass: "validation", field: "charge", reason: "charge_already_refunded" });
    // A rejected (400) request is not saved under its key: the corrected request may reuse it.
    const fixed = await client.createRefund({ charge: sandbox.addCharge({ amount: 2_000 }).id, amount: 1_001 }, "k-6001-a");
    expect(fixed.replayed).toBe(false);
  });

  it("rejects records configured in the fault plan with Stripe's 400 shape", async () => {
    const ch = sandbox.addCharge({ amount: 1_000, orderId: "6100" });
    sandbox.faults.set({ rejectRecords: { "6100": { field: "amount", message: "Refunds for this order are blocked" } } });
    const e = await failure(client.createRefund({ charge: ch.id, amount: 10 }, "k-6100"));
    expect(e).toMatchObject({ errorClass: "validation", field: "amount" });
    expect(e.message).toMatch(/blocked/);
  });
});

describe("faults, auth and transport errors through the SDK", () => {
  it("a 429 burst is rate_limited, with Stripe's real body, and the SDK does not retry on its own", async () => {
    sandbox.faults.set({ burst429: { count: 1 } });
    const e = await failure(client.retrieveBalance());
    expect(e.errorClass).toBe("rate_limited");
    expect(e.code).toBe("rate_limit");
    expect(e.retryAfterMs).toBeGreaterThan(0);
    expect(await client.retrieveBalance()).toMatchObject({ object: "balance" });
  });

  it("lock_timeout (429, invalid_request_error) is transient, and the body is the fixture's", async () => {
    sandbox.faults.set({ custom: { lockTimeouts: 2 } });
    const e = await failure(client.listPayouts());
    expect(e.errorClass).toBe("transient");
    expect(e.code).toBe("lock_timeout");
    expect(e.upstream?.headers?.["stripe-should-retry"]).toBe("true");
    const res = await raw("/v1/payouts");
    expect(res.status).toBe(429);
    const body = await res.json();
    const fixture = readFixtureJson("stripe/errors", "lock_timeout.429.json").body;
    expect({ ...body.error, request_log_url: undefined }).toEqual({ ...fixture.error, request_log_url: undefined });
  });

  it("5xx api_error is transient", async () => {
    sandbox.faults.set({ errors5xx: { count: 1, status: 500 } });
    const e = await failure(client.retrievePayout("po_any"));
    expect(e.errorClass).toBe("transient");
    expect(e.code).toBe("api_error");
  });

  it("a wrong secret key is auth (401 with Stripe's masked key), an expired one too", async () => {
    const wrong = stripeConnector.createClient({ baseUrl: sandbox.url, credentials: { ...sandbox.credentials, secretKey: "sk_test_wrongwrongwrong1234" } });
    const e = await failure(wrong.retrieveBalance());
    expect(e.errorClass).toBe("auth");
    expect(e.message).toContain("Invalid API Key provided: sk_test_***************1234");
    expect(e.message).not.toContain("wrongwrong");

    sandbox.faults.set({ expiredToken: true });
    const expired = await failure(client.retrieveBalance());
    expect(expired).toMatchObject({ errorClass: "auth", code: "api_key_expired" });
  });

  it("a timeout is transient", async () => {
    const impatient = stripeConnector.createClient({ baseUrl: sandbox.url, credentials: sandbox.credentials, timeoutMs: 150 });
    sandbox.faults.set({ timeouts: { count: 1, delayMs: 600 } });
    const e = await failure(impatient.retrieveBalance());
    expect(e.errorClass).toBe("transient");
  });

  it("an unknown resource is a Stripe-shaped 404 the classifier names", async () => {
    const e = await failure(client.retrievePayout("po_missing"));
    expect(e).toMatchObject({ errorClass: "validation", field: "id", reason: "resource_missing" });
    const res = await raw("/v1/nothing_here");
    expect(res.status).toBe(404);
    expect((await res.json()).error.type).toBe("invalid_request_error");
  });

  it("accepts a base URL with a path prefix (a proxy mount) by prefixing every request", async () => {
    let seen = "";
    const proxied = new StripeClient({
      baseUrl: "http://stripe-proxy.internal/stripe",
      secretKey: sandbox.credentials.secretKey,
      fetch: (input, init) => {
        const u = new URL(String(input));
        seen = u.pathname;
        return fetch(`${sandbox.url}${u.pathname.replace(/^\/stripe/, "")}${u.search}`, init);
      },
    });
    await proxied.retrieveBalance();
    expect(seen).toBe("/stripe/v1/balance");
  });
});

describe("sandbox control plane and secret hygiene", () => {
  it("drives the world over HTTP (/_sandbox/*) and never shows the secret key in its state", async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${sandbox.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json());
    const charge = await post("/_sandbox/charges", { amount: 3_000, orderId: "c-1" });
    expect(charge).toMatchObject({ object: "charge", amount: 3_000, metadata: { order_id: "c-1" } });
    await post("/_sandbox/refunds", { charge: charge.id, amount: 500 });
    const payout = await post("/_sandbox/payouts", { status: "in_transit" });
    expect(payout).toMatchObject({ object: "payout", status: "in_transit", amount: 3_000 - 117 - 500 });
    expect(await post(`/_sandbox/payouts/${payout.id}/status`, { status: "paid" })).toMatchObject({ status: "paid" });
    expect(await post("/_sandbox/refunds", { charge: "ch_missing" })).toEqual({ message: "sandbox: refund rejected: charge: No such charge: 'ch_missing'" });

    const state = await (await fetch(`${sandbox.url}/_sandbox/state`)).text();
    expect(JSON.parse(state).payouts[0].balance_transactions).toHaveLength(3);
    expect(state).not.toContain(sandbox.credentials.secretKey);
    expect(state).not.toContain(sandbox.credentials.webhookSecret);
  });

  it("the client keeps the secret key inside the SDK only: not inspectable, not serialisable", async () => {
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(sandbox.credentials.secretKey);
    expect(JSON.stringify(client)).not.toContain(sandbox.credentials.secretKey);
    const e = await failure(client.createRefund({ charge: "ch_x", amount: 0 }, "k"));
    expect(e).toMatchObject({ errorClass: "validation", field: "amount" });
  });
});

