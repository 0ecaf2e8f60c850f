import { ClassifiedError, type ClassifiedErrorInit, type UpstreamSummary } from "../../pipeline/errors";
import { retryAfterMs, tryJson } from "../sdk/http-client";
import { looksLikeXml, readIntuitXml } from "./xml-reader";

/** One error of a QBO Fault, whichever spelling it arrived in. */
export interface QboFaultError {
  /** Normalised without leading zeros: "003001" and "3001" are the same code. */
  code?: string;
  message: string;
  detail: string;
  element?: string;
}

export interface QboFault {
  type?: string;
  errors: QboFaultError[];
}

/**
 * Reads a QBO Fault from any body QBO sends: JSON `Fault.Error[]` (documented), JSON
 * `fault.error[]` with lowercase keys (returned intermittently since 2024, quickbooks-ruby
 * PR #612), XML `<Fault><Error code>` (throttling answers XML even when JSON was asked), and a
 * bare `Error[]` array (what logs and some SDKs keep of a fault).
 */
export function parseFault(body: string): QboFault | undefined {
  if (!body) return undefined;
  let doc: unknown = tryJson(body);
  if (doc === undefined && looksLikeXml(body)) {
    try {
      doc = readIntuitXml(body);
    } catch {
      return undefined;
    }
  }
  if (Array.isArray(doc)) return errorsOf(doc) ? { errors: errorsOf(doc)! } : undefined;
  if (!doc || typeof doc !== "object") return undefined;
  const fault = pick(doc, "Fault");
  if (!fault || typeof fault !== "object") return undefined;
  const errors = errorsOf(pick(fault, "Error"));
  if (!errors) return undefined;
  const type = pick(fault, "type");
  return { type: typeof type === "string" ? type : undefined, errors };
}

function errorsOf(raw: unknown): QboFaultError[] | undefined {
  const list = Array.isArray(raw) ? raw : raw && typeof raw === "object" ? [raw] : [];
  const errors = list
    .filter((e): e is Record<string, unknown> => !!e && typeof e === "object")
    .map((e) => {
      const code = pick(e, "code");
      const element = pick(e, "element");
      return {
        code: code === undefined || code === null ? undefined : String(code).replace(/^0+(?=\d)/, ""),
        message: String(pick(e, "Message") ?? ""),
        detail: String(pick(e, "Detail") ?? ""),
        element: typeof element === "string" && element ? element : undefined,
      };
    })
    .filter((e) => e.code !== undefined || e.message || e.detail);
  return errors.length ? errors : undefined;
}

/** Case-insensitive key lookup: QBO has answered both `Fault.Error.Message` and `fault.error.message`. */
function pick(obj: unknown, key: string): any {
  if (!obj || typeof obj !== "object") return undefined;
  const record = obj as Record<string, unknown>;
  if (key in record) return record[key];
  const lower = key.toLowerCase();
  const found = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return found === undefined ? undefined : record[found];
}

const DEFAULT_THROTTLE_WAIT_MS = 60_000;
const BODY_LIMIT = 2_000;

/**
 * Maps any QuickBooks error response to the shared taxonomy. Pure; every body in
 * ../shared/fixtures/quickbooks/errors is classified in tests/errors.test.ts.
 */
