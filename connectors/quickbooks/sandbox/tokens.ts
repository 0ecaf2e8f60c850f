import { randomBytes } from "node:crypto";
import type { SandboxResponse } from "../../sdk/sandbox-kit";

export interface SandboxTokenOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  accessToken: string;
  accessTokenTtlSec: number;
  /** Issue a new refresh token on every refresh (and retire the old one), as Intuit does periodically. */
  rotateRefreshTokens: boolean;
  now: () => number;
}

const REFRESH_TOKEN_TTL_SEC = 8_726_400; // 101 days, what Intuit advertises

/** The sandbox's Intuit OAuth server: access tokens that expire, refresh tokens that rotate. */
export class SandboxTokenStore {
  private readonly accessTokens = new Map<string, number>();
  private readonly refreshTokens = new Set<string>();
  refreshCount = 0;

  constructor(private readonly opts: SandboxTokenOptions) {
    this.accessTokens.set(opts.accessToken, opts.now() + opts.accessTokenTtlSec * 1000);
    this.refreshTokens.add(opts.refreshToken);
  }

  isValid(bearer: string | undefined): boolean {
    if (!bearer) return false;
    const expiresAt = this.accessTokens.get(bearer);
    return expiresAt !== undefined && expiresAt > this.opts.now();
  }

  /** POST /oauth2/v1/tokens/bearer (form-encoded, HTTP Basic client credentials). */
  grant(authorization: string | undefined, rawBody: string): SandboxResponse {
    const expected = `Basic ${Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`).toString("base64")}`;
    if (authorization !== expected) return { status: 401, body: { error: "invalid_client" } };
    const form = new URLSearchParams(rawBody);
    if (form.get("grant_type") !== "refresh_token") return { status: 400, body: { error: "unsupported_grant_type" } };
    const presented = form.get("refresh_token") ?? "";
    if (!this.refreshTokens.has(presented)) return { status: 400, body: { error: "invalid_grant" } };
    let refreshToken = presented;
    if (this.opts.rotateRefreshTokens) {
      this.refreshTokens.delete(presented);
      refreshToken = `RT1-${randomBytes(12).toString("hex")}`;
      this.refreshTokens.add(refreshToken);
    }
    const accessToken = `eyJsandbox.${randomBytes(18).toString("base64url")}`;
    this.accessTokens.set(accessToken, this.opts.now() + this.opts.accessTokenTtlSec * 1000);
    this.refreshCount += 1;
    return {
      status: 200,
      headers: { "cache-control": "no-store" },
      body: { token_type: "bearer", access_token: accessToken, expires_in: this.opts.accessTokenTtlSec, refresh_token: refreshToken, x_refresh_token_expires_in: REFRESH_TOKEN_TTL_SEC },
    };
  }

  /** Every current access token stops working (refresh tokens still do). */
  expireAccessTokens(): number {
    const n = this.accessTokens.size;
    this.accessTokens.clear();
    return n;
  }

  /** Disconnects the app: refresh grants fail with invalid_grant from now on. */
  revokeRefreshTokens(): void {
    this.refreshTokens.clear();
    this.accessTokens.clear();
  }

  get activeAccessTokens(): number {
    const now = this.opts.now();
    return [...this.accessTokens.values()].filter((t) => t > now).length;
  }
}
