import { ClassifiedError, classifyUnknownError, type ErrorClass, type UpstreamSummary } from "../../pipeline/errors";
import { retryAfterMs, tryJson } from "../sdk/http-client";
import { StripeErrorBody } from "./api-schemas";

/**
 * Stripe error bodies → the shared taxonomy. One classifier serves raw HTTP answers and the
 * official SDK's StripeError (see classifyStripeSdkError), so both paths decide alike.
 * Fixtures: ../shared/fixtures/stripe/errors. Reference: https://docs.stripe.com/error-handling,
 * https://docs.stripe.com/error-codes, https://docs.stripe.com/rate-limits.
 */

const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
const SAFE_HEADERS = ["request-id", "idempotency-key", "idempotent-replayed", "stripe-version", "stripe-should-retry", "retry-after"];

export function classifyStripeError(res: { status: number; headers: Record<string, string>; body: string }): ClassifiedError {
  const headers = lowerKeys(res.headers);
  const parsed = StripeErrorBody.safeParse(tryJson(res.body));
  const err = parsed.success ? parsed.data.error : undefined;
  const upstream: UpstreamSummary = {
    status: res.status,
    code: err?.code ?? err?.type ?? undefined,
    requestId: headers["request-id"],
    body: res.body.length > 4_000 ? `${res.body.slice(0, 4_000)}…` : res.body,
    headers: Object.fromEntries(SAFE_HEADERS.filter((h) => headers[h] !== undefined).map((h) => [h, headers[h]!])),
  };
  const message = err?.message ?? `Stripe answered HTTP ${res.status}`;
  const base = decide(res.status, err, headers);
  const decided = honourShouldRetry(base, headers["stripe-should-retry"]);
  return new ClassifiedError({
    ...decided,
    message: `stripe: ${decided.note ? `${decided.note}: ` : ""}${message}`,
    code: err?.code ?? err?.type ?? undefined,
    upstream,
  });
}

interface Decision {
  errorClass: ErrorClass;
  note?: string;
  field?: string;
  reason?: string;
  retryAfterMs?: number;
}

function decide(status: number, err: StripeErrorBody["error"] | undefined, headers: Record<string, string>): Decision {
  const type = err?.type;
  const code = err?.code ?? undefined;

  // lock_timeout arrives as 429 invalid_request_error but is contention on one object, not a
  // request budget: retry with backoff (fixture lock_timeout.429.json, stripe-node#2056).
  if (code === "lock_timeout") return { errorClass: "transient", note: "object locked by another request (lock_timeout)" };
  if (code === "rate_limit" || type === "rate_limit_error" || status === 429) {
    return { errorClass: "rate_limited", note: "rate limited", retryAfterMs: retryAfterMs(headers) ?? DEFAULT_RATE_LIMIT_WAIT_MS };
  }
  if (status === 401 || type === "authentication_error") return { errorClass: "auth", note: "API key rejected" };
  // A restricted key (rk_) without the permission: retrying cannot help, the owner must fix the key.
  if (status === 403 || type === "permission_error") return { errorClass: "auth", note: "API key lacks permission" };
  // Two requests with one key at once: the first is still running, so a later retry succeeds.
  if (code === "idempotency_key_in_use") return { errorClass: "transient", note: "idempotency key in use by a concurrent request" };
  if (type === "idempotency_error") {
    return {
      errorClass: "permanent",
      note: "idempotency key reused with different parameters",
      reason: "the same Idempotency-Key was first used with other parameters; Stripe will never accept this request under that key",
    };
  }
  if (type === "card_error" || status === 402) {
    return { errorClass: "validation", note: "card declined", field: "card", reason: err?.decline_code ?? code ?? "card_error" };
  }
  if (status >= 500 || type === "api_error") return { errorClass: "transient", note: "Stripe server error" };
  if (status === 409) return { errorClass: "transient", note: "conflicting concurrent request" };
  if (code === "charge_already_refunded") return { errorClass: "validation", field: "charge", reason: code };
  if (type === "invalid_request_error" && err?.param) return { errorClass: "validation", field: err.param, reason: code ?? err.message ?? "invalid" };
  if (code === "resource_missing") return { errorClass: "validation", field: err?.param ?? "id", reason: code };
  return { errorClass: "permanent" };
}

/**
 * Stripe-Should-Retry is Stripe's own verdict and outranks the status code: `false` on a 5xx
 * means the idempotency layer saved that failure, so a retry with the same key replays it.
 * Credentials and rate limits keep their own handling.
 */
function honourShouldRetry(d: Decision, header: string | undefined): Decision {
  if (d.errorClass === "auth" || d.errorClass === "rate_limited") return d;
  if (header === "false" && d.errorClass === "transient") {
    return { errorClass: "permanent", note: `${d.note ?? "error"} (Stripe-Should-Retry: false)` };
  }
  if (header === "true" && d.errorClass !== "transient") {
    return { errorClass: "transient", note: `${d.note ?? "error"} (Stripe-Should-Retry: true)` };
  }
  return d;
}

/** The shape of the official SDK's StripeError we rely on (stripe-node Error.d.ts). */
interface SdkStripeError {
  type?: string;
  statusCode?: number;
  headers?: Record<string, string>;
  raw?: unknown;
  message?: string;
}

/**
 * Maps an error thrown by the official SDK into the taxonomy through classifyStripeError: the
 * SDK keeps the original error object in `raw` (plus headers/statusCode/requestId it added),
 * which is re-serialised as the body Stripe sent.
 */
export function classifyStripeSdkError(e: unknown): ClassifiedError {
  const err = e as SdkStripeError;
  if (err && typeof err === "object" && typeof err.statusCode === "number") {
    const { headers: _h, statusCode: _s, requestId: _r, exception: _x, detail: _d, ...raw } = (err.raw ?? {}) as Record<string, unknown>;
    return classifyStripeError({ status: err.statusCode, headers: err.headers ?? {}, body: JSON.stringify({ error: raw }) });
  }
  if (err?.type === "StripeConnectionError") {
    return new ClassifiedError({ errorClass: "transient", message: `stripe: network: ${err.message ?? "connection failed"}`, code: "connection_error" });
  }
  // No status means the SDK never got a JSON answer (a proxy page, a cut body): worth a retry.
  if (err?.type === "StripeAPIError") {
    return new ClassifiedError({ errorClass: "transient", message: `stripe: unreadable answer: ${err.message ?? ""}`.trim(), code: "api_error" });
  }
  return classifyUnknownError(e);
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
}
