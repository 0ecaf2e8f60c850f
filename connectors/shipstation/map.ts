import { ClassifiedError } from "../../pipeline/errors";
import { fromMinorUnits, toMinorUnits, type Address, type FulfilmentPart, type InventoryLevel, type Order, type Shipment } from "../../pipeline/model";
import type { SsAddress, SsCreateOrderRequest, SsOrder, SsOrderItem, SsShipment, SsShipmentItem, V2InventoryRow } from "./api-schemas";
import { pacificToUtc, utcToPacific } from "./pacific-time";

/** The connector id: InventoryLevel.system, the key of externalIds. */
export const SYSTEM = "shipstation";

/** ShipStation wants decimals as JSON numbers; fromMinorUnits gives the exact decimal text first. */
function decimal(amountMinor: number, currency: string): number {
  return Number(fromMinorUnits(amountMinor, currency));
}

function toSsAddress(a: Address | undefined, fallbackName: string | undefined): SsAddress {
  return {
    name: a?.name ?? fallbackName ?? null,
    company: a?.company ?? null,
    street1: a?.line1 ?? null,
    street2: a?.line2 ?? null,
    city: a?.city ?? null,
    state: a?.region ?? null,
    postalCode: a?.postalCode ?? null,
    country: a?.country ?? null,
    phone: a?.phone ?? null,
  };
}

/**
 * The orderKey of one part of a routed order. An unsplit order, and the primary part of a split
 * one, keep the canonical order id; every other part is "<order id>~<node>", so each part is its
 * own ShipStation order and a retry or an edit upserts the same one.
 */
export function partOrderKey(orderId: string, part?: FulfilmentPart): string {
  return !part || part.primary ? orderId : `${orderId}${PART_KEY_SEPARATOR}${part.node}`;
}

const PART_KEY_SEPARATOR = "~";

/** The canonical order id an orderKey we sent belongs to (a part's key names its order first). */
export function orderIdOfKey(orderKey: string): string {
  const i = orderKey.lastIndexOf(PART_KEY_SEPARATOR);
  return i > 0 && /^[a-z0-9][a-z0-9_-]*$/i.test(orderKey.slice(i + 1)) ? orderKey.slice(0, i) : orderKey;
}

export interface CreateOrderOptions {
  /** ShipStation warehouse (ship-from location) the 3PL fulfils from; omitted = the account default. */
  warehouseId?: number;
  /**
   * One part of a split order: only these lines ship in this ShipStation order, under its own
   * orderKey. Shipping and order-level discounts ride on the primary part; every part carries its
   * own lines' tax, so the parts add up to the order.
   */
  part?: FulfilmentPart;
  /** "cancelled" for the cancel action; otherwise taken from the order. */
  orderStatus?: "awaiting_shipment" | "cancelled" | "on_hold";
  internalNotes?: string;
}

/**
 * Canonical Order → POST /orders/createorder body. orderKey is the canonical order id, so every
 * later write for this order (update, cancel) upserts the same ShipStation order. Only lines that
 * ship become items; order-level discounts travel as one adjustment item, the way ShipStation's own
 * docs example carries "10% OFF", so orderTotal still adds up. Amounts are sent in the order's
 * currency: ShipStation has no currency field, the account must be in the same currency.
 */
