import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ClassifiedError } from "../../../pipeline/errors";
import { readFixtureJson } from "../../../pipeline/testing/fixtures";
import { ShopifyClient } from "../client";
import { shopifyConnector } from "../index";
import { INVALID_TOKEN_BODY, REST_429_BODY, internalErrorBody, maxCostExceededBody, throttledBody } from "../sandbox/error-bodies";
import { startShopifySandbox, type ShopifySandbox } from "../sandbox/server";
import { postJson, startWebhookReceiver, type WebhookReceiver } from "./test-support";

const def = shopifyConnector;
let sandbox: ShopifySandbox;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startShopifySandbox({ webhookTarget: receiver.url });
});

afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

beforeEach(async () => {
  await postJson(`${sandbox.url}/_sandbox/reset`, {});
  receiver.clear();
});

const clientFor = (over: Partial<ConstructorParameters<typeof ShopifyClient>[0]> = {}) =>
  new ShopifyClient({ baseUrl: sandbox.url, accessToken: sandbox.credentials.accessToken, ...over });

async function failure(p: Promise<unknown>): Promise<ClassifiedError> {
  const e = await p.then(() => undefined, (err) => err);
  expect(e).toBeInstanceOf(ClassifiedError);
  return e as ClassifiedError;
}

describe("the sandbox answers with Shopify's real error bodies", () => {
  const fixture = (file: string) => readFixtureJson("shopify", "errors", file).body;

  it("matches the captured 401, REST 429 and GraphQL error shapes", () => {
    expect(INVALID_TOKEN_BODY).toEqual(fixture("rest-401-invalid-token.json"));
    expect(REST_429_BODY).toEqual(fixture("rest-429-call-limit-exceeded.json"));
    expect(throttledBody({ requestedQueryCost: 752, maximumAvailable: 1000, currentlyAvailable: 666, restoreRate: 50 })).toEqual(fixture("graphql-throttled.json"));
    expect(maxCostExceededBody(2003, 1000)).toEqual(fixture("graphql-max-cost-exceeded.json"));
    expect(internalErrorBody("1b355a21-7117-44c5-8d8b-8948082f40a8")).toEqual(fixture("graphql-internal-server-error.json"));
  });
});

