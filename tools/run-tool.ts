import { hasScope, ToolFailure, type AnyTool, type ToolContext, type ToolFailureCode } from "./define-tool";
import { toolByName } from "./registry";

export type ToolResult = { ok: true; data: Record<string, unknown> } | { ok: false; code: ToolFailureCode; message: string };

const SCOPE_HELP: Record<string, string> = {
  read: "any valid token",
  propose: "a token with the propose scope (npm run tokens -- create --name NAME --scopes read,propose)",
  approve: "a human approver: the console's approver role or a token with the approve scope",
};

/**
 * The one way a tool runs, for every surface (MCP, the agent, the console): scope check, input
 * validation, handler, output validation. Expected failures come back as results; a thrown error
 * is a bug and propagates.
 */
export async function runTool(ctx: ToolContext, nameOrTool: string | AnyTool, args: unknown): Promise<ToolResult> {
  const tool = typeof nameOrTool === "string" ? toolByName(nameOrTool) : nameOrTool;
  if (!tool) return { ok: false, code: "not_found", message: `no tool named ${String(nameOrTool)}` };
  if (!hasScope(ctx.actor, tool.requiredScope)) {
    return {
      ok: false,
      code: "forbidden",
      message: `refused: ${tool.name} needs ${SCOPE_HELP[tool.requiredScope]}; ${ctx.actor.id} has ${ctx.actor.scopes.length ? `scope ${ctx.actor.scopes.join(", ")}` : "no scopes"}. Read-only tools still work.`,
    };
  }
  const parsed = tool.input.safeParse(args ?? {});
  if (!parsed.success) {
    return { ok: false, code: "invalid", message: `invalid arguments for ${tool.name}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}` };
  }
  const out = await tool.handler(ctx, parsed.data);
  if (out instanceof ToolFailure) return { ok: false, code: out.code, message: out.message };
  // A handler returning the wrong shape is a bug: fail loudly here rather than in the client.
  return { ok: true, data: tool.output.parse(out) as Record<string, unknown> };
}
