import { createHash } from "node:crypto";

/** QBO caps DocNumber at 21 characters. */
export const DOC_NUMBER_MAX = 21;
/** QBO caps requestid at 50 characters (36 in batch, which we do not use). */
export const REQUEST_ID_MAX = 50;

const digest = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * The DocNumber a canonical reference is posted under: the order number without "#", so an
 * accountant finds "1042" where the shop says "#1042". The mapping is deterministic because
 * lookupExisting searches by it. A reference longer than 21 characters keeps its first 12
 * characters and gets a hash of the whole, which stays unique and still reads like the source.
 */
export function docNumberFor(reference: string, prefix = ""): string {
  const plain = `${prefix}${reference.trim().replace(/^#+/, "")}`.replace(/\s+/g, "-");
  if (plain.length === 0) throw new Error("a document number needs a non-empty reference");
  if (plain.length <= DOC_NUMBER_MAX) return plain;
  return `${plain.slice(0, 12)}-${digest(plain).slice(0, 8)}`;
}

/**
 * The requestid for one write. QBO replays the original response for a repeated requestid, so
 * it must be stable per logical write: the pipeline's idempotency key, plus a step name when one
 * delivery makes several writes (customer, then receipt). Keys that do not fit QBO's 50
 * characters, or carry characters outside a safe set, are hashed.
 */
export function requestIdFor(idempotencyKey: string, step?: string): string {
  if (!step && /^[A-Za-z0-9._:-]{1,50}$/.test(idempotencyKey)) return idempotencyKey;
  return `lk-${digest(step ? `${idempotencyKey}\u0000${step}` : idempotencyKey).slice(0, 40)}`;
}

/**
 * A marker written into PrivateNote so a document read back from QBO can be tied to the
 * canonical record it came from (QBO has no free external-id field on transactions).
 */
export function sourceMarker(kind: "order" | "refund" | "payout", reference: string): string {
  return `[lk:${kind}:${markerReference(reference)}]`;
}

/** The reference as a marker stores it (no whitespace or brackets), for comparisons. */
export function markerReference(reference: string): string {
  return reference.replace(/[\]\s]/g, "_");
}

/** Every marker in a PrivateNote, by kind (a refund receipt carries both its refund and its order). */
export function readSourceMarkers(note: string | undefined): Partial<Record<"order" | "refund" | "payout", string>> {
  const out: Partial<Record<"order" | "refund" | "payout", string>> = {};
  for (const m of (note ?? "").matchAll(/\[lk:(order|refund|payout):([^\]\s]+)\]/g)) out[m[1] as "order" | "refund" | "payout"] ??= m[2]!;
  return out;
}

/** Quotes a value for QBO's query language, which escapes a single quote with a backslash. */
export function qboQuote(value: string): string {
  return `'${value.replace(/[\r\n\t]/g, " ").replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