describe("rate limits", () => {
  it("a 429 burst surfaces as rate_limited with the Retry-After wait", async () => {
    await postJson(`${sandbox.url}/_sandbox/faults`, { burst429: { count: 5, retryAfterSec: 30 } });
    const err = await failure(def.testConnection(def.createClient({ baseUrl: sandbox.url, credentials: sandbox.credentials })));
    expect(err.errorClass).toBe("rate_limited");
    expect(err.retryAfterMs).toBe(30_000);
    expect(err.upstream?.status).toBe(429);
  });

  it("a query waits out a short Retry-After itself; a mutation never retries", async () => {
    sandbox.faults.set({ burst429: { count: 1, retryAfterSec: 1 } });
    const started = Date.now();
    await expect(clientFor().shop()).resolves.toMatchObject({ name: "Loopkeeper Sandbox" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);

    sandbox.faults.set({ burst429: { count: 1, retryAfterSec: 1 } });
    const main = sandbox.state.locations[0]!;
    const variant = sandbox.state.variantBySku("AB-12")!;
    const err = await failure(clientFor().setAvailableQuantity({ inventoryItemId: variant.inventoryItemId, locationId: main.id, quantity: 5, idempotencyKey: "k-429" }));
    expect(err).toMatchObject({ errorClass: "rate_limited", retryAfterMs: 1000 });
    expect(sandbox.state.adjustments).toHaveLength(0);
  }, 15_000);

  it("GraphQL THROTTLED from the real bucket gives ceil((cost − available) / restoreRate) seconds", async () => {
    const small = await startShopifySandbox({ bucket: { maximumAvailable: 100, restoreRate: 10 } });
    try {
      const c = new ShopifyClient({ baseUrl: small.url, accessToken: small.credentials.accessToken, queryRetry: { attempts: 0, maxWaitMs: 0 }, maxPaceMs: 0 });
      await c.locations();
      expect(c.throttle).toMatchObject({ maximumAvailable: 100, restoreRate: 10 });
      small.bucket.drain();
      const err = await failure(c.locations());
      expect(err.errorClass).toBe("rate_limited");
      expect(err.code).toBe("THROTTLED");
      expect(err.retryAfterMs).toBe(6000); // locations(first: 50) costs 52; 52 / 10 per second
      const tooBig = await failure(c.listOrders("2020-01-01T00:00:00Z"));
      expect(tooBig).toMatchObject({ errorClass: "permanent", code: "MAX_COST_EXCEEDED" });
    } finally {
      await small.close();
    }
  });

  it("paces itself on the reported bucket instead of being throttled", async () => {
    const small = await startShopifySandbox({ bucket: { maximumAvailable: 100, restoreRate: 50 } });
    try {
      const c = new ShopifyClient({ baseUrl: small.url, accessToken: small.credentials.accessToken, queryRetry: { attempts: 0, maxWaitMs: 0 }, maxPaceMs: 5000 });
      await c.locations();
      small.bucket.drain();
      await failure(c.locations()); // learns the bucket is empty
      const started = Date.now();
      await expect(c.locations()).resolves.toHaveLength(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900); // 52 points at 50/s
    } finally {
      await small.close();
    }
  });

  it("answers a rate-limit fault as GraphQL THROTTLED when asked to", async () => {
    sandbox.faults.set({ burst429: { count: 1, retryAfterSec: 3 }, custom: { rateLimitStyle: "graphql" } });
    const err = await failure(clientFor({ queryRetry: { attempts: 0, maxWaitMs: 0 } }).shop());
    expect(err).toMatchObject({ errorClass: "rate_limited", code: "THROTTLED", retryAfterMs: 3000 });
  });
});

describe("auth and server faults", () => {
  it("an expired token is auth, with Shopify's 401 body", async () => {
    await postJson(`${sandbox.url}/_sandbox/faults`, { expiredToken: true });
    const err = await failure(clientFor().shop());
    expect(err.errorClass).toBe("auth");
    expect(err.upstream?.status).toBe(401);
    expect(JSON.parse(err.upstream!.body!)).toEqual(INVALID_TOKEN_BODY);
  });

  it("a wrong token is auth too, and the token never appears in the error", async () => {
    const err = await failure(clientFor({ accessToken: "shpat_wrong_one" }).shop());
    expect(err.errorClass).toBe("auth");
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain("shpat_wrong_one");
  });

  it("a 5xx is transient and nothing is written", async () => {
    sandbox.faults.set({ errors5xx: { count: 1, status: 503 } });
    const main = sandbox.state.locations[0]!;
    const variant = sandbox.state.variantBySku("AB-12")!;
    const err = await failure(clientFor().setAvailableQuantity({ inventoryItemId: `gid://shopify/InventoryItem/${variant.inventoryItemId}`, locationId: `gid://shopify/Location/${main.id}`, quantity: 1, idempotencyKey: "k" }));
    expect(err.errorClass).toBe("transient");
    expect(sandbox.state.adjustments).toHaveLength(0);
  });

  it("a client timeout is transient", async () => {
    sandbox.faults.set({ timeouts: { count: 1, delayMs: 500 } });
    const c = def.createClient({ baseUrl: sandbox.url, credentials: sandbox.credentials, timeoutMs: 100 });
    expect((await failure(c.shop())).errorClass).toBe("transient");
  });
});

describe("API versions", () => {
  it("2025-07 does not know @idempotent: the sandbox refuses it as Shopify would, so the client leaves it out", async () => {
    const err = await failure(clientFor().graphql("Probe", 'mutation Probe($k: String!) { inventorySetQuantities(input: {name: "available", reason: "correction", quantities: []}) @idempotent(key: $k) { userErrors { field message } } }', { k: "x" }, (await import("zod")).z.any()));
    expect(err.errorClass).toBe("permanent");
    expect(err.message).toMatch(/Directive 'idempotent' is not defined/);
    const main = sandbox.state.locations[0]!;
    const variant = sandbox.state.variantBySku("AB-12")!;
    await clientFor().setAvailableQuantity({ inventoryItemId: variant.inventoryItemId, locationId: main.id, quantity: 10, idempotencyKey: "k" });
    expect(sandbox.state.adjustments).toHaveLength(1);
  });

  it("2026-04 uses changeFromQuantity: null and @idempotent, both required there", async () => {
    const c = clientFor({ apiVersion: "2026-04" });
    const main = sandbox.state.locations[0]!;
    const variant = sandbox.state.variantBySku("AB-12")!;
    await c.setAvailableQuantity({ inventoryItemId: `gid://shopify/InventoryItem/${variant.inventoryItemId}`, locationId: `gid://shopify/Location/${main.id}`, quantity: 11, idempotencyKey: "k-2604" });
    expect(sandbox.state.level(variant.inventoryItemId, main.id)!.available).toBe(11);
    expect(sandbox.state.idempotency.has("k-2604")).toBe(true);
  });
});

describe("webhook delivery faults", () => {
  const place = (sku = "AB-12") => postJson(`${sandbox.url}/_sandbox/orders`, { lines: [{ sku, quantity: 1 }] });

  it("duplicates deliver the same event twice with the same X-Shopify-Event-Id, both verifiable", async () => {
    await postJson(`${sandbox.url}/_sandbox/faults`, { webhooks: { duplicates: 1 } });
    await place();
    const [a, b] = await receiver.waitFor(2);
    expect(a!.headers["x-shopify-event-id"]).toBe(b!.headers["x-shopify-event-id"]);
    expect(a!.rawBody).toBe(b!.rawBody);
    const secrets = def.webhookSecrets!(sandbox.credentials);
    const ids = [a!, b!].map((r) => {
      def.webhooks!.verify(r, secrets);
      const p = def.webhooks!.parse(r);
      return p.kind === "events" ? p.events[0]!.sourceEventId : undefined;
    });
    expect(ids[0]).toBe(ids[1]);
  });

  it("out-of-order holds a webhook until the next one; drop loses it", async () => {
    await postJson(`${sandbox.url}/_sandbox/faults`, { webhooks: { outOfOrder: 1 } });
    await place("AB-12");
    await place("CM-01");
    const got = await receiver.waitFor(2);
    const names = got.map((r) => JSON.parse(r.rawBody).name);
    expect(names).toEqual(["#1002", "#1001"]);

    receiver.clear();
    await postJson(`${sandbox.url}/_sandbox/faults`, { webhooks: { drop: 1 } });
    await place("TR-20");
    await sandbox.webhooksIdle();
    expect(receiver.requests).toHaveLength(0);
    expect(sandbox.webhooks.sent.at(-1)?.status).toBe("dropped");
  });

  it("after a secret rotation, deliveries verify only with the new secret (old kept as previous)", async () => {
    const old = sandbox.credentials.apiSecret;
    sandbox.rotateApiSecret("rotated-secret");
    try {
      await place();
      const [req] = await receiver.waitFor(1);
      expect(() => def.webhooks!.verify(req!, { current: old })).toThrow(/does not match/);
      expect(() => def.webhooks!.verify(req!, { current: "rotated-secret", previous: old })).not.toThrow();
      expect(() => def.webhooks!.verify(req!, def.webhookSecrets!({ ...sandbox.credentials, apiSecret: "rotated-secret", previousApiSecret: old }))).not.toThrow();
    } finally {
      sandbox.rotateApiSecret(old);
    }
  });

  it("the webhook target can be changed through the control endpoint", async () => {
    await postJson(`${sandbox.url}/_sandbox/webhook-target`, { url: "" });
    await place();
    expect(receiver.requests).toHaveLength(0);
    await postJson(`${sandbox.url}/_sandbox/webhook-target`, { url: receiver.url });
    await place();
    expect(await receiver.waitFor(1)).toHaveLength(1);
  });
});

describe("control plane", () => {
  it("serves its state, faults and reset without credentials", async () => {
    await postJson(`${sandbox.url}/_sandbox/orders`, { lines: [{ sku: "AB-12", quantity: 1 }] });
    const state = await (await fetch(`${sandbox.url}/_sandbox/state`)).json();
    expect(state.orders).toHaveLength(1);
    expect(state.bucket).toMatchObject({ maximumAvailable: 1000, restoreRate: 50 });
    expect(state.locations[0].name).toBe("main");
    const res = await postJson(`${sandbox.url}/_sandbox/reset`, {});
    expect(res.status).toBe(200);
    expect(sandbox.state.orders).toHaveLength(0);
  });

  it("refuses the API without the token", async () => {
    const res = await fetch(`${sandbox.url}/admin/api/2025-07/graphql.json`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ shop { name } }" }) });
    expect(res.status).toBe(401);
  });
});
