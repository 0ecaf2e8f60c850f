import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Actor } from "../../pipeline/approvals";
import { verifyMcpToken } from "../../pipeline/mcp-tokens";
import type { Runtime } from "../../pipeline/runtime";
import { buildMcpServer } from "./server";

/** The MCP actor a verified token stands for. */
export function actorOfToken(t: { id: string; name: string; scopes: Actor["scopes"] }): Actor {
  return { type: "mcp_client", id: `mcp:${t.name}#${t.id}`, scopes: t.scopes };
}

function unauthorized(message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message }, id: null }), {
    status: 401,
    headers: { "content-type": "application/json", "www-authenticate": `Bearer realm="loopkeeper", error="invalid_token", error_description="${message}"` },
  });
}

/**
 * POST /api/mcp: Streamable HTTP, stateless. The bearer token is checked first (401 without a
 * valid one); then a fresh server and transport handle this one request and are closed.
 */
export async function handleMcpHttpRequest(rt: Runtime, req: Request): Promise<Response> {
  const auth = req.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (!m) return unauthorized("a bearer token is required: Authorization: Bearer lkmcp_... (create one with npm run tokens -- create)");
  const token = await verifyMcpToken(rt.store, m[1]);
  if (!token) return unauthorized("the token is unknown or revoked");
  const server = buildMcpServer({ rt, actor: actorOfToken(token) });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    return await transport.handleRequest(req);
  } finally {
    await server.close().catch(() => undefined);
  }
}
