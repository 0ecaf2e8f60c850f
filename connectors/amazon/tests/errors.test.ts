import { describe, expect, it } from "vitest";
import { RETRY_DECISION } from "../../../pipeline/errors";
import { listFixtures, readFixtureJson } from "../../../pipeline/testing/fixtures";
import { classifyAmazonError, quotaWaitMs, TOKEN_REJECTED, type AmazonErrorContext } from "../errors";

type Expectation = {
  errorClass: string;
  code?: string;
  /** For sandbox arrays: the field per entry (undefined = a success entry, no errors). */
  fields?: (string | undefined | null)[];
  field?: string;
  reason?: RegExp;
  retryAfterMs?: number;
  operation?: string;
};

const EXPECTED: Record<string, Expectation> = {
  "missing-authentication-token.403.json": { errorClass: "auth", code: "MissingAuthenticationToken", reason: /regional endpoint.*sellingpartnerapi-na/ },
  "orders-confirmShipment.400.sandbox.json": { errorClass: "validation", code: "InvalidInput", fields: ["packageDetail"], operation: "confirmShipment" },
  "orders-getOrders.400.sandbox.json": { errorClass: "validation", code: "InvalidInput", fields: ["CreatedAfter"], operation: "getOrders" },
  "orders-updateVerificationStatus.400.sandbox.json": {
    errorClass: "validation",
    code: "InvalidInput",
    fields: ["rejectionReasonId, externalReviewerId", "status", "prescriptionDetail, externalReviewerId", "prescriptionDetail.clinicId", null, null, "approvedAlternativeDetails"],
    operation: "updateVerificationStatus",
  },
  "quota-exceeded.429.json": { errorClass: "rate_limited", code: "QuotaExceeded", retryAfterMs: 1000 },
  "quota-exceeded.429.no-details.json": { errorClass: "rate_limited", code: "QuotaExceeded", retryAfterMs: 1000 },
  "unauthorized.403.json": { errorClass: "auth", code: "Unauthorized", reason: /role/ },
  "unauthorized-token-revoked.403.json": { errorClass: "auth", code: "Unauthorized", reason: /revoked, malformed or invalid.*fresh LWA token/ },
};

const statusOf = (file: string) => Number(/\.(\d{3})\./.exec(file)![1]);

