import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeBackends, type TestStore } from "../../testing/backends";
import { listMappings, upsertMapping } from "../queries/console-connections";
import { failureStatusCounts, listFailureGroups, parkedDeliveriesOfGroups, replayPreviewFacts, setFailureGroupOwner, setFailureGroupStatus } from "../queries/console-failures";
import { listOrders, reconDiffsOfOrder } from "../queries/console-orders";
import { loopStageRows, loopTotals, navCounts, throughputSeries } from "../queries/console-overview";
import { latestReconRuns, listReconDiffs, reconDiffKinds, reconRunHistory } from "../queries/console-recon";
import { changeSignature } from "../queries/console-stream";
import { usageByDay } from "../queries/console-usage";

const KEY = "validation|netsuite|item|SKU ZZ-99 has no NetSuite item";

/**
 * The console's SQL on both backends (PGlite is PostgreSQL 18, the server 15): a small loop of two
 * orders, one delivered everywhere and one stopped at the ERP, read through every console query.
 */
describe.each(storeBackends())("console queries on $name", (backend) => {
  let store: TestStore;

  beforeAll(async () => {
    store = await backend.open();
    const ev = (id: string, type: string, source: string, order: string, skus: string[], status: string) =>
      store.rows(sql`with e as (insert into events (id, schema_version, type, source_connector, source_event_id, order_number, skus, correlation_id, payload, occurred_at, received_at)
        values (${id}, 1, ${type}, ${source}, ${`src-${id}`}, ${order}, array(select jsonb_array_elements_text(${JSON.stringify(skus)}::jsonb)), ${`cor-${order}`}, ${JSON.stringify({ orderNumber: order })}::jsonb, now() - interval '5 minutes', now() - interval '4 minutes') returning id)
        insert into event_progress (event_id, status) select id, ${status} from e`);
    await ev("evt_1", "order.created", "shopify", "#1", ["AB-12"], "delivered");
    await ev("evt_2", "order.created", "shopify", "#2", ["ZZ-99"], "parked");
    await ev("evt_3", "shipment.created", "shipstation", "#1", ["AB-12"], "delivered");
    const dl = (id: string, event: string, dest: string, action: string, status: string, failureKey: string | null = null) =>
      store.rows(sql`insert into deliveries (id, event_id, destination, action, idempotency_key, status, attempts, failure_key, created_at, updated_at)
        values (${id}, ${event}, ${dest}, ${action}, ${`key-${id}`}, ${status}, 1, ${failureKey}, now() - interval '4 minutes', now() - interval '3 minutes')`);
    await dl("dlv_1", "evt_1", "netsuite", "upsert_sales_order", "succeeded");
    await dl("dlv_2", "evt_2", "netsuite", "upsert_sales_order", "parked", KEY);
    await dl("dlv_3", "evt_2", "quickbooks", "post_sales_receipt", "pending");
    await dl("dlv_4", "evt_3", "shopify", "create_fulfillment", "succeeded");
    await store.rows(sql`insert into attempts (event_id, delivery_id, stage, destination, attempt_no, started_at, duration_ms, outcome, error_class, error_message)
      values ('evt_1', 'dlv_1', 'deliver', 'netsuite', 1, now() - interval '3 minutes', 120, 'ok', null, null),
             ('evt_2', 'dlv_2', 'deliver', 'netsuite', 1, now() - interval '3 minutes', 90, 'parked', 'validation', 'SKU ZZ-99 has no NetSuite item')`);
    await store.rows(sql`insert into parked_deliveries (delivery_id, event_id, destination, error_class, reason, field, parked_at)
      values ('dlv_2', 'evt_2', 'netsuite', 'validation', 'SKU ZZ-99 has no NetSuite item (field item)', 'item', now() - interval '3 minutes')`);
    await store.rows(sql`insert into failure_groups (key, root_cause, title, connector, owner, status) values (${KEY}, 'validation', 'netsuite: SKU ZZ-99 has no NetSuite item', 'netsuite', 'erp-team', 'open')`);
    await store.rows(sql`insert into connector_instances (id, connector_type, display_name) values ('netsuite', 'netsuite', 'NetSuite')`);
    await store.rows(sql`insert into recon_runs (id, domain, status, checked, diff_count, finished_at) values ('run_1', 'orders', 'finished', 2, 1, now())`);
    await store.rows(sql`insert into recon_diffs (id, run_id, domain, subject, kind, sides, evidence) values ('diff_1', 'run_1', 'orders', '#2', 'missing_in_erp', '{"shopify": "present", "netsuite": null}'::jsonb, '[]'::jsonb)`);
  });
  afterAll(() => store?.dispose());

  it("places connectors on the loop's stages with throughput, failures and lag", async () => {
    const rows = await loopStageRows(store, { quickbooks: "accounting", shopify: "channel" });
    const find = (stage: string, connector: string, side: string) => rows.find((r) => r.stage === stage && r.connector === connector && r.side === side);
    expect(find("capture", "shopify", "source")).toMatchObject({ lastHour: 2, lastDay: 2 });
    expect(find("fulfilment", "shipstation", "source")).toMatchObject({ lastHour: 1 });
    expect(find("fulfilment", "netsuite", "destination")).toMatchObject({ failures: 1, lastHour: 1, waiting: 0 });
    expect(find("accounting", "quickbooks", "destination")).toMatchObject({ waiting: 1, failures: 0 });
    expect(find("accounting", "quickbooks", "destination")!.oldestWaitingSeconds).toBeGreaterThan(200);
    expect(find("channel", "shopify", "destination")).toMatchObject({ lastHour: 1 });
    expect(await loopTotals(store)).toMatchObject({ eventsLastHour: 3, deliveredLastHour: 2, parkedOpen: 1, openFailureGroups: 1, waiting: 1 });
    expect(await navCounts(store)).toEqual({ openFailureGroups: 1, proposedRemediations: 0 });
    const series = await throughputSeries(store, { minutes: 60, bucketMinutes: 5 });
    expect(series.reduce((n, b) => n + b.captured, 0)).toBe(3);
    expect(series.reduce((n, b) => n + b.parked, 0)).toBe(1);
  });

  it("groups failures by root cause and works their status, owner and replay preview", async () => {
    const [g] = await listFailureGroups(store, { status: "open" });
    expect(g).toMatchObject({ key: KEY, parked: 1, orders: 1, sampleOrders: ["#2"], owner: "erp-team" });
    expect(await listFailureGroups(store, { q: "zz-99" })).toHaveLength(1);
    expect((await parkedDeliveriesOfGroups(store, [KEY]))[0]).toMatchObject({ deliveryId: "dlv_2", orderNumber: "#2", field: "item" });
    const facts = await replayPreviewFacts(store, [KEY]);
    expect(facts).toMatchObject({ deliveries: 1, orders: 1, byDestination: [{ destination: "netsuite", action: "upsert_sales_order", n: 1 }] });
    expect(facts.changesSince[0]).toMatchObject({ destination: "netsuite", mappingsUpdated: 0 });
    await upsertMapping(store, { kind: "netsuite_item", connector: "netsuite", sourceKey: "ZZ-99", targetKey: "106" });
    expect((await replayPreviewFacts(store, [KEY])).changesSince[0]!.mappingsUpdated).toBe(1);
    expect(await listMappings(store, { connector: "netsuite", q: "zz" })).toHaveLength(1);
    const before = await changeSignature(store);
    expect(await setFailureGroupStatus(store, [KEY], "acknowledged")).toEqual([{ key: KEY, before: "open" }]);
    expect(await setFailureGroupOwner(store, KEY, "dana")).toEqual({ before: "erp-team" });
    const after = await changeSignature(store);
    expect(after.failures).not.toBe(before.failures);
    expect(after.events).toBe(before.events);
    expect(await failureStatusCounts(store)).toMatchObject({ open: 0, acknowledged: 1 });
  });

  it("lists orders with their loop state and finds reconciliation findings", async () => {
    const orders = await listOrders(store);
    expect(orders.map((o) => [o.ref, o.state, o.openReconDiffs])).toEqual(expect.arrayContaining([["#1", "done", 0], ["#2", "parked", 1]]));
    expect((await listOrders(store, { q: "ZZ-99" })).map((o) => o.ref)).toEqual(["#2"]);
    expect((await listOrders(store, { state: "done" })).map((o) => o.ref)).toEqual(["#1"]);
    expect(await reconDiffsOfOrder(store, ["#2"])).toHaveLength(1);
    expect(await latestReconRuns(store)).toMatchObject([{ domain: "orders", openDiffs: 1 }]);
    expect(await reconRunHistory(store, "orders")).toHaveLength(1);
    expect(await reconDiffKinds(store, "orders")).toEqual([{ kind: "missing_in_erp", open: 1, total: 1 }]);
    expect(await listReconDiffs(store, { domain: "orders", status: "open" })).toHaveLength(1);
  });

  it("counts usage per connector per day: captured in, delivered out", async () => {
    const usage = await usageByDay(store, 7);
    const total = (connector: string, direction: string) => usage.filter((u) => u.connector === connector && u.direction === direction).reduce((n, u) => n + u.count, 0);
    expect(total("shopify", "in")).toBe(2);
    expect(total("shipstation", "in")).toBe(1);
    expect(total("netsuite", "out")).toBe(2);
    expect(total("quickbooks", "out")).toBe(1);
    expect(usage.every((u) => /^\d{4}-\d{2}-\d{2}$/.test(u.day))).toBe(true);
  });
});
