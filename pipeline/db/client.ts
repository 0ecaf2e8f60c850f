import type { SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import * as schema from "./schema";
import type { Config } from "../config";

export type Schema = typeof schema;
/** The one database type: the same query code runs on PostgreSQL (postgres.js) and PGlite. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Store {
  readonly db: Db;
  readonly kind: "postgres" | "pglite";
  /** Runs raw SQL and returns its rows, hiding the two drivers' result shapes. */
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

type PostgresStore = Store & { withLock(key: number, fn: () => Promise<void>): Promise<void> };
const MIGRATION_LOCK = 7172024;

export const MIGRATIONS_FOLDER = resolve(process.cwd(), "drizzle");

export async function openStore(database: Config["database"], opts: { poolSize?: number; migrate?: boolean } = {}): Promise<Store> {
  const store = database.kind === "postgres" ? await openPostgres(database.url, opts.poolSize ?? 10) : await openPglite(database.dataDir);
  if (opts.migrate !== false) await migrateStore(store);
  return store;
}

async function openPostgres(url: string, max: number): Promise<Store> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  // Notices ("schema drizzle already exists, skipping") are noise on every start.
  const client = postgres(url, { max, onnotice: () => {}, connect_timeout: 5, idle_timeout: 30 });
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "postgres",
    rows: async <T>(q: SQL) => (await db.execute(q)) as unknown as T[],
    ping: async () => void (await client`select 1`),
    close: () => client.end({ timeout: 5 }),
    withLock: async (key: number, fn: () => Promise<void>) => {
      const conn = await client.reserve();
      try {
        await conn`select pg_advisory_lock(${key})`;
        await fn();
      } finally {
        await conn`select pg_advisory_unlock(${key})`.catch(() => {});
        conn.release();
      }
    },
  } as Store;
}

/** dataDir "memory://" (or a path) selects an in-memory or persisted PGlite. */
async function openPglite(dataDir: string): Promise<Store> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir.startsWith("memory://") ? undefined : dataDir);
  await client.waitReady;
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    rows: async <T>(q: SQL) => ((await db.execute(q)) as unknown as { rows: T[] }).rows,
    ping: async () => void (await client.query("select 1")),
    close: () => client.close(),
  };
}

/**
 * Applies drizzle/ migrations. On PostgreSQL an advisory lock makes concurrent starts of many
 * workers safe: one migrates, the others wait and then find nothing to do.
 */
export async function migrateStore(store: Store, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  if (store.kind === "pglite") {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(store.db as never, { migrationsFolder });
    return;
  }
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  await (store as PostgresStore).withLock(MIGRATION_LOCK, () => migrate(store.db as never, { migrationsFolder }));
}
