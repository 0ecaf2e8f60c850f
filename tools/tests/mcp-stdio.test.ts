import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWorld, PUBLIC_URL, SECRET_KEY_HEX, type World } from "../../agent/diagnosis/testing/failure-world";
import { verifyAuditChain } from "../../pipeline/audit";
import { openStore } from "../../pipeline/db/client";
import { createMcpToken } from "../../pipeline/mcp-tokens";
import { InProcessTransport } from "../../pipeline/queue/in-process";
import { TOOLS } from "../registry";
import { exerciseEveryTool, exerciseResourcesAndPrompts, prepareExerciseIds, type ExerciseIds } from "./support/exercise-tools";

/**
 * `npm run mcp` as a client launches it: a child process speaking JSON-RPC on stdout. The store
 * is an embedded PGlite data directory, filled here by the real engine, then handed to the child
 * (a PGlite directory is single-process); the sandboxes keep running in this process and the
 * child's own workers deliver to them over HTTP.
 */
describe("MCP over stdio (npm run mcp)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "lk-mcp-stdio-"));
  let w: World;
  let ids: ExerciseIds;
  let token: string;
  let readToken: string;
  const stderr: string[] = [];
  const transportErrors: Error[] = [];

  beforeAll(async () => {
    w = await openWorld({
      openStore: async () => {
        const store = await openStore({ kind: "pglite", dataDir: join(dataDir, "pglite") });
        return Object.assign(store, { dispose: () => store.close() });
      },
      openTransport: async () => new InProcessTransport(),
    });
    ids = await prepareExerciseIds(w, 70);
    token = (await createMcpToken(w.store, { name: "desktop-client", scopes: ["read", "propose", "approve"] })).token;
    readToken = (await createMcpToken(w.store, { name: "read-only-client", scopes: ["read"] })).token;
    await w.closeRuntime();
  }, 120_000);

  afterAll(async () => {
    await w?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function spawnClient(withToken: string): { client: Client; transport: StdioClientTransport } {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", "tsx", "tools/mcp/stdio.ts"],
      cwd: process.cwd(),
      stderr: "pipe",
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? tmpdir(),
        LOOPKEEPER_DATA_DIR: dataDir,
        LOOPKEEPER_SECRET_KEY: SECRET_KEY_HEX,
        LOOPKEEPER_PUBLIC_URL: PUBLIC_URL,
        LOOPKEEPER_MCP_TOKEN: withToken,
        LOG_LEVEL: "info",
        FIXTURES_DIR: process.env.FIXTURES_DIR ?? join(process.cwd(), "../shared/fixtures"),
      },
    });
    transport.stderr?.on("data", (b: Buffer) => stderr.push(b.toString()));
    // A non-JSON line on stdout surfaces here: stdout must carry only JSON-RPC.
    transport.onerror = (e) => transportErrors.push(e);
    return { client: new Client({ name: "loopkeeper-stdio-test", version: "1.0.0" }), transport };
  }

  it("drives every tool, the resources and the prompts through a real stdio client", async () => {
    const { client, transport } = spawnClient(token);
    await client.connect(transport);
    const called = await exerciseEveryTool(client, ids);
    expect(called.sort()).toEqual(TOOLS.map((t) => t.name).sort());
    await exerciseResourcesAndPrompts(client, ids);
    await client.close();
    expect(transportErrors).toEqual([]);
    // Logs went to stderr (pino), never to stdout.
    expect(stderr.join("")).toContain("mcp stdio server ready");
  }, 120_000);

  it("refuses write tools to a read token with a clear message", async () => {
    const { client, transport } = spawnClient(readToken);
    await client.connect(transport);
    const r = await client.callTool({ name: "apply_remediation", arguments: { remediationId: ids.othersProposalId } });
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toContain("needs a token with the propose scope");
    expect((await client.callTool({ name: "verify_audit_chain", arguments: {} })).isError).toBeFalsy();
    await client.close();
    expect(transportErrors).toEqual([]);
  }, 60_000);

  it("refuses to start without a valid token", async () => {
    const { client, transport } = spawnClient("lkmcp_unknown");
    await expect(client.connect(transport)).rejects.toThrow();
    await transport.close().catch(() => undefined);
  }, 60_000);

  it("left an intact audit chain behind", async () => {
    const store = await openStore({ kind: "pglite", dataDir: join(dataDir, "pglite") });
    try {
      expect(await verifyAuditChain(store)).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  });
});
