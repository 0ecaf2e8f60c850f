import type { ConnectorDefinition } from "./sdk/definition";
import { amazonConnector } from "./amazon";
import { ediX12 } from "./edi-x12";
import { httpWebhook } from "./http-webhook";
import { netsuiteConnector } from "./netsuite";
import { quickbooks } from "./quickbooks";
import { shipstation } from "./shipstation";
import { shopifyConnector } from "./shopify";
import { stripeConnector } from "./stripe";

/**
 * Every connector the product knows, by id. Each folder under connectors/ exports its
 * definition from index.ts and is listed here once.
 */
export const CONNECTORS: Record<string, ConnectorDefinition> = {
  amazon: amazonConnector,
  "edi-x12": ediX12,
  "http-webhook": httpWebhook,
  netsuite: netsuiteConnector,
  quickbooks,
  shipstation,
  shopify: shopifyConnector,
  stripe: stripeConnector,
};

export function connectorDefinition(id: string): ConnectorDefinition | undefined {
  return CONNECTORS[id];
}
