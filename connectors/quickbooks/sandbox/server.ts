import { createHash, randomUUID } from "node:crypto";
import { DEFAULT_SEED, WebhookEmitter, route, startSandbox, type FaultPlan, type FaultSettings, type Route, type RouteHandler, type SandboxSeed, type SandboxServer } from "../../sdk/sandbox-kit";
import type { QuickBooksCredentials } from "../index";
import { signIntuitPayload } from "../webhooks";
import { qboFaults } from "./faults";
import { QuickBooksSandboxState, SANDBOX_ACCOUNTS, SANDBOX_WEB_CUSTOMER_ID, type ChangeOperation, type SalesEntity } from "./state";
import { SandboxTokenStore } from "./tokens";

export interface QuickBooksSandboxOptions {
  port?: number;
  seed?: SandboxSeed;
  /** Where CloudEvents webhooks go (our ingress); none are sent without it. */
  webhookTarget?: string;
  /** Overrides of the sandbox's client id/secret, tokens and realm. */
  credentials?: Partial<QuickBooksCredentials>;
  /** Access-token lifetime (Intuit: 3600 s). */
  accessTokenTtlSec?: number;
  /** Issue a new refresh token on every refresh, retiring the old one. */
  rotateRefreshTokens?: boolean;
  /** Rate QBO would apply to TAX lines when a request states no TotalTax. */
  taxRatePercent?: number;
  companyName?: string;
}

/**
 * A running QuickBooks Online sandbox. Besides the kit's fault plan (burst429, errors5xx,
 * timeouts, expiredToken, rejectRecords, webhooks), it understands these `custom` switches:
 * `doublePostNext`, `taxOffByOneCentNext` (one-shot) and `throttleAs403` (throttle with QBO's
 * 403 XML fault instead of 429). rejectRecords keys are SKUs (→ 2500 Invalid Reference Id) or
 * DocNumbers (→ 6000 business validation).
 */
export interface QuickBooksSandbox extends SandboxServer {
  /** Credentials that work against this sandbox (tokenUrl included). */
  credentials: QuickBooksCredentials;
  realmId: string;
  /** POST here for tokens: the sandbox's Intuit OAuth 2.0 endpoint. */
  tokenUrl: string;
  state: QuickBooksSandboxState;
  tokens: SandboxTokenStore;
  webhooks: WebhookEmitter;
  /** Connection settings (ctx.settings) that match the sandbox's chart of accounts. */
  settings: Record<string, unknown>;
  accounts: typeof SANDBOX_ACCOUNTS;
  webCustomerId: string;
  setWebhookTarget(url: string | undefined): void;
  /** Resolves when every webhook emitted so far has been delivered (or given up on). */
  webhooksIdle(): Promise<void>;
  /** Every current access token stops working; the refresh token still works. */
  expireAccessTokens(): number;
  /** The company disconnects the app: refreshes fail with invalid_grant. */
  revokeRefreshTokens(): void;
  /** An edit in the QuickBooks UI: the receipt's SyncToken moves on. */
  editSalesReceipt(id: string): void;
  /** The next sales receipt is stored twice (DocNumber and DocNumber-1). */
  doublePostNext(): void;
  /** The next sales receipt's TotalTax is stored one cent high. */
  taxOffByOneCentNext(): void;
  throttleAs403(on?: boolean): void;
}

const DEFAULT_CREDENTIALS = {
  realmId: "9341455130166501",
  clientId: "ABsandboxClientId0000000000000000000000000000000",
  clientSecret: "sandbox-client-secret",
  refreshToken: "RT1-sandbox-initial-refresh-token",
  accessToken: "eyJsandbox.initial-access-token",
  webhookVerifierToken: "sandbox-webhook-verifier-token",
};

const bearerOf = (authorization: string | undefined) => /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1];

