import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { getRemediation } from "../../pipeline/approvals";
import type { Store } from "../../pipeline/db/client";
import { allConversationMessages, appendConversationMessages, createConversation, getConversation, listConversationMessages } from "../../pipeline/db/queries/conversation-queries";
import { newId } from "../../pipeline/ids";
import type { Runtime } from "../../pipeline/runtime";
import type { ToolStepRecord, TurnResult } from "./events";

/**
 * A stored message is the exact chat-completions message (tool results stay fenced as data, so a
 * resumed conversation still treats them as data), plus, on a turn's final answer, what the
 * console shows beside it (citations, proposals, warnings).
 */
export interface StoredMessage {
  message: ChatCompletionMessageParam;
  meta?: Pick<TurnResult, "mode" | "text" | "citations" | "unresolvedIds" | "proposals" | "warnings" | "stopReason"> & { steps?: ToolStepRecord[] };
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

/** One question and the answer shown for it, as stored. */
export interface ConversationTurnView {
  question: string;
  askedAt: string;
  /** Null when the turn never finished (it failed or the client went away before the answer was stored). */
  answer: NonNullable<StoredMessage["meta"]> | null;
}

/** Where a proposal made in the conversation stands now: an approver may have decided or applied it since. */
export interface RemediationState {
  status: string;
  decidedBy: string | null;
  /** `replayed`: how many deliveries applying it sent again (the outcome counts each of them once). */
  outcome: { succeeded: number; parked: number; pending: number; replayed: number } | null;
}

export interface ConversationView {
  id: string;
  title: string | null;
  turns: ConversationTurnView[];
  remediations: Record<string, RemediationState>;
}

/**
 * A stored conversation as the console shows it: each user message with the answer that followed
 * it, plus the current state of every remediation it proposed. Only its owner may read it.
 */
export async function loadConversationView(rt: Runtime, f: { conversationId: string; userId: string }): Promise<{ ok: true; view: ConversationView } | { ok: false; code: "not_found" | "forbidden" }> {
  const conv = await getConversation(rt.store, f.conversationId);
  if (!conv) return { ok: false, code: "not_found" };
  if (conv.userId !== f.userId) return { ok: false, code: "forbidden" };
  const turns: ConversationTurnView[] = [];
  for (const row of await allConversationMessages(rt.store, conv.id)) {
    const stored = row.content as StoredMessage;
    if (row.role === "user" && typeof stored.message?.content === "string") turns.push({ question: stored.message.content, askedAt: row.createdAt, answer: null });
    else if (row.role === "assistant" && stored.meta && turns.length) turns[turns.length - 1]!.answer = stored.meta;
  }
  const remediations: Record<string, RemediationState> = {};
  for (const id of new Set(turns.flatMap((t) => t.answer?.proposals.map((p) => p.remediationId) ?? []))) {
    const r = await getRemediation(rt, id);
    if (!r) continue;
    const o = r.outcome as { succeeded?: number; parked?: number; pending?: number; skipped?: number } | null;
    let outcome: RemediationState["outcome"] = null;
    if (o && typeof o.succeeded === "number") {
      const [parked, pending, skipped] = [o.parked ?? 0, o.pending ?? 0, o.skipped ?? 0];
      outcome = { succeeded: o.succeeded, parked, pending, replayed: o.succeeded + parked + pending + skipped };
    }
    remediations[id] = { status: r.status, decidedBy: r.approvedByPolicy ? `policy ${r.approvedByPolicy}` : r.decidedBy, outcome };
  }
  return { ok: true, view: { id: conv.id, title: conv.title, turns, remediations } };
}
