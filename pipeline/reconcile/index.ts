import type { Runtime } from "../runtime";
import { runReconciliation, type RunOptions, type RunOutcome } from "./engine";
import { reconDepsOf } from "./propose";

export { runReconciliation, RECONCILERS, type ProposeRemediation, type ReconDeps, type RunOptions, type RunOutcome } from "./engine";
export { proposerFor, reconDepsOf } from "./propose";
export { getReconciliationReport, type ReconciliationReport, type ReportFinding } from "./report";
export { scheduleReconciliation } from "./schedule";
export { DomainSettings, defaultSettings, loadReconSettings, saveReconSettings } from "./settings";
export { RECON_DOMAINS, type ReconDomain, type Finding, type Evidence, type BridgeLine, type ProposedRepair } from "./types";

/** On demand, against a runtime's live connections (the CLI, a tool, the console's "Run now"). */
export function reconcileNow(rt: Runtime, opts: RunOptions): Promise<RunOutcome> {
  return runReconciliation(reconDepsOf(rt), { trigger: "on_demand", ...opts });
}
