import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { log } from "../../pipeline/log";
import type { ToolContext } from "../define-tool";
import { buildOrderTrace } from "../get-order-trace";
import { TOOLS } from "../registry";
import { runTool, type ToolResult } from "../run-tool";

const VERSION = "0.1.0";

/** A tool result as MCP content: structured data plus the same as text for clients that only read text. */
export function toCallToolResult(r: ToolResult): CallToolResult {
  if (!r.ok) return { isError: true, content: [{ type: "text", text: `${r.code}: ${r.message}` }] };
  return { structuredContent: r.data, content: [{ type: "text", text: JSON.stringify(r.data) }] };
}

/**
 * One MCP server for one caller: every tool of the registry (scopes checked per call), event and
 * order-trace resources, and prompts. Stateless: stdio builds one per process, HTTP one per request.
 */
export function buildMcpServer(ctx: ToolContext): McpServer {
  const server = new McpServer(
    { name: "loopkeeper", version: VERSION },
    {
      instructions:
        "Loopkeeper moves orders, shipments, inventory and postings between eCommerce systems. Start with list_failures or search_events; explain_failure gives the root cause and a suggested fix; propose_remediation records a fix that a human approves before apply_remediation runs it. Every write is audited.",
    },
  );

  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, outputSchema: tool.output, annotations: { title: tool.title, ...tool.annotations } },
      async (args: unknown) => {
        try {
          return toCallToolResult(await runTool(ctx, tool, args));
        } catch (e) {
          log.error({ tool: tool.name, err: (e as Error).message, stack: (e as Error).stack }, "tool failed unexpectedly");
          return { isError: true, content: [{ type: "text", text: `internal error in ${tool.name}: it has been logged; try again or use another tool` }] };
        }
      },
    );
  }

  server.registerResource(
    "event",
    new ResourceTemplate("loopkeeper://events/{id}", { list: undefined }),
    { title: "Event", description: "One event with its redacted payload, attempts and deliveries (as get_event)", mimeType: "application/json" },
    async (uri, vars) => {
      const id = decodeURIComponent(String(vars.id));
      const r = await runTool(ctx, "get_event", { eventId: id });
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(r.ok ? r.data : { error: r.message }) }] };
    },
  );

  server.registerResource(
    "order-trace",
    new ResourceTemplate("loopkeeper://orders/{orderNumber}/trace", { list: undefined }),
    { title: "Order trace", description: "One order across every system and stage, in time order (as get_order_trace). URL-encode the order number (#1042 → %231042).", mimeType: "application/json" },
    async (uri, vars) => {
      const ref = decodeURIComponent(String(vars.orderNumber));
      const trace = ctx.actor.scopes.length || ctx.actor.type === "system" ? await buildOrderTrace(ctx.rt, ref) : undefined;
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(trace ?? { error: `no events for order ${ref}` }) }] };
    },
  );

  server.registerPrompt(
    "triage_open_failures",
    { title: "Triage open failures", description: "Walk through every open failure group: root cause, impact, and a proposed fix for each", argsSchema: { connector: z.string().optional() } },
    ({ connector }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text: [
              `Triage the open integration failures${connector ? ` for ${connector}` : ""}.`,
              `1. Call list_failures${connector ? ` with connector "${connector}"` : ""}.`,
              "2. For each group, most events first, call explain_failure with its failureKey. Report the root cause, confidence, how many orders are affected and which.",
              "3. Where the suggested fix needs no human-only value, call propose_remediation with the suggested kind and params, the evidence ids from the diagnosis and a one-line rationale. Where it needs values (an item id, an address), say exactly what is needed and from whom.",
              "4. Never apply anything that is not approved. End with a table: group, root cause, affected orders, proposal id and status.",
            ].join("\n"),
          },
        },
      ],
    }),
  );

  server.registerPrompt(
    "investigate_order",
    { title: "Investigate an order", description: "Where is this order in every system, and what went wrong", argsSchema: { orderNumber: z.string() } },
    ({ orderNumber }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text: `Investigate order ${orderNumber}: call get_order_trace, say which systems have it (with their ids) and which do not, and for any failed or waiting step call explain_failure with its event id and summarise the cause and the fix.`,
          },
        },
      ],
    }),
  );

  return server;
}
