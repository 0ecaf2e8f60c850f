import { z } from "zod";
import type { Store } from "../db/client";
import { getFulfilmentDecision, readAvailability, releaseOrderCommitments, saveFulfilmentDecision, withSkuLocks } from "../db/queries/fulfilment-queries";
import type { Order } from "../model";
import { chooseNodes, type LineToPlace } from "./choose-nodes";
import type { FulfilmentNode } from "./nodes";

/** What routing decided for one order, as stored in fulfilment_decisions and shown in the trace. */
export const FulfilmentDecision = z.object({
  orderId: z.string(),
  kind: z.enum(["single", "split", "backorder"]),
  parts: z.array(z.object({ node: z.string(), lineIds: z.array(z.string()), primary: z.boolean(), held: z.boolean() })).min(1),
  nodeOf: z.record(z.string(), z.string()),
  shortages: z.array(z.object({ lineId: z.string(), sku: z.string(), quantity: z.number(), byNode: z.record(z.string(), z.number().nullable()) })).default([]),
  reason: z.string(),
});
export type FulfilmentDecision = z.infer<typeof FulfilmentDecision>;

export type RoutedOrderEvent = "order.created" | "order.updated" | "order.cancelled";

export interface RouteOrderRequest {
  eventId: string;
  type: RoutedOrderEvent;
  order: Order;
  /**
   * The delivery that hands a node's lines to the system whose stock levels we read (the ERP
   * step, else the part's own shipment order): once it succeeded and a later level was read,
   * that level includes the units and our commitment settles.
   */
  ackDeliveryOf(node: string): string | undefined;
}

/**
 * Routing-time fulfilment decisions. Runs while an order event is captured, under per-SKU locks:
 * reads availability, chooses nodes, and records the decision with its commitments before the
 * event's deliveries exist, so stock is committed at routing time, not at label time.
 * - order.created: decides once; a duplicate capture gets the recorded decision back.
 * - order.updated: lines already routed keep their node (their shipment orders exist); new or
 *   changed lines are planned around them, with the order's own commitments given back first.
 * - order.cancelled: the recorded decision (so each part's shipment order is cancelled), and
 *   the order's commitments are released.
 */
export class FulfilmentRouter {
  constructor(private readonly store: Store, private readonly nodes: () => FulfilmentNode[]) {}

  /** Enabled nodes, as the router sees them now. */
  enabledNodes(): FulfilmentNode[] {
    return this.nodes().filter((n) => n.enabled);
  }

  async route(req: RouteOrderRequest): Promise<FulfilmentDecision | undefined> {
    const { order } = req;
    const nodes = this.enabledNodes();
    const lines: LineToPlace[] = order.lines.filter((l) => l.requiresShipping).map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity }));
    return withSkuLocks(this.store, lines.map((l) => l.sku), async (tx) => {
      const prior = await getFulfilmentDecision(tx, order.id);
      const recorded = prior ? FulfilmentDecision.safeParse(prior.decision).data : undefined;
      // A cancelled order (or a late edit of one) plans nothing: it gives its units back.
      if (req.type === "order.cancelled" || order.status === "cancelled") {
        await releaseOrderCommitments(tx, order.id, "cancelled");
        return recorded;
      }
      if (recorded && (req.type === "order.created" || prior!.eventId === req.eventId)) return recorded;
      if (nodes.length === 0 || lines.length === 0) return undefined;

      const skus = [...new Set(lines.map((l) => l.sku))];
      const sources = nodes.flatMap((n) => skus.map((sku) => ({ node: n.id, sku, connector: n.stock.connector, location: n.stock.location })));
      const avail = await readAvailability(tx, sources, { exceptOrder: recorded ? order.id : undefined });
      const byKey = new Map(avail.map((a) => [`${a.node}\u0000${a.sku}`, a.levelAvailable === null ? undefined : a.levelAvailable - a.committed]));
      const present = new Set(lines.map((l) => l.lineId));
      const pinned = recorded ? Object.fromEntries(Object.entries(recorded.nodeOf).filter(([lineId, node]) => present.has(lineId) && nodes.some((n) => n.id === node))) : undefined;
      const plan = chooseNodes({ lines, nodes, available: (node, sku) => byKey.get(`${node}\u0000${sku}`), pinned });
      if (plan.kind === "none") return undefined;
      // An edit does not lift a hold: the held part is released by replaying it.
      const wasHeld = new Set(recorded?.parts.filter((p) => p.held).map((p) => p.node) ?? []);
      const decision: FulfilmentDecision = {
        orderId: order.id,
        kind: plan.kind,
        parts: plan.parts.map((p) => ({ ...p, held: p.held || wasHeld.has(p.node) })),
        nodeOf: plan.nodeOf,
        shortages: plan.shortages,
        reason: plan.reason,
      };
      await saveFulfilmentDecision(tx, {
        orderId: order.id,
        eventId: req.eventId,
        decision,
        commitments: lines.map((l) => ({ lineId: l.lineId, sku: l.sku, node: plan.nodeOf[l.lineId]!, quantity: l.quantity, ackDeliveryId: req.ackDeliveryOf(plan.nodeOf[l.lineId]!) ?? null })),
      });
      return decision;
    });
  }
}
