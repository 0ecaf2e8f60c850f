import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { startHttpSinkSandbox, type HttpSinkSandbox } from "../../../connectors/http-webhook/sandbox/server";
import { startNetSuiteSandbox, type NetSuiteSandbox } from "../../../connectors/netsuite/sandbox/server";
import { startShipStationSandbox, type ShipStationSandbox } from "../../../connectors/shipstation/sandbox";
import { ensureShipNotifySubscription, listSubscriptions, type ShipStationClient } from "../../../connectors/shipstation";
import { classifyAmazonError } from "../../../connectors/amazon/errors";
import { classifyError as classifyNetSuite } from "../../../connectors/netsuite/errors";
import { classifyError as classifyQuickBooks } from "../../../connectors/quickbooks/errors";
import { classifyError as classifyShopify } from "../../../connectors/shopify/errors";
import type { CapturedEvent } from "../../../connectors/sdk/definition";
import { loadConfig } from "../../../pipeline/config";
import { saveConnectorInstance } from "../../../pipeline/connector-instances";
import { attempts, deliveries } from "../../../pipeline/db/schema";
import type { ClassifiedError, ClassifiedErrorInit } from "../../../pipeline/errors";
import { handleWebhook } from "../../../pipeline/ingress";
import type { Order } from "../../../pipeline/model";
import { saveRoutingRule } from "../../../pipeline/routing-rules";
import { Runtime } from "../../../pipeline/runtime";
import type { EngineBackend } from "../../../pipeline/testing/engine-backends";
import { waitFor } from "../../../pipeline/testing/engine-backends";
import type { TestStore } from "../../../pipeline/testing/backends";
import { ScriptedSystem } from "../../../pipeline/testing/scripted-destination";
import { sampleOrder } from "../../../pipeline/testing/sample-events";
import { listQuarantineGroups } from "../../../pipeline/db/queries/failure-queries";
import type { ExplainInput } from "../explain-failure";
import type { RootCause } from "../taxonomy";

/**
 * A running Loopkeeper with real failures in it: the real engine delivering to real connector
 * instances (NetSuite, ShipStation and HTTP sandboxes over HTTP, with the sandboxes' fault
 * injection) and to scripted systems that fail with what the real classifiers make of captured
 * upstream error bodies (../shared/fixtures). Every labelled scenario below leaves one failure
 * whose root cause is known, for the diagnosis accuracy test and for the tool tests.
 */
export const PUBLIC_URL = "http://loopkeeper.test";
export const SECRET_KEY_HEX = "11".repeat(32);

const FAST = { maxAttempts: 2, backoff: { baseMs: 20, maxMs: 60 }, breaker: { consecutiveFailures: 50, halfOpenAfterMs: 500 }, perSecond: 200, concurrency: 4 };

export interface World {
  rt: Runtime;
  store: TestStore;
  scripted: Map<string, ScriptedSystem>;
  ns: Record<"main" | "auth" | "down" | "limit" | "stale", NetSuiteSandbox>;
  ss: Record<"main" | "auth" | "limit", ShipStationSandbox>;
  sink: HttpSinkSandbox;
  sinkDown: HttpSinkSandbox;
  /** Captures one order routed to `dest`; returns its event id. */
  order(n: number, dest: string, opts?: { source?: string; skus?: string[]; order?: Partial<Order>; action?: string }): Promise<string>;
  /** Stops this process's runtime and store; the sandboxes keep serving (another process may take over). */
  closeRuntime(): Promise<void>;
  close(): Promise<void>;
}

function fixture(...parts: string[]): string {
  return readFileSync(join(process.env.FIXTURES_DIR ?? join(process.cwd(), "../shared/fixtures"), ...parts), "utf8");
}

