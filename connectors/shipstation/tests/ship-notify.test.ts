import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ClassifiedError, IngressRejection } from "../../../pipeline/errors";
import { Shipment } from "../../../pipeline/model";
import type { InboundRequest } from "../../sdk/definition";
import type { ShipStationClient } from "../client";
import { ensureShipNotifySubscription, listSubscriptions, shipstation, webhookTargetUrl } from "../index";
import { startShipStationSandbox, type ShipStationSandbox } from "../sandbox";
import { canonicalOrder, deliveryContext } from "./support/canonical";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver";

const SEED = {
  currency: "USD",
  catalog: [
    { sku: "AB-12", title: "Alpine Bottle 12oz", priceMinor: 2400 },
    { sku: "CM-01", title: "Camp Mug", priceMinor: 1800 },
  ],
  stock: { "Reno DC": { "AB-12": 100, "CM-01": 50 } },
};

let sandbox: ShipStationSandbox;
let client: ShipStationClient;
let receiver: WebhookReceiver;
let secrets: ReturnType<NonNullable<typeof shipstation.webhookSecrets>>;

const webhooks = shipstation.webhooks!;

async function placeOrder() {
  const order = canonicalOrder();
  await shipstation.destinations!.create_order!.deliver(client, deliveryContext("order.created", order));
  return order;
}

beforeAll(async () => {
  sandbox = await startShipStationSandbox({ seed: SEED, rateLimitPerMinute: 1000 });
  const credentials = { ...sandbox.credentials, currency: "USD" };
  client = shipstation.createClient({ baseUrl: sandbox.url, credentials });
  secrets = shipstation.webhookSecrets!(credentials, { baseUrl: sandbox.url });
  receiver = await startWebhookReceiver((req) => webhooks.verify(req, secrets));
});

afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

beforeEach(() => {
  sandbox.reset();
  receiver.received.length = 0;
});

