import { startAmazonSandbox, type AmazonSandbox } from "../amazon/sandbox";
import type { SpOperation, UsagePlan } from "../amazon/rate-limiter";
import { startQuickBooksSandbox, type QuickBooksSandbox } from "../quickbooks/sandbox/server";
import { startShipStationSandbox, type ShipStationSandbox } from "../shipstation/sandbox";
import { webhookTargetUrl } from "../shipstation/webhooks";
import type { SandboxWorldFile } from "../../pipeline/sandbox-world-config";
import type { RoutingRule } from "../../pipeline/stages/route";
import { ACCOUNTING_SEED, THREE_PL_SEED } from "./catalog";

export interface AmazonWorld {
  amazon: AmazonSandbox;
  shipstation: ShipStationSandbox;
  quickbooks: QuickBooksSandbox;
  config: SandboxWorldFile;
  close(): Promise<void>;
}

export interface AmazonWorldOptions {
  /** Where the pipeline's ingress listens; ORDER_CHANGE (through the relay) and SHIP_NOTIFY go there. */
  appUrl: string;
  ingressPath?: (connector: string) => string;
  /** SP-API usage plans of the sandbox (Amazon's own when omitted). */
  rateLimits?: Partial<Record<SpOperation, UsagePlan>>;
}

/**
 * The Amazon-first seller's routes. The fulfilment channel decides: FBM orders ship from the 3PL
 * like any order and their shipment is confirmed back to Amazon; FBA orders are shipped by
 * Amazon, so they only reach the books (their stock moves in Amazon's FBA node, which the FBA
 * inventory poller reports). Settlements become one summarised journal per settlement.
 */
export const AMAZON_RULES: RoutingRule[] = [
  {
    id: "amazon-fba-order", name: "FBA orders: Amazon ships; the books only", priority: 10, enabled: true, stopOnMatch: false,
    match: { types: ["order.created"], sources: ["amazon"], where: [{ path: "fulfilmentChannel", equals: "marketplace" }] },
    destinations: [{ connector: "quickbooks", action: "post_sales_receipt" }],
  },
  {
    id: "amazon-fbm-order", name: "FBM orders: the 3PL ships, and the books", priority: 20, enabled: true, stopOnMatch: false,
    match: { types: ["order.created"], sources: ["amazon"], where: [{ path: "fulfilmentChannel", equals: "merchant" }] },
    destinations: [
      { connector: "shipstation", action: "create_order" },
      { connector: "quickbooks", action: "post_sales_receipt" },
    ],
  },
  {
    id: "amazon-fbm-cancel", name: "FBM cancellations: the 3PL and the books", priority: 30, enabled: true, stopOnMatch: false,
    match: { types: ["order.cancelled"], sources: ["amazon"], where: [{ path: "order.fulfilmentChannel", equals: "merchant" }] },
    destinations: [
      { connector: "shipstation", action: "cancel_order" },
      { connector: "quickbooks", action: "void_sales_receipt" },
    ],
  },
  {
    id: "amazon-fbm-shipment", name: "3PL shipments of Amazon orders: confirm the shipment on Amazon", priority: 40, enabled: true, stopOnMatch: false,
    match: { types: ["shipment.created"], sources: ["shipstation"], where: [{ path: "orderId", startsWith: "amazon:" }] },
    destinations: [{ connector: "amazon", action: "confirm_shipment" }],
  },
  {
    id: "amazon-settlement", name: "Amazon settlements: one summarised journal, deposit = the settlement total", priority: 70, enabled: true, stopOnMatch: false,
    match: { types: ["payout.settled"], sources: ["amazon"], where: [] },
    destinations: [{ connector: "quickbooks", action: "post_journal" }],
  },
];

/** Amazon (SP-API), a 3PL (ShipStation) and the books (QuickBooks), each a sandbox on a local port. */
export async function startAmazonWorld(opts: AmazonWorldOptions): Promise<AmazonWorld> {
  const ingress = (c: string) => `${opts.appUrl.replace(/\/$/, "")}${opts.ingressPath?.(c) ?? `/api/webhooks/${c}`}`;
  const started: { close(): Promise<void> }[] = [];
  try {
    const amazon = await startAmazonSandbox({ seed: { ...THREE_PL_SEED, stock: { "amazon-fba": THREE_PL_SEED.stock!.main! } }, notificationTarget: ingress("amazon"), rateLimits: opts.rateLimits });
    started.push(amazon);
    const shipstationToken = "sandbox-webhook-token-0123456789";
    const shipstation = await startShipStationSandbox({ seed: THREE_PL_SEED, credentials: { webhookToken: shipstationToken }, webhookTarget: webhookTargetUrl(ingress("shipstation"), shipstationToken), rateLimitPerMinute: 600 });
    started.push(shipstation);
    const quickbooks = await startQuickBooksSandbox({ seed: ACCOUNTING_SEED, webhookTarget: ingress("quickbooks") });
    started.push(quickbooks);
    const config: SandboxWorldFile = {
      instances: [
        { id: "amazon", connectorType: "amazon", displayName: "Amazon Seller Central (sandbox)", baseUrl: amazon.url, credentials: { ...amazon.credentials }, settings: {}, owner: "marketplaces@loopkeeper.example" },
        { id: "shipstation", connectorType: "shipstation", displayName: "ShipStation 3PL (sandbox)", baseUrl: shipstation.url, credentials: { ...shipstation.credentials }, settings: {}, owner: "fulfilment@loopkeeper.example" },
        { id: "quickbooks", connectorType: "quickbooks", displayName: "QuickBooks Online (sandbox)", baseUrl: quickbooks.url, credentials: quickbooks.credentials, settings: quickbooks.settings, owner: "finance@loopkeeper.example" },
      ],
      rules: AMAZON_RULES,
      mappings: [],
    };
    return { amazon, shipstation, quickbooks, config, close: async () => void (await Promise.all(started.map((s) => s.close()))) };
  } catch (e) {
    await Promise.all(started.map((s) => s.close().catch(() => undefined)));
    throw e;
  }
}
