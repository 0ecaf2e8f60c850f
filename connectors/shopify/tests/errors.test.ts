import { describe, expect, it } from "vitest";
import { RETRY_DECISION, type ErrorClass } from "../../../pipeline/errors";
import { listFixtures, readFixtureJson } from "../../../pipeline/testing/fixtures";
import { classifyError, classifyGraphqlPayload, restRetryAfterMs, throttledRetryAfterMs } from "../errors";

/** What each captured Shopify error must become. A new fixture without a line here fails the suite. */
const EXPECTED: Record<string, { errorClass: ErrorClass; retryAfterMs?: number; field?: string; code?: string }> = {
  "graphql-access-denied.json": { errorClass: "auth", code: "ACCESS_DENIED" },
  "graphql-internal-server-error.json": { errorClass: "transient", code: "INTERNAL_SERVER_ERROR" },
  "graphql-max-cost-exceeded.json": { errorClass: "permanent", code: "MAX_COST_EXCEEDED" },
  // ceil((752 − 666) / 50) = 2 s
  "graphql-throttled.json": { errorClass: "rate_limited", retryAfterMs: 2000, code: "THROTTLED" },
  "graphql-user-errors.json": { errorClass: "validation", field: "webhookSubscriptionCreate.webhookSubscription" },
  "rest-401-invalid-token.json": { errorClass: "auth", code: "401" },
  "rest-422-money-field-nil.json": { errorClass: "validation", field: "order" },
  // No Retry-After or call-limit header was captured: one second.
  "rest-429-call-limit-exceeded.json": { errorClass: "rate_limited", retryAfterMs: 1000, code: "429" },
};

function classifyEnvelope(file: string) {
  const env = readFixtureJson<{ status: number; headers?: Record<string, string>; body: unknown }>("shopify", "errors", file);
  return classifyError({ status: env.status, headers: env.headers ?? {}, body: typeof env.body === "string" ? env.body : JSON.stringify(env.body) });
}

describe("classifyError against ../shared/fixtures/shopify/errors", () => {
  const files = listFixtures("shopify", "errors");

  it("has an expectation for every fixture", () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(EXPECTED[f], `add an expectation for shopify/errors/${f}`).toBeDefined();
  });

  it.each(files)("%s", (file) => {
    const want = EXPECTED[file]!;
    const err = classifyEnvelope(file);
    expect(err.errorClass).toBe(want.errorClass);
    if (want.retryAfterMs !== undefined) expect(err.retryAfterMs).toBe(want.retryAfterMs);
    if (want.field !== undefined) expect(err.field).toBe(want.field);
    if (want.code !== undefined) expect(err.code).toBe(want.code);
    expect(err.message.length).toBeGreaterThan(0);
    expect(RETRY_DECISION[err.errorClass]).toBeDefined();
  });

  it("keeps the upstream summary (status, request id) for the trace", () => {
    const err = classifyEnvelope("rest-401-invalid-token.json");
    expect(err.upstream?.status).toBe(401);
    expect(err.upstream?.requestId).toBe("f85dcf90-4638-4e75-952c-ef1551503d40-1771194900");
    expect(classifyEnvelope("graphql-internal-server-error.json").upstream?.requestId).toBe("1b355a21-7117-44c5-8d8b-8948082f40a8");
  });

  it("reports the reason of a user error in business words", () => {
    const err = classifyEnvelope("graphql-user-errors.json");
    expect(err.reason).toBe("Webhook topic is invalid");
    expect(classifyEnvelope("rest-422-money-field-nil.json").reason).toBe("money field cannot be nil");
  });
});

