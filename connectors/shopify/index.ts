import { z } from "zod";
import { defineConnector } from "../sdk/definition";
import { ShopifyClient } from "./client";
import { createFulfillment } from "./create-fulfillment";
import { classifyError } from "./errors";
import { DEFAULT_API_VERSION } from "./graphql-documents";
import { fetchShopifyNotification, shopifyReaders } from "./read-records";
import { setInventory } from "./set-inventory";
import { WEBHOOK_TOPICS, shopifyWebhooks, type ShopifyWebhookSecrets } from "./webhooks";

export const ShopifyCredentials = z.object({
  shopDomain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "the shop's myshopify domain, e.g. acme-outdoors.myshopify.com")
    .describe("Shop domain: the permanent myshopify.com domain (acme-outdoors.myshopify.com), not the storefront domain. The API base URL is https://<shop domain>."),
  accessToken: z.string().min(1).describe("Admin API access token of the custom app (starts with shpat_). Scopes: read_orders, read_products, read_inventory, write_inventory, read_locations, read_merchant_managed_fulfillment_orders, write_merchant_managed_fulfillment_orders.").meta({ secret: true }),
  apiSecret: z.string().min(1).describe("The app's client secret (API secret key). Verifies the X-Shopify-Hmac-Sha256 signature of webhooks.").meta({ secret: true }),
  previousApiSecret: z.string().min(1).optional().describe("After rotating the client secret: the old one, accepted for webhooks for about an hour while Shopify still signs with it. Remove it afterwards.").meta({ secret: true }),
  apiVersion: z.string().regex(/^(\d{4}-(01|04|07|10)|unstable)$/, "an Admin API version such as 2025-07").default(DEFAULT_API_VERSION).describe("Admin API version in the request path (YYYY-MM). 2026-01 and later also send @idempotent keys on inventory writes."),
});
export type ShopifyCredentials = z.infer<typeof ShopifyCredentials>;

/**
 * The default base URL names the shop as a placeholder: the real one is https://<shopDomain>.
 * A configured URL without the placeholder (the sandbox, a proxy) is used as is.
 */
export function resolveShopifyBaseUrl(baseUrl: string, shopDomain: string): string {
  return baseUrl.includes("{shop}") ? `https://${shopDomain}` : baseUrl;
}

export function createShopifyClient(opts: { baseUrl: string; credentials: ShopifyCredentials; fetch?: typeof fetch; timeoutMs?: number }): ShopifyClient {
  const credentials = ShopifyCredentials.parse(opts.credentials);
  return new ShopifyClient({
    baseUrl: resolveShopifyBaseUrl(opts.baseUrl, credentials.shopDomain),
    accessToken: credentials.accessToken,
    apiVersion: credentials.apiVersion,
    fetch: opts.fetch,
    timeoutMs: opts.timeoutMs,
  });
}

export const shopifyConnector = defineConnector<ShopifyCredentials, ShopifyClient, ShopifyWebhookSecrets>({
  id: "shopify",
  displayName: "Shopify",
  credentials: ShopifyCredentials,
  defaultBaseUrl: "https://{shop}.myshopify.com",
  // GraphQL is limited by query cost (bucket 1000 points, restoring 50/s); about two typical
  // calls a second is the steady pace that bucket sustains, and the client paces on the
  // throttle status Shopify returns with every answer.
  ratePolicy: { concurrency: 4, perSecond: 2 },
  capabilities: {
    source: [...new Set(Object.values(WEBHOOK_TOPICS))],
    destination: ["create_fulfillment", "set_inventory"],
    readers: ["inventory", "orders"],
  },
  createClient: createShopifyClient,
  async testConnection(client) {
    const shop = await client.shop();
    return { ok: true, detail: `Connected to ${shop.name}${shop.myshopifyDomain ? ` (${shop.myshopifyDomain})` : ""}, Admin API ${client.apiVersion}` };
  },
  webhooks: shopifyWebhooks,
  webhookSecrets: (credentials) => ({ current: credentials.apiSecret, previous: credentials.previousApiSecret }),
  fetchNotification: fetchShopifyNotification,
  destinations: {
    create_fulfillment: createFulfillment,
    set_inventory: setInventory,
  },
  readers: shopifyReaders,
  classifyError,
});

export { ShopifyClient } from "./client";
export { classifyError as classifyShopifyError } from "./errors";
export { verifyShopifyWebhook, parseShopifyWebhook, signShopifyWebhook, type ShopifyWebhookSecrets } from "./webhooks";
