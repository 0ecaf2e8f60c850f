import { afterEach, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { Engine } from "../engine";
import { staticDirectory, type DestinationPolicy } from "../destinations";
import { attempts, connectorInstances, deliveries, duplicateCaptures, eventProgress, failureGroups, parkedDeliveries } from "../db/schema";
import { engineBackends, waitFor } from "../testing/engine-backends";
import { ScriptedSystem } from "../testing/scripted-destination";
import { orderCreated } from "../testing/sample-events";
import type { RoutingRule } from "../stages/route";
import type { TestStore } from "../testing/backends";

const ruleTo = (...steps: { connector: string; action: string; after?: string }[]): RoutingRule[] => [
  { id: "r1", name: "orders", priority: 1, match: { types: ["order.created"], where: [] }, destinations: steps, enabled: true, stopOnMatch: false },
];

describe.each(engineBackends())("engine on $name", (backend) => {
  const open: { engine: Engine; store: TestStore }[] = [];
  afterEach(async () => {
    for (const { engine, store } of open.splice(0)) {
      await engine.stop();
      await store.dispose();
    }
  });

  async function start(systems: Record<string, ScriptedSystem>, rules: RoutingRule[], policy: Partial<DestinationPolicy> = {}, store?: TestStore) {
    const s = store ?? (await backend.openStore());
    const transport = await backend.openTransport();
    const engine = new Engine({ store: s, transport, destinations: staticDirectory(Object.entries(systems).map(([id, sys]) => sys.asDestination(id, policy))), rules: () => rules, sweepIntervalMs: 200 });
    await engine.startWorkers();
    if (!store) open.push({ engine, store: s });
    return { engine, store: s };
  }

  const eventStatus = async (store: TestStore, id: string) => (await store.db.select().from(eventProgress).where(eq(eventProgress.eventId, id)))[0]?.status;

  it("delivers a captured event, records each stage, and marks the event delivered", async () => {
    const erp = new ScriptedSystem();
    const { engine, store } = await start({ erp }, ruleTo({ connector: "erp", action: "write" }));
    const [outcome] = await engine.capture("shopify", [orderCreated(1)]);
    await waitFor(async () => (await eventStatus(store, outcome!.eventId)) === "delivered", { what: "delivered" });
    expect(erp.records.size).toBe(1);
    const rows = await store.db.select().from(attempts).where(eq(attempts.eventId, outcome!.eventId));
    expect(rows.map((r) => `${r.stage}:${r.outcome}`).sort()).toEqual(["deliver:ok", "route:ok"]);
    const [d] = await store.db.select().from(deliveries).where(eq(deliveries.eventId, outcome!.eventId));
    expect(d).toMatchObject({ status: "succeeded", attempts: 1, externalId: "ext-1" });
  });

  it("records a repeated source event as a duplicate and never processes it twice", async () => {
    const erp = new ScriptedSystem();
    const { engine, store } = await start({ erp }, ruleTo({ connector: "erp", action: "write" }));
    const [a, b] = await engine.capture("shopify", [orderCreated(2), orderCreated(2)]);
    const [c] = await engine.capture("shopify", [orderCreated(2)]);
    expect([a!.duplicate, b!.duplicate, c!.duplicate]).toEqual([false, true, true]);
    await waitFor(async () => (await eventStatus(store, a!.eventId)) === "delivered");
    expect(erp.calls).toHaveLength(1);
    const dups = await store.db.select().from(duplicateCaptures);
    expect(dups).toHaveLength(2);
  });

  it("runs a step only after the step it depends on succeeded, and hands it the earlier external id", async () => {
    const erp = new ScriptedSystem().next({ errorClass: "transient", message: "503 from ERP" });
    const wms = new ScriptedSystem();
    const seenPrior: unknown[] = [];
    const origDeliver = wms.deliver.bind(wms);
    wms.deliver = async (ctx) => (seenPrior.push(ctx.priorResults), origDeliver(ctx));
    const { engine, store } = await start({ erp, wms }, ruleTo({ connector: "erp", action: "write" }, { connector: "wms", action: "write", after: "erp.write" }));
    const [o] = await engine.capture("shopify", [orderCreated(3)]);
    await waitFor(async () => (await eventStatus(store, o!.eventId)) === "delivered", { what: "delivered" });
    expect(erp.calls).toHaveLength(2);
    expect(wms.calls[0]!.at).toBeGreaterThan(erp.calls[1]!.at);
    expect(seenPrior[0]).toMatchObject({ "erp.write": "ext-1" });
  });

  it("backs off on transient errors, then parks with the reason after the last attempt", async () => {
    const erp = new ScriptedSystem();
    erp.failWith = () => ({ errorClass: "transient", message: "502 Bad Gateway" });
    const { engine, store } = await start({ erp }, ruleTo({ connector: "erp", action: "write" }), { maxAttempts: 3, breaker: { consecutiveFailures: 100, halfOpenAfterMs: 1000 } });
    const [o] = await engine.capture("shopify", [orderCreated(4)]);
    await waitFor(async () => (await eventStatus(store, o!.eventId)) === "parked", { what: "parked" });
    expect(erp.calls.map((c) => c.attemptNo)).toEqual([1, 2, 3]);
    const gaps = erp.calls.slice(1).map((c, i) => c.at - erp.calls[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(10);
    const [p] = await store.db.select().from(parkedDeliveries);
    expect(p).toMatchObject({ errorClass: "transient", destination: "erp" });
    const outcomes = (await store.db.select().from(attempts).where(eq(attempts.stage, "deliver"))).map((a) => a.outcome).sort();
    expect(outcomes).toEqual(["parked", "retry", "retry"]);
  });

  it("waits out a rate limit without spending an attempt", async () => {
    const erp = new ScriptedSystem().next({ errorClass: "rate_limited", message: "429", retryAfterMs: 300 }, { errorClass: "rate_limited", message: "429", retryAfterMs: 300 });
    const { engine, store } = await start({ erp }, ruleTo({ connector: "erp", action: "write" }), { maxAttempts: 1 });
    const [o] = await engine.capture("shopify", [orderCreated(5)]);
    await waitFor(async () => (await eventStatus(store, o!.eventId)) === "delivered", { what: "delivered" });
    expect(erp.calls.map((c) => c.attemptNo)).toEqual([1, 1, 1]);
    expect(erp.calls[1]!.at - erp.calls[0]!.at).toBeGreaterThanOrEqual(250);
    const [d] = await store.db.select().from(deliveries);
    expect(d!.attempts).toBe(1);
  });

  it("parks a validation error at once with its field and opens one failure group per root cause", async () => {
    const erp = new ScriptedSystem();
    erp.failWith = (ctx) => ((ctx.event.data as any).lines[0].sku === "ZZ-99" ? { errorClass: "validation", message: "Invalid item reference key", field: "item", reason: "SKU ZZ-99 has no ERP item" } : undefined);
    const { engine, store } = await start({ erp }, ruleTo({ connector: "erp", action: "write" }));
    const bad = (n: number) => orderCreated(n, { lines: [{ lineId: "1", sku: "ZZ-99", quantity: 1, unitPrice: { amountMinor: 100, currency: "USD" }, taxes: [], requiresShipping: true }] });
    const outs = await engine.capture("shopify", [bad(6), bad(7), orderCreated(8)]);
    await waitFor(async () => (await store.db.select().from(parkedDeliveries)).length === 2, { what: "two parked" });
    await waitFor(async () => (await eventStatus(store, outs[2]!.eventId)) === "delivered");
    expect(erp.calls.filter((c) => c.attemptNo > 1)).toHaveLength(0);
    const groups = await store.db.select().from(failureGroups);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ rootCause: "validation", title: "erp: SKU ZZ-99 has no ERP item", owner: "erp-owner@example.com", status: "open" });
    const [p] = await store.db.select().from(parkedDeliveries).limit(1);
    expect(p!.field).toBe("item");
  });

  it("treats 'already exists' as success when the existing record is found", async () => {
    const erp = new ScriptedSystem();
    const { engine, store } = await start({ erp }, ruleTo({ connector: "erp", action: "write" }));
    const [o] = await engine.capture("shopify", [orderCreated(9)]);
    await waitFor(async () => (await eventStatus(store, o!.eventId)) === "delivered");
    // The same write again (as after a crash between the upstream call and our commit).
    erp.next({ errorClass: "duplicate", message: "Duplicate Document Number Error" });
    await store.rows(sql`update deliveries set status = 'pending' where event_id = ${o!.eventId}`);
    await store.rows(sql`update event_progress set status = 'processing', open_deliveries = 1 where event_id = ${o!.eventId}`);
    await engine.sweep({ includeScheduled: true });
    await waitFor(async () => (await store.db.select().from(attempts).where(eq(attempts.outcome, "duplicate"))).length === 1, { what: "duplicate outcome" });
    expect(erp.records.size).toBe(1);
    expect(await eventStatus(store, o!.eventId)).toBe("delivered");
  });

  it("opens the circuit during an outage instead of burning attempts, then probes and recovers", async () => {
    const erp = new ScriptedSystem();
    let down = true;
    erp.failWith = () => (down ? { errorClass: "transient", message: "503 Service Unavailable" } : undefined);
    const { engine, store } = await start({ erp }, ruleTo({ connector: "erp", action: "write" }), { maxAttempts: 50, concurrency: 1, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 500 } });
    const outs = await engine.capture("shopify", Array.from({ length: 10 }, (_, i) => orderCreated(100 + i)));
    await waitFor(async () => (await store.db.select().from(attempts).where(eq(attempts.outcome, "circuit_open"))).length > 0, { what: "circuit open" });
    expect(engine.circuitState("erp")).toBe("open");
    const callsWhileOpen = erp.calls.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(erp.calls.length).toBe(callsWhileOpen);
    down = false;
    await waitFor(async () => {
      const rows = await store.db.select({ s: eventProgress.status }).from(eventProgress);
      return rows.length === outs.length && rows.every((r) => r.s === "delivered");
    }, { timeoutMs: 20_000, what: "all delivered after recovery" });
    expect(erp.records.size).toBe(10);
    expect(engine.circuitState("erp")).toBe("closed");
  });

  it("stops a connector whose credentials are rejected and resumes it on reconnect", async () => {
    const erp = new ScriptedSystem().next({ errorClass: "auth", message: "INVALID_LOGIN" });
    const { engine, store } = await start({ erp }, ruleTo({ connector: "erp", action: "write" }), { concurrency: 1 });
    const [a] = await engine.capture("shopify", [orderCreated(20)]);
    await waitFor(async () => (await eventStatus(store, a!.eventId)) === "parked");
    const [b] = await engine.capture("shopify", [orderCreated(21)]);
    await waitFor(async () => (await eventStatus(store, b!.eventId)) === "parked");
    expect(erp.calls).toHaveLength(1);
    expect(engine.isStopped("erp")).toBe(true);
    await engine.resumeConnector("erp");
    const parked = await store.db.select().from(deliveries).where(eq(deliveries.status, "parked"));
    await engine.replayParked(parked.map((p) => p.id), "user:test");
    await waitFor(async () => (await eventStatus(store, a!.eventId)) === "delivered" && (await eventStatus(store, b!.eventId)) === "delivered", { what: "replayed" });
    expect(erp.records.size).toBe(2);
    const [pk] = await store.db.select().from(parkedDeliveries).where(eq(parkedDeliveries.eventId, a!.eventId));
    expect(pk!.releasedBy).toBe("user:test");
  });

  it("shares a stopped connector across engines through the database, and its reconnect", async () => {
    const erp = new ScriptedSystem();
    const first = await start({ erp }, ruleTo({ connector: "erp", action: "write" }));
    await first.store.db.insert(connectorInstances).values({ id: "erp", connectorType: "http-webhook", displayName: "ERP" });
    const second = await start({ erp }, ruleTo({ connector: "erp", action: "write" }), {}, first.store);
    await first.engine.stopConnector("erp", "INVALID_LOGIN");
    await waitFor(() => second.engine.isStopped("erp"), { what: "the other engine sees the stop" });
    await first.engine.resumeConnector("erp");
    await waitFor(() => !second.engine.isStopped("erp"), { what: "the other engine sees the reconnect" });
    await second.engine.stop();
  });

  it("replays parked deliveries by filter: only the matching ones run again", async () => {
    const erp = new ScriptedSystem();
    const wms = new ScriptedSystem();
    let erpDown = true;
    erp.failWith = () => (erpDown ? { errorClass: "permanent", message: "400 bad request" } : undefined);
    wms.failWith = () => ({ errorClass: "validation", message: "invalid address", field: "shipTo", reason: "postal code 00000" });
    const { engine, store } = await start({ erp, wms }, ruleTo({ connector: "erp", action: "write" }, { connector: "wms", action: "write" }));
    await engine.capture("shopify", [orderCreated(30), orderCreated(31)]);
    await waitFor(async () => (await store.db.select().from(parkedDeliveries)).length === 4, { what: "four parked" });
    erpDown = false;
    const released = await engine.replayParkedWhere({ destination: "erp" }, "user:ops");
    expect(released).toHaveLength(2);
    await waitFor(() => erp.records.size === 2, { what: "ERP deliveries replayed" });
    const stillParked = await store.db.select().from(deliveries).where(eq(deliveries.status, "parked"));
    expect(stillParked.map((d) => d.destination)).toEqual(["wms", "wms"]);
  });

  /** Records the jobs the engine puts on its queues (the transport itself is the real one). */
  function recordJobs(engine: Engine): { queue: string; deliveryIds: string[] }[] {
    const seen: { queue: string; deliveryIds: string[] }[] = [];
    const t = engine.transport;
    const enqueue = t.enqueue.bind(t);
    t.enqueue = async (queue, jobs) => {
      for (const j of jobs) seen.push({ queue, deliveryIds: (j.data as { deliveryIds: string[] }).deliveryIds });
      return enqueue(queue, jobs);
    };
    return seen;
  }

  it("carries a destination's due deliveries in batch jobs, with no more calls at once than its concurrency", async () => {
    const erp = new ScriptedSystem();
    erp.latencyMs = 15;
    const { engine, store } = await start({ erp }, ruleTo({ connector: "erp", action: "write" }), { concurrency: 3 });
    const jobs = recordJobs(engine);
    const outs = await engine.capture("shopify", Array.from({ length: 40 }, (_, i) => orderCreated(400 + i)));
    await waitFor(async () => (await store.db.select().from(eventProgress)).filter((p) => p.status === "delivered").length === 40, { what: "40 delivered" });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.deliveryIds).toHaveLength(40);
    expect(erp.records.size).toBe(40);
    expect(erp.maxInFlight).toBe(3);
    expect(new Set([...erp.records.values()].map((r) => r.eventId))).toEqual(new Set(outs.map((o) => o.eventId)));
  });

  it("holds the rest of a batch when one of its deliveries is told to wait, instead of each calling to hear the same", async () => {
    const erp = new ScriptedSystem().next({ errorClass: "rate_limited", message: "429", retryAfterMs: 400 });
    const { engine, store } = await start({ erp }, ruleTo({ connector: "erp", action: "write" }), { concurrency: 1 });
    const outs = await engine.capture("shopify", Array.from({ length: 8 }, (_, i) => orderCreated(460 + i)));
    await waitFor(async () => (await store.db.select().from(eventProgress)).filter((p) => p.status === "delivered").length === 8, { what: "8 delivered" });
    const first = erp.calls[0]!.at;
    expect(erp.calls.filter((c) => c.at - first < 350)).toHaveLength(1);
    expect(erp.calls).toHaveLength(9);
    expect(erp.records.size).toBe(outs.length);
    const spent = await store.db.select().from(deliveries);
    expect(spent.every((d) => d.attempts === 1)).toBe(true);
  });

  it("gives a destination with a per-second limit one job per delivery, since the queue's limiter counts jobs", async () => {
    const erp = new ScriptedSystem();
    const { engine } = await start({ erp }, ruleTo({ connector: "erp", action: "write" }), { perSecond: 50 });
    const jobs = recordJobs(engine);
    await engine.capture("shopify", Array.from({ length: 5 }, (_, i) => orderCreated(450 + i)));
    await waitFor(() => erp.records.size === 5, { what: "5 delivered" });
    expect(jobs.map((j) => j.deliveryIds.length)).toEqual([1, 1, 1, 1, 1]);
  });

  it("resumes unfinished work after a crash without losing or duplicating anything", async () => {
    const store = await backend.openStore();
    const erp = new ScriptedSystem();
    erp.latencyMs = 30;
    const first = await start({ erp }, ruleTo({ connector: "erp", action: "write" }), { concurrency: 2 }, store);
    const outs = await first.engine.capture("shopify", Array.from({ length: 30 }, (_, i) => orderCreated(200 + i)));
    await waitFor(() => erp.records.size >= 3);
    // A crash: the process stops consuming with work in flight and in the queue.
    await first.engine.stop();
    const done = erp.records.size;
    expect(done).toBeLessThan(30);
    // Leases of in-flight rows would expire on their own; expire them now to keep the test short.
    await store.rows(sql`update deliveries set lease_until = now() - interval '1 second' where status = 'in_flight'`);
    const second = await start({ erp }, ruleTo({ connector: "erp", action: "write" }), { concurrency: 5 }, store);
    await waitFor(async () => {
      const rows = await store.db.select({ s: eventProgress.status }).from(eventProgress);
      return rows.every((r) => r.s === "delivered");
    }, { timeoutMs: 20_000, what: "all delivered after restart" });
    expect(erp.records.size).toBe(30);
    expect([...erp.records.values()].every((r) => r.writes === 1 || r.writes === 2)).toBe(true);
    expect(new Set([...erp.records.values()].map((r) => r.eventId)).size).toBe(outs.length);
    await second.engine.stop();
    await store.dispose();
  });
});
