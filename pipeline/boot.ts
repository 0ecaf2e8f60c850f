import { log } from "./log";
import { getRuntime } from "./runtime";
import { applySandboxWorld } from "./sandbox-world-config";

/**
 * Start-up of the web process: if `npm start` launched a sandbox world, its connections, routes
 * and mappings are applied before the workers start, so the first delivery already has them.
 */
export async function bootWebProcess(): Promise<void> {
  try {
    const rt = await getRuntime({ prepare: async (r) => void ((await applySandboxWorld(r)) && (await r.reload())) });
    log.info({ database: rt.store.kind, queue: rt.transport.kind }, "loopkeeper runtime started");
  } catch (e) {
    log.error({ err: (e as Error).message }, "runtime failed to start");
    throw e;
  }
}
