import { createHash, randomBytes } from "node:crypto";
import { appendAudit } from "./audit";
import type { Store } from "./db/client";
import { insertMcpToken, listMcpTokenRows, revokeMcpTokenRow, useMcpTokenByHash } from "./db/queries/mcp-token-queries";
import { newId } from "./ids";

/**
 * Bearer tokens for MCP clients. The token is shown once at creation; only its SHA-256 is stored
 * (a token is 192 random bits, so a fast hash is enough: there is nothing to brute-force).
 * Scopes: read (every read tool), propose (propose and apply approved remediations),
 * approve (approve or reject proposals: a human's token).
 */
export const MCP_SCOPES = ["read", "propose", "approve"] as const;
export type McpScope = (typeof MCP_SCOPES)[number];

export interface McpTokenInfo {
  id: string;
  name: string;
  scopes: McpScope[];
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const TOKEN_PREFIX = "lkmcp_";

export function hashMcpToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function parseScopes(text: string): McpScope[] {
  const scopes = text.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = scopes.filter((s) => !(MCP_SCOPES as readonly string[]).includes(s));
  if (bad.length) throw new Error(`unknown scope ${bad.join(", ")}: use ${MCP_SCOPES.join(", ")}`);
  if (scopes.length === 0) throw new Error(`give at least one scope (${MCP_SCOPES.join(", ")})`);
  return [...new Set(scopes)] as McpScope[];
}

/** Creates a token; the returned `token` is the only time the secret exists outside the client. */
export async function createMcpToken(store: Store, opts: { name: string; scopes: McpScope[]; createdBy?: string }): Promise<{ id: string; token: string; scopes: McpScope[] }> {
  const id = newId("tok");
  const token = `${TOKEN_PREFIX}${randomBytes(24).toString("base64url")}`;
  const scopes = [...new Set(opts.scopes)];
  await insertMcpToken(store, { id, name: opts.name, scopes, tokenHash: hashMcpToken(token), createdBy: opts.createdBy ?? null });
  await appendAudit(store, {
    actorType: opts.createdBy ? "user" : "system",
    actorId: opts.createdBy ?? "cli",
    action: "mcp_token.created",
    subject: `mcp_token:${id}`,
    after: { name: opts.name, scopes },
  });
  return { id, token, scopes };
}

/** The token's identity and scopes, or undefined when it is unknown or revoked. */
export async function verifyMcpToken(store: Store, token: string | undefined | null): Promise<McpTokenInfo | undefined> {
  if (!token || !token.startsWith(TOKEN_PREFIX)) return undefined;
  const row = await useMcpTokenByHash(store, hashMcpToken(token));
  return row ? toInfo(row) : undefined;
}

export async function listMcpTokens(store: Store): Promise<McpTokenInfo[]> {
  return (await listMcpTokenRows(store)).map(toInfo);
}

export async function revokeMcpToken(store: Store, id: string, by?: string): Promise<boolean> {
  const row = await revokeMcpTokenRow(store, id);
  if (!row) return false;
  await appendAudit(store, { actorType: by ? "user" : "system", actorId: by ?? "cli", action: "mcp_token.revoked", subject: `mcp_token:${id}`, before: { name: row.name, scopes: row.scopes } });
  return true;
}

function toInfo(r: Awaited<ReturnType<typeof listMcpTokenRows>>[number]): McpTokenInfo {
  const iso = (v: string | null) => (v ? new Date(v).toISOString() : null);
  return {
    id: r.id,
    name: r.name,
    scopes: r.scopes.filter((s): s is McpScope => (MCP_SCOPES as readonly string[]).includes(s)),
    createdBy: r.createdBy,
    createdAt: new Date(r.createdAt).toISOString(),
    lastUsedAt: iso(r.lastUsedAt),
    revokedAt: iso(r.revokedAt),
  };
}