/** A fixture error response: either a bare body or {status, body, headers}. */
function fixtureResponse(path: string[], status: number): { status: number; headers: Record<string, string>; body: string } {
  const text = fixture(...path);
  try {
    const j = JSON.parse(text);
    if (j && typeof j === "object" && "body" in j && "status" in j) return { status: j.status, headers: j.headers ?? {}, body: typeof j.body === "string" ? j.body : JSON.stringify(j.body) };
    if (j && typeof j === "object" && "body_fragment_Fault_Error" in j) return { status: j.status ?? status, headers: {}, body: JSON.stringify({ Fault: { Error: j.body_fragment_Fault_Error, type: "ValidationFault" } }) };
  } catch {
    // XML or plain text: the body as captured
  }
  return { status, headers: {}, body: text };
}

const initOf = (e: ClassifiedError): ClassifiedErrorInit => ({ errorClass: e.errorClass, message: e.message, field: e.field, reason: e.reason, code: e.code, upstream: e.upstream, retryAfterMs: e.retryAfterMs, existingId: e.existingId });

/** Scripted systems and the upstream error each keeps answering with. */
const SCRIPTED: Record<string, () => ClassifiedError> = {
  "qbo-stale": () => classifyQuickBooks(fixtureResponse(["quickbooks", "errors", "5010-stale-object.error-element.json"], 400)),
  "qbo-dup": () => classifyQuickBooks(fixtureResponse(["quickbooks", "errors", "6240-duplicate-name.json"], 400)),
  "qbo-missing": () => classifyQuickBooks(fixtureResponse(["quickbooks", "errors", "610-object-not-found.json"], 400)),
  "qbo-throttle": () => classifyQuickBooks(fixtureResponse(["quickbooks", "errors", "too_many_requests_error.xml"], 429)),
  "qbo-tax": () =>
    classifyQuickBooks({
      status: 400,
      headers: {},
      body: JSON.stringify({ Fault: { Error: [{ Message: "Invalid Tax Code", Detail: "Invalid Tax Code : TaxCodeRef 'OR-STATE' does not exist or is inactive", code: "6000", element: "TaxCodeRef" }], type: "ValidationFault" }, time: "2026-11-27T04:00:00.000-08:00" }),
    }),
  "shopify-auth": () => classifyShopify(fixtureResponse(["shopify", "errors", "rest-401-invalid-token.json"], 401)),
  "shopify-422": () => classifyShopify(fixtureResponse(["shopify", "errors", "rest-422-money-field-nil.json"], 422)),
  "shopify-denied": () => classifyShopify(fixtureResponse(["shopify", "errors", "graphql-access-denied.json"], 200)),
  "amazon-quota": () => classifyAmazonError(fixtureResponse(["amazon", "errors", "quota-exceeded.429.json"], 429) as never),
  "amazon-role": () => classifyAmazonError(fixtureResponse(["amazon", "errors", "unauthorized.403.json"], 403) as never),
  "ns-required": () => classifyNetSuite(fixtureResponse(["netsuite", "errors", "400-user-error-missing-required-fields.json"], 400)),
  "ns-idem": () => classifyNetSuite(fixtureResponse(["netsuite", "errors", "400-idempotency-error.async.docs.json"], 400)),
  "erp-circuit": () => ({ errorClass: "transient", message: "HTTP 503: upstream connect error or disconnect/reset before headers", name: "ClassifiedError" }) as unknown as ClassifiedError,
};

export const ACTIONS: Record<string, string> = { netsuite: "upsert_sales_order", shipstation: "create_order", "http-webhook": "post_event", scripted: "write" };

