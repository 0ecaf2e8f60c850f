import { ClassifiedError } from "../../pipeline/errors";
import { fromMinorUnits, toMinorUnits, type Address, type InventoryLevel, type Order, type Refund, type Shipment } from "../../pipeline/model";
import type { CreditMemoTransformBody, InventoryRow, SalesOrderRow, SalesOrderWrite, TransactionRecord, TransformBody } from "./api-schemas";
import { creditMemoExternalId, fulfillmentExternalId, itemReceiptExternalId, returnAuthorizationExternalId } from "./external-ids";
import { netsuiteLocalToUtcIso, utcIsoToNetsuiteLocal } from "./netsuite-time";
import type { NetSuiteSettings } from "./settings";

/**
 * Pure translations between the canonical model and SuiteTalk REST bodies. Lookups (item ids,
 * locations, customers) happen before, in resolve-refs.ts; these functions only shape data and
 * refuse what NetSuite could not book correctly.
 *
 * Money: rates and amounts are decimal strings from fromMinorUnits, never floats.
 * Tax: NetSuite REST works only with SuiteTax, which computes tax itself from nexus, addresses
 * and item tax settings, so by default no tax is sent and NetSuite's total may differ from the
 * channel's (the orders reader reports NetSuite's total for reconciliation). With
 * settings.taxItemId the channel's tax is booked as one line of that Other Charge item instead.
 * Orders whose prices include tax are sent at those prices with no tax line.
 */

export function unknownSkuError(skus: string[]): ClassifiedError {
  return new ClassifiedError({
    errorClass: "validation",
    field: "item",
    reason: `SKU ${skus[0]} has no NetSuite item`,
    message: `no NetSuite item for SKU ${skus.join(", ")} (checked the netsuite_item mapping and item.itemid)`,
  });
}

function settingMissing(setting: string, why: string): ClassifiedError {
  return new ClassifiedError({ errorClass: "validation", field: setting, reason: `${why} but settings.${setting} is not set`, message: `${why}; set settings.${setting} on the NetSuite connector` });
}

const ref = (id: string) => ({ id });
const dateIn = (iso: string, timeZone: string) => utcIsoToNetsuiteLocal(iso, timeZone).slice(0, 10);

function itemIdFor(itemIds: Map<string, string>, sku: string): string {
  const id = itemIds.get(sku);
  if (!id) throw unknownSkuError([sku]);
  return id;
}

export function toAddress(a: Address | undefined): SalesOrderWrite["shippingAddress"] {
  if (!a) return undefined;
  const out = {
    addressee: a.name ?? a.company,
    attention: a.name && a.company ? a.company : undefined,
    addr1: a.line1,
    addr2: a.line2,
    city: a.city,
    state: a.region,
    zip: a.postalCode,
    country: a.country,
    addrPhone: a.phone,
  };
  const present = Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined && v !== ""));
  return Object.keys(present).length ? present : undefined;
}

/** A customer record keyed by hashed e-mail; persons need first and last names (NetSuite says so if absent). */
export function toCustomerBody(order: Order, settings: NetSuiteSettings): Record<string, unknown> {
  const c = order.customer;
  const addr = order.billingAddress ?? order.shippingAddress;
  const [first, ...rest] = (addr?.name ?? "").trim().split(/\s+/).filter(Boolean);
  const isPerson = !c.company;
  return Object.fromEntries(
    Object.entries({
      isPerson,
      firstName: isPerson ? c.firstName ?? first : undefined,
      lastName: isPerson ? c.lastName ?? (rest.length ? rest.join(" ") : undefined) : undefined,
      companyName: c.company,
      email: c.email,
      phone: c.phone,
      subsidiary: settings.subsidiaryId ? ref(settings.subsidiaryId) : undefined,
    }).filter(([, v]) => v !== undefined),
  );
}

/** Refuses, before any write, an order NetSuite could not book correctly with these settings. */
export function assertBookable(order: Order, settings: NetSuiteSettings): void {
  const discount = order.totals.discounts.amountMinor;
  if (discount !== 0 && !settings.discountItemId) throw settingMissing("discountItemId", `order ${order.orderNumber} has a ${fromMinorUnits(discount, order.currency)} ${order.currency} discount`);
}

