import { randomBytes } from "node:crypto";
import { route, startSandbox, WebhookEmitter, type Route, type SandboxRequest, type SandboxResponse, type SandboxServer } from "../../sdk/sandbox-kit";
import { canonicalParams, parseStripeForm, type FormValue } from "./form";
import {
  idempotencyMismatch,
  invalidApiKey,
  invalidRequest,
  lockTimeout,
  missingApiKey,
  noSuchObject,
  stripeFaultResponses,
} from "./responses";
import { signStripePayload } from "./sign";
import {
  isParamError,
  SANDBOX_API_VERSION,
  StripeSandboxState,
  stripeId,
  type PayoutStatus,
  type SandboxBalanceTransaction,
  type SandboxCharge,
  type SandboxDispute,
  type SandboxPayout,
  type SandboxRefund,
} from "./state";

export interface StripeSandboxCredentials {
  secretKey: string;
  webhookSecret: string;
  previousWebhookSecret?: string;
}

export interface StartStripeSandboxOptions {
  port?: number;
  host?: string;
  /** Where signed webhooks go (our ingress, e.g. http://127.0.0.1:3100/api/webhooks/stripe). */
  webhookTarget?: string;
  credentials?: Partial<StripeSandboxCredentials>;
  /** Lower-case ISO code of the account's default currency. */
  currency?: string;
  /** Event types the webhook endpoint is subscribed to; every type when omitted. */
  webhookEvents?: string[];
}

export interface StripeSandbox extends SandboxServer {
  /** Ready to use as the connector's credentials; updated by rotateWebhookSecret. */
  credentials: StripeSandboxCredentials;
  state: StripeSandboxState;
  webhooks: WebhookEmitter;
  addCharge: StripeSandboxState["addCharge"];
  /** Refunds outside the API (e.g. from the Dashboard): no idempotency, throws on a bad request. */
  addRefund(opts: { charge: string; amount?: number; reason?: string; metadata?: Record<string, string> }): SandboxRefund;
  addDispute(opts: { charge: string; amount?: number; fee?: number; reason?: string }): SandboxDispute;
  addAdjustment(opts: { amount: number; description: string; currency?: string }): SandboxBalanceTransaction;
  createPayout(opts?: { status?: PayoutStatus; currency?: string; arrivalDate?: number; automatic?: boolean; amount?: number }): SandboxPayout;
  setPayoutStatus(id: string, status: PayoutStatus, failure?: { code?: string; message?: string }): SandboxPayout;
  setWebhookTarget(url: string | undefined): void;
  /** Starts a secret roll: webhooks are signed with the new and the old secret until expirePreviousWebhookSecret(). */
  rotateWebhookSecret(next?: string): StripeSandboxCredentials;
  expirePreviousWebhookSecret(): void;
  /** A Stripe-Signature header for a body, with the active secrets (or the given ones) at a chosen time. */
  signPayload(body: string, opts?: { timestamp?: number; secrets?: string[] }): string;
  /** Resolves when every queued webhook has been delivered (or given up on). */
  drainWebhooks(): Promise<void>;
}

const REFUND_PARAMS = new Set(["charge", "payment_intent", "amount", "reason", "metadata", "expand", "instructions_email", "refund_application_fee", "reverse_transfer"]);

/**
 * A local Stripe (API v1 subset the connector uses) on sdk/sandbox-kit: Bearer secret-key auth,
 * form-encoded bodies, list pagination (limit/starting_after/ending_before), expand[], Idempotency-Key
 * replay semantics, Stripe's real error bodies for faults, and signed webhooks.
 *
 * Faults: the kit's burst429 / errors5xx / timeouts / expiredToken / randomRates, plus
 * `custom.lockTimeouts: n` (the next n API calls answer 429 lock_timeout) and `rejectRecords`
 * keyed by charge id or order id (POST /v1/refunds answers 400 with that param and message).
 */
