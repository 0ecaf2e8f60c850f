import { ClassifiedError, type UpstreamSummary } from "../../pipeline/errors";
import { retryAfterMs, tryJson } from "../sdk/http-client";

/**
 * Shopify error classifier: every upstream error (REST status + body, or a GraphQL 200 carrying
 * errors[] / userErrors) becomes one ClassifiedError. Pure; tested against every file in
 * ../shared/fixtures/shopify/errors/.
 *
 * GraphQL reports most failures inside HTTP 200 (https://shopify.dev/docs/api/admin-graphql,
 * "200 error responses"), so the client runs classifyGraphqlPayload on every 200 as well.
 */
export function classifyError(res: { status: number; headers: Record<string, string>; body: string }): ClassifiedError {
  const headers = lowerCaseKeys(res.headers);
  const body = tryJson(res.body);
  const upstream = summarise(res.status, headers, res.body);

  const fromGraphql = body && typeof body === "object" ? classifyGraphqlPayload(body, upstream) : undefined;
  if (fromGraphql) return fromGraphql;

  const message = restMessage(body) ?? (res.body.slice(0, 300) || `HTTP ${res.status}`);
  const s = res.status;
  if (s === 429) {
    return new ClassifiedError({ errorClass: "rate_limited", message: `Shopify rate limit: ${message}`, retryAfterMs: restRetryAfterMs(headers), code: "429", upstream });
  }
  if (s === 401) return new ClassifiedError({ errorClass: "auth", message: `Shopify rejected the access token: ${message}`, code: "401", upstream });
  if (s === 403) return new ClassifiedError({ errorClass: "auth", message: `Shopify denied access (missing scope or app uninstalled): ${message}`, code: "403", upstream });
  // 402 Payment Required (shop frozen) and 423 Locked: no retry will help until the merchant acts,
  // which is what stopping the connector and alerting its owner is for.
  if (s === 402 || s === 423) return new ClassifiedError({ errorClass: "auth", message: `Shop unavailable (${s}): ${message}`, code: String(s), upstream });
  if (s === 409) return new ClassifiedError({ errorClass: "conflict", message: `Shopify conflict: ${message}`, code: "409", upstream });
  if (s === 422) {
    const { field, reason } = restValidationField(body);
    return new ClassifiedError({ errorClass: "validation", message: `Shopify rejected the record: ${field ? `${field}: ` : ""}${reason ?? message}`, field, reason: reason ?? message, code: "422", upstream });
  }
  if (s >= 500 || s === 408) return new ClassifiedError({ errorClass: "transient", message: `Shopify ${s}: ${message}`, code: String(s), upstream });
  if (s >= 200 && s < 300) return new ClassifiedError({ errorClass: "permanent", message: `Shopify answered ${s} without a recognisable result`, upstream });
  return new ClassifiedError({ errorClass: "permanent", message: `Shopify ${s}: ${message}`, code: String(s), upstream });
}

/**
 * Looks for errors inside a GraphQL response body: top-level errors[] first (they abort the
 * whole operation), then userErrors of any root mutation field. Undefined when the body is clean.
 */
export function classifyGraphqlPayload(body: any, upstream?: UpstreamSummary): ClassifiedError | undefined {
  const errors: any[] = Array.isArray(body?.errors) ? body.errors : [];
  if (errors.length > 0) return classifyGraphqlErrors(errors, body, upstream);
  const data = body?.data;
  if (data && typeof data === "object") {
    for (const [root, value] of Object.entries<any>(data)) {
      const userErrors: any[] = Array.isArray(value?.userErrors) ? value.userErrors : [];
      if (userErrors.length === 0) continue;
      const first = userErrors[0];
      const field = Array.isArray(first.field) && first.field.length > 0 ? first.field.join(".") : undefined;
      const reason = userErrors.map((u) => (Array.isArray(u.field) && u.field.length ? `${u.field.join(".")}: ${u.message}` : u.message)).join("; ");
      const code = typeof first.code === "string" ? first.code : undefined;
      // Compare-and-set failures mean someone changed the record since we read it.
      const stale = code !== undefined && /STALE|COMPARE_QUANTITY|CHANGE_FROM_QUANTITY/.test(code);
      return new ClassifiedError({
        errorClass: stale ? "conflict" : "validation",
        message: `Shopify ${root} rejected the input: ${reason}`,
        field,
        reason: first.message,
        code: code ?? "USER_ERROR",
        upstream,
      });
    }
  }
  return undefined;
}