export function toCreateOrderRequest(order: Order, opts: CreateOrderOptions = {}): SsCreateOrderRequest {
  const cur = order.currency;
  if (order.fulfilmentChannel === "marketplace") {
    throw new ClassifiedError({ errorClass: "validation", message: `order ${order.orderNumber} is fulfilled by the marketplace: sending it to the 3PL would ship it twice`, field: "fulfilmentChannel", reason: "marketplace-fulfilled orders are not routed to ShipStation" });
  }
  const part = opts.part && opts.part.count > 1 ? opts.part : undefined;
  const inPart = part ? new Set(part.lineIds) : undefined;
  const shippable = order.lines.filter((l) => l.requiresShipping && (!inPart || inPart.has(l.lineId)));
  if (shippable.length === 0) {
    throw new ClassifiedError({ errorClass: "validation", message: `order ${order.orderNumber} has no line that ships${part ? ` in its part at ${part.node}` : ""}`, field: "lines", reason: "a 3PL order needs at least one shippable line" });
  }
  const charges = !part || part.primary;
  const customerName = [order.customer.firstName, order.customer.lastName].filter(Boolean).join(" ") || order.customer.company;
  const items: SsOrderItem[] = shippable.map((l) => ({
    lineItemKey: l.lineId,
    sku: l.sku,
    name: l.title ?? l.sku,
    quantity: l.quantity,
    unitPrice: decimal(l.unitPrice.amountMinor, cur),
    taxAmount: l.taxes.length > 0 ? decimal(l.taxes.reduce((s, t) => s + t.amount.amountMinor, 0), cur) : null,
    adjustment: false,
  }));
  if (charges && order.totals.discounts.amountMinor > 0) {
    const label = order.discounts.map((d) => d.code ?? d.title).filter(Boolean).join(", ");
    items.push({ sku: null, name: label ? `Discount (${label})` : "Discount", quantity: 1, unitPrice: -decimal(order.totals.discounts.amountMinor, cur), adjustment: true });
  }
  const status = opts.orderStatus ?? (order.status === "cancelled" ? "cancelled" : "awaiting_shipment");
  const amounts = part ? partAmounts(order, shippable, charges) : { paid: order.totals.total.amountMinor, tax: order.totals.tax.amountMinor, shipping: order.totals.shipping.amountMinor };
  return {
    orderNumber: order.orderNumber,
    orderKey: partOrderKey(order.id, opts.part),
    orderDate: utcToPacific(order.createdAt),
    paymentDate: utcToPacific(order.createdAt),
    orderStatus: status,
    customerUsername: order.customer.email ?? null,
    customerEmail: order.customer.email ?? null,
    billTo: toSsAddress(order.billingAddress ?? order.shippingAddress, customerName),
    shipTo: toSsAddress(order.shippingAddress, customerName),
    items,
    amountPaid: decimal(amounts.paid, cur),
    taxAmount: decimal(amounts.tax, cur),
    shippingAmount: decimal(amounts.shipping, cur),
    customerNotes: order.note ?? null,
    internalNotes: opts.internalNotes ?? null,
    requestedShippingService: order.shippingLines[0]?.title ?? null,
    advancedOptions: {
      ...(opts.warehouseId !== undefined ? { warehouseId: opts.warehouseId } : {}),
      source: order.channel,
      customField1: order.purchaseOrder ? `PO ${order.purchaseOrder.poNumber}` : null,
    },
  };
}

/** A split part's share of the order's money: its lines and their tax, plus the order-level charges on the primary part. */
function partAmounts(order: Order, lines: Order["lines"], charges: boolean): { paid: number; tax: number; shipping: number } {
  const sum = (xs: { amountMinor: number }[]) => xs.reduce((a, m) => a + m.amountMinor, 0);
  const goods = lines.reduce((a, l) => a + l.unitPrice.amountMinor * l.quantity, 0);
  const lineTax = sum(lines.flatMap((l) => l.taxes.map((t) => t.amount)));
  const shipping = charges ? order.totals.shipping.amountMinor : 0;
  const tax = lineTax + (charges ? sum(order.shippingLines.flatMap((s) => s.taxes.map((t) => t.amount))) : 0);
  const discount = charges ? order.totals.discounts.amountMinor : 0;
  return { paid: goods - discount + shipping + (order.taxesIncluded ? 0 : tax), tax, shipping };
}

export interface ShipmentContext {
  /** The fulfilment node's name (the ShipStation warehouse name). */
  node: string;
  currency: string;
  /** The order's items, when the shipment came without shipmentItems. */
  fallbackItems?: (SsOrderItem | SsShipmentItem)[];
}

/**
 * A ShipStation shipment → canonical Shipment. orderId is the orderKey we sent (the canonical order
 * id); a shipment of an order created outside Loopkeeper has no such key and gets
 * "shipstation:<orderId>". shippedAt is the label's createDate (Pacific → UTC); shipDate is only a
 * calendar date, used (as Pacific midnight) when createDate is missing.
 */
