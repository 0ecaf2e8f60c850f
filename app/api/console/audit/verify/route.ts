import { requireRole } from "@/app/lib/guard";
import { callTool, toolResponse } from "@/app/lib/tools";

export const dynamic = "force-dynamic";

/** Recomputes the audit chain's hashes (any signed-in user: it only reads). */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "viewer");
  if (gate.response) return gate.response;
  return toolResponse(await callTool(gate.user, "verify_audit_chain", {}));
}