const INSTANCES: { id: string; type: "netsuite" | "shipstation" | "http-webhook"; sandbox: string; settings?: (w: World) => Record<string, unknown> }[] = [
  { id: "ns-main", type: "netsuite", sandbox: "ns.main", settings: (w) => ({ defaultCustomerId: w.ns.main.ids.customerId }) },
  { id: "ns-east", type: "netsuite", sandbox: "ns.main", settings: (w) => ({ defaultCustomerId: w.ns.main.ids.customerId, routedNode: "EAST-9" }) },
  { id: "ns-auth", type: "netsuite", sandbox: "ns.auth", settings: (w) => ({ defaultCustomerId: w.ns.auth.ids.customerId }) },
  { id: "ns-down", type: "netsuite", sandbox: "ns.down", settings: (w) => ({ defaultCustomerId: w.ns.down.ids.customerId }) },
  { id: "ns-limit", type: "netsuite", sandbox: "ns.limit", settings: (w) => ({ defaultCustomerId: w.ns.limit.ids.customerId }) },
  { id: "ns-stale", type: "netsuite", sandbox: "ns.stale", settings: (w) => ({ defaultCustomerId: w.ns.stale.ids.customerId }) },
  { id: "ss-main", type: "shipstation", sandbox: "ss.main" },
  { id: "ss-east", type: "shipstation", sandbox: "ss.main", settings: () => ({ node: "EAST-9" }) },
  { id: "ss-auth", type: "shipstation", sandbox: "ss.auth" },
  { id: "ss-limit", type: "shipstation", sandbox: "ss.limit" },
  { id: "ss-hooks", type: "shipstation", sandbox: "ss.main" },
  { id: "ss-hooks-ok", type: "shipstation", sandbox: "ss.main" },
  { id: "sink", type: "http-webhook", sandbox: "sink" },
  { id: "sink-down", type: "http-webhook", sandbox: "sinkDown" },
];

function sandboxOf(w: World, path: string): { url: string; credentials: unknown; baseUrl?: string } {
  const [group, key] = path.split(".") as [string, string | undefined];
  const v = (w as unknown as Record<string, unknown>)[group];
  return (key ? (v as Record<string, unknown>)[key] : v) as { url: string; credentials: unknown; baseUrl?: string };
}

function credentialsOf(type: string, sb: { credentials: unknown }): Record<string, unknown> {
  if (type === "http-webhook") return { signingSecret: "sink-signing-secret-0123456789" };
  if (type === "shipstation") return { ...(sb.credentials as Record<string, unknown>), currency: "USD" };
  return sb.credentials as Record<string, unknown>;
}

