import type { ChatStreamEvent } from "@/agent/chat/events";

/** What the stream can carry: the turn's typed events, or the route's `error` after the stream began. */
export type ChatWireEvent = ChatStreamEvent | { type: "error"; message: string };

/** A request the server refused before streaming (400, 401, 403, 503): its `reason` is meant for people. */
export class ChatRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * POSTs one turn to /api/chat and hands each server-sent event to `onEvent` as it arrives
 * (format: agent/chat/README.md). EventSource only does GET, hence fetch and a manual parser.
 * Resolves when the stream ends; rejects on a refused request, a network failure or an abort.
 */
export async function readChatStream(req: { conversationId?: string; message: string; signal: AbortSignal }, onEvent: (e: ChatWireEvent) => void): Promise<void> {
  const res = await fetch("/api/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...(req.conversationId ? { conversationId: req.conversationId } : {}), message: req.message }),
    credentials: "same-origin",
    signal: req.signal,
  });
  if (!res.ok || !res.body) {
    let reason = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { reason?: string; error?: string };
      reason = body.reason ?? body.error ?? reason;
    } catch {
      // not JSON: keep the status
    }
    throw new ChatRequestError(reason, res.status);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const type = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (!type || !data) continue;
      onEvent({ type, ...(JSON.parse(data) as object) } as ChatWireEvent);
    }
  }
}
