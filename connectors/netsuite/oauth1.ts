import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { AuthTransport } from "../sdk/http-client";

/**
 * NetSuite Token-Based Authentication: OAuth 1.0a (RFC 5849) request signing, the two-legged
 * variant with a consumer (integration record) and a token (user + role). NetSuite requires
 * HMAC-SHA256; HMAC-SHA1 is kept only so the RFC's own test vectors can check this code.
 */

export type SignatureMethod = "HMAC-SHA256" | "HMAC-SHA1";

export interface TbaCredentials {
  accountId: string;
  consumerKey: string;
  consumerSecret: string;
  tokenId: string;
  tokenSecret: string;
}

/** RFC 3986 unreserved-only encoding (RFC 5849 §3.6); encodeURIComponent leaves !'()* alone. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The realm NetSuite expects: the account id upper-cased, sandbox suffix joined with "_" (1234567_SB1). */
export function realmOf(accountId: string): string {
  return accountId.trim().toUpperCase().replace(/-/g, "_");
}

/** The account id as it appears in the REST host name (1234567-sb1.suitetalk.api.netsuite.com). */
export function hostIdOf(accountId: string): string {
  return accountId.trim().toLowerCase().replace(/_/g, "-");
}

/** §3.4.1.2: scheme and host lower-cased, default port dropped, no query, no fragment. */
export function baseStringUri(url: URL): string {
  const scheme = url.protocol.replace(/:$/, "").toLowerCase();
  const defaultPort = (scheme === "http" && url.port === "80") || (scheme === "https" && url.port === "443");
  const port = url.port && !defaultPort ? `:${url.port}` : "";
  return `${scheme}://${url.hostname.toLowerCase()}${port}${url.pathname}`;
}

/** §3.4.1.3.2: every name and value encoded, sorted by name then value, joined with "&". */
export function normalizeParameters(pairs: [string, string][]): string {
  return pairs
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/**
 * §3.4.1: METHOD & base URI & parameters. The query string is part of what is signed, which is
 * why SuiteQL's limit/offset must already be on the URL when the request is signed.
 * `extra` carries form-encoded body parameters; NetSuite's JSON bodies are never signed.
 */
export function signatureBaseString(method: string, url: URL, oauthParams: Record<string, string>, extra: [string, string][] = []): string {
  const pairs: [string, string][] = [...url.searchParams.entries(), ...extra];
  for (const [k, v] of Object.entries(oauthParams)) if (k !== "oauth_signature" && k !== "realm") pairs.push([k, v]);
  return [method.toUpperCase(), percentEncode(baseStringUri(url)), percentEncode(normalizeParameters(pairs))].join("&");
}

export function computeSignature(baseString: string, consumerSecret: string, tokenSecret: string, method: SignatureMethod = "HMAC-SHA256"): string {
  const key = `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`;
  return createHmac(method === "HMAC-SHA256" ? "sha256" : "sha1", key).update(baseString).digest("base64");
}

/** Builds the complete `Authorization: OAuth ...` value for one request. */
export function authorizationHeader(
  req: { method: string; url: URL },
  creds: TbaCredentials,
  opts: { timestamp: number; nonce: string; signatureMethod?: SignatureMethod },
): string {
  const oauth: Record<string, string> = {
    oauth_consumer_key: creds.consumerKey,
    oauth_token: creds.tokenId,
    oauth_signature_method: opts.signatureMethod ?? "HMAC-SHA256",
    oauth_timestamp: String(opts.timestamp),
    oauth_nonce: opts.nonce,
    oauth_version: "1.0",
  };
  const signature = computeSignature(signatureBaseString(req.method, req.url, oauth), creds.consumerSecret, creds.tokenSecret, opts.signatureMethod);
  const fields = { realm: realmOf(creds.accountId), ...oauth, oauth_signature: signature };
  return "OAuth " + Object.entries(fields).map(([k, v]) => `${k}="${percentEncode(v)}"`).join(", ");
}

/**
 * The AuthTransport that signs every request with a fresh nonce and timestamp. NetSuite rejects
 * a reused nonce, so a retried request is signed again rather than replayed.
 */
export function tbaAuth(creds: TbaCredentials, clock: { now?: () => number; nonce?: () => string } = {}): AuthTransport {
  return {
    async authorize({ method, url, headers }) {
      const timestamp = Math.floor((clock.now ?? Date.now)() / 1000);
      const nonce = (clock.nonce ?? (() => randomBytes(16).toString("hex")))();
      headers.set("authorization", authorizationHeader({ method, url }, creds, { timestamp, nonce }));
    },
  };
}

/** Parses `OAuth k="v", ...` into decoded values; undefined when it is not an OAuth header. */
export function parseAuthorizationHeader(header: string | undefined): Record<string, string> | undefined {
  if (!header || !/^OAuth\s/i.test(header)) return undefined;
  const out: Record<string, string> = {};
  for (const m of header.slice(6).matchAll(/([A-Za-z_]+)\s*=\s*"([^"]*)"/g)) {
    try {
      out[m[1]!] = decodeURIComponent(m[2]!);
    } catch {
      return undefined;
    }
  }
  return out;
}

export type TbaVerification = { ok: true } | { ok: false; reason: string };

/**
 * Server-side check of a TBA signature, as NetSuite does it: known consumer and token, the right
 * realm, HMAC-SHA256, a timestamp within the allowed skew, an unused nonce, and a signature that
 * matches the method, URL and query. Used by the sandbox, which knows the secrets.
 */
export function verifyTbaRequest(
  req: { method: string; url: URL; authorization: string | undefined },
  expected: TbaCredentials,
  opts: { nowMs: number; maxSkewSec?: number; seenNonce?: (nonce: string) => boolean },
): TbaVerification {
  const p = parseAuthorizationHeader(req.authorization);
  if (!p) return { ok: false, reason: "missing OAuth authorization header" };
  if (p.realm !== realmOf(expected.accountId)) return { ok: false, reason: "wrong realm" };
  if (p.oauth_consumer_key !== expected.consumerKey || p.oauth_token !== expected.tokenId) return { ok: false, reason: "unknown consumer or token" };
  if (p.oauth_signature_method !== "HMAC-SHA256") return { ok: false, reason: "signature method must be HMAC-SHA256" };
  const ts = Number(p.oauth_timestamp);
  if (!Number.isFinite(ts) || Math.abs(opts.nowMs / 1000 - ts) > (opts.maxSkewSec ?? 300)) return { ok: false, reason: "timestamp outside the allowed window" };
  if (!p.oauth_nonce || p.oauth_nonce.length < 6) return { ok: false, reason: "nonce too short" };
  const want = computeSignature(signatureBaseString(req.method, req.url, p), expected.consumerSecret, expected.tokenSecret, "HMAC-SHA256");
  const a = Buffer.from(want);
  const b = Buffer.from(p.oauth_signature ?? "");
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: "signature mismatch" };
  if (opts.seenNonce?.(p.oauth_nonce)) return { ok: false, reason: "nonce already used" };
  return { ok: true };
}
