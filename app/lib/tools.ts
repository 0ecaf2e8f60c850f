import { hasRole } from "@/pipeline/auth";
import type { Actor } from "@/pipeline/approvals";
import type { McpScope } from "@/pipeline/mcp-tokens";
import { getRuntime } from "@/pipeline/runtime";
import { runTool, type ToolResult } from "@/tools/run-tool";
import type { ConsoleUser } from "./session";

/**
 * A console user as the tools see them: the role becomes scopes (viewer reads, operator may also
 * propose and apply what was approved, approver and admin may also approve). The tools and the
 * approvals module make the final decision; this only describes who is asking.
 */
export function actorFor(user: ConsoleUser): Actor {
  const scopes: McpScope[] = hasRole(user.role, "approver") ? ["read", "propose", "approve"] : hasRole(user.role, "operator") ? ["read", "propose"] : ["read"];
  const role = hasRole(user.role, "approver") ? "approver" : hasRole(user.role, "operator") ? "operator" : "viewer";
  return { type: "user", id: user.email, scopes, role };
}

/** Runs one tool of the registry on behalf of a console user. */
export async function callTool(user: ConsoleUser, name: string, args: unknown): Promise<ToolResult> {
  return runTool({ rt: await getRuntime(), actor: actorFor(user) }, name, args);
}

/** A tool result as an HTTP response: expected failures keep their meaning for the browser. */
export function toolResponse(result: ToolResult): Response {
  if (result.ok) return Response.json(result.data, { headers: { "cache-control": "no-store" } });
  const status = { not_found: 404, refused: 409, awaiting_approval: 409, forbidden: 403, invalid: 400 }[result.code] ?? 400;
  return Response.json({ error: result.code, reason: result.message }, { status, headers: { "cache-control": "no-store" } });
}
