import { describe, expect, it } from "vitest";
import type { ErrorClass } from "../../../pipeline/errors";
import { listFixtures, readFixture } from "../../../pipeline/testing/fixtures";
import { classifyError, parseFault, throwOnFaultIn2xx } from "../errors";
import { qboFaults } from "../sandbox/faults";

interface Expectation {
  /** For XML files and bare bodies, which carry no status of their own (from the fixtures README). */
  status?: number;
  errorClass: ErrorClass;
  code: string;
  existingId?: string;
  field?: string | RegExp;
  retryAfterMs?: number;
}

const EXPECTED: Record<string, Expectation> = {
  "2500-invalid-reference-id.400.xml": { status: 400, errorClass: "validation", code: "2500", field: /^reference \(accounts, customers, items, vendors or employees\)$/ },
  "5010-stale-object.error-element.json": { errorClass: "conflict", code: "5010" },
  "6000-business-validation.error-element.json": { errorClass: "validation", code: "6000" },
  "610-object-not-found.json": { errorClass: "validation", code: "610", field: "reference" },
  "6240-duplicate-name.json": { errorClass: "duplicate", code: "6240" },
  "6240-duplicate-name.lowercase-variant.json": { errorClass: "duplicate", code: "6240" },
  "customer_duplicate_error.xml": { status: 400, errorClass: "duplicate", code: "6240" },
  "generic_error.xml": { status: 400, errorClass: "permanent", code: "10000" },
  "query_validation_error.xml": { status: 400, errorClass: "permanent", code: "4001" },
  "tax_service_error_dup.json": { status: 400, errorClass: "duplicate", code: "6240" },
  "throttle_exceeded_error.xml": { status: 403, errorClass: "rate_limited", code: "3001", retryAfterMs: 60_000 },
  "too_many_requests_error.xml": { status: 429, errorClass: "rate_limited", code: "3001", retryAfterMs: 60_000 },
};

/** Turns a fixture into the response the classifier sees: envelopes give status and headers, fragments their Error[] as the body. */
function responseOf(file: string): { status: number; headers: Record<string, string>; body: string } {
  const raw = readFixture("quickbooks", "errors", file);
  const expected = EXPECTED[file]!;
  if (file.endsWith(".xml")) return { status: expected.status!, headers: {}, body: raw };
  const doc = JSON.parse(raw);
  const fragmentKey = Object.keys(doc).find((k) => k.startsWith("body_fragment_"));
  if (typeof doc.status === "number" && ("body" in doc || fragmentKey)) {
    const body = "body" in doc ? doc.body : doc[fragmentKey!];
    return { status: doc.status, headers: doc.headers ?? {}, body: typeof body === "string" ? body : JSON.stringify(body) };
  }
  return { status: expected.status!, headers: {}, body: raw };
}

describe("classifyError against every QuickBooks error fixture", () => {
  const files = listFixtures("quickbooks/errors");

  it("has an expectation for exactly the fixtures on disk", () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`classifies ${file}`, () => {
      const expected = EXPECTED[file];
      expect(expected, `add ${file} to EXPECTED`).toBeDefined();
      const err = classifyError(responseOf(file));
      expect(err.errorClass).toBe(expected!.errorClass);
      expect(err.code).toBe(expected!.code);
      expect(err.upstream?.status).toBe(responseOf(file).status);
      if (expected!.field instanceof RegExp) expect(err.field).toMatch(expected!.field);
      else if (expected!.field) expect(err.field).toBe(expected!.field);
      if (expected!.retryAfterMs) expect(err.retryAfterMs).toBe(expected!.retryAfterMs);
      if (expected!.errorClass === "validation") expect(err.reason).toBeTruthy();
      expect(err.message).toMatch(/^QuickBooks \d{3}/);
    });
  }

  it("reads the same fault from the JSON, lowercase-JSON and XML spellings", () => {
    const json = parseFault(responseOf("6240-duplicate-name.json").body)!;
    const lower = parseFault(responseOf("6240-duplicate-name.lowercase-variant.json").body)!;
    const xml = parseFault(readFixture("quickbooks", "errors", "customer_duplicate_error.xml"))!;
    for (const f of [json, lower, xml]) {
      expect(f.type).toBe("ValidationFault");
      expect(f.errors[0]).toMatchObject({ code: "6240", message: "Duplicate Name Exists Error" });
      expect(f.errors[0]!.detail).toMatch(/^The name supplied already exists/);
    }
  });
});

describe("classifyError beyond the fixtures", () => {
  it("turns 6140 Duplicate Document Number into duplicate with the existing TxnId", () => {
    const res = qboFaults.duplicateDocNumber("1042", "Sales Receipt", "130");
    const err = classifyError({ status: res.status, headers: {}, body: JSON.stringify(res.body) });
    expect(err).toMatchObject({ errorClass: "duplicate", code: "6140", existingId: "130" });
  });

  it("treats QBO's current 401 body (lowercase fault, code 3200) as auth", () => {
    const res = qboFaults.authenticationFailed();
    const err = classifyError({ status: 401, headers: {}, body: JSON.stringify(res.body) });
    expect(err).toMatchObject({ errorClass: "auth", code: "3200" });
  });

  it("treats 403 ApplicationAuthorizationFailed as auth but 403 ThrottleExceeded as rate_limited", () => {
    const denied = qboFaults.authorizationFailed();
    expect(classifyError({ status: 403, headers: {}, body: JSON.stringify(denied.body) }).errorClass).toBe("auth");
    expect(classifyError({ status: 403, headers: {}, body: qboFaults.throttled403().text! }).errorClass).toBe("rate_limited");
  });

  it("honours Retry-After on a 429", () => {
    const res = qboFaults.throttled429(7);
    const err = classifyError({ status: 429, headers: res.headers!, body: res.text! });
    expect(err).toMatchObject({ errorClass: "rate_limited", retryAfterMs: 7_000 });
  });

  it("treats 5xx as transient whatever the body", () => {
    expect(classifyError({ status: 503, headers: {}, body: "<html><body>Service Unavailable</body></html>" }).errorClass).toBe("transient");
    const sys = qboFaults.serverError(500);
    expect(classifyError({ status: 500, headers: {}, body: JSON.stringify(sys.body) }).errorClass).toBe("transient");
  });

  it("keeps Intuit's transaction id for support", () => {
    const err = classifyError({ status: 400, headers: { intuit_tid: "1-abc" }, body: JSON.stringify(qboFaults.staleObject().body) });
    expect(err.upstream?.requestId).toBe("1-abc");
  });

  it("classifies a body that is not a QBO fault as permanent", () => {
    expect(classifyError({ status: 404, headers: {}, body: "Not Found" }).errorClass).toBe("permanent");
  });

  it("throws when a 2xx answer carries a Fault", () => {
    const text = JSON.stringify(qboFaults.staleObject().body);
    expect(() => throwOnFaultIn2xx({ status: 200, headers: {}, text })).toThrowError(/Stale Object/);
    expect(() => throwOnFaultIn2xx({ status: 200, headers: {}, text: JSON.stringify({ SalesReceipt: { Id: "1", PrivateNote: "no fault here" } }) })).not.toThrow();
  });
});
