import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWorld, type World } from "../../agent/diagnosis/testing/failure-world";
import { createMcpToken, revokeMcpToken } from "../../pipeline/mcp-tokens";
import { engineBackends } from "../../pipeline/testing/engine-backends";
import { TOOLS } from "../registry";
import { handleMcpHttpRequest } from "../mcp/http";
import { exerciseEveryTool, exerciseResourcesAndPrompts, prepareExerciseIds, type ExerciseIds } from "./support/exercise-tools";
import { serveFetchHandler } from "./support/node-http";

// One backend is enough here: the pipeline suites cover both; this is about the transport.
const backend = engineBackends().at(-1)!;

describe(`MCP over Streamable HTTP (stateless, bearer tokens) on ${backend.name}`, () => {
  let w: World;
  let http: { url: string; close(): Promise<void> };
  let ids: ExerciseIds;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    w = await openWorld(backend);
    http = await serveFetchHandler((req) => handleMcpHttpRequest(w.rt, req));
    ids = await prepareExerciseIds(w, 60);
    for (const [name, scopes] of [["reader", ["read"]], ["agent", ["read", "propose"]], ["approver", ["read", "propose", "approve"]], ["revoked", ["read"]]] as const) {
      tokens[name] = (await createMcpToken(w.store, { name, scopes: [...scopes] })).token;
    }
  }, 120_000);

  afterAll(async () => {
    await http?.close();
    await w?.close();
  });

  async function connect(token: string): Promise<Client> {
    const client = new Client({ name: "loopkeeper-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return client;
  }

  it("answers 401 without a token, with an unknown one and with a revoked one", async () => {
    const init = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "curl", version: "1" } } });
    const post = (auth?: string) => fetch(http.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...(auth ? { authorization: auth } : {}) }, body: init });
    const none = await post();
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect((await post("Bearer lkmcp_not-a-real-token")).status).toBe(401);
    const list = await (await import("../../pipeline/mcp-tokens")).listMcpTokens(w.store);
    await revokeMcpToken(w.store, list.find((t) => t.name === "revoked")!.id);
    expect((await post(`Bearer ${tokens.revoked}`)).status).toBe(401);
    expect((await post(`Bearer ${tokens.reader}`)).status).toBe(200);
    await expect(connect("lkmcp_wrong")).rejects.toThrow();
  });

  it("drives every tool of the registry through the SDK client", async () => {
    const client = await connect(tokens.approver!);
    const called = await exerciseEveryTool(client, ids);
    expect(called.sort()).toEqual(TOOLS.map((t) => t.name).sort());
    await client.close();
  });

  it("serves the event and order-trace resources and the prompts", async () => {
    const client = await connect(tokens.reader!);
    await exerciseResourcesAndPrompts(client, ids);
    await client.close();
  });

  it("gives a read token a clear refusal on write tools while its reads work", async () => {
    const client = await connect(tokens.reader!);
    const r = await client.callTool({ name: "propose_remediation", arguments: { kind: "retry", params: { eventIds: [ids.parkedEventId] }, rationale: "a reader trying to write" } });
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toMatch(/refused: propose_remediation needs a token with the propose scope/);
    const a = await client.callTool({ name: "approve_remediation", arguments: { remediationId: ids.othersProposalId } });
    expect(a.isError).toBe(true);
    expect((await client.callTool({ name: "list_failures", arguments: {} })).isError).toBeFalsy();
    await client.close();
  });

  it("never applies an unapproved proposal over MCP, and the agent token cannot approve", async () => {
    const client = await connect(tokens.agent!);
    const p = await client.callTool({ name: "propose_remediation", arguments: { kind: "retry", params: { eventIds: [ids.parkedEventId] }, rationale: "retry after the mapping" } });
    expect(p.isError).toBeFalsy();
    const id = (p.structuredContent as { remediation: { id: string } }).remediation.id;
    const apply = await client.callTool({ name: "apply_remediation", arguments: { remediationId: id, approved: true } });
    expect(apply.isError).toBe(true);
    expect(JSON.stringify(apply.content)).toContain("awaiting approval");
    const approve = await client.callTool({ name: "approve_remediation", arguments: { remediationId: id } });
    expect(approve.isError).toBe(true);
    expect(JSON.stringify(approve.content)).toContain("approve scope");
    await client.close();
  });
});
