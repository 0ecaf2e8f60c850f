/**
 * The error answers Shopify really sends, copied from ../shared/fixtures/shopify/errors/ (bodies
 * verbatim; a test checks they still match). The sandbox must not read the fixtures folder at
 * run time, so they live here.
 */

/** rest-401-invalid-token.json */
export const INVALID_TOKEN_BODY = { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" };
export const INVALID_TOKEN_HEADERS = { "www-authenticate": 'Basic Realm="Shopify API Authentication"' };

/** rest-429-call-limit-exceeded.json */
export const REST_429_BODY = { errors: "Exceeded 4 calls per second for api client. Reduce request rates to resume uninterrupted service." };

/** graphql-throttled.json (the cost extension is filled in from the sandbox's bucket). */
export function throttledBody(cost: { requestedQueryCost: number; maximumAvailable: number; currentlyAvailable: number; restoreRate: number }) {
  return {
    errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
    extensions: {
      cost: {
        requestedQueryCost: cost.requestedQueryCost,
        actualQueryCost: null,
        throttleStatus: { maximumAvailable: cost.maximumAvailable, currentlyAvailable: cost.currentlyAvailable, restoreRate: cost.restoreRate },
      },
    },
  };
}

/** graphql-max-cost-exceeded.json, with the sandbox's figures. */
export function maxCostExceededBody(cost: number, maxCost: number) {
  return {
    errors: [{
      message: `Query cost is ${cost}, which exceeds the single query max cost limit (${maxCost}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n`,
      extensions: { code: "MAX_COST_EXCEEDED", cost, maxCost, documentation: "https://shopify.dev/api/usage/limits#rate-limits" },
    }],
  };
}

/** graphql-internal-server-error.json, with a fresh request id. */
export function internalErrorBody(requestId: string) {
  return {
    errors: [{
      message: `Internal error. Looks like something went wrong on our end.\nRequest ID: ${requestId} (include this in support requests).`,
      extensions: { code: "INTERNAL_SERVER_ERROR", requestId },
    }],
  };
}
