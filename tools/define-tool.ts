import type { z } from "zod";
import type { Actor } from "../pipeline/approvals";
import type { McpScope } from "../pipeline/mcp-tokens";
import type { Runtime } from "../pipeline/runtime";

/** What every tool handler gets: the process's runtime and who is calling. */
export interface ToolContext {
  rt: Runtime;
  actor: Actor;
}

/** MCP tool annotations, all four stated explicitly (the SDK treats a missing one as the riskier default). */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export type ToolFailureCode = "not_found" | "refused" | "awaiting_approval" | "forbidden" | "invalid";

/**
 * An expected failure the model can act on (not found, refused, awaiting approval). Handlers
 * return it; it becomes an isError result. Anything thrown is a bug.
 */
export class ToolFailure {
  constructor(readonly code: ToolFailureCode, readonly message: string) {}
}

export const fail = (code: ToolFailureCode, message: string) => new ToolFailure(code, message);

/**
 * How a write tool reaches the approvals module (pipeline/approvals.ts): by proposing, deciding
 * or applying. A write tool without one does not register (see the registry test).
 */
export type ApprovalGate = "propose" | "decide" | "apply";

interface ToolBase<I extends z.ZodObject, O extends z.ZodObject> {
  /** snake_case verb phrase. */
  name: string;
  title: string;
  /** Written for the model: what it does, when to use it, its limits. */
  description: string;
  input: I;
  output: O;
  requiredScope: McpScope;
  handler(ctx: ToolContext, input: z.output<I>): Promise<z.input<O> | ToolFailure>;
}

export type ReadTool<I extends z.ZodObject, O extends z.ZodObject> = ToolBase<I, O> & {
  annotations: ToolAnnotations & { readOnlyHint: true; destructiveHint: false };
  approvalGate?: never;
};

export type WriteTool<I extends z.ZodObject, O extends z.ZodObject> = ToolBase<I, O> & {
  annotations: ToolAnnotations & { readOnlyHint: false };
  approvalGate: ApprovalGate;
};

export type ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> = ReadTool<I, O> | WriteTool<I, O>;

/** A tool as the registry holds it (input and output types erased). */
export type AnyTool = ToolDefinition<z.ZodObject, z.ZodObject> & { handler(ctx: ToolContext, input: any): Promise<unknown> };

/** Identity at runtime; exists for type inference of the handler's input and output. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(def: ReadTool<I, O> | WriteTool<I, O>): AnyTool {
  return def as unknown as AnyTool;
}

/** Read scope is implied by any scope: a token that may propose may also look. */
export function hasScope(actor: Actor, scope: McpScope): boolean {
  if (actor.type === "system") return true;
  if (scope === "read") return actor.scopes.length > 0;
  return actor.scopes.includes(scope);
}
