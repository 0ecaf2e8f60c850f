import type { ClassifiedError } from "./errors";

/**
 * The business root cause a parked delivery is grouped under. The same cause seen from different
 * channels (a Shopify, an Amazon and an EDI order all hitting "SKU AB-12 has no NetSuite item")
 * gets the same key, so it is one failure group with one fix.
 */
export function failureKeyOf(
  destination: string,
  action: string,
  err: ClassifiedError,
  keys: { orderNumber?: string | null; poNumber?: string | null } = {},
): { key: string; title: string } {
  switch (err.errorClass) {
    case "validation": {
      // "order #1042 has no customer e-mail" and "order #1043 …" are one cause, not two groups.
      const reason = withoutOrderRefs(err.reason ?? err.message, keys);
      return { key: `validation|${destination}|${err.field ?? "payload"}|${reason}`, title: `${destination}: ${reason}` };
    }
    case "auth":
      return { key: `auth|${destination}`, title: `${destination} rejected our credentials` };
    case "transient":
    case "rate_limited":
      return { key: `outage|${destination}`, title: `${destination} unavailable: retries exhausted` };
    case "conflict":
      return { key: `conflict|${destination}|${action}`, title: `${destination} ${action}: record kept changing (stale object)` };
    case "duplicate":
      return { key: `duplicate|${destination}|${action}`, title: `${destination} ${action}: already exists but could not be found` };
    case "permanent":
      return { key: `permanent|${destination}|${err.code ?? normalise(err.message)}`, title: `${destination}: ${err.message.slice(0, 120)}` };
  }
}

function withoutOrderRefs(text: string, keys: { orderNumber?: string | null; poNumber?: string | null }): string {
  let out = text;
  for (const [ref, label] of [[keys.orderNumber, "<order>"], [keys.poNumber, "<po>"]] as const) {
    if (ref && ref.length >= 3) out = out.split(ref).join(label);
  }
  return out;
}

/** Drops ids and numbers so that one kind of message groups together. */
function normalise(message: string): string {
  return message.replace(/[0-9a-f]{8,}/gi, "#").replace(/\d+/g, "#").slice(0, 80);
}
