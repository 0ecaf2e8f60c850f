import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { Store } from "../../pipeline/db/client";
import { appendConversationMessages, createConversation, getConversation, listConversationMessages } from "../../pipeline/db/queries/conversation-queries";
import { newId } from "../../pipeline/ids";
import type { TurnResult } from "./events";

/**
 * A stored message is the exact chat-completions message (tool results stay fenced as data, so a
 * resumed conversation still treats them as data), plus, on a turn's final answer, what the
 * console shows beside it (citations, proposals, warnings).
 */
export interface StoredMessage {
  message: ChatCompletionMessageParam;
  meta?: Pick<TurnResult, "mode" | "text" | "citations" | "unresolvedIds" | "proposals" | "warnings" | "stopReason">;
}

/** How many stored messages a turn replays to the model. */
const HISTORY_MESSAGES = 40;

export async function openConversation(store: Store, f: { conversationId?: string; userId: string | null; firstMessage: string }): Promise<{ id: string; created: boolean; refused?: string }> {
  if (f.conversationId) {
    const existing = await getConversation(store, f.conversationId);
    if (existing && existing.userId && f.userId && existing.userId !== f.userId) {
      const id = newId("cnv");
      await createConversation(store, { id, userId: f.userId, title: titleOf(f.firstMessage) });
      return { id, created: true, refused: `conversation ${f.conversationId} belongs to another user: started a new one` };
    }
    if (existing) return { id: existing.id, created: false };
  }
  const id = f.conversationId && /^[A-Za-z0-9_-]{6,80}$/.test(f.conversationId) ? f.conversationId : newId("cnv");
  await createConversation(store, { id, userId: f.userId, title: titleOf(f.firstMessage) });
  return { id, created: true };
}

function titleOf(message: string): string {
  const line = message.trim().split("\n")[0]!;
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

/**
 * The conversation so far as chat messages, oldest first. It starts at a user message, so a cut
 * never leaves a tool result without the assistant message that asked for it.
 */
export async function loadHistory(store: Store, conversationId: string): Promise<ChatCompletionMessageParam[]> {
  const rows = await listConversationMessages(store, conversationId, { limit: HISTORY_MESSAGES });
  const messages = rows.map((r) => (r.content as StoredMessage).message).filter(Boolean);
  const firstUser = messages.findIndex((m) => m.role === "user");
  return firstUser < 0 ? [] : messages.slice(firstUser);
}

export async function saveTurn(store: Store, conversationId: string, messages: StoredMessage[]): Promise<void> {
  await appendConversationMessages(store, conversationId, messages.map((m) => ({ role: m.message.role, content: m })));
}
