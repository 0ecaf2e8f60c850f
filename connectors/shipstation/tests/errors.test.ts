import { describe, expect, it } from "vitest";
import { RETRY_DECISION } from "../../../pipeline/errors";
import { classifyShipStationError, fieldOfModelStateKey } from "../errors";

const classify = (status: number, body: unknown = "", headers: Record<string, string> = {}) =>
  classifyShipStationError({ status, headers, body: typeof body === "string" ? body : JSON.stringify(body) });

describe("classifyShipStationError", () => {
  it("401 is an auth failure that stops the connector", () => {
    const e = classify(401, "401 Unauthorized");
    expect(e.errorClass).toBe("auth");
    expect(RETRY_DECISION[e.errorClass]).toBe("stop_connector");
  });

  it("429 waits X-Rate-Limit-Reset seconds, whatever the header case", () => {
    const e = classify(429, { message: "Too Many Requests" }, { "X-Rate-Limit-Limit": "40", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "17" });
    expect(e).toMatchObject({ errorClass: "rate_limited", retryAfterMs: 17_000 });
    expect(e.upstream?.headers).toEqual({ "x-rate-limit-limit": "40", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "17" });
  });

  it("429 without X-Rate-Limit-Reset falls back to Retry-After, then to a whole window", () => {
    expect(classify(429, "", { "retry-after": "3" }).retryAfterMs).toBe(3000);
    expect(classify(429).retryAfterMs).toBe(60_000);
  });

  it("a reset of 0 seconds still waits a moment instead of hammering", () => {
    expect(classify(429, "", { "x-rate-limit-reset": "0" }).retryAfterMs).toBe(1000);
  });

  it.each([500, 502, 503, 504])("%i is transient", (status) => {
    expect(classify(status, { Message: "An error has occurred." }).errorClass).toBe("transient");
  });

  it("404 is permanent", () => {
    expect(classify(404, { Message: "Order 1 not found" })).toMatchObject({ errorClass: "permanent", code: "404" });
  });

  it("the sandbox's invalid-address answer is a validation error on shipTo", () => {
    const e = classify(400, { Message: "The request is invalid.", ModelState: { "apiOrder.shipTo": ["Ship-to address could not be validated: postal code 00000 does not exist."] } });
    expect(e).toMatchObject({ errorClass: "validation", field: "shipTo" });
    expect(e.message).toContain("postal code 00000");
  });

  it("400 without ModelState is still the payload's fault", () => {
    expect(classify(400, { Message: "Invalid orderKey" })).toMatchObject({ errorClass: "validation", reason: "Invalid orderKey" });
  });

  it("v2 error bodies keep their field and request id", () => {
    const e = classify(400, { request_id: "r-1", errors: [{ error_source: "shipstation", error_type: "validation", error_code: "invalid_field_value", message: "sku is required", field_name: "sku" }] });
    expect(e).toMatchObject({ errorClass: "validation", field: "sku", code: "invalid_field_value" });
    expect(e.upstream?.requestId).toBe("r-1");
  });

  it("403 (an add-on the account lacks) is permanent, not a credential problem", () => {
    expect(classify(403, { request_id: "r", errors: [{ message: "Inventory API is not enabled" }] }).errorClass).toBe("permanent");
  });

  it("ModelState keys lose only ASP.NET's parameter prefix", () => {
    expect(fieldOfModelStateKey("apiOrder.shipTo.postalCode")).toBe("shipTo.postalCode");
    expect(fieldOfModelStateKey("apiOrders[0].items")).toBe("items");
    expect(fieldOfModelStateKey("apiOrder")).toBe("apiOrder");
    expect(fieldOfModelStateKey("orderNumber")).toBe("orderNumber");
  });

  it("long bodies are truncated in the stored summary", () => {
    expect(classify(500, "x".repeat(10_000)).upstream!.body!.length).toBeLessThan(4100);
  });
});
