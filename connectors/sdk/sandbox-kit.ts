import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Building blocks for connector sandboxes: a local HTTP server that speaks a subset of a real
 * API, keeps its own state, and injects faults on request. Each sandbox supplies its routes and
 * the real error bodies its system sends; this kit supplies routing, fault scheduling, the
 * control endpoints and the webhook emitter.
 */

export interface SandboxRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string>;
  rawBody: string;
  /** Parsed JSON body, or undefined. */
  body: any;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Send this text as-is (XML, TSV). */
  text?: string;
}

export type RouteHandler = (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

export interface FaultSettings {
  /** The next `count` API calls answer 429 with this Retry-After. */
  burst429?: { count: number; retryAfterSec?: number };
  /** The next `count` API calls answer a 5xx. */
  errors5xx?: { count: number; status?: number };
  /** The next `count` API calls hang for delayMs before answering (client timeouts). */
  timeouts?: { count: number; delayMs: number };
  /** Every authenticated call answers the system's expired/invalid token error. */
  expiredToken?: boolean;
  /** Records (by SKU, order number, or other key the sandbox documents) that fail validation. */
  rejectRecords?: Record<string, { field: string; message: string }>;
  /** Random background faults, for the live traffic generator: probabilities per call. */
  randomRates?: { rate429?: number; rate5xx?: number };
  webhooks?: {
    /** Deliver each of the next `duplicates` webhooks twice. */
    duplicates?: number;
    /** Hold the next webhook and deliver it after the one that follows. */
    outOfOrder?: number;
    /** Silently drop the next `drop` webhooks. */
    drop?: number;
  };
  /** Sandbox-specific switches (e.g. a silent cycle-count drift). */
  custom?: Record<string, unknown>;
}

export interface FaultResponses {
  rateLimited(retryAfterSec: number): SandboxResponse;
  serverError(status: number): SandboxResponse;
  expiredToken(): SandboxResponse;
}

export interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
  /** Control-plane routes bypass faults and auth. */
  unauthenticated?: boolean;
}

export class FaultPlan {
  settings: FaultSettings = {};
  readonly log: { at: string; fault: string; path: string }[] = [];

  set(next: FaultSettings): void {
    this.settings = { ...this.settings, ...next };
  }

  reset(): void {
    this.settings = {};
  }

  /** Consumes one scheduled fault for this call, if any. */
  take(path: string, random: () => number = Math.random): { kind: "429"; retryAfterSec: number } | { kind: "5xx"; status: number } | { kind: "timeout"; delayMs: number } | { kind: "expired" } | undefined {
    const s = this.settings;
    const note = (fault: string) => this.log.push({ at: new Date().toISOString(), fault, path });
    if (s.expiredToken) return note("expired_token"), { kind: "expired" };
    if (s.burst429 && s.burst429.count > 0) {
      s.burst429.count--;
      note("429");
      return { kind: "429", retryAfterSec: s.burst429.retryAfterSec ?? 1 };
    }
    if (s.errors5xx && s.errors5xx.count > 0) {
      s.errors5xx.count--;
      note("5xx");
      return { kind: "5xx", status: s.errors5xx.status ?? 503 };
    }
    if (s.timeouts && s.timeouts.count > 0) {
      s.timeouts.count--;
      note("timeout");
      return { kind: "timeout", delayMs: s.timeouts.delayMs };
    }
    if (s.randomRates?.rate429 && random() < s.randomRates.rate429) return note("429-random"), { kind: "429", retryAfterSec: 1 };
    if (s.randomRates?.rate5xx && random() < s.randomRates.rate5xx) return note("5xx-random"), { kind: "5xx", status: 503 };
    return undefined;
  }

  rejection(key: string | undefined): { field: string; message: string } | undefined {
    return key ? this.settings.rejectRecords?.[key] : undefined;
  }

  /** Decides the fate of one outgoing webhook: how many copies to send, or to hold it back. */
  takeWebhook(): "drop" | "duplicate" | "hold" | "send" {
    const w = this.settings.webhooks;
    if (!w) return "send";
    if (w.drop && w.drop > 0) return w.drop--, "drop";
    if (w.outOfOrder && w.outOfOrder > 0) return w.outOfOrder--, "hold";
    if (w.duplicates && w.duplicates > 0) return w.duplicates--, "duplicate";
    return "send";
  }
}

export interface SandboxServer {
  url: string;
  port: number;
  faults: FaultPlan;
  close(): Promise<void>;
}

export interface SandboxOptions {
  name: string;
  routes: Route[];
  faultResponses: FaultResponses;
  /** Returns false when the request's credentials are wrong (the sandbox answers like the real API). */
  authorize?(req: SandboxRequest): boolean;
  state(): unknown;
  reset?(): void;
  port?: number;
  host?: string;
}

export function route(method: string, path: string, handler: RouteHandler, opts: { unauthenticated?: boolean } = {}): Route {
  const keys: string[] = [];
  const pattern = new RegExp(
    "^" + path.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === "*" ? ".*" : `\\${c}`)).replace(/:(\w+)/g, (_, k) => (keys.push(k), "([^/]+)")) + "/?$",
  );
  return { method, pattern, keys, handler, unauthenticated: opts.unauthenticated };
}

