import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { startSandboxWorld, type SandboxWorld } from "../../connectors/sandbox-world/world";
import { loadConfig } from "../../pipeline/config";
import { Runtime } from "../../pipeline/runtime";
import { applyWorld } from "../../pipeline/sandbox-world-config";
import type { EngineBackend } from "../../pipeline/testing/engine-backends";
import { waitFor } from "../../pipeline/testing/engine-backends";
import type { TestStore } from "../../pipeline/testing/backends";
import { startIngressServer } from "../../pipeline/testing/ingress-server";

/**
 * The DTC sandbox world (Shopify, NetSuite, ShipStation, QuickBooks over HTTP) wired to a real
 * pipeline, with helpers that inject the failures the ops agent is asked about: an order with the
 * SKU the ERP does not know (ZZ-99: a NetSuite validation failure) and an order placed during a
 * NetSuite outage (5xx until it ends: parked after its attempts, failure group outage|netsuite).
 */
export interface OpsWorld {
  rt: Runtime;
  store: TestStore;
  world: SandboxWorld;
  /** Places a Shopify order and waits until the pipeline captured it; returns its order number and event id. */
  placeOrder(opts: { skus: string[]; address2?: string; email?: string }): Promise<{ orderNumber: string; eventId: string }>;
  /** Waits until the order has a parked delivery to `destination`; returns the delivery id. */
  waitParked(orderNumber: string, destination: string): Promise<{ deliveryId: string; failureKey: string }>;
  startNetSuiteOutage(): void;
  endNetSuiteOutage(): void;
  close(): Promise<void>;
}

export const OPS_SECRET_KEY = "22".repeat(32);
/** Credentials of the sandbox world that must never reach the model: tests search request bodies for these. */
export function sandboxSecrets(world: SandboxWorld): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string" && v.length >= 8) out.push(v);
    else if (v && typeof v === "object") for (const x of Object.values(v)) walk(x);
  };
  for (const inst of world.config.instances) walk(inst.credentials);
  return out;
}

/** Fast retries so an outage parks an order in well under a second; a breaker that stays closed. */
const FAST_POLICY = { maxAttempts: 2, backoff: { baseMs: 20, maxMs: 60 }, breaker: { consecutiveFailures: 50, halfOpenAfterMs: 500 } };

export async function openOpsWorld(backend: Pick<EngineBackend, "openStore" | "openTransport">, opts: { notifyWebhookUrl?: string } = {}): Promise<OpsWorld> {
  const store = await backend.openStore();
  const transport = await backend.openTransport();
  const config = loadConfig({
    LOOPKEEPER_SECRET_KEY: OPS_SECRET_KEY,
    LOOPKEEPER_DATA_DIR: mkdtempSync(join(tmpdir(), "lk-ops-")),
    LOOPKEEPER_PUBLIC_URL: "http://loopkeeper.test",
    LOG_LEVEL: "silent",
    ...(opts.notifyWebhookUrl ? { NOTIFY_WEBHOOK_URL: opts.notifyWebhookUrl } : {}),
  });
  const rt = await Runtime.open({ config, store, transport });
  const ingress = await startIngressServer(() => rt);
  const world = await startSandboxWorld({ appUrl: ingress.url });
  const cfg = {
    ...world.config,
    instances: world.config.instances.map((i) => ({ ...i, settings: { ...i.settings, policy: FAST_POLICY } })),
  };
  await applyWorld(rt, cfg);
  await rt.reload();
  // Pollers and registered services stay off: tests drive triage themselves, and the ERP stock poller would spend the outage's faults.
  await rt.startWorkers({ pollers: false, services: false });

  return {
    rt,
    store,
    world,
    async placeOrder(o) {
      const order = await world.shopify.placeOrder({
        lines: o.skus.map((sku) => ({ sku, quantity: 1 })),
        email: o.email ?? "ada@example.com",
        shippingMinor: 0,
        shippingAddress: { name: "Ada Park", address1: "1 Main St", address2: o.address2, city: "Denver", province: "CO", zip: "80202", country: "US" },
      });
      const [row] = await waitFor(async () => {
        const rows = await store.rows<{ id: string }>(sql`select id from events where order_number = ${order.name} and type = 'order.created'`);
        return rows.length ? rows : undefined;
      }, { timeoutMs: 20_000, what: `order ${order.name} captured` });
      return { orderNumber: order.name, eventId: row!.id };
    },
    async waitParked(orderNumber, destination) {
      const [row] = await waitFor(async () => {
        const rows = await store.rows<{ deliveryId: string; failureKey: string }>(sql`
          select d.id as "deliveryId", d.failure_key as "failureKey" from deliveries d join events e on e.id = d.event_id
           where e.order_number = ${orderNumber} and d.destination = ${destination} and d.status = 'parked'`);
        return rows.length ? rows : undefined;
      }, { timeoutMs: 30_000, what: `order ${orderNumber} parked at ${destination}` });
      return row!;
    },
    startNetSuiteOutage() {
      world.netsuite.faults.set({ errors5xx: { count: 1_000_000, status: 503 } });
    },
    endNetSuiteOutage() {
      world.netsuite.faults.set({ errors5xx: { count: 0 } });
    },
    async close() {
      // Sandboxes first, so no webhook arrives at a pipeline that has stopped.
      await world.close();
      await ingress.close();
      await rt.halt();
      await store.dispose().catch(() => undefined);
    },
  };
}
