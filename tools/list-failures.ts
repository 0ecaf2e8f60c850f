import { z } from "zod";
import { explainFailure, ROOT_CAUSES } from "../agent/diagnosis";
import { listFailureGroups, listQuarantineGroups } from "../pipeline/db/queries/failure-queries";
import { signalsOf } from "../agent/diagnosis";
import { defineTool } from "./define-tool";

const Group = z.object({
  failureKey: z.string(),
  rootCause: z.enum(ROOT_CAUSES),
  title: z.string(),
  confidence: z.number(),
  destination: z.string().nullable(),
  sources: z.array(z.string()),
  openCount: z.number(),
  events: z.number(),
  orders: z.array(z.string()),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  owner: z.string().nullable(),
  status: z.string(),
  suggestedFix: z.string(),
});

export default defineTool({
  name: "list_failures",
  title: "List open failures",
  description:
    "Open failures grouped by business root cause across connectors: one row per cause, e.g. \"SKU AB-12 missing in netsuite\" covering the Shopify, Amazon and EDI orders that hit it, with how many deliveries are parked, how many events and which orders, first/last seen, owner, status and the suggested fix. Also lists quarantined inbound payloads (schema drift, bad signatures) as groups. Start here when asked what is broken; then explain_failure with a failureKey.",
  input: z.object({
    connector: z.string().optional().describe("Only groups for this destination connector"),
    includeQuarantine: z.boolean().default(true),
    limit: z.number().int().min(1).max(100).default(25),
  }),
  output: z.object({ groups: z.array(Group), totalOpen: z.number() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  requiredScope: "read",
  async handler({ rt }, input) {
    const signals = signalsOf(rt, { live: false });
    const groups = await listFailureGroups(rt.store, { connector: input.connector, limit: input.limit });
    const out: z.input<typeof Group>[] = [];
    for (const g of groups) {
      const d = await explainFailure(rt.store, { failureKey: g.key }, signals);
      out.push({
        failureKey: g.key,
        rootCause: d?.rootCause ?? "unclassified",
        title: d?.title ?? g.title,
        confidence: d?.confidence ?? 0,
        destination: g.connector,
        sources: g.sources,
        openCount: g.openParked,
        events: g.events,
        orders: d?.affected.orders ?? [],
        firstSeenAt: g.firstSeenAt,
        lastSeenAt: g.lastSeenAt,
        owner: g.owner,
        status: g.status,
        suggestedFix: d?.suggestedFix.description ?? "",
      });
    }
    if (input.includeQuarantine && out.length < input.limit) {
      for (const q of await listQuarantineGroups(rt.store, { connector: input.connector, limit: input.limit - out.length })) {
        const d = await explainFailure(rt.store, { failureKey: q.key }, signals);
        out.push({
          failureKey: q.key,
          rootCause: d?.rootCause ?? "unclassified",
          title: d?.title ?? `${q.connector}: ${q.reasonCode}`,
          confidence: d?.confidence ?? 0,
          destination: null,
          sources: [q.connector],
          openCount: q.count,
          events: 0,
          orders: [],
          firstSeenAt: q.firstSeenAt,
          lastSeenAt: q.lastSeenAt,
          owner: null,
          status: "open",
          suggestedFix: d?.suggestedFix.description ?? "",
        });
      }
    }
    return { groups: out, totalOpen: out.reduce((n, g) => n + g.openCount, 0) };
  },
});