export async function startStripeSandbox(opts: StartStripeSandboxOptions = {}): Promise<StripeSandbox> {
  const credentials: StripeSandboxCredentials = {
    secretKey: opts.credentials?.secretKey ?? `sk_test_sandbox${randomBytes(12).toString("hex")}`,
    webhookSecret: opts.credentials?.webhookSecret ?? `whsec_${randomBytes(24).toString("hex")}`,
    ...(opts.credentials?.previousWebhookSecret ? { previousWebhookSecret: opts.credentials.previousWebhookSecret } : {}),
  };
  const state = new StripeSandboxState(opts.currency ?? "usd");
  const idempotency = new Map<string, { fingerprint: string; requestId: string; response: SandboxResponse }>();
  let server: SandboxServer | undefined;

  const activeSecrets = () => [credentials.webhookSecret, ...(credentials.previousWebhookSecret ? [credentials.previousWebhookSecret] : [])];

  const api =
    (handler: (req: SandboxRequest, ctx: { params: Record<string, FormValue>; requestId: string; idempotencyKey: string | null }) => SandboxResponse, o: { idempotent?: boolean } = {}) =>
    (req: SandboxRequest): SandboxResponse => {
      const requestId = stripeId("req");
      const res = handle();
      return { ...res, headers: { "request-id": requestId, "stripe-version": req.headers["stripe-version"] || SANDBOX_API_VERSION, ...(res.headers ?? {}) } };

      function handle(): SandboxResponse {
        const key = bearerKey(req.headers["authorization"]);
        if (key === undefined) return missingApiKey();
        if (key !== credentials.secretKey) return invalidApiKey(key);
        const custom = server?.faults.settings.custom as { lockTimeouts?: number } | undefined;
        if (custom?.lockTimeouts && custom.lockTimeouts > 0) {
          custom.lockTimeouts--;
          server?.faults.log.push({ at: new Date().toISOString(), fault: "lock_timeout", path: req.path });
          return lockTimeout(requestId);
        }
        let params: Record<string, FormValue>;
        if (req.method === "GET" || req.method === "DELETE") params = parseStripeForm(req.query.toString());
        else if (req.body && typeof req.body === "object") params = req.body as Record<string, FormValue>;
        else params = parseStripeForm(req.rawBody);
        const idempotencyKey = req.headers["idempotency-key"] || null;
        if (!o.idempotent || !idempotencyKey) return handler(req, { params, requestId, idempotencyKey });
        if (idempotencyKey.length > 255) return invalidRequest(400, "Idempotency-Key must be at most 255 characters long.", { param: "idempotency_key" });
        const fingerprint = `${req.method} ${req.path} ${canonicalParams(params)}`;
        const prior = idempotency.get(idempotencyKey);
        if (prior) {
          if (prior.fingerprint !== fingerprint) return idempotencyMismatch(idempotencyKey);
          return {
            ...prior.response,
            headers: { ...(prior.response.headers ?? {}), "idempotency-key": idempotencyKey, "idempotent-replayed": "true", "original-request": prior.requestId },
          };
        }
        const res = handler(req, { params, requestId, idempotencyKey });
        // Stripe saves the result once the endpoint ran; requests rejected by validation (400) are not saved.
        if (res.status < 400 || res.status === 402) idempotency.set(idempotencyKey, { fingerprint, requestId, response: res });
        return { ...res, headers: { ...(res.headers ?? {}), "idempotency-key": idempotencyKey } };
      }
    };

  const routes: Route[] = [
    route("GET", "/v1/balance", api(() => ok({ object: "balance", ...state.balance(), connect_reserved: [], livemode: false }))),

    route(
      "GET",
      "/v1/balance_transactions",
      api((_req, { params }) => {
        let items = newestFirst(state.balanceTransactions);
        const payout = str(params.payout);
        if (payout) {
          const p = state.payouts.find((x) => x.id === payout);
          if (!p) return invalidRequest(400, `No such payout: '${payout}'`, { param: "payout", code: "resource_missing" });
          if (!p.automatic) return invalidRequest(400, "Balance transaction history can only be filtered on automatic transfers, not manual.", { param: "payout" });
          items = items.filter((t) => state.payoutOf.get(t.id) === payout);
        }
        const type = str(params.type);
        if (type) items = items.filter((t) => t.type === type);
        items = byCreated(items, params.created);
        const expandSource = list(params.expand).includes("data.source");
        return listPage(items, params, "/v1/balance_transactions", (t) => (expandSource ? withSource(t) : t));
      }),
    ),
    route(
      "GET",
      "/v1/balance_transactions/:id",
      api((req, { params }) => {
        const t = state.balanceTransactions.find((x) => x.id === req.params.id);
        if (!t) return noSuchObject("balance transaction", req.params.id!);
        return ok(list(params.expand).includes("source") ? withSource(t) : t);
      }),
    ),

    route(
      "GET",
      "/v1/charges/search",
      api((_req, { params }) => {
        const query = str(params.query);
        if (!query) return invalidRequest(400, "Missing required param: query.", { param: "query" });
        const match = chargeMatcher(query);
        if (!match) return invalidRequest(400, `Invalid search query: ${query}`, { param: "query", code: "search_query_invalid" });
        const limit = Number(str(params.limit) ?? 10);
        const hits = newestFirst(state.charges).filter(match);
        return ok({ object: "search_result", data: hits.slice(0, limit), has_more: hits.length > limit, next_page: null, url: "/v1/charges/search" });
      }),
    ),
    route(
      "GET",
      "/v1/charges",
      api((_req, { params }) => {
        let items = newestFirst(state.charges);
        const pi = str(params.payment_intent);
        if (pi) items = items.filter((c) => c.payment_intent === pi);
        const customer = str(params.customer);
        if (customer) items = items.filter((c) => c.customer === customer);
        return listPage(byCreated(items, params.created), params, "/v1/charges");
      }),
    ),
    route(
      "GET",
      "/v1/charges/:id",
      api((req) => {
        const c = state.charges.find((x) => x.id === req.params.id);
        return c ? ok(c) : noSuchObject("charge", req.params.id!);
      }),
    ),

    route(
      "GET",
      "/v1/payouts",
      api((_req, { params }) => {
        let items = newestFirst(state.payouts);
        const status = str(params.status);
        if (status) items = items.filter((p) => p.status === status);
        items = byCreated(items, params.created);
        return listPage(items, params, "/v1/payouts");
      }),
    ),
    route(
      "GET",
      "/v1/payouts/:id",
      api((req) => {
        const p = state.payouts.find((x) => x.id === req.params.id);
        return p ? ok(p) : noSuchObject("payout", req.params.id!);
      }),
    ),

    route(
      "POST",
      "/v1/refunds",
      api(
        (_req, { params, requestId, idempotencyKey }) => {
          for (const k of Object.keys(params)) if (!REFUND_PARAMS.has(k)) return invalidRequest(400, `Received unknown parameter: ${k}`, { param: k, code: "parameter_unknown" });
          let chargeId = str(params.charge);
          const pi = str(params.payment_intent);
          if (!chargeId && !pi) return invalidRequest(400, "One of the following params should be provided for this request: payment_intent or charge.");
          if (!chargeId && pi) {
            chargeId = state.charges.find((c) => c.payment_intent === pi)?.id;
            if (!chargeId) return invalidRequest(400, `No such payment_intent: '${pi}'`, { param: "payment_intent", code: "resource_missing" });
          }
          const amountText = str(params.amount);
          if (amountText !== undefined && !/^\d+$/.test(amountText)) return invalidRequest(400, `Invalid integer: ${amountText}`, { param: "amount" });
          const metadata = params.metadata;
          if (metadata !== undefined && (typeof metadata !== "object" || Array.isArray(metadata) || Object.values(metadata).some((v) => typeof v !== "string"))) {
            return invalidRequest(400, "Invalid object", { param: "metadata" });
          }
          const charge = state.charges.find((c) => c.id === chargeId);
          const rejected = server?.faults.rejection(chargeId) ?? server?.faults.rejection(charge?.metadata.order_id);
          if (rejected) return invalidRequest(400, rejected.message, { param: rejected.field });
          const result = state.refundCharge(
            {
              charge: chargeId!,
              ...(amountText !== undefined ? { amount: Number(amountText) } : {}),
              ...(str(params.reason) ? { reason: str(params.reason) } : {}),
              ...(metadata ? { metadata: metadata as Record<string, string> } : {}),
            },
            { id: requestId, idempotency_key: idempotencyKey },
          );
          if (isParamError(result)) return invalidRequest(400, result.message, { param: result.param, ...(result.code ? { code: result.code } : {}) });
          return ok(result);
        },
        { idempotent: true },
      ),
    ),
    route(
      "GET",
      "/v1/refunds",
      api((_req, { params }) => {
        let items = newestFirst(state.refunds);
        const charge = str(params.charge);
        if (charge) items = items.filter((r) => r.charge === charge);
        return listPage(byCreated(items, params.created), params, "/v1/refunds");
      }),
    ),
    route(
      "GET",
      "/v1/refunds/:id",
      api((req) => {
        const r = state.refunds.find((x) => x.id === req.params.id);
        return r ? ok(r) : noSuchObject("refund", req.params.id!);
      }),
    ),
    route(
      "GET",
      "/v1/disputes/:id",
      api((req) => {
        const d = state.disputes.find((x) => x.id === req.params.id);
        return d ? ok(d) : noSuchObject("dispute", req.params.id!);
      }),
    ),

    route(
      "GET",
      "/v1/events",
      api((_req, { params }) => {
        let items = newestFirst(state.events);
        const type = str(params.type);
        const types = list(params.types);
        if (type) items = items.filter((e) => typeMatches(type, e.type));
        if (types.length) items = items.filter((e) => types.some((t) => typeMatches(t, e.type)));
        return listPage(byCreated(items, params.created), params, "/v1/events");
      }),
    ),
    route(
      "GET",
      "/v1/events/:id",
      api((req) => {
        const e = state.events.find((x) => x.id === req.params.id);
        return e ? ok(e) : noSuchObject("event", req.params.id!);
      }),
    ),

    ...["GET", "POST", "DELETE"].map((m) =>
      route(m, "/v1/*", api((req) => invalidRequest(404, `Unrecognized request URL (${req.method}: ${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`))),
    ),

    control("POST", "/_sandbox/charges", (b) => state.addCharge(b as Parameters<StripeSandboxState["addCharge"]>[0])),
    control("POST", "/_sandbox/refunds", (b) => addRefund(b as Parameters<StripeSandbox["addRefund"]>[0])),
    control("POST", "/_sandbox/disputes", (b) => state.addDispute(b as Parameters<StripeSandbox["addDispute"]>[0])),
    control("POST", "/_sandbox/adjustments", (b) => state.addAdjustment(b as Parameters<StripeSandbox["addAdjustment"]>[0])),
    control("POST", "/_sandbox/payouts", (b) => state.createPayout((b ?? {}) as Parameters<StripeSandbox["createPayout"]>[0])),
    control("POST", "/_sandbox/payouts/:id/status", (b, req) => state.setPayoutStatus(req.params.id!, (b as { status: PayoutStatus }).status, (b ?? {}) as { code?: string; message?: string })),
    control("POST", "/_sandbox/webhook-target", (b) => (setWebhookTarget((b as { url?: string } | undefined)?.url), { url: emitter.targetUrl ?? null })),
  ];

  function addRefund(o: { charge: string; amount?: number; reason?: string; metadata?: Record<string, string> }): SandboxRefund {
    const r = state.refundCharge(o);
    if (isParamError(r)) throw new Error(`sandbox: refund rejected: ${r.param}: ${r.message}`);
    return r;
  }

  server = await startSandbox({
    name: "stripe",
    routes,
    faultResponses: stripeFaultResponses(() => credentials.secretKey),
    state: () => ({
      account: { default_currency: state.defaultCurrency },
      balance: state.balance(),
      charges: state.charges,
      refunds: state.refunds,
      disputes: state.disputes,
      payouts: state.payouts.map((p) => ({ ...p, balance_transactions: state.balanceTransactions.filter((t) => state.payoutOf.get(t.id) === p.id).map((t) => t.id) })),
      balanceTransactions: state.balanceTransactions,
      events: state.events.slice(-100),
      idempotencyKeys: idempotency.size,
      webhooks: emitter.sent.slice(-100).map((s) => ({ at: s.at, status: s.status, type: safeType(s.body) })),
    }),
    reset: () => {
      state.reset();
      idempotency.clear();
    },
    port: opts.port,
    host: opts.host,
  });
  const faults = server.faults;

  const emitter = new WebhookEmitter(faults, (body) => ({ "stripe-signature": signStripePayload(body, activeSecrets()), "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" }));
  let queue: Promise<void> = Promise.resolve();
  function setWebhookTarget(url: string | undefined): void {
    emitter.targetUrl = url;
    state.webhooksEnabled = Boolean(url);
  }
  setWebhookTarget(opts.webhookTarget);
  state.onEvent = (event) => {
    if (!emitter.targetUrl) return;
    if (opts.webhookEvents && !opts.webhookEvents.some((t) => typeMatches(t, event.type))) return;
    const body = JSON.stringify(event, null, 2);
    // One at a time, in order, as one endpoint receives them; failures are the emitter's to retry.
    queue = queue.then(() => emitter.emit(body)).catch(() => {});
  };

  return Object.assign(server, {
    credentials,
    state,
    webhooks: emitter,
    addCharge: state.addCharge.bind(state),
    addRefund,
    addDispute: state.addDispute.bind(state),
    addAdjustment: state.addAdjustment.bind(state),
    createPayout: (o?: Parameters<StripeSandbox["createPayout"]>[0]) => state.createPayout(o),
    setPayoutStatus: state.setPayoutStatus.bind(state),
    setWebhookTarget,
    rotateWebhookSecret(next?: string) {
      credentials.previousWebhookSecret = credentials.webhookSecret;
      credentials.webhookSecret = next ?? `whsec_${randomBytes(24).toString("hex")}`;
      return { ...credentials };
    },
    expirePreviousWebhookSecret() {
      delete credentials.previousWebhookSecret;
    },
    signPayload: (body: string, o: { timestamp?: number; secrets?: string[] } = {}) => signStripePayload(body, o.secrets ?? activeSecrets(), o.timestamp),
    drainWebhooks: async () => {
      let seen: Promise<void> | undefined;
      while (seen !== queue) {
        seen = queue;
        await queue;
      }
    },
  });

  function withSource(t: SandboxBalanceTransaction): Record<string, unknown> {
    return { ...t, source: t.source ? state.findObject(t.source) ?? t.source : null };
  }
}

