import { CONNECTORS } from "../../connectors/registry";
import type { Store } from "../../pipeline/db/client";
import { resolveCitedIds, type CitedIds } from "../../pipeline/db/queries/citation-queries";
import type { Citation } from "./events";

const PREFIXES: Record<string, { kind: Citation["kind"]; bucket: keyof CitedIds }> = {
  evt: { kind: "event", bucket: "events" },
  dlv: { kind: "delivery", bucket: "deliveries" },
  rem: { kind: "remediation", bucket: "remediations" },
  qtn: { kind: "quarantine", bucket: "quarantine" },
  aud: { kind: "audit", bucket: "audit" },
  raw: { kind: "raw_payload", bucket: "rawPayloads" },
  ntf: { kind: "notification", bucket: "notifications" },
};

// Ids are prefix + underscore + at least 6 characters; a model that shortens one ("evt_3f2a…") cites an id that does not exist, and is flagged for it.
const PREFIXED_ID = /\b(evt|dlv|rem|qtn|aud|raw|ntf)_[A-Za-z0-9]{6,}\b/g;
const ORDER_HASH = /(?<![\w#&])#(\d{3,12})\b/g;
const ORDER_WORD = /\border(?:\s+(?:number|no\.?))?\s+#?(\d{3,12})\b/gi;
const CONNECTOR_TAG = /\bconnector:([a-z0-9][a-z0-9_-]*)/gi;

/**
 * Names of the connector types the product knows (their id and the brand of their display name):
 * naming one that is not configured here is an invented reference. Generic ones (HTTP) are left out.
 */
function connectorNamePatterns(): { type: string; re: RegExp }[] {
  return Object.values(CONNECTORS)
    .filter((d) => d.id !== "http-webhook")
    .map((d) => {
      const brand = d.displayName.split(/\s+/)[0]!;
      const names = [d.id, ...(brand.length >= 5 ? [brand] : [])].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
      return { type: d.id, re: new RegExp(`(?<![\\w/.-])(?:${names.join("|")})(?![\\w/-])`, "i") };
    });
}

/** Every id-like token in the text, grouped by the table it must exist in. */
export function extractCitedIds(text: string): { ids: CitedIds; citations: Omit<Citation, "resolved">[] } {
  const ids: CitedIds = { events: [], deliveries: [], remediations: [], quarantine: [], audit: [], rawPayloads: [], notifications: [], reconDiffs: [], orders: [], connectors: [] };
  const citations: Omit<Citation, "resolved">[] = [];
  const seen = new Set<string>();
  const add = (kind: Citation["kind"], bucket: keyof CitedIds, id: string) => {
    const key = `${kind}:${id}`;
    if (seen.has(key)) return;
    seen.add(key);
    ids[bucket].push(id);
    citations.push({ kind, id });
  };
  for (const m of text.matchAll(PREFIXED_ID)) {
    const p = PREFIXES[m[1]!]!;
    add(p.kind, p.bucket, m[0]);
  }
  for (const m of text.matchAll(ORDER_HASH)) add("order", "orders", `#${m[1]}`);
  for (const m of text.matchAll(ORDER_WORD)) add("order", "orders", `#${m[1]}`);
  for (const m of text.matchAll(CONNECTOR_TAG)) add("connector", "connectors", m[1]!.toLowerCase());
  for (const { type, re } of connectorNamePatterns()) if (re.test(text)) add("connector", "connectors", type);
  return { ids, citations };
}

export interface CitationCheck {
  citations: Citation[];
  unresolved: Citation[];
  /** A visible note for the end of the answer, or "" when everything resolved. */
  note: string;
}

/** Checks every id-like token of an answer against the store. */
export async function checkCitations(store: Store, text: string): Promise<CitationCheck> {
  const { ids, citations } = extractCitedIds(text);
  if (citations.length === 0) return { citations: [], unresolved: [], note: "" };
  const found = await resolveCitedIds(store, ids);
  const bucketOf: Record<Citation["kind"], keyof CitedIds> = {
    event: "events", delivery: "deliveries", remediation: "remediations", quarantine: "quarantine", audit: "audit",
    raw_payload: "rawPayloads", notification: "notifications", recon_diff: "reconDiffs", order: "orders", connector: "connectors",
  };
  const checked = citations.map((c) => ({ ...c, resolved: found[bucketOf[c.kind]].has(c.id) }));
  const unresolved = checked.filter((c) => !c.resolved);
  const note = unresolved.length
    ? `\n\n> ⚠ Unverified: ${unresolved.map((c) => `${c.id} (${c.kind === "connector" ? "no such connector is configured" : `no such ${c.kind.replace("_", " ")} in the store`})`).join(", ")}. Treat ${unresolved.length === 1 ? "this reference" : "these references"} as unconfirmed.`
    : "";
  return { citations: checked, unresolved, note };
}
