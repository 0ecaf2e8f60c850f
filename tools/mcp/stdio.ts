/**
 * npm run mcp: the MCP server over stdio for local AI clients (Claude Desktop, the MCP Inspector).
 * stdout carries only JSON-RPC; every log line goes to stderr. The caller is the token in
 * LOOPKEEPER_MCP_TOKEN (create one with `npm run tokens -- create --name NAME --scopes read`).
 */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { config } from "../../pipeline/config";
import { log } from "../../pipeline/log";
import { verifyMcpToken } from "../../pipeline/mcp-tokens";
import { Runtime } from "../../pipeline/runtime";
import { actorOfToken } from "./http";
import { buildMcpServer } from "./server";

async function main(): Promise<void> {
  const cfg = config();
  if (!cfg.mcpToken) {
    process.stderr.write("LOOPKEEPER_MCP_TOKEN is not set: create a token with `npm run tokens -- create --name my-client --scopes read` and pass it in the environment\n");
    process.exit(2);
  }
  const rt = await Runtime.open({ config: cfg });
  const token = await verifyMcpToken(rt.store, cfg.mcpToken);
  if (!token) {
    process.stderr.write("LOOPKEEPER_MCP_TOKEN is unknown or revoked: list tokens with `npm run tokens -- list`\n");
    await rt.close();
    process.exit(2);
  }
  // The embedded queue lives in this process: without its workers an applied replay would never run.
  if (cfg.queue.kind === "in-process") await rt.startWorkers();
  const server = buildMcpServer({ rt, actor: actorOfToken(token) });
  const transport = new StdioServerTransport();
  let closing = false;
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    log.info({ why }, "mcp stdio server stopping");
    await server.close().catch(() => undefined);
    await rt.close().catch(() => undefined);
    process.exit(0);
  };
  transport.onclose = () => void shutdown("transport closed");
  process.stdin.on("end", () => void shutdown("stdin closed"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  await server.connect(transport);
  log.info({ token: token.id, scopes: token.scopes, database: rt.store.kind, queue: rt.transport.kind }, "mcp stdio server ready");
}

main().catch((e) => {
  process.stderr.write(`mcp stdio server failed to start: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
