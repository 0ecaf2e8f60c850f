import { z } from "zod";
import { getRemediation, listRemediations } from "../pipeline/approvals";
import { readAuditLog } from "../pipeline/audit";
import { defineTool, fail } from "./define-tool";
import { AuditEntry, Remediation } from "./schemas";

export default defineTool({
  name: "get_remediation",
  title: "Get remediations",
  description:
    "One remediation by id, with its dry run, decision, outcome and its audit trail (evidence → proposal → approval → deliveries → outcome); or, without an id, the latest remediations filtered by status (e.g. proposed ones awaiting approval).",
  input: z.object({
    remediationId: z.string().optional(),
    status: z.enum(["proposed", "approved", "rejected", "applied", "failed"]).optional(),
    limit: z.number().int().min(1).max(100).default(20),
  }),
  output: z.object({ remediations: z.array(Remediation), trail: z.array(AuditEntry) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredScope: "read",
  async handler({ rt }, input) {
    if (input.remediationId) {
      const r = await getRemediation(rt, input.remediationId);
      if (!r) return fail("not_found", `no remediation ${input.remediationId}`);
      const trail = (await readAuditLog(rt.store, { subject: `remediation:${r.id}`, limit: 200 })).reverse();
      return { remediations: [r], trail };
    }
    return { remediations: await listRemediations(rt, { statuses: input.status ? [input.status] : undefined, limit: input.limit }), trail: [] };
  },
});
