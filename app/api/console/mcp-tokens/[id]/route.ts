import { fail, ok, requireRole } from "@/app/lib/guard";
import { revokeMcpToken } from "@/pipeline/mcp-tokens";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

/** Revokes an MCP token at once (admin). */
export async function DELETE(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await requireRole(req, "admin");
  if (gate.response) return gate.response;
  const rt = await getRuntime();
  return (await revokeMcpToken(rt.store, (await params).id, gate.user.email)) ? ok() : fail(404, "not_found", "no such token, or already revoked");
}
