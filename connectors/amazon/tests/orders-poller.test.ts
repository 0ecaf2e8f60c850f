import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Order } from "../../../pipeline/model";
import type { CapturedEvent } from "../../sdk/definition";
import { AmazonClient } from "../client";
import { ordersPoller, type OrdersCursor } from "../orders-poller";
import { startAmazonSandbox, type AmazonSandbox } from "../sandbox";

const FAST = { rate: 1000, burst: 1000 };
const PLANS = { getOrders: FAST, getOrderItems: FAST, getOrder: FAST };
const MIN = 60_000;
const T0 = Date.parse("2026-11-20T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

let sandbox: AmazonSandbox;
let client: AmazonClient;

beforeAll(async () => {
  sandbox = await startAmazonSandbox({ pageSize: 3, rateLimits: PLANS });
  client = new AmazonClient({ baseUrl: sandbox.url, credentials: sandbox.credentials, usagePlans: PLANS });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
  sandbox.state.indexLagMs = 0;
});

/** One order's life: update times (the first is its creation), strictly increasing. */
type Life = number[];

/**
 * Replays order lives against the sandbox with its clock frozen at each poll time: updates happen
 * when their time comes, then the poller runs with that `now`. Returns what was emitted and what
 * a perfect poller must emit when there is no indexing lag: at every poll, each order's current
 * version if it is at least 2 minutes old.
 */
async function replay(lives: Life[], pollTimes: number[], opts: { overlapMs?: number; orderIds?: string[] } = {}) {
  const poller = ordersPoller({ overlapMs: opts.overlapMs, initialLookbackMs: 24 * 60 * MIN });
  let cursor: OrdersCursor = poller.initialCursor();
  const ids: (string | undefined)[] = lives.map(() => undefined);
  const applied = lives.map(() => 0);
  const emitted: CapturedEvent[] = [];
  const observable = new Set<string>();
  const updates = lives.flatMap((life, i) => life.map((at, k) => ({ i, k, at }))).sort((a, b) => a.at - b.at);
  for (const t of pollTimes) {
    sandbox.setClock(t);
    for (const u of updates.filter((x) => x.at <= t && x.k >= applied[x.i]!)) {
      if (u.k === 0) {
        ids[u.i] = sandbox.addOrder({ AmazonOrderId: opts.orderIds?.[u.i], PurchaseDate: iso(u.at), LastUpdateDate: iso(u.at), items: [{ sku: "AB-12", quantity: 1 + (u.i % 3) }] }).AmazonOrderId;
      }
      else sandbox.updateOrder(ids[u.i]!, { LastUpdateDate: iso(u.at), ShipServiceLevel: `Std v${u.k}` });
      applied[u.i] = u.k + 1;
    }
    lives.forEach((life, i) => {
      if (!applied[i]) return;
      const current = life[applied[i]! - 1]!;
      if (current <= t - 2 * MIN) observable.add(`${ids[i]}@${iso(current)}`);
    });
    const r = await poller.poll(client, cursor, new Date(t));
    cursor = r.cursor;
    emitted.push(...r.events);
  }
  return { emitted, observable, ids: ids as string[], cursor };
}

function expectNoDoubleCount(emitted: CapturedEvent[], ids: string[]) {
  const keys = emitted.map((e) => e.sourceEventId);
  expect(new Set(keys).size).toBe(keys.length);
  for (const id of ids) {
    const mine = emitted.filter((e) => e.sourceEventId.startsWith(`${id}@`));
    expect(mine.filter((e) => e.type === "order.created")).toHaveLength(1);
    expect(mine[0]!.type).toBe("order.created");
  }
}

const livesArb = (maxOrders: number, gapMin: number, gapMax: number) =>
  fc.array(
    fc.record({
      start: fc.integer({ min: 0, max: 60 * MIN }),
      gaps: fc.array(fc.integer({ min: gapMin, max: gapMax }), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: maxOrders },
  ).map((specs) => specs.map(({ start, gaps }) => gaps.reduce<number[]>((life, g) => [...life, life.at(-1)! + g], [T0 + start])));

const pollsArb = fc.array(fc.integer({ min: 30_000, max: 15 * MIN }), { minLength: 3, maxLength: 10 });

function pollTimesFor(lives: Life[], intervals: number[], flushAfterMs: number): number[] {
  const times: number[] = [];
  let t = T0;
  for (const d of intervals) times.push((t += d));
  const last = Math.max(...lives.flat());
  // Flush: late enough that every final version is old enough and indexed.
  times.push(Math.max(t, last) + flushAfterMs, Math.max(t, last) + 2 * flushAfterMs);
  return times;
}

describe("orders poller: no gap, no double count", () => {
  it("emits exactly the versions a poll could observe, each once (random update times, many polls)", async () => {
    await fc.assert(
      fc.asyncProperty(livesArb(6, 1_000, 20 * MIN), pollsArb, async (lives, intervals) => {
        sandbox.reset();
        const { emitted, observable, ids } = await replay(lives, pollTimesFor(lives, intervals, 5 * MIN));
        expectNoDoubleCount(emitted, ids);
        expect(new Set(emitted.map((e) => e.sourceEventId))).toEqual(observable);
        lives.forEach((life, i) => expect(observable.has(`${ids[i]}@${iso(life.at(-1)!)}`)).toBe(true));
      }),
      { numRuns: 30 },
    );
  });

  it("sees every update exactly once when updates are further apart than poll interval + 2 minutes", async () => {
    await fc.assert(
      fc.asyncProperty(livesArb(5, 4 * MIN, 30 * MIN), async (lives) => {
        sandbox.reset();
        const last = Math.max(...lives.flat());
        const polls = Array.from({ length: Math.ceil((last - T0) / MIN) + 6 }, (_, i) => T0 + (i + 1) * MIN);
        const { emitted, ids } = await replay(lives, polls);
        expectNoDoubleCount(emitted, ids);
        const all = lives.flatMap((life, i) => life.map((at) => `${ids[i]}@${iso(at)}`)).sort();
        expect(emitted.map((e) => e.sourceEventId).sort()).toEqual(all);
      }),
      { numRuns: 15 },
    );
  });

  it("loses no final version when Amazon indexes updates late (up to 4 minutes; the overlap covers it)", async () => {
    await fc.assert(
      fc.asyncProperty(livesArb(6, 1_000, 20 * MIN), pollsArb, async (lives, intervals) => {
        sandbox.reset();
        sandbox.state.indexLagMs = 4 * MIN;
        const { emitted, ids } = await replay(lives, pollTimesFor(lives, intervals, 10 * MIN), { overlapMs: 5 * MIN });
        expectNoDoubleCount(emitted, ids);
        const real = new Set(lives.flatMap((life, i) => life.map((at) => `${ids[i]}@${iso(at)}`)));
        for (const e of emitted) expect(real.has(e.sourceEventId)).toBe(true);
        lives.forEach((life, i) => expect(emitted.map((e) => e.sourceEventId)).toContain(`${ids[i]}@${iso(life.at(-1)!)}`));
      }),
      { numRuns: 25 },
    );
  });

  it("shows what the overlap is for: without it, late indexing loses versions", async () => {
    sandbox.state.indexLagMs = 4 * MIN;
    // An update whose indexing lag (deterministic per order id and version) exceeds the 2-minute settle time.
    const lives: Life[] = [];
    const orderIds = ["111-0000001-0000001"];
    for (let k = 0; lives.length === 0 && k < 500; k++) {
      const at = T0 + 10 * MIN + k * 1000;
      sandbox.reset();
      sandbox.state.indexLagMs = 4 * MIN;
      sandbox.setClock(at);
      const o = sandbox.addOrder({ AmazonOrderId: orderIds[0], PurchaseDate: iso(at), LastUpdateDate: iso(at) });
      const visibleAt = sandbox.state.orders.get(o.AmazonOrderId)!.versions[0]!.visibleAt;
      if (visibleAt - at > 3 * MIN) lives.push([at]);
    }
    expect(lives).toHaveLength(1);
    const at = lives[0]![0]!;
    const polls = [at + 2.5 * MIN, at + 3.5 * MIN, at + 20 * MIN];
    sandbox.reset();
    sandbox.state.indexLagMs = 4 * MIN;
    const withOverlap = await replay(lives, polls, { overlapMs: 5 * MIN, orderIds });
    expect(withOverlap.emitted).toHaveLength(1);
    sandbox.reset();
    sandbox.state.indexLagMs = 4 * MIN;
    const without = await replay(lives, polls, { overlapMs: 0, orderIds });
    expect(without.emitted).toHaveLength(0);
  });
});

describe("orders poller: event types", () => {
  it("emits created, then updated, then cancelled, each with sourceEventId `id@LastUpdateDate`", async () => {
    const poller = ordersPoller();
    sandbox.setClock(T0);
    const o = sandbox.addOrder({ PurchaseDate: iso(T0 - 10 * MIN), LastUpdateDate: iso(T0 - 10 * MIN), FulfillmentChannel: "MFN" });
    let r = await poller.poll(client, poller.initialCursor(), new Date(T0));
    expect(r.events.map((e) => [e.type, e.sourceEventId])).toEqual([["order.created", `${o.AmazonOrderId}@${iso(T0 - 10 * MIN)}`]]);
    const created = Order.parse(r.events[0]!.data);
    expect(created).toMatchObject({ id: `amazon:${o.AmazonOrderId}`, fulfilmentChannel: "merchant", status: "open" });
    expect(r.cursor.lastUpdatedBefore).toBe(iso(T0 - 2 * MIN));

    sandbox.setClock(T0 + 5 * MIN);
    sandbox.updateOrder(o.AmazonOrderId, { LastUpdateDate: iso(T0 + MIN), ShipServiceLevel: "Expedited" });
    r = await poller.poll(client, r.cursor, new Date(T0 + 5 * MIN));
    expect(r.events.map((e) => e.type)).toEqual(["order.updated"]);

    sandbox.setClock(T0 + 10 * MIN);
    sandbox.updateOrder(o.AmazonOrderId, { LastUpdateDate: iso(T0 + 6 * MIN), OrderStatus: "Canceled" });
    r = await poller.poll(client, r.cursor, new Date(T0 + 10 * MIN));
    expect(r.events.map((e) => e.type)).toEqual(["order.cancelled"]);
    expect((r.events[0]!.data as { order: Order }).order.status).toBe("cancelled");

    // Nothing new: the overlap re-reads the cancellation but does not count it again.
    sandbox.setClock(T0 + 11 * MIN);
    r = await poller.poll(client, r.cursor, new Date(T0 + 11 * MIN));
    expect(r.events).toEqual([]);
  });

  it("holds Pending orders back, emits their first priced version as created, and drops orders cancelled before they were ever emitted", async () => {
    const poller = ordersPoller();
    sandbox.setClock(T0);
    const pending = sandbox.addOrder({ PurchaseDate: iso(T0 - 30 * MIN), LastUpdateDate: iso(T0 - 30 * MIN), OrderStatus: "Pending" });
    const abandoned = sandbox.addOrder({ PurchaseDate: iso(T0 - 30 * MIN), LastUpdateDate: iso(T0 - 30 * MIN), OrderStatus: "Pending" });
    let r = await poller.poll(client, poller.initialCursor(), new Date(T0));
    expect(r.events).toEqual([]);
    expect(r.cursor.pending).toHaveLength(2);

    // Hours later (long past the overlap) payment clears for one and the other is cancelled.
    const later = T0 + 3 * 60 * MIN;
    sandbox.setClock(later);
    sandbox.updateOrder(pending.AmazonOrderId, { LastUpdateDate: iso(later - 10 * MIN), OrderStatus: "Unshipped" });
    sandbox.updateOrder(abandoned.AmazonOrderId, { LastUpdateDate: iso(later - 10 * MIN), OrderStatus: "Canceled" });
    r = await poller.poll(client, r.cursor, new Date(later));
    expect(r.events.map((e) => [e.type, e.sourceEventId])).toEqual([["order.created", `${pending.AmazonOrderId}@${iso(later - 10 * MIN)}`]]);
    expect(r.cursor.pending).toEqual([]);
  });

  it("does not poll before LastUpdatedBefore can move (it must stay 2 minutes in the past)", async () => {
    const poller = ordersPoller();
    sandbox.setClock(T0);
    const r1 = await poller.poll(client, poller.initialCursor(), new Date(T0));
    const calls = sandbox.stats().calls.getOrders;
    const r2 = await poller.poll(client, r1.cursor, new Date(T0));
    expect(r2.cursor).toBe(r1.cursor);
    expect(sandbox.stats().calls.getOrders).toBe(calls);
  });

  it("drains a backlog over several polls when getOrderItems runs out of quota, without double counting", async () => {
    sandbox.setRateLimit("getOrderItems", { rate: 5, burst: 2 });
    const limited = new AmazonClient({ baseUrl: sandbox.url, credentials: sandbox.credentials, usagePlans: { getOrders: FAST }, maxQuotaRetries: 0 });
    const poller = ordersPoller();
    sandbox.setClock(T0);
    const ids = Array.from({ length: 5 }, (_, i) => sandbox.addOrder({ PurchaseDate: iso(T0 - (20 - i) * MIN), LastUpdateDate: iso(T0 - (20 - i) * MIN) }).AmazonOrderId);
    let cursor = poller.initialCursor();
    const emitted: CapturedEvent[] = [];
    let polls = 0;
    while (emitted.length < 5 && polls < 20) {
      polls++;
      try {
        const r = await poller.poll(limited, cursor, new Date(T0));
        cursor = r.cursor;
        emitted.push(...r.events);
      } catch (e) {
        expect((e as { errorClass?: string }).errorClass).toBe("rate_limited");
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(polls).toBeGreaterThan(1);
    expect(emitted.map((e) => e.sourceEventId.split("@")[0]).sort()).toEqual([...ids].sort());
    expect(emitted.every((e) => e.type === "order.created")).toBe(true);
    expect(cursor.lastUpdatedBefore).toBe(iso(T0 - 2 * MIN));
  });

  it("skips an order it cannot map, keeps it visible in the cursor, and goes on", async () => {
    const poller = ordersPoller();
    sandbox.setClock(T0);
    const bad = sandbox.addOrder({ PurchaseDate: iso(T0 - 10 * MIN), LastUpdateDate: iso(T0 - 10 * MIN) });
    sandbox.state.orders.get(bad.AmazonOrderId)!.currency = "usd";
    const good = sandbox.addOrder({ PurchaseDate: iso(T0 - 9 * MIN), LastUpdateDate: iso(T0 - 9 * MIN) });
    const r = await poller.poll(client, poller.initialCursor(), new Date(T0));
    expect(r.events.map((e) => e.sourceEventId.split("@")[0])).toEqual([good.AmazonOrderId]);
    expect(r.cursor.skipped).toEqual([expect.objectContaining({ orderId: bad.AmazonOrderId })]);
  });
});