describe("classifyError beyond the fixtures", () => {
  const restBody = JSON.stringify({ errors: "Exceeded 2 calls per second for api client." });

  it("honours Retry-After on a REST 429, in any header case", () => {
    expect(classifyError({ status: 429, headers: { "Retry-After": "2.0" }, body: restBody }).retryAfterMs).toBe(2000);
  });

  it("falls back to the call-limit bucket (leak 2/s) when there is no Retry-After", () => {
    expect(classifyError({ status: 429, headers: { "X-Shopify-Shop-Api-Call-Limit": "40/40" }, body: restBody }).retryAfterMs).toBe(500);
    expect(restRetryAfterMs({ "x-shopify-shop-api-call-limit": "44/40" })).toBe(2500);
  });

  it("reads a THROTTLED body even when a client reports it as HTTP 429", () => {
    const body = readFixtureJson("shopify", "errors", "graphql-throttled.json").body;
    const err = classifyError({ status: 429, headers: {}, body: JSON.stringify(body) });
    expect(err.errorClass).toBe("rate_limited");
    expect(err.retryAfterMs).toBe(2000);
  });

  it.each([500, 502, 503, 504])("%i is transient, even with an HTML body", (status) => {
    expect(classifyError({ status, headers: {}, body: "<html>Bad Gateway</html>" }).errorClass).toBe("transient");
  });

  it("maps 403, 402 and 423 to auth (the merchant must act), 409 to conflict, 404 and 400 to permanent", () => {
    expect(classifyError({ status: 403, headers: {}, body: "{}" }).errorClass).toBe("auth");
    expect(classifyError({ status: 402, headers: {}, body: '{"errors":"Unavailable Shop"}' }).errorClass).toBe("auth");
    expect(classifyError({ status: 423, headers: {}, body: "{}" }).errorClass).toBe("auth");
    expect(classifyError({ status: 409, headers: {}, body: "{}" }).errorClass).toBe("conflict");
    expect(classifyError({ status: 404, headers: {}, body: '{"errors":"Not Found"}' }).errorClass).toBe("permanent");
    expect(classifyError({ status: 400, headers: {}, body: "{}" }).errorClass).toBe("permanent");
  });

  it("treats a stale compare-and-set as a conflict and other user errors as validation with the field path", () => {
    const stale = classifyGraphqlPayload({ data: { inventorySetQuantities: { inventoryAdjustmentGroup: null, userErrors: [{ field: ["input", "quantities", "0", "changeFromQuantity"], message: "stale", code: "CHANGE_FROM_QUANTITY_STALE" }] } } });
    expect(stale?.errorClass).toBe("conflict");
    const invalid = classifyGraphqlPayload({ data: { fulfillmentCreate: { fulfillment: null, userErrors: [{ field: ["fulfillment", "lineItemsByFulfillmentOrder", "0", "fulfillmentOrderId"], message: "Fulfillment order does not exist." }] } } });
    expect(invalid?.errorClass).toBe("validation");
    expect(invalid?.field).toBe("fulfillment.lineItemsByFulfillmentOrder.0.fulfillmentOrderId");
    expect(invalid?.reason).toBe("Fulfillment order does not exist.");
  });

  it("finds nothing wrong in a clean response, and treats an unknown GraphQL error as permanent", () => {
    expect(classifyGraphqlPayload({ data: { shop: { name: "x" } }, extensions: {} })).toBeUndefined();
    expect(classifyGraphqlPayload({ data: { fulfillmentCreate: { userErrors: [] } } })).toBeUndefined();
    expect(classifyGraphqlPayload({ errors: [{ message: "Field 'nope' doesn't exist on type 'QueryRoot'" }] })?.errorClass).toBe("permanent");
  });

  it("waits at least a second on THROTTLED and a second when the cost is unreadable", () => {
    expect(throttledRetryAfterMs({ requestedQueryCost: 10, throttleStatus: { currentlyAvailable: 9.9, restoreRate: 50 } })).toBe(1000);
    expect(throttledRetryAfterMs(undefined)).toBe(1000);
    expect(throttledRetryAfterMs({ requestedQueryCost: 1000, throttleStatus: { currentlyAvailable: 0, restoreRate: 50 } })).toBe(20_000);
  });
});