/** Starts a QuickBooks Online sandbox on 127.0.0.1 (an ephemeral port unless one is given). */
export async function startQuickBooksSandbox(opts: QuickBooksSandboxOptions = {}): Promise<QuickBooksSandbox> {
  const creds = { ...DEFAULT_CREDENTIALS, ...opts.credentials };
  const tokens = new SandboxTokenStore({
    clientId: creds.clientId,
    clientSecret: creds.clientSecret,
    refreshToken: creds.refreshToken,
    accessToken: creds.accessToken ?? DEFAULT_CREDENTIALS.accessToken,
    accessTokenTtlSec: opts.accessTokenTtlSec ?? 3600,
    rotateRefreshTokens: opts.rotateRefreshTokens ?? false,
    now: Date.now,
  });
  let faults: FaultPlan | undefined;
  let emitter: WebhookEmitter | undefined;
  const pending = new Set<Promise<void>>();

  const custom = (): Record<string, unknown> => {
    if (!faults) return {};
    return (faults.settings.custom ??= {});
  };
  const state = new QuickBooksSandboxState(
    { realmId: creds.realmId, companyName: opts.companyName ?? "Loopkeeper Sandbox Co.", seed: opts.seed ?? DEFAULT_SEED, taxRatePercent: opts.taxRatePercent ?? 0, now: Date.now },
    {
      rejection: (key) => faults?.rejection(key),
      takeSwitch: (name) => {
        const on = custom()[name] === true;
        if (on) custom()[name] = false;
        return on;
      },
      changed: (entity, id, operation) => emitChange(entity, id, operation),
    },
  );

  function emitChange(entity: string, id: string, operation: ChangeOperation): void {
    if (!emitter?.targetUrl) return;
    const event = {
      specversion: "1.0",
      id: randomUUID(),
      source: `intuit.${createHash("sha256").update(state.realmId).digest("base64")}`,
      type: `qbo.${entity.toLowerCase()}.${operation}.v1`,
      datacontenttype: "application/json",
      time: new Date().toISOString(),
      intuitentityid: id,
      intuitaccountid: state.realmId,
      data: {},
    };
    const sending = emitter.emit(JSON.stringify([event])).catch(() => undefined);
    pending.add(sending);
    void sending.finally(() => pending.delete(sending));
  }

  /** Company API routes: realm check, request log, requestid replay for writes. */
  const api = (method: string, path: string, handler: RouteHandler, opts: { write?: boolean } = {}): Route =>
    route(method, `/v3/company/:realm/${path}`, async (req) => {
      const requestId = req.query.get("requestid");
      const replay = opts.write ? state.replayFor(requestId) : undefined;
      state.requests.push({ at: new Date().toISOString(), method: req.method, path: req.path, query: Object.fromEntries(req.query), ...(replay ? { replayed: true } : {}) });
      if (req.params.realm !== state.realmId) return qboFaults.authorizationFailed();
      if (replay) return replay;
      const res = await handler(req);
      if (opts.write) state.remember(requestId, res);
      return res;
    });

  const salesWrites = (entity: SalesEntity): RouteHandler => (req) => {
    const operation = req.query.get("operation");
    const include = req.query.get("include") ?? "";
    if (operation === "delete") return state.deleteSales(entity, req.body);
    if (operation === "update" && include === "void" && entity === "SalesReceipt") return state.voidSalesReceipt(req.body);
    if (operation && operation !== "create") return qboFaults.unsupported(`${entity} operation=${operation}${include ? `&include=${include}` : ""}`);
    return state.createSales(entity, req.body, { allowDuplicateDocNumber: include.split(",").includes("allowduplicatedocnum") });
  };

  const routes: Route[] = [
    route("POST", "/oauth2/v1/tokens/bearer", (req) => tokens.grant(req.headers["authorization"], req.rawBody), { unauthenticated: true }),
    route("POST", "/_sandbox/salesreceipt/:id/edit", (req) => (state.table("SalesReceipt").has(req.params.id!) ? { status: 200, body: state.editSalesReceipt(req.params.id!) } : { status: 404, body: { message: `no SalesReceipt ${req.params.id}` } }), { unauthenticated: true }),
    api("GET", "companyinfo/:id", (req) => state.companyInfo(req.params.id!)),
    api("GET", "query", (req) => state.query(req.query.get("query"))),
    api("POST", "salesreceipt", salesWrites("SalesReceipt"), { write: true }),
    api("POST", "refundreceipt", salesWrites("RefundReceipt"), { write: true }),
    api("POST", "invoice", salesWrites("Invoice"), { write: true }),
    api("POST", "journalentry", (req) => state.createJournalEntry(req.body, { allowDuplicateDocNumber: (req.query.get("include") ?? "").includes("allowduplicatedocnum") }), { write: true }),
    api("POST", "customer", (req) => state.createCustomer(req.body), { write: true }),
    api("GET", "salesreceipt/:id", (req) => state.read("SalesReceipt", req.params.id!)),
    api("GET", "refundreceipt/:id", (req) => state.read("RefundReceipt", req.params.id!)),
    api("GET", "invoice/:id", (req) => state.read("Invoice", req.params.id!)),
    api("GET", "journalentry/:id", (req) => state.read("JournalEntry", req.params.id!)),
    api("GET", "customer/:id", (req) => state.read("Customer", req.params.id!)),
    api("GET", "item/:id", (req) => state.read("Item", req.params.id!)),
  ];

  const server = await startSandbox({
    name: "quickbooks",
    routes,
    port: opts.port,
    faultResponses: {
      rateLimited: (retryAfterSec) => (faults?.settings.custom?.throttleAs403 === true ? qboFaults.throttled403() : qboFaults.throttled429(retryAfterSec)),
      serverError: (status) => qboFaults.serverError(status),
      expiredToken: () => qboFaults.authenticationFailed(),
    },
    authorize: (req) => !req.path.startsWith("/v3/") || tokens.isValid(bearerOf(req.headers["authorization"])),
    state: () => ({ ...state.snapshot(), tokens: { active: tokens.activeAccessTokens, refreshes: tokens.refreshCount }, webhooksSent: emitter?.sent.length ?? 0 }),
    reset: () => state.reset(),
  });
  faults = server.faults;
  // QBO's "expired token" is a state of the tokens, not of every call: setting the fault expires
  // the tokens held now, so a client that refreshes recovers, as it would against Intuit.
  const setFaults = faults.set.bind(faults);
  faults.set = (next: FaultSettings) => {
    const { expiredToken, ...rest } = next;
    if (expiredToken) {
      const n = tokens.expireAccessTokens();
      faults!.log.push({ at: new Date().toISOString(), fault: `expired_token: ${n} access tokens invalidated`, path: "*" });
    }
    setFaults(rest);
  };
  emitter = new WebhookEmitter(faults, (body) => ({ "intuit-signature": signIntuitPayload(body, creds.webhookVerifierToken) }));
  emitter.targetUrl = opts.webhookTarget;
  const tokenUrl = `${server.url}/oauth2/v1/tokens/bearer`;
  const setCustom = (patch: Record<string, unknown>) => faults!.set({ custom: { ...faults!.settings.custom, ...patch } });

  return {
    ...server,
    credentials: { ...creds, tokenUrl },
    realmId: creds.realmId,
    tokenUrl,
    state,
    tokens,
    webhooks: emitter,
    settings: {
      accounts: { bank: SANDBOX_ACCOUNTS.bank, clearing: SANDBOX_ACCOUNTS.clearing, fee: SANDBOX_ACCOUNTS.fee, reserve: SANDBOX_ACCOUNTS.reserve, refund: SANDBOX_ACCOUNTS.refund, discounts: SANDBOX_ACCOUNTS.discounts },
      homeCurrency: state.homeCurrency,
    },
    accounts: SANDBOX_ACCOUNTS,
    webCustomerId: SANDBOX_WEB_CUSTOMER_ID,
    setWebhookTarget: (url) => void (emitter!.targetUrl = url),
    webhooksIdle: async () => {
      while (pending.size) await Promise.all([...pending]);
    },
    expireAccessTokens: () => tokens.expireAccessTokens(),
    revokeRefreshTokens: () => tokens.revokeRefreshTokens(),
    editSalesReceipt: (id) => void state.editSalesReceipt(id),
    doublePostNext: () => setCustom({ doublePostNext: true }),
    taxOffByOneCentNext: () => setCustom({ taxOffByOneCentNext: true }),
    throttleAs403: (on = true) => setCustom({ throttleAs403: on }),
  };
}
