import { z } from "zod";
import { ok, parseBody, requireRole } from "@/app/lib/guard";
import { callTool, toolResponse } from "@/app/lib/tools";

export const dynamic = "force-dynamic";

const Body = z.object({ reason: z.string().trim().max(1000).optional() });

/**
 * Approves a proposed remediation and applies it at once (approver). The approval and the apply
 * are the registry's tools, so the four-eyes rule, the audit entries and the "only what was
 * approved" gate are the same as for MCP clients.
 */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await requireRole(req, "approver");
  if (gate.response) return gate.response;
  const body = await parseBody(req, Body);
  if (body.response) return body.response;
  const { id } = await params;
  const approved = await callTool(gate.user, "approve_remediation", { remediationId: id, reason: body.data.reason });
  if (!approved.ok) return toolResponse(approved);
  const applied = await callTool(gate.user, "apply_remediation", { remediationId: id, waitSeconds: 8 });
  return ok({ approved: approved.data, applied: applied.ok ? applied.data : { error: applied.code, reason: applied.message } });
}
