import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type Config } from "../config";
import { InProcessTransport } from "../queue/in-process";
import { Runtime } from "../runtime";
import { applyWorld, type SandboxWorldFile } from "../sandbox-world-config";
import { openPgliteTestStore, type TestStore } from "./backends";
import { startIngressServer } from "./ingress-server";

/**
 * A pipeline (PGlite + in-process queue) wired to a sandbox world through a real HTTP ingress:
 * the set-up every stack test shares. `restart()` is a worker crash: the in-process queue and
 * everything in memory are gone, the database stays.
 */
export interface WorldHarness<W> {
  readonly store: TestStore;
  readonly world: W;
  readonly ingressUrl: string;
  readonly config: Config;
  /** The current runtime (a new one after restart()). */
  readonly rt: Runtime;
  restart(): Promise<Runtime>;
  close(): Promise<void>;
}

export async function startWorldHarness<W extends { config: SandboxWorldFile; close(): Promise<void> }>(
  startWorld: (appUrl: string) => Promise<W>,
  opts: { name: string; leaseSeconds?: number },
): Promise<WorldHarness<W>> {
  const config = loadConfig({
    LOOPKEEPER_DATA_DIR: mkdtempSync(join(tmpdir(), `lk-${opts.name}-`)),
    LOOPKEEPER_DELIVERY_LEASE_SECONDS: String(opts.leaseSeconds ?? 2),
    LOG_LEVEL: "warn",
  });
  const store = await openPgliteTestStore();
  let rt = await Runtime.open({ config, store, transport: new InProcessTransport() });
  const ingress = await startIngressServer(() => rt);
  const world = await startWorld(ingress.url);
  await applyWorld(rt, world.config);
  await rt.reload();
  await rt.startWorkers();
  return {
    store,
    world,
    config,
    ingressUrl: ingress.url,
    get rt() {
      return rt;
    },
    async restart() {
      await rt.halt();
      rt = await Runtime.open({ config, store, transport: new InProcessTransport() });
      await rt.startWorkers();
      return rt;
    },
    async close() {
      await rt.halt();
      await world.close();
      await ingress.close();
      await store.dispose();
    },
  };
}