/** Opens the world: sandboxes, connector instances, scripted systems, routing rules, workers. */
export async function openWorld(backend: Pick<EngineBackend, "openStore" | "openTransport">): Promise<World> {
  const [nsMain, nsAuth, nsDown, nsLimit, nsStale, ssMain, ssAuth, ssLimit, sink, sinkDown] = await Promise.all([
    startNetSuiteSandbox(),
    startNetSuiteSandbox(),
    startNetSuiteSandbox(),
    startNetSuiteSandbox(),
    startNetSuiteSandbox(),
    startShipStationSandbox({ rateLimitPerMinute: 100_000 }),
    startShipStationSandbox({ rateLimitPerMinute: 100_000 }),
    startShipStationSandbox({ rateLimitPerMinute: 100_000 }),
    startHttpSinkSandbox(),
    startHttpSinkSandbox(),
  ]);
  const scripted = new Map<string, ScriptedSystem>();
  for (const [id, err] of Object.entries(SCRIPTED)) {
    const sys = new ScriptedSystem();
    const init = initOf(err());
    sys.failWith = () => init;
    scripted.set(id, sys);
  }
  const store = await backend.openStore();
  const transport = await backend.openTransport();
  const config = loadConfig({ LOOPKEEPER_SECRET_KEY: SECRET_KEY_HEX, LOOPKEEPER_DATA_DIR: mkdtempSync(join(tmpdir(), "lk-world-")), LOOPKEEPER_PUBLIC_URL: PUBLIC_URL, LOG_LEVEL: "silent" });
  const extra = [...scripted].map(([id, sys]) => sys.asDestination(id, id === "erp-circuit" ? { maxAttempts: 50, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 } } : { maxAttempts: 2 }));
  const rt = await Runtime.open({ config, store, transport, extraDestinations: extra });
  let n = 0;
  let closed = false;
  const world: World = {
    rt,
    store,
    scripted,
    ns: { main: nsMain, auth: nsAuth, down: nsDown, limit: nsLimit, stale: nsStale },
    ss: { main: ssMain, auth: ssAuth, limit: ssLimit },
    sink,
    sinkDown,
    async order(num, dest, opts = {}) {
      const source = opts.source ?? "shopify";
      const skus = opts.skus ?? ["AB-12"];
      const base = sampleOrder(num);
      const lines = skus.map((sku, i) => ({ lineId: `${num}-${i + 1}`, sku, title: `Item ${sku}`, quantity: 1, unitPrice: { amountMinor: 2400, currency: "USD" }, taxes: [], requiresShipping: true }));
      const total = { amountMinor: 2400 * skus.length, currency: "USD" };
      const order: Order = {
        ...base,
        id: `${source}:${1000 + num}`,
        channel: source,
        customer: { email: `buyer${num}@example.com`, firstName: "Ada", lastName: "Lovelace", externalIds: {} } as Order["customer"],
        shippingAddress: { name: "Ada Lovelace", line1: "1 Main St", city: "Portland", region: "OR", postalCode: "97201", country: "US" },
        lines,
        totals: { ...base.totals, subtotal: total, total },
        ...opts.order,
        note: `to:${dest}${opts.action ? `:${opts.action}` : ""}`,
      };
      const ev: CapturedEvent<"order.created"> = { type: "order.created", sourceEventId: `order-created-${num}-${++n}`, occurredAt: "2026-11-27T10:00:00.000Z", data: order };
      const [o] = await rt.engine.capture(source, [ev]);
      return o!.eventId;
    },
    async closeRuntime() {
      if (closed) return;
      closed = true;
      await rt.close();
      // rt.close() already closed the store; dispose drops the test database where there is one.
      await store.dispose().catch(() => undefined);
    },
    async close() {
      await world.closeRuntime();
      await Promise.all([nsMain, nsAuth, nsDown, nsLimit, nsStale, ssMain, ssAuth, ssLimit, sink, sinkDown].map((s) => s.close().catch(() => undefined)));
    },
  };
  for (const inst of INSTANCES) {
    const sb = sandboxOf(world, inst.sandbox);
    await saveConnectorInstance(store, config.secretKey, {
      id: inst.id,
      connectorType: inst.type,
      baseUrl: inst.type === "netsuite" ? sb.baseUrl : inst.type === "http-webhook" ? sb.url : sb.url,
      credentials: credentialsOf(inst.type, sb),
      settings: { ...(inst.settings?.(world) ?? {}), policy: FAST },
      owner: `${inst.id}-owner@example.com`,
    });
  }
  const dests = [...INSTANCES.map((i) => ({ id: i.id, action: ACTIONS[i.type]! })), ...[...scripted.keys()].map((id) => ({ id, action: "write" }))];
  let priority = 1;
  for (const d of dests) {
    await saveRoutingRule(store, { id: `to-${d.id}`, name: `orders to ${d.id}`, priority: priority++, match: { types: ["order.created"], where: [{ path: "note", equals: `to:${d.id}` }] }, destinations: [{ connector: d.id, action: d.action }], enabled: true, stopOnMatch: true });
  }
  // A step whose action the destination does not have: a configuration error.
  await saveRoutingRule(store, { id: "to-sink-bogus", name: "orders to sink.bogus", priority: priority++, match: { types: ["order.created"], where: [{ path: "note", equals: "to:sink:bogus" }] }, destinations: [{ connector: "sink", action: "bogus" }], enabled: true, stopOnMatch: true });
  await rt.reload();
  await rt.startWorkers({ pollers: false });
  return world;
}

