import { SUITEQL_DATETIME_FORMAT } from "./netsuite-time";

/**
 * Every SuiteQL statement the connector sends, in one place so the sandbox can be checked
 * against exactly these. Values are SQL-quoted here; ids are checked to be integers first.
 */

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function sqlIds(ids: string[]): string {
  for (const id of ids) if (!/^\d+$/.test(id)) throw new Error(`not a NetSuite internal id: ${JSON.stringify(id)}`);
  return ids.join(", ");
}

const toTimestamp = (localText: string) => `TO_TIMESTAMP(${sqlString(localText)}, '${SUITEQL_DATETIME_FORMAT}')`;

export const SUITEQL = {
  /** The connection test: any authenticated role can read its subsidiaries. */
  subsidiaries: () => "SELECT id, name FROM subsidiary ORDER BY id",

  itemsBySku: (skus: string[]) => `SELECT id, itemid FROM item WHERE itemid IN (${skus.map(sqlString).join(", ")}) ORDER BY id`,

  locationByName: (name: string) => `SELECT id, name FROM location WHERE name = ${sqlString(name)} ORDER BY id`,

  /**
   * Stock per item and location. NetSuite stamps `lastquantityavailablechange` whenever the
   * available quantity moves (orders committing, adjustments, receipts), which is what a channel
   * sells from; a fulfilment of committed stock moves on hand and committed together and leaves
   * it alone. With `since`, rows come oldest change first so a poller can resume after the last.
   */
  inventory: (since?: string | null) =>
    "SELECT iil.item AS item, i.itemid AS itemid, iil.location AS location, BUILTIN.DF(iil.location) AS locationname, " +
    "iil.quantityonhand AS quantityonhand, iil.quantitycommitted AS quantitycommitted, iil.quantityavailable AS quantityavailable, " +
    `TO_CHAR(iil.lastquantityavailablechange, '${SUITEQL_DATETIME_FORMAT}') AS lastmodified ` +
    "FROM inventoryitemlocations iil JOIN item i ON i.id = iil.item" +
    (since === undefined
      ? " ORDER BY iil.item, iil.location"
      : `${since === null ? "" : ` WHERE iil.lastquantityavailablechange >= ${toTimestamp(since)}`} ORDER BY iil.lastquantityavailablechange, iil.item, iil.location`),

  salesOrderByExternalId: (externalId: string) =>
    `SELECT t.id AS id, t.tranid AS tranid, t.externalid AS externalid, t.status AS status FROM transaction t WHERE t.type = 'SalesOrd' AND t.externalid = ${sqlString(externalId)}`,

  salesOrdersModifiedSince: (localText: string) =>
    "SELECT t.id AS id, t.tranid AS tranid, t.externalid AS externalid, t.otherrefnum AS otherrefnum, t.status AS status, " +
    `t.foreigntotal AS total, c.symbol AS currency, TO_CHAR(t.lastmodifieddate, '${SUITEQL_DATETIME_FORMAT}') AS lastmodified ` +
    `FROM transaction t JOIN currency c ON c.id = t.currency WHERE t.type = 'SalesOrd' AND t.lastmodifieddate >= ${toTimestamp(localText)} ORDER BY t.id`,

  /** Item lines only: the shipping, discount and tax lines we add use other item types. */
  salesOrderLines: (transactionIds: string[]) =>
    "SELECT tl.transaction AS transaction, i.itemid AS itemid, tl.quantity AS quantity FROM transactionline tl JOIN item i ON i.id = tl.item " +
    `WHERE tl.transaction IN (${sqlIds(transactionIds)}) AND tl.mainline = 'F' AND i.itemtype IN ('InvtPart', 'NonInvtPart', 'Kit', 'Assembly') ` +
    "ORDER BY tl.transaction, tl.linesequencenumber",
};
