import { fromMinorUnits } from "../../../pipeline/model";
import { netsuiteLocalToUtcIso, utcIsoToNetsuiteLocal } from "../netsuite-time";
import { NsError } from "./faults";
import { SUITEQL_TYPE, type NetSuiteState } from "./state";

/**
 * Answers the SuiteQL statements the connector sends (suiteql.ts), recognised by their FROM and
 * WHERE clauses; this is not a SQL engine. Rows look like SuiteQL over REST: every value a
 * string, null columns left out, datetimes rendered in the account user's time zone.
 */

type Row = Record<string, string>;

const LITERAL = "'(?:[^']|'')*'";
const unquote = (lit: string) => lit.slice(1, -1).replace(/''/g, "'");
const literals = (list: string) => [...list.matchAll(new RegExp(LITERAL, "g"))].map((m) => unquote(m[0]));
const compact = (row: Record<string, string | number | undefined>): Row =>
  Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => [k, String(v)]));

export function answerSuiteQL(state: NetSuiteState, query: string, timeZone: string): Row[] {
  const q = query.replace(/\s+/g, " ").trim();
  const local = (ms: number) => utcIsoToNetsuiteLocal(new Date(ms).toISOString(), timeZone);
  const fromLocal = (text: string) => Date.parse(netsuiteLocalToUtcIso(text, timeZone));
  let m: RegExpExecArray | null;

  if (/^SELECT id, name FROM subsidiary\b/i.test(q)) return [{ id: state.ids.subsidiaryId, name: "Parent Company" }];

  if ((m = /FROM item WHERE itemid IN \((.*)\) ORDER BY id$/i.exec(q))) {
    const wanted = new Set(literals(m[1]!));
    return [...state.items.values()].filter((i) => wanted.has(i.itemid)).sort((a, b) => Number(a.id) - Number(b.id)).map((i) => ({ id: i.id, itemid: i.itemid }));
  }

  if ((m = new RegExp(`FROM location WHERE name = (${LITERAL}) ORDER BY id$`, "i").exec(q))) {
    const name = unquote(m[1]!);
    return [...state.locations.values()].filter((l) => l.name === name).map((l) => ({ id: l.id, name: l.name }));
  }

  if ((m = /FROM inventoryitemlocations iil JOIN item i ON i\.id = iil\.item(?: WHERE iil\.lastquantityavailablechange >= TO_TIMESTAMP\('([^']*)', 'YYYY-MM-DD HH24:MI:SS'\))? ORDER BY (.+)$/i.exec(q))) {
    const since = m[1] === undefined ? undefined : fromLocal(m[1]);
    const byChange = /^iil\.lastquantityavailablechange\b/i.test(m[2]!);
    const rows = [...state.stock.values()]
      .filter((r) => since === undefined || r.lastQtyAvailableChange >= since)
      .sort((a, b) => (byChange ? a.lastQtyAvailableChange - b.lastQtyAvailableChange : 0) || Number(a.itemId) - Number(b.itemId) || Number(a.locationId) - Number(b.locationId));
    return rows.map((r) =>
      compact({
        item: r.itemId,
        itemid: state.items.get(r.itemId)!.itemid,
        location: r.locationId,
        locationname: state.locations.get(r.locationId)!.name,
        quantityonhand: r.onHand,
        quantitycommitted: r.committed || undefined,
        quantityavailable: r.onHand - r.committed,
        lastmodified: local(r.lastQtyAvailableChange),
      }),
    );
  }

  const salesOrders = () => [...state.transactions.values()].filter((t) => t.type === "salesOrder");

  if ((m = new RegExp(`FROM transaction t WHERE t\\.type = 'SalesOrd' AND t\\.externalid = (${LITERAL})$`, "i").exec(q))) {
    const eid = unquote(m[1]!);
    return salesOrders()
      .filter((t) => t.externalId === eid)
      .map((t) => compact({ id: t.id, tranid: t.tranId, externalid: t.externalId, status: t.status }));
  }

  if ((m = /FROM transaction t JOIN currency c ON c\.id = t\.currency WHERE t\.type = 'SalesOrd' AND t\.lastmodifieddate >= TO_TIMESTAMP\('([^']*)', 'YYYY-MM-DD HH24:MI:SS'\) ORDER BY t\.id$/i.exec(q))) {
    const since = fromLocal(m[1]!);
    return salesOrders()
      .filter((t) => t.lastModifiedMs >= since)
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((t) =>
        compact({
          id: t.id,
          tranid: t.tranId,
          externalid: t.externalId,
          otherrefnum: t.otherRefNum,
          status: t.status,
          total: fromMinorUnits(state.total(t), state.currency),
          currency: state.currency,
          lastmodified: local(t.lastModifiedMs),
        }),
      );
  }

  if ((m = /FROM transactionline tl JOIN item i ON i\.id = tl\.item WHERE tl\.transaction IN \(([\d, ]+)\) AND tl\.mainline = 'F' AND i\.itemtype IN \(([^)]*)\)/i.exec(q))) {
    const ids = new Set(m[1]!.split(",").map((s) => s.trim()));
    const types = new Set(literals(m[2]!));
    const out: Row[] = [];
    for (const t of [...state.transactions.values()].filter((x) => ids.has(x.id)).sort((a, b) => Number(a.id) - Number(b.id))) {
      for (const l of t.lines) {
        const item = state.items.get(l.itemId)!;
        if (!types.has(item.itemtype)) continue;
        // Sales leave stock: transactionline carries them as negative quantities.
        out.push({ transaction: t.id, itemid: item.itemid, quantity: String(SUITEQL_TYPE[t.type] === "SalesOrd" ? -l.quantity : l.quantity) });
      }
    }
    return out;
  }

  throw new NsError(400, "INVALID_PARAMETER", `Invalid search query. Detailed unprocessed description follows. Search error occurred: the sandbox does not answer this statement: ${q.slice(0, 300)}`);
}