export interface SalesOrderRefs {
  entityId: string;
  /** SKU → NetSuite item internal id, for every SKU of the order. */
  itemIds: Map<string, string>;
  /** Where the order commits stock; NetSuite's preference applies when absent. */
  locationId?: string;
  /** Per order line (lineId), where a split order's line commits; others use locationId. */
  lineLocationIds?: Map<string, string>;
  settings: NetSuiteSettings;
  timeZone: string;
}

/** Canonical order → the body of PUT record/v1/salesOrder/eid:{externalId}. */
export function toSalesOrderBody(order: Order, refs: SalesOrderRefs): SalesOrderWrite {
  const cur = order.currency;
  const { settings } = refs;
  const location = refs.locationId ? ref(refs.locationId) : undefined;
  const items: SalesOrderWrite["item"]["items"] = order.lines.map((l) => {
    const lineLocation = refs.lineLocationIds?.get(l.lineId);
    return {
      item: ref(itemIdFor(refs.itemIds, l.sku)),
      quantity: l.quantity,
      rate: fromMinorUnits(l.unitPrice.amountMinor, cur),
      ...(l.title ? { description: l.title } : {}),
      ...(lineLocation ? { location: ref(lineLocation) } : location ? { location } : {}),
    };
  });
  const tax = order.totals.tax.amountMinor;
  if (settings.taxItemId && tax !== 0 && !order.taxesIncluded) {
    items.push({ item: ref(settings.taxItemId), quantity: 1, rate: fromMinorUnits(tax, cur), description: `Tax collected by ${order.channel}` });
  }
  assertBookable(order, settings);
  const discount = order.totals.discounts.amountMinor;
  const shipping = order.totals.shipping.amountMinor;
  const currencyId = settings.currencyIds?.[cur];
  const body: SalesOrderWrite = {
    entity: ref(refs.entityId),
    tranDate: dateIn(order.createdAt, refs.timeZone),
    otherRefNum: order.purchaseOrder?.poNumber ?? order.orderNumber,
    memo: `${order.channel} order ${order.orderNumber}`,
    ...(location ? { location } : {}),
    ...(currencyId ? { currency: ref(currencyId) } : {}),
    ...(shipping !== 0 ? { shippingCost: fromMinorUnits(shipping, cur), ...(settings.shipMethodId ? { shipMethod: ref(settings.shipMethodId) } : {}) } : {}),
    ...(discount !== 0 ? { discountItem: ref(settings.discountItemId!), discountRate: fromMinorUnits(-Math.abs(discount), cur) } : {}),
    ...(toAddress(order.shippingAddress) ? { shippingAddress: toAddress(order.shippingAddress) } : {}),
    ...(toAddress(order.billingAddress) ? { billingAddress: toAddress(order.billingAddress) } : {}),
    item: { items },
  };
  return body;
}

/** The open lines of a sales order (as GET ?expandSubResources=true returns them). */
export function openLines(so: TransactionRecord) {
  return (so.item?.items ?? []).filter((l) => !l.isClosed).map((l) => ({ ...l, open: Math.max(0, l.quantity - (l.quantityFulfilled ?? 0)) }));
}

/**
 * Canonical shipment → the body of POST salesOrder/{id}/!transform/itemFulfillment. Every open
 * line is named: a transform pre-selects all of them, so lines not in this shipment are sent
 * with itemReceive false, as in Oracle's partial-fulfilment sample.
 */
