import { z } from "zod";
import { defineConnector } from "../sdk/definition";
import { QBO_PRODUCTION_BASE_URL, QuickBooksClient } from "./client";
import { quickBooksDestinations } from "./destinations";
import { classifyError } from "./errors";
import { QuickBooksOAuth, type QuickBooksTokenSet } from "./oauth2";
import { readPostings } from "./readers";
import { fetchQuickBooksNotification, quickBooksWebhooks, type QuickBooksWebhookSecrets } from "./webhooks";

const secret = { secret: true } as const;

export const QuickBooksCredentials = z.object({
  realmId: z.string().min(1).describe("Company ID (realmId) of the QuickBooks Online company, shown in the OAuth redirect"),
  clientId: z.string().min(1).describe("Client ID of the Intuit developer app (Keys & credentials)"),
  clientSecret: z.string().min(1).describe("Client secret of the Intuit developer app").meta(secret),
  refreshToken: z.string().min(1).describe("OAuth 2.0 refresh token for this company (valid 100 days; Intuit rotates it)").meta(secret),
  accessToken: z.string().min(1).optional().describe("A current access token, if you have one (otherwise one is fetched with the refresh token)").meta(secret),
  webhookVerifierToken: z.string().min(1).describe("Webhook verifier token of the Intuit app, used to check intuit-signature").meta(secret),
  tokenUrl: z.url().optional().describe("OAuth token endpoint; leave empty for https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"),
});
export type QuickBooksCredentials = z.infer<typeof QuickBooksCredentials>;

export interface CreateQuickBooksClientOptions {
  baseUrl: string;
  credentials: QuickBooksCredentials;
  fetch?: typeof fetch;
  timeoutMs?: number;
  homeCurrency?: string;
  /** Persist rotated refresh tokens here; without it they live only as long as the client. */
  onTokens?: (tokens: QuickBooksTokenSet) => void | Promise<void>;
}

export function createQuickBooksClient(opts: CreateQuickBooksClientOptions): QuickBooksClient {
  const c = opts.credentials;
  const auth = new QuickBooksOAuth({
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    refreshToken: c.refreshToken,
    accessToken: c.accessToken,
    tokenUrl: c.tokenUrl,
    fetch: opts.fetch,
    timeoutMs: opts.timeoutMs,
    onTokens: opts.onTokens,
  });
  return new QuickBooksClient({ baseUrl: opts.baseUrl, realmId: c.realmId, auth, fetch: opts.fetch, timeoutMs: opts.timeoutMs, homeCurrency: opts.homeCurrency });
}

export const quickbooks = defineConnector<QuickBooksCredentials, QuickBooksClient, QuickBooksWebhookSecrets>({
  id: "quickbooks",
  displayName: "QuickBooks Online",
  credentials: QuickBooksCredentials,
  defaultBaseUrl: QBO_PRODUCTION_BASE_URL,
  // 500 requests per minute per realm (8.3/s) and at most 10 in flight.
  ratePolicy: { concurrency: 10, perSecond: 8, burst: 10 },
  capabilities: {
    source: ["posting.created"],
    destination: Object.keys(quickBooksDestinations),
    readers: ["postings"],
  },
  createClient: ({ baseUrl, credentials, fetch, timeoutMs, onCredentialsRefreshed }) =>
    createQuickBooksClient({
      baseUrl,
      credentials,
      fetch,
      timeoutMs,
      // Intuit rotates the refresh token: the newest one must outlive this process.
      onTokens: onCredentialsRefreshed ? (t) => onCredentialsRefreshed({ refreshToken: t.refreshToken, accessToken: t.accessToken }) : undefined,
    }),
  async testConnection(client) {
    const info = await client.companyInfo();
    return { ok: true, detail: `connected to ${info.CompanyName} (realm ${client.realmId})` };
  },
  webhooks: quickBooksWebhooks,
  webhookSecrets: (credentials) => ({ verifierToken: credentials.webhookVerifierToken }),
  fetchNotification: fetchQuickBooksNotification,
  destinations: quickBooksDestinations,
  readers: {
    postings: (client: QuickBooksClient, since: string) => readPostings(client, since),
  },
  classifyError,
});

export { QuickBooksClient } from "./client";
export { QuickBooksOAuth, INTUIT_TOKEN_URL, type QuickBooksTokenSet } from "./oauth2";
export { classifyError, parseFault } from "./errors";
export { QuickBooksSettings } from "./settings";
export { MAPPING_KINDS } from "./destinations";
export { signIntuitPayload } from "./webhooks";
