import { z } from "zod";
import { EventTypeSchema, type EventType } from "../model";

/**
 * Declarative routing: which destinations receive an event. Rules are data (the routing_rules
 * table, editable from the console), evaluated in priority order; every matching rule adds its
 * destinations unless an earlier match said stopOnMatch.
 */
const Condition = z.object({
  /** A dot path into the canonical payload, e.g. "fulfilmentChannel" or "purchaseOrder.partnerId". */
  path: z.string(),
  equals: z.unknown().optional(),
  in: z.array(z.unknown()).optional(),
  exists: z.boolean().optional(),
  /** A string prefix, for canonical ids that name their channel ("edi:<partner>:", "shopify:"). */
  startsWith: z.string().optional(),
});

export const RouteMatch = z.object({
  types: z.array(EventTypeSchema).optional(),
  sources: z.array(z.string()).optional(),
  where: z.array(Condition).default([]),
});

export const RouteDestination = z.object({
  connector: z.string(),
  action: z.string(),
  /** "connector.action" of a step in the same rule set that must succeed first. */
  after: z.string().optional(),
  /**
   * Order steps that fulfilment routing shapes (pipeline/fulfilment): "commit" books the order
   * where routing decided (the ERP, node per line); "ship" is sent once per part of the order,
   * to each part's node (its ship connector replaces `connector`). Untagged steps go as written.
   */
  fulfilment: z.enum(["commit", "ship"]).optional(),
  /**
   * The destination is the event's own source on purpose: a reply to it (an EDI 855 acknowledging
   * the partner's PO), not an echo of the event back to where it came from.
   */
  replyToSource: z.boolean().optional(),
});
export type RouteDestination = z.infer<typeof RouteDestination>;

export const RoutingRule = z.object({
  id: z.string(),
  name: z.string(),
  priority: z.number().int().default(100),
  match: RouteMatch,
  destinations: z.array(RouteDestination).min(1),
  enabled: z.boolean().default(true),
  stopOnMatch: z.boolean().default(false),
});
export type RoutingRule = z.infer<typeof RoutingRule>;

export interface RoutableEvent {
  type: EventType;
  sourceConnector: string;
  data: unknown;
}

export function routeEvent(rules: RoutingRule[], event: RoutableEvent): RouteDestination[] {
  const out: RouteDestination[] = [];
  const seen = new Set<string>();
  for (const rule of [...rules].sort((a, b) => a.priority - b.priority)) {
    if (!rule.enabled || !matches(rule.match, event)) continue;
    for (const d of rule.destinations) {
      const key = `${d.connector}.${d.action}`;
      // An event never goes back to the system it came from by the same rule chain.
      if ((d.connector === event.sourceConnector && !d.replyToSource) || seen.has(key)) continue;
      seen.add(key);
      out.push(d);
    }
    if (rule.stopOnMatch) break;
  }
  // A dependency on a step that did not route is dropped, not left blocked forever.
  return out.map((d) => (d.after && !seen.has(d.after) ? { ...d, after: undefined } : d));
}

function matches(m: z.infer<typeof RouteMatch>, e: RoutableEvent): boolean {
  if (m.types && !m.types.includes(e.type)) return false;
  if (m.sources && !m.sources.includes(e.sourceConnector)) return false;
  return m.where.every((c) => {
    const v = readPath(e.data, c.path);
    if (c.exists !== undefined && (v !== undefined && v !== null) !== c.exists) return false;
    if (c.equals !== undefined && v !== c.equals) return false;
    if (c.in && !c.in.includes(v)) return false;
    if (c.startsWith !== undefined && !(typeof v === "string" && v.startsWith(c.startsWith))) return false;
    return true;
  });
}

function readPath(obj: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}
