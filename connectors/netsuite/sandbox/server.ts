import { randomBytes } from "node:crypto";
import { DEFAULT_SEED, route, startSandbox, type Route, type SandboxRequest, type SandboxResponse, type SandboxSeed, type SandboxServer } from "../../sdk/sandbox-kit";
import type { NetSuiteCredentials } from "../index";
import { verifyTbaRequest, type TbaCredentials } from "../oauth1";
import { concurrencyExceeded, errorResponse, NETSUITE_FAULT_RESPONSES, NsError, recordChanged } from "./faults";
import { renderRecord } from "./records";
import { NetSuiteState, normalizeRecordType, type SandboxIds } from "./state";
import { answerSuiteQL } from "./suiteql";

export interface NetSuiteSandboxOptions {
  port?: number;
  seed?: SandboxSeed;
  /** Default 1234567_SB1 (realm 1234567_SB1). */
  accountId?: string;
  /** Fixed TBA secrets; random ones otherwise. */
  credentials?: Partial<Omit<TbaCredentials, "accountId">>;
  /** The token user's time zone: SuiteQL renders and reads datetimes in it. Default UTC. */
  timeZone?: string;
  /** Concurrent requests allowed before CONCURRENCY_LIMIT_EXCEEDED (NetSuite's default account limit is 5). */
  concurrencyLimit?: number;
  /** Added to every API request, so concurrency can actually build up. */
  latencyMs?: number;
  /** How long async jobs report "pending" before completing. */
  asyncDelayMs?: number;
  /** The ERP's clock for stock stamps and record dates (signatures and async jobs use real time). */
  now?: () => number;
}

export interface InventoryView {
  sku: string;
  location: string;
  onHand: number;
  committed: number;
  available: number;
  lastModified: string;
}

export interface NetSuiteSandbox extends SandboxServer {
  /** `${url}/services/rest/`: what a NetSuite connector instance's baseUrl is set to. */
  baseUrl: string;
  accountId: string;
  /** Credentials that sign correctly against this sandbox (connector credentials shape). */
  credentials: NetSuiteCredentials;
  state: NetSuiteState;
  /** Internal ids of the seeded customer, items, locations and service items. */
  readonly ids: SandboxIds;
  /** A stock change made in the ERP (visible to the inventory poller through lastmodified). */
  adjustInventory(sku: string, location: string, delta: number, reason?: string): InventoryView;
  inventoryOf(sku: string, location: string): InventoryView;
  setConcurrencyLimit(limit: number): void;
  setLatency(ms: number): void;
  setAsyncDelay(ms: number): void;
}

/**
 * A local SuiteTalk REST endpoint with its own books. It checks TBA signatures for real (it
 * knows the secrets), enforces the account's concurrency limit, and answers with NetSuite's own
 * error bodies. Control: GET /_sandbox/state, POST /_sandbox/inventory/adjust
 * {sku, location, delta, reason}, plus the kit's /_sandbox/faults and /_sandbox/reset.
 * Sandbox-specific faults in FaultSettings.custom: concurrencyLimit, latencyMs, asyncDelayMs,
 * and recordChanged (the next N writes answer RCRD_HAS_BEEN_CHANGED). rejectRecords is keyed by
 * SKU or by order number (the sales order's otherRefNum).
 */
