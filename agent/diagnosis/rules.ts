import type { RootCause } from "./taxonomy";

/**
 * What the rules look at: one failing delivery (or a group's latest one), normalised from the
 * attempt rows, the dead-letter row, the mappings table and the destination's health.
 */
export interface FailureFacts {
  destination: string;
  destinationType?: string;
  action: string;
  errorClass: string | null;
  field: string | null;
  reason: string | null;
  message: string | null;
  upstreamStatus?: number;
  upstreamCode?: string;
  upstreamBody?: string;
  /** Outcomes of the delivery's attempts, newest first. */
  outcomes: string[];
  /** Error classes of the delivery's attempts, newest first (null for successes). */
  errorClasses: (string | null)[];
  /** parked: stopped; waiting: pending again after an error or a limit. */
  state: "parked" | "waiting" | "blocked";
  skus: string[];
  /** SKUs of the affected events with no mapping row for the destination. */
  unmappedSkus: string[];
  connector: {
    authState?: string;
    stopped?: boolean;
    circuit?: string;
    recentOk: number;
    recentTransient: number;
    recentRateLimited: number;
  };
}

export interface RuleHit {
  cause: RootCause;
  confidence: number;
  because: string;
}

type Rule = (f: FailureFacts, text: string) => RuleHit | null;

const has = (re: RegExp, s: string | null | undefined) => !!s && re.test(s);

