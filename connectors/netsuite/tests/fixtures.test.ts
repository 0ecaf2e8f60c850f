import { describe, expect, it } from "vitest";
import type { ErrorClass } from "../../../pipeline/errors";
import { listFixtures, readFixtureJson } from "../../../pipeline/testing/fixtures";
import { AsyncJobStatus, NetSuiteErrorBody, SalesOrderWrite, TransactionRecord, TransformBody } from "../api-schemas";
import { classifyError } from "../errors";

const ERRORS: Record<string, { errorClass: ErrorClass; code: string; field?: string }> = {
  "errors/401-invalid-login.json": { errorClass: "auth", code: "INVALID_LOGIN" },
  "errors/400-user-error-missing-required-fields.json": { errorClass: "validation", code: "USER_ERROR", field: "First Name, Last Name" },
  "errors/400-idempotency-error.async.docs.json": { errorClass: "duplicate", code: "IDEMPOTENCY_ERROR" },
};

const RECORDS: Record<string, (json: unknown) => void> = {
  "records/salesOrder.get.docs-example.json": (json) => {
    const so = TransactionRecord.parse(json);
    expect(so.id).toBe("18");
    expect(so.entity?.refName).toBe("Anonymous Customer");
    // Without expandSubResources the item sublist is links only.
    expect(so.item?.items).toBeUndefined();
    expect(so.item?.links?.[0]?.href).toMatch(/salesorder\/18\/item$/);
  },
  "records/salesOrder.create.request.basic.json": (json) => {
    const body = SalesOrderWrite.parse(json);
    expect(body.item.items[0]!.item).toEqual({ id: "98" });
  },
  "records/salesOrder.create.request.extended.json": (json) => {
    const body = SalesOrderWrite.parse(json);
    // Oracle's own sample sends an unpadded date; NetSuite takes it, so must we.
    expect(body.tranDate).toBe("2020-6-15");
    expect((body as Record<string, unknown>).otherrefnum).toBe("11037");
  },
  "records/salesOrder.transform-itemFulfillment.request.json": (json) => {
    const body = TransformBody.parse(json);
    expect(body.item?.items.map((l) => l.orderLine)).toEqual([1, 4]);
    expect(body.item?.items[1]?.itemreceive).toBe(false);
  },
  "async/job-status.pending.docs.json": (json) => {
    const job = AsyncJobStatus.parse(json);
    expect(job).toMatchObject({ id: "1", completed: false, progress: "pending" });
  },
};

type Envelope = { status: number; headers?: Record<string, string>; body: unknown };
const classify = (env: Envelope) => classifyError({ status: env.status, headers: env.headers ?? {}, body: JSON.stringify(env.body) });

describe("netsuite fixtures", () => {
  it("uses every NetSuite fixture file", () => {
    expect(listFixtures("netsuite").sort()).toEqual([...Object.keys(ERRORS), ...Object.keys(RECORDS)].sort());
  });

  for (const [file, want] of Object.entries(ERRORS)) {
    it(`classifies ${file}`, () => {
      const env = readFixtureJson<Envelope>("netsuite", file);
      NetSuiteErrorBody.parse(env.body);
      const e = classify(env);
      expect(e.errorClass).toBe(want.errorClass);
      expect(e.code).toBe(want.code);
      if (want.field) expect(e.field).toBe(want.field);
      expect(e.upstream?.status).toBe(env.status);
    });
  }

  it("keeps the Location of the earlier job on an IDEMPOTENCY_ERROR", () => {
    const e = classify(readFixtureJson<Envelope>("netsuite", "errors/400-idempotency-error.async.docs.json"));
    expect(e.upstream?.headers?.location).toBe("/services/rest/async/v1/job/123456");
  });

  for (const [file, check] of Object.entries(RECORDS)) {
    it(`parses ${file}`, () => check(readFixtureJson("netsuite", file)));
  }
});

const problem = (status: number, code: string, detail: string, path?: string) => ({
  type: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
  title: "x",
  status,
  "o:errorDetails": [{ detail, "o:errorCode": code, ...(path ? { "o:errorPath": path } : {}) }],
});

describe("classifyError beyond the fixtures (fixtures README research notes, Oracle error-handling page)", () => {
  it("treats concurrency governance as rate limiting whether it arrives as 429 or 400", () => {
    for (const status of [429, 400]) {
      const e = classify({ status, body: problem(status, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked.") });
      expect(e.errorClass).toBe("rate_limited");
      expect(e.retryAfterMs).toBeGreaterThan(0);
    }
    expect(classify({ status: 400, body: problem(400, "SSS_REQUEST_LIMIT_EXCEEDED", "Request limit exceeded") }).errorClass).toBe("rate_limited");
    expect(classify({ status: 429, headers: { "Retry-After": "3" }, body: "" }).retryAfterMs).toBe(3000);
  });

  it("maps a stale record to conflict", () => {
    expect(classify({ status: 400, body: problem(400, "RCRD_HAS_BEEN_CHANGED", "Record has been changed") }).errorClass).toBe("conflict");
  });

  it("names the item field for invalid item references", () => {
    const documented = classify({ status: 400, body: problem(400, "INVALID_CONTENT", "Error while accessing resource: You have entered an Invalid Field Value 9999 for the following field: item", "item.items[0].item") });
    expect(documented).toMatchObject({ errorClass: "validation", field: "item" });
    expect(documented.reason).toContain("9999");
    expect(classify({ status: 400, body: problem(400, "INVALID_KEY_OR_REF", "Invalid item reference key 12.") })).toMatchObject({ errorClass: "validation", field: "item" });
  });

  it("uses o:errorPath as the field of other validation errors", () => {
    const e = classify({ status: 400, body: problem(400, "USER_ERROR", "Error while accessing a resource. Invalid ship-to address.", "shippingAddress.zip") });
    expect(e).toMatchObject({ errorClass: "validation", field: "zip", reason: "Invalid ship-to address." });
  });

  it("retries 5xx, with or without a NetSuite body", () => {
    expect(classify({ status: 503, body: problem(503, "UNEXPECTED_ERROR", "An unexpected error occurred.") }).errorClass).toBe("transient");
    expect(classifyError({ status: 502, headers: {}, body: "<html>Bad Gateway</html>" }).errorClass).toBe("transient");
  });

  it("stops on permission problems and parks unknown records and bad queries", () => {
    expect(classify({ status: 403, body: problem(403, "INSUFFICIENT_PERMISSION", "Permission Violation") }).errorClass).toBe("auth");
    expect(classify({ status: 404, body: problem(404, "NONEXISTENT_ID", "The record instance does not exist.") }).errorClass).toBe("permanent");
    expect(classify({ status: 400, body: problem(400, "INVALID_PARAMETER", "Invalid search query.") }).errorClass).toBe("permanent");
  });
});
