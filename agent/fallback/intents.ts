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
  | { kind: "propose_fix"; orderNumber?: string; eventId?: string; mapping?: MappingAnswer }
  | { kind: "unknown" };

/** The value a mapping fix needs that only a person knows: "map SKU ZZ-99 to netsuite item 106". */
export interface MappingAnswer {
  sourceKey: string;
  /** Absent when the question named no target ("map ZZ-99 to netsuite"): the answer asks for it. */
  targetKey?: string;
  connector?: string;
}

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
// Imperative only ("fix order #1042", "propose a fix for evt_…"): "how do I fix …?" is a question, answered by the diagnosis.
const FIX = /^\W*(?:please\s+)?(?:fix|repair|resolve|remediate)\b|\b(?:propose|suggest|draft)\b[\w\s]{0,30}?\b(?:fix|remediation|repair)\b/i;
const MAP = /\bmap\s+(?:the\s+)?(?:(?:sku|item|product|node|location|warehouse)\s+)?[:#]?\s*([A-Za-z0-9][A-Za-z0-9._/-]{0,40})\s+(?:to|onto|->|→|=>)\s+(.+)$/i;
const TARGET_AFTER_NOUN = /\b(?:item|location|warehouse|code|id)\s*(?:id\s*)?[:#]?\s*([A-Za-z0-9][A-Za-z0-9._:/-]{0,63})/i;
const NOT_A_TARGET = /^(?:the|a|an|its|item|items|id|location|warehouse|in|at|please|for|order)$/i;

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

/** "map [SKU] X to [connector] [item] Y": the SKU (or node), its target and the connector, as far as they are named. */
export function parseMappingAnswer(question: string, ctx: IntentContext): MappingAnswer | undefined {
  const m = MAP.exec(question.trim());
  if (!m) return undefined;
  const sourceKey = m[1]!.replace(/[?.,;:!]+$/, "");
  const rest = m[2]!.replace(/\s+(?:for|of)\s+(?:order\s+)?#?\d{3,12}\b.*$/i, "").replace(/[?.,;:!]+$/, "").trim();
  const connector = connectorIn(rest, ctx) ?? connectorIn(question, ctx);
  const names = new Set(ctx.connectors.flatMap((c) => [c.id, c.type, c.displayName.split(/\s+/)[0]!]).map((n) => n.toLowerCase()));
  const candidate = (TARGET_AFTER_NOUN.exec(rest)?.[1] ?? rest.split(/\s+/).pop() ?? "").replace(/[?.,;:!]+$/, "");
  const targetKey = candidate && !NOT_A_TARGET.test(candidate) && !names.has(candidate.toLowerCase()) ? candidate : undefined;
  return { sourceKey, ...(targetKey ? { targetKey } : {}), ...(connector ? { connector } : {}) };
}

export function parseIntent(question: string, ctx: IntentContext): Intent {
  const q = question.trim();
  const connector = connectorIn(q, ctx);

  const rem = REMEDIATION_ID.exec(q);
  if (rem && APPLY.test(q)) return { kind: "apply_remediation", remediationId: rem[1]! };

  const mapping = parseMappingAnswer(q, ctx);
  if (mapping || FIX.test(q)) {
    const evt = EVENT_ID.exec(q)?.[1];
    const order = ORDER.exec(q);
    const n = order?.[1] ?? order?.[2];
    const orderNumber = n ? `#${n}` : order?.[3];
    if (mapping || evt || orderNumber) {
      return { kind: "propose_fix", ...(evt ? { eventId: evt } : orderNumber ? { orderNumber } : {}), ...(mapping ? { mapping } : {}) };
    }
  }

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
