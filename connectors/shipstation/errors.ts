import { ClassifiedError, type UpstreamSummary } from "../../pipeline/errors";
import { retryAfterMs, tryJson } from "../sdk/http-client";
import { SsModelStateError, V2ErrorBody } from "./api-schemas";

/**
 * Maps every ShipStation error response (v1 and v2) onto the shared taxonomy.
 *
 * - 400 {"Message":"The request is invalid.","ModelState":{key:[messages]}} → validation. The field
 *   is the ModelState key without the ASP.NET action-parameter prefix ("apiOrder.", "apiOrders."),
 *   because that prefix names the server's parameter, not a field of our payload: "apiOrder.shipTo"
 *   → "shipTo". A bare "apiOrder" (the body itself had the wrong shape) stays as it is. The raw key
 *   is kept in `reason`. Fixtures: ../shared/fixtures/shipstation/errors/.
 * - 401 → auth; 403 → permanent (a plan or add-on without access, e.g. v2 inventory: new
 *   credentials would not help).
 * - 429 → rate_limited, waiting X-Rate-Limit-Reset seconds (v1 sends the seconds left in the
 *   40-per-minute window), else Retry-After (v2), else a whole window.
 * - 404 and other 4xx → permanent; 5xx → transient.
 */
export function classifyShipStationError(res: { status: number; headers: Record<string, string>; body: string }): ClassifiedError {
  const headers = lowerKeys(res.headers);
  const upstream = summarize(res.status, headers, res.body);
  const json = tryJson(res.body);

  if (res.status === 429) {
    return new ClassifiedError({
      errorClass: "rate_limited",
      message: `ShipStation rate limit reached (${headers["x-rate-limit-limit"] ?? "?"} requests per minute)`,
      retryAfterMs: rateLimitWaitMs(headers),
      code: "429",
      upstream,
    });
  }
  if (res.status === 401) {
    return new ClassifiedError({ errorClass: "auth", message: "ShipStation rejected the API credentials (401)", code: "401", upstream });
  }
  if (res.status >= 500) {
    return new ClassifiedError({ errorClass: "transient", message: `ShipStation server error ${res.status}`, code: String(res.status), upstream });
  }

  const modelState = SsModelStateError.safeParse(json);
  if (res.status === 400 && modelState.success && modelState.data.ModelState && Object.keys(modelState.data.ModelState).length > 0) {
    const [rawKey, messages] = Object.entries(modelState.data.ModelState)[0]!;
    const first = (messages[0] ?? modelState.data.Message ?? "invalid").split(/\r?\n/)[0]!.trim();
    const field = fieldOfModelStateKey(rawKey);
    return new ClassifiedError({
      errorClass: "validation",
      message: `ShipStation rejected ${field}: ${first}`,
      field,
      reason: `${rawKey}: ${first}`,
      code: "ModelState",
      upstream,
    });
  }

  const v2 = V2ErrorBody.safeParse(json);
  if (v2.success && v2.data.errors.length > 0) {
    const e = v2.data.errors[0]!;
    return new ClassifiedError({
      errorClass: res.status === 400 ? "validation" : "permanent",
      message: `ShipStation v2 ${res.status}: ${e.message ?? e.error_code ?? "error"}`,
      field: e.field_name,
      reason: e.message,
      code: e.error_code,
      upstream: { ...upstream, requestId: v2.data.request_id },
    });
  }

  const message = modelState.success ? modelState.data.ExceptionMessage ?? modelState.data.Message : undefined;
  if (res.status === 400) {
    return new ClassifiedError({ errorClass: "validation", message: `ShipStation rejected the request: ${message ?? "bad request"}`, reason: message, code: "400", upstream });
  }
  if (res.status === 404) {
    return new ClassifiedError({ errorClass: "permanent", message: `ShipStation: not found${message ? `: ${message}` : ""}`, code: "404", upstream });
  }
  return new ClassifiedError({ errorClass: "permanent", message: `ShipStation ${res.status}${message ? `: ${message}` : ""}`, code: String(res.status), upstream });
}

/** "apiOrder.shipTo.postalCode" → "shipTo.postalCode"; "apiOrders[0].items" → "items". */
export function fieldOfModelStateKey(key: string): string {
  const stripped = key.replace(/^api[A-Z]\w*(\[\d+\])?\./, "");
  return stripped.length > 0 ? stripped : key;
}

/** How long a 429 asks us to wait. */
export function rateLimitWaitMs(headers: Record<string, string>): number {
  const h = lowerKeys(headers);
  const reset = h["x-rate-limit-reset"];
  if (reset && /^\d+(\.\d+)?$/.test(reset.trim())) return Math.max(1000, Math.ceil(Number(reset) * 1000));
  return retryAfterMs(h) ?? 60_000;
}

const KEPT_HEADERS = ["x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", "retry-after", "x-shipstation-requestid", "x-request-id"];

function summarize(status: number, headers: Record<string, string>, body: string): UpstreamSummary {
  const kept: Record<string, string> = {};
  for (const k of KEPT_HEADERS) if (headers[k] !== undefined) kept[k] = headers[k]!;
  // Error bodies echo our payload at most (addresses, SKUs), never credentials; keep them short.
  return { status, body: body.length > 4000 ? `${body.slice(0, 4000)}…` : body, headers: kept, requestId: headers["x-shipstation-requestid"] ?? headers["x-request-id"] };
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
