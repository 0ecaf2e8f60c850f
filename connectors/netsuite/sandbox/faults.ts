import type { FaultResponses, SandboxResponse } from "../../sdk/sandbox-kit";

/**
 * NetSuite's error bodies, shaped as REST web services sends them: an RFC 7807-style problem
 * with `o:errorDetails`. The 401 is the captured INVALID_LOGIN body (fixtures/netsuite/errors).
 */

const TYPE: Record<number, [string, string]> = {
  400: ["https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1", "Bad Request"],
  401: ["https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2", "Unauthorized"],
  403: ["https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.4", "Forbidden"],
  404: ["https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.5", "Not Found"],
  405: ["https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.6", "Method Not Allowed"],
  429: ["https://tools.ietf.org/html/rfc6585#section-4", "Too Many Requests"],
  500: ["https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.1", "Internal Server Error"],
  502: ["https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.3", "Bad Gateway"],
  503: ["https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.4", "Service Unavailable"],
  504: ["https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.5", "Gateway Timeout"],
};

/** A NetSuite error the sandbox's state raises; server.ts turns it into the response. */
export class NsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly path?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${detail}`);
    this.name = "NsError";
  }
}

export function errorBody(status: number, code: string, detail: string, path?: string) {
  const [type, title] = TYPE[status] ?? TYPE[400]!;
  return { type, title, status, "o:errorDetails": [{ detail, "o:errorCode": code, ...(path ? { "o:errorPath": path } : {}) }] };
}

export function errorResponse(e: NsError): SandboxResponse {
  return { status: e.status, headers: e.headers, body: errorBody(e.status, e.code, e.detail, e.path) };
}

export const userError = (detail: string, path?: string) => new NsError(400, "USER_ERROR", `Error while accessing a resource. ${detail}`, path);

/** Oracle's documented answer to an invalid reference in a request body. */
export const invalidReference = (field: string, value: string, path: string) =>
  new NsError(400, "INVALID_CONTENT", `Error while accessing resource: You have entered an Invalid Field Value ${value} for the following field: ${field}`, path);

export const notFound = (type: string, key: string) =>
  new NsError(404, "NONEXISTENT_ID", `The record instance does not exist. Provide a valid record instance ID. (${type} ${key})`);

export const concurrencyExceeded = () =>
  new NsError(429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked.");

export const recordChanged = () => new NsError(400, "RCRD_HAS_BEEN_CHANGED", "Record has been changed");

export const INVALID_LOGIN_BODY = {
  type: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2",
  title: "Unauthorized",
  status: 401,
  "o:errorDetails": [
    {
      detail: "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
      "o:errorCode": "INVALID_LOGIN",
    },
  ],
};

export const NETSUITE_FAULT_RESPONSES: FaultResponses = {
  rateLimited: (retryAfterSec) => ({ status: 429, headers: { "retry-after": String(retryAfterSec) }, body: errorBody(429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked.") }),
  serverError: (status) => ({ status, body: errorBody(status, "UNEXPECTED_ERROR", `An unexpected error occurred. Error ID: sandbox${Date.now().toString(36)}`) }),
  expiredToken: () => ({ status: 401, body: INVALID_LOGIN_BODY }),
};
