import { z } from "zod";
import type { Store } from "../db/client";
import { listFulfilmentNodes, upsertFulfilmentNode, type FulfilmentNodeRow } from "../db/queries/fulfilment-queries";
import { log } from "../log";

/**
 * A fulfilment node: a place orders ship from. Its stock is what `stock.connector` reports for
 * `stock.location` (the ERP, where routing's commitments land too); its shipment orders go to
 * `ship.connector`, at `ship.warehouse` (a warehouse name or mapping key there; the node id when
 * omitted). Rows of the fulfilment_nodes table, editable from the console.
 */
export const FulfilmentNode = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, "a node id is letters, digits, - and _"),
  name: z.string().min(1),
  stock: z.object({ connector: z.string().min(1), location: z.string().min(1) }),
  ship: z.object({ connector: z.string().min(1), warehouse: z.string().min(1).optional() }),
  /** Promised days from order to hand-over to the carrier. */
  slaDays: z.number().int().min(0),
  /** Cost of one shipment from this node (pick, pack, label) in minor units; all nodes in one currency. */
  costPerOrderMinor: z.number().int().min(0).default(0),
  costPerUnitMinor: z.number().int().min(0).default(0),
  /** Lower wins when SLA and cost tie. */
  priority: z.number().int().default(100),
  enabled: z.boolean().default(true),
});
export type FulfilmentNode = z.infer<typeof FulfilmentNode>;

function fromRow(r: FulfilmentNodeRow): FulfilmentNode {
  return FulfilmentNode.parse({
    id: r.id, name: r.name,
    stock: { connector: r.stockConnector, location: r.stockLocation },
    ship: { connector: r.shipConnector, warehouse: r.shipWarehouse ?? undefined },
    slaDays: r.slaDays, costPerOrderMinor: r.costPerOrderMinor, costPerUnitMinor: r.costPerUnitMinor, priority: r.priority, enabled: r.enabled,
  });
}

export async function saveFulfilmentNode(store: Store, node: FulfilmentNode): Promise<void> {
  const n = FulfilmentNode.parse(node);
  await upsertFulfilmentNode(store, {
    id: n.id, name: n.name, stockConnector: n.stock.connector, stockLocation: n.stock.location,
    shipConnector: n.ship.connector, shipWarehouse: n.ship.warehouse ?? null, slaDays: n.slaDays,
    costPerOrderMinor: n.costPerOrderMinor, costPerUnitMinor: n.costPerUnitMinor, priority: n.priority, enabled: n.enabled,
  });
}

/**
 * The node directory in memory for the capture path, reloaded on a short interval like the
 * routing rules, so a node changed in the console applies within seconds on every worker.
 */
export class FulfilmentNodesCache {
  private nodes: FulfilmentNode[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: Store) {}

  current = (): FulfilmentNode[] => this.nodes;

  async reload(): Promise<void> {
    const out: FulfilmentNode[] = [];
    for (const r of await listFulfilmentNodes(this.store)) {
      try {
        out.push(fromRow(r));
      } catch (e) {
        log.error({ node: r.id, err: (e as Error).message }, "ignoring an invalid fulfilment node");
      }
    }
    this.nodes = out;
  }

  startAutoReload(ms = 5_000): void {
    this.timer = setInterval(() => void this.reload().catch(() => {}), ms);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
