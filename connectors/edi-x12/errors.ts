import { ClassifiedError, type UpstreamSummary } from "../../pipeline/errors";
import { retryAfterMs } from "../sdk/http-client";

/**
 * A partner's HTTP EDI endpoint answers in plain text or JSON, never in X12: the X12 verdict
 * (TA1/997) comes later as its own transmission. So the classifier reads only the status:
 *
 * - 401/403 → auth (the X-EDI-Token was refused: a rotated shared secret).
 * - 408, 5xx → transient; 429 → rate_limited, waiting Retry-After.
 * - 409 → duplicate: the partner already holds an interchange with this ISA13 (a retry after a
 *   lost response); the delivery counts as done.
 * - 400/413/415/422 → validation (the partner's gateway refused the document itself).
 * - anything else → permanent.
 */
export function classifyEdiError(res: { status: number; headers: Record<string, string>; body: string }): ClassifiedError {
  const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const text = res.body.trim().slice(0, 300);
  const upstream: UpstreamSummary = { status: res.status, body: res.body.slice(0, 4000), requestId: headers["x-request-id"] };
  const say = (what: string) => `EDI partner endpoint ${res.status}: ${what}${text ? ` (${text})` : ""}`;
  if (res.status === 429) {
    return new ClassifiedError({ errorClass: "rate_limited", message: say("too many requests"), retryAfterMs: retryAfterMs(headers) ?? 60_000, code: "429", upstream });
  }
  if (res.status === 401 || res.status === 403) return new ClassifiedError({ errorClass: "auth", message: say("the shared secret (X-EDI-Token) was refused"), code: String(res.status), upstream });
  if (res.status === 408 || res.status >= 500) return new ClassifiedError({ errorClass: "transient", message: say("the endpoint is unavailable"), code: String(res.status), upstream });
  if (res.status === 409) return new ClassifiedError({ errorClass: "duplicate", message: say("the partner already has this interchange"), code: "409", upstream });
  if ([400, 413, 415, 422].includes(res.status)) {
    return new ClassifiedError({ errorClass: "validation", message: say("the partner refused the document"), field: "interchange", reason: text || `HTTP ${res.status}`, code: String(res.status), upstream });
  }
  return new ClassifiedError({ errorClass: "permanent", message: say("unexpected answer"), code: String(res.status), upstream });
}
