import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ClassifiedError } from "../../../pipeline/errors";
import { InventoryLevel } from "../../../pipeline/model";
import type { ShipStationClient } from "../client";
import { shipstation, webhookTargetUrl } from "../index";
import { startShipStationSandbox, type ShipStationSandbox } from "../sandbox";
import { canonicalOrder, deliveryContext } from "./support/canonical";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver";

const SEED = {
  currency: "USD",
  catalog: [
    { sku: "AB-12", title: "Alpine Bottle 12oz", priceMinor: 2400 },
    { sku: "CM-01", title: "Camp Mug", priceMinor: 1800 },
    { sku: "TR-20", title: "Trail Rope 20m", priceMinor: 4500 },
  ],
  stock: { main: { "AB-12": 400, "CM-01": 250, "TR-20": 120 }, overflow: { "AB-12": 30 } },
};

let sandbox: ShipStationSandbox;
let client: ShipStationClient;
let receiver: WebhookReceiver;

const readInventory = async () => (await shipstation.readers!.inventory!(client)).map((l) => InventoryLevel.parse(l));
const level = (levels: InventoryLevel[], sku: string, location = "main") => levels.find((l) => l.sku === sku && l.location === location);

beforeAll(async () => {
  receiver = await startWebhookReceiver(() => undefined);
  sandbox = await startShipStationSandbox({ seed: SEED, rateLimitPerMinute: 1000 });
  client = shipstation.createClient({ baseUrl: sandbox.url, credentials: { ...sandbox.credentials, currency: "USD" } });
});

afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

beforeEach(() => {
  sandbox.reset();
  receiver.received.length = 0;
  sandbox.setWebhookTarget(webhookTargetUrl(receiver.url, sandbox.credentials.webhookToken));
});

describe("ShipStation inventory (v2, the 3PL's own counts)", () => {
  it("reads every SKU per warehouse, by warehouse name", async () => {
    const levels = await readInventory();
    expect(levels).toHaveLength(4);
    expect(level(levels, "AB-12")).toMatchObject({ onHand: 400, committed: 0, available: 400, system: "shipstation" });
    expect(level(levels, "AB-12", "overflow")).toMatchObject({ onHand: 30 });
    expect(levels.every((l) => l.asOf.endsWith("Z"))).toBe(true);
  });

  it("an order allocates, shipping takes the units out of the building", async () => {
    const order = canonicalOrder();
    await shipstation.destinations!.create_order!.deliver(client, deliveryContext("order.created", order));
    expect(level(await readInventory(), "AB-12")).toMatchObject({ onHand: 400, committed: 2, available: 398 });
    await sandbox.ship(order.id);
    expect(level(await readInventory(), "AB-12")).toMatchObject({ onHand: 398, committed: 0, available: 398 });
    expect(level(await readInventory(), "CM-01")).toMatchObject({ onHand: 249 });
  });

  it("a silent cycle-count drift changes only the sandbox's own count", async () => {
    const order = canonicalOrder();
    await shipstation.destinations!.create_order!.deliver(client, deliveryContext("order.created", order));
    const ordersBefore = JSON.stringify([...sandbox.state.orders.values()]);

    const row = sandbox.adjustInventory("AB-12", "main", -7, { silent: true });
    expect(row.onHand).toBe(393);

    expect(level(await readInventory(), "AB-12")).toMatchObject({ onHand: 393, committed: 2, available: 391 });
    // Nothing reports it: no webhook, no adjustment history, no order touched.
    expect(receiver.received).toHaveLength(0);
    expect(sandbox.sentWebhooks()).toHaveLength(0);
    expect(sandbox.state.adjustments).toEqual([]);
    expect(JSON.stringify([...sandbox.state.orders.values()])).toBe(ordersBefore);
  });

  it("a reported adjustment lands in the adjustment history, through the control endpoint too", async () => {
    const res = await fetch(`${sandbox.url}/_sandbox/inventory/adjust`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sku: "TR-20", warehouse: "main", delta: 10 }) });
    expect(await res.json()).toMatchObject({ sku: "TR-20", onHand: 130, available: 130 });
    expect(sandbox.state.adjustments).toEqual([expect.objectContaining({ sku: "TR-20", warehouse: "main", delta: 10, onHandAfter: 130 })]);
    const silent = await fetch(`${sandbox.url}/_sandbox/inventory/adjust`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sku: "TR-20", warehouse: "main", delta: -1, silent: true }) });
    expect(silent.status).toBe(200);
    expect(sandbox.state.adjustments).toHaveLength(1);
    expect(level(await readInventory(), "TR-20")).toMatchObject({ onHand: 129 });
  });

  it("follows v2 pagination links to the last page", async () => {
    const rows = await client.listInventory({ limit: 1 });
    expect(rows.map((r) => `${r.inventory_warehouse_id}/${r.sku}`)).toEqual(["se-1000/AB-12", "se-1000/CM-01", "se-1000/TR-20", "se-1001/AB-12"]);
    expect(await client.listInventory({ sku: "AB-12" })).toHaveLength(2);
  });

  it("without a v2 key inventory reads fail permanently; with a wrong one, as auth", async () => {
    const noV2 = shipstation.createClient({ baseUrl: sandbox.url, credentials: { ...sandbox.credentials, v2ApiKey: undefined, currency: "USD" } });
    await expect(shipstation.readers!.inventory!(noV2)).rejects.toMatchObject({ errorClass: "permanent", message: expect.stringContaining("v2ApiKey") });
    const wrong = shipstation.createClient({ baseUrl: sandbox.url, credentials: { ...sandbox.credentials, v2ApiKey: "wrong", currency: "USD" } });
    const e = await shipstation.readers!.inventory!(wrong).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ClassifiedError);
    expect(e).toMatchObject({ errorClass: "auth" });
  });

  it("v2 goes to api.shipstation.com in production and to the v1 origin elsewhere", () => {
    const prod = shipstation.createClient({ baseUrl: "https://ssapi.shipstation.com", credentials: { apiKey: "k", apiSecret: "s", webhookToken: "x".repeat(16), currency: "USD" } });
    expect(prod.v2BaseUrl).toBe("https://api.shipstation.com");
    expect(client.v2BaseUrl).toBe(sandbox.url);
    const proxied = shipstation.createClient({ baseUrl: sandbox.url, credentials: { apiKey: "k", apiSecret: "s", webhookToken: "x".repeat(16), v2BaseUrl: "https://v2.example.test", currency: "USD" } });
    expect(proxied.v2BaseUrl).toBe("https://v2.example.test");
  });
});
