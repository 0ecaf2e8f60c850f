import type { ChatCompletionFunctionTool } from "openai/resources/chat/completions";
import { z } from "zod";
import { hasScope, type AnyTool, type ToolContext } from "./define-tool";
import { TOOLS } from "./registry";
import { runTool } from "./run-tool";

/**
 * The registry as OpenAI function tools, for the agent loop. Parameters are the zod input schemas
 * as JSON Schema (draft-07-like, what chat completions accept). Tools the actor lacks the scope
 * for are left out, so the model is never offered a call it would be refused.
 */
export function toOpenAiTools(ctx?: Pick<ToolContext, "actor">, tools: readonly AnyTool[] = TOOLS): ChatCompletionFunctionTool[] {
  return tools
    .filter((t) => !ctx || hasScope(ctx.actor, t.requiredScope))
    .map((t) => ({
      type: "function" as const,
      function: { name: t.name, description: t.description, parameters: jsonSchemaOf(t.input) },
    }));
}

export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: "draft-7", io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

/**
 * Runs one tool call from the model and returns the text the model reads next: the JSON result,
 * or "error (code): message" it can act on. Malformed JSON arguments are reported the same way.
 */
export async function runOpenAiToolCall(ctx: ToolContext, call: { name: string; arguments: string }): Promise<{ ok: boolean; content: string; data?: unknown }> {
  let args: unknown;
  try {
    args = call.arguments ? JSON.parse(call.arguments) : {};
  } catch {
    return { ok: false, content: `error (invalid): the arguments of ${call.name} are not valid JSON` };
  }
  const r = await runTool(ctx, call.name, args);
  return r.ok ? { ok: true, content: JSON.stringify(r.data), data: r.data } : { ok: false, content: `error (${r.code}): ${r.message}` };
}