/** Waits until the event has a parked delivery, or one waiting after a rate limit / open circuit. */
export async function waitForFailure(w: World, eventId: string, opts: { outcome?: string; timeoutMs?: number } = {}): Promise<void> {
  await waitFor(
    async () => {
      if (opts.outcome) return (await w.store.db.select({ id: attempts.id }).from(attempts).where(and(eq(attempts.eventId, eventId), eq(attempts.outcome, opts.outcome as never))).limit(1)).length > 0;
      return (await w.store.db.select({ id: deliveries.id }).from(deliveries).where(and(eq(deliveries.eventId, eventId), eq(deliveries.status, "parked"))).limit(1)).length > 0;
    },
    { timeoutMs: opts.timeoutMs ?? 30_000, what: `failure of ${eventId}${opts.outcome ? ` (${opts.outcome})` : ""}` },
  );
}

export async function waitForDelivered(w: World, eventId: string): Promise<void> {
  await waitFor(async () => (await w.store.rows<{ status: string }>(sql`select status from event_progress where event_id = ${eventId}`))[0]?.status === "delivered", { what: `${eventId} delivered`, timeoutMs: 30_000 });
}

async function quarantineKey(w: World, connector: string, reasonCode: string): Promise<string> {
  const groups = await waitFor(async () => {
    const g = (await listQuarantineGroups(w.store, { connector, limit: 50 })).filter((x) => x.reasonCode === reasonCode);
    return g.length ? g : undefined;
  });
  return groups[0]!.key;
}

async function webhook(w: World, connector: string, body: string, token: string | undefined): Promise<number> {
  const r = await handleWebhook(w.rt, connector, { headers: { "content-type": "application/json" }, rawBody: body, query: token === undefined ? {} : { token } });
  return r.status;
}

export interface Scenario {
  id: string;
  title: string;
  expected: RootCause;
  /** Builds the failure and says what to ask explain_failure about. */
  run(w: World): Promise<ExplainInput>;
}

const parked = async (w: World, eventId: string): Promise<ExplainInput> => (await waitForFailure(w, eventId), { eventId });

