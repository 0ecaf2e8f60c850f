import { ClassifiedError, classifyUnknownError } from "../../pipeline/errors";
import type { AuthTransport } from "../sdk/http-client";
import { LwaTokenResponse } from "./api-schemas";
import { classifyAmazonError } from "./errors";

/** The North America LWA endpoint; EU and FE use api.amazon.co.uk / api.amazon.co.jp. */
export const DEFAULT_LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token";

export interface LwaAuthOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  tokenUrl?: string;
  fetch?: typeof fetch;
  /** Refresh this long before the token expires, so no request leaves with a token about to die. */
  refreshMarginMs?: number;
  now?: () => number;
  timeoutMs?: number;
}

export interface LwaAuth extends AuthTransport {
  /** Forgets the cached token (after SP-API rejected it). */
  invalidate(): void;
  /** Makes sure a usable token is cached (so a token fetch does not delay a rate-limited call). */
  warm(): Promise<void>;
  /** Health view without the token itself. */
  status(): { hasToken: boolean; expiresAt?: string; refreshCount: number };
}

/**
 * Login with Amazon refresh-token grant: POST grant_type=refresh_token with the app's client
 * id/secret; the access token (typically 3600 s) is cached until `refreshMarginMs` before expiry
 * and sent as `x-amz-access-token`. Concurrent callers share one token request. Secrets live only
 * in this closure and in the form body sent to LWA; nothing here logs or returns them.
 */
export function lwaAuth(opts: LwaAuthOptions): LwaAuth {
  const now = opts.now ?? Date.now;
  const margin = opts.refreshMarginMs ?? 60_000;
  let cached: { token: string; expiresAt: number; refreshAt: number } | undefined;
  let inflight: Promise<string> | undefined;
  let refreshCount = 0;

  async function requestToken(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: opts.refreshToken,
      client_id: opts.clientId,
      client_secret: opts.clientSecret,
    }).toString();
    let res: Response;
    try {
      res = await (opts.fetch ?? fetch)(opts.tokenUrl ?? DEFAULT_LWA_TOKEN_URL, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8", accept: "application/json" },
        body,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      });
    } catch (e) {
      throw classifyUnknownError(e);
    }
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    if (!res.ok) throw classifyAmazonError({ status: res.status, headers, body: text }, { operation: "lwaToken" });
    let parsed;
    try {
      parsed = LwaTokenResponse.parse(JSON.parse(text));
    } catch {
      throw new ClassifiedError({ errorClass: "transient", message: "Login with Amazon answered without a usable access_token", upstream: { status: res.status } });
    }
    refreshCount++;
    const lifetimeMs = parsed.expires_in * 1000;
    // A margin larger than half the lifetime would refresh on every call.
    cached = { token: parsed.access_token, expiresAt: now() + lifetimeMs, refreshAt: now() + lifetimeMs - Math.min(margin, lifetimeMs / 2) };
    return parsed.access_token;
  }

  async function token(): Promise<string> {
    if (cached && now() < cached.refreshAt) return cached.token;
    inflight ??= requestToken().finally(() => (inflight = undefined));
    return inflight;
  }

  return {
    async authorize({ headers }) {
      headers.set("x-amz-access-token", await token());
    },
    async refresh() {
      cached = undefined;
      await token();
      return true;
    },
    invalidate() {
      cached = undefined;
    },
    async warm() {
      await token();
    },
    status() {
      return { hasToken: !!cached, expiresAt: cached ? new Date(cached.expiresAt).toISOString() : undefined, refreshCount };
    },
  };
}
