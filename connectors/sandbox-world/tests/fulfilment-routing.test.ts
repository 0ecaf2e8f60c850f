import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { Runtime } from "../../../pipeline/runtime";
import type { TestStore } from "../../../pipeline/testing/backends";
import { waitFor } from "../../../pipeline/testing/engine-backends";
import { startWorldHarness, type WorldHarness } from "../../../pipeline/testing/world-harness";
import { startSandboxWorld, type SandboxWorld } from "../world";

/**
 * Fulfilment routing over HTTP, with the 3PL ("main", the ShipStation sandbox) and the east
 * warehouse (its own ShipStation sandbox) as nodes: each order goes where stock, SLA and cost say,
 * a split order becomes one 3PL order per node, and the ERP commits at the routed locations.
 * Every sandbox's own state is the judge.
 */
describe("fulfilment routing across the 3PL and the east warehouse", () => {
  let h: WorldHarness<SandboxWorld>;
  let store: TestStore;
  let rt: Runtime;
  let world: SandboxWorld;

  beforeAll(async () => {
    h = await startWorldHarness((appUrl) => startSandboxWorld({ appUrl }), { name: "route", leaseSeconds: 60 });
    ({ store, world, rt } = h);
  });

  afterAll(async () => h?.close());

  /** Routing reads stock from our event log: wait until the ERP's level reached it. */
  const levelCaptured = (sku: string, location: string, available: number) =>
    waitFor(async () => {
      const [r] = await store.rows<{ a: number }>(sql`
        select (payload->>'available')::int as a from events
         where type = 'inventory.level' and source_connector = 'netsuite' and payload->>'sku' = ${sku} and payload->>'location' = ${location}
         order by occurred_at desc, received_at desc limit 1`);
      return r?.a === available;
    }, { timeoutMs: 20_000, what: `NetSuite ${sku}@${location} = ${available} captured` });

  /** The 3PL's count of a SKU drops to zero (sold elsewhere): east is then the only node with it. */
  const sellOutAtMain = async (sku: string) => {
    const left = world.netsuite.inventoryOf(sku, "main").available;
    if (left > 0) world.netsuite.adjustInventory(sku, "main", -left, "cycle count");
    await levelCaptured(sku, "main", 0);
  };

  const place = (name: string, lines: { sku: string; quantity: number }[]) =>
    world.shopify.placeOrder({ lines, email: `${name}@example.com`, shippingMinor: 695, shippingAddress: { name: "Ada Park", address1: "1 Main St", city: "Denver", province: "CO", zip: "80202", country: "US" } });
  const ordersAt = (ss: SandboxWorld["shipstation"], orderNumber: string) => [...ss.state.orders.values()].filter((o) => o.orderNumber === orderNumber);
  const salesOrderOf = (orderNumber: string) => [...world.netsuite.state.transactions.values()].find((t) => t.type === "salesOrder" && t.otherRefNum === orderNumber);
  const lineLocations = (orderNumber: string) => {
    const so = salesOrderOf(orderNumber)!;
    const names = new Map(Object.entries(world.netsuite.ids.locations).map(([name, id]) => [id, name]));
    // Stock lines only: the tax line is an Other Charge item, booked at the header location.
    const skus = new Map([...world.netsuite.state.items.values()].filter((i) => i.itemtype === "InvtPart").map((i) => [i.id, i.itemid]));
    return Object.fromEntries(so.lines.filter((l) => skus.has(l.itemId)).map((l) => [skus.get(l.itemId), names.get(l.locationId ?? so.locationId ?? "")]));
  };
  const routeMessage = async (orderNumber: string) =>
    (await store.rows<{ m: string }>(sql`select a.error_message as m from attempts a join events e on e.id = a.event_id where e.order_number = ${orderNumber} and e.type = 'order.created' and a.stage = 'route'`))[0]?.m;

  it("sends an order only the east warehouse can fill to east, and the ERP commits it there", async () => {
    await sellOutAtMain("FK-02");
    const eastBefore = world.netsuite.inventoryOf("FK-02", "east").committed;

    const o = await place("east-only", [{ sku: "FK-02", quantity: 2 }, { sku: "AB-12", quantity: 1 }]);
    await waitFor(() => ordersAt(world.warehouseEast, o.name).length === 1, { timeoutMs: 30_000, what: "the east warehouse's ShipStation order" });
    const [eastOrder] = ordersAt(world.warehouseEast, o.name);
    expect(eastOrder!.advancedOptions!.warehouseId).toBe(world.warehouseEast.state.findWarehouse("east")!.warehouseId);
    expect(eastOrder!.items!.filter((i) => i.sku).map((i) => [i.sku, i.quantity])).toEqual([["FK-02", 2], ["AB-12", 1]]);
    expect(ordersAt(world.shipstation, o.name)).toHaveLength(0);
    expect(lineLocations(o.name)).toEqual({ "FK-02": "east", "AB-12": "east" });
    expect(world.netsuite.inventoryOf("FK-02", "east").committed).toBe(eastBefore + 2);
    expect(await routeMessage(o.name)).toContain("fulfilment: east: main lacks FK-02 (2 wanted, 0 available)");
  }, 90_000);

  it("splits an order no node can fill alone: one 3PL order per node, ERP lines at each node, each shipment tracked back", async () => {
    await sellOutAtMain("FK-02");
    // Trail Rope is only at the 3PL, Folding Knives only at east.
    const o = await place("split", [{ sku: "TR-20", quantity: 1 }, { sku: "FK-02", quantity: 1 }]);
    await waitFor(() => ordersAt(world.shipstation, o.name).length === 1 && ordersAt(world.warehouseEast, o.name).length === 1, { timeoutMs: 30_000, what: "a ShipStation order at each node" });
    const [mainOrder] = ordersAt(world.shipstation, o.name);
    const [eastOrder] = ordersAt(world.warehouseEast, o.name);
    expect(mainOrder!.items!.filter((i) => i.sku).map((i) => i.sku)).toEqual(["TR-20"]);
    expect(eastOrder!.items!.filter((i) => i.sku).map((i) => i.sku)).toEqual(["FK-02"]);
    expect([mainOrder!.orderKey, eastOrder!.orderKey]).toEqual([`shopify:${o.id}`, `shopify:${o.id}~east`]);
    const sos = [...world.netsuite.state.transactions.values()].filter((t) => t.type === "salesOrder" && t.otherRefNum === o.name);
    expect(sos).toHaveLength(1);
    expect(lineLocations(o.name)).toEqual({ "TR-20": "main", "FK-02": "east" });
    expect(await routeMessage(o.name)).toContain("split into 2: main (TR-20) + east (FK-02)");

    await world.shipstation.ship(`shopify:${o.id}`);
    await world.warehouseEast.ship(`shopify:${o.id}~east`);
    await waitFor(() => world.shopify.state.fulfillments.filter((f) => f.orderId === o.id && f.tracking.number).length === 2, { timeoutMs: 30_000, what: "two Shopify fulfillments with tracking" });
    const so = salesOrderOf(o.name)!;
    await waitFor(() => [...world.netsuite.state.transactions.values()].filter((t) => t.type === "itemFulfillment" && t.createdFromId === so.id).length === 2, { timeoutMs: 30_000, what: "two NetSuite item fulfillments" });
    const fulfilments = [...world.netsuite.state.transactions.values()].filter((t) => t.type === "itemFulfillment" && t.createdFromId === so.id);
    const names = new Map(Object.entries(world.netsuite.ids.locations).map(([name, id]) => [id, name]));
    expect(fulfilments.map((f) => names.get(f.lines[0]!.locationId!)).sort()).toEqual(["east", "main"]);
    expect(world.shopify.state.fulfillments.filter((f) => f.orderId === o.id).map((f) => f.tracking.number).sort()).toEqual(
      [...world.shipstation.state.shipments, ...world.warehouseEast.state.shipments].filter((s) => s.orderNumber === o.name).map((s) => s.trackingNumber).sort(),
    );
    const parked = await store.rows<{ n: number }>(sql`select count(*)::int as n from parked_deliveries p join events e on e.id = p.event_id where e.order_number = ${o.name}`);
    expect(parked[0]!.n).toBe(0);
  }, 90_000);
});
