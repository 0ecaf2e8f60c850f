/**
 * JSON.parse that keeps 64-bit integers exact. Shopify ids exceed 2^53 (order 820982911946154508
 * becomes ...500 as a JS number), so every integer literal too long to be safe is quoted before
 * parsing and arrives as a string. Decimals and short integers are untouched.
 * See ../shared/fixtures/shopify/webhooks/orders-create.test-notification.raw.json.
 */
export function parseExactJson(text: string): unknown {
  return JSON.parse(quoteLongIntegers(text));
}

/** Integers of 16+ digits may exceed Number.MAX_SAFE_INTEGER (9007199254740991, 16 digits). */
const SAFE_DIGITS = 15;

export function quoteLongIntegers(text: string): string {
  let out = "";
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      if (c === 0x2d) i++;
      const digitsStart = i;
      while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
      const digits = i - digitsStart;
      const next = text[i];
      const isInteger = next !== "." && next !== "e" && next !== "E";
      if (isInteger && digits > SAFE_DIGITS) {
        out += text.slice(last, start) + '"' + text.slice(start, i) + '"';
        last = i;
      } else {
        while (i < n && /[0-9.eE+-]/.test(text[i]!)) i++;
      }
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * JSON.stringify that writes bigint values as bare integer literals, the way Shopify renders
 * its 64-bit ids in webhook bodies (used by the sandbox).
 */
export function stringifyWithBigInts(value: unknown): string {
  const marker = "\u0000bigint:";
  const json = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${marker}${v.toString()}` : v));
  return json.replace(/"\\u0000bigint:(-?\d+)"/g, "$1");
}
