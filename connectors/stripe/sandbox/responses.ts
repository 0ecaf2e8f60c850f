import type { FaultResponses, SandboxResponse } from "../../sdk/sandbox-kit";

/**
 * Stripe's own error bodies, as the real API sends them (https://docs.stripe.com/error-codes and
 * ../shared/fixtures/stripe/errors), so that the client and classifier meet them here first.
 */

export function stripeError(status: number, error: Record<string, unknown>, headers: Record<string, string> = {}): SandboxResponse {
  return { status, headers, body: { error } };
}

/** Stripe masks all but the prefix and the last four characters of a key it quotes back. */
export function maskKey(key: string): string {
  const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? "";
  return `${prefix}${"*".repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
}

export function missingApiKey(): SandboxResponse {
  return stripeError(401, {
    message:
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    type: "invalid_request_error",
  });
}

export function invalidApiKey(key: string): SandboxResponse {
  return stripeError(401, { message: `Invalid API Key provided: ${maskKey(key)}`, type: "invalid_request_error" });
}

/** Real 429 body for exceeding the request budget: type invalid_request_error, code rate_limit. */
export function rateLimited(): SandboxResponse {
  return stripeError(429, {
    code: "rate_limit",
    doc_url: "https://stripe.com/docs/error-codes/rate-limit",
    message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
    type: "invalid_request_error",
  });
}

/** The fixture lock_timeout.429.json body; Stripe marks it retryable with Stripe-Should-Retry. */
export function lockTimeout(requestId: string): SandboxResponse {
  return stripeError(
    429,
    {
      code: "lock_timeout",
      doc_url: "https://stripe.com/docs/error-codes/lock-timeout",
      message:
        "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. If you see this error frequently and are making multiple concurrent requests to a single object, make your requests serially or at a lower rate.",
      request_log_url: `https://dashboard.stripe.com/logs/${requestId}`,
      type: "invalid_request_error",
    },
    { "stripe-should-retry": "true" },
  );
}

export function apiError(status: number): SandboxResponse {
  return stripeError(status, { message: "An unknown error occurred", type: "api_error" });
}

/** The fixture idempotency_error.400.json body, with the key that was reused. */
export function idempotencyMismatch(key: string): SandboxResponse {
  return stripeError(400, {
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    type: "idempotency_error",
  });
}

export function invalidRequest(status: number, message: string, extra: { param?: string; code?: string } = {}): SandboxResponse {
  return stripeError(status, {
    ...(extra.code ? { code: extra.code, doc_url: `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, "-")}` } : {}),
    message,
    ...(extra.param ? { param: extra.param } : {}),
    type: "invalid_request_error",
  });
}

export function noSuchObject(kind: string, id: string): SandboxResponse {
  return invalidRequest(404, `No such ${kind}: '${id}'`, { param: "id", code: "resource_missing" });
}

export function stripeFaultResponses(currentKey: () => string): FaultResponses {
  return {
    rateLimited: () => rateLimited(),
    serverError: (status) => apiError(status),
    expiredToken: () =>
      stripeError(401, {
        code: "api_key_expired",
        doc_url: "https://stripe.com/docs/error-codes/api-key-expired",
        message: `Expired API Key provided: ${maskKey(currentKey())}`,
        type: "invalid_request_error",
      }),
  };
}
