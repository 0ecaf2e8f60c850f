import { z } from "zod";
import { ok, parseBody, requireRole } from "@/app/lib/guard";
import { createMcpToken, MCP_SCOPES } from "@/pipeline/mcp-tokens";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

const Body = z.object({ name: z.string().trim().min(1).max(100), scopes: z.array(z.enum(MCP_SCOPES)).min(1) });

/** Creates an MCP bearer token; the response is the only time the token is shown (admin). */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "admin");
  if (gate.response) return gate.response;
  const body = await parseBody(req, Body);
  if (body.response) return body.response;
  const rt = await getRuntime();
  return ok(await createMcpToken(rt.store, { name: body.data.name, scopes: body.data.scopes, createdBy: gate.user.email }));
}
