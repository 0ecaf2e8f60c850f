/**
 * The one error vocabulary of the pipeline. Every upstream failure is classified by its
 * connector's classifier into exactly one ErrorClass, and each class maps to one retry decision
 * (see decideRetry in stages/deliver). Connectors import only this file and the model.
 */
export const ERROR_CLASSES = ["rate_limited", "transient", "conflict", "duplicate", "auth", "validation", "permanent"] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** What the pipeline does with each class. */
export const RETRY_DECISION: Record<ErrorClass, "wait" | "backoff" | "refetch_retry" | "lookup_success" | "stop_connector" | "park"> = {
  /** Wait Retry-After / reset without spending an attempt. */
  rate_limited: "wait",
  /** 5xx, timeouts, connection resets: exponential backoff with jitter, then park. */
  transient: "backoff",
  /** Stale object (SyncToken, version): refetch the current object, then retry once more. */
  conflict: "refetch_retry",
  /** The record already exists upstream: look it up and count the delivery as done. */
  duplicate: "lookup_success",
  /** Credentials rejected: stop deliveries to that connector and alert its owner. */
  auth: "stop_connector",
  /** The payload is wrong (unknown SKU, bad address, missing tax code): park with field and reason. */
  validation: "park",
  /** Anything else that will not succeed by retrying (bad request, query too costly). */
  permanent: "park",
};

/** A short summary of what the upstream said, safe to store and show (already redacted). */
export interface UpstreamSummary {
  status?: number;
  code?: string;
  requestId?: string;
  /** The upstream body, redacted and truncated to a few KB. */
  body?: string;
  headers?: Record<string, string>;
}

export interface ClassifiedErrorInit {
  errorClass: ErrorClass;
  message: string;
  /** For rate_limited: how long to wait before the next call. */
  retryAfterMs?: number;
  /** For validation: the field that was rejected and why, in business words. */
  field?: string;
  reason?: string;
  /** The upstream's own error code (e.g. USER_ERROR, 6240, THROTTLED). */
  code?: string;
  upstream?: UpstreamSummary;
  /** For duplicate: the id of the record that already exists, when the error says it. */
  existingId?: string;
}

/** An upstream failure after classification. Thrown by connector clients, caught by the deliver stage. */
export class ClassifiedError extends Error {
  readonly errorClass: ErrorClass;
  readonly retryAfterMs?: number;
  readonly field?: string;
  readonly reason?: string;
  readonly code?: string;
  readonly upstream?: UpstreamSummary;
  readonly existingId?: string;

  constructor(init: ClassifiedErrorInit) {
    super(init.message);
    this.name = "ClassifiedError";
    this.errorClass = init.errorClass;
    this.retryAfterMs = init.retryAfterMs;
    this.field = init.field;
    this.reason = init.reason;
    this.code = init.code;
    this.upstream = init.upstream;
    this.existingId = init.existingId;
  }
}

/** An answer to an inbound transmission (an EDI 997), generated and numbered, that the sender did not get. */
export interface UnsentAnswer {
  kind: string;
  /** The document's own reference, e.g. its ISA13. */
  reference: string;
  body: string;
}

/**
 * Thrown by a connector's afterIngress when answers could not be sent: it carries the documents
 * still owed, exactly as generated, so the pipeline keeps them and resends the same bytes later
 * (their control numbers are issued; renumbering would leave the partner a gap for good).
 */
export class AnswersNotSent extends Error {
  constructor(
    readonly unsent: UnsentAnswer[],
    /** Why the send failed, usually a ClassifiedError. */
    readonly reason: unknown,
    /** What did go out before the failure, for the event log. */
    readonly sent: string[] = [],
  ) {
    super(`${unsent.map((a) => `${a.kind} ${a.reference}`).join(", ")} not sent: ${(reason as Error)?.message ?? String(reason)}`);
    this.name = "AnswersNotSent";
  }
}

export function isClassifiedError(e: unknown): e is ClassifiedError {
  return e instanceof ClassifiedError || (typeof e === "object" && e !== null && (e as any).name === "ClassifiedError" && "errorClass" in e);
}

/** Turns an unknown thrown value (network error, bug) into a classified one. */
export function classifyUnknownError(e: unknown): ClassifiedError {
  if (isClassifiedError(e)) return e;
  const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const code = err?.code ?? err?.cause?.code;
  const networky = ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT"];
  if (err?.name === "TimeoutError" || err?.name === "AbortError" || (code && networky.includes(code))) {
    return new ClassifiedError({ errorClass: "transient", message: `network: ${code ?? err?.name}: ${err?.message ?? ""}`.trim(), code });
  }
  return new ClassifiedError({ errorClass: "permanent", message: `unexpected: ${err?.message ?? String(e)}` });
}

/** A bad inbound payload: the ingress answers 4xx and quarantines the raw body. */
export class IngressRejection extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 413 | 415 | 422,
    readonly reasonCode: "malformed" | "bad_signature" | "unknown_connector" | "schema_invalid" | "too_large" | "unsupported_topic",
    message: string,
  ) {
    super(message);
    this.name = "IngressRejection";
  }
}

/** A setting is missing or wrong: thrown at start-up, names the setting and how to fix it. */
export class ConfigError extends Error {
  constructor(readonly setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = "ConfigError";
  }
}

/** A backend (database, Redis) is unreachable: the ingress answers 503 so senders retry. */
export class BackendUnavailable extends Error {
  constructor(readonly backend: "database" | "queue", message: string) {
    super(`${backend} unavailable: ${message}`);
    this.name = "BackendUnavailable";
  }
}
