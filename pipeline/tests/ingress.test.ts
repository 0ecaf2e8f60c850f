import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { desc, eq } from "drizzle-orm";
import { loadConfig } from "../config";
import { quarantine, rawPayloads, events } from "../db/schema";
import { Runtime } from "../runtime";
import { saveConnectorInstance } from "../connector-instances";
import { InProcessTransport } from "../queue/in-process";
import { openPgliteTestStore, type TestStore } from "../testing/backends";
import { startIngressServer } from "../testing/ingress-server";
import { readFixture } from "../testing/fixtures";
import { signShopifyWebhook } from "../../connectors/shopify/webhooks";

const SECRET = "ingress-test-secret";

describe("webhook ingress: bad input gets a clear 4xx and loses nothing", () => {
  let store: TestStore;
  let rt: Runtime;
  let ingress: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    store = await openPgliteTestStore();
    rt = await Runtime.open({ config: loadConfig({ LOOPKEEPER_DATA_DIR: mkdtempSync(join(tmpdir(), "lk-ingress-")) }), store, transport: new InProcessTransport() });
    await saveConnectorInstance(store, rt.config.secretKey, { id: "shopify", connectorType: "shopify", baseUrl: "http://127.0.0.1:9", credentials: { shopDomain: "example.myshopify.com", accessToken: "shpat_x", apiSecret: SECRET } });
    await rt.reload();
    ingress = await startIngressServer(() => rt);
  });
  afterAll(async () => {
    await ingress?.close();
    await rt?.halt();
    await store?.dispose().catch(() => {});
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${ingress.url}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  const shopifyHeaders = (body: string, eventId: string, secret = SECRET) => ({
    "x-shopify-topic": "orders/create",
    "x-shopify-hmac-sha256": signShopifyWebhook(body, secret),
    "x-shopify-shop-domain": "example.myshopify.com",
    "x-shopify-event-id": eventId,
    "x-shopify-webhook-id": `wh-${eventId}`,
    "x-shopify-triggered-at": "2026-11-27T10:00:00.000Z",
  });
  const lastQuarantined = async () => (await store.db.select().from(quarantine).orderBy(desc(quarantine.receivedAt)).limit(1))[0];

  it("accepts a signed order with 202, keeps the raw body, and records a repeat as a duplicate", async () => {
    const body = readFixture("shopify", "webhooks", "orders-create.docs-2026-04.json");
    const res = await post("/api/webhooks/shopify", body, shopifyHeaders(body, "evt-1"));
    expect(res.status).toBe(202);
    const json = (await res.json()) as { accepted: number; eventIds: string[] };
    expect(json.accepted).toBe(1);
    const [ev] = await store.db.select().from(events).where(eq(events.id, json.eventIds[0]!));
    expect(ev).toMatchObject({ type: "order.created", sourceConnector: "shopify", sourceEventId: "evt-1" });
    const [raw] = await store.db.select().from(rawPayloads).where(eq(rawPayloads.id, ev!.rawPayloadId!));
    expect(raw!.body).toBe(body);
    const again = await post("/api/webhooks/shopify", body, shopifyHeaders(body, "evt-1"));
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it("rejects a bad signature with 401 and quarantines the body", async () => {
    const body = readFixture("shopify", "webhooks", "orders-create.docs-2026-04.json");
    const res = await post("/api/webhooks/shopify", body, shopifyHeaders(body, "evt-2", "wrong-secret"));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "bad_signature", quarantined: true });
    const q = await lastQuarantined();
    expect(q).toMatchObject({ connector: "shopify", reasonCode: "bad_signature", body });
  });

  it("rejects malformed JSON with 400 and quarantines it", async () => {
    const body = '{"id": 1, "line_items": [';
    const res = await post("/api/webhooks/shopify", body, shopifyHeaders(body, "evt-3"));
    expect(res.status).toBe(400);
    expect((await lastQuarantined())!).toMatchObject({ reasonCode: "malformed", body });
  });

  it("rejects a schema-invalid payload with 422 naming the field", async () => {
    const order = JSON.parse(readFixture("shopify", "webhooks", "orders-create.docs-2026-04.json"));
    order.line_items[0].sku = null;
    const body = JSON.stringify(order);
    const res = await post("/api/webhooks/shopify", body, shopifyHeaders(body, "evt-4"));
    expect(res.status).toBe(422);
    const json = (await res.json()) as { reason: string };
    expect(json.reason).toMatch(/sku/i);
    expect((await lastQuarantined())!).toMatchObject({ reasonCode: "schema_invalid", body });
  });

  it("rejects an unknown connector with 404 and quarantines the body", async () => {
    const res = await post("/api/webhooks/nosuch", '{"a":1}');
    expect(res.status).toBe(404);
    expect((await lastQuarantined())!).toMatchObject({ connector: "nosuch", reasonCode: "unknown_connector", body: '{"a":1}' });
  });

  it("answers 503 when the database is unreachable, so the sender retries", async () => {
    const body = readFixture("shopify", "webhooks", "orders-create.docs-2026-04.json");
    await store.close();
    const res = await post("/api/webhooks/shopify", body, shopifyHeaders(body, "evt-5"));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { reason: string }).reason).toMatch(/unavailable/);
  });
});

describe("quarantine replay", () => {
  it("accepts a payload for a connection that did not exist yet once it does, and only once", async () => {
    const { replayQuarantined } = await import("../quarantine-replay");
    const store = await openPgliteTestStore();
    const rt = await Runtime.open({ config: loadConfig({ LOOPKEEPER_DATA_DIR: mkdtempSync(join(tmpdir(), "lk-qr-")) }), store, transport: new InProcessTransport() });
    const ingress = await startIngressServer(() => rt);
    try {
      const body = readFixture("shopify", "webhooks", "orders-create.docs-2026-04.json");
      const headers = { "content-type": "application/json", "x-shopify-topic": "orders/create", "x-shopify-hmac-sha256": signShopifyWebhook(body, SECRET), "x-shopify-event-id": "evt-q1", "x-shopify-triggered-at": "2026-11-27T10:00:00.000Z" };
      const res = await fetch(`${ingress.url}/api/webhooks/shop-eu?token=abc123`, { method: "POST", body, headers });
      expect(res.status).toBe(404);
      const [q] = await store.db.select().from(quarantine);
      expect(q!.headers[":query"]).toBe("token=[REDACTED]");
      expect((await replayQuarantined(rt, q!.id)).status).toBe(404);
      await saveConnectorInstance(store, rt.config.secretKey, { id: "shop-eu", connectorType: "shopify", baseUrl: "http://127.0.0.1:9", credentials: { shopDomain: "eu.myshopify.com", accessToken: "shpat_x", apiSecret: SECRET } });
      await rt.reload();
      const replay = await replayQuarantined(rt, q!.id);
      expect(replay).toMatchObject({ status: 202, replayed: true });
      const [after] = await store.db.select().from(quarantine).where(eq(quarantine.id, q!.id));
      expect(after!.replayedEventId).toBe((replay.body.eventIds as string[])[0]);
      expect((await replayQuarantined(rt, q!.id)).status).toBe(409);
    } finally {
      await ingress.close();
      await rt.halt();
      await store.dispose();
    }
  });
});
