import { afterEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { DeliveryContext } from "../../../connectors/sdk/definition";
import { openStore } from "../../db/client";
import { openCommitments, readAvailability, withSkuLocks } from "../../db/queries/fulfilment-queries";
import { DEFAULT_POLICY, staticDirectory, type Destination } from "../../destinations";
import { Engine } from "../../engine";
import type { Order } from "../../model";
import type { RoutingRule } from "../../stages/route";
import type { TestStore } from "../../testing/backends";
import { engineBackends, waitFor } from "../../testing/engine-backends";
import { sampleOrder } from "../../testing/sample-events";
import type { FulfilmentNode } from "../nodes";
import { FulfilmentRouter } from "../router";

const NODES: FulfilmentNode[] = [
  { id: "main", name: "3PL", stock: { connector: "erp", location: "main" }, ship: { connector: "wms", warehouse: "WH-MAIN" }, slaDays: 2, costPerOrderMinor: 450, costPerUnitMinor: 60, priority: 10, enabled: true },
  { id: "east", name: "East", stock: { connector: "erp", location: "east" }, ship: { connector: "wms-east" }, slaDays: 3, costPerOrderMinor: 350, costPerUnitMinor: 50, priority: 20, enabled: true },
];

const RULES: RoutingRule[] = [
  {
    id: "orders", name: "orders", priority: 1, enabled: true, stopOnMatch: false,
    match: { types: ["order.created", "order.updated"], where: [] },
    destinations: [
      { connector: "erp", action: "book", fulfilment: "commit" },
      { connector: "wms", action: "ship", after: "erp.book", fulfilment: "ship" },
      { connector: "books", action: "post" },
    ],
  },
  {
    id: "cancels", name: "cancels", priority: 2, enabled: true, stopOnMatch: false,
    match: { types: ["order.cancelled"], where: [] },
    destinations: [{ connector: "wms", action: "cancel", fulfilment: "ship" }],
  },
];

/** A destination that remembers what it was asked, with the settings the deliver stage built. */
function recorder(id: string) {
  const calls: { action: string; settings: Record<string, unknown>; orderId: string; key: string }[] = [];
  const act = (action: string) => ({
    deliver: async (ctx: DeliveryContext) => {
      const data = ctx.event.data as Order | { order: Order };
      calls.push({ action, settings: ctx.settings, orderId: "order" in data ? data.order.id : data.id, key: ctx.idempotencyKey });
      return { externalId: `${id}-${calls.length}`, summary: `${id} ${action}` };
    },
  });
  const destination: Destination = {
    id, settings: { fromInstance: true }, policy: { ...DEFAULT_POLICY, backoff: { baseMs: 20, maxMs: 100 } },
    actions: { book: act("book"), ship: act("ship"), cancel: act("cancel"), post: act("post") },
  };
  return { calls, destination };
}

const order = (n: number, lines: [string, number][]): Order =>
  sampleOrder(n, { lines: lines.map(([sku, quantity], i) => ({ lineId: `${n}-${i + 1}`, sku, quantity, unitPrice: { amountMinor: 1000, currency: "USD" }, taxes: [], requiresShipping: true })) });

let clock = Date.parse("2026-11-27T10:00:00.000Z");
const level = (sku: string, location: string, available: number) => {
  const at = new Date((clock += 1000)).toISOString();
  return { type: "inventory.level" as const, sourceEventId: `${sku}@${location}@${at}`, occurredAt: at, data: { sku, location, onHand: available, committed: 0, available, inTransit: 0, asOf: at, system: "erp" } };
};

describe.each(engineBackends())("fulfilment routing on $name", (backend) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function start(opts: { workers?: boolean } = {}) {
    const store = await backend.openStore();
    const transport = await backend.openTransport();
    const erp = recorder("erp");
    const wms = recorder("wms");
    const wmsEast = recorder("wms-east");
    const books = recorder("books");
    const router = new FulfilmentRouter(store, () => NODES);
    const engine = new Engine({ store, transport, destinations: staticDirectory([erp, wms, wmsEast, books].map((r) => r.destination)), rules: () => RULES, fulfilment: router, sweepIntervalMs: 200 });
    if (opts.workers !== false) await engine.startWorkers();
    cleanup.push(async () => {
      await engine.stop();
      await store.dispose();
    });
    return { store, engine, router, erp, wms, wmsEast, books };
  }

  const available = (store: TestStore, sku: string) =>
    withSkuLocks(store, [sku], (tx) => readAvailability(tx, NODES.map((n) => ({ node: n.id, sku, connector: n.stock.connector, location: n.stock.location }))));
  const routeMessage = async (store: TestStore, eventId: string) =>
    (await store.rows<{ m: string }>(sql`select error_message as m from attempts where event_id = ${eventId} and stage = 'route'`))[0]?.m;

  it("sends an order only east can fill to east, commits there at routing time, and says why", async () => {
    const { store, engine, erp, wms, wmsEast } = await start();
    await engine.capture("erp", [level("AB-12", "main", 9), level("TR-20", "main", 0), level("AB-12", "east", 4), level("TR-20", "east", 3)]);
    const [o] = await engine.capture("shop", [{ type: "order.created", sourceEventId: "o1", occurredAt: "2026-11-27T10:00:00.000Z", data: order(1, [["AB-12", 1], ["TR-20", 1]]) }]);
    // Committed before any delivery ran: the units are spoken for at once.
    expect(await openCommitments(store)).toEqual([
      { node: "east", sku: "AB-12", quantity: 1, orders: 1 },
      { node: "east", sku: "TR-20", quantity: 1, orders: 1 },
    ]);
    expect((await available(store, "TR-20")).find((a) => a.node === "east")).toMatchObject({ levelAvailable: 3, committed: 1 });
    await waitFor(() => wmsEast.calls.length === 1, { what: "the east shipment order" });
    expect(wms.calls).toHaveLength(0);
    expect(erp.calls[0]!.settings).toMatchObject({ fromInstance: true, routedNode: "east", routedLines: { "1-1": "east", "1-2": "east" } });
    expect(wmsEast.calls[0]!.settings).toMatchObject({ fromInstance: true, node: "east", fulfilmentPart: { node: "east", lineIds: ["1-1", "1-2"], primary: true, count: 1 } });
    expect(await routeMessage(store, o!.eventId)).toContain("fulfilment: east: main lacks TR-20 (1 wanted, 0 available)");
  });

  it("splits an order no node can fill alone into one shipment order per node, each with its own key", async () => {
    const { store, engine, erp, wms, wmsEast, books } = await start();
    await engine.capture("erp", [level("AB-12", "main", 9), level("TR-20", "main", 0), level("AB-12", "east", 0), level("TR-20", "east", 3)]);
    const [o] = await engine.capture("shop", [{ type: "order.created", sourceEventId: "o2", occurredAt: "2026-11-27T10:00:00.000Z", data: order(2, [["AB-12", 2], ["TR-20", 1]]) }]);
    await waitFor(() => wms.calls.length === 1 && wmsEast.calls.length === 1 && books.calls.length === 1, { what: "both parts shipped and the books posted" });
    expect(erp.calls).toHaveLength(1);
    expect(erp.calls[0]!.settings).toMatchObject({ routedNode: "main", routedLines: { "2-1": "main", "2-2": "east" } });
    expect(wms.calls[0]!.settings).toMatchObject({ node: "WH-MAIN", fulfilmentPart: { node: "main", lineIds: ["2-1"], primary: true, count: 2 } });
    expect(wmsEast.calls[0]!.settings).toMatchObject({ node: "east", fulfilmentPart: { node: "east", lineIds: ["2-2"], primary: false, count: 2 } });
    expect(wms.calls[0]!.key).not.toBe(wmsEast.calls[0]!.key);
    const ds = await waitFor(async () => {
      const rows = await store.rows<{ destination: string; status: string }>(sql`select destination, status from deliveries where event_id = ${o!.eventId} order by destination`);
      return rows.every((r) => r.status === "succeeded") ? rows : undefined;
    }, { what: "every delivery of the split order succeeded" });
    expect(ds).toEqual([
      { destination: "books", status: "succeeded" }, { destination: "erp", status: "succeeded" },
      { destination: "wms", status: "succeeded" }, { destination: "wms-east", status: "succeeded" },
    ]);
    const msg = await routeMessage(store, o!.eventId);
    expect(msg).toContain("wms.ship@main (after prerequisite), wms-east.ship@east (after prerequisite)");
    expect(msg).toContain("split into 2: main (AB-12 ×2) + east (TR-20)");
  });

  it("parks the part no node can fill with the routing reason, ships the rest, and sends it when replayed", async () => {
    const { store, engine, erp, wms, wmsEast } = await start();
    await engine.capture("erp", [level("AB-12", "main", 0), level("TR-20", "main", 2), level("AB-12", "east", 5), level("TR-20", "east", 0)]);
    const [o] = await engine.capture("shop", [{ type: "order.created", sourceEventId: "o3", occurredAt: "2026-11-27T10:00:00.000Z", data: order(3, [["AB-12", 1], ["TR-20", 5]]) }]);
    const [parked] = await waitFor(async () => {
      const rows = await store.rows<{ deliveryId: string; reason: string; field: string; destination: string }>(sql`
        select delivery_id as "deliveryId", reason, field, destination from parked_deliveries where event_id = ${o!.eventId}`);
      return rows.length ? rows : undefined;
    }, { what: "the backordered part parked" });
    expect(parked).toMatchObject({ destination: "wms", field: "lines", reason: "backordered: no node can fill TR-20 (field lines)" });
    await waitFor(() => wmsEast.calls.length === 1, { what: "the part that can ship" });
    expect(wms.calls).toHaveLength(0);
    expect(erp.calls[0]!.settings).toMatchObject({ routedLines: { "3-1": "east", "3-2": "main" } });
    const [attempt] = await store.rows<{ m: string }>(sql`select error_message as m from attempts where delivery_id = ${parked!.deliveryId} and outcome = 'parked'`);
    expect(attempt!.m).toContain("TR-20 5 wanted (main 2, east 0)");
    expect(await routeMessage(store, o!.eventId)).toContain("wms.ship@main (held) (after prerequisite)");

    await engine.replayParked([parked!.deliveryId], "test");
    await waitFor(() => wms.calls.length === 1, { what: "the released part sent" });
    expect(wms.calls[0]!.settings).toMatchObject({ fulfilmentPart: { node: "main", lineIds: ["3-2"] } });
  });

  it("settles a commitment once the ERP took the order and a later level was read, and releases it on cancel", async () => {
    const { store, engine, erp } = await start();
    await engine.capture("erp", [level("CM-01", "main", 10), level("CM-01", "east", 0)]);
    const created = order(4, [["CM-01", 3]]);
    await engine.capture("shop", [{ type: "order.created", sourceEventId: "o4", occurredAt: "2026-11-27T10:00:00.000Z", data: created }]);
    await waitFor(() => erp.calls.length === 1, { what: "the ERP booked the order" });
    // A level read before the ERP booked it would not show the order: ours still counts.
    const main = async () => (await available(store, "CM-01")).find((a) => a.node === "main")!;
    expect(await main()).toMatchObject({ levelAvailable: 10, committed: 3 });
    await waitFor(async () => (await store.rows<{ n: number }>(sql`select count(*)::int as n from deliveries where destination = 'erp' and status = 'succeeded'`))[0]!.n === 1);
    await engine.capture("erp", [level("CM-01", "main", 7)]);
    expect(await main()).toMatchObject({ levelAvailable: 7, committed: 0 });
    expect(await openCommitments(store, { skus: ["CM-01"] })).toEqual([]);
    // An edit that leaves the line as it was does not count it again.
    await engine.capture("shop", [{ type: "order.updated", sourceEventId: "o4-note", occurredAt: "2026-11-27T10:02:00.000Z", data: { ...created, note: "gift wrap" } }]);
    expect(await main()).toMatchObject({ levelAvailable: 7, committed: 0 });

    const second = order(5, [["CM-01", 2]]);
    await engine.capture("shop", [{ type: "order.created", sourceEventId: "o5", occurredAt: "2026-11-27T10:00:00.000Z", data: second }]);
    expect(await main()).toMatchObject({ committed: 2 });
    const [c] = await engine.capture("shop", [{ type: "order.cancelled", sourceEventId: "o5-cancel", occurredAt: "2026-11-27T10:05:00.000Z", data: { order: { ...second, status: "cancelled" }, reason: "customer" } }]);
    expect(await main()).toMatchObject({ committed: 0 });
    expect(await routeMessage(store, c!.eventId)).toContain("wms.cancel@main");
    // A late edit of the cancelled order takes nothing back.
    await engine.capture("shop", [{ type: "order.updated", sourceEventId: "o5-late-edit", occurredAt: "2026-11-27T10:06:00.000Z", data: { ...second, status: "cancelled" } }]);
    expect(await main()).toMatchObject({ committed: 0 });
  });

  it("routes a duplicate capture and an edit consistently: lines keep their node, new lines are planned around them", async () => {
    const { store, engine, wms, wmsEast } = await start({ workers: false });
    await engine.capture("erp", [level("AB-12", "main", 0), level("AB-12", "east", 5), level("HL-03", "main", 5), level("HL-03", "east", 5)]);
    const first = order(6, [["AB-12", 1]]);
    const ev = { type: "order.created" as const, sourceEventId: "o6", occurredAt: "2026-11-27T10:00:00.000Z", data: first };
    const [a, b] = await engine.capture("shop", [ev, ev]);
    expect(b!.duplicate).toBe(true);
    expect(await openCommitments(store, { skus: ["AB-12"] })).toEqual([{ node: "east", sku: "AB-12", quantity: 1, orders: 1 }]);
    // The edit adds HL-03, which both nodes have: it joins the east shipment rather than opening a second one.
    const edited = { ...first, lines: [...first.lines, { lineId: "6-2", sku: "HL-03", quantity: 1, unitPrice: { amountMinor: 1000, currency: "USD" }, taxes: [], requiresShipping: true }] };
    const [u] = await engine.capture("shop", [{ type: "order.updated", sourceEventId: "o6-edit", occurredAt: "2026-11-27T10:01:00.000Z", data: edited }]);
    const parts = await store.rows<{ destination: string; settings: { fulfilmentPart: { lineIds: string[] } } }>(sql`select destination, settings from deliveries where event_id = ${u!.eventId} and action = 'ship'`);
    expect(parts).toEqual([{ destination: "wms-east", settings: expect.objectContaining({ fulfilmentPart: expect.objectContaining({ lineIds: ["6-1", "6-2"] }) }) }]);
    expect(await openCommitments(store, { skus: ["AB-12", "HL-03"] })).toEqual([
      { node: "east", sku: "AB-12", quantity: 1, orders: 1 },
      { node: "east", sku: "HL-03", quantity: 1, orders: 1 },
    ]);
    expect(a!.duplicate).toBe(false);
    expect(wms.calls.length + wmsEast.calls.length).toBe(0);
  });

  it("never promises the last unit twice, however many orders race for it (across connections too)", async () => {
    const { store, engine, router } = await start({ workers: false });
    await engine.capture("erp", [level("FK-02", "main", 1), level("FK-02", "east", 0)]);
    const routers = [router];
    if (store.kind === "postgres") {
      const [{ db }] = await store.rows<{ db: string }>(sql`select current_database() as db`);
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = `/${db}`;
      const other = await openStore({ kind: "postgres", url: url.toString() }, { migrate: false });
      cleanup.push(() => other.close());
      routers.push(new FulfilmentRouter(other, () => NODES));
    }
    const decisions = await Promise.all(
      Array.from({ length: 12 }, (_, i) => routers[i % routers.length]!.route({ eventId: `evt-race-${i}`, type: "order.created", order: order(100 + i, [["FK-02", 1]]), ackDeliveryOf: () => undefined })),
    );
    const winners = decisions.filter((d) => d?.kind === "single");
    expect(winners).toHaveLength(1);
    expect(winners[0]!.parts[0]!.node).toBe("main");
    expect(decisions.filter((d) => d?.kind === "backorder")).toHaveLength(11);
  });
});
