import { fromMinorUnits } from "../../../pipeline/model";
import type { NetSuiteState, NsCustomer, Tx } from "./state";

/**
 * Records as GET record/v1 renders them (see fixtures/netsuite/records/salesOrder.get.docs-example.json):
 * HATEOAS links, references as `{ id, refName, links }`, numbers as JSON numbers, and sublists as
 * links only unless `expandSubResources=true` inlines their lines.
 */

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

export function renderRecord(state: NetSuiteState, base: string, record: Tx | NsCustomer, opts: { expand: boolean }): Record<string, unknown> {
  const href = (type: string, id: string) => `${base}/services/rest/record/v1/${type}/${id}`;
  const ref = (type: string, id: string | undefined, refName?: string) => (id ? { links: [{ rel: "self", href: href(type, id) }], id, ...(refName ? { refName } : {}) } : undefined);
  if (!("type" in record)) {
    return {
      links: [{ rel: "self", href: href("customer", record.id) }],
      id: record.id,
      externalId: record.externalId,
      isPerson: record.isPerson,
      firstName: record.firstName,
      lastName: record.lastName,
      companyName: record.companyName,
      email: record.email,
      subsidiary: ref("subsidiary", record.subsidiaryId, "Parent Company"),
      lastModifiedDate: iso(record.lastModifiedMs),
    };
  }
  const tx = record;
  const money = (minor: number) => Number(fromMinorUnits(minor, state.currency));
  const customer = tx.entityId ? state.customers.get(tx.entityId) : undefined;
  const self = href(tx.type, tx.id);
  const lines = tx.lines.map((l) => ({
    links: [{ rel: "self", href: `${self}/item/${l.line}` }],
    line: l.line,
    item: ref("inventoryItem", l.itemId, state.items.get(l.itemId)?.itemid),
    quantity: l.quantity,
    ...(tx.type === "salesOrder" ? { quantityFulfilled: l.quantityFulfilled, quantityCommitted: l.quantityCommitted, isClosed: l.isClosed } : {}),
    ...(tx.type === "returnAuthorization" ? { quantityReceived: l.quantityReceived } : {}),
    ...(l.orderLine !== undefined ? { orderLine: l.orderLine } : {}),
    ...(l.rateMinor !== undefined ? { rate: money(l.rateMinor) } : {}),
    amount: money(l.amountMinor),
    ...(l.description ? { description: l.description } : {}),
    ...(l.locationId ? { location: ref("location", l.locationId, state.locations.get(l.locationId)?.name) } : {}),
  }));
  const body: Record<string, unknown> = {
    links: [{ rel: "self", href: self }],
    id: tx.id,
    tranId: tx.tranId,
    externalId: tx.externalId,
    status: tx.status,
    ...(tx.type === "salesOrder" ? { orderStatus: tx.status } : {}),
    entity: ref("customer", tx.entityId, customer?.companyName ?? [customer?.firstName, customer?.lastName].filter(Boolean).join(" ")),
    createdFrom: tx.createdFromId ? ref("transaction", tx.createdFromId) : undefined,
    currency: ref("currency", "1", state.currency),
    location: ref("location", tx.locationId, tx.locationId ? state.locations.get(tx.locationId)?.name : undefined),
    tranDate: tx.tranDate,
    otherRefNum: tx.otherRefNum,
    memo: tx.memo,
    shippingCost: tx.type === "salesOrder" ? money(tx.shippingCostMinor) : undefined,
    discountTotal: tx.type === "salesOrder" ? money(tx.discountMinor) : undefined,
    total: money(state.total(tx)),
    createdDate: iso(tx.createdMs),
    lastModifiedDate: iso(tx.lastModifiedMs),
    item: opts.expand
      ? { links: [{ rel: "self", href: `${self}/item` }], items: lines, count: lines.length, hasMore: false, offset: 0, totalResults: lines.length }
      : { links: [{ rel: "self", href: `${self}/item` }] },
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}
