/**
 * Secrets never reach logs, the LLM or the browser. Everything that stores or shows upstream text
 * passes through here first.
 */
// x-edi-token and x-relay-token are shared secrets sent as-is (EDI partners, the Amazon notification relay).
const SECRET_KEYS = /^(authorization|proxy-authorization|cookie|set-cookie|x-shopify-access-token|x-edi-token|x-relay-token|x-api-key|api[-_]?key|apikey|access[-_]?token|refresh[-_]?token|client[-_]?secret|secret|password|passwd|token|private[-_]?key|consumer[-_]?secret|token[-_]?secret|card[-_]?number|cvc|cvv)$/i;

const SECRET_PATTERNS: [RegExp, string][] = [
  [/(Bearer|Basic|OAuth)\s+[A-Za-z0-9._~+/=-]{8,}(?:,[^"\s]*)*/gi, "$1 [REDACTED]"],
  [/\b(shpat|shpca|shppa|shpss|sk_live|sk_test|rk_live|rk_test|whsec)_[A-Za-z0-9]{6,}/g, "[REDACTED]"],
  [/\bAtza\|[A-Za-z0-9._~+/=-]+/g, "[REDACTED]"],
  [/((?:^|[?&])(?:access_token|api_key|apikey|token|signature|sig|client_secret)=)[^&\s"]+/gi, "$1[REDACTED]"],
  [/("(?:password|client_secret|access_token|refresh_token|api_key|secret|token)"\s*:\s*")[^"]*(")/gi, "$1[REDACTED]$2"],
];

export function redactText(text: string, maxLength = 4000): string {
  let out = text;
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out.length > maxLength ? `${out.slice(0, maxLength)}… [truncated ${out.length - maxLength} chars]` : out;
}

export function redactValue<T>(value: T, depth = 0): T {
  if (depth > 20) return value;
  if (typeof value === "string") return redactText(value, 100_000) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? "[REDACTED]" : redactValue(v, depth + 1);
    return out as T;
  }
  return value;
}

export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = SECRET_KEYS.test(k) ? "[REDACTED]" : redactText(Array.isArray(v) ? v.join(", ") : v, 2000);
  }
  return out;
}
