import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InventoryLevel } from "../../../pipeline/model";
import { netsuiteConnector } from "../index";
import { inventoryPoller, type InventoryCursor } from "../inventory-poller";
import { netsuiteLocalToUtcIso, utcIsoToNetsuiteLocal } from "../netsuite-time";
import { startNetSuiteSandbox, type NetSuiteSandbox } from "../sandbox/server";
import { clientFor, contextFor, orderOf, shipmentOf } from "./helpers";

const T0 = Date.parse("2026-11-27T12:00:00.000Z");

describe("inventory poller against the sandbox", () => {
  let sb: NetSuiteSandbox;
  let clock = T0;
  const poller = inventoryPoller();
  let suiteqlCalls = 0;
  const countingFetch: typeof fetch = (input, init) => {
    if (String(input).includes("/query/v1/suiteql")) suiteqlCalls++;
    return fetch(input, init);
  };

  beforeAll(async () => {
    sb = await startNetSuiteSandbox({ now: () => clock, timeZone: "America/Los_Angeles" });
  });
  afterAll(() => sb.close());
  beforeEach(() => {
    clock = T0 + 250;
    sb.state.reset();
    suiteqlCalls = 0;
  });

  it("is registered as the connector's inventory poller, polling every second", () => {
    expect(netsuiteConnector.pollers?.inventory?.intervalMs).toBe(1_000);
    expect(netsuiteConnector.pollers?.inventory?.initialCursor()).toEqual(poller.initialCursor());
  });

  const pollOnce = async (cursor: InventoryCursor, client = clientFor(sb)) => poller.poll(client, cursor, new Date());

  it("reads every row on the first poll, then nothing until NetSuite's stock changes", async () => {
    const first = await pollOnce(poller.initialCursor());
    expect(first.events.map((e) => e.data.sku).sort()).toEqual(["AB-12", "CM-01", "TR-20"]);
    for (const e of first.events) InventoryLevel.parse(e.data);
    expect(first.events[0]).toMatchObject({ type: "inventory.level", occurredAt: "2026-11-27T12:00:00.000Z", keys: { skus: [first.events[0]!.data.sku] } });
    const ab = first.events.find((e) => e.data.sku === "AB-12")!;
    expect(ab.sourceEventId).toBe("AB-12@main@2026-11-27T12:00:00.000Z");
    expect(ab.data).toMatchObject({ location: "main", onHand: 400, committed: 0, available: 400, system: "netsuite" });
    expect((await pollOnce(first.cursor)).events).toEqual([]);
  });

  it("sees an ERP adjustment once, made through the control endpoint", async () => {
    const { cursor } = await pollOnce(poller.initialCursor());
    clock = T0 + 5_000;
    const res = await fetch(`${sb.url}/_sandbox/inventory/adjust`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sku: "AB-12", location: "main", delta: -7, reason: "damage" }),
    });
    expect(await res.json()).toMatchObject({ sku: "AB-12", onHand: 393, available: 393 });
    const next = await pollOnce(cursor);
    expect(next.events).toHaveLength(1);
    expect(next.events[0]).toMatchObject({ sourceEventId: "AB-12@main@2026-11-27T12:00:05.000Z", data: { sku: "AB-12", onHand: 393, available: 393 } });
    expect((await pollOnce(next.cursor)).events).toEqual([]);
  });

  it("sees a second change within the same second, under its own event id", async () => {
    const { cursor } = await pollOnce(poller.initialCursor());
    clock = T0 + 9_100;
    sb.adjustInventory("CM-01", "main", 5);
    const a = await pollOnce(cursor);
    clock = T0 + 9_800;
    sb.adjustInventory("CM-01", "main", 1);
    const b = await pollOnce(a.cursor);
    expect(a.events.map((e) => e.data.onHand)).toEqual([255]);
    expect(b.events.map((e) => e.data.onHand)).toEqual([256]);
    expect(b.events[0]!.sourceEventId).not.toBe(a.events[0]!.sourceEventId);
    expect((await pollOnce(b.cursor)).events).toEqual([]);
  });

  it("pages through more than one SuiteQL page without gaps or repeats", async () => {
    const client = clientFor(sb, { pageSize: 2, fetch: countingFetch });
    const first = await pollOnce(poller.initialCursor(), client);
    expect(first.events.map((e) => e.data.sku).sort()).toEqual(["AB-12", "CM-01", "TR-20"]);
    expect(suiteqlCalls).toBeGreaterThan(1);

    for (const [i, sku] of ["TR-20", "AB-12", "CM-01"].entries()) {
      clock = T0 + 20_000 + i * 1_000;
      sb.adjustInventory(sku, "main", 1);
    }
    suiteqlCalls = 0;
    const next = await pollOnce(first.cursor, client);
    expect(next.events.map((e) => e.data.sku)).toEqual(["TR-20", "AB-12", "CM-01"]);
    expect(suiteqlCalls).toBeGreaterThan(1);
    expect((await pollOnce(next.cursor, client)).events).toEqual([]);
  });

  it("misses nothing when a row changes between two pages of one poll", async () => {
    const { cursor } = await pollOnce(poller.initialCursor());
    for (const [i, sku] of ["AB-12", "CM-01", "TR-20"].entries()) {
      clock = T0 + 60_000 + i * 1_000;
      sb.adjustInventory(sku, "main", 1);
    }
    let pages = 0;
    // After the first page, AB-12 changes again and jumps behind CM-01 and TR-20: an offset of 1
    // into the new order would skip CM-01.
    const midPoll: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).includes("/query/v1/suiteql") && ++pages === 1) {
        clock = T0 + 70_000;
        sb.adjustInventory("AB-12", "main", 1);
      }
      return res;
    };
    const res = await pollOnce(cursor, clientFor(sb, { pageSize: 1, fetch: midPoll }));
    expect(res.events.map((e) => [e.data.sku, e.data.onHand])).toEqual([
      ["AB-12", 401],
      ["CM-01", 251],
      ["TR-20", 121],
      ["AB-12", 402],
    ]);
  });

  it("steps over a page of rows that all share one stamp", async () => {
    const client = clientFor(sb, { pageSize: 1 });
    const first = await inventoryPoller({ maxPages: 50 }).poll(client, { since: null, seen: [] }, new Date());
    expect(first.events.map((e) => e.data.sku).sort()).toEqual(["AB-12", "CM-01", "TR-20"]);
    expect((first.cursor as InventoryCursor).seen).toHaveLength(3);
    expect((await pollOnce(first.cursor, client)).events).toEqual([]);
  });

  it("reports commitments from new orders; a repeated upsert or a fulfilment of committed stock leaves available alone", async () => {
    const client = clientFor(sb);
    const settings = { defaultCustomerId: sb.ids.customerId };
    const { cursor } = await pollOnce(poller.initialCursor());
    clock = T0 + 30_000;
    await netsuiteConnector.destinations!.upsert_sales_order!.deliver(client, contextFor("order.created", orderOf(), { settings }));
    const afterOrder = await pollOnce(cursor);
    expect(afterOrder.events.map((e) => e.data)).toMatchObject([{ sku: "AB-12", onHand: 400, committed: 3, available: 397 }]);
    clock = T0 + 35_000;
    await netsuiteConnector.destinations!.upsert_sales_order!.deliver(client, contextFor("order.updated", orderOf(), { settings }));
    expect((await pollOnce(afterOrder.cursor)).events).toEqual([]);
    clock = T0 + 40_000;
    await netsuiteConnector.destinations!.fulfill_sales_order!.deliver(client, contextFor("shipment.created", shipmentOf(), { settings }));
    expect(sb.inventoryOf("AB-12", "main")).toMatchObject({ onHand: 398, committed: 1, available: 397 });
    expect((await pollOnce(afterOrder.cursor)).events).toEqual([]);
  });

  it("reads all stock for reconciliation", async () => {
    sb.adjustInventory("TR-20", "main", -20);
    const levels = await netsuiteConnector.readers!.inventory!(clientFor(sb));
    expect(levels.map((l) => [l.sku, l.location, l.onHand, l.available, l.system])).toEqual([
      ["AB-12", "main", 400, 400, "netsuite"],
      ["CM-01", "main", 250, 250, "netsuite"],
      ["TR-20", "main", 100, 100, "netsuite"],
    ]);
  });
});

describe("SuiteQL datetimes in the user's time zone", () => {
  it("converts both ways, across a DST change", () => {
    expect(netsuiteLocalToUtcIso("2026-11-27 04:00:00", "America/Los_Angeles")).toBe("2026-11-27T12:00:00.000Z");
    expect(netsuiteLocalToUtcIso("2026-07-01 05:00:00", "America/Los_Angeles")).toBe("2026-07-01T12:00:00.000Z");
    expect(utcIsoToNetsuiteLocal("2026-07-01T12:00:00.999Z", "America/Los_Angeles")).toBe("2026-07-01 05:00:00");
    expect(utcIsoToNetsuiteLocal("2026-11-27T12:00:00Z", "UTC")).toBe("2026-11-27 12:00:00");
  });
});
