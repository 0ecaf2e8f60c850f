import { z } from "zod";
import { readAuditLog } from "../pipeline/audit";
import { defineTool } from "./define-tool";
import { AuditEntry } from "./schemas";

export default defineTool({
  name: "get_audit_log",
  title: "Audit log",
  description:
    "Entries of the append-only, hash-chained audit log, newest first: who (user, agent, MCP client, policy, system) did what to which subject, why, with before/after. Filter by subject (e.g. \"remediation:rem_…\", or a prefix such as \"remediation:\"), action (e.g. remediation.approved), actor id and time. Page with beforeSeq = the smallest seq you have.",
  input: z.object({
    subject: z.string().optional(),
    subjectPrefix: z.string().optional(),
    action: z.string().optional(),
    actorId: z.string().optional(),
    since: z.string().optional(),
    until: z.string().optional(),
    beforeSeq: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(500).default(50),
  }),
  output: z.object({ entries: z.array(AuditEntry), nextBeforeSeq: z.number().nullable() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredScope: "read",
  async handler({ rt }, input) {
    const entries = await readAuditLog(rt.store, input);
    const last = entries[entries.length - 1];
    return { entries, nextBeforeSeq: entries.length === input.limit && last ? last.seq : null };
  },
});