describe("SHIP_NOTIFY end to end", () => {
  it("subscribes once, with the token in the target URL, and health never shows the token", async () => {
    const first = await ensureShipNotifySubscription(client, receiver.url, sandbox.credentials.webhookToken);
    const again = await ensureShipNotifySubscription(client, receiver.url, sandbox.credentials.webhookToken);
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    const subs = await listSubscriptions(client);
    expect(subs).toEqual([{ id: first.id, event: "SHIP_NOTIFY", active: true, target: `${receiver.url}?token=%5Bredacted%5D`, name: "Loopkeeper SHIP_NOTIFY" }]);
    expect(JSON.stringify(subs)).not.toContain(sandbox.credentials.webhookToken);
  });

  it("ship → SHIP_NOTIFY to our receiver → fetchNotification gives the canonical shipment with tracking", async () => {
    await ensureShipNotifySubscription(client, receiver.url, sandbox.credentials.webhookToken);
    const order = await placeOrder();
    const shipped = await sandbox.ship(order.id, { carrierCode: "ups", serviceCode: "ups_ground", trackingNumber: "1Z999AA10123456784" });

    const [hit] = await receiver.waitFor(1);
    expect(hit!.status).toBe(202);
    expect(hit!.request.query.token).toBe(sandbox.credentials.webhookToken);
    const body = JSON.parse(hit!.request.rawBody);
    expect(body).toEqual({ resource_url: `${sandbox.url}/shipments?batchId=${shipped.batchId}&includeShipmentItems=False`, resource_type: "SHIP_NOTIFY" });

    const parsed = webhooks.parse(hit!.request);
    expect(parsed.kind).toBe("notifications");
    if (parsed.kind !== "notifications") return;
    const n = parsed.notifications[0]!;
    expect(n.sourceEventId).toBe(`batch:${shipped.batchId}`);

    const events = await shipstation.fetchNotification!(client, n);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.type).toBe("shipment.created");
    expect(e.sourceEventId).toBe(`shipment:${shipped.shipmentId}`);
    const shipment = Shipment.parse(e.data);
    expect(shipment).toMatchObject({
      id: `shipstation:${shipped.shipmentId}`,
      orderId: order.id,
      orderNumber: order.orderNumber,
      node: "Reno DC",
      carrier: "ups",
      service: "ups_ground",
      trackingNumber: "1Z999AA10123456784",
      shippingCost: { amountMinor: 450 + 125 * 3, currency: "USD" },
      // resource_url said includeShipmentItems=False; the lines are there anyway.
      lines: [{ sku: "AB-12", quantity: 2, lineId: "li-1" }, { sku: "CM-01", quantity: 1, lineId: "li-2" }],
    });
    // ShipStation stamped the label in Pacific time; read back as UTC it is "now", not 7-8 hours off.
    expect(Math.abs(Date.parse(shipment.shippedAt) - Date.now())).toBeLessThan(60_000);
    expect(e.occurredAt).toBe(shipment.shippedAt);
    expect(e.keys).toEqual({ orderNumber: order.orderNumber, skus: ["AB-12", "CM-01"] });

    const read = await shipstation.readers!.shipments!(client, new Date(Date.now() - 3_600_000).toISOString());
    expect(read).toEqual([shipment]);
  });

  it("a webhook with a wrong or missing token is refused with 401 bad_signature", async () => {
    sandbox.setWebhookTarget(webhookTargetUrl(receiver.url, "not-the-token-at-all"));
    try {
      const order = await placeOrder();
      await sandbox.ship(order.id);
      const [hit] = await receiver.waitFor(1);
      expect(hit).toMatchObject({ status: 401, reason: "bad_signature" });
    } finally {
      sandbox.setWebhookTarget(undefined);
    }
    const req: InboundRequest = { headers: {}, rawBody: JSON.stringify({ resource_url: `${sandbox.url}/shipments?batchId=1`, resource_type: "SHIP_NOTIFY" }), query: {} };
    expect(() => webhooks.verify(req, secrets)).toThrow(IngressRejection);
    expect(() => webhooks.verify(req, { ...secrets, webhookToken: "" })).toThrow(/token/);
  });

  describe("a resource_url off the API origin", () => {
    let elsewhere: Server;
    let elsewhereUrl: string;
    const hits: { authorization?: string }[] = [];

    beforeAll(async () => {
      elsewhere = createServer((req, res) => {
        hits.push({ authorization: req.headers.authorization });
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ shipments: [], total: 0, page: 1, pages: 0 }));
      });
      await new Promise<void>((r) => elsewhere.listen(0, "127.0.0.1", r));
      elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    });

    afterAll(() => new Promise<void>((r) => { elsewhere.closeAllConnections(); elsewhere.close(() => r()); }));

    it("is rejected at the ingress (422) and never fetched with our credentials", async () => {
      const raw = JSON.stringify({ resource_url: `${elsewhereUrl}/shipments?batchId=1`, resource_type: "SHIP_NOTIFY" });
      let caught: unknown;
      try {
        webhooks.verify({ headers: {}, rawBody: raw, query: { token: sandbox.credentials.webhookToken } }, secrets);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(IngressRejection);
      expect(caught).toMatchObject({ status: 422 });

      for (const url of [`${elsewhereUrl}/shipments?batchId=1`, `http://user:pw@${new URL(sandbox.url).host}/shipments`, "https://ssapi6.shipstation.com.evil.example/shipments"]) {
        await expect(shipstation.fetchNotification!(client, { sourceEventId: "x", resource: url, topic: "SHIP_NOTIFY" })).rejects.toBeInstanceOf(ClassifiedError);
      }
      expect(hits).toEqual([]);
    });

    it("is accepted on ShipStation's numbered production hosts only when configured for production", () => {
      const prod = shipstation.webhookSecrets!({ ...sandbox.credentials, currency: "USD" }, { baseUrl: "https://ssapi.shipstation.com" });
      const at = (resource_url: string) => ({ headers: {}, rawBody: JSON.stringify({ resource_url, resource_type: "SHIP_NOTIFY" }), query: { token: sandbox.credentials.webhookToken } });
      expect(() => webhooks.verify(at("https://ssapi6.shipstation.com/shipments?batchId=1"), prod)).not.toThrow();
      expect(() => webhooks.verify(at("http://ssapi6.shipstation.com/shipments?batchId=1"), prod)).toThrow(IngressRejection);
      expect(() => webhooks.verify(at("https://ssapi6.shipstation.com.evil.example/shipments"), prod)).toThrow(IngressRejection);
      expect(() => webhooks.verify(at("https://ssapi6.shipstation.com/shipments?batchId=1"), secrets)).toThrow(IngressRejection);
    });
  });

  it("malformed bodies are 400, bad shapes 422, other resource types ignored", () => {
    const req = (rawBody: string): InboundRequest => ({ headers: {}, rawBody, query: { token: sandbox.credentials.webhookToken } });
    expect(() => webhooks.parse(req("{not json"))).toThrow(expect.objectContaining({ status: 400, reasonCode: "malformed" }));
    expect(() => webhooks.parse(req(JSON.stringify({ resource_type: "SHIP_NOTIFY" })))).toThrow(expect.objectContaining({ status: 422, reasonCode: "schema_invalid" }));
    expect(webhooks.parse(req(JSON.stringify({ resource_url: `${sandbox.url}/orders?importBatch=1`, resource_type: "ORDER_NOTIFY" })))).toMatchObject({ kind: "ignored" });
  });

  it("a duplicated SHIP_NOTIFY carries the same ids, so the pipeline sees one shipment", async () => {
    await ensureShipNotifySubscription(client, receiver.url, sandbox.credentials.webhookToken);
    sandbox.faults.set({ webhooks: { duplicates: 1 } });
    const order = await placeOrder();
    await sandbox.ship(order.id);
    const hits = await receiver.waitFor(2);
    expect(hits.map((h) => h.status)).toEqual([202, 202]);
    const ids = hits.map((h) => webhooks.parse(h.request)).map((p) => (p.kind === "notifications" ? p.notifications[0]!.sourceEventId : ""));
    expect(ids[0]).toBe(ids[1]);
    const events = await Promise.all(hits.map((h) => { const p = webhooks.parse(h.request); return p.kind === "notifications" ? shipstation.fetchNotification!(client, p.notifications[0]!) : []; }));
    expect(events[0]!.map((e) => e.sourceEventId)).toEqual(events[1]!.map((e) => e.sourceEventId));
  });

  it("a dropped SHIP_NOTIFY is still found by the shipments reader", async () => {
    await ensureShipNotifySubscription(client, receiver.url, sandbox.credentials.webhookToken);
    sandbox.faults.set({ webhooks: { drop: 1 } });
    const order = await placeOrder();
    const since = new Date(Date.now() - 60_000).toISOString();
    const shipped = await sandbox.ship(order.id);
    expect(receiver.received).toHaveLength(0);
    expect(sandbox.sentWebhooks().map((w) => w.status)).toEqual(["dropped"]);
    const found = (await shipstation.readers!.shipments!(client, since)) as Shipment[];
    expect(found.map((s) => s.trackingNumber)).toEqual([shipped.trackingNumber]);
  });

  it("the control endpoint ships by order number and notifies", async () => {
    sandbox.setWebhookTarget(webhookTargetUrl(receiver.url, sandbox.credentials.webhookToken));
    try {
      const order = await placeOrder();
      const res = await fetch(`${sandbox.url}/_sandbox/ship`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ orderNumber: order.orderNumber, trackingNumber: "TRK-1" }) });
      expect(res.status).toBe(200);
      const [hit] = await receiver.waitFor(1);
      expect(hit!.status).toBe(202);
      const again = await fetch(`${sandbox.url}/_sandbox/ship`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ orderNumber: order.orderNumber }) });
      expect(again.status).toBe(409);
    } finally {
      sandbox.setWebhookTarget(undefined);
    }
  });
});

describe("auto-ship (the live demo world)", () => {
  it("ships each new awaiting_shipment order after the delay and sends SHIP_NOTIFY", async () => {
    const auto = await startShipStationSandbox({ seed: SEED, autoShipAfterMs: 50, webhookTarget: webhookTargetUrl(receiver.url, "ss-sandbox-webhook-token-0123456789") });
    const before = receiver.received.length;
    try {
      const c = shipstation.createClient({ baseUrl: auto.url, credentials: { ...auto.credentials, currency: "USD" } });
      const order = canonicalOrder();
      await shipstation.destinations!.create_order!.deliver(c, deliveryContext("order.created", order));
      const hits = await receiver.waitFor(before + 1);
      const hit = hits.at(-1)!;
      const autoSecrets = shipstation.webhookSecrets!({ ...auto.credentials, currency: "USD" }, { baseUrl: auto.url });
      expect(() => webhooks.verify(hit.request, autoSecrets)).not.toThrow();
      expect((await c.findOrderByKey(order.id, order.orderNumber))!.orderStatus).toBe("shipped");
    } finally {
      await auto.close();
    }
  });
});
