import type { AnyTool } from "./define-tool";
import applyRemediation from "./apply-remediation";
import approveRemediation from "./approve-remediation";
import explainFailure from "./explain-failure";
import getAuditLog from "./get-audit-log";
import getConnectorHealth from "./get-connector-health";
import getEvent from "./get-event";
import getOrderTrace from "./get-order-trace";
import getReconciliationReport from "./get-reconciliation-report";
import getRemediation from "./get-remediation";
import listFailures from "./list-failures";
import previewReplay from "./preview-replay";
import proposeRemediation from "./propose-remediation";
import rejectRemediation from "./reject-remediation";
import searchEvents from "./search-events";
import verifyAuditChain from "./verify-audit-chain";

/** Every tool, once. The agent (OpenAI adapter) and the MCP server both serve exactly this list. */
export const TOOLS: readonly AnyTool[] = [
  searchEvents,
  getEvent,
  getOrderTrace,
  listFailures,
  explainFailure,
  getReconciliationReport,
  getConnectorHealth,
  previewReplay,
  proposeRemediation,
  approveRemediation,
  rejectRemediation,
  applyRemediation,
  getRemediation,
  getAuditLog,
  verifyAuditChain,
];

export function toolByName(name: string): AnyTool | undefined {
  return TOOLS.find((t) => t.name === name);
}