const SKU_FIELD = /(^|\.)(item|items|itemref|sku|skus|product|variant|inventoryitem)(\b|\.|$|\[)/i;
const LOCATION_FIELD = /location|warehouse|node|fulfil?ment ?center|fulfillmentcenter/i;
const ADDRESS_FIELD = /address|ship_?to|shipping(address)?\b|bill_?to|postal|zip|city|country|region|province|street|addr\d?/i;
const TAX_TEXT = /tax ?code|taxcode|tax_code|tax ?rate|taxrate|sales ?tax|vat ?code|txn ?tax|tax ?agency|tax ?(is )?required/i;
const INVENTORY_TEXT = /insufficient (stock|inventory|quantity)|not enough (stock|inventory|quantity|on hand)|out of stock|backorder|quantity (is )?(not )?available|available quantity|exceeds? (the )?(available|on.hand)|no (stock|inventory) (left|available)/i;
const REQUIRED_TEXT = /\brequired\b|\bmissing\b|enter value|must not be (empty|blank|null)|can(no|')t be (blank|nil|null|empty)|is empty|must be present/i;
const SKU_TEXT = /\bsku\b[^.]{0,80}(has no|not |unknown|invalid|missing|matches no|does not)|(no|unknown|invalid|missing) (\w+ )?(item|sku|product|variant)s? (for|found|with|matches)|(item|sku|product variant)[^.]{0,40}(not found|does not exist|unknown|not mapped|reference key)|rejected the item reference/i;
/** Credentials that work but lack a right, as opposed to credentials that stopped working. */
const ROLE_TEXT = /lacks the role|not granted|must have access|access denied|permission|insufficient scope|not authori[sz]ed to/i;
const DEAD_CREDENTIALS_TEXT = /expired|revoked|invalid (login|token|api key|credentials|grant)|unrecognized login|wrong password|invalid_grant|rejected the (access token|api credentials|credentials)|token[^.]{0,20}(invalid|malformed)/i;
const PERMISSION_TEXT = /forbidden|permission|not authori[sz]ed to|access denied|access_denied|insufficient (scope|privileges)|not allowed to access/i;
const CONFIG_TEXT = /no destination .* is configured|connector settings|setting .* is invalid|settings\.\w+ is not set|is not set on the|connection setting/i;
const NOT_FOUND_TEXT = /not found|does not exist|object not found|no longer exists|has been made inactive|invalid reference/i;

/** Rules in priority order: on equal confidence the earlier one wins. */
const RULES: Rule[] = [
  (f, t) => {
    if (f.errorClass !== "auth" && !(f.connector.authState === "failed" && /credentials|stopped/.test(t))) return null;
    if (f.errorClass === "auth" && ROLE_TEXT.test(t) && !DEAD_CREDENTIALS_TEXT.test(t)) {
      return { cause: "permission_denied", confidence: 0.9, because: `${f.destination} accepted the credentials but refused this operation: the integration user or app lacks a permission` };
    }
    return { cause: "expired_credentials", confidence: 0.95, because: `${f.destination} rejected the credentials (${f.errorClass === "auth" ? "error class auth" : "connector stopped"}); deliveries to it stop until it is reconnected` };
  },
  (f) => {
    if (f.errorClass === "rate_limited" || (f.state === "waiting" && f.outcomes[0] === "rate_limited")) {
      return { cause: "rate_limiting", confidence: 0.9, because: `${f.destination} answered rate-limited; the delivery waits for the limit to reset without spending attempts` };
    }
    const limited = f.outcomes.filter((o) => o === "rate_limited").length;
    if (f.errorClass === "transient" && limited > 0 && limited >= f.outcomes.length / 2) {
      return { cause: "rate_limiting", confidence: 0.7, because: `${limited} of ${f.outcomes.length} attempts were rate-limited before the delivery gave up` };
    }
    return null;
  },
  (f, t) => {
    if (f.errorClass === "transient" || f.outcomes[0] === "circuit_open") {
      const specific = /timeout|timed out|econn|socket|5\d\d|unavailable|bad gateway|gateway|server error|circuit/.test(t);
      return { cause: "upstream_outage", confidence: specific ? 0.9 : 0.85, because: `${f.destination} kept failing with server errors or timeouts${f.connector.circuit === "open" ? " and its circuit breaker is open" : ""}` };
    }
    return null;
  },
  (f) => (f.errorClass === "duplicate" ? { cause: "duplicate_document", confidence: 0.9, because: `${f.destination} says the document already exists, and looking it up did not find it` } : null),
  (f) => (f.errorClass === "conflict" ? { cause: "stale_object", confidence: 0.9, because: `${f.destination} rejected the write because the record changed upstream (stale version), even after refetching` } : null),
  (f, t) => {
    if (!isRejection(f)) return null;
    const byField = has(LOCATION_FIELD, f.field);
    const byText = /(location|warehouse|node)\b[^.]*(not mapped|matches no|has no|no \w+ location|unknown|not found|is not a)/i.test(t) || /no (shipstation |netsuite )?(warehouse|location) for/i.test(t);
    if (!byField && !byText) return null;
    return { cause: "unknown_location_mapping", confidence: byField && byText ? 0.95 : 0.85, because: `the fulfilment location has no counterpart in ${f.destination}` };
  },
  (f, t) => {
    if (!isRejection(f) || has(/quantity|qty/i, f.field) || INVENTORY_TEXT.test(t) || TAX_TEXT.test(t)) return null;
    const byField = has(SKU_FIELD, f.field);
    const byText = SKU_TEXT.test(t);
    if (!byField && !byText) return null;
    const mentionsSku = f.skus.some((s) => t.includes(s.toLowerCase()));
    if (f.unmappedSkus.length > 0) {
      return { cause: "unknown_sku_mapping", confidence: 0.95, because: `SKU ${f.unmappedSkus.join(", ")} has no mapping for ${f.destination}, and ${f.destination} rejected the item` };
    }
    if (mentionsSku) return { cause: "unknown_sku_mapping", confidence: 0.85, because: `${f.destination} rejected an item by its SKU` };
    return { cause: "unknown_sku_mapping", confidence: 0.6, because: `${f.destination} rejected an item reference, but every SKU has a mapping: the mapped item may be inactive` };
  },
  (f, t) => (isRejection(f) && TAX_TEXT.test(t) ? { cause: "missing_tax_code", confidence: 0.9, because: `${f.destination} needs a tax code it could not find` } : null),
  (f, t) =>
    isRejection(f) && (has(ADDRESS_FIELD, f.field) || /\baddress\b|postal ?code|zip ?code/i.test(t))
      ? { cause: "invalid_address", confidence: has(ADDRESS_FIELD, f.field) ? 0.9 : 0.8, because: `${f.destination} rejected the address${f.field ? ` (${f.field})` : ""}` }
      : null,
  (f, t) => (isRejection(f) && INVENTORY_TEXT.test(t) ? { cause: "insufficient_inventory", confidence: 0.85, because: `${f.destination} does not have the quantity the document needs` } : null),
  (f, t) => (isRejection(f) && CONFIG_TEXT.test(t) ? { cause: "configuration_error", confidence: 0.85, because: `the connection to ${f.destination} is missing a setting or a destination` } : null),
  (f, t) =>
    f.errorClass === "permanent" && (f.upstreamStatus === 403 || PERMISSION_TEXT.test(t))
      ? { cause: "permission_denied", confidence: 0.8, because: `${f.destination} refused access (403 / permission)` }
      : null,
  (f, t) => (isRejection(f) && REQUIRED_TEXT.test(t) ? { cause: "missing_required_field", confidence: 0.7, because: `${f.destination} says a required field is empty${f.field ? ` (${f.field})` : ""}` } : null),
  (f, t) =>
    isRejection(f) && (f.upstreamStatus === 404 || NOT_FOUND_TEXT.test(t))
      ? { cause: "referenced_record_missing", confidence: 0.65, because: `${f.destination} could not find a record the document refers to` }
      : null,
];

function isRejection(f: FailureFacts): boolean {
  return f.errorClass === "validation" || f.errorClass === "permanent";
}

/** Every rule that fires, best first; the fallback is `unclassified`. */
export function classifyFacts(f: FailureFacts): RuleHit[] {
  const text = [f.field, f.reason, f.message, f.upstreamCode, f.upstreamBody].filter(Boolean).join(" \n ").toLowerCase();
  const hits: RuleHit[] = [];
  for (const rule of RULES) {
    const hit = rule(f, text);
    if (hit) hits.push(hit);
  }
  // Stable sort: equal confidence keeps rule order.
  hits.sort((a, b) => b.confidence - a.confidence);
  if (hits.length === 0) {
    hits.push({ cause: "unclassified", confidence: isRejection(f) ? 0.3 : 0.2, because: `no rule recognised ${f.errorClass ?? "the"} error from ${f.destination}: read the upstream body` });
  }
  return hits;
}

/** Inbound rejections (the quarantine) by their reason code. */
export function classifyQuarantine(reasonCode: string, reason: string): RuleHit {
  switch (reasonCode) {
    case "schema_invalid":
    case "malformed":
      return { cause: "schema_drift", confidence: reasonCode === "schema_invalid" ? 0.9 : 0.75, because: `the source sent payloads our parser rejects (${reasonCode}): ${reason.slice(0, 160)}` };
    case "bad_signature":
      return { cause: "webhook_signature_mismatch", confidence: 0.85, because: "webhooks arrive with signatures that do not verify: the signing secret was rotated on one side only" };
    case "unknown_connector":
      return { cause: "configuration_error", confidence: 0.8, because: "webhooks arrive for a connector that is not configured or disabled" };
    default:
      return { cause: "unclassified", confidence: 0.3, because: `inbound payloads rejected with ${reasonCode}` };
  }
}
