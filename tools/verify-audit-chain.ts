import { z } from "zod";
import { verifyAuditChain } from "../pipeline/audit";
import { defineTool } from "./define-tool";

export default defineTool({
  name: "verify_audit_chain",
  title: "Verify the audit chain",
  description:
    "Recomputes every hash of the audit log in order and reports whether the chain is intact: an edited entry, a deleted one or reordered ones are detected and the first bad entry is named. Returns the head (last seq and hash); pass a head you recorded earlier as expectedHead to also detect a truncated tail.",
  input: z.object({ expectedHead: z.object({ seq: z.number().int().positive(), hash: z.string() }).optional() }),
  output: z.object({ ok: z.boolean(), checked: z.number(), firstBadSeq: z.number().optional(), problem: z.string().optional(), head: z.object({ seq: z.number(), hash: z.string() }).optional() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredScope: "read",
  async handler({ rt }, input) {
    return verifyAuditChain(rt.store, { expectedHead: input.expectedHead });
  },
});
