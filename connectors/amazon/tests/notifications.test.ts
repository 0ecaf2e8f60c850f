import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { IngressRejection } from "../../../pipeline/errors";
import { Order } from "../../../pipeline/model";
import { readFixture } from "../../../pipeline/testing/fixtures";
import type { InboundRequest } from "../../sdk/definition";
import { AmazonClient } from "../client";
import { amazonConnector } from "../index";
import { fetchOrderNotification, parseNotification, verifyRelayToken } from "../notifications";
import { ordersPoller } from "../orders-poller";
import { startAmazonSandbox, type AmazonSandbox } from "../sandbox";

const fixture = readFixture("amazon/notifications/ORDER_CHANGE.example.json");
const TOKEN = "relay-token-for-tests-0123456789";
const req = (rawBody: string, headers: Record<string, string> = { "x-relay-token": TOKEN }): InboundRequest => ({ headers, rawBody, query: {} });

describe("relay verification (X-Relay-Token)", () => {
  it("accepts the shared token and rejects a missing, wrong or differently sized one with 401", () => {
    expect(() => verifyRelayToken(req(fixture), { relayToken: TOKEN })).not.toThrow();
    const variants: Record<string, string>[] = [{}, { "x-relay-token": "relay-token-for-tests-0123456788" }, { "x-relay-token": "short" }, { "x-relay-token": TOKEN + "x" }];
    for (const headers of variants) {
      try {
        verifyRelayToken(req(fixture, headers), { relayToken: TOKEN });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(IngressRejection);
        expect(e).toMatchObject({ status: 401, reasonCode: "bad_signature" });
      }
    }
  });

  it("is what the connector definition exposes, with the secret from the credentials", () => {
    expect(amazonConnector.webhookSecrets!({ relayToken: TOKEN } as any)).toEqual({ relayToken: TOKEN });
    expect(() => amazonConnector.webhooks!.verify(req(fixture, { "x-relay-token": "nope" }), { relayToken: TOKEN })).toThrow(IngressRejection);
  });
});

describe("ORDER_CHANGE parsing", () => {
  it("turns the fixture into a notification pointing at the order", () => {
    expect(parseNotification(req(fixture))).toEqual({
      kind: "notifications",
      notifications: [{ sourceEventId: "d0e9e693-c3ad-4373-979f-ed4ec98dd746", resource: "orders/v0/orders/903-8868176-2219830", topic: "ORDER_CHANGE" }],
    });
  });

  it("unwraps an EventBridge event whose detail is the notification", () => {
    const event = JSON.stringify({ version: "0", id: "e1", "detail-type": "ORDER_CHANGE", source: "aws.partner/sellingpartnerapi.amazon.com", detail: JSON.parse(fixture) });
    expect(parseNotification(req(event))).toMatchObject({ kind: "notifications", notifications: [{ resource: "orders/v0/orders/903-8868176-2219830" }] });
  });

  it("ignores other types and Pending orders; rejects malformed bodies with the failing field", () => {
    const other = { ...JSON.parse(fixture), NotificationType: "FBA_INVENTORY_AVAILABILITY_CHANGES" };
    expect(parseNotification(req(JSON.stringify(other)))).toMatchObject({ kind: "ignored" });
    const pending = JSON.parse(fixture);
    pending.Payload.OrderChangeNotification.Summary.OrderStatus = "Pending";
    expect(parseNotification(req(JSON.stringify(pending)))).toMatchObject({ kind: "ignored", reason: expect.stringContaining("Pending") });
    expect(() => parseNotification(req("{not json"))).toThrow(expect.objectContaining({ status: 400, reasonCode: "malformed" }));
    const noOrder = JSON.parse(fixture);
    delete noOrder.Payload.OrderChangeNotification.AmazonOrderId;
    expect(() => parseNotification(req(JSON.stringify(noOrder)))).toThrow(expect.objectContaining({ status: 422, message: expect.stringContaining("AmazonOrderId") }));
    expect(() => parseNotification(req("{}"))).toThrow(expect.objectContaining({ status: 422 }));
  });
});

