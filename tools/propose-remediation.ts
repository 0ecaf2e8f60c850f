import { z } from "zod";
import { proposeRemediation } from "../pipeline/approvals";
import { REMEDIATION_KINDS } from "../pipeline/remediations";
import { defineTool, fail } from "./define-tool";
import { EvidenceRef, Remediation } from "./schemas";

export default defineTool({
  name: "propose_remediation",
  title: "Propose a remediation",
  description: `Records a proposed fix for a human to approve; it changes nothing by itself. It validates the params, checks every evidence id exists, and dry-runs the fix (re-runs normalize, mapping lookups and destination checks on the affected payloads without delivering) so the approver sees e.g. "37 of 40 would now pass" and why the rest would not. A named policy may pre-approve low-risk retries (outage or rate limit, destination healthy again); otherwise status stays "proposed" until a human approves. Then call apply_remediation.
Kinds and params:
- retry: {failureKey | deliveryIds | eventIds}: send parked deliveries again, unchanged.
- replay_from_stage: {stage: "deliver", refetch?: true, failureKey | deliveryIds | eventIds} or {stage: "capture", quarantineIds | failureKey "quarantine|…"}: re-parse quarantined payloads.
- update_mapping: {connector, mappingKind, mappings: [{sourceKey, targetKey}], failureKey?, replay?: true}: add/replace mapping rows, then replay the deliveries it fixes.
- reconnect_credentials: {connector, replayParked?: true, resubscribeWebhooks?: false}: after a human saved new credentials in the console: test the connection, resume deliveries, replay what parked.
- push_correction: {eventId, patch (JSON merge patch on the canonical payload), destinations?}: deliver a corrected copy instead of the parked original.
Use the suggestedFix from explain_failure as a starting point and fill in the values it says are needed.`,
  input: z.object({
    kind: z.enum(REMEDIATION_KINDS),
    params: z.record(z.string(), z.unknown()).describe("Parameters for the kind (see description)"),
    rationale: z.string().min(10).describe("Why this fixes the root cause, citing the diagnosis"),
    title: z.string().optional(),
    evidence: z.array(EvidenceRef).default([]).describe("Ids from explain_failure's evidence (kind + id)"),
  }),
  output: z.object({ remediation: Remediation, next: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  requiredScope: "propose",
  approvalGate: "propose",
  async handler({ rt, actor }, input) {
    const r = await proposeRemediation(rt, actor, input);
    if (!r.ok) return fail(r.code, r.message);
    const v = r.value;
    const next = v.status === "approved"
      ? `Pre-approved by policy ${v.approvedByPolicy}. Dry run: ${v.dryRun?.summary}. Call apply_remediation with id ${v.id} to run it.`
      : `Awaiting approval by a human approver. Dry run: ${v.dryRun?.summary}. Tell the user remediation ${v.id} needs approval (console or approve_remediation with an approver token); do not apply it before.`;
    return { remediation: v, next };
  },
});
