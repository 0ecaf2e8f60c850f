import { z } from "zod";
import { approveRemediation } from "../pipeline/approvals";
import { defineTool, fail } from "./define-tool";
import { Remediation } from "./schemas";

export default defineTool({
  name: "approve_remediation",
  title: "Approve a remediation",
  description:
    "Approves a proposed remediation so it can be applied. Only a human approver may call it: a console user with the approver role or an MCP client whose token has the approve scope; agents are refused, and whoever proposed a remediation cannot approve it. Read the proposal's dry run first (get_remediation).",
  input: z.object({ remediationId: z.string(), reason: z.string().optional().describe("Why it is safe to apply") }),
  output: z.object({ remediation: Remediation }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  requiredScope: "approve",
  approvalGate: "decide",
  async handler({ rt, actor }, input) {
    const r = await approveRemediation(rt, actor, input.remediationId, input.reason);
    return r.ok ? { remediation: r.value } : fail(r.code, r.message);
  },
});
