import { z } from "zod";

/** What the console asks for to connect one seller account in one SP-API region. */
export const AmazonCredentials = z.object({
  sellingPartnerId: z
    .string()
    .min(1)
    .describe("Merchant token (seller id) of the selling partner, e.g. A3TH9S8BH6GOGM (Seller Central: Settings > Account Info > Merchant Token)."),
  marketplaceIds: z
    .array(z.string().min(1))
    .min(1)
    .describe("Marketplace ids to sync, e.g. ATVPDKIKX0DER (amazon.com). The first one is the FBA inventory marketplace."),
  clientId: z.string().min(1).describe("LWA client id of the SP-API application (amzn1.application-oa2-client....)."),
  clientSecret: z.string().min(1).meta({ description: "LWA client secret of the SP-API application.", secret: true }),
  refreshToken: z
    .string()
    .min(1)
    .meta({ description: "LWA refresh token (Atzr|...) issued when the seller authorized the application.", secret: true }),
  lwaTokenUrl: z
    .string()
    .url()
    .optional()
    .describe("Login with Amazon token endpoint. Default https://api.amazon.com/auth/o2/token (NA); EU api.amazon.co.uk, FE api.amazon.co.jp."),
  relayToken: z
    .string()
    .min(16)
    .meta({ description: "Shared token the notification relay (SQS/EventBridge forwarder) sends as X-Relay-Token.", secret: true }),
});
export type AmazonCredentials = z.infer<typeof AmazonCredentials>;
