import { startNetSuiteSandbox, type NetSuiteSandbox } from "../netsuite/sandbox/server";
import { startQuickBooksSandbox, type QuickBooksSandbox } from "../quickbooks/sandbox/server";
import { startShipStationSandbox, type ShipStationSandbox } from "../shipstation/sandbox";
import { webhookTargetUrl } from "../shipstation/webhooks";
import { startShopifySandbox, type ShopifySandbox } from "../shopify/sandbox/server";
import type { SandboxWorldFile } from "../../pipeline/sandbox-world-config";
import type { RoutingRule } from "../../pipeline/stages/route";
import type { FulfilmentNode } from "../../pipeline/fulfilment/nodes";
import { ACCOUNTING_SEED, CHANNEL_SEED, EAST_WAREHOUSE_SEED, ERP_SEED, THREE_PL_SEED } from "./catalog";

export interface SandboxWorld {
  shopify: ShopifySandbox;
  netsuite: NetSuiteSandbox;
  /** The 3PL, fulfilment node "main". */
  shipstation: ShipStationSandbox;
  /** The second warehouse's own ShipStation account, fulfilment node "east". */
  warehouseEast: ShipStationSandbox;
  quickbooks: QuickBooksSandbox;
  /** Connections, routes and mappings for the pipeline (what the console's Connections page holds). */
  config: SandboxWorldFile;
  close(): Promise<void>;
}

export interface SandboxWorldOptions {
  /** Where the pipeline's ingress listens, e.g. http://127.0.0.1:3000 (webhooks go to <appUrl>/api/webhooks/<connector>). */
  appUrl: string;
  /** First port of five consecutive ones; ephemeral ports when omitted. */
  basePort?: number;
  /** Ship 3PL orders automatically after this delay (the live demo); off in tests that ship by hand. */
  autoShipAfterMs?: number;
  /** ShipStation's per-minute limit (40 on the real API; the demo world raises it). */
  shipStationRatePerMinute?: number;
  ingressPath?: (connector: string) => string;
}

/**
 * The DTC stack's routes: order → ERP → the fulfilment node(s), books posted once, tracking back,
 * stock to the channel. Fulfilment routing picks the node per order (or splits it): the ERP
 * commits at the chosen locations ("commit"), each part goes to its node's ShipStation ("ship").
 */
export const DTC_RULES: RoutingRule[] = [
  {
    id: "dtc-order-created", name: "New channel orders: ERP sales order at the routed nodes, then each node's shipment order, and the books", priority: 10, enabled: true, stopOnMatch: false,
    match: { types: ["order.created"], sources: ["shopify"], where: [{ path: "fulfilmentChannel", equals: "merchant" }] },
    destinations: [
      { connector: "netsuite", action: "upsert_sales_order", fulfilment: "commit" },
      { connector: "shipstation", action: "create_order", after: "netsuite.upsert_sales_order", fulfilment: "ship" },
      { connector: "quickbooks", action: "post_sales_receipt" },
    ],
  },
  {
    id: "dtc-order-updated", name: "Order edits reach the ERP and the nodes shipping them", priority: 20, enabled: true, stopOnMatch: false,
    match: { types: ["order.updated"], sources: ["shopify"], where: [] },
    destinations: [
      { connector: "netsuite", action: "upsert_sales_order", fulfilment: "commit" },
      { connector: "shipstation", action: "create_order", after: "netsuite.upsert_sales_order", fulfilment: "ship" },
    ],
  },
  {
    id: "dtc-order-cancelled", name: "Cancellations: ERP, every node's shipment order, and the books", priority: 30, enabled: true, stopOnMatch: false,
    match: { types: ["order.cancelled"], sources: ["shopify"], where: [] },
    destinations: [
      { connector: "netsuite", action: "cancel_sales_order" },
      { connector: "shipstation", action: "cancel_order", fulfilment: "ship" },
      { connector: "quickbooks", action: "void_sales_receipt" },
    ],
  },
  {
    id: "dtc-shipment", name: "Shipments from the 3PL and the east warehouse: tracking to the channel, fulfilment in the ERP", priority: 40, enabled: true, stopOnMatch: false,
    match: { types: ["shipment.created"], sources: ["shipstation", "warehouse-east"], where: [] },
    destinations: [
      { connector: "shopify", action: "create_fulfillment" },
      { connector: "netsuite", action: "fulfill_sales_order" },
    ],
  },
  {
    id: "dtc-refund", name: "Refunds: return and restock in the ERP, refund receipt in the books", priority: 50, enabled: true, stopOnMatch: false,
    match: { types: ["refund.created"], sources: ["shopify"], where: [] },
    destinations: [
      { connector: "netsuite", action: "create_return" },
      { connector: "quickbooks", action: "post_refund_receipt" },
    ],
  },
  {
    id: "dtc-inventory", name: "ERP stock changes at the fulfilment nodes: available minus safety stock to the channel", priority: 60, enabled: true, stopOnMatch: false,
    // The channel sells the stock of both fulfilment nodes, each at its own Shopify location.
    match: { types: ["inventory.level"], sources: ["netsuite"], where: [{ path: "location", in: ["main", "east"] }] },
    destinations: [{ connector: "shopify", action: "set_inventory" }],
  },
];

/**
 * The world's fulfilment nodes. Both hold stock in the ERP's locations of the same name. The 3PL
 * ships in 2 days and wins whenever it can fill an order; the east warehouse is cheaper per order
 * but slower, so it ships what the 3PL lacks.
 */