/** The labelled set: fault injected → the root cause a correct diagnosis names. */
export const SCENARIOS: Scenario[] = [
  { id: "ns-unknown-sku", title: "NetSuite sandbox: order line with a SKU NetSuite has no item for", expected: "unknown_sku_mapping", run: async (w) => parked(w, await w.order(1, "ns-main", { skus: ["ZZ-99"] })) },
  {
    id: "ns-unknown-sku-cross-channel",
    title: "NetSuite sandbox: the same unknown SKU from Shopify, Amazon and EDI orders is one failure group",
    expected: "unknown_sku_mapping",
    run: async (w) => {
      const ids = [await w.order(2, "ns-main", { source: "shopify", skus: ["ZZ-77"] }), await w.order(3, "ns-main", { source: "amazon", skus: ["ZZ-77"] }), await w.order(4, "ns-main", { source: "edi-x12", skus: ["ZZ-77", "AB-12"] })];
      for (const id of ids) await waitForFailure(w, id);
      const [row] = await w.store.db.select({ key: deliveries.failureKey }).from(deliveries).where(eq(deliveries.eventId, ids[0]!));
      return { failureKey: row!.key! };
    },
  },
  { id: "ns-location", title: "NetSuite sandbox: routed node EAST-9 has no NetSuite location", expected: "unknown_location_mapping", run: async (w) => parked(w, await w.order(5, "ns-east")) },
  {
    id: "ns-address",
    title: "NetSuite sandbox rejectRecords: invalid ship-to zip on the sales order",
    expected: "invalid_address",
    run: async (w) => {
      w.ns.main.faults.set({ rejectRecords: { ...w.ns.main.faults.settings.rejectRecords, "#1006": { field: "shipaddress", message: "Invalid zip code 9720 for country US" } } });
      return parked(w, await w.order(6, "ns-main"));
    },
  },
  {
    id: "ns-tax",
    title: "NetSuite sandbox rejectRecords: invalid tax code on the sales order",
    expected: "missing_tax_code",
    run: async (w) => {
      w.ns.main.faults.set({ rejectRecords: { ...w.ns.main.faults.settings.rejectRecords, "#1007": { field: "taxcode", message: "Invalid taxcode reference key -7 for subsidiary 1" } } });
      return parked(w, await w.order(7, "ns-main"));
    },
  },
  {
    id: "ns-insufficient",
    title: "NetSuite sandbox rejectRecords: not enough stock of CM-01",
    expected: "insufficient_inventory",
    run: async (w) => {
      w.ns.main.faults.set({ rejectRecords: { ...w.ns.main.faults.settings.rejectRecords, "CM-01": { field: "quantity", message: "Insufficient available quantity of CM-01 at main: 0 available, 1 ordered" } } });
      return parked(w, await w.order(8, "ns-main", { skus: ["CM-01"] }));
    },
  },
  { id: "ns-expired", title: "NetSuite sandbox expiredToken: INVALID_LOGIN", expected: "expired_credentials", run: async (w) => (w.ns.auth.faults.set({ expiredToken: true }), parked(w, await w.order(9, "ns-auth"))) },
  { id: "ns-expired-connector", title: "NetSuite sandbox expiredToken, asked about the connector", expected: "expired_credentials", run: async (w) => (w.ns.auth.faults.set({ expiredToken: true }), await waitForFailure(w, await w.order(10, "ns-auth")), { connector: "ns-auth" }) },
  { id: "ns-outage", title: "NetSuite sandbox 503s until the delivery parks", expected: "upstream_outage", run: async (w) => (w.ns.down.faults.set({ errors5xx: { count: 100_000, status: 503 } }), parked(w, await w.order(11, "ns-down"))) },
  {
    id: "ns-rate-limit",
    title: "NetSuite sandbox 429 CONCURRENCY_LIMIT_EXCEEDED: the delivery waits",
    expected: "rate_limiting",
    run: async (w) => {
      w.ns.limit.faults.set({ burst429: { count: 100_000, retryAfterSec: 1 } });
      const id = await w.order(12, "ns-limit");
      await waitForFailure(w, id, { outcome: "rate_limited" });
      return { eventId: id };
    },
  },
  { id: "ns-stale", title: "NetSuite sandbox RCRD_HAS_BEEN_CHANGED on every write", expected: "stale_object", run: async (w) => (w.ns.stale.faults.set({ custom: { recordChanged: 100_000 } }), parked(w, await w.order(13, "ns-stale"))) },
  { id: "ss-address", title: "ShipStation sandbox: postal code 00000 (incomplete ship-to)", expected: "invalid_address", run: async (w) => parked(w, await w.order(14, "ss-main", { order: { shippingAddress: { name: "Ada Lovelace", line1: "1 Main St", city: "Portland", region: "OR", postalCode: "00000", country: "US" } } })) },
  {
    id: "ss-address-reject",
    title: "ShipStation sandbox rejectRecords: shipTo.postalCode invalid for the order",
    expected: "invalid_address",
    run: async (w) => {
      w.ss.main.faults.set({ rejectRecords: { ...w.ss.main.faults.settings.rejectRecords, "#1015": { field: "shipTo.postalCode", message: "The postal code is not valid for the state OR." } } });
      return parked(w, await w.order(15, "ss-main"));
    },
  },
  {
    id: "ss-sku",
    title: "ShipStation sandbox rejectRecords: a SKU the 3PL does not stock",
    expected: "unknown_sku_mapping",
    run: async (w) => {
      w.ss.main.faults.set({ rejectRecords: { ...w.ss.main.faults.settings.rejectRecords, "QQ-404": { field: "items[0].sku", message: "SKU QQ-404 does not exist in the product catalog." } } });
      return parked(w, await w.order(16, "ss-main", { skus: ["QQ-404"] }));
    },
  },
  { id: "ss-location", title: "ShipStation: routed node EAST-9 matches no warehouse", expected: "unknown_location_mapping", run: async (w) => parked(w, await w.order(17, "ss-east")) },
  { id: "ss-expired", title: "ShipStation sandbox expiredToken: 401", expected: "expired_credentials", run: async (w) => (w.ss.auth.faults.set({ expiredToken: true }), parked(w, await w.order(18, "ss-auth"))) },
  {
    id: "ss-rate-limit",
    title: "ShipStation sandbox 429 burst: the delivery waits on X-Rate-Limit-Reset",
    expected: "rate_limiting",
    run: async (w) => {
      w.ss.limit.faults.set({ burst429: { count: 100_000, retryAfterSec: 1 } });
      const id = await w.order(19, "ss-limit");
      await waitForFailure(w, id, { outcome: "rate_limited" });
      return { eventId: id };
    },
  },
  {
    id: "ss-webhooks-removed",
    title: "ShipStation: our SHIP_NOTIFY subscription was deleted while orders keep shipping",
    expected: "webhook_subscription_removed",
    run: async (w) => {
      const client = w.rt.directory.instance("ss-hooks")!.client as ShipStationClient;
      const sub = await ensureShipNotifySubscription(client, `${PUBLIC_URL}/api/webhooks/ss-hooks`, w.ss.main.credentials.webhookToken);
      w.ss.main.state.unsubscribe(sub.id);
      await w.order(20, "ss-hooks");
      return { connector: "ss-hooks" };
    },
  },
  {
    id: "ss-webhooks-ok",
    title: "ShipStation: subscription in place and deliveries succeed (control)",
    expected: "no_failure",
    run: async (w) => {
      const client = w.rt.directory.instance("ss-hooks-ok")!.client as ShipStationClient;
      await ensureShipNotifySubscription(client, `${PUBLIC_URL}/api/webhooks/ss-hooks-ok`, w.ss.main.credentials.webhookToken);
      if (!(await listSubscriptions(client)).length) throw new Error("subscription not created");
      await waitForDelivered(w, await w.order(21, "ss-hooks-ok"));
      return { connector: "ss-hooks-ok" };
    },
  },
  { id: "sink-outage", title: "HTTP endpoint sandbox answers 503 until the delivery parks", expected: "upstream_outage", run: async (w) => (w.sinkDown.faults.set({ errors5xx: { count: 100_000, status: 503 } }), parked(w, await w.order(22, "sink-down"))) },
  {
    id: "quarantine-schema",
    title: "ShipStation webhook without resource_url (the source changed its payload)",
    expected: "schema_drift",
    run: async (w) => {
      const status = await webhook(w, "ss-main", JSON.stringify({ resource_type: "SHIP_NOTIFY", resource_uri: "https://ssapi.shipstation.com/shipments?batchId=1" }), w.ss.main.credentials.webhookToken);
      if (status !== 422) throw new Error(`expected 422, got ${status}`);
      return { failureKey: await quarantineKey(w, "ss-main", "schema_invalid") };
    },
  },
  {
    id: "quarantine-malformed",
    title: "ShipStation webhook whose body is not JSON any more",
    expected: "schema_drift",
    run: async (w) => {
      await webhook(w, "ss-main", "resource_url=https%3A%2F%2Fssapi.shipstation.com%2Fshipments&resource_type=SHIP_NOTIFY", w.ss.main.credentials.webhookToken);
      return { failureKey: await quarantineKey(w, "ss-main", "malformed") };
    },
  },
  {
    id: "quarantine-signature",
    title: "ShipStation webhooks with a token that no longer matches",
    expected: "webhook_signature_mismatch",
    run: async (w) => {
      await webhook(w, "ss-main", JSON.stringify({ resource_url: `${w.ss.main.url}/shipments?batchId=9`, resource_type: "SHIP_NOTIFY" }), "an-old-rotated-token-value");
      return { failureKey: await quarantineKey(w, "ss-main", "bad_signature") };
    },
  },
  { id: "qbo-stale", title: "QuickBooks 5010 Stale Object (fixture)", expected: "stale_object", run: async (w) => parked(w, await w.order(23, "qbo-stale")) },
  { id: "qbo-duplicate", title: "QuickBooks 6240 Duplicate Name (fixture), lookup finds nothing", expected: "duplicate_document", run: async (w) => parked(w, await w.order(24, "qbo-dup")) },
  { id: "qbo-not-found", title: "QuickBooks 610 Object Not Found (fixture)", expected: "referenced_record_missing", run: async (w) => parked(w, await w.order(25, "qbo-missing")) },
  { id: "qbo-throttle", title: "QuickBooks 3001 ThrottleExceeded (fixture)", expected: "rate_limiting", run: async (w) => { const id = await w.order(26, "qbo-throttle"); await waitForFailure(w, id, { outcome: "rate_limited" }); return { eventId: id }; } },
  { id: "qbo-tax", title: "QuickBooks 6000 on TaxCodeRef: tax code does not exist", expected: "missing_tax_code", run: async (w) => parked(w, await w.order(27, "qbo-tax")) },
  { id: "shopify-token", title: "Shopify 401 invalid access token (fixture)", expected: "expired_credentials", run: async (w) => parked(w, await w.order(28, "shopify-auth")) },
  { id: "shopify-money-nil", title: "Shopify 422 money field cannot be nil (fixture)", expected: "missing_required_field", run: async (w) => parked(w, await w.order(29, "shopify-422")) },
  { id: "shopify-access-denied", title: "Shopify GraphQL ACCESS_DENIED (fixture)", expected: "permission_denied", run: async (w) => parked(w, await w.order(30, "shopify-denied")) },
  { id: "amazon-quota", title: "Amazon SP-API QuotaExceeded 429 (fixture)", expected: "rate_limiting", run: async (w) => { const id = await w.order(31, "amazon-quota"); await waitForFailure(w, id, { outcome: "rate_limited" }); return { eventId: id }; } },
  { id: "amazon-role", title: "Amazon SP-API 403 Unauthorized: the app lacks the role (fixture)", expected: "permission_denied", run: async (w) => parked(w, await w.order(32, "amazon-role")) },
  { id: "ns-required", title: "NetSuite USER_ERROR Please enter value(s) for First Name, Last Name (fixture)", expected: "missing_required_field", run: async (w) => parked(w, await w.order(33, "ns-required")) },
  { id: "ns-idempotency", title: "NetSuite IDEMPOTENCY_ERROR (fixture), lookup finds nothing", expected: "duplicate_document", run: async (w) => parked(w, await w.order(34, "ns-idem")) },
  { id: "config-no-action", title: "Routing sends orders to an action the HTTP connector does not have", expected: "configuration_error", run: async (w) => parked(w, await w.order(35, "sink", { action: "bogus" })) },
  {
    id: "circuit-open",
    title: "A destination that answers 503 to everything: its circuit opens (asked about the connector)",
    expected: "upstream_outage",
    run: async (w) => {
      const ids = await Promise.all([36, 37, 38, 39, 40].map((i) => w.order(i, "erp-circuit")));
      await waitForFailure(w, ids[4]!, { outcome: "circuit_open" }).catch(async () => {
        for (const id of ids) await waitForFailure(w, id, { outcome: "circuit_open", timeoutMs: 1000 }).then(() => undefined, () => undefined);
      });
      await waitFor(async () => w.rt.engine.circuitState("erp-circuit") === "open", { what: "erp-circuit open" });
      return { connector: "erp-circuit" };
    },
  },
  {
    id: "no-route",
    title: "An event no routing rule matches",
    expected: "no_route",
    run: async (w) => {
      const [o] = await w.rt.engine.capture("shopify", [{ type: "order.created", sourceEventId: "unrouted-41", occurredAt: "2026-11-27T10:00:00.000Z", data: { ...sampleOrder(41), note: "nowhere" } }]);
      return { eventId: o!.eventId };
    },
  },
  { id: "delivered", title: "A delivered order (control)", expected: "no_failure", run: async (w) => { const id = await w.order(42, "sink"); await waitForDelivered(w, id); return { eventId: id }; } },
];