export function toItemFulfillmentBody(
  shipment: Shipment,
  so: TransactionRecord,
  refs: { itemIds: Map<string, string>; locationId?: string; settings: NetSuiteSettings; timeZone: string },
): TransformBody {
  const lines = openLines(so).filter((l) => l.item.id !== refs.settings.taxItemId);
  const take = new Map<number, number>();
  for (const s of shipment.lines) {
    const itemId = itemIdFor(refs.itemIds, s.sku);
    const candidates = lines.filter((l) => l.item.id === itemId);
    if (!candidates.length) {
      throw new ClassifiedError({ errorClass: "validation", field: "item", reason: `SKU ${s.sku} is not on sales order ${so.tranId ?? so.id}`, message: `shipment ${shipment.id} ships SKU ${s.sku}, which sales order ${so.tranId ?? so.id} does not have open` });
    }
    let left = s.quantity;
    for (const l of candidates) {
      const room = l.open - (take.get(l.line) ?? 0);
      const n = Math.min(room, left);
      if (n > 0) take.set(l.line, (take.get(l.line) ?? 0) + n), (left -= n);
    }
    if (left > 0) {
      const open = candidates.reduce((a, l) => a + l.open, 0);
      throw new ClassifiedError({ errorClass: "validation", field: "quantity", reason: `SKU ${s.sku}: shipped ${s.quantity} but sales order ${so.tranId ?? so.id} has ${open} open`, message: `shipment ${shipment.id} ships more of SKU ${s.sku} than sales order ${so.tranId ?? so.id} has open` });
    }
  }
  return {
    externalId: fulfillmentExternalId(shipment.id),
    tranDate: dateIn(shipment.shippedAt, refs.timeZone),
    memo: `Shipped ${shipment.carrier} ${shipment.trackingNumber} (shipment ${shipment.id})`,
    shipStatus: ref("C"),
    package: { items: [{ packageTrackingNumber: shipment.trackingNumber, packageDescr: [shipment.carrier, shipment.service].filter(Boolean).join(" ") }] },
    item: {
      items: lines.map((l) => {
        const n = take.get(l.line) ?? 0;
        if (n === 0) return { orderLine: l.line, itemReceive: false };
        const loc = refs.locationId ?? l.location?.id;
        return { orderLine: l.line, itemReceive: true, quantity: n, ...(loc ? { location: ref(loc) } : {}) };
      }),
    },
  };
}

/** Refund lines that return units: the part of a refund a return authorization can carry. */
export const unitLines = (refund: Refund) => refund.lines.filter((l) => l.quantity > 0);

/**
 * Canonical refund → POST salesOrder/{id}/!transform/returnAuthorization (with replace=item):
 * one line per returned SKU and sales order line, at the refunded amount.
 */
export function toReturnAuthorizationBody(refund: Refund, so: TransactionRecord, refs: { itemIds: Map<string, string>; timeZone: string }): TransformBody {
  const soLines = so.item?.items ?? [];
  const used = new Map<number, number>();
  const items: NonNullable<TransformBody["item"]>["items"] = [];
  for (const r of unitLines(refund)) {
    const itemId = itemIdFor(refs.itemIds, r.sku);
    const line = soLines.find((l) => l.item.id === itemId && (used.get(l.line) ?? 0) < l.quantity) ?? soLines.find((l) => l.item.id === itemId);
    if (!line) {
      throw new ClassifiedError({ errorClass: "validation", field: "item", reason: `SKU ${r.sku} is not on sales order ${so.tranId ?? so.id}`, message: `refund ${refund.id} returns SKU ${r.sku}, which sales order ${so.tranId ?? so.id} does not have` });
    }
    used.set(line.line, (used.get(line.line) ?? 0) + r.quantity);
    items.push({ orderLine: line.line, item: ref(itemId), quantity: r.quantity, amount: fromMinorUnits(r.amount.amountMinor, r.amount.currency) });
  }
  return {
    externalId: returnAuthorizationExternalId(refund.id),
    tranDate: dateIn(refund.createdAt, refs.timeZone),
    memo: `Refund ${refund.id} of ${refund.channel} order ${refund.orderNumber}${refund.reason ? `: ${refund.reason}` : ""}`.slice(0, 999),
    item: { items },
  };
}

/**
 * Return authorization → POST returnAuthorization/{id}/!transform/itemReceipt: restocked units
 * are received at their restock location (or the RA line's), the rest are left unreceived.
 * Returns undefined when nothing goes back on the shelf.
 */
export function toItemReceiptBody(
  refund: Refund,
  ra: TransactionRecord,
  refs: { itemIds: Map<string, string>; locationIds: Map<string, string>; defaultLocationId?: string },
): TransformBody | undefined {
  const raLines = (ra.item?.items ?? []).map((l) => ({ ...l, left: l.quantity - (l.quantityReceived ?? 0) }));
  const receive = new Map<number, { quantity: number; location?: string }>();
  for (const r of unitLines(refund).filter((l) => l.restock)) {
    const itemId = itemIdFor(refs.itemIds, r.sku);
    let left = r.quantity;
    for (const l of raLines.filter((x) => x.item.id === itemId)) {
      const got = receive.get(l.line)?.quantity ?? 0;
      const n = Math.min(left, l.left - got);
      if (n <= 0) continue;
      const location = (r.restockLocation ? refs.locationIds.get(r.restockLocation) : undefined) ?? l.location?.id ?? refs.defaultLocationId;
      receive.set(l.line, { quantity: got + n, location });
      left -= n;
    }
  }
  if (receive.size === 0) return undefined;
  return {
    externalId: itemReceiptExternalId(refund.id),
    memo: `Restock for refund ${refund.id}`,
    item: {
      items: raLines.map((l) => {
        const r = receive.get(l.line);
        return r ? { orderLine: l.line, itemReceive: true, quantity: r.quantity, ...(r.location ? { location: ref(r.location) } : {}) } : { orderLine: l.line, itemReceive: false };
      }),
    },
  };
}

