import { z } from "zod";
import { EVENT_TYPES } from "../../pipeline/model";
import { defineConnector } from "../sdk/definition";
import { HttpWebhookClient, type HttpWebhookCredentials } from "./client";
import { classifyError } from "./errors";

/**
 * A generic outbound HTTP destination: any service that accepts JSON over HTTPS (a data
 * warehouse loader, a custom app). Each delivery POSTs the canonical event with an
 * Idempotency-Key header and a signature the receiver can verify.
 */
export const httpWebhook = defineConnector<HttpWebhookCredentials, HttpWebhookClient, never>({
  id: "http-webhook",
  displayName: "HTTP endpoint",
  credentials: z.object({
    signingSecret: z.string().min(16).describe("Secret used to sign each request (X-Loopkeeper-Signature)").meta({ secret: true }),
    bearerToken: z.string().optional().describe("Optional bearer token the receiver requires").meta({ secret: true }),
  }),
  defaultBaseUrl: "https://example.invalid/hooks",
  ratePolicy: { concurrency: 20, perSecond: 200 },
  capabilities: { source: [], destination: ["post_event"], readers: [] },
  createClient: ({ baseUrl, credentials, fetch }) => new HttpWebhookClient(baseUrl, credentials, fetch),
  testConnection: async (client) => (await client.ping(), { ok: true, detail: "endpoint answered" }),
  destinations: {
    post_event: {
      accepts: [...EVENT_TYPES],
      deliver: async (client, ctx) => {
        const res = await client.post("events", { id: ctx.event.id, type: ctx.event.type, correlationId: ctx.event.correlationId, data: ctx.event.data }, ctx.idempotencyKey);
        return { externalId: res.id, summary: `POST events → ${res.status}` };
      },
      lookupExisting: (client, ctx) => client.lookup("events", ctx.idempotencyKey),
    },
  },
  classifyError,
});
