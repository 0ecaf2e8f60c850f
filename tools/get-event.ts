import { z } from "zod";
import { attemptsOfEvents, deliveriesOfEvents, getEventRow, getRawPayloadInfo } from "../pipeline/db/queries/event-read-queries";
import { redactValue } from "../pipeline/redact";
import { defineTool, fail } from "./define-tool";
import { Attempt, Delivery, EventSummary } from "./schemas";

export default defineTool({
  name: "get_event",
  title: "Get one event",
  description:
    "One event in full: its canonical payload (secrets redacted), every attempt of every stage (capture/route/deliver/remediate) with outcome, error class, redacted message and upstream answer, its deliveries (status, external id in the destination, parked reason), and a reference to the raw inbound payload. Use it after search_events or list_failures to see exactly what happened to one event.",
  input: z.object({ eventId: z.string().describe("Event id, e.g. evt_…") }),
  output: z.object({
    event: EventSummary.extend({ schemaVersion: z.number(), causationId: z.string().nullable(), payload: z.unknown() }),
    attempts: z.array(Attempt),
    deliveries: z.array(Delivery),
    rawPayload: z.object({ id: z.string(), connector: z.string(), contentType: z.string().nullable(), bytes: z.number(), receivedAt: z.string() }).nullable(),
    resourceUri: z.string(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredScope: "read",
  async handler({ rt }, { eventId }) {
    const event = await getEventRow(rt.store, eventId);
    if (!event) return fail("not_found", `no event ${eventId}: find ids with search_events`);
    const [attempts, deliveries, raw] = await Promise.all([attemptsOfEvents(rt.store, [eventId]), deliveriesOfEvents(rt.store, [eventId]), event.rawPayloadId ? getRawPayloadInfo(rt.store, event.rawPayloadId) : undefined]);
    const { rawPayloadId: _raw, ...rest } = event;
    return {
      event: { ...rest, payload: redactValue(event.payload) },
      attempts: attempts.map((a) => ({ ...a, upstream: redactValue(a.upstream) })),
      deliveries,
      rawPayload: raw ?? null,
      resourceUri: `loopkeeper://events/${encodeURIComponent(eventId)}`,
    };
  },
});
