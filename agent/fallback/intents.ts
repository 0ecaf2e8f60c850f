/**
 * What an operator's question asks for, recognised without a model: a few regexes and keywords
 * for the questions the console must answer even when no LLM is configured. Anything else is
 * "unknown" and gets the list of what works.
 */
export type Intent =
  | { kind: "order_failure"; orderNumber: string }
  | { kind: "event_failure"; eventId: string }
  | { kind: "failing_now"; connector?: string }
  | { kind: "sku_discrepancy"; sku: string; counts: number[] }
  | { kind: "retry_outage"; connector?: string }
  | { kind: "connector_health"; connector: string }
  | { kind: "apply_remediation"; remediationId: string }
  | { kind: "unknown" };

export interface IntentContext {
  /** Connector instance ids and types (and display names), lower-case, to recognise "NetSuite" or "the ERP". */
  connectors: { id: string; type: string; displayName: string }[];
}

// The roles people use for systems, mapped to the connector types that play them.
const ROLE_WORDS: [RegExp, string[]][] = [
  [/\berp\b/i, ["netsuite"]],
  [/\b3pl\b|\bwarehouse\b|\bfulfil+ment\b/i, ["shipstation"]],
  [/\b(books|accounting|ledger)\b/i, ["quickbooks"]],
  [/\b(channel|storefront|store|shop)\b/i, ["shopify"]],
];

const EVENT_ID = /\b(evt_[A-Za-z0-9]{6,})\b/;
const REMEDIATION_ID = /\b(rem_[A-Za-z0-9]{6,})\b/;
const APPLY = /\b(apply|run|execute|go ahead with)\b/i;
const ORDER = /(?:#\s?(\d{3,12})\b)|(?:\border\s+(?:number\s+|no\.?\s*)?#?(\d{3,12})\b)|(?:\bpo\s*#?\s*([A-Z0-9-]{3,20})\b)/i;
const SKU = /\bsku\s*[:#]?\s*([A-Za-z0-9][A-Za-z0-9._/-]{0,40})/i;
const RETRY = /\b(retry|re-?try|replay|re-?run|re-?send|resend|re-?process|reprocess|push again)\b/i;
const OUTAGE = /\b(outage|down|downtime|unavailable|5\d\d|timed? ?out|timeouts?|incident|failed|failing|failures?)\b/i;
const FAILING = /\b(fail(ing|ed|ures?)?|broken|errors?|wrong|stuck|parked|problems?|issues?|dead letters?)\b/i;
const NOW = /\b(now|right now|currently|at the moment|today|open|what('?s| is)|anything)\b/i;
const HEALTH = /\b(health|healthy|status|up|working|circuit|rate.?limit|credentials?)\b/i;
const WHY = /\b(why|what happened|what went wrong|explain|trace|status|where is|fail|stuck)\b/i;

/** The connector a question names, by id, type, display name or role word ("the ERP"). */
export function connectorIn(text: string, ctx: IntentContext): string | undefined {
  const lower = text.toLowerCase();
  for (const c of ctx.connectors) {
    const names = [c.id, c.type, c.displayName.split(/\s+/)[0]!].map((n) => n.toLowerCase()).filter((n) => n.length >= 3);
    if (names.some((n) => new RegExp(`(?<![\\w-])${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`).test(lower))) return c.id;
  }
  for (const [re, types] of ROLE_WORDS) {
    if (!re.test(text)) continue;
    const c = ctx.connectors.find((x) => types.includes(x.type));
    if (c) return c.id;
  }
  return undefined;
}

export function parseIntent(question: string, ctx: IntentContext): Intent {
  const q = question.trim();
  const connector = connectorIn(q, ctx);

  const rem = REMEDIATION_ID.exec(q);
  if (rem && APPLY.test(q)) return { kind: "apply_remediation", remediationId: rem[1]! };

  if (RETRY.test(q) && (OUTAGE.test(q) || connector)) return { kind: "retry_outage", connector };

  const sku = SKU.exec(q);
  const counts = [...q.matchAll(/\b(\d{1,9})\b/g)].map((m) => Number(m[1]));
  if (sku && (counts.length >= 2 || /\b(show|shows|differ|difference|mismatch|discrepanc|reconcil|count|on ?hand|stock|inventory)\w*/i.test(q))) {
    return { kind: "sku_discrepancy", sku: sku[1]!.replace(/[?.,;:!]+$/, ""), counts: counts.filter((n) => !sku[1]!.includes(String(n))) };
  }

  const evt = EVENT_ID.exec(q);
  if (evt) return { kind: "event_failure", eventId: evt[1]! };

  const order = ORDER.exec(q);
  if (order && (WHY.test(q) || FAILING.test(q) || /^\W*#?\d+\W*$/.test(q) || /\border\b/i.test(q))) {
    const n = order[1] ?? order[2];
    return { kind: "order_failure", orderNumber: n ? `#${n}` : order[3]! };
  }

  if (FAILING.test(q) && (NOW.test(q) || /\bfailures\b/i.test(q) || /\bwhat\b/i.test(q))) return { kind: "failing_now", connector };

  if (connector && HEALTH.test(q)) return { kind: "connector_health", connector };

  return { kind: "unknown" };
}