export async function startNetSuiteSandbox(opts: NetSuiteSandboxOptions = {}): Promise<NetSuiteSandbox> {
  const accountId = opts.accountId ?? "1234567_SB1";
  const timeZone = opts.timeZone ?? "UTC";
  const secret = () => randomBytes(32).toString("hex");
  const credentials: NetSuiteCredentials = {
    accountId,
    consumerKey: opts.credentials?.consumerKey ?? secret(),
    consumerSecret: opts.credentials?.consumerSecret ?? secret(),
    tokenId: opts.credentials?.tokenId ?? secret(),
    tokenSecret: opts.credentials?.tokenSecret ?? secret(),
    timeZone,
  };
  const state = new NetSuiteState(opts.seed ?? DEFAULT_SEED, opts.now);
  const tuning = { concurrencyLimit: opts.concurrencyLimit ?? 5, latencyMs: opts.latencyMs ?? 0, asyncDelayMs: opts.asyncDelayMs ?? 0 };
  const nonces = new Map<string, number>();
  const authFailures: { at: string; reason: string }[] = [];
  let inFlight = 0;
  let server: SandboxServer;

  const custom = () => (server?.faults.settings.custom ?? {}) as Record<string, unknown>;
  const tuned = (key: keyof typeof tuning) => (typeof custom()[key] === "number" ? (custom()[key] as number) : tuning[key]);
  const baseOf = (req: SandboxRequest) => `http://${req.headers.host ?? "127.0.0.1"}`;
  const recordUrl = (req: SandboxRequest, type: string, id: string) => `${baseOf(req)}/services/rest/record/v1/${type}/${id}`;

  function seenNonce(nonce: string): boolean {
    const now = Date.now();
    for (const [n, t] of nonces) if (now - t > 15 * 60_000) nonces.delete(n);
    if (nonces.has(nonce)) return true;
    nonces.set(nonce, now);
    return false;
  }

  function takeRecordChanged(): void {
    const n = custom().recordChanged;
    if (typeof n === "number" && n > 0) {
      custom().recordChanged = n - 1;
      throw recordChanged();
    }
  }

  function jsonBody(req: SandboxRequest): unknown {
    if (req.body === undefined) throw new NsError(400, "INVALID_CONTENT", "Error while accessing resource: the request body is not valid JSON.");
    return req.body;
  }

  /** Every API route: concurrency governance, optional latency, NetSuite error bodies. */
  const api = (method: string, path: string, handler: (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>): Route =>
    route(method, `/services/rest${path}`, async (req) => {
      if (inFlight >= tuned("concurrencyLimit")) return errorResponse(concurrencyExceeded());
      inFlight++;
      try {
        const latency = tuned("latencyMs");
        if (latency > 0) await new Promise((r) => setTimeout(r, latency));
        return await handler(req);
      } catch (e) {
        if (e instanceof NsError) return errorResponse(e);
        throw e;
      } finally {
        inFlight--;
      }
    });

  const suiteql = (req: SandboxRequest): SandboxResponse => {
    const q = (jsonBody(req) as { q?: unknown }).q;
    if (typeof q !== "string" || !q.trim()) throw new NsError(400, "INVALID_PARAMETER", "The request body must contain a query in the q parameter.");
    const limit = Number(req.query.get("limit") ?? 1000);
    const offset = Number(req.query.get("offset") ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new NsError(400, "INVALID_PARAMETER", "Invalid value for query parameter limit; it must be between 1 and 1000.", undefined);
    if (!Number.isInteger(offset) || offset < 0) throw new NsError(400, "INVALID_PARAMETER", "Invalid value for query parameter offset.");
    const rows = answerSuiteQL(state, q, timeZone);
    const items = rows.slice(offset, offset + limit);
    const page = (o: number) => `${baseOf(req)}/services/rest/query/v1/suiteql?limit=${limit}&offset=${o}`;
    const last = Math.max(0, Math.floor((rows.length - 1) / limit) * limit);
    const links = [
      ...(offset > 0 ? [{ rel: "previous", href: page(Math.max(0, offset - limit)) }, { rel: "first", href: page(0) }] : []),
      ...(offset + items.length < rows.length ? [{ rel: "next", href: page(offset + limit) }, { rel: "last", href: page(last) }] : []),
      { rel: "self", href: page(offset) },
    ];
    return { status: 200, body: { links, count: items.length, hasMore: offset + items.length < rows.length, items: items.map((r) => ({ links: [], ...r })), offset, totalResults: rows.length } };
  };

  const getRecord = (req: SandboxRequest): SandboxResponse => {
    const type = normalizeRecordType(req.params.type!);
    const record = state.find(type, req.params.key!);
    if (!record) throw new NsError(404, "NONEXISTENT_ID", `The record instance does not exist. Provide a valid record instance ID.`);
    const full = renderRecord(state, baseOf(req), record, { expand: req.query.get("expandSubResources") === "true" });
    const fields = req.query.get("fields");
    if (!fields) return { status: 200, body: full };
    const wanted = new Set(fields.split(",").map((f) => f.trim().toLowerCase()));
    return { status: 200, body: Object.fromEntries(Object.entries(full).filter(([k]) => k === "links" || wanted.has(k.toLowerCase()))) };
  };

  const putRecord = (req: SandboxRequest): SandboxResponse => {
    const type = normalizeRecordType(req.params.type!);
    const key = req.params.key!;
    const body = jsonBody(req);
    takeRecordChanged();
    if (!key.startsWith("eid:")) throw new NsError(400, "INVALID_PARAMETER", "PUT (upsert) requires an external ID in the URL: eid:{externalId}.");
    const externalId = key.slice(4);
    if (!/^[A-Za-z0-9_-]+$/.test(externalId)) throw new NsError(400, "INVALID_PARAMETER", `Invalid external ID ${externalId}: use letters, numbers, underscore and hyphen only.`);
    let id: string;
    if (type === "salesOrder") {
      const replaceItem = (req.query.get("replace") ?? "").split(",").map((s) => s.trim().toLowerCase()).includes("item");
      id = state.upsertSalesOrder(externalId, body, { replaceItem, reject: (k) => server.faults.rejection(k) }).tx.id;
    } else if (type === "customer") {
      id = state.upsertCustomer(externalId, body).id;
    } else {
      throw new NsError(405, "INVALID_OPERATION", `The sandbox does not upsert ${type} records.`);
    }
    return { status: 204, headers: { location: recordUrl(req, type, id) } };
  };

  const patchRecord = (req: SandboxRequest): SandboxResponse => {
    const type = normalizeRecordType(req.params.type!);
    if (type !== "salesOrder") throw new NsError(405, "INVALID_OPERATION", `The sandbox does not update ${type} records.`);
    const body = jsonBody(req);
    takeRecordChanged();
    const tx = state.patchSalesOrder(req.params.key!, body);
    return { status: 204, headers: { location: recordUrl(req, type, tx.id) } };
  };

  const transform = (req: SandboxRequest): SandboxResponse => {
    const body = req.rawBody ? jsonBody(req) : {};
    const run = () => {
      takeRecordChanged();
      const tx = state.transform(req.params.type!, req.params.key!, req.params.toType!, body, { replace: req.query.get("replace") ?? undefined });
      return recordUrl(req, tx.type, tx.id);
    };
    if (/respond-async/i.test(req.headers.prefer ?? "")) {
      const job = state.submitJob(req.headers["x-netsuite-idempotency-key"] || undefined, tuned("asyncDelayMs"), run);
      return { status: 202, headers: { "preference-applied": "respond-async", location: `/services/rest/async/v1/job/${job.id}` } };
    }
    return { status: 204, headers: { location: run() } };
  };

  const jobView = (req: SandboxRequest) => {
    const job = state.getJob(req.params.jobId!);
    const completed = Date.now() >= job.readyMs;
    const progress = !completed ? "pending" : job.outcome.ok ? "succeeded" : "failed";
    const href = `${baseOf(req)}/services/rest/async/v1/job/${job.id}`;
    return { job, completed, progress, href };
  };

  const routes: Route[] = [
    api("POST", "/query/v1/suiteql", suiteql),
    api("GET", "/record/v1/:type/:key", getRecord),
    api("PUT", "/record/v1/:type/:key", putRecord),
    api("PATCH", "/record/v1/:type/:key", patchRecord),
    api("POST", "/record/v1/:type/:key/!transform/:toType", transform),
    api("GET", "/async/v1/job/:jobId", (req) => {
      const { job, completed, progress, href } = jobView(req);
      return { status: 200, body: { links: [{ rel: "self", href }], completed, id: job.id, progress, task: { links: [{ rel: "self", href: `${href}/task` }] } } };
    }),
    api("GET", "/async/v1/job/:jobId/task", (req) => {
      const { href } = jobView(req);
      return { status: 200, body: { links: [{ rel: "self", href: `${href}/task` }], count: 1, hasMore: false, items: [{ links: [{ rel: "self", href: `${href}/task/1` }] }], offset: 0, totalResults: 1 } };
    }),
    api("GET", "/async/v1/job/:jobId/task/:taskId", (req) => {
      const { job, completed, progress, href } = jobView(req);
      if (req.params.taskId !== "1") throw new NsError(404, "NONEXISTENT_ID", "The task does not exist.");
      const t = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
      return {
        status: 200,
        body: { links: [{ rel: "related", href: `${href}/task/1/result` }, { rel: "self", href: `${href}/task/1` }], completed, id: "1", progress, startTime: t(job.submittedMs), ...(completed ? { endTime: t(job.readyMs) } : {}) },
      };
    }),
    api("GET", "/async/v1/job/:jobId/task/:taskId/result", (req) => {
      const { job, completed } = jobView(req);
      if (req.params.taskId !== "1") throw new NsError(404, "NONEXISTENT_ID", "The task does not exist.");
      if (!completed) throw new NsError(400, "INVALID_PARAMETER", "The task has not finished yet.");
      return job.outcome.ok ? { status: 204, headers: { location: job.outcome.location } } : errorResponse(job.outcome.error);
    }),
    route(
      "POST",
      "/_sandbox/inventory/adjust",
      (req) => {
        const b = (req.body ?? {}) as { sku?: unknown; location?: unknown; delta?: unknown; reason?: unknown };
        if (typeof b.sku !== "string" || typeof b.location !== "string" || !Number.isInteger(b.delta)) {
          return { status: 400, body: { message: "expected {sku: string, location: string, delta: integer, reason?: string}" } };
        }
        try {
          return { status: 200, body: handle.adjustInventory(b.sku, b.location, b.delta as number, typeof b.reason === "string" ? b.reason : "other") };
        } catch (e) {
          if (e instanceof NsError) return errorResponse(e);
          throw e;
        }
      },
      { unauthenticated: true },
    ),
  ];

  server = await startSandbox({
    name: "netsuite",
    port: opts.port,
    routes,
    faultResponses: NETSUITE_FAULT_RESPONSES,
    authorize(req) {
      const url = new URL(`http://${req.headers.host ?? "127.0.0.1"}${req.path}`);
      req.query.forEach((v, k) => url.searchParams.append(k, v));
      const r = verifyTbaRequest({ method: req.method, url, authorization: req.headers.authorization }, credentials, { nowMs: Date.now(), seenNonce });
      if (!r.ok) {
        authFailures.push({ at: new Date().toISOString(), reason: r.reason });
        if (authFailures.length > 50) authFailures.shift();
      }
      return r.ok;
    },
    state: () => ({ accountId, timeZone, inFlight, ...state.snapshot(), authFailures }),
    reset() {
      state.reset();
      nonces.clear();
      authFailures.length = 0;
      Object.assign(tuning, { concurrencyLimit: opts.concurrencyLimit ?? 5, latencyMs: opts.latencyMs ?? 0, asyncDelayMs: opts.asyncDelayMs ?? 0 });
    },
  });

  const view = (sku: string, location: string): InventoryView => {
    const v = state.inventoryView().find((r) => r.sku === sku && (r.location === location || r.locationId === location));
    if (!v) throw new NsError(400, "INVALID_CONTENT", `no stock row for ${sku} at ${location}`);
    return { sku: v.sku, location: v.location, onHand: v.onHand, committed: v.committed, available: v.available, lastModified: v.lastModified };
  };

  const handle: NetSuiteSandbox = {
    ...server,
    baseUrl: `${server.url}/services/rest/`,
    accountId,
    credentials,
    state,
    get ids() {
      return state.ids;
    },
    adjustInventory(sku, location, delta, reason = "other") {
      state.adjustInventory(sku, location, delta, reason);
      return view(sku, location);
    },
    inventoryOf: view,
    setConcurrencyLimit: (limit) => void (tuning.concurrencyLimit = limit),
    setLatency: (ms) => void (tuning.latencyMs = ms),
    setAsyncDelay: (ms) => void (tuning.asyncDelayMs = ms),
  };
  return handle;
}
