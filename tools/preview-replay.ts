import { z } from "zod";
import type { DeliveryContext } from "../connectors/sdk/definition";
import { deliveriesOfEvents, getEventRow, type DeliveryView, type EventDetailRow } from "../pipeline/db/queries/event-read-queries";
import { upcastEvent, type EventType } from "../pipeline/model";
import type { Runtime } from "../pipeline/runtime";
import { defineTool, fail } from "./define-tool";

const Step = z.object({
  deliveryId: z.string(),
  destination: z.string(),
  action: z.string(),
  status: z.string(),
  effect: z.enum(["exists", "found_upstream", "would_run", "running", "not_run"]),
  externalId: z.string().nullable(),
  detail: z.string(),
});

async function lookupUpstream(rt: Runtime, e: EventDetailRow, d: DeliveryView, all: DeliveryView[]): Promise<{ found?: string; detail: string }> {
  const dest = rt.directory.get(d.destination);
  const lookup = dest?.actions[d.action]?.lookupExisting;
  if (!dest || !lookup) return { detail: `${d.destination} cannot be searched for an existing record: the replay would write (with the same idempotency key ${d.idempotencyKey})` };
  const { type, data } = upcastEvent({ schemaVersion: e.schemaVersion, type: e.type, data: e.payload });
  const ctx: DeliveryContext = {
    event: { id: e.id, type: type as EventType, data: data as never, keys: { orderNumber: e.orderNumber ?? undefined, poNumber: e.poNumber ?? undefined, skus: e.skus, customer: e.customer ?? undefined }, correlationId: e.correlationId, source: { connector: e.sourceConnector, eventId: e.sourceEventId } },
    action: d.action,
    idempotencyKey: d.idempotencyKey,
    attemptNo: d.attempts + 1,
    refetch: false,
    priorResults: Object.fromEntries(all.filter((x) => x.status === "succeeded").map((x) => [`${x.destination}.${x.action}`, x.externalId ?? undefined])),
    mappings: rt.engine.mappings.for(d.destination),
    settings: dest.settings,
  };
  try {
    const found = await lookup(ctx);
    return found ? { found, detail: `already exists in ${d.destination} as ${found}: a replay would link it instead of writing a second one` } : { detail: `not found in ${d.destination}: a replay would write it` };
  } catch (err) {
    return { detail: `lookup in ${d.destination} failed (${(err as Error).message.slice(0, 160)}): a replay would write with the same idempotency key` };
  }
}

export default defineTool({
  name: "preview_replay",
  title: "Preview a replay",
  description:
    "Before replaying events, shows per delivery step which downstream effects already exist (delivered with an external id, or found in the destination by its idempotency key / external id lookup) and which steps would run again. Nothing is written. Use it before proposing a retry or replay so the approver knows nothing is duplicated.",
  input: z.object({
    eventIds: z.array(z.string()).min(1).max(100),
    lookup: z.boolean().default(true).describe("Search the destination for records of unfinished steps (one read call per step)"),
  }),
  output: z.object({
    events: z.array(z.object({ eventId: z.string(), orderNumber: z.string().nullable(), steps: z.array(Step), wouldRun: z.number(), alreadyDone: z.number() })),
    missing: z.array(z.string()),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScope: "read",
  async handler({ rt }, input) {
    const events: { eventId: string; orderNumber: string | null; steps: z.input<typeof Step>[]; wouldRun: number; alreadyDone: number }[] = [];
    const missing: string[] = [];
    for (const id of [...new Set(input.eventIds)]) {
      const e = await getEventRow(rt.store, id);
      if (!e) {
        missing.push(id);
        continue;
      }
      const ds = await deliveriesOfEvents(rt.store, [id]);
      const steps: z.input<typeof Step>[] = [];
      for (const d of ds) {
        const base = { deliveryId: d.id, destination: d.destination, action: d.action, status: d.status, externalId: d.externalId };
        if (d.status === "succeeded") steps.push({ ...base, effect: "exists", detail: `delivered${d.externalId ? ` as ${d.externalId}` : ""}: a replay reuses idempotency key ${d.idempotencyKey}, so the destination returns the same record` });
        else if (d.status === "in_flight") steps.push({ ...base, effect: "running", detail: "being delivered right now" });
        else if (d.status === "skipped") steps.push({ ...base, effect: "not_run", detail: d.lastError ?? "skipped" });
        else if (input.lookup) {
          const r = await lookupUpstream(rt, e, d, ds);
          steps.push({ ...base, effect: r.found ? "found_upstream" : "would_run", externalId: r.found ?? d.externalId, detail: r.detail });
        } else steps.push({ ...base, effect: "would_run", detail: `${d.status}: would run again with idempotency key ${d.idempotencyKey}` });
      }
      events.push({ eventId: id, orderNumber: e.orderNumber ?? e.poNumber, steps, wouldRun: steps.filter((s) => s.effect === "would_run").length, alreadyDone: steps.filter((s) => s.effect === "exists" || s.effect === "found_upstream").length });
    }
    if (events.length === 0) return fail("not_found", `none of these events exist: ${missing.join(", ")}`);
    return { events, missing };
  },
});