export function classifyError(res: { status: number; headers: Record<string, string>; body: string }): ClassifiedError {
  const fault = parseFault(res.body);
  const first = fault?.errors[0];
  const code = first?.code;
  const text = fault ? fault.errors.map((e) => `${e.message} ${e.detail}`).join(" ") : res.body.slice(0, 500);
  const upstream: UpstreamSummary = {
    status: res.status,
    code,
    requestId: res.headers["intuit_tid"] ?? res.headers["intuit-tid"],
    body: res.body.length > BODY_LIMIT ? `${res.body.slice(0, BODY_LIMIT)}…` : res.body,
  };
  const message = first
    ? `QuickBooks ${res.status}${code ? ` ${code}` : ""}: ${first.message}${first.detail && first.detail !== first.message ? ` (${first.detail})` : ""}`
    : `QuickBooks ${res.status}: ${res.body.slice(0, 200) || "empty body"}`;
  const make = (init: Omit<ClassifiedErrorInit, "message" | "upstream" | "code"> & { message?: string }) =>
    new ClassifiedError({ message, code, upstream, ...init });

  // QBO throttles with 429, and has also sent the same ThrottleExceeded fault (code 3001) as a 403.
  if (res.status === 429 || code === "3001" || /ThrottleExceeded/i.test(text)) {
    return make({ errorClass: "rate_limited", retryAfterMs: retryAfterMs(res.headers) ?? DEFAULT_THROTTLE_WAIT_MS });
  }
  if (res.status === 401 || code === "3200" || /AuthenticationFailed/i.test(text) || /^AUTHENTICATION/i.test(fault?.type ?? "")) {
    return make({ errorClass: "auth" });
  }
  // 003100 ApplicationAuthorizationFailed: the app lost its grant to this realm (or the wrong realm).
  if (code === "3100" || /AuthorizationFailed/i.test(text) || (res.status === 403 && !fault)) {
    return make({ errorClass: "auth" });
  }
  if (res.status >= 500) return make({ errorClass: "transient" });

  switch (code) {
    case "5010":
      return make({ errorClass: "conflict", reason: "stale SyncToken: the object changed in QuickBooks since it was read" });
    case "6140":
      // "DocNumber=1042 is assigned to TxnType=Sales Receipt with TxnId=130"
      return make({ errorClass: "duplicate", existingId: /TxnId=(\d+)/.exec(text)?.[1] });
    case "6240":
      return make({ errorClass: "duplicate", existingId: /\bId=(\d+)/.exec(text)?.[1] });
    case "610":
      // The detail names a referenced record (account, item, customer...) that was made inactive
      // or deleted: a person can reactivate it in QuickBooks and replay, so this parks as
      // validation with the reason rather than as an opaque permanent failure.
      return make({ errorClass: "validation", field: first?.element ?? "reference", reason: first?.detail || first?.message });
    case "2500":
      return make({ errorClass: "validation", field: first?.element ?? referencedField(text), reason: first?.detail || first?.message });
    case "6000":
      return make({ errorClass: "validation", field: first?.element, reason: first?.detail || first?.message });
    case "4000":
    case "4001":
      return make({ errorClass: "permanent", reason: "the query was rejected; fix the query, retrying cannot help" });
    case "10000":
      // SystemFault: a path QBO does not know is our bug (permanent); any other is its outage.
      return make({ errorClass: /could not find resource/i.test(text) ? "permanent" : "transient" });
  }
  if (/QueryValidationError|QueryParserError/i.test(text)) return make({ errorClass: "permanent" });
  if (res.status === 408) return make({ errorClass: "transient" });
  if (res.status === 409) return make({ errorClass: "conflict" });
  if (/ValidationFault/i.test(fault?.type ?? "") || (code && /^6\d{3}$/.test(code))) {
    return make({ errorClass: "validation", field: first?.element, reason: first?.detail || first?.message });
  }
  return make({ errorClass: "permanent" });
}

function referencedField(text: string): string {
  const m = /Check the fields with ([^.]+)/i.exec(text);
  return m ? `reference (${m[1]!.trim()})` : "reference";
}

/** Throws when a 2xx answer still carries a Fault (QBO does this for some batch and query errors). */
export function throwOnFaultIn2xx(res: { status: number; headers: Record<string, string>; text: string }): void {
  if (!/"fault"\s*:|<Fault[\s>]/i.test(res.text)) return;
  const fault = parseFault(res.text);
  if (fault) throw classifyError({ status: res.status, headers: res.headers, body: res.text });
}
