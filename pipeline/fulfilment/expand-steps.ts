import type { DeliveryHold } from "../db/schema";
import type { FulfilmentPart } from "../model";
import type { RouteDestination } from "../stages/route";
import type { FulfilmentNode } from "./nodes";
import type { FulfilmentDecision, RoutedOrderEvent } from "./router";

/** One delivery to create: a rule step, or one part of a rule's ship step. */
export interface PlannedStep {
  connector: string;
  action: string;
  /** "connector.action" of the rule step this one waits for. */
  after?: string;
  /** The node of this part (ship steps of a routed order): part of the delivery's identity. */
  part?: string;
  settings?: Record<string, unknown>;
  hold?: DeliveryHold;
  /** The rule step's own "connector.action", which other steps' `after` refers to. */
  ruleKey: string;
}

/**
 * Turns a rule's steps into deliveries for a routed order:
 * - a `commit` step (the ERP sales order) gets the node per line: settings.routedNode (the
 *   primary part's stock location) and settings.routedLines (line id → stock location);
 * - a `ship` step becomes one delivery per part, to the part's node's ship connector, with
 *   settings.node (its warehouse) and settings.fulfilmentPart; a held part carries its hold.
 * Without a decision (no node configured, nothing ships) every step goes out as written.
 */
export function expandFulfilmentSteps(targets: RouteDestination[], decision: FulfilmentDecision | undefined, nodes: FulfilmentNode[], type: RoutedOrderEvent | undefined): PlannedStep[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out: PlannedStep[] = [];
  for (const t of targets) {
    const ruleKey = `${t.connector}.${t.action}`;
    const base = { connector: t.connector, action: t.action, after: t.after, ruleKey };
    if (!decision || !t.fulfilment) {
      out.push(base);
      continue;
    }
    if (t.fulfilment === "commit") {
      const location = (node: string) => byId.get(node)?.stock.location ?? node;
      const primary = decision.parts.find((p) => p.primary) ?? decision.parts[0]!;
      out.push({
        ...base,
        settings: {
          routedNode: location(primary.node),
          routedLines: Object.fromEntries(Object.entries(decision.nodeOf).map(([lineId, node]) => [lineId, location(node)])),
        },
      });
      continue;
    }
    for (const p of decision.parts) {
      const node = byId.get(p.node);
      const fulfilmentPart: FulfilmentPart = { node: p.node, lineIds: p.lineIds, primary: p.primary, count: decision.parts.length };
      out.push({
        ...base,
        connector: node?.ship.connector ?? t.connector,
        part: p.node,
        settings: { node: node?.ship.warehouse ?? p.node, fulfilmentPart },
        hold: p.held && type !== "order.cancelled" ? holdOf(decision, p) : undefined,
      });
    }
  }
  return out;
}

function holdOf(decision: FulfilmentDecision, part: FulfilmentDecision["parts"][number]): DeliveryHold {
  const short = decision.shortages.filter((s) => part.lineIds.includes(s.lineId));
  const skus = [...new Set(short.map((s) => s.sku))].sort();
  const detail = short.map((s) => `${s.sku} ${s.quantity} wanted (${Object.entries(s.byNode).map(([n, a]) => `${n} ${a ?? "not read"}`).join(", ")})`).join("; ");
  return {
    reason: skus.length ? `backordered: no node can fill ${skus.join(", ")}` : "backordered: held with an earlier backorder",
    field: "lines",
    message: `held by fulfilment routing at ${part.node}: ${detail || decision.reason}. Replay this delivery to send the part to ${part.node} anyway (once stock has arrived, or to let the warehouse back-order it).`,
  };
}
