import { randomBytes } from "node:crypto";
import { openStore, type Store } from "../db/client";

/**
 * Test backends. Contract suites run once per backend: PGlite always, PostgreSQL when
 * DATABASE_URL is set. With CI set, a missing DATABASE_URL / REDIS_URL is an error, not a skip.
 */
export interface TestStore extends Store {
  dispose(): Promise<void>;
}

export interface StoreBackend {
  name: "pglite" | "postgres";
  open(): Promise<TestStore>;
}

function requireInCi(name: string): string | undefined {
  const value = process.env[name];
  if (!value && process.env.CI) throw new Error(`${name} must be set when CI is set: the contract suites run against the real server`);
  return value || undefined;
}

export function storeBackends(): StoreBackend[] {
  const url = requireInCi("DATABASE_URL");
  const backends: StoreBackend[] = [{ name: "pglite", open: openPgliteTestStore }];
  if (url) backends.push({ name: "postgres", open: () => openPostgresTestStore(url) });
  return backends;
}

export async function openPgliteTestStore(): Promise<TestStore> {
  const store = await openStore({ kind: "pglite", dataDir: "memory://" });
  return Object.assign(store, { dispose: () => store.close() });
}

/** A fresh database per call, dropped on dispose, so test files never see each other's rows. */
export async function openPostgresTestStore(url: string): Promise<TestStore> {
  const { default: postgres } = await import("postgres");
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const name = `lk_t_${randomBytes(6).toString("hex")}`;
  await admin.unsafe(`create database ${name}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const store = await openStore({ kind: "postgres", url: dbUrl.toString() });
  return Object.assign(store, {
    dispose: async () => {
      await store.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  });
}

export function redisUrlForTests(): string | undefined {
  return requireInCi("REDIS_URL");
}
