import { randomUUID } from "node:crypto";
import type { SandboxResponse } from "../../sdk/sandbox-kit";

/**
 * Amazon's own error bodies, as captured in ../shared/fixtures/amazon/errors (429 and 403 are
 * real captures; 400 "Invalid Input" is the confirmShipment sandbox's). The rate-limit header is
 * not sent with 429 or 5xx: the model says it is "deprecated and no longer returned" there.
 */

export function requestIdHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { "x-amzn-requestid": randomUUID(), ...extra };
}

export function spErrors(status: number, errors: { code: string; message: string; details?: string }[]): SandboxResponse {
  return { status, headers: requestIdHeaders(), body: { errors } };
}

export const quotaExceeded = (): SandboxResponse =>
  spErrors(429, [{ code: "QuotaExceeded", message: "You exceeded your quota for the requested resource.", details: "" }]);

export const tokenRejected = (): SandboxResponse =>
  spErrors(403, [{ message: "Access to requested resource is denied.", code: "Unauthorized", details: "The access token you provided is revoked, malformed or invalid." }]);

/** What API Gateway answers for a path that is no SP-API operation (wrong region or path). */
export const missingAuthenticationToken = (): SandboxResponse =>
  spErrors(403, [{ message: "Access to requested resource is denied.", code: "MissingAuthenticationToken" }]);

export const serverError = (status: number): SandboxResponse =>
  status === 503
    ? spErrors(503, [{ code: "ServiceUnavailable", message: "Service temporarily unavailable. Please try again." }])
    : spErrors(status, [{ code: "InternalFailure", message: "We encountered an internal error. Please try again.", details: "" }]);

export const invalidInput = (message: string): SandboxResponse => spErrors(400, [{ code: "InvalidInput", message }]);

/** The confirmShipment sandbox's own answer: code with a space, no detail. */
export const confirmShipmentInvalid = (): SandboxResponse => spErrors(400, [{ code: "Invalid Input", message: "Invalid Input" }]);

export const notFound = (what: string): SandboxResponse => spErrors(404, [{ code: "NotFound", message: `${what} not found` }]);

/** Login with Amazon's error shape. */
export const lwaError = (status: number, error: string, description: string): SandboxResponse => ({
  status,
  headers: { "x-amzn-requestid": randomUUID() },
  body: { error_description: description, error },
});

/** S3's XML error, as the pre-signed document URL answers. */
export function s3Error(status: number, code: string, message: string): { status: number; body: string } {
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomUUID()}</RequestId></Error>`,
  };
}