/**
 * Return authorization → POST returnAuthorization/{id}/!transform/creditMemo. The memo takes the
 * RA's lines; money the refund returns beyond units (shipping, amount-only lines) and, with
 * settings.taxItemId, refunded tax are added as lines so the credit equals the refund.
 */
export function toCreditMemoBody(refund: Refund, settings: NetSuiteSettings): CreditMemoTransformBody {
  const cur = refund.total.currency;
  const extra: NonNullable<CreditMemoTransformBody["item"]>["items"] = [];
  const adjustments = [
    ...refund.lines.filter((l) => l.quantity === 0 && l.amount.amountMinor !== 0).map((l) => ({ minor: l.amount.amountMinor, text: `Refund adjustment ${l.sku}` })),
    ...(refund.shippingRefund && refund.shippingRefund.amountMinor !== 0 ? [{ minor: refund.shippingRefund.amountMinor, text: "Shipping refund" }] : []),
  ];
  if (adjustments.length) {
    if (!settings.refundAdjustmentItemId) throw settingMissing("refundAdjustmentItemId", `refund ${refund.id} returns ${fromMinorUnits(adjustments.reduce((a, x) => a + x.minor, 0), cur)} ${cur} not tied to returned units`);
    for (const a of adjustments) extra.push({ item: ref(settings.refundAdjustmentItemId), quantity: 1, amount: fromMinorUnits(a.minor, cur), description: a.text });
  }
  const tax = refund.lines.reduce((a, l) => a + (l.tax?.amountMinor ?? 0), 0);
  if (settings.taxItemId && tax !== 0) extra.push({ item: ref(settings.taxItemId), quantity: 1, amount: fromMinorUnits(tax, cur), description: "Tax refunded" });
  return { externalId: creditMemoExternalId(refund.id), memo: `Refund ${refund.id} of order ${refund.orderNumber}`, ...(extra.length ? { item: { items: extra } } : {}) };
}

/**
 * A SuiteQL stock row → InventoryLevel. `location` is the NetSuite location *name* (what routing
 * nodes and the other systems' seeds call it), falling back to the internal id. Fractional
 * quantities (units of measure) are floored so nothing is ever offered that is not there.
 */
export function toInventoryLevel(row: InventoryRow, asOf: string): InventoryLevel {
  const onHand = Math.floor(row.quantityonhand);
  const committed = Math.floor(row.quantitycommitted);
  return {
    sku: row.itemid,
    location: row.locationname || row.location,
    onHand,
    committed,
    available: row.quantityavailable === undefined ? onHand - committed : Math.floor(row.quantityavailable),
    inTransit: 0,
    asOf,
    system: "netsuite",
  };
}

/** UTC ISO of a SuiteQL "lastmodified" text, or undefined when NetSuite left it empty. */
export function lastModifiedUtc(row: { lastmodified?: string }, timeZone: string): string | undefined {
  return row.lastmodified ? netsuiteLocalToUtcIso(row.lastmodified, timeZone) : undefined;
}

/** transaction.status letters of a sales order, in the canonical vocabulary where one fits. */
const SALES_ORDER_STATUS: Record<string, string> = {
  A: "pending_approval",
  B: "open",
  C: "cancelled",
  D: "partially_fulfilled",
  E: "partially_fulfilled",
  F: "fulfilled",
  G: "fulfilled",
  H: "closed",
};

export function toReaderOrder(row: SalesOrderRow, lines: { sku: string; quantity: number }[]) {
  const status = row.status?.replace(/^SalesOrd:/, "");
  return {
    orderNumber: row.otherrefnum ?? row.tranid ?? row.id,
    externalId: row.id,
    ...(row.total !== undefined && row.currency && /^-?\d*\.?\d+$/.test(row.total) ? { totalMinor: toMinorUnits(row.total, row.currency), currency: row.currency } : {}),
    lines,
    ...(status ? { status: SALES_ORDER_STATUS[status] ?? status } : {}),
  };
}
