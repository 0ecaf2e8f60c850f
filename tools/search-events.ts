import { z } from "zod";
import { searchEvents } from "../pipeline/db/queries/event-read-queries";
import { defineTool, fail } from "./define-tool";
import { decodeCursor, encodeCursor, EventSummary } from "./schemas";

export default defineTool({
  name: "search_events",
  title: "Search events",
  description:
    "Find captured events (orders, shipments, refunds, inventory, postings) by order number, PO number, SKU, customer e-mail, connector (as source or destination), status (received, processing, retrying, delivered, parked, skipped), event type, error text (full-text over attempt error messages, e.g. \"invalid address\" or \"AB-12\") and time range. Newest first, paginated: pass nextCursor back as cursor for the next page. Returns summaries; call get_event for payload and attempts, or get_order_trace for the whole order.",
  input: z.object({
    orderNumber: z.string().optional().describe("Exact order number as the channel shows it, e.g. #1042"),
    poNumber: z.string().optional(),
    sku: z.string().optional(),
    customer: z.string().optional().describe("Customer e-mail (or company for B2B)"),
    connector: z.string().optional().describe("Connector instance id, as source or destination"),
    status: z.enum(["received", "processing", "retrying", "delivered", "parked", "skipped"]).optional(),
    type: z.string().optional().describe("Event type, e.g. order.created"),
    errorText: z.string().optional().describe("Words that appear in an attempt's error message"),
    since: z.string().optional().describe("ISO-8601 time, inclusive"),
    until: z.string().optional().describe("ISO-8601 time, inclusive"),
    limit: z.number().int().min(1).max(100).default(25),
    cursor: z.string().optional(),
  }),
  output: z.object({ events: z.array(EventSummary), nextCursor: z.string().nullable() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredScope: "read",
  async handler({ rt }, input) {
    for (const t of [input.since, input.until]) if (t && Number.isNaN(Date.parse(t))) return fail("invalid", `"${t}" is not an ISO-8601 time (e.g. 2026-11-27T10:00:00Z)`);
    const before = decodeCursor<{ receivedAt: string; id: string }>(input.cursor);
    if (input.cursor && !before) return fail("invalid", "cursor is not one this tool returned: omit it to start from the newest events");
    const events = await searchEvents(rt.store, { ...input, before, limit: input.limit + 1 });
    const page = events.slice(0, input.limit);
    const last = page[page.length - 1];
    return { events: page, nextCursor: events.length > input.limit && last ? encodeCursor({ receivedAt: last.receivedAt, id: last.id }) : null };
  },
});