export function toCanonicalShipment(s: SsShipment, ctx: ShipmentContext): Shipment {
  const source = s.shipmentItems && s.shipmentItems.length > 0 ? s.shipmentItems : ctx.fallbackItems ?? [];
  const lines = mergeLines(source);
  if (lines.length === 0) {
    throw new ClassifiedError({ errorClass: "validation", message: `ShipStation shipment ${s.shipmentId} has no items`, field: "shipmentItems" });
  }
  if (!s.trackingNumber) {
    throw new ClassifiedError({ errorClass: "validation", message: `ShipStation shipment ${s.shipmentId} has no tracking number`, field: "trackingNumber" });
  }
  const shippedAt = s.createDate ? pacificToUtc(s.createDate) : s.shipDate ? pacificToUtc(s.shipDate) : undefined;
  if (!shippedAt) throw new ClassifiedError({ errorClass: "validation", message: `ShipStation shipment ${s.shipmentId} has no date`, field: "shipDate" });
  return {
    id: `${SYSTEM}:${s.shipmentId}`,
    orderId: s.orderKey ? orderIdOfKey(s.orderKey) : `${SYSTEM}:${s.orderId}`,
    orderNumber: s.orderNumber,
    node: ctx.node,
    carrier: s.carrierCode ?? "unknown",
    service: s.serviceCode ?? undefined,
    trackingNumber: s.trackingNumber,
    shippedAt,
    shippingCost: s.shipmentCost !== null && s.shipmentCost !== undefined ? { amountMinor: toMinorUnits(s.shipmentCost, ctx.currency), currency: ctx.currency } : undefined,
    lines,
    externalIds: { [SYSTEM]: String(s.shipmentId) },
  };
}

function mergeLines(items: (SsOrderItem | SsShipmentItem)[]): Shipment["lines"] {
  const out: Shipment["lines"] = [];
  for (const it of items) {
    if ("adjustment" in it && it.adjustment) continue;
    if (!it.sku || it.quantity <= 0) continue;
    out.push({ sku: it.sku, quantity: it.quantity, ...(it.lineItemKey ? { lineId: it.lineItemKey } : {}) });
  }
  return out;
}

/**
 * One v2 inventory row → InventoryLevel. committed = allocated (units promised to open orders);
 * ShipStation's own available wins, as the model says.
 */
export function toInventoryLevel(row: V2InventoryRow, ctx: { location: string; asOf: string }): InventoryLevel {
  return {
    sku: row.sku,
    location: ctx.location,
    onHand: row.on_hand,
    committed: row.allocated,
    available: row.available,
    inTransit: 0,
    asOf: ctx.asOf,
    system: SYSTEM,
  };
}

/** Rows of several locations in one warehouse add up to one level per SKU and warehouse. */
export function toInventoryLevels(rows: V2InventoryRow[], locationOf: (warehouseId: string) => string, asOf: string): InventoryLevel[] {
  const byKey = new Map<string, InventoryLevel>();
  for (const row of rows) {
    const location = locationOf(row.inventory_warehouse_id);
    const key = `${row.sku}\u0000${location}`;
    const level = toInventoryLevel(row, { location, asOf });
    const prev = byKey.get(key);
    byKey.set(key, prev ? { ...prev, onHand: prev.onHand + level.onHand, committed: prev.committed + level.committed, available: prev.available + level.available } : level);
  }
  return [...byKey.values()];
}

/** A ShipStation order as the reconciliation reader reports it. */
export function toOrderSummary(o: SsOrder, currency: string): { orderNumber: string; externalId: string; totalMinor?: number; currency?: string; lines: { sku: string; quantity: number }[]; status?: string } {
  return {
    orderNumber: o.orderNumber,
    externalId: String(o.orderId),
    totalMinor: o.orderTotal !== null && o.orderTotal !== undefined ? toMinorUnits(o.orderTotal, currency) : undefined,
    currency,
    lines: (o.items ?? []).filter((i) => !i.adjustment && i.sku).map((i) => ({ sku: i.sku!, quantity: i.quantity })),
    status: o.orderStatus,
  };
}
