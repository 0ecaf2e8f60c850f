import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../pipeline/db/client";
import { verifyMcpToken } from "../../pipeline/mcp-tokens";
import { verifyAuditChain } from "../../pipeline/audit";

const run = promisify(execFile);

describe("npm run tokens (CLI)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "lk-tokens-"));
  const env = { ...process.env, DATABASE_URL: "", REDIS_URL: "", LOOPKEEPER_DATA_DIR: dataDir, LOG_LEVEL: "silent" };
  const cli = (...args: string[]) => run(process.execPath, ["--import", "tsx", "tools/cli/tokens.ts", ...args], { cwd: process.cwd(), env });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("creates a token shown once, lists it, revokes it, and stores only its hash", async () => {
    const created = await cli("create", "--name", "claude-desktop", "--scopes", "read,propose");
    const token = /\s(lkmcp_[A-Za-z0-9_-]+)\s/.exec(created.stdout)?.[1];
    const id = /created token (tok_\w+)/.exec(created.stdout)?.[1];
    expect(token).toBeDefined();
    expect(id).toBeDefined();
    const listed = await cli("list");
    expect(listed.stdout).toContain("claude-desktop");
    expect(listed.stdout).toContain("read,propose");
    expect(listed.stdout).not.toContain(token!);
    await expect(cli("create", "--name", "bad", "--scopes", "read,admin")).rejects.toMatchObject({ stderr: expect.stringContaining("unknown scope admin") });
    expect((await cli("revoke", id!)).stdout).toContain(`revoked ${id}`);
    expect((await cli("list")).stdout).toContain("REVOKED");

    const store = await openStore({ kind: "pglite", dataDir: join(dataDir, "pglite") });
    try {
      expect(await verifyMcpToken(store, token!)).toBeUndefined();
      const rows = await store.rows<{ token_hash: string }>((await import("drizzle-orm")).sql`select token_hash from mcp_tokens`);
      expect(rows.map((r) => r.token_hash)).not.toContain(token);
      expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await verifyAuditChain(store)).toMatchObject({ ok: true, checked: 2 });
    } finally {
      await store.close();
    }
  }, 60_000);
});
