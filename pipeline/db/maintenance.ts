import { sql } from "drizzle-orm";
import type { Store } from "./client";

/**
 * Table upkeep for the embedded database. PGlite runs PostgreSQL as one standalone backend:
 * `autovacuum` reads "on" but no launcher exists, so nothing ever vacuums or analyzes. Deliveries
 * and event progress are updated two or three times per event; left alone, dead rows pile up,
 * tables and indexes grow without bound, the planner works from the statistics of the day the
 * database was created, and transaction ids age towards wraparound. This does what autovacuum
 * would, with its default thresholds, one table at a time.
 */

/** PostgreSQL's defaults: autovacuum_vacuum_threshold/scale_factor, analyze likewise, freeze_max_age. */
const VACUUM_BASE = 50;
const VACUUM_SCALE = 0.2;
const ANALYZE_BASE = 50;
const ANALYZE_SCALE = 0.1;
/** Below autovacuum_freeze_max_age (200 M), so freezing happens well before PostgreSQL insists. */
export const FREEZE_AGE = 150_000_000;

export interface TableStats {
  table: string;
  liveRows: number;
  deadRows: number;
  modifiedSinceAnalyze: number;
  xidAge: number;
}

export interface MaintenanceStep {
  table: string;
  action: "vacuum" | "analyze" | "vacuum freeze";
  reason: string;
}

/** What autovacuum would do now, by its default rules; a table gets at most one step. */
export function maintenanceDue(stats: TableStats[]): MaintenanceStep[] {
  const steps: MaintenanceStep[] = [];
  for (const t of stats) {
    if (t.xidAge > FREEZE_AGE) steps.push({ table: t.table, action: "vacuum freeze", reason: `oldest transaction id is ${t.xidAge} transactions old` });
    else if (t.deadRows > VACUUM_BASE + VACUUM_SCALE * t.liveRows) steps.push({ table: t.table, action: "vacuum", reason: `${t.deadRows} dead rows against ${t.liveRows} live` });
    else if (t.modifiedSinceAnalyze > ANALYZE_BASE + ANALYZE_SCALE * t.liveRows) {
      steps.push({ table: t.table, action: "analyze", reason: `${t.modifiedSinceAnalyze} rows changed since the last analyze` });
    }
  }
  return steps;
}

export async function tableStats(store: Store): Promise<TableStats[]> {
  const rows = await store.rows<{ table: string; live: string; dead: string; modified: string; xid_age: string }>(sql`
    select s.relname as "table", s.n_live_tup as live, s.n_dead_tup as dead, s.n_mod_since_analyze as modified, age(c.relfrozenxid) as xid_age
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid
     where s.schemaname = 'public'`);
  return rows.map((r) => ({ table: r.table, liveRows: Number(r.live), deadRows: Number(r.dead), modifiedSinceAnalyze: Number(r.modified), xidAge: Number(r.xid_age) }));
}

/**
 * Runs the due steps, one table at a time, and says how long each took: PGlite serves one
 * statement at a time, so a step holds up everything else for that long.
 */
export async function runMaintenance(store: Store): Promise<(MaintenanceStep & { ms: number })[]> {
  const done = [];
  for (const s of maintenanceDue(await tableStats(store))) {
    const command = s.action === "vacuum freeze" ? "vacuum (freeze, analyze)" : s.action === "vacuum" ? "vacuum (analyze)" : "analyze";
    const started = performance.now();
    // The name comes from the catalogue; quoting keeps it an identifier whatever it holds.
    await store.rows(sql.raw(`${command} "${s.table.replaceAll('"', '""')}"`));
    done.push({ ...s, ms: Math.round(performance.now() - started) });
  }
  return done;
}

/**
 * A warning for /api/health when the server will not do this work itself: PostgreSQL with
 * autovacuum switched off. (PGlite gets the worker's own upkeep instead: Runtime.startEmbeddedUpkeep.)
 */
export async function maintenanceWarnings(store: Store): Promise<string[]> {
  if (store.kind !== "postgres") return [];
  const [row] = await store.rows<{ autovacuum: string }>(sql`select current_setting('autovacuum') as autovacuum`);
  return row?.autovacuum === "off"
    ? ["autovacuum is off on this PostgreSQL server: deliveries and event progress are updated in place, so their tables will bloat and their statistics go stale; set autovacuum = on"]
    : [];
}