export const FULFILMENT_NODES: FulfilmentNode[] = [
  { id: "main", name: "3PL (main)", stock: { connector: "netsuite", location: "main" }, ship: { connector: "shipstation", warehouse: "main" }, slaDays: 2, costPerOrderMinor: 450, costPerUnitMinor: 60, priority: 10, enabled: true },
  { id: "east", name: "East warehouse", stock: { connector: "netsuite", location: "east" }, ship: { connector: "warehouse-east", warehouse: "east" }, slaDays: 3, costPerOrderMinor: 350, costPerUnitMinor: 50, priority: 20, enabled: true },
];

/**
 * Starts the DTC sandbox world: Shopify, NetSuite, ShipStation (the 3PL), a second ShipStation
 * account (the east warehouse) and QuickBooks as separate systems of record on local ports,
 * wired to send webhooks to the pipeline's ingress.
 */
export async function startSandboxWorld(opts: SandboxWorldOptions): Promise<SandboxWorld> {
  const port = (i: number) => (opts.basePort ? opts.basePort + i : undefined);
  const ingress = (c: string) => `${opts.appUrl.replace(/\/$/, "")}${opts.ingressPath?.(c) ?? `/api/webhooks/${c}`}`;
  const shopify = await startShopifySandbox({ port: port(0), seed: CHANNEL_SEED, webhookTarget: ingress("shopify") });
  const netsuite = await startNetSuiteSandbox({ port: port(1), seed: ERP_SEED });
  const shipstationToken = "sandbox-webhook-token-0123456789";
  const shipstation = await startShipStationSandbox({
    port: port(2),
    seed: THREE_PL_SEED,
    credentials: { webhookToken: shipstationToken },
    webhookTarget: webhookTargetUrl(ingress("shipstation"), shipstationToken),
    autoShipAfterMs: opts.autoShipAfterMs,
    rateLimitPerMinute: opts.shipStationRatePerMinute ?? 600,
  });
  const quickbooks = await startQuickBooksSandbox({ port: port(3), seed: ACCOUNTING_SEED, webhookTarget: ingress("quickbooks") });
  const eastToken = "sandbox-east-webhook-token-98765";
  const warehouseEast = await startShipStationSandbox({
    port: port(4),
    seed: EAST_WAREHOUSE_SEED,
    credentials: { webhookToken: eastToken },
    webhookTarget: webhookTargetUrl(ingress("warehouse-east"), eastToken),
    idOffset: 5_000_000,
    autoShipAfterMs: opts.autoShipAfterMs,
    rateLimitPerMinute: opts.shipStationRatePerMinute ?? 600,
  });

  const [shopifyMain, shopifyEast] = shopify.state.locations;
  const nsIds = netsuite.ids;
  const config: SandboxWorldFile = {
    instances: [
      { id: "shopify", connectorType: "shopify", displayName: "Shopify (sandbox)", baseUrl: shopify.url, credentials: shopify.credentials, settings: { safetyStock: 2, defaultLocationId: shopifyMain!.id }, owner: "ecommerce@loopkeeper.example" },
      {
        id: "netsuite", connectorType: "netsuite", displayName: "NetSuite (sandbox)", baseUrl: netsuite.baseUrl, credentials: netsuite.credentials, owner: "erp-team@loopkeeper.example",
        // NetSuite's concurrency limit is per account: leave one request for the stock poller.
        // The poll interval is the floor of stock propagation to the channel (half of it on average,
        // see BENCHMARKS.md bench:inventory); the local sandbox answers fast enough to poll twice a second.
        settings: { policy: { concurrency: 4 }, pollers: { inventory: { intervalMs: 500 } }, defaultCustomerId: nsIds.customerId, defaultLocationId: nsIds.locations.main, shipMethodId: nsIds.shipMethodId, discountItemId: nsIds.discountItemId, taxItemId: nsIds.taxItemId, refundAdjustmentItemId: nsIds.refundAdjustmentItemId },
      },
      { id: "shipstation", connectorType: "shipstation", displayName: "ShipStation 3PL (sandbox)", baseUrl: shipstation.url, credentials: { ...shipstation.credentials }, settings: {}, owner: "fulfilment@loopkeeper.example" },
      { id: "warehouse-east", connectorType: "shipstation", displayName: "East warehouse, ShipStation (sandbox)", baseUrl: warehouseEast.url, credentials: { ...warehouseEast.credentials }, settings: {}, owner: "fulfilment@loopkeeper.example" },
      { id: "quickbooks", connectorType: "quickbooks", displayName: "QuickBooks Online (sandbox)", baseUrl: quickbooks.url, credentials: quickbooks.credentials, settings: quickbooks.settings, owner: "finance@loopkeeper.example" },
    ],
    rules: DTC_RULES,
    mappings: [
      // ERP location → channel location: each fulfilment node's stock is listed at its own Shopify location.
      { kind: "shopify_location", connector: "shopify", sourceKey: "main", targetKey: shopifyMain!.id },
      { kind: "shopify_location", connector: "shopify", sourceKey: "east", targetKey: shopifyEast!.id },
      // Channel location → ERP location: a Shopify refund restocked at a location is received there in NetSuite.
      { kind: "netsuite_location", connector: "netsuite", sourceKey: `shopify:${shopifyMain!.id.split("/").pop()}`, targetKey: nsIds.locations.main! },
      { kind: "netsuite_location", connector: "netsuite", sourceKey: `shopify:${shopifyEast!.id.split("/").pop()}`, targetKey: nsIds.locations.east! },
    ],
    fulfilmentNodes: FULFILMENT_NODES,
  };
  return {
    shopify, netsuite, shipstation, warehouseEast, quickbooks, config,
    close: async () => {
      await Promise.all([shopify.close(), netsuite.close(), shipstation.close(), warehouseEast.close(), quickbooks.close()]);
    },
  };
}
