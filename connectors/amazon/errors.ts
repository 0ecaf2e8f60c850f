import { ClassifiedError, type UpstreamSummary } from "../../pipeline/errors";
import { tryJson } from "../sdk/http-client";

/**
 * SP-API error classification. SP-API answers `{ errors: [{ code, message, details }] }`; Login
 * with Amazon answers `{ error, error_description }`. Fixtures: ../shared/fixtures/amazon/errors.
 */

export interface AmazonErrorContext {
  /** The SP-API operation that failed (getOrders, confirmShipment...). */
  operation?: string;
  /** The request parameters the caller supplied, for InvalidInput answers that name none. */
  parameters?: string[];
  /** The operation's current rate (requests per second), to size the wait after a 429. */
  ratePerSecond?: number;
}

/** Parameter names SP-API messages mention without quoting them. */
const KNOWN_PARAMETERS = [
  "CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore", "MarketplaceIds", "MaxResultsPerPage", "NextToken",
  "OrderStatuses", "FulfillmentChannels", "AmazonOrderIds", "marketplaceId", "packageReferenceId", "carrierCode", "carrierName",
  "trackingNumber", "shipDate", "orderItemId", "reportTypes", "reportType", "processingStatuses", "dataStartTime", "dataEndTime",
  "createdSince", "createdUntil", "pageSize", "nextToken", "granularityType", "granularityId", "marketplaceIds", "sellerSkus", "startDateTime",
];

/** What "body" means for operations whose only caller-supplied content is the request body. */
const BODY_FIELD: Record<string, string> = { confirmShipment: "packageDetail", createReport: "reportSpecification" };

export const TOKEN_REJECTED = /access token.*(revoked|malformed|invalid|expired)|token.*expired|expired token/i;

/** Waiting this long after a 429 lets the operation's bucket refill one token (never under 1 s). */
export function quotaWaitMs(ratePerSecond: number | undefined): number {
  if (!ratePerSecond || !Number.isFinite(ratePerSecond) || ratePerSecond <= 0) return 1000;
  return Math.max(1000, Math.ceil(1000 / ratePerSecond));
}

