import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { openPgliteTestStore, storeBackends, type TestStore } from "../../testing/backends";
import { FREEZE_AGE, maintenanceDue, maintenanceWarnings, runMaintenance, tableStats, type TableStats } from "../maintenance";
import type { Store } from "../client";
import { loadConfig } from "../../config";
import { InProcessTransport } from "../../queue/in-process";
import { Runtime } from "../../runtime";

const table = (t: Partial<TableStats>): TableStats => ({ table: "deliveries", liveRows: 0, deadRows: 0, modifiedSinceAnalyze: 0, xidAge: 1000, ...t });

describe("maintenanceDue (autovacuum's default rules)", () => {
  it("vacuums once dead rows pass 50 + 20 % of the live ones, not before", () => {
    expect(maintenanceDue([table({ liveRows: 10_000, deadRows: 2_050 })])).toEqual([]);
    expect(maintenanceDue([table({ liveRows: 10_000, deadRows: 2_051 })])).toEqual([
      { table: "deliveries", action: "vacuum", reason: "2051 dead rows against 10000 live" },
    ]);
  });

  it("analyzes a table whose rows changed past 50 + 10 % without dead rows (an append-only log)", () => {
    expect(maintenanceDue([table({ table: "events", liveRows: 10_000, modifiedSinceAnalyze: 1_051 })])).toEqual([
      { table: "events", action: "analyze", reason: "1051 rows changed since the last analyze" },
    ]);
    expect(maintenanceDue([table({ table: "events", liveRows: 10_000, modifiedSinceAnalyze: 1_050 })])).toEqual([]);
  });

  it("freezes an old table first, whatever else is due", () => {
    const [step] = maintenanceDue([table({ deadRows: 1_000_000, xidAge: FREEZE_AGE + 1 })]);
    expect(step?.action).toBe("vacuum freeze");
  });
});

describe("embedded upkeep on PGlite", () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openPgliteTestStore();
    await store.rows(sql`create table upkeep_probe (id int primary key, v int not null)`);
    await store.rows(sql`insert into upkeep_probe select g, 0 from generate_series(1, 1000) g`);
    for (let i = 0; i < 3; i++) await store.rows(sql`update upkeep_probe set v = v + 1`);
    // Activity counters reach the statistics views at most once a second; do not wait for that.
    await store.rows(sql`select pg_stat_force_next_flush()`);
  });
  afterAll(async () => store?.dispose());

  it("vacuums the churned table, after which nothing is due for it", async () => {
    const probe = async () => (await tableStats(store)).find((t) => t.table === "upkeep_probe");
    // PGlite's standalone backend has no autovacuum: the dead versions stay until we act
    // (3,000 written; page pruning on the way reclaims some of them, never most).
    expect((await probe())?.deadRows).toBeGreaterThan(1000);

    const steps = await runMaintenance(store);
    expect(steps).toContainEqual(expect.objectContaining({ table: "upkeep_probe", action: "vacuum" }));
    expect((await probe())?.deadRows).toBe(0);
    expect((await runMaintenance(store)).map((s) => s.table)).not.toContain("upkeep_probe");
  });

  it("has no warning to give: this process does the work", async () => {
    expect(await maintenanceWarnings(store)).toEqual([]);
  });
});

describe.each(storeBackends().filter((b) => b.name === "postgres"))("maintenance warnings on $name", (backend) => {
  let store: TestStore;
  beforeAll(async () => void (store = await backend.open()));
  afterAll(async () => store?.dispose());

  it("warns exactly when the server's autovacuum is off", async () => {
    const [{ autovacuum }] = await store.rows<{ autovacuum: string }>(sql`show autovacuum`);
    const warnings = await maintenanceWarnings(store);
    expect(warnings.length).toBe(autovacuum === "off" ? 1 : 0);
    if (warnings.length) expect(warnings[0]).toMatch(/autovacuum is off/);
  });

  it("reports the warning in the runtime's health without calling the process unhealthy", async () => {
    const rt = await Runtime.open({ config: loadConfig({ LOOPKEEPER_DATA_DIR: mkdtempSync(join(tmpdir(), "lk-upkeep-")) }), store, transport: new InProcessTransport() });
    try {
      const health = await rt.health();
      expect(health.ok).toBe(true);
      expect(health.database.warnings ?? []).toEqual(await maintenanceWarnings(store));
    } finally {
      await rt.halt();
    }
  });
});

describe("maintenance warnings by server setting", () => {
  const serverWith = (autovacuum: string) => ({ kind: "postgres", rows: async () => [{ autovacuum }] }) as unknown as Store;
  it("names the setting to change when autovacuum is off, and says nothing when it is on", async () => {
    expect(await maintenanceWarnings(serverWith("off"))).toEqual([expect.stringMatching(/set autovacuum = on/)]);
    expect(await maintenanceWarnings(serverWith("on"))).toEqual([]);
  });
});
