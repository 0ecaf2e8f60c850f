import type { RecordReaders } from "../sdk/definition";
import type { NetSuiteClient } from "./client";
import { toInventoryLevel, toReaderOrder } from "./map";
import { utcIsoToNetsuiteLocal } from "./netsuite-time";

/** NetSuite as the system of record, read for reconciliation. */
export const NETSUITE_READERS: RecordReaders<NetSuiteClient> = {
  /** Every item at every location, as of the read. */
  async inventory(client) {
    const asOf = new Date().toISOString();
    return (await client.listInventory()).map((row) => toInventoryLevel(row, asOf));
  },

  /** Sales orders changed since `since` (UTC ISO), with their item lines. */
  async orders(client, since: string) {
    const rows = await client.listSalesOrdersModifiedSince(utcIsoToNetsuiteLocal(since, client.timeZone));
    const bySo = new Map<string, Map<string, number>>();
    for (const l of await client.listSalesOrderLines(rows.map((r) => r.id))) {
      const skus = bySo.get(l.transaction) ?? new Map<string, number>();
      // transactionline stores sales as negative quantities.
      skus.set(l.itemid, (skus.get(l.itemid) ?? 0) + Math.abs(l.quantity));
      bySo.set(l.transaction, skus);
    }
    return rows.map((r) => toReaderOrder(r, [...(bySo.get(r.id) ?? new Map<string, number>())].map(([sku, quantity]) => ({ sku, quantity }))));
  },
};
