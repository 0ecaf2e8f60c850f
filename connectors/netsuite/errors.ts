import { ClassifiedError, type ErrorClass, type UpstreamSummary } from "../../pipeline/errors";
import { retryAfterMs, tryJson } from "../sdk/http-client";
import { NetSuiteErrorBody } from "./api-schemas";

/**
 * NetSuite REST error bodies → the shared taxonomy. Sources: the fixtures in
 * ../shared/fixtures/netsuite/errors and Oracle's "Error Handling in REST Web Services"
 * (section_156570709583). Concurrency governance has been reported both as 429 and as 400 with
 * CONCURRENCY_LIMIT_EXCEEDED, and RESTlets answer SSS_REQUEST_LIMIT_EXCEEDED: all three wait.
 */

const RATE_LIMIT_CODES = new Set(["CONCURRENCY_LIMIT_EXCEEDED", "SSS_REQUEST_LIMIT_EXCEEDED", "WS_REQUEST_BLOCKED", "REQUEST_LIMIT_EXCEEDED"]);
const AUTH_CODES = new Set(["INVALID_LOGIN", "INVALID_LOGIN_ATTEMPT", "INVALID_LOGIN_CREDENTIALS", "INSUFFICIENT_PERMISSION", "ACCOUNT_DISABLED"]);
const INVALID_VALUE_CODES = new Set(["INVALID_CONTENT", "INVALID_FIELD_VALUE", "INVALID_VALUE", "INVALID_KEY_OR_REF", "INVALID_REFERENCE", "INVALID_FLD_VALUE"]);
/** Without a Retry-After header, how long to let a concurrency slot free up. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
const SAFE_HEADERS = ["location", "retry-after", "content-type", "preference-applied"];

export interface NetSuiteErrorDetailView {
  detail: string;
  code?: string;
  path?: string;
}

/** The `o:errorDetails` of a response body, or [] when the body is not NetSuite's error JSON. */
export function parseErrorDetails(body: string): NetSuiteErrorDetailView[] {
  const parsed = NetSuiteErrorBody.safeParse(tryJson(body));
  if (!parsed.success) return [];
  return parsed.data["o:errorDetails"].map((d) => ({ detail: d.detail, code: d["o:errorCode"], path: d["o:errorPath"] }));
}

export function classifyError(res: { status: number; headers: Record<string, string>; body: string }): ClassifiedError {
  const headers = Object.fromEntries(Object.entries(res.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const details = parseErrorDetails(res.body);
  const first = details[0];
  const codes = new Set(details.map((d) => d.code).filter((c): c is string => !!c));
  const code = first?.code;
  const detailText = details.map((d) => d.detail.replace(/\s+/g, " ").trim()).filter(Boolean).join(" | ");
  const upstream: UpstreamSummary = {
    status: res.status,
    code,
    requestId: headers["x-n-operationid"],
    body: res.body.length > 4000 ? `${res.body.slice(0, 4000)}…` : res.body,
    headers: Object.fromEntries(SAFE_HEADERS.filter((h) => headers[h] !== undefined).map((h) => [h, headers[h]!])),
  };
  const message = `NetSuite ${res.status}${code ? ` ${code}` : ""}: ${detailText || res.body.slice(0, 200) || "no body"}`;
  const make = (errorClass: ErrorClass, extra: { field?: string; reason?: string; retryAfterMs?: number } = {}) =>
    new ClassifiedError({ errorClass, message, code, upstream, ...extra });

  if (res.status === 429 || [...codes].some((c) => RATE_LIMIT_CODES.has(c))) {
    return make("rate_limited", { retryAfterMs: retryAfterMs(headers) ?? DEFAULT_RATE_LIMIT_WAIT_MS });
  }
  if (res.status === 401 || res.status === 403 || [...codes].some((c) => AUTH_CODES.has(c))) {
    return make("auth", { reason: first?.detail || "NetSuite rejected the token-based authentication credentials" });
  }
  if (codes.has("IDEMPOTENCY_ERROR")) return make("duplicate", { reason: "an async request with this idempotency key was already submitted" });
  if (codes.has("RCRD_HAS_BEEN_CHANGED") || /record has been changed/i.test(detailText)) return make("conflict");
  if (codes.has("DUP_RCRD") || codes.has("DUP_ENTITY") || /already exists/i.test(detailText)) return make("duplicate");
  if (res.status >= 500) return make("transient");

  const itemError = details.find((d) => isItemReference(d));
  if (itemError) {
    return make("validation", { field: "item", reason: `NetSuite rejected the item reference${valueOf(itemError) ? ` ${valueOf(itemError)}` : ""}${itemError.path ? ` at ${itemError.path}` : ""}` });
  }
  const required = details.map((d) => /Please enter value\(s\) for:\s*([^.]+)/i.exec(d.detail)?.[1]).find(Boolean);
  if (required) return make("validation", { field: required.trim(), reason: `NetSuite requires a value for ${required.trim()}` });
  if (codes.has("USER_ERROR") || [...codes].some((c) => INVALID_VALUE_CODES.has(c))) {
    const d = details.find((x) => x.code === "USER_ERROR" || INVALID_VALUE_CODES.has(x.code ?? "")) ?? first!;
    return make("validation", { field: fieldOf(d) ?? "record", reason: businessText(d.detail) });
  }
  return make("permanent", { reason: first ? businessText(first.detail) : undefined });
}

/** Oracle's example: INVALID_CONTENT at item.items[0].item, "Invalid Field Value 9999 for the following field: item". */
function isItemReference(d: NetSuiteErrorDetailView): boolean {
  if (d.code === "INVALID_KEY_OR_REF" && (!d.path || /(^|\.)item$/i.test(d.path))) return true;
  if (/invalid item reference key/i.test(d.detail)) return true;
  if (d.path && /(^|\.)items\[\d+\]\.item$/i.test(d.path)) return true;
  return /for the following field:\s*item\b/i.test(d.detail);
}

function valueOf(d: NetSuiteErrorDetailView): string | undefined {
  return /Invalid Field Value\s+(\S+)\s+for/i.exec(d.detail)?.[1] ?? /reference key\s+(\S+?)\.?(\s|$)/i.exec(d.detail)?.[1];
}

/** "item.items[0].item" → "item"; "entity" → "entity"; otherwise the field named in the text. */
function fieldOf(d: NetSuiteErrorDetailView): string | undefined {
  if (d.path) return d.path.split(".").pop()!.replace(/\[\d+\]$/, "");
  return /following field:\s*(\w+)/i.exec(d.detail)?.[1];
}

function businessText(detail: string): string {
  return detail.replace(/^Error while accessing (a )?resource[.:]\s*/i, "").replace(/\s+/g, " ").trim();
}

/** The array index in an `o:errorPath` such as item.items[2].item, to name the offending line. */
export function lineIndexOfItemError(e: ClassifiedError): number | undefined {
  const path = parseErrorDetails(e.upstream?.body ?? "").map((d) => d.path).find((p) => p && /items\[\d+\]/.test(p));
  const m = path ? /items\[(\d+)\]/.exec(path) : null;
  return m ? Number(m[1]) : undefined;
}