describe("classifyAmazonError against every amazon/errors fixture", () => {
  const files = listFixtures("amazon/errors");

  it("has an expectation for every fixture file, and a fixture for every expectation", () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(file, () => {
      const exp = EXPECTED[file]!;
      const fixture = readFixtureJson(`amazon/errors/${file}`);
      if (Array.isArray(fixture)) {
        // Sandbox arrays: each entry's response, with the request's own parameters as context.
        expect(fixture).toHaveLength(exp.fields!.length);
        fixture.forEach((entry: any, i: number) => {
          const errors = entry.response?.errors;
          if (exp.fields![i] === null) return expect(errors).toBeUndefined();
          const parameters = Object.keys(entry.request.parameters).filter((p) => p !== "orderId");
          const ctx: AmazonErrorContext = { operation: exp.operation, parameters };
          const e = classifyAmazonError({ status: statusOf(file), headers: {}, body: JSON.stringify(entry.response) }, ctx);
          expect(e.errorClass).toBe(exp.errorClass);
          expect(e.code).toBe(exp.code);
          expect(e.field).toBe(exp.fields![i]);
          expect(e.reason).toContain(errors[0].message);
          expect(RETRY_DECISION[e.errorClass]).toBe("park");
        });
        return;
      }
      expect(fixture.status).toBe(statusOf(file));
      const e = classifyAmazonError({ status: fixture.status, headers: fixture.headers ?? {}, body: JSON.stringify(fixture.body) });
      expect(e.errorClass).toBe(exp.errorClass);
      expect(e.code).toBe(exp.code);
      if (exp.reason) expect(e.reason).toMatch(exp.reason);
      if (exp.retryAfterMs !== undefined) expect(e.retryAfterMs).toBe(exp.retryAfterMs);
      expect(e.upstream?.status).toBe(fixture.status);
      expect(e.message).toContain(fixture.body.errors[0].message);
    });
  }

  it("sizes the wait after QuotaExceeded from the operation's rate: 1/rate seconds, never under 1 s", () => {
    const body = JSON.stringify(readFixtureJson("amazon/errors/quota-exceeded.429.json").body);
    const wait = (ctx: AmazonErrorContext, headers: Record<string, string> = {}) => classifyAmazonError({ status: 429, headers, body }, ctx).retryAfterMs;
    expect(wait({ operation: "getOrders", ratePerSecond: 0.0167 })).toBe(59_881);
    expect(wait({ ratePerSecond: 0.5 })).toBe(2000);
    expect(wait({ ratePerSecond: 2 })).toBe(1000);
    expect(wait({}, { "x-amzn-RateLimit-Limit": "0.0222" })).toBe(45_046);
    expect(wait({ ratePerSecond: 20 }, { "Retry-After": "3" })).toBe(3000);
    expect(quotaWaitMs(undefined)).toBe(1000);
    expect(RETRY_DECISION.rate_limited).toBe("wait");
  });

  it("recognises a dead token (refresh once) but not a missing role", () => {
    const revoked = readFixtureJson("amazon/errors/unauthorized-token-revoked.403.json");
    const role = readFixtureJson("amazon/errors/unauthorized.403.json");
    const classify = (f: any) => classifyAmazonError({ status: f.status, headers: {}, body: JSON.stringify(f.body) });
    expect(TOKEN_REJECTED.test(classify(revoked).message)).toBe(true);
    expect(TOKEN_REJECTED.test(classify(role).message)).toBe(false);
  });

  it("classifies 5xx as transient, whatever the body", () => {
    for (const [status, body] of [
      [500, JSON.stringify({ errors: [{ code: "InternalFailure", message: "We encountered an internal error. Please try again.", details: "" }] })],
      [503, JSON.stringify({ errors: [{ code: "ServiceUnavailable", message: "Service temporarily unavailable." }] })],
      [502, "<html><body>Bad Gateway</body></html>"],
    ] as const) {
      const e = classifyAmazonError({ status, headers: { "x-amzn-RequestId": "abc-123" }, body });
      expect(e.errorClass).toBe("transient");
      expect(e.upstream?.requestId).toBe("abc-123");
    }
  });

  it("classifies Login with Amazon refusals as auth without echoing credentials", () => {
    const grant = classifyAmazonError({ status: 400, headers: {}, body: JSON.stringify({ error_description: "The request has an invalid grant parameter : refresh_token", error: "invalid_grant" }) });
    expect(grant.errorClass).toBe("auth");
    expect(grant.code).toBe("invalid_grant");
    expect(grant.reason).toMatch(/re-authorize/);
    const client = classifyAmazonError({ status: 401, headers: {}, body: JSON.stringify({ error_description: "Client authentication failed", error: "invalid_client" }) });
    expect(client.errorClass).toBe("auth");
    expect(client.reason).toMatch(/client secret/);
    expect(classifyAmazonError({ status: 503, headers: {}, body: JSON.stringify({ error: "server_error", error_description: "x" }) }).errorClass).toBe("transient");
  });

  it("reads the parameter out of real SP-API messages", () => {
    const v = (message: string, ctx: AmazonErrorContext = {}) =>
      classifyAmazonError({ status: 400, headers: {}, body: JSON.stringify({ errors: [{ code: "InvalidInput", message }] }) }, ctx).field;
    expect(v("LastUpdatedBefore must be a date at least 2 minutes before the time of the request.")).toBe("LastUpdatedBefore");
    expect(v("Invalid request parameter `packageReferenceId`: already used")).toBe("packageReferenceId");
    expect(v("Invalid Input", { parameters: ["body"], operation: "createReport" })).toBe("reportSpecification");
    expect(v("Invalid Input", { parameters: ["LastUpdatedAfter", "NextToken"] })).toBeUndefined();
  });

  it("treats 404 as permanent and 409 as conflict", () => {
    expect(classifyAmazonError({ status: 404, headers: {}, body: JSON.stringify({ errors: [{ code: "NotFound", message: "Order not found" }] }) }).errorClass).toBe("permanent");
    expect(classifyAmazonError({ status: 409, headers: {}, body: "{}" }).errorClass).toBe("conflict");
  });
});
