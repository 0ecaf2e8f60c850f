import { z } from "zod";
import { rejectRemediation } from "../pipeline/approvals";
import { defineTool, fail } from "./define-tool";
import { Remediation } from "./schemas";

export default defineTool({
  name: "reject_remediation",
  title: "Reject a remediation",
  description: "Rejects a proposed remediation with a reason; it can then never be applied. Same permission as approve_remediation (human approver only).",
  input: z.object({ remediationId: z.string(), reason: z.string().min(3) }),
  output: z.object({ remediation: Remediation }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  requiredScope: "approve",
  approvalGate: "decide",
  async handler({ rt, actor }, input) {
    const r = await rejectRemediation(rt, actor, input.remediationId, input.reason);
    return r.ok ? { remediation: r.value } : fail(r.code, r.message);
  },
});
