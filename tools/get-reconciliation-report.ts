import { z } from "zod";
import { getReconciliationReport } from "../pipeline/reconcile/report";
import { defineTool } from "./define-tool";

const Bridge = z.array(z.unknown());

export default defineTool({
  name: "get_reconciliation_report",
  title: "Reconciliation report",
  description:
    "What the reconcilers found when they compared the systems of record (ERP vs 3PL vs channel stock per SKU and location; channel vs ERP vs 3PL orders; shipments; orders and refunds vs the books; payouts vs deposits). Each finding has the records on each side, a bridge from one figure to the other line by line (e.g. \"NetSuite on hand 412 − committed 25 (#1041, #1042 not shipped) = 387\"), the evidence from our event log that explains the gap, and a proposed repair (never applied without approval). Ask about one SKU or order with `subject` to answer \"why does the 3PL show 412 and the ERP 387?\". Findings still inside their timing lag are `in_flight`, not drift. Empty when no reconciliation has run yet: say so rather than concluding that everything matches.",
  input: z.object({
    domain: z.enum(["inventory", "orders", "shipments", "accounting"]).optional(),
    subject: z.string().optional().describe("A SKU (e.g. AB-12), a SKU@location, or an order number: its findings, resolved ones included"),
    runId: z.string().optional(),
    status: z.enum(["open", "in_flight", "resolved", "all"]).optional().describe("Default: open and in_flight (all statuses when a subject or run is given)"),
    limit: z.number().int().min(1).max(500).default(100),
  }),
  output: z.object({
    runs: z.array(z.object({ id: z.string(), domain: z.string(), status: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(), checked: z.number(), findings: z.number(), summary: z.unknown() })),
    findings: z.array(
      z.object({
        id: z.string(), domain: z.string(), subject: z.string(), kind: z.string(), severity: z.string(), status: z.string(), summary: z.string(), cause: z.string(),
        bridge: Bridge, explanation: z.string().nullable(), sides: z.unknown(), evidence: z.unknown(), proposedRepair: z.unknown(), failureKey: z.string().nullable(),
        firstSeenAt: z.string(), lastSeenAt: z.string().nullable(), resolvedAt: z.string().nullable(), runId: z.string(),
      }),
    ),
    counts: z.object({ open: z.number(), inFlight: z.number(), resolved: z.number() }),
    agreements: z.array(z.object({ subject: z.string(), summary: z.string(), bridge: Bridge })),
    truncated: z.boolean(),
    note: z.string(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredScope: "read",
  async handler({ rt }, input) {
    const report = await getReconciliationReport(rt.store, input);
    const note =
      report.runs.length === 0
        ? `No reconciliation run${input.domain ? ` for ${input.domain}` : ""} has been recorded yet: there is nothing to compare against (this is not a sign that everything matches).`
        : `${report.findings.length} finding(s) shown (${report.counts.open} open, ${report.counts.inFlight} in flight)${report.truncated ? "; more exist (limit reached)" : ""}.`;
    return { ...report, note };
  },
});