function control(method: string, path: string, fn: (body: unknown, req: SandboxRequest) => unknown): Route {
  return route(
    method,
    path,
    (req) => {
      try {
        return ok(fn(req.body, req));
      } catch (e) {
        return { status: 400, body: { message: (e as Error).message } };
      }
    },
    { unauthenticated: true },
  );
}

function ok(body: unknown): SandboxResponse {
  return { status: 200, body };
}

/** Stripe accepts the secret key as a Bearer token or as the Basic-auth user name. */
function bearerKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1]!.trim();
  const basic = /^Basic\s+(.+)$/i.exec(header);
  if (basic) return Buffer.from(basic[1]!, "base64").toString("utf8").split(":")[0];
  return undefined;
}

function str(v: FormValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function list(v: FormValue | undefined): string[] {
  if (v === undefined) return [];
  if (typeof v === "string") return [v];
  return (Array.isArray(v) ? v : Object.values(v)).filter((x): x is string => typeof x === "string");
}

/** Stripe lists newest first; ties keep creation order reversed. */
function newestFirst<T extends { created: number }>(items: T[]): T[] {
  return items.map((item, i) => ({ item, i })).sort((a, b) => b.item.created - a.item.created || b.i - a.i).map((x) => x.item);
}

function byCreated<T extends { created: number }>(items: T[], filter: FormValue | undefined): T[] {
  if (filter === undefined) return items;
  if (typeof filter === "string") return items.filter((x) => x.created === Number(filter));
  if (Array.isArray(filter)) return items;
  const n = (k: string) => (typeof filter[k] === "string" ? Number(filter[k]) : undefined);
  const [gt, gte, lt, lte] = [n("gt"), n("gte"), n("lt"), n("lte")];
  return items.filter((x) => (gt === undefined || x.created > gt) && (gte === undefined || x.created >= gte) && (lt === undefined || x.created < lt) && (lte === undefined || x.created <= lte));
}

function listPage<T extends { id: string }>(items: T[], params: Record<string, FormValue>, url: string, present: (t: T) => unknown = (t) => t): SandboxResponse {
  const limitText = str(params.limit);
  const limit = limitText === undefined ? 10 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return invalidRequest(400, "Invalid integer: limit must be between 1 and 100", { param: "limit" });
  const after = str(params.starting_after);
  const before = str(params.ending_before);
  let start = 0;
  let end: number;
  if (after) {
    const i = items.findIndex((x) => x.id === after);
    if (i < 0) return invalidRequest(400, `No such object: '${after}'`, { param: "starting_after", code: "resource_missing" });
    start = i + 1;
    end = Math.min(items.length, start + limit);
  } else if (before) {
    const i = items.findIndex((x) => x.id === before);
    if (i < 0) return invalidRequest(400, `No such object: '${before}'`, { param: "ending_before", code: "resource_missing" });
    end = i;
    start = Math.max(0, end - limit);
  } else {
    end = Math.min(items.length, limit);
  }
  const hasMore = before ? start > 0 : end < items.length;
  return ok({ object: "list", data: items.slice(start, end).map(present), has_more: hasMore, url });
}

function typeMatches(pattern: string, type: string): boolean {
  return pattern === "*" || pattern === type || (pattern.endsWith(".*") && type.startsWith(pattern.slice(0, -1)));
}

/**
 * The part of the Search query language the connector uses: clauses joined by AND, each
 * `metadata['key']:'value'` or `field:'value'` (https://docs.stripe.com/search#search-query-language).
 */
function chargeMatcher(query: string): ((c: SandboxCharge) => boolean) | undefined {
  const clauses = query.split(/\s+AND\s+/);
  const tests: ((c: SandboxCharge) => boolean)[] = [];
  for (const clause of clauses) {
    const meta = /^metadata\[['"]([^'"]+)['"]\]:['"]((?:\\.|[^'"\\])*)['"]$/.exec(clause.trim());
    if (meta) {
      const [, key, value] = meta;
      const v = value!.replace(/\\(.)/g, "$1");
      tests.push((c) => c.metadata[key!] === v);
      continue;
    }
    const field = /^(status|currency|customer|payment_intent):['"]([^'"]*)['"]$/.exec(clause.trim());
    if (field) {
      const [, name, value] = field;
      tests.push((c) => String((c as unknown as Record<string, unknown>)[name!]) === value);
      continue;
    }
    return undefined;
  }
  return (c) => tests.every((t) => t(c));
}

function safeType(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { type?: string }).type;
  } catch {
    return undefined;
  }
}