describe("notifications from the sandbox, through a relay-shaped POST, to canonical events", () => {
  const FAST = { rate: 500, burst: 500 };
  let sandbox: AmazonSandbox;
  let client: AmazonClient;
  let receiver: Server;
  let received: InboundRequest[] = [];

  beforeAll(async () => {
    receiver = createServer((r, res) => {
      const chunks: Buffer[] = [];
      r.on("data", (c: Buffer) => chunks.push(c));
      r.on("end", () => {
        received.push({ headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)])), rawBody: Buffer.concat(chunks).toString("utf8"), query: {} });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    sandbox = await startAmazonSandbox({ rateLimits: { getOrder: FAST, getOrderItems: FAST, getOrders: FAST } });
    sandbox.setNotificationTarget(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/amazon`);
    client = new AmazonClient({ baseUrl: sandbox.url, credentials: sandbox.credentials, usagePlans: { getOrder: FAST, getOrderItems: FAST, getOrders: FAST } });
  });
  afterAll(async () => {
    await sandbox.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });
  beforeEach(() => {
    received = [];
    sandbox.reset();
    sandbox.faults.reset();
  });

  async function deliveredEvents() {
    await sandbox.notificationsSettled();
    const out = [];
    for (const r of received) {
      amazonConnector.webhooks!.verify(r, amazonConnector.webhookSecrets!(sandbox.credentials));
      const parsed = amazonConnector.webhooks!.parse(r);
      if (parsed.kind !== "notifications") continue;
      for (const n of parsed.notifications) out.push(...(await amazonConnector.fetchNotification!(client, n)));
    }
    return out;
  }

  it("fetches the order named by ORDER_CHANGE: created, then cancelled", async () => {
    const order = sandbox.addOrder({ FulfillmentChannel: "MFN", items: [{ sku: "AB-12", quantity: 2 }, { sku: "CM-01" }] });
    let events = await deliveredEvents();
    expect(events.map((e) => [e.type, e.sourceEventId])).toEqual([["order.created", `${order.AmazonOrderId}@${order.LastUpdateDate}`]]);
    const canonical = Order.parse(events[0]!.data);
    expect(canonical.lines.map((l) => [l.sku, l.quantity])).toEqual([["AB-12", 2], ["CM-01", 1]]);
    expect(canonical.totals.total.amountMinor).toBe(canonical.totals.subtotal.amountMinor + canonical.totals.tax.amountMinor);

    received = [];
    sandbox.updateOrder(order.AmazonOrderId, { OrderStatus: "Canceled" });
    events = await deliveredEvents();
    expect(events.map((e) => e.type)).toEqual(["order.cancelled"]);
  });

  it("gives the same sourceEventId as the poller for the same version, so the two paths count once", async () => {
    const now = Date.now();
    sandbox.setClock(now);
    sandbox.addOrder({ PurchaseDate: new Date(now - 10 * 60_000).toISOString() });
    const fromNotification = await deliveredEvents();
    const poller = ordersPoller();
    const fromPoller = await poller.poll(client, poller.initialCursor(), new Date(now));
    expect(fromPoller.events.map((e) => e.sourceEventId)).toEqual(fromNotification.map((e) => e.sourceEventId));
    expect(fromPoller.events.map((e) => e.type)).toEqual(fromNotification.map((e) => e.type));
  });

  it("sends nothing for a Pending order and an update once FBM units are shipped", async () => {
    const pending = sandbox.addOrder({ OrderStatus: "Pending" });
    expect(await deliveredEvents()).toEqual([]);
    received = [];
    sandbox.updateOrder(pending.AmazonOrderId, { OrderStatus: "Shipped" });
    const events = await deliveredEvents();
    expect(events.map((e) => e.type)).toEqual(["order.updated"]);
    expect(await fetchOrderNotification(client, { sourceEventId: "x", resource: "not-an-order" })).toEqual([]);
  });

  it("delivers duplicates when the plan says so; they carry the same NotificationId", async () => {
    sandbox.faults.set({ webhooks: { duplicates: 1 } });
    sandbox.addOrder();
    await sandbox.notificationsSettled();
    expect(received).toHaveLength(2);
    const ids = received.map((r) => JSON.parse(r.rawBody).NotificationMetadata.NotificationId);
    expect(ids[0]).toBe(ids[1]);
    expect(received[0]!.headers["x-relay-token"]).toBe(sandbox.credentials.relayToken);
  });
});
