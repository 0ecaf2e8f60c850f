import { z } from "zod";
import { applyApprovedRemediation } from "../pipeline/approvals";
import { defineTool, fail } from "./define-tool";

export default defineTool({
  name: "apply_remediation",
  title: "Apply an approved remediation",
  description:
    "Runs a remediation that a human (or a named policy) approved: replays the deliveries, writes the mapping, resumes the connector or pushes the correction, and records every step and the deliveries it caused in the audit log. It refuses anything not approved (proposed, rejected, already applied), whatever the arguments say; a refusal is recorded too. Waits a few seconds for the caused deliveries and reports how many succeeded or parked again.",
  input: z.object({ remediationId: z.string(), waitSeconds: z.number().int().min(0).max(60).default(10).describe("How long to wait for the caused deliveries to finish") }),
  output: z.object({
    remediationId: z.string(),
    status: z.enum(["applied", "failed"]),
    caused: z.object({ deliveryIds: z.array(z.string()), eventIds: z.array(z.string()), mappings: z.array(z.object({ kind: z.string(), connector: z.string(), sourceKey: z.string(), targetKey: z.string() })), resumed: z.array(z.string()), quarantineIds: z.array(z.string()), notes: z.array(z.string()) }),
    outcome: z.object({ settled: z.boolean(), succeeded: z.number(), parked: z.number(), pending: z.number(), skipped: z.number(), error: z.string().optional(), deliveries: z.array(z.object({ id: z.string(), destination: z.string(), status: z.string(), externalId: z.string().nullable(), lastError: z.string().nullable() })) }),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  requiredScope: "propose",
  approvalGate: "apply",
  async handler({ rt, actor }, input) {
    const r = await applyApprovedRemediation(rt, actor, input.remediationId, { waitMs: input.waitSeconds * 1000 });
    if (!r.ok) return fail(r.code, r.message);
    const { ok: _ok, ...rest } = r;
    return { ...rest, caused: { ...rest.caused, mappings: rest.caused.mappings.map(({ id: _id, ...m }) => m) } };
  },
});
