import { and, asc, desc, eq, gt } from "drizzle-orm";
import type { Store } from "../client";
import { conversationMessages, conversations } from "../schema";
import { isoOf } from "./event-read-queries";

export interface ConversationRow {
  id: string;
  userId: string | null;
  title: string | null;
  createdAt: string;
}

export interface ConversationMessageRow {
  id: number;
  conversationId: string;
  role: string;
  content: unknown;
  createdAt: string;
}

export async function createConversation(store: Store, c: { id: string; userId: string | null; title: string | null }): Promise<void> {
  await store.db.insert(conversations).values(c).onConflictDoNothing();
}

export async function getConversation(store: Store, id: string): Promise<ConversationRow | undefined> {
  const [row] = await store.db.select().from(conversations).where(eq(conversations.id, id));
  return row ? { ...row, createdAt: isoOf(row.createdAt)! } : undefined;
}

/** A user's conversations, newest first. */
export async function listConversations(store: Store, f: { userId?: string; limit: number }): Promise<ConversationRow[]> {
  const rows = await store.db
    .select()
    .from(conversations)
    .where(f.userId ? eq(conversations.userId, f.userId) : undefined)
    .orderBy(desc(conversations.createdAt))
    .limit(f.limit);
  return rows.map((r) => ({ ...r, createdAt: isoOf(r.createdAt)! }));
}

/** Appends messages in order (one statement, so a turn's messages are never half-written). */
export async function appendConversationMessages(store: Store, conversationId: string, messages: { role: string; content: unknown }[]): Promise<void> {
  if (messages.length === 0) return;
  await store.db.insert(conversationMessages).values(messages.map((m) => ({ conversationId, role: m.role, content: m.content })));
}

/** The newest `limit` messages of a conversation, returned oldest first. */
export async function listConversationMessages(store: Store, conversationId: string, f: { limit: number; afterId?: number }): Promise<ConversationMessageRow[]> {
  const where = f.afterId ? and(eq(conversationMessages.conversationId, conversationId), gt(conversationMessages.id, f.afterId)) : eq(conversationMessages.conversationId, conversationId);
  const rows = await store.db.select().from(conversationMessages).where(where).orderBy(desc(conversationMessages.id)).limit(f.limit);
  return rows.reverse().map((r) => ({ ...r, id: Number(r.id), createdAt: isoOf(r.createdAt)! }));
}

/** Oldest first, for showing a whole conversation. */
export async function allConversationMessages(store: Store, conversationId: string, limit = 1000): Promise<ConversationMessageRow[]> {
  const rows = await store.db.select().from(conversationMessages).where(eq(conversationMessages.conversationId, conversationId)).orderBy(asc(conversationMessages.id)).limit(limit);
  return rows.map((r) => ({ ...r, id: Number(r.id), createdAt: isoOf(r.createdAt)! }));
}
