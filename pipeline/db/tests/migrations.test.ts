import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER, migrateStore, openStore, type Store } from "../client";

/** A copy of drizzle/ that stops after migration `lastIdx`: the schema as an older release left it. */
function migrationsUpTo(lastIdx: number): string {
  const dir = mkdtempSync(join(tmpdir(), "lk-migrations-"));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { idx: number }[] };
  journal.entries = journal.entries.filter((e) => e.idx <= lastIdx);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

describe("migrations on a store with data", () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it("0007 moves every event's status and delivery counts into event_progress", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "lk-store-"));
    const old = migrationsUpTo(6);
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }), () => rmSync(old, { recursive: true, force: true }));
    const store: Store = await openStore({ kind: "pglite", dataDir }, { migrate: false });
    cleanup.push(() => store.close());
    await migrateStore(store, old);
    for (const [id, status, open, parked] of [["evt_1", "delivered", 0, 0], ["evt_2", "parked", 1, 2], ["evt_3", "retrying", 3, 0]] as const) {
      await store.rows(sql`insert into events (id, schema_version, type, source_connector, source_event_id, correlation_id, status, open_deliveries, parked_deliveries, occurred_at)
        values (${id}, 1, 'order.created', 'shopify', ${id}, ${`cor-${id}`}, ${status}, ${open}, ${parked}, now())`);
    }

    await migrateStore(store);

    const progress = await store.rows<{ eventId: string; status: string; open: number; parked: number }>(sql`
      select event_id as "eventId", status, open_deliveries as open, parked_deliveries as parked from event_progress order by event_id`);
    expect(progress).toEqual([
      { eventId: "evt_1", status: "delivered", open: 0, parked: 0 },
      { eventId: "evt_2", status: "parked", open: 1, parked: 2 },
      { eventId: "evt_3", status: "retrying", open: 3, parked: 0 },
    ]);
    const columns = await store.rows<{ name: string }>(sql`select column_name as name from information_schema.columns where table_name = 'events'`);
    expect(columns.map((c) => c.name)).not.toContain("status");
  });
});
