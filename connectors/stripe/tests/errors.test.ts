import { describe, expect, it } from "vitest";
import { RETRY_DECISION } from "../../../pipeline/errors";
import { listFixtures, readFixtureJson } from "../../../pipeline/testing/fixtures";
import { classifyStripeError, classifyStripeSdkError } from "../errors";
import Stripe from "stripe";

type Envelope = { status: number; headers?: Record<string, string>; body: unknown };

const classifyEnvelope = (e: Envelope) => classifyStripeError({ status: e.status, headers: e.headers ?? {}, body: JSON.stringify(e.body) });

/** What every file in ../shared/fixtures/stripe/errors must classify as. */
const EXPECTED: Record<string, { errorClass: string; field?: string; reason?: string | RegExp; code?: string }> = {
  "card_declined.fraudulent.402.json": { errorClass: "validation", field: "card", reason: "fraudulent", code: "card_declined" },
  "card_declined.generic_decline.402.json": { errorClass: "validation", field: "card", reason: "generic_decline", code: "card_declined" },
  "idempotency_error.400.json": { errorClass: "permanent", reason: /same Idempotency-Key was first used with other parameters/, code: "idempotency_error" },
  "lock_timeout.429.json": { errorClass: "transient", code: "lock_timeout" },
};

describe("classifyStripeError against every stripe/errors fixture", () => {
  const files = listFixtures("stripe/errors");

  it("has an expectation for each fixture file (a new fixture must be classified here)", () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`${file}`, () => {
      const env = readFixtureJson<Envelope>("stripe/errors", file);
      const want = EXPECTED[file]!;
      const got = classifyEnvelope(env);
      expect(got.errorClass).toBe(want.errorClass);
      if (want.field) expect(got.field).toBe(want.field);
      if (typeof want.reason === "string") expect(got.reason).toBe(want.reason);
      if (want.reason instanceof RegExp) expect(got.reason).toMatch(want.reason);
      if (want.code) expect(got.code).toBe(want.code);
      expect(got.upstream?.status).toBe(env.status);
      expect(got.message).toMatch(/^stripe: /);
    });
  }

  it("lock_timeout is a 429 that is not a rate limit: backoff, not a Retry-After wait", () => {
    const got = classifyEnvelope(readFixtureJson<Envelope>("stripe/errors", "lock_timeout.429.json"));
    expect(got.errorClass).toBe("transient");
    expect(RETRY_DECISION[got.errorClass]).toBe("backoff");
    expect(got.retryAfterMs).toBeUndefined();
  });

  it("keeps the request id and idempotency key of the captured idempotency_error headers", () => {
    const got = classifyEnvelope(readFixtureJson<Envelope>("stripe/errors", "idempotency_error.400.json"));
    expect(got.upstream?.requestId).toBe("req_pKaP2QTnOweLxJ");
    expect(got.upstream?.headers).toMatchObject({ "idempotency-key": "bad-idempotent-key-0", "stripe-version": "2018-05-21" });
    expect(got.upstream?.headers).not.toHaveProperty("strict-transport-security");
  });
});

describe("classifyStripeError beyond the fixtures", () => {
  const err = (status: number, error: Record<string, unknown>, headers: Record<string, string> = {}) =>
    classifyStripeError({ status, headers, body: JSON.stringify({ error }) });

  it("429 code rate_limit (Stripe's real body) is rate_limited with a default wait", () => {
    const got = err(429, { type: "invalid_request_error", code: "rate_limit", message: "Request rate limit exceeded." });
    expect(got.errorClass).toBe("rate_limited");
    expect(got.retryAfterMs).toBe(1000);
  });

  it("type rate_limit_error is rate_limited and honours Retry-After", () => {
    const got = err(429, { type: "rate_limit_error", message: "Too many requests" }, { "Retry-After": "7" });
    expect(got.errorClass).toBe("rate_limited");
    expect(got.retryAfterMs).toBe(7000);
  });

  it("400 with code rate_limit is still a rate limit (the SDK treats it so too)", () => {
    expect(err(400, { type: "invalid_request_error", code: "rate_limit" }).errorClass).toBe("rate_limited");
  });

  it("401 invalid or expired key is auth", () => {
    expect(err(401, { type: "invalid_request_error", message: "Invalid API Key provided: sk_test_****abcd" }).errorClass).toBe("auth");
    expect(err(401, { type: "invalid_request_error", code: "api_key_expired" }).errorClass).toBe("auth");
    expect(err(403, { type: "invalid_request_error", message: "The provided key 'rk_test_***' does not have the required permissions" }).errorClass).toBe("auth");
  });

  it("5xx and api_error are transient", () => {
    expect(err(500, { type: "api_error", message: "An unknown error occurred" }).errorClass).toBe("transient");
    expect(err(503, { type: "api_error" }).errorClass).toBe("transient");
    expect(classifyStripeError({ status: 502, headers: {}, body: "<html>Bad gateway</html>" }).errorClass).toBe("transient");
  });

  it("honours Stripe-Should-Retry both ways", () => {
    const saved500 = err(500, { type: "api_error" }, { "stripe-should-retry": "false" });
    expect(saved500.errorClass).toBe("permanent");
    expect(saved500.message).toMatch(/Stripe-Should-Retry: false/);
    expect(err(400, { type: "invalid_request_error", message: "x" }, { "Stripe-Should-Retry": "true" }).errorClass).toBe("transient");
    expect(err(429, { type: "invalid_request_error", code: "rate_limit" }, { "stripe-should-retry": "false" }).errorClass).toBe("rate_limited");
  });

  it("a concurrent request on the same idempotency key is transient, a reuse with other parameters permanent", () => {
    expect(err(409, { type: "idempotency_error", code: "idempotency_key_in_use" }).errorClass).toBe("transient");
    expect(err(400, { type: "idempotency_error", message: "Keys for idempotent requests..." }).errorClass).toBe("permanent");
  });

  it("an invalid parameter is validation on that parameter; an already refunded charge on the charge", () => {
    const amount = err(400, { type: "invalid_request_error", param: "amount", message: "Refund amount ($20.00) is greater than charge amount ($10.00)" });
    expect(amount).toMatchObject({ errorClass: "validation", field: "amount" });
    expect(err(400, { type: "invalid_request_error", code: "charge_already_refunded", message: "already refunded" })).toMatchObject({ errorClass: "validation", field: "charge" });
    expect(err(400, { type: "invalid_request_error", message: "something odd" }).errorClass).toBe("permanent");
  });

  it("classifies the SDK's own error objects through the same rules", () => {
    const raw = { type: "invalid_request_error", code: "lock_timeout", message: "locked", headers: { "request-id": "req_1" }, statusCode: 429, requestId: "req_1" } as const;
    const sdkErr = new Stripe.errors.StripeRateLimitError(raw as never);
    const got = classifyStripeSdkError(sdkErr);
    expect(got.errorClass).toBe("transient");
    expect(got.upstream?.requestId).toBe("req_1");
    expect(got.upstream?.body).not.toContain("statusCode");

    const conn = new Stripe.errors.StripeConnectionError({ message: "Request aborted due to timeout being reached (10ms)" } as never);
    expect(classifyStripeSdkError(conn).errorClass).toBe("transient");
  });
});
