import { z } from "zod";
import { parseBody, requireRole } from "@/app/lib/guard";
import { callTool, toolResponse } from "@/app/lib/tools";

export const dynamic = "force-dynamic";

const Body = z.object({ reason: z.string().trim().min(3, "say why (a few words), for the audit log and the proposer").max(1000) });

/** Rejects a proposed remediation with a reason (approver). */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await requireRole(req, "approver");
  if (gate.response) return gate.response;
  const body = await parseBody(req, Body);
  if (body.response) return body.response;
  const { id } = await params;
  return toolResponse(await callTool(gate.user, "reject_remediation", { remediationId: id, reason: body.data.reason }));
}
