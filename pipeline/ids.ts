import { createHash, randomUUID } from "node:crypto";

/** A new random id with a readable prefix: evt_…, dlv_…, rem_…. */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, "")}`;
}

/**
 * A stable id derived from business keys: the same inputs always give the same id, which is what
 * makes a retry after a crash land on the same row and the same downstream record.
 */
export function stableId(prefix: string, ...parts: string[]): string {
  return `${prefix}_${createHash("sha256").update(parts.join("\u001f")).digest("hex").slice(0, 32)}`;
}