export function classifyAmazonError(
  res: { status: number; headers: Record<string, string>; body: string },
  ctx: AmazonErrorContext = {},
): ClassifiedError {
  const headers = lower(res.headers);
  const json = tryJson(res.body);
  const errors: { code?: string; message?: string; details?: string }[] = Array.isArray(json?.errors) ? json.errors : [];
  const first = errors[0] ?? {};
  const code = normaliseCode(first.code ?? (typeof json?.error === "string" ? json.error : undefined));
  const messages = errors.map((e) => [e.message, e.details].filter(Boolean).join(": ")).filter(Boolean);
  const text = messages.join("; ") || (typeof json?.error_description === "string" ? json.error_description : "") || res.body.slice(0, 200);
  const upstream = summarise(res.status, headers, res.body, code);
  const op = ctx.operation ? `${ctx.operation}: ` : "";
  const make = (init: Omit<ConstructorParameters<typeof ClassifiedError>[0], "upstream" | "code">) =>
    new ClassifiedError({ ...init, code, upstream });

  if (res.status === 429 || code === "QuotaExceeded" || code === "TooManyRequests") {
    const headerRate = Number(headers["x-amzn-ratelimit-limit"]);
    const explicit = retryAfterHeaderMs(headers);
    return make({
      errorClass: "rate_limited",
      message: `${op}SP-API quota exceeded: ${text}`,
      retryAfterMs: explicit ?? quotaWaitMs(ctx.ratePerSecond ?? (headerRate > 0 ? headerRate : undefined)),
    });
  }

  // Login with Amazon (token endpoint) errors: the refresh token or the app's client credentials.
  if (typeof json?.error === "string" && !errors.length) {
    if (res.status >= 500) return make({ errorClass: "transient", message: `Login with Amazon ${res.status}: ${text}` });
    return make({
      errorClass: "auth",
      message: `Login with Amazon refused the token request (${json.error}): ${text}`,
      reason:
        json.error === "invalid_client"
          ? "the LWA client id or client secret is wrong (rotated in Seller Central Developer Central?)"
          : json.error === "invalid_grant"
            ? "the refresh token is invalid or the seller revoked the app's authorization: re-authorize the app"
            : "Login with Amazon rejected the credentials",
    });
  }

  if (res.status === 401 || res.status === 403) {
    if (code === "MissingAuthenticationToken") {
      return make({
        errorClass: "auth",
        message: `${op}SP-API denied access (MissingAuthenticationToken): ${text}`,
        reason:
          "the request reached no SP-API operation: check the regional endpoint (sellingpartnerapi-na / -eu / -fe) matches the seller's region and the path is right, or the request was sent without x-amz-access-token",
      });
    }
    const tokenRejected = errors.some((e) => TOKEN_REJECTED.test(`${e.message ?? ""} ${e.details ?? ""}`));
    return make({
      errorClass: "auth",
      message: `${op}SP-API denied access (${code ?? res.status}): ${text}`,
      reason: tokenRejected
        ? "the access token was revoked, malformed or invalid: a fresh LWA token is fetched once; if it persists the seller revoked the app's authorization"
        : "the app lacks the role for this operation or the seller has not granted it: check the app's roles in Developer Central and re-authorize",
    });
  }

  if (res.status >= 500) {
    return make({ errorClass: "transient", message: `${op}SP-API ${res.status} ${code ?? ""}: ${text}`.replace(/\s+:/, ":") });
  }

  if (res.status === 409) return make({ errorClass: "conflict", message: `${op}SP-API conflict: ${text}` });

  if (res.status === 400 || res.status === 422) {
    const fields = unique(errors.map((e) => fieldOf(`${e.message ?? ""} ${e.details ?? ""}`)).filter((f): f is string => !!f));
    const field = fields.length ? fields.join(", ") : fieldFromContext(ctx);
    return make({
      errorClass: "validation",
      message: `${op}SP-API rejected the request (${code ?? res.status}): ${text}`,
      field,
      reason: messages.length ? messages.join("; ") : text,
    });
  }

  if (res.status === 404) return make({ errorClass: "permanent", message: `${op}SP-API resource not found: ${text}` });
  return make({ errorClass: "permanent", message: `${op}SP-API ${res.status}: ${text}` });
}

/** Reads the parameter a message names: `status`, "Missing request parameter: X", "from Y value: X". */
export function fieldOf(message: string): string | undefined {
  const nested = /Missing required parameter\(s\) from (\w+) value: (\w+)/i.exec(message);
  if (nested) return `${nested[1]}.${nested[2]}`;
  const missing = /Missing (?:required |request )?parameter:?\s*(\w+)/i.exec(message);
  if (missing) return missing[1];
  const quoted = /`([^`]+)`/.exec(message);
  if (quoted) return quoted[1];
  const known = KNOWN_PARAMETERS.find((p) => new RegExp(`\\b${p}\\b`).test(message));
  return known;
}

function fieldFromContext(ctx: AmazonErrorContext): string | undefined {
  if (ctx.parameters?.length !== 1) return undefined;
  const p = ctx.parameters[0]!;
  return p === "body" ? (ctx.operation && BODY_FIELD[ctx.operation]) || "body" : p;
}

/** The sandbox of confirmShipment answers code "Invalid Input" (with a space): same code. */
function normaliseCode(code: string | undefined): string | undefined {
  return code?.replace(/\s+/g, "") || undefined;
}

function retryAfterHeaderMs(headers: Record<string, string>): number | undefined {
  const v = headers["retry-after"];
  if (!v || !/^\d+(\.\d+)?$/.test(v.trim())) return undefined;
  return Math.max(1000, Math.ceil(Number(v) * 1000));
}

function summarise(status: number, headers: Record<string, string>, body: string, code: string | undefined): UpstreamSummary {
  const kept: Record<string, string> = {};
  for (const k of ["x-amzn-requestid", "x-amzn-ratelimit-limit", "x-amz-rid", "retry-after"]) if (headers[k]) kept[k] = headers[k];
  return { status, code, requestId: headers["x-amzn-requestid"], body: body.slice(0, 2048), headers: kept };
}

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
