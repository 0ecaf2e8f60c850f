import { createHash } from "node:crypto";

/**
 * Keys we write into NetSuite. An external ID may hold only letters, digits, "_" and "-"
 * (Oracle, "Using External IDs"), while canonical ids look like "shopify:820982911946154508".
 * Every other character, and "_" itself, becomes "_" plus two hex digits, so the encoding is
 * reversible and two different canonical ids never share an external ID.
 */
export function toExternalId(canonicalId: string): string {
  return Array.from(Buffer.from(canonicalId, "utf8"))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9-]/.test(c) ? c : `_${b.toString(16).padStart(2, "0")}`;
    })
    .join("");
}

export function fromExternalId(externalId: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < externalId.length; i++) {
    if (externalId[i] === "_") {
      bytes.push(parseInt(externalId.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(externalId.charCodeAt(i));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The sales order of a canonical order: created and updated events upsert the same record. */
export const salesOrderExternalId = (orderId: string) => toExternalId(orderId);
export const fulfillmentExternalId = (shipmentId: string) => `lk-shp-${toExternalId(shipmentId)}`;
export const returnAuthorizationExternalId = (refundId: string) => `lk-rma-${toExternalId(refundId)}`;
export const itemReceiptExternalId = (refundId: string) => `lk-rcpt-${toExternalId(refundId)}`;
export const creditMemoExternalId = (refundId: string) => `lk-cm-${toExternalId(refundId)}`;

/** Customers are keyed by e-mail, hashed because "@" and "." are not allowed in external IDs. */
export function customerExternalId(email: string): string {
  return `lk-cust-${createHash("sha256").update(email.trim().toLowerCase()).digest("hex").slice(0, 32)}`;
}

const IDEMPOTENCY_NAMESPACE = "3f6b2c1e-8d4a-4b7e-9c0d-5a1e2f3b4c5d";

/**
 * X-NetSuite-Idempotency-Key must be an RFC 4122 UUID. A name-based (version 5) UUID of the
 * pipeline's idempotency key and the step keeps it stable across retries of the same delivery.
 */
export function idempotencyUuid(idempotencyKey: string, step: string): string {
  const ns = Buffer.from(IDEMPOTENCY_NAMESPACE.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(ns).update(`${idempotencyKey}:${step}`, "utf8").digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
