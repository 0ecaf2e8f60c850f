import { randomBytes } from "node:crypto";
import { openPgliteTestStore, openPostgresTestStore, redisUrlForTests, storeBackends, type TestStore } from "./backends";
import type { QueueTransport } from "../queue/transport";
import { InProcessTransport } from "../queue/in-process";

/**
 * The two real configurations the pipeline runs in: embedded (PGlite + in-process queue) and
 * scale-out (PostgreSQL + BullMQ on Redis). Engine contract suites run once per pair.
 */
export interface EngineBackend {
  name: string;
  openStore(): Promise<TestStore>;
  /** A transport; BullMQ ones use a unique prefix so tests never see each other's jobs. */
  openTransport(): Promise<QueueTransport>;
}

export function engineBackends(): EngineBackend[] {
  const out: EngineBackend[] = [{ name: "pglite+in-process", openStore: openPgliteTestStore, openTransport: async () => new InProcessTransport() }];
  const pg = storeBackends().find((b) => b.name === "postgres");
  const redis = redisUrlForTests();
  if (pg && redis) {
    out.push({
      name: "postgres+bullmq",
      openStore: () => openPostgresTestStore(process.env.DATABASE_URL!),
      openTransport: async () => {
        const { BullmqTransport } = await import("../queue/bullmq");
        return new BullmqTransport(redis, `lkt${randomBytes(4).toString("hex")}`);
      },
    });
  }
  return out;
}

export function transportBackends(): { name: string; open(prefix?: string): Promise<QueueTransport> }[] {
  const out: { name: string; open(prefix?: string): Promise<QueueTransport> }[] = [{ name: "in-process", open: async () => new InProcessTransport() }];
  const redis = redisUrlForTests();
  if (redis) {
    out.push({
      name: "bullmq",
      open: async (prefix) => {
        const { BullmqTransport } = await import("../queue/bullmq");
        return new BullmqTransport(redis, prefix ?? `lkt${randomBytes(4).toString("hex")}`);
      },
    });
  }
  return out;
}

/** Polls until `check` returns a truthy value or the time runs out (no fixed sleeps in tests). */
export async function waitFor<T>(check: () => Promise<T> | T, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 25));
  }
  throw new Error(`timed out waiting for ${opts.what ?? "condition"} (last value: ${JSON.stringify(last)})`);
}
