import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ClassifiedError } from "../../../pipeline/errors";
import { Payout as CanonicalPayout, Refund, type EventType } from "../../../pipeline/model";
import { connectorDefinition } from "../../registry";
import type { DeliveryContext, MappingLookup } from "../../sdk/definition";
import type { StripeClient } from "../client";
import { StripeCredentials, stripeConnector, type PayoutsCursor } from "../index";
import { startStripeSandbox, type StripeSandbox } from "../sandbox";
import { missedPayoutNotifications } from "../webhooks";

/** A stand-in for our ingress: records what the sandbox posts. */
interface Received {
  headers: Record<string, string>;
  rawBody: string;
}
let receiver: Server;
let received: Received[] = [];
let sandbox: StripeSandbox;
let client: StripeClient;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), rawBody: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  sandbox = await startStripeSandbox({ port: 0, webhookTarget: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/stripe` });
  client = stripeConnector.createClient({ baseUrl: sandbox.url, credentials: sandbox.credentials });
});
afterAll(async () => {
  await sandbox.close();
  await new Promise((r) => receiver.close(r));
});
beforeEach(async () => {
  await sandbox.drainWebhooks();
  await fetch(`${sandbox.url}/_sandbox/reset`, { method: "POST" });
  received = [];
});

const typeOf = (r: Received) => (JSON.parse(r.rawBody) as { type: string }).type;

describe("definition", () => {
  it("is registered under the key stripe with its declared capabilities", () => {
    expect(connectorDefinition("stripe")).toBe(stripeConnector);
    expect(stripeConnector).toMatchObject({
      id: "stripe",
      displayName: "Stripe",
      defaultBaseUrl: "https://api.stripe.com",
      ratePolicy: { concurrency: 10, perSecond: 25 },
      capabilities: { source: ["payout.settled"], destination: ["create_refund"], readers: ["payouts"] },
    });
    expect(Object.keys(stripeConnector.destinations!)).toEqual(["create_refund"]);
    expect(stripeConnector.destinations!.create_refund!.accepts).toEqual(["refund.created"]);
    expect(Object.keys(stripeConnector.pollers!)).toEqual(["payouts"]);
  });

  it("credentials: described fields, secrets marked, wrong key shapes rejected with a fix-it message", () => {
    expect(StripeCredentials.parse(sandbox.credentials)).toEqual(sandbox.credentials);
    for (const field of ["secretKey", "webhookSecret", "previousWebhookSecret"] as const) {
      const shape = StripeCredentials.shape[field];
      expect(shape.description).toBeTruthy();
      expect(shape.meta()).toMatchObject({ secret: true });
    }
    const bad = StripeCredentials.safeParse({ secretKey: "pk_test_123", webhookSecret: "nope" });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.message)).toEqual([
      "a Stripe secret key starts with sk_live_ or sk_test_ (rk_live_/rk_test_ for a restricted key)",
      "a webhook signing secret starts with whsec_",
    ]);
  });
});

describe("webhooks from the sandbox to an ingress", () => {
  it("payout.paid arrives signed, verifies, parses to a notification and fetches a payout.settled", async () => {
    sandbox.addCharge({ amount: 4_200, orderId: "7001" });
    sandbox.addCharge({ amount: 800, orderId: "7002" });
    const po = sandbox.createPayout();
    await sandbox.drainWebhooks();

    expect(received.map(typeOf)).toEqual(["charge.succeeded", "charge.succeeded", "payout.created", "payout.paid"]);
    const secrets = stripeConnector.webhookSecrets!(sandbox.credentials);
    const paid = received.find((r) => typeOf(r) === "payout.paid")!;
    expect(paid.headers["stripe-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const req = { headers: paid.headers, rawBody: paid.rawBody, query: {} };
    stripeConnector.webhooks!.verify(req, secrets);
    const parsed = stripeConnector.webhooks!.parse(req);
    expect(parsed.kind).toBe("notifications");
    if (parsed.kind !== "notifications") return;
    const [notification] = parsed.notifications;
    expect(notification).toEqual({ sourceEventId: JSON.parse(paid.rawBody).id, resource: po.id, topic: "payout.paid" });

    const events = await stripeConnector.fetchNotification!(client, notification!);
    expect(events).toHaveLength(1);
    const [ev] = events;
    expect(ev).toMatchObject({ type: "payout.settled", sourceEventId: po.id, occurredAt: new Date(po.arrival_date * 1000).toISOString() });
    const payout = CanonicalPayout.parse(ev!.data);
    expect(payout.lines.reduce((s, l) => s + l.amount.amountMinor, 0)).toBe(po.amount);
    expect(payout.lines.filter((l) => l.kind === "principal").map((l) => l.orderId)).toEqual(["7001", "7002"]);

    for (const other of received.filter((r) => typeOf(r) !== "payout.paid")) {
      stripeConnector.webhooks!.verify({ headers: other.headers, rawBody: other.rawBody, query: {} }, secrets);
      expect(stripeConnector.webhooks!.parse({ headers: other.headers, rawBody: other.rawBody, query: {} }).kind).toBe("ignored");
    }
  });

  it("fetchNotification emits nothing for a payout that is not paid (in transit, or failed)", async () => {
    sandbox.addCharge({ amount: 1_000 });
    const po = sandbox.createPayout({ status: "in_transit" });
    expect(await stripeConnector.fetchNotification!(client, { sourceEventId: "evt_x", resource: po.id, topic: "payout.updated" })).toEqual([]);
    sandbox.setPayoutStatus(po.id, "failed");
    expect(await stripeConnector.fetchNotification!(client, { sourceEventId: "evt_y", resource: po.id, topic: "payout.failed" })).toEqual([]);
  });

  it("while the endpoint secret rolls, webhooks carry two v1 signatures and both the old and the new credentials verify them", async () => {
    const before = { ...sandbox.credentials };
    const after = sandbox.rotateWebhookSecret();
    try {
      sandbox.addCharge({ amount: 1_000 });
      await sandbox.drainWebhooks();
      const r = received.at(-1)!;
      expect(r.headers["stripe-signature"]!.match(/v1=/g)).toHaveLength(2);
      const req = { headers: r.headers, rawBody: r.rawBody, query: {} };
      expect(() => stripeConnector.webhooks!.verify(req, stripeConnector.webhookSecrets!(before))).not.toThrow();
      expect(() => stripeConnector.webhooks!.verify(req, stripeConnector.webhookSecrets!(after))).not.toThrow();
      expect(() => stripeConnector.webhooks!.verify(req, stripeConnector.webhookSecrets!({ ...after, webhookSecret: "whsec_unrelated", previousWebhookSecret: undefined }))).toThrow(/does not match/);

      sandbox.expirePreviousWebhookSecret();
      sandbox.addCharge({ amount: 1_000 });
      await sandbox.drainWebhooks();
      const last = received.at(-1)!;
      const lastReq = { headers: last.headers, rawBody: last.rawBody, query: {} };
      expect(() => stripeConnector.webhooks!.verify(lastReq, stripeConnector.webhookSecrets!(before))).toThrow(/does not match/);
      expect(() => stripeConnector.webhooks!.verify(lastReq, stripeConnector.webhookSecrets!({ ...after, previousWebhookSecret: undefined }))).not.toThrow();
    } finally {
      sandbox.credentials.webhookSecret = before.webhookSecret;
      delete sandbox.credentials.previousWebhookSecret;
    }
  });

  it("a duplicated delivery carries the same event id, the sourceEventId the pipeline dedupes", async () => {
    sandbox.addCharge({ amount: 1_000 });
    await sandbox.drainWebhooks();
    received = [];
    sandbox.faults.set({ webhooks: { duplicates: 2 } });
    sandbox.createPayout();
    await sandbox.drainWebhooks();
    const paid = received.filter((r) => typeOf(r) === "payout.paid");
    expect(paid).toHaveLength(2);
    const ids = paid.map((r) => {
      const p = stripeConnector.webhooks!.parse({ headers: r.headers, rawBody: r.rawBody, query: {} });
      return p.kind === "notifications" ? p.notifications[0]!.sourceEventId : undefined;
    });
    expect(ids[0]).toBeDefined();
    expect(ids[0]).toBe(ids[1]);
  });

  it("missed webhooks are recovered from GET /v1/events as the same notifications", async () => {
    sandbox.addCharge({ amount: 1_000 });
    const po = sandbox.createPayout();
    const notes = await missedPayoutNotifications(client, po.created - 1);
    const paidEvent = sandbox.state.events.find((e) => e.type === "payout.paid")!;
    expect(notes).toEqual([{ sourceEventId: paidEvent.id, resource: po.id, topic: "payout.paid" }]);
  });
});

describe("pollers.payouts and readers.payouts", () => {
  const poller = () => stripeConnector.pollers!.payouts!;

  it("emits each paid payout once, keeps the cursor at a payout still in transit, and emits it when it lands", async () => {
    sandbox.addCharge({ amount: 2_000, orderId: "8001" });
    const paid = sandbox.createPayout();
    sandbox.addCharge({ amount: 3_000, orderId: "8002" });
    const moving = sandbox.createPayout({ status: "in_transit" });

    const start = poller().initialCursor() as PayoutsCursor;
    expect(start).toEqual({ since: null, emitted: [] });
    const first = await poller().poll(client, start, new Date());
    expect(first.events.map((e) => [e.type, e.sourceEventId])).toEqual([["payout.settled", paid.id]]);
    expect(first.cursor.since).toBe(moving.created);

    const second = await poller().poll(client, first.cursor, new Date());
    expect(second.events).toEqual([]);

    sandbox.setPayoutStatus(moving.id, "paid");
    const third = await poller().poll(client, second.cursor, new Date());
    expect(third.events.map((e) => e.sourceEventId)).toEqual([moving.id]);
    const settled = CanonicalPayout.parse(third.events[0]!.data);
    expect(settled.lines.find((l) => l.kind === "principal")).toMatchObject({ orderId: "8002", amount: { amountMinor: 3_000 } });

    const fourth = await poller().poll(client, third.cursor, new Date());
    expect(fourth.events).toEqual([]);
  });

  it("the reader returns paid payouts since a date, itemised, oldest first", async () => {
    sandbox.addCharge({ amount: 1_500, orderId: "8101" });
    const a = sandbox.createPayout();
    sandbox.addCharge({ amount: 2_500, orderId: "8102" });
    sandbox.createPayout({ status: "in_transit" });
    sandbox.addCharge({ amount: 3_500, orderId: "8103" });
    const c = sandbox.createPayout();
    const since = new Date((a.created - 5) * 1000).toISOString();
    const payouts = (await stripeConnector.readers!.payouts!(client, since)) as CanonicalPayout[];
    expect(payouts.map((p) => p.id)).toEqual([a.id, c.id]);
    expect(payouts.map((p) => p.lines.find((l) => l.kind === "principal")?.orderId)).toEqual(["8101", "8103"]);
  });
});

describe("destinations.create_refund", () => {
  const action = () => stripeConnector.destinations!.create_refund!;
  const noMappings: MappingLookup = { get: async () => undefined };

  function ctx(refund: Partial<Refund>, idempotencyKey: string, mappings: MappingLookup = noMappings): DeliveryContext {
    const data = Refund.parse({
      id: "rf_1",
      orderId: "9001",
      orderNumber: "#9001",
      channel: "shopify",
      createdAt: "2026-11-27T12:00:00.000Z",
      reason: "Customer changed their mind",
      lines: [{ sku: "AB-12", quantity: 1, amount: { amountMinor: 2_400, currency: "USD" } }],
      total: { amountMinor: 2_400, currency: "USD" },
      ...refund,
    });
    return {
      event: { id: "ev_1", type: "refund.created" as EventType, data, keys: { skus: ["AB-12"] }, correlationId: "corr_1", source: { connector: "shopify", eventId: "shp_1" } },
      action: "create_refund",
      idempotencyKey,
      attemptNo: 1,
      refetch: false,
      priorResults: {},
      mappings,
      settings: {},
    } as DeliveryContext;
  }

  it("refunds the order's charge once under the pipeline's key; a retry is an idempotent replay and lookupExisting finds it", async () => {
    const ch = sandbox.addCharge({ amount: 4_800, orderId: "9001" });
    const c = ctx({}, "evt_1:stripe:create_refund");
    const first = await action().deliver(client, c);
    const retry = await action().deliver(client, { ...c, attemptNo: 2 });
    expect(first.externalId).toMatch(/^re_/);
    expect(retry.externalId).toBe(first.externalId);
    expect(first.summary).toBe(`refunded 24.00 USD of charge ${ch.id} for order #9001`);
    expect(retry.summary).toMatch(/\(idempotent replay\)$/);
    expect(sandbox.state.refunds).toHaveLength(1);
    expect(sandbox.state.refunds[0]).toMatchObject({
      amount: 2_400,
      charge: ch.id,
      reason: "requested_by_customer",
      metadata: { loopkeeper_key: "evt_1:stripe:create_refund", order_id: "9001", order_number: "#9001", loopkeeper_refund_id: "rf_1" },
    });
    expect(await action().lookupExisting!(client, c)).toBe(first.externalId);
    expect(await action().lookupExisting!(client, ctx({}, "another-key"))).toBeUndefined();
  });

  it("a pipeline key longer than Stripe's 255 characters is sent as its hash, consistently", async () => {
    sandbox.addCharge({ amount: 4_800, orderId: "9001" });
    const long = ctx({}, `evt_${"x".repeat(300)}`);
    const first = await action().deliver(client, long);
    const again = await action().deliver(client, long);
    expect(again.externalId).toBe(first.externalId);
    expect(again.summary).toMatch(/idempotent replay/);
    expect(sandbox.state.refunds[0]!.metadata.loopkeeper_key).toMatch(/^lk_[0-9a-f]{64}$/);
    expect(await action().lookupExisting!(client, long)).toBe(first.externalId);
  });

  it("uses a charge mapping before searching", async () => {
    sandbox.addCharge({ amount: 5_000, orderId: "9001" });
    const mapped = sandbox.addCharge({ amount: 5_000 });
    const mappings: MappingLookup = { get: async (kind, key) => (kind === "charge" && key === "#9001" ? mapped.id : undefined) };
    await action().deliver(client, ctx({}, "k-mapped", mappings));
    expect(sandbox.state.refunds[0]!.charge).toBe(mapped.id);
  });

  it("the same key with a different amount is permanent (Stripe idempotency_error)", async () => {
    sandbox.addCharge({ amount: 9_000, orderId: "9001" });
    await action().deliver(client, ctx({}, "k-changed"));
    const changed = ctx({ total: { amountMinor: 2_500, currency: "USD" } }, "k-changed");
    await expect(action().deliver(client, changed)).rejects.toMatchObject({ errorClass: "permanent", code: "idempotency_error" });
  });

  it("an order not paid through Stripe, or in another currency, is a validation error naming the field", async () => {
    await expect(action().deliver(client, ctx({ orderId: "nope", orderNumber: "#nope" }, "k-none"))).rejects.toMatchObject({ errorClass: "validation", field: "orderId", reason: "no_stripe_charge" });
    sandbox.addCharge({ amount: 9_000, orderId: "9001", currency: "eur" });
    const e = await action().deliver(client, ctx({}, "k-cur")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ClassifiedError);
    expect(e).toMatchObject({ errorClass: "validation", field: "total.currency" });
  });

  it("a refund that already carries a Stripe refund id is not sent again", async () => {
    const r = await action().deliver(client, ctx({ externalIds: { stripe: "re_existing" } }, "k-existing"));
    expect(r.externalId).toBe("re_existing");
    expect(sandbox.state.refunds).toHaveLength(0);
  });
});
