import type { ChatStreamEvent, TurnResult } from "../chat/events";

/** Drains a turn: every event in order, and the result. */
export async function collectTurn(gen: AsyncGenerator<ChatStreamEvent, TurnResult, void>): Promise<{ events: ChatStreamEvent[]; result: TurnResult }> {
  const events: ChatStreamEvent[] = [];
  for (;;) {
    const next = await gen.next();
    if (next.done) return { events, result: next.value };
    events.push(next.value);
  }
}

export function eventsOf<T extends ChatStreamEvent["type"]>(events: ChatStreamEvent[], type: T): Extract<ChatStreamEvent, { type: T }>[] {
  return events.filter((e): e is Extract<ChatStreamEvent, { type: T }> => e.type === type);
}
