import { sql, type SQL } from "drizzle-orm";
import type { Store } from "../client";

/** Ids an answer cites, by the table they must exist in. */
export interface CitedIds {
  events: string[];
  deliveries: string[];
  remediations: string[];
  quarantine: string[];
  audit: string[];
  rawPayloads: string[];
  notifications: string[];
  reconDiffs: string[];
  /** Order numbers as written ("#1042"); matched with and without the leading #, and as PO numbers. */
  orders: string[];
  connectors: string[];
}

export type ResolvedIds = { [K in keyof CitedIds]: Set<string> };

/** Which of the cited ids exist: one indexed lookup per kind that has any. */
export async function resolveCitedIds(store: Store, ids: CitedIds): Promise<ResolvedIds> {
  const found = async (list: string[], q: (l: string[]) => SQL): Promise<Set<string>> =>
    list.length ? new Set((await store.rows<{ id: string }>(q(list))).map((r) => r.id)) : new Set();
  const orderVariants = [...new Set(ids.orders.flatMap((o) => [o, o.replace(/^#/, ""), `#${o.replace(/^#/, "")}`]))];
  const [events, deliveries, remediations, quarantine, audit, rawPayloads, notifications, reconDiffs, orderHits, connectors] = await Promise.all([
    found(ids.events, (l) => sql`select id from events where id in ${l}`),
    found(ids.deliveries, (l) => sql`select id from deliveries where id in ${l}`),
    found(ids.remediations, (l) => sql`select id from remediations where id in ${l}`),
    found(ids.quarantine, (l) => sql`select id from quarantine where id in ${l}`),
    found(ids.audit, (l) => sql`select id from audit_log where id in ${l}`),
    found(ids.rawPayloads, (l) => sql`select id from raw_payloads where id in ${l}`),
    found(ids.notifications, (l) => sql`select id from inbound_notifications where id in ${l}`),
    found(ids.reconDiffs, (l) => sql`select id from recon_diffs where id in ${l}`),
    found(orderVariants, (l) => sql`
      select order_number as id from events where order_number in ${l}
      union select po_number as id from events where po_number in ${l}`),
    found(ids.connectors, (l) => sql`select id from connector_instances where id in ${l} union select connector_type as id from connector_instances where connector_type in ${l}`),
  ]);
  const bare = (o: string) => o.replace(/^#/, "");
  const orderFound = new Set([...orderHits].map(bare));
  return {
    events, deliveries, remediations, quarantine, audit, rawPayloads, notifications, reconDiffs,
    orders: new Set(ids.orders.filter((o) => orderFound.has(bare(o)))),
    connectors,
  };
}