function classifyGraphqlErrors(errors: any[], body: any, upstream?: UpstreamSummary): ClassifiedError {
  const first = errors[0] ?? {};
  const code: string | undefined = first.extensions?.code ?? (/throttled/i.test(first.message ?? "") ? "THROTTLED" : undefined);
  const message = errors.map((e) => e.message).filter(Boolean).join("; ").slice(0, 500) || "GraphQL error";
  const requestId = first.extensions?.requestId;
  const up = requestId && upstream ? { ...upstream, requestId } : upstream;
  switch (code) {
    case "THROTTLED":
      return new ClassifiedError({ errorClass: "rate_limited", message: `Shopify GraphQL throttled: ${message}`, retryAfterMs: throttledRetryAfterMs(body?.extensions?.cost), code, upstream: up });
    case "MAX_COST_EXCEEDED":
      return new ClassifiedError({ errorClass: "permanent", message: `Query too costly for Shopify (never retryable): ${message}`, code, upstream: up });
    case "INTERNAL_SERVER_ERROR":
      return new ClassifiedError({ errorClass: "transient", message: `Shopify internal error: ${message}`, code, upstream: up });
    case "ACCESS_DENIED":
      return new ClassifiedError({ errorClass: "auth", message: `Shopify access denied: ${first.extensions?.requiredAccess ?? message}`, code, upstream: up });
    case "SHOP_INACTIVE":
      return new ClassifiedError({ errorClass: "auth", message: `Shop inactive: ${message}`, code, upstream: up });
    default:
      // Idempotency errors of @idempotent mutations: a concurrent request with the same key is
      // still running (retry later); the same key with different variables is a bug (park).
      if (code && /IDEMPOTENCY/.test(code) && /CONCURRENT/.test(code)) return new ClassifiedError({ errorClass: "transient", message, code, upstream: up });
      return new ClassifiedError({ errorClass: "permanent", message: `Shopify GraphQL error: ${message}`, code: code ?? "GRAPHQL_ERROR", upstream: up });
  }
}

/**
 * How long until the bucket holds the points the query asked for:
 * ceil((requestedQueryCost - currentlyAvailable) / restoreRate) seconds.
 * https://shopify.dev/docs/api/usage/limits#rate-limits
 */
export function throttledRetryAfterMs(cost: any): number {
  const requested = Number(cost?.requestedQueryCost);
  const available = Number(cost?.throttleStatus?.currentlyAvailable);
  const rate = Number(cost?.throttleStatus?.restoreRate);
  if (!Number.isFinite(requested) || !Number.isFinite(available) || !(rate > 0)) return 1000;
  return Math.max(1, Math.ceil((requested - available) / rate)) * 1000;
}

/**
 * REST 429: Retry-After when sent; otherwise the leaky bucket (leak 2 calls/s on standard plans)
 * read from X-Shopify-Shop-Api-Call-Limit ("40/40"); otherwise one second.
 */
export function restRetryAfterMs(headers: Record<string, string>): number {
  const fromHeader = retryAfterMs(headers);
  if (fromHeader !== undefined) return fromHeader;
  const m = /^(\d+)\/(\d+)$/.exec((headers["x-shopify-shop-api-call-limit"] ?? "").trim());
  if (m) {
    const over = Number(m[1]) - Number(m[2]) + 1;
    return Math.max(500, Math.ceil((over / 2) * 1000));
  }
  return 1000;
}

function restMessage(body: any): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  const e = body.errors ?? body.error;
  if (typeof e === "string") return e;
  if (Array.isArray(e)) return e.map(String).join("; ");
  if (e && typeof e === "object") return Object.entries(e).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`).join("; ");
  return undefined;
}

/** REST 422 bodies are keyed by the resource or attribute: {"errors":{"order":["money field cannot be nil"]}}. */
function restValidationField(body: any): { field?: string; reason?: string } {
  const e = body?.errors;
  if (e && typeof e === "object" && !Array.isArray(e)) {
    const [field, v] = Object.entries(e)[0] ?? [];
    if (field) return { field, reason: Array.isArray(v) ? v.join(", ") : String(v) };
  }
  return { reason: restMessage(body) };
}

function summarise(status: number, headers: Record<string, string>, body: string): UpstreamSummary {
  const keep: Record<string, string> = {};
  for (const h of ["x-request-id", "retry-after", "x-shopify-shop-api-call-limit", "x-shopid"]) if (headers[h]) keep[h] = headers[h]!;
  return { status, requestId: headers["x-request-id"], body: body.slice(0, 2000), headers: keep };
}

function lowerCaseKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = v;
  return out;
}
