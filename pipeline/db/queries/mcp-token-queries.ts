import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Store } from "../client";
import { mcpTokens } from "../schema";

export type McpTokenRow = typeof mcpTokens.$inferSelect;

export async function insertMcpToken(store: Store, row: typeof mcpTokens.$inferInsert): Promise<void> {
  await store.db.insert(mcpTokens).values(row);
}

/** A live (not revoked) token by its hash; marks it used. */
export async function useMcpTokenByHash(store: Store, tokenHash: string): Promise<McpTokenRow | undefined> {
  const [row] = await store.db
    .update(mcpTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(mcpTokens.tokenHash, tokenHash), isNull(mcpTokens.revokedAt)))
    .returning();
  return row;
}

export async function listMcpTokenRows(store: Store): Promise<McpTokenRow[]> {
  return store.db.select().from(mcpTokens).orderBy(asc(mcpTokens.createdAt));
}

export async function revokeMcpTokenRow(store: Store, id: string): Promise<McpTokenRow | undefined> {
  const [row] = await store.db.update(mcpTokens).set({ revokedAt: sql`now()` }).where(and(eq(mcpTokens.id, id), isNull(mcpTokens.revokedAt))).returning();
  return row;
}
