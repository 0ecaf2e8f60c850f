import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { loadConfig } from "../config";
import { deliveries, eventProgress, events } from "../db/schema";
import { Runtime } from "../runtime";
import { saveConnectorInstance } from "../connector-instances";
import { saveRoutingRule } from "../routing-rules";
import { openPostgresTestStore, redisUrlForTests, storeBackends, type TestStore } from "../testing/backends";
import { waitFor } from "../testing/engine-backends";
import { orderCreated } from "../testing/sample-events";
import { startHttpSinkSandbox, type HttpSinkSandbox } from "../../connectors/http-webhook/sandbox/server";

const pg = storeBackends().some((b) => b.name === "postgres") ? process.env.DATABASE_URL : undefined;
const redis = redisUrlForTests();

/**
 * The scale-out crash test: a real worker process is killed with SIGKILL in the middle of a run,
 * a new one is started, and the receiving system must end with every event exactly once.
 */
describe.runIf(pg && redis)("worker process killed with SIGKILL mid-run (PostgreSQL + BullMQ)", () => {
  let store: TestStore;
  let sink: HttpSinkSandbox;
  let producer: Runtime;
  const children: ChildProcess[] = [];
  const prefix = `lkc${randomBytes(4).toString("hex")}`;
  const secret = randomBytes(32).toString("hex");
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    store = await openPostgresTestStore(pg!);
    sink = await startHttpSinkSandbox({ latencyMs: 15 });
    const [{ db }] = await store.rows<{ db: string }>(sql`select current_database() as db`);
    const url = new URL(pg!);
    url.pathname = `/${db}`;
    env = { ...process.env, DATABASE_URL: url.toString(), REDIS_URL: redis, LOOPKEEPER_QUEUE_PREFIX: prefix, LOOPKEEPER_SECRET_KEY: secret, LOOPKEEPER_DELIVERY_LEASE_SECONDS: "3", LOG_LEVEL: "warn" };
    const config = loadConfig(env);
    producer = await Runtime.open({ config, store });
    await saveConnectorInstance(store, config.secretKey, { id: "sink", connectorType: "http-webhook", baseUrl: sink.url, credentials: { signingSecret: "s".repeat(32) }, settings: { policy: { concurrency: 8 } } });
    await saveRoutingRule(store, { id: "to-sink", name: "orders to sink", priority: 1, match: { types: ["order.created"], where: [] }, destinations: [{ connector: "sink", action: "post_event" }], enabled: true, stopOnMatch: false });
    await producer.reload();
  });

  afterAll(async () => {
    for (const c of children) c.kill("SIGKILL");
    await producer?.engine.stop().catch(() => {});
    await sink?.close();
    await store?.dispose();
  });

  const startWorker = () => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], { env, stdio: ["ignore", "ignore", "inherit"] });
    children.push(child);
    return child;
  };

  it("loses no event and duplicates none", async () => {
    const total = 300;
    await producer.engine.capture("shopify", Array.from({ length: total }, (_, i) => orderCreated(5000 + i)));
    const first = startWorker();
    await waitFor(() => sink.received.size >= 60, { timeoutMs: 60_000, what: "first worker delivering" });
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    const deliveredAtCrash = sink.received.size;
    expect(deliveredAtCrash).toBeLessThan(total);
    startWorker();
    await waitFor(async () => {
      const [r] = await store.rows<{ n: number }>(sql`select count(*)::int as n from event_progress where status = 'delivered'`);
      return r!.n === total;
    }, { timeoutMs: 90_000, what: "every event delivered after the restart" });
    expect(sink.received.size).toBe(total);
    const eventIds = new Set([...sink.received.values()].map((r) => r.eventId));
    expect(eventIds.size).toBe(total);
    const notDone = await store.db.select().from(deliveries).where(sql`${deliveries.status} <> 'succeeded'`);
    expect(notDone).toEqual([]);
    const [one] = await store.db.select().from(events).innerJoin(eventProgress, eq(eventProgress.eventId, events.id)).where(eq(events.sourceEventId, "order-created-5000"));
    expect(one!.event_progress.openDeliveries).toBe(0);
  }, 180_000);
});
