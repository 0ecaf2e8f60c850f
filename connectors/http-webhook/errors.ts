import { ClassifiedError } from "../../pipeline/errors";
import { retryAfterMs } from "../sdk/http-client";

/** Generic HTTP semantics: the receiver is any service, so only status codes and Retry-After are trusted. */
export function classifyError(res: { status: number; headers: Record<string, string>; body: string }): ClassifiedError {
  const upstream = { status: res.status, body: res.body.slice(0, 2000) };
  const message = `HTTP ${res.status}: ${res.body.slice(0, 200)}`;
  if (res.status === 429) return new ClassifiedError({ errorClass: "rate_limited", message, retryAfterMs: retryAfterMs(res.headers) ?? 1_000, upstream });
  if (res.status === 401 || res.status === 403) return new ClassifiedError({ errorClass: "auth", message, upstream });
  if (res.status === 409) return new ClassifiedError({ errorClass: "duplicate", message, upstream });
  if (res.status === 408 || res.status >= 500) return new ClassifiedError({ errorClass: "transient", message, upstream });
  if (res.status === 400 || res.status === 422) return new ClassifiedError({ errorClass: "validation", message, reason: res.body.slice(0, 200), upstream });
  return new ClassifiedError({ errorClass: "permanent", message, upstream });
}
