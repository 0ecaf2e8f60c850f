import { z } from "zod";
import { defineConnector } from "../sdk/definition";
import { NetSuiteClient } from "./client";
import { NETSUITE_DESTINATIONS } from "./destinations";
import { classifyError } from "./errors";
import { inventoryPoller } from "./inventory-poller";
import { isValidTimeZone } from "./netsuite-time";
import { hostIdOf, realmOf, tbaAuth } from "./oauth1";
import { NETSUITE_READERS } from "./readers";

const secret = (description: string) => z.string().min(1).describe(description).meta({ secret: true });

/** Token-Based Authentication: an integration record (consumer) plus an access token (user and role). */
export const NetSuiteCredentials = z.object({
  accountId: z
    .string()
    .regex(/^[A-Za-z0-9]+([_-][A-Za-z0-9]+)*$/, "an account id looks like 1234567 or 1234567_SB1")
    .describe("NetSuite account ID (Setup > Company > Company Information), e.g. 1234567 or 1234567_SB1 for a sandbox"),
  consumerKey: secret("Consumer key of the integration record (Setup > Integration > Manage Integrations)"),
  consumerSecret: secret("Consumer secret of the integration record, shown once when it is created"),
  tokenId: secret("Token ID of the access token (Setup > Users/Roles > Access Tokens)"),
  tokenSecret: secret("Token secret of the access token, shown once when it is created"),
  timeZone: z
    .string()
    .refine(isValidTimeZone, "must be an IANA time zone such as America/Los_Angeles")
    .default("UTC")
    .describe("Time zone preference of the token's NetSuite user (Home > Set Preferences); SuiteQL reports times in it"),
});
export type NetSuiteCredentials = z.infer<typeof NetSuiteCredentials>;

/** `{accountId}` is filled from the credentials: every NetSuite account has its own host. */
export const NETSUITE_DEFAULT_BASE_URL = "https://{accountId}.suitetalk.api.netsuite.com/services/rest/";

export function createNetSuiteClient(opts: { baseUrl: string; credentials: NetSuiteCredentials; fetch?: typeof fetch; timeoutMs?: number; pageSize?: number }): NetSuiteClient {
  const credentials = NetSuiteCredentials.parse(opts.credentials);
  return new NetSuiteClient({
    baseUrl: opts.baseUrl.replace("{accountId}", hostIdOf(credentials.accountId)),
    auth: tbaAuth(credentials),
    accountId: credentials.accountId,
    timeZone: credentials.timeZone,
    fetch: opts.fetch,
    timeoutMs: opts.timeoutMs,
    pageSize: opts.pageSize,
  });
}

export const netsuiteConnector = defineConnector<NetSuiteCredentials, NetSuiteClient, never>({
  id: "netsuite",
  displayName: "NetSuite",
  credentials: NetSuiteCredentials,
  defaultBaseUrl: NETSUITE_DEFAULT_BASE_URL,
  // NetSuite's default account concurrency limit is 5 (shared by every integration of the account).
  ratePolicy: { concurrency: 5, perSecond: 10 },
  capabilities: {
    source: ["inventory.level"],
    destination: Object.keys(NETSUITE_DESTINATIONS),
    readers: ["inventory", "orders"],
  },
  createClient: (opts) => createNetSuiteClient(opts),
  async testConnection(client) {
    const r = await client.testConnection();
    return { ok: true, detail: `authenticated to NetSuite account ${client.accountId ? realmOf(client.accountId) : "?"}: ${r.subsidiaries} subsidiar${r.subsidiaries === 1 ? "y" : "ies"}${r.first ? ` (first: ${r.first})` : ""}` };
  },
  destinations: NETSUITE_DESTINATIONS,
  pollers: { inventory: inventoryPoller() },
  readers: NETSUITE_READERS,
  classifyError,
});

export { NetSuiteClient } from "./client";
export { classifyError } from "./errors";
export { inventoryPoller, InventoryCursor } from "./inventory-poller";
export { tbaAuth } from "./oauth1";
export { NetSuiteSettings } from "./settings";
