import { z } from "zod";
import { latestReconRuns, reconDiffsOf } from "../pipeline/db/queries/recon-queries";
import { defineTool } from "./define-tool";

export default defineTool({
  name: "get_reconciliation_report",
  title: "Reconciliation report",
  description:
    "The latest reconciliation run per domain (inventory, orders, payouts...) comparing our record with each system of record, and its differences with the evidence that explains each (e.g. \"NetSuite shows 12 on hand, ShipStation 10: a cycle count nobody reported\"). Filter by domain, a run id, or diff status. When no reconciliation has run the report is empty and says so.",
  input: z.object({
    domain: z.string().optional(),
    runId: z.string().optional(),
    status: z.enum(["open", "in_flight", "resolved", "ignored"]).optional().describe("Default: every status. in_flight: explained by work still within its lag"),
    limit: z.number().int().min(1).max(500).default(100),
  }),
  output: z.object({
    runs: z.array(z.object({ id: z.string(), domain: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(), status: z.string(), checked: z.number(), diffCount: z.number(), summary: z.unknown() })),
    diffs: z.array(z.object({ id: z.string(), runId: z.string(), domain: z.string(), subject: z.string(), kind: z.string(), severity: z.string(), sides: z.unknown(), evidence: z.unknown(), explanation: z.string().nullable(), status: z.string(), firstSeenAt: z.string() })),
    note: z.string(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredScope: "read",
  async handler({ rt }, input) {
    const runs = await latestReconRuns(rt.store, { domain: input.domain, runId: input.runId });
    const diffs = await reconDiffsOf(rt.store, { runIds: runs.map((r) => r.id), status: input.status, limit: input.limit });
    const note = runs.length === 0
      ? `No reconciliation run${input.domain ? ` for ${input.domain}` : ""} has been recorded yet: there is nothing to compare against (this is not a sign that everything matches).`
      : `${runs.length} latest run(s); ${diffs.length} difference(s) shown${diffs.length === input.limit ? " (limit reached)" : ""}.`;
    return { runs, diffs: diffs.map(({ createdAt: _c, ...d }) => d), note };
  },
});
