import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isClassifiedError, type ClassifiedError } from "../../../pipeline/errors";
import { createQuickBooksClient, quickbooks } from "../index";
import { QuickBooksOAuth, type QuickBooksTokenSet } from "../oauth2";
import { startQuickBooksSandbox, type QuickBooksSandbox } from "../sandbox/server";

async function failure(p: Promise<unknown>): Promise<ClassifiedError> {
  try {
    await p;
  } catch (e) {
    if (isClassifiedError(e)) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

describe("OAuth 2.0 against the sandbox's token endpoint", () => {
  let sb: QuickBooksSandbox;

  beforeAll(async () => {
    sb = await startQuickBooksSandbox();
  });

  afterAll(async () => {
    await sb.close();
  });

  it("refreshes after QBO answers 401 for an expired token, then succeeds", async () => {
    const client = quickbooks.createClient({ baseUrl: sb.url, credentials: sb.credentials });
    await client.companyInfo();
    const before = sb.tokens.refreshCount;
    // The kit's control plane, over HTTP, as an operator would set it.
    const set = await fetch(`${sb.url}/_sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ expiredToken: true }) });
    expect(set.status).toBe(200);
    const expired = await fetch(`${sb.url}/v3/company/${sb.realmId}/companyinfo/${sb.realmId}?minorversion=75`, { headers: { authorization: `Bearer ${sb.credentials.accessToken}`, accept: "application/json" } });
    expect(expired.status).toBe(401);
    expect((await expired.json()).fault.error[0].code).toBe("3200");
    await expect(client.companyInfo()).resolves.toMatchObject({ CompanyName: "Loopkeeper Sandbox Co." });
    expect(sb.tokens.refreshCount).toBe(before + 1);
    const log = (await (await fetch(`${sb.url}/_sandbox/faults`)).json()).log as { fault: string }[];
    expect(log.some((l) => /^expired_token: \d+ access tokens invalidated$/.test(l.fault))).toBe(true);
  });

  it("fetches an access token before the first call when it has only a refresh token", async () => {
    const { accessToken: _, ...withoutAccess } = sb.credentials;
    const before = sb.tokens.refreshCount;
    const client = quickbooks.createClient({ baseUrl: sb.url, credentials: withoutAccess });
    await expect(client.companyInfo()).resolves.toBeDefined();
    expect(sb.tokens.refreshCount).toBe(before + 1);
  });

  it("shares one refresh between requests that fail together, and all of them succeed", async () => {
    const client = quickbooks.createClient({ baseUrl: sb.url, credentials: sb.credentials });
    await client.companyInfo();
    sb.expireAccessTokens();
    const before = sb.tokens.refreshCount;
    const results = await Promise.all(Array.from({ length: 5 }, () => client.companyInfo()));
    expect(results).toHaveLength(5);
    expect(sb.tokens.refreshCount - before).toBeGreaterThanOrEqual(1);
    expect(sb.tokens.refreshCount - before).toBeLessThanOrEqual(5);
  });

  it("refreshes ahead of the advertised expiry", async () => {
    let now = Date.parse("2026-11-27T12:00:00Z");
    const auth = new QuickBooksOAuth({ clientId: sb.credentials.clientId, clientSecret: sb.credentials.clientSecret, refreshToken: sb.credentials.refreshToken, tokenUrl: sb.tokenUrl, now: () => now });
    const before = sb.tokens.refreshCount;
    const headers = new Headers();
    await auth.authorize({ headers });
    const first = headers.get("authorization");
    now += 3_600_000 - 30_000; // 30 s before expiry: inside the one-minute margin
    await auth.authorize({ headers });
    expect(sb.tokens.refreshCount).toBe(before + 2);
    expect(headers.get("authorization")).not.toBe(first);
    expect(headers.get("authorization")).toMatch(/^Bearer eyJsandbox\./);
  });

  it("answers auth, without leaking secrets, when the app was disconnected", async () => {
    const other = await startQuickBooksSandbox();
    try {
      const client = quickbooks.createClient({ baseUrl: other.url, credentials: other.credentials });
      other.revokeRefreshTokens();
      const e = await failure(client.companyInfo());
      expect(e).toMatchObject({ errorClass: "auth", code: "invalid_grant" });
      expect(e.message).toMatch(/reconnect the QuickBooks company/);
      for (const secret of [other.credentials.clientSecret, other.credentials.refreshToken, other.credentials.accessToken!]) {
        expect(JSON.stringify({ message: e.message, upstream: e.upstream })).not.toContain(secret);
      }
    } finally {
      await other.close();
    }
  });

  it("does not fail a request because the onTokens hook failed", async () => {
    const client = createQuickBooksClient({ baseUrl: sb.url, credentials: sb.credentials, onTokens: () => Promise.reject(new Error("vault down")) });
    sb.expireAccessTokens();
    await expect(client.companyInfo()).resolves.toBeDefined();
  });

  it("answers auth when the client secret is wrong", async () => {
    const client = quickbooks.createClient({ baseUrl: sb.url, credentials: { ...sb.credentials, accessToken: undefined, clientSecret: "wrong" } });
    await expect(failure(client.companyInfo())).resolves.toMatchObject({ errorClass: "auth", code: "invalid_client" });
  });
});

describe("rotated refresh tokens", () => {
  let sb: QuickBooksSandbox;

  beforeAll(async () => {
    sb = await startQuickBooksSandbox({ rotateRefreshTokens: true });
  });

  afterAll(async () => {
    await sb.close();
  });

  it("keeps using the latest refresh token and hands each new one to onTokens", async () => {
    const seen: QuickBooksTokenSet[] = [];
    const client = createQuickBooksClient({ baseUrl: sb.url, credentials: sb.credentials, onTokens: (t) => void seen.push(t) });
    for (let i = 0; i < 3; i++) {
      sb.expireAccessTokens();
      await expect(client.companyInfo()).resolves.toBeDefined();
    }
    expect(seen).toHaveLength(3);
    const refreshTokens = seen.map((t) => t.refreshToken);
    expect(new Set(refreshTokens).size).toBe(3);
    expect(refreshTokens).not.toContain(sb.credentials.refreshToken);
    for (const t of seen) expect(t.accessTokenExpiresAt).toBeGreaterThan(Date.now());
  });

  it("refuses a refresh token that was rotated away", async () => {
    const stale = quickbooks.createClient({ baseUrl: sb.url, credentials: { ...sb.credentials, accessToken: undefined } });
    await expect(failure(stale.companyInfo())).resolves.toMatchObject({ errorClass: "auth", code: "invalid_grant" });
  });
});