/** Starts a sandbox on 127.0.0.1 (an ephemeral port unless one is given). */
export async function startSandbox(opts: SandboxOptions): Promise<SandboxServer> {
  const faults = new FaultPlan();
  const control: Route[] = [
    route("GET", "/_sandbox/state", () => ({ status: 200, body: opts.state() }), { unauthenticated: true }),
    route("GET", "/_sandbox/faults", () => ({ status: 200, body: { settings: faults.settings, log: faults.log.slice(-200) } }), { unauthenticated: true }),
    route("POST", "/_sandbox/faults", (req) => (faults.set(req.body ?? {}), { status: 200, body: faults.settings }), { unauthenticated: true }),
    route("POST", "/_sandbox/reset", () => (faults.reset(), opts.reset?.(), { status: 200, body: { ok: true } }), { unauthenticated: true }),
  ];
  const routes = [...control, ...opts.routes];
  const server: Server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const rawBody = await readBody(req);
      const url = new URL(req.url ?? "/", "http://sandbox");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v ?? ""]));
      let body: unknown;
      if (rawBody && /json/i.test(headers["content-type"] ?? "")) {
        try {
          body = JSON.parse(rawBody);
        } catch {
          body = undefined;
        }
      }
      const method = req.method ?? "GET";
      const path = decodeURIComponent(url.pathname);
      const match = routes.find((r) => r.method === method && r.pattern.test(path));
      if (!match) return send(res, { status: 404, body: { message: `sandbox ${opts.name}: no route ${method} ${path}` } });
      const m = match.pattern.exec(path)!;
      const params = Object.fromEntries(match.keys.map((k, i) => [k, m[i + 1]!]));
      const sreq: SandboxRequest = { method, path, params, query: url.searchParams, headers, rawBody, body };
      if (!match.unauthenticated) {
        const fault = faults.take(path);
        if (fault?.kind === "expired") return send(res, opts.faultResponses.expiredToken());
        if (opts.authorize && !opts.authorize(sreq)) return send(res, opts.faultResponses.expiredToken());
        if (fault?.kind === "429") return send(res, opts.faultResponses.rateLimited(fault.retryAfterSec));
        if (fault?.kind === "5xx") return send(res, opts.faultResponses.serverError(fault.status));
        if (fault?.kind === "timeout") await new Promise((r) => setTimeout(r, fault.delayMs));
      }
      send(res, await match.handler(sreq));
    } catch (e) {
      send(res, { status: 500, body: { message: `sandbox ${opts.name} bug: ${(e as Error).message}` } });
    }
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    faults,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function send(res: ServerResponse, r: SandboxResponse): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let payload = "";
  if (r.text !== undefined) payload = r.text;
  else if (r.body !== undefined) {
    payload = JSON.stringify(r.body);
    headers["content-type"] ??= "application/json; charset=utf-8";
  }
  res.writeHead(r.status, headers);
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Sends webhooks from a sandbox to our ingress, signed as the real system signs them, with the
 * plan's duplicate / out-of-order / drop faults applied. Failed sends are retried a few times,
 * as real senders do.
 */
export class WebhookEmitter {
  private held: { body: string; headers: Record<string, string> }[] = [];
  readonly sent: { at: string; headers: Record<string, string>; body: string; status: number | "dropped" | "held" | "error" }[] = [];
  targetUrl: string | undefined;

  constructor(private readonly faults: FaultPlan, private readonly sign: (body: string) => Record<string, string>) {}

  async emit(body: string, extraHeaders: Record<string, string> = {}): Promise<void> {
    if (!this.targetUrl) return;
    const headers = { "content-type": "application/json", ...extraHeaders, ...this.sign(body) };
    const fate = this.faults.takeWebhook();
    if (fate === "drop") return void this.sent.push({ at: new Date().toISOString(), headers, body, status: "dropped" });
    if (fate === "hold") return void (this.held.push({ body, headers }), this.sent.push({ at: new Date().toISOString(), headers, body, status: "held" }));
    await this.post(body, headers);
    if (fate === "duplicate") await this.post(body, headers);
    for (const h of this.held.splice(0)) await this.post(h.body, h.headers);
  }

  private async post(body: string, headers: Record<string, string>): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const res = await fetch(this.targetUrl!, { method: "POST", headers, body, signal: AbortSignal.timeout(10_000) });
        this.sent.push({ at: new Date().toISOString(), headers, body, status: res.status });
        if (res.status < 500 && res.status !== 429) return;
      } catch {
        this.sent.push({ at: new Date().toISOString(), headers, body, status: "error" });
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}

/**
 * The shared starting world every sandbox can be seeded with, so that the sandbox world's
 * systems agree on a catalog (and disagree only where a test injects drift).
 */
export interface SandboxSeed {
  currency: string;
  catalog: { sku: string; title: string; priceMinor: number; barcode?: string; weightGrams?: number }[];
  /** Stock by location (or warehouse / node) and SKU, as this system counts it. */
  stock?: Record<string, Record<string, number>>;
}

export const DEFAULT_SEED: SandboxSeed = {
  currency: "USD",
  catalog: [
    { sku: "AB-12", title: "Alpine Bottle 12oz", priceMinor: 2400, barcode: "012345678905" },
    { sku: "CM-01", title: "Camp Mug", priceMinor: 1800, barcode: "012345678912" },
    { sku: "TR-20", title: "Trail Rope 20m", priceMinor: 4500, barcode: "012345678929" },
  ],
  stock: { "main": { "AB-12": 400, "CM-01": 250, "TR-20": 120 } },
};
