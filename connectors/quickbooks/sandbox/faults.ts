import type { SandboxResponse } from "../../sdk/sandbox-kit";

/**
 * The error bodies QBO really sends, in the shapes of ../shared/fixtures/quickbooks/errors:
 * JSON `Fault.Error[]` for validation, the lowercase `fault.error[]` variant for expired tokens
 * (as QBO answers 401s today), and XML ThrottleExceeded for 429 and its 403 twin.
 */

/** QBO reports times in the company's zone; the sandbox company keeps Pacific daylight time. */
export function qboTime(at: Date = new Date()): string {
  const shifted = new Date(at.getTime() - 7 * 3_600_000);
  return `${shifted.toISOString().slice(0, 23)}-07:00`;
}

interface FaultError {
  code: string;
  message: string;
  detail: string;
  element?: string;
}

function jsonFault(status: number, type: string, errors: FaultError[]): SandboxResponse {
  return {
    status,
    headers: { intuit_tid: tid() },
    body: {
      Fault: { Error: errors.map((e) => ({ Message: e.message, Detail: e.detail, code: e.code, element: e.element ?? "" })), type },
      time: qboTime(),
    },
  };
}

let tidCounter = 0;
function tid(): string {
  tidCounter += 1;
  return `1-sandbox-${Date.now().toString(16)}-${tidCounter.toString(16)}`;
}

const validation = (errors: FaultError[]) => jsonFault(400, "ValidationFault", errors);

export const qboFaults = {
  duplicateDocNumber(docNumber: string, txnType: string, txnId: string): SandboxResponse {
    return validation([
      {
        code: "6140",
        message: "Duplicate Document Number Error",
        detail: `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${docNumber} is assigned to TxnType=${txnType} with TxnId=${txnId}`,
      },
    ]);
  },
  duplicateName(): SandboxResponse {
    return validation([{ code: "6240", message: "Duplicate Name Exists Error", detail: "The name supplied already exists. : null" }]);
  },
  staleObject(): SandboxResponse {
    return validation([
      {
        code: "5010",
        message: "Stale Object Error",
        detail: "Stale Object Error : You and API API were working on this at the same time. API API finished before you did, so your work was not saved.",
      },
    ]);
  },
  objectNotFound(entity: string, id: string): SandboxResponse {
    return validation([{ code: "610", message: "Object Not Found", detail: `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, invoices, items, vendors or employees. (${entity} ${id})` }]);
  },
  invalidReference(element: string, detail?: string): SandboxResponse {
    return validation([
      {
        code: "2500",
        message: "Invalid Reference Id",
        detail: `Invalid Reference Id : ${detail ?? "Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees."}`,
        element,
      },
    ]);
  },
  businessValidation(detail: string, element?: string): SandboxResponse {
    return validation([{ code: "6000", message: "A business validation error has occurred while processing your request", detail: `Business Validation Error: ${detail}`, element }]);
  },
  requiredParamMissing(element: string): SandboxResponse {
    return validation([{ code: "2020", message: "Required param missing, need to supply the required value for the API", detail: `Required parameter ${element} is missing in the request`, element }]);
  },
  stringLength(element: string, max: number, supplied: number): SandboxResponse {
    return validation([{ code: "2050", message: "String length is either shorter or longer than supported by specification", detail: `String length specified does not match the supported length. Min:0 Max:${max} supported. Supplied length:${supplied}`, element }]);
  },
  queryParser(detail: string): SandboxResponse {
    return validation([{ code: "4000", message: "Error parsing query", detail: `QueryParserError: ${detail}` }]);
  },
  queryValidation(detail: string): SandboxResponse {
    return validation([{ code: "4001", message: "Invalid query", detail: `QueryValidationError: ${detail}` }]);
  },
  unsupported(detail: string): SandboxResponse {
    return validation([{ code: "6000", message: "Unsupported operation", detail: `this sandbox does not implement ${detail}` }]);
  },
  /** HTTP 429, XML, as quickbooks-ruby captured it (too_many_requests_error.xml). */
  throttled429(retryAfterSec?: number): SandboxResponse {
    return { status: 429, headers: { "content-type": "application/xml", intuit_tid: tid(), ...(retryAfterSec !== undefined ? { "retry-after": String(retryAfterSec) } : {}) }, text: throttleXml(429) };
  },
  /** HTTP 403 with the same ThrottleExceeded fault (throttle_exceeded_error.xml), without Retry-After. */
  throttled403(): SandboxResponse {
    return { status: 403, headers: { "content-type": "application/xml", intuit_tid: tid() }, text: throttleXml(403) };
  },
  serverError(status: number): SandboxResponse {
    return jsonFault(status, "SystemFault", [{ code: "10000", message: "An application error has occurred while processing your request", detail: "System Failure Error: Service temporarily unavailable" }]);
  },
  /** 401 as QBO sends it today: the lowercase variant with its empty companion arrays. */
  authenticationFailed(): SandboxResponse {
    return {
      status: 401,
      headers: { intuit_tid: tid(), "www-authenticate": 'Bearer realm="Intuit", error="invalid_token"' },
      body: {
        warnings: null,
        intuitObject: null,
        fault: { error: [{ message: "message=AuthenticationFailed; errorCode=003200; statusCode=401", detail: "Token expired: the access token is no longer valid", code: "3200", element: null }], type: "AUTHENTICATION" },
        report: null,
        queryResponse: null,
        batchItemResponse: [],
        attachableResponse: [],
        syncErrorResponse: null,
        requestId: null,
        time: Date.now(),
        status: null,
        cdcresponse: [],
      },
    };
  },
  authorizationFailed(): SandboxResponse {
    return jsonFault(403, "AUTHENTICATION", [{ code: "3100", message: "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", detail: "the app is not authorized for this company (realmId)" }]);
  },
};

function throttleXml(status: 403 | 429): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse time="${qboTime()}" xmlns="http://schema.intuit.com/finance/v3">
  <Fault type="SERVICE">
    <Error code="3001">
      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=${status}</Message>
      <Detail>The request limit was reached.  Try again later</Detail>
    </Error>
  </Fault>
</IntuitResponse>
`;
}
