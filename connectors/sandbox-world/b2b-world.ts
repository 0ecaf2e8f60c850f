import { startTradingPartnerSandbox, type TradingPartnerSandbox } from "../edi-x12/sandbox/server";
import type { TradingPartnerInput } from "../edi-x12/partner-config";
import type { RoutingRule } from "../../pipeline/stages/route";
import { startSandboxWorld, type SandboxWorld, type SandboxWorldOptions } from "./world";

export interface B2bWorld extends SandboxWorld {
  /** The retailer's EDI gateway: sends 850s, receives and judges our 997/855/856/810. */
  retailer: TradingPartnerSandbox;
  /** The connector instance (and ingress path) the retailer is connected through. */
  ediInstanceId: string;
}

export interface B2bWorldOptions extends SandboxWorldOptions {
  /** Our configuration of the retailer, merged over the sandbox's (timing windows, ASN rules). */
  partner?: Partial<TradingPartnerInput>;
  ediInstanceId?: string;
  /** Our GS1 company prefix: SSCC-18 labels for cartons the 3PL does not label itself. */
  gs1CompanyPrefix?: string;
}

/**
 * The B2B routes of one trading partner, next to the DTC ones: a PO from the partner is booked
 * in the ERP, goes to the 3PL like a checkout, and is acknowledged (855) once the ERP took it; a
 * 3PL shipment of that partner's order becomes an 856 ASN, then the 810 invoice, and the ERP
 * fulfilment. The shipment rule stops there so DTC shipment rules (the channel's fulfilment)
 * never see a retailer's order; the orderId prefix names the partner, so each connection only
 * gets its own partner's shipments.
 */
export function b2bRules(edi: string, partnerId: string): RoutingRule[] {
  return [
    {
      id: `b2b-${edi}-order-created`, name: `${partnerId} POs: ERP sales order, then the 3PL, and the 855 once the ERP has it`, priority: 12, enabled: true, stopOnMatch: false,
      match: { types: ["order.created"], sources: [edi], where: [] },
      destinations: [
        { connector: "netsuite", action: "upsert_sales_order" },
        { connector: "shipstation", action: "create_order", after: "netsuite.upsert_sales_order" },
        { connector: edi, action: "send_855", after: "netsuite.upsert_sales_order", replyToSource: true },
      ],
    },
    {
      id: `b2b-${edi}-order-cancelled`, name: `${partnerId} PO cancellations: ERP and 3PL`, priority: 32, enabled: true, stopOnMatch: false,
      match: { types: ["order.cancelled"], sources: [edi], where: [] },
      destinations: [
        { connector: "netsuite", action: "cancel_sales_order" },
        { connector: "shipstation", action: "cancel_order" },
      ],
    },
    {
      id: `b2b-${edi}-shipment`, name: `${partnerId} shipments: 856 ASN, then the 810 invoice; fulfilment in the ERP`, priority: 35, enabled: true, stopOnMatch: true,
      match: { types: ["shipment.created"], sources: ["shipstation"], where: [{ path: "orderId", startsWith: `edi:${partnerId}:` }] },
      destinations: [
        { connector: edi, action: "send_856" },
        { connector: edi, action: "send_810", after: `${edi}.send_856` },
        { connector: "netsuite", action: "fulfill_sales_order" },
      ],
    },
  ];
}

/**
 * The B2B + DTC hybrid: the DTC world (Shopify, NetSuite, ShipStation, QuickBooks) plus a
 * retailer that orders by EDI. Both kinds of order become the same canonical order, the same ERP
 * and 3PL fulfil them, and the retailer gets its ASN and invoice without anyone touching them.
 */
export async function startB2bWorld(opts: B2bWorldOptions): Promise<B2bWorld> {
  const ediInstanceId = opts.ediInstanceId ?? "edi-sandbox-retail";
  const world = await startSandboxWorld(opts);
  const ingress = `${opts.appUrl.replace(/\/$/, "")}${opts.ingressPath?.(ediInstanceId) ?? `/api/webhooks/${ediInstanceId}`}`;
  let retailer: TradingPartnerSandbox;
  try {
    retailer = await startTradingPartnerSandbox({ ourEndpoint: ingress, partner: opts.partner });
  } catch (e) {
    await world.close();
    throw e;
  }
  const partner = retailer.partner;
  // A new config: world.config.rules is the shared DTC_RULES array and must not change.
  const config = { ...world.config, instances: [...world.config.instances], rules: [...world.config.rules, ...b2bRules(ediInstanceId, partner.id)] };
  config.instances.push({
    id: ediInstanceId, connectorType: "edi-x12", displayName: `${partner.name} (EDI sandbox)`, baseUrl: `${retailer.url}/inbound`,
    credentials: { sharedSecret: retailer.token, partner }, settings: { gs1CompanyPrefix: opts.gs1CompanyPrefix ?? "0614141" }, owner: "b2b@loopkeeper.example",
  });
  return {
    ...world,
    config,
    retailer,
    ediInstanceId,
    close: async () => {
      await Promise.all([world.close(), retailer.close()]);
    },
  };
}
