import type { QueueTransport } from "../queue/transport";
import { runReconciliation, type ReconDeps } from "./engine";
import { loadReconSettings } from "./settings";
import { RECON_DOMAINS, type ReconDomain } from "./types";

/**
 * Puts every enabled domain on its schedule (recon_settings everyMs) through the queue
 * transport: a BullMQ job scheduler in scale-out mode, so each tick runs once across all
 * workers; a timer in embedded mode. Runs find the connections at run time, so a connection
 * added in the console is reconciled from its next tick. A changed everyMs applies at the next
 * worker start.
 */
export async function scheduleReconciliation(deps: ReconDeps & { transport: QueueTransport }): Promise<ReconDomain[]> {
  const settings = await loadReconSettings(deps.store);
  const scheduled: ReconDomain[] = [];
  for (const domain of RECON_DOMAINS) {
    if (!settings[domain].enabled) continue;
    await deps.transport.schedule(`reconcile-${domain}`, settings[domain].everyMs, async () => {
      await runReconciliation(deps, { domain, trigger: "schedule" });
    });
    scheduled.push(domain);
  }
  return scheduled;
}
