import type { z } from "zod";
import type { EventSummary as EventSummarySchema } from "../../tools/schemas";
import type { ToolResult } from "../../tools/run-tool";
import type { ChatStreamEvent } from "../chat/events";

export type { Diagnosis } from "../diagnosis";

export type Gen<T> = AsyncGenerator<ChatStreamEvent, T, void>;
/** A registry tool call that also streams its step (tool_started / tool_finished) to the console. */
export type ToolFn = (name: string, args: Record<string, unknown>) => Gen<ToolResult>;
export type EventSummary = z.infer<typeof EventSummarySchema>;

export const dataOf = <T>(r: ToolResult): T | undefined => (r.ok ? (r.data as T) : undefined);

/**
 * The events of an order as the operator typed it: channels store "#1042" or "1042", and EDI
 * orders are known by their PO number instead.
 */
export async function* findOrderEvents(orderNumber: string, tool: ToolFn): Gen<EventSummary[]> {
  for (const variant of [...new Set([orderNumber, orderNumber.replace(/^#/, "")])]) {
    const events = dataOf<{ events: EventSummary[] }>(yield* tool("search_events", { orderNumber: variant, limit: 25 }))?.events ?? [];
    if (events.length) return events;
  }
  return dataOf<{ events: EventSummary[] }>(yield* tool("search_events", { poNumber: orderNumber.replace(/^#/, ""), limit: 25 }))?.events ?? [];
}

const STATUS_RANK = ["parked", "retrying", "processing", "received"];

/** The event most worth explaining: parked before retrying before in flight; delivered last. */
export function failingEventOf(events: EventSummary[]): EventSummary {
  const rank = (s: string) => (STATUS_RANK.indexOf(s) < 0 ? 9 : STATUS_RANK.indexOf(s));
  return [...events].sort((a, b) => rank(a.status) - rank(b.status))[0]!;
}
