import { getRuntime } from "@/pipeline/runtime";
import { handleMcpHttpRequest } from "@/tools/mcp/http";

export const dynamic = "force-dynamic";

/** Streamable HTTP MCP endpoint (stateless: a server per request), bearer token required. */
async function handle(req: Request): Promise<Response> {
  return handleMcpHttpRequest(await getRuntime(), req);
}

export const POST = handle;
export const GET = handle;
export const DELETE = handle;
