import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isClassifiedError } from "../../../pipeline/errors";
import { NetSuiteClient } from "../client";
import { netsuiteConnector } from "../index";
import {
  authorizationHeader,
  computeSignature,
  hostIdOf,
  parseAuthorizationHeader,
  percentEncode,
  realmOf,
  signatureBaseString,
  tbaAuth,
  verifyTbaRequest,
} from "../oauth1";
import { startNetSuiteSandbox, type NetSuiteSandbox } from "../sandbox/server";
import { clientFor } from "./helpers";

describe("OAuth 1.0a signing (RFC 5849 vectors)", () => {
  it("builds the signature base string of RFC 5849 §3.4.1.1", () => {
    const url = new URL("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b");
    const oauth = { oauth_consumer_key: "9djdj82h48djs9d2", oauth_token: "kkk9d7dh3k39sjv7", oauth_signature_method: "HMAC-SHA1", oauth_timestamp: "137131201", oauth_nonce: "7d8f3e4a" };
    // The request's form body (c2&a3=2+q) takes part, as the RFC's example shows.
    expect(signatureBaseString("POST", url, oauth, [["c2", ""], ["a3", "2 q"]])).toBe(
      "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7",
    );
  });

  it("reproduces the HMAC-SHA1 signature of RFC 5849 §1.2 (photos example)", () => {
    const url = new URL("http://photos.example.net/photos?file=vacation.jpg&size=original");
    const oauth = { oauth_consumer_key: "dpf43f3p2l4k3l03", oauth_token: "nnch734d00sl2jdk", oauth_signature_method: "HMAC-SHA1", oauth_timestamp: "137131202", oauth_nonce: "chapoH" };
    const base = signatureBaseString("GET", url, { ...oauth, realm: "Photos" });
    expect(computeSignature(base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00", "HMAC-SHA1")).toBe("MdpQcU8iPSUjWoN/UDMsK2sui9I=");
  });

  it("encodes exactly the RFC 3986 reserved set", () => {
    expect(percentEncode("a b!*'()~._-")).toBe("a%20b%21%2A%27%28%29~._-");
  });
});

describe("NetSuite TBA headers", () => {
  const creds = { accountId: "1234567-sb1", consumerKey: "ck", consumerSecret: "cs&1", tokenId: "tk", tokenSecret: "ts" };
  const url = new URL("https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql?limit=2&offset=4");

  it("derives realm and host from the account id", () => {
    expect(realmOf("1234567-sb1")).toBe("1234567_SB1");
    expect(hostIdOf("1234567_SB1")).toBe("1234567-sb1");
  });

  it("signs with HMAC-SHA256 over method, URL and query, keyed by both secrets", () => {
    const header = authorizationHeader({ method: "POST", url }, creds, { timestamp: 1764244800, nonce: "n0nce123" });
    const p = parseAuthorizationHeader(header)!;
    expect(p).toMatchObject({ realm: "1234567_SB1", oauth_signature_method: "HMAC-SHA256", oauth_version: "1.0", oauth_token: "tk" });
    const base =
      "POST&https%3A%2F%2F1234567-sb1.suitetalk.api.netsuite.com%2Fservices%2Frest%2Fquery%2Fv1%2Fsuiteql&" +
      percentEncode("limit=2&oauth_consumer_key=ck&oauth_nonce=n0nce123&oauth_signature_method=HMAC-SHA256&oauth_timestamp=1764244800&oauth_token=tk&oauth_version=1.0&offset=4");
    expect(p.oauth_signature).toBe(createHmac("sha256", "cs%261&ts").update(base).digest("base64"));
  });

  it("verifies its own signatures and rejects tampering, replay and stale timestamps", () => {
    const now = 1764244800_000;
    const header = authorizationHeader({ method: "POST", url }, creds, { timestamp: now / 1000, nonce: "n0nce123" });
    const seen = new Set<string>();
    const seenNonce = (n: string) => (seen.has(n) ? true : (seen.add(n), false));
    expect(verifyTbaRequest({ method: "POST", url, authorization: header }, creds, { nowMs: now, seenNonce })).toEqual({ ok: true });
    expect(verifyTbaRequest({ method: "POST", url, authorization: header }, creds, { nowMs: now, seenNonce })).toMatchObject({ ok: false, reason: "nonce already used" });
    const moved = new URL(url);
    moved.searchParams.set("offset", "6");
    expect(verifyTbaRequest({ method: "POST", url: moved, authorization: header }, creds, { nowMs: now })).toMatchObject({ ok: false, reason: "signature mismatch" });
    expect(verifyTbaRequest({ method: "POST", url, authorization: header }, creds, { nowMs: now + 600_000 })).toMatchObject({ ok: false });
    expect(verifyTbaRequest({ method: "POST", url, authorization: header }, { ...creds, tokenSecret: "other" }, { nowMs: now })).toMatchObject({ ok: false, reason: "signature mismatch" });
  });
});

describe("TBA against the sandbox over HTTP", () => {
  let sb: NetSuiteSandbox;
  beforeAll(async () => {
    sb = await startNetSuiteSandbox();
  });
  afterAll(() => sb.close());

  it("connects with the right secrets", async () => {
    const res = await netsuiteConnector.testConnection(clientFor(sb));
    expect(res.ok).toBe(true);
    expect(res.detail).toContain("1234567_SB1");
  });

  it("answers INVALID_LOGIN, classified as auth, to a wrong token secret", async () => {
    const client = new NetSuiteClient({ baseUrl: sb.baseUrl, auth: tbaAuth({ ...sb.credentials, tokenSecret: "wrong" }) });
    const err = await client.testConnection().catch((e) => e);
    expect(isClassifiedError(err)).toBe(true);
    expect(err).toMatchObject({ errorClass: "auth", code: "INVALID_LOGIN" });
  });

  it("rejects a replayed nonce", async () => {
    const client = new NetSuiteClient({ baseUrl: sb.baseUrl, auth: tbaAuth(sb.credentials, { nonce: () => "fixed-nonce-42" }) });
    await client.testConnection();
    await expect(client.testConnection()).rejects.toMatchObject({ errorClass: "auth" });
  });
});
