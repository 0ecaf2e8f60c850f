import { ClassifiedError, classifyUnknownError } from "../../pipeline/errors";
import type { AuthTransport } from "../sdk/http-client";
import { tryJson } from "../sdk/http-client";
import { IntuitTokenResponse } from "./api-schemas";

/** Intuit's OAuth 2.0 token endpoint (the same for production and development keys). */
export const INTUIT_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer";

export interface QuickBooksTokenSet {
  accessToken: string;
  /** Intuit rotates refresh tokens: always keep the latest one it returned. */
  refreshToken: string;
  /** Epoch milliseconds. */
  accessTokenExpiresAt: number;
  refreshTokenExpiresAt?: number;
}

export interface QuickBooksOAuthOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  accessToken?: string;
  /** When the given access token expires; unknown means "use it until QBO answers 401". */
  accessTokenExpiresAt?: number;
  tokenUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Called after every refresh so the caller can persist the rotated refresh token. */
  onTokens?: (tokens: QuickBooksTokenSet) => void | Promise<void>;
  now?: () => number;
}

/** Refresh this long before the advertised expiry, so a request never leaves with a dying token. */
const EXPIRY_SKEW_MS = 60_000;

/**
 * OAuth 2.0 bearer auth for QuickBooks Online: adds the access token, refreshes it ahead of its
 * expiry and once after a 401 (POST to the token endpoint with grant_type=refresh_token and
 * HTTP Basic clientId:clientSecret). Concurrent refreshes collapse into one, because Intuit
 * rotates the refresh token and a second refresh with the old one would fail. Tokens live only
 * in this object and are never logged.
 */
export class QuickBooksOAuth implements AuthTransport {
  private accessToken: string | undefined;
  private refreshToken: string;
  private expiresAt: number | undefined;
  private inflight: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: QuickBooksOAuthOptions) {
    this.accessToken = opts.accessToken || undefined;
    this.refreshToken = opts.refreshToken;
    this.expiresAt = opts.accessTokenExpiresAt;
    this.now = opts.now ?? Date.now;
  }

  async authorize({ headers }: { headers: Headers }): Promise<void> {
    const expiring = this.expiresAt !== undefined && this.expiresAt - EXPIRY_SKEW_MS <= this.now();
    if (!this.accessToken || expiring) await this.refreshOnce();
    headers.set("authorization", `Bearer ${this.accessToken}`);
  }

  /**
   * After a 401. Requests that fail while a refresh is running share it; one that fails after it
   * finished refreshes again, which costs a call but is always safe (each refresh presents the
   * latest refresh token, and earlier access tokens stay valid until they expire).
   */
  async refresh(): Promise<boolean> {
    await this.refreshOnce();
    return true;
  }

  /** For diagnostics and tests: whether a usable access token is held (never the token itself). */
  get hasAccessToken(): boolean {
    return !!this.accessToken;
  }

  private refreshOnce(): Promise<void> {
    this.inflight ??= this.requestTokens().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async requestTokens(): Promise<void> {
    const url = this.opts.tokenUrl ?? INTUIT_TOKEN_URL;
    const basic = Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`).toString("base64");
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, {
        method: "POST",
        headers: { authorization: `Basic ${basic}`, accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: this.refreshToken }).toString(),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
      });
    } catch (e) {
      throw classifyUnknownError(e);
    }
    const text = await res.text();
    const intuitTid = res.headers.get("intuit_tid") ?? undefined;
    if (!res.ok) {
      const oauthError = tryJson(text)?.error as string | undefined;
      const upstream = { status: res.status, code: oauthError, requestId: intuitTid };
      if (res.status >= 500 || res.status === 429) {
        throw new ClassifiedError({ errorClass: res.status === 429 ? "rate_limited" : "transient", retryAfterMs: res.status === 429 ? 60_000 : undefined, message: `QuickBooks token endpoint answered ${res.status}`, code: oauthError, upstream });
      }
      // invalid_grant: the refresh token expired (100 days), was revoked, or the company was disconnected.
      throw new ClassifiedError({
        errorClass: "auth",
        message: `QuickBooks refused to refresh the access token (${oauthError ?? res.status}): reconnect the QuickBooks company to issue a new refresh token`,
        code: oauthError,
        upstream,
      });
    }
    const parsed = IntuitTokenResponse.safeParse(tryJson(text));
    if (!parsed.success) {
      throw new ClassifiedError({ errorClass: "transient", message: "QuickBooks token endpoint answered without an access token", upstream: { status: res.status, requestId: intuitTid } });
    }
    const now = this.now();
    this.accessToken = parsed.data.access_token;
    this.refreshToken = parsed.data.refresh_token;
    this.expiresAt = now + parsed.data.expires_in * 1000;
    const tokens: QuickBooksTokenSet = {
      accessToken: this.accessToken,
      refreshToken: this.refreshToken,
      accessTokenExpiresAt: this.expiresAt,
      refreshTokenExpiresAt: parsed.data.x_refresh_token_expires_in ? now + parsed.data.x_refresh_token_expires_in * 1000 : undefined,
    };
    try {
      await this.opts.onTokens?.(tokens);
    } catch {
      // Persisting failed: the new tokens are still held here, so this process keeps working;
      // the caller's hook owns reporting its own storage failure.
    }
  }
}
