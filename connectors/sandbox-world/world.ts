import { startNetSuiteSandbox, type NetSuiteSandbox } from "../netsuite/sandbox/server";
import { startQuickBooksSandbox, type QuickBooksSandbox } from "../quickbooks/sandbox/server";
import { startShipStationSandbox, type ShipStationSandbox } from "../shipstation/sandbox";
import { webhookTargetUrl } from "../shipstation/webhooks";
import { startShopifySandbox, type ShopifySandbox } from "../shopify/sandbox/server";
import type { SandboxWorldFile } from "../../pipeline/sandbox-world-config";
import type { RoutingRule } from "../../pipeline/stages/route";
import { ACCOUNTING_SEED, CHANNEL_SEED, ERP_SEED, THREE_PL_SEED } from "./catalog";

export interface SandboxWorld {
  shopify: ShopifySandbox;
  netsuite: NetSuiteSandbox;
  shipstation: ShipStationSandbox;
  quickbooks: QuickBooksSandbox;
  /** Connections, routes and mappings for the pipeline (what the console's Connections page holds). */
  config: SandboxWorldFile;
  close(): Promise<void>;
}

export interface SandboxWorldOptions {
  /** Where the pipeline's ingress listens, e.g. http://127.0.0.1:3000 (webhooks go to <appUrl>/api/webhooks/<connector>). */
  appUrl: string;
  /** First port of four consecutive ones; ephemeral ports when omitted. */
  basePort?: number;
  /** Ship 3PL orders automatically after this delay (the live demo); off in tests that ship by hand. */
  autoShipAfterMs?: number;
  /** ShipStation's per-minute limit (40 on the real API; the demo world raises it). */
  shipStationRatePerMinute?: number;
  ingressPath?: (connector: string) => string;
}

/** The DTC stack's routes: order → ERP → 3PL, books posted once, tracking back, stock to the channel. */
export const DTC_RULES: RoutingRule[] = [
  {
    id: "dtc-order-created", name: "New channel orders: ERP sales order, then the 3PL, and the books", priority: 10, enabled: true, stopOnMatch: false,
    match: { types: ["order.created"], sources: ["shopify"], where: [{ path: "fulfilmentChannel", equals: "merchant" }] },
    destinations: [
      { connector: "netsuite", action: "upsert_sales_order" },
      { connector: "shipstation", action: "create_order", after: "netsuite.upsert_sales_order" },
      { connector: "quickbooks", action: "post_sales_receipt" },
    ],
  },
  {
    id: "dtc-order-updated", name: "Order edits reach the ERP and the 3PL", priority: 20, enabled: true, stopOnMatch: false,
    match: { types: ["order.updated"], sources: ["shopify"], where: [] },
    destinations: [
      { connector: "netsuite", action: "upsert_sales_order" },
      { connector: "shipstation", action: "create_order", after: "netsuite.upsert_sales_order" },
    ],
  },
  {
    id: "dtc-order-cancelled", name: "Cancellations: ERP, 3PL and the books", priority: 30, enabled: true, stopOnMatch: false,
    match: { types: ["order.cancelled"], sources: ["shopify"], where: [] },
    destinations: [
      { connector: "netsuite", action: "cancel_sales_order" },
      { connector: "shipstation", action: "cancel_order" },
      { connector: "quickbooks", action: "void_sales_receipt" },
    ],
  },
  {
    id: "dtc-shipment", name: "3PL shipments: tracking to the channel, fulfilment in the ERP", priority: 40, enabled: true, stopOnMatch: false,
    match: { types: ["shipment.created"], sources: ["shipstation"], where: [] },
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
    id: "dtc-inventory", name: "ERP stock changes: available minus safety stock to the channel", priority: 60, enabled: true, stopOnMatch: false,
    // Only the node that fulfils online orders is sold on the channel (the second warehouse serves B2B).
    match: { types: ["inventory.level"], sources: ["netsuite"], where: [{ path: "location", equals: "main" }] },
    destinations: [{ connector: "shopify", action: "set_inventory" }],
  },
];

/**
 * Starts the DTC sandbox world: Shopify, NetSuite, ShipStation and QuickBooks as separate
 * systems of record on local ports, wired to send webhooks to the pipeline's ingress.
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

  const shopifyMain = shopify.state.locations[0]!;
  const nsIds = netsuite.ids;
  const config: SandboxWorldFile = {
    instances: [
      { id: "shopify", connectorType: "shopify", displayName: "Shopify (sandbox)", baseUrl: shopify.url, credentials: shopify.credentials, settings: { safetyStock: 2, defaultLocationId: shopifyMain.id }, owner: "ecommerce@loopkeeper.example" },
      {
        id: "netsuite", connectorType: "netsuite", displayName: "NetSuite (sandbox)", baseUrl: netsuite.baseUrl, credentials: netsuite.credentials, owner: "erp-team@loopkeeper.example",
        // NetSuite's concurrency limit is per account: leave one request for the stock poller.
        settings: { policy: { concurrency: 4 }, defaultCustomerId: nsIds.customerId, defaultLocationId: nsIds.locations.main, shipMethodId: nsIds.shipMethodId, discountItemId: nsIds.discountItemId, taxItemId: nsIds.taxItemId, refundAdjustmentItemId: nsIds.refundAdjustmentItemId },
      },
      { id: "shipstation", connectorType: "shipstation", displayName: "ShipStation 3PL (sandbox)", baseUrl: shipstation.url, credentials: { ...shipstation.credentials }, settings: {}, owner: "fulfilment@loopkeeper.example" },
      { id: "quickbooks", connectorType: "quickbooks", displayName: "QuickBooks Online (sandbox)", baseUrl: quickbooks.url, credentials: quickbooks.credentials, settings: quickbooks.settings, owner: "finance@loopkeeper.example" },
    ],
    rules: DTC_RULES,
    mappings: [
      // ERP location → channel location: only the 3PL node's stock is sold online.
      { kind: "shopify_location", connector: "shopify", sourceKey: "main", targetKey: shopifyMain.id },
    ],
  };
  return {
    shopify, netsuite, shipstation, quickbooks, config,
    close: async () => {
      await Promise.all([shopify.close(), netsuite.close(), shipstation.close(), quickbooks.close()]);
    },
  };
}
