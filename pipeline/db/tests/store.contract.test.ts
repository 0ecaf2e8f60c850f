import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { storeBackends, type TestStore } from "../../testing/backends";
import { events } from "../schema";
import { migrateStore } from "../client";

describe.each(storeBackends())("store on $name", (backend) => {
  let store: TestStore;
  beforeAll(async () => void (store = await backend.open()));
  afterAll(async () => store?.dispose());

  it("runs the committed migrations and can run them again without change", async () => {
    await migrateStore(store);
    const tables = await store.rows<{ table_name: string }>(sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`);
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(["events", "deliveries", "attempts", "audit_log", "quarantine", "parked_deliveries", "connector_instances", "mappings", "recon_diffs", "remediations"]));
  });

  it("rejects a second event with the same source id", async () => {
    const row = { id: "evt_a", schemaVersion: 1, type: "order.created", sourceConnector: "shopify", sourceEventId: "e-1", correlationId: "c", occurredAt: "2026-11-27T00:00:00.000Z" };
    await store.db.insert(events).values(row);
    const again = await store.db.insert(events).values({ ...row, id: "evt_b" }).onConflictDoNothing().returning({ id: events.id });
    expect(again).toEqual([]);
    const [stored] = await store.db.select().from(events).where(eq(events.sourceEventId, "e-1"));
    expect(stored?.id).toBe("evt_a");
  });

  it("returns counts as numbers on both drivers", async () => {
    const [r] = await store.rows<{ n: number }>(sql`select count(*)::int as n from events`);
    expect(r?.n).toBe(1);
  });
});
