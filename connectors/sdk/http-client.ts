import { ClassifiedError, classifyUnknownError } from "../../pipeline/errors";

/**
 * Adds credentials to an outgoing request. The only place a secret meets a request: clients
 * never see credentials, and nothing here logs headers.
 */
export interface AuthTransport {
  authorize(req: { method: string; url: URL; headers: Headers; body?: string }): Promise<void>;
  /** Called once after a 401, so token-based schemes can refresh; return true to retry. */
  refresh?(): Promise<boolean>;
}

export const bearerAuth = (token: () => string | Promise<string>): AuthTransport => ({
  async authorize({ headers }) {
    headers.set("authorization", `Bearer ${await token()}`);
  },
});

export const basicAuth = (user: string, password: string): AuthTransport => ({
  async authorize({ headers }) {
    headers.set("authorization", `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`);
  },
});

export const headerAuth = (name: string, value: string): AuthTransport => ({
  async authorize({ headers }) {
    headers.set(name, value);
  },
});

export interface HttpRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Send the body as-is (already serialised), e.g. XML or form data. */
  rawBody?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
  text: string;
}

export interface HttpClientOptions {
  baseUrl: string;
  auth: AuthTransport;
  classify: (res: { status: number; headers: Record<string, string>; body: string }) => ClassifiedError;
  fetch?: typeof fetch;
  timeoutMs?: number;
  userAgent?: string;
  /** Some APIs report errors inside a 2xx (Shopify GraphQL userErrors/THROTTLED): inspect and throw. */
  inspect?: (res: HttpResponse) => void;
}

/**
 * A small HTTP client shared by every connector: JSON in and out, timeouts, one refresh on 401,
 * and every non-2xx turned into a ClassifiedError by the connector's own classifier.
 */
export class HttpClient {
  constructor(private readonly opts: HttpClientOptions) {}

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const first = await this.send<T>(req);
    if (first.status === 401 && this.opts.auth.refresh && (await this.opts.auth.refresh())) {
      return this.finish(await this.send<T>(req));
    }
    return this.finish(first);
  }

  async json<T = unknown>(req: HttpRequest): Promise<T> {
    return (await this.request<T>(req)).body;
  }

  private async send<T>(req: HttpRequest): Promise<HttpResponse<T>> {
    const url = new URL(req.path.replace(/^\//, ""), this.opts.baseUrl.endsWith("/") ? this.opts.baseUrl : `${this.opts.baseUrl}/`);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers = new Headers(req.headers);
    const body = req.rawBody ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
    if (req.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
    if (!headers.has("accept")) headers.set("accept", "application/json");
    headers.set("user-agent", this.opts.userAgent ?? "Loopkeeper/0.1");
    const method = req.method ?? (body === undefined ? "GET" : "POST");
    await this.opts.auth.authorize({ method, url, headers, body });
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, { method, headers, body, signal: AbortSignal.timeout(req.timeoutMs ?? this.opts.timeoutMs ?? 15_000) });
    } catch (e) {
      throw classifyUnknownError(e);
    }
    const text = await res.text();
    const resHeaders: Record<string, string> = {};
    res.headers.forEach((v, k) => (resHeaders[k] = v));
    let parsed: unknown = text;
    if (text && /json/i.test(resHeaders["content-type"] ?? "")) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, headers: resHeaders, body: parsed as T, text };
  }

  private finish<T>(res: HttpResponse<T>): HttpResponse<T> {
    if (res.status < 200 || res.status >= 300) throw this.opts.classify({ status: res.status, headers: res.headers, body: res.text });
    this.opts.inspect?.(res);
    return res;
  }
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(headers: Record<string, string>, now = Date.now()): number | undefined {
  const v = headers["retry-after"];
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.ceil(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Parses a JSON body if it is JSON; undefined otherwise. */
export function tryJson(body: string): any {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
