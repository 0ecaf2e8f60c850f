import {
  InventoryLevel, Order, Payout, Refund, Shipment, money, toMinorUnits,
  type Address, type Money, type SettlementLine,
} from "../../pipeline/model";
import type { z } from "zod";
import type {
  FulfillmentInput, GqlFulfillmentOrder, GqlInventoryLevel, GqlOrderSummary, GqlRefund, RestAddress, RestBalanceTransaction,
  RestFulfillment, RestFulfillmentOrder, RestInventoryLevel, RestLineItem, RestMoneySet, RestOrder, RestPayout, RestRefund, RestTransaction,
} from "./api-schemas";
import { canonicalLocation, canonicalOrderId, gidTail } from "./shopify-ids";

/**
 * Pure mappers between Shopify payloads and the canonical model. Webhook and REST bodies share
 * one shape (snake_case, numeric ids); GraphQL nodes have their own. Every canonical result is
 * parsed by its pipeline/model schema before it leaves this file.
 */

/** A payload that cannot become a canonical record; `field` is the Shopify path at fault. */
export class ShopifyMappingError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "ShopifyMappingError";
  }
}

export const SYSTEM = "shopify";

/** Shopify sends local offsets ("2021-12-31T19:00:00-05:00"); the model wants UTC with Z. */
export function utcTime(value: string, field = "time"): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ShopifyMappingError(field, `not a timestamp: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

/**
 * The exact numeric id of a record. The gid wins when present: the docs samples carry ids that a
 * JavaScript scraper rounded (…154500) next to the exact gid (…154508).
 */
export function exactId(id: string, gid?: string | null): string {
  if (gid) {
    const tail = gidTail(gid);
    if (/^\d+$/.test(tail)) return tail;
  }
  return id;
}

type Decimal = string | number;
type MoneySet = z.infer<typeof RestMoneySet>;

function shopMoney(set: MoneySet | null | undefined, fallback: Decimal | null | undefined, currency: string): Money | undefined {
  if (set?.shop_money) return money(toMinorUnits(set.shop_money.amount, set.shop_money.currency_code), set.shop_money.currency_code);
  if (fallback !== null && fallback !== undefined && fallback !== "") return money(toMinorUnits(fallback, currency), currency);
  return undefined;
}

function orZero(m: Money | undefined, currency: string): Money {
  return m ?? money(0, currency);
}

function text(v: string | null | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

export function mapAddress(a: z.infer<typeof RestAddress> | null | undefined): Address | undefined {
  if (!a) return undefined;
  const name = text(a.name) ?? text([a.first_name, a.last_name].filter(Boolean).join(" "));
  const out: Address = {
    name,
    company: text(a.company),
    line1: text(a.address1),
    line2: text(a.address2),
    city: text(a.city),
    region: text(a.province_code) ?? text(a.province),
    postalCode: text(a.zip),
    country: text(a.country_code) ?? text(a.country),
    phone: text(a.phone),
  };
  const present = Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as Address;
  return Object.keys(present).length ? present : undefined;
}

function lineSku(li: RestLineItem, field: string): string {
  const sku = text(li.sku);
  if (!sku) throw new ShopifyMappingError(field, `line item ${exactId(li.id, li.admin_graphql_api_id)} (${JSON.stringify(li.name ?? li.title ?? "")}) has no SKU; every line needs one to route and reconcile`);
  return sku;
}

function sumAllocations(allocs: RestLineItem["discount_allocations"], currency: string): number {
  return (allocs ?? []).reduce((n, a) => n + (shopMoney(a.amount_set, a.amount, currency)?.amountMinor ?? 0), 0);
}

function taxLines(lines: RestLineItem["tax_lines"], currency: string) {
  return (lines ?? []).map((t) => ({ title: t.title, rate: t.rate ?? undefined, amount: orZero(shopMoney(t.price_set, t.price, currency), currency) }));
}

function orderStatus(o: RestOrder): Order["status"] {
  if (o.cancelled_at) return "cancelled";
  if (o.financial_status === "refunded") return "refunded";
  if (o.fulfillment_status === "fulfilled") return "fulfilled";
  if (o.fulfillment_status === "partial") return "partially_fulfilled";
  if (o.closed_at) return "closed";
  return "open";
}

function orderDiscounts(o: RestOrder, currency: string): Order["discounts"] {
  const allocated = new Map<number, number>();
  const add = (allocs: RestLineItem["discount_allocations"]) => {
    for (const a of allocs ?? []) allocated.set(a.discount_application_index, (allocated.get(a.discount_application_index) ?? 0) + (shopMoney(a.amount_set, a.amount, currency)?.amountMinor ?? 0));
  };
  for (const li of o.line_items) add(li.discount_allocations);
  for (const sl of o.shipping_lines ?? []) add(sl.discount_allocations);
  const codes = o.discount_codes ?? [];
  const apps = o.discount_applications ?? [];
  if (apps.length === 0) return codes.map((c) => ({ code: c.code, amount: money(toMinorUnits(c.amount, currency), currency) }));
  return apps.map((app, i) => {
    const code = app.type === "discount_code" ? text(app.code) : undefined;
    const byCode = code ? codes.find((c) => c.code === code) : undefined;
    const amount = allocated.get(i) ?? (byCode ? toMinorUnits(byCode.amount, currency) : 0);
    return { code, title: text(app.title) ?? text(app.description) ?? code, amount: money(amount, currency) };
  });
}

/**
 * orders/create, orders/updated, orders/cancelled and REST order → canonical Order.
 * Totals are Shopify's current_* figures (after edits, refunds and cancellations), with
 * subtotal before discounts so that subtotal − discounts + shipping + tax = total. Lines keep
 * the ordered quantity.
 */
export function mapRestOrder(o: RestOrder): Order {
  const currency = o.currency;
  const id = exactId(o.id, o.admin_graphql_api_id);
  const lines = o.line_items.map((li, i) => {
    const discount = sumAllocations(li.discount_allocations, currency) || (shopMoney(li.total_discount_set, li.total_discount, currency)?.amountMinor ?? 0);
    return {
      lineId: exactId(li.id, li.admin_graphql_api_id),
      sku: lineSku(li, `line_items[${i}].sku`),
      title: text(li.name) ?? text(li.title),
      quantity: li.quantity,
      unitPrice: orZero(shopMoney(li.price_set, li.price, currency), currency),
      discount: discount > 0 ? money(discount, currency) : undefined,
      taxes: taxLines(li.tax_lines, currency),
      requiresShipping: li.requires_shipping ?? true,
    };
  });
  const shippingLines = (o.shipping_lines ?? []).map((sl) => ({
    title: sl.title,
    carrierCode: text(sl.carrier_identifier),
    serviceCode: text(sl.code),
    price: orZero(shopMoney(sl.price_set, sl.price, currency), currency),
    taxes: taxLines(sl.tax_lines, currency),
  }));
  const discounts = orZero(shopMoney(o.current_total_discounts_set, o.current_total_discounts, currency) ?? shopMoney(o.total_discounts_set, o.total_discounts, currency), currency);
  const subtotalAfterDiscounts = orZero(shopMoney(o.current_subtotal_price_set, o.current_subtotal_price, currency) ?? shopMoney(o.subtotal_price_set, o.subtotal_price, currency), currency);
  const shipping = shopMoney(o.current_shipping_price_set, undefined, currency)
    ?? shopMoney(o.total_shipping_price_set, undefined, currency)
    ?? money(shippingLines.reduce((n, s) => n + s.price.amountMinor, 0), currency);
  const tax = orZero(shopMoney(o.current_total_tax_set, o.current_total_tax, currency) ?? shopMoney(o.total_tax_set, o.total_tax, currency), currency);
  const total = orZero(shopMoney(o.current_total_price_set, o.current_total_price, currency) ?? shopMoney(o.total_price_set, o.total_price, currency), currency);
  const c = o.customer;
  const customerId = c ? exactId(c.id, c.admin_graphql_api_id) : undefined;
  return Order.parse({
    id: `shopify:${id}`,
    channel: SYSTEM,
    orderNumber: o.name,
    channelOrderId: id,
    createdAt: utcTime(o.created_at, "created_at"),
    updatedAt: o.updated_at ? utcTime(o.updated_at, "updated_at") : undefined,
    status: orderStatus(o),
    fulfilmentChannel: "merchant",
    currency,
    customer: {
      id: customerId ? `shopify:customer:${customerId}` : undefined,
      email: text(o.email) ?? text(o.contact_email) ?? text(c?.email),
      firstName: text(c?.first_name) ?? text(o.billing_address?.first_name),
      lastName: text(c?.last_name) ?? text(o.billing_address?.last_name),
      company: text(o.billing_address?.company),
      phone: text(c?.phone) ?? text(o.phone),
      defaultAddress: mapAddress(c?.default_address),
      externalIds: customerId ? { shopify: customerId } : {},
    },
    billingAddress: mapAddress(o.billing_address),
    shippingAddress: mapAddress(o.shipping_address),
    lines,
    shippingLines,
    discounts: orderDiscounts(o, currency),
    taxesIncluded: o.taxes_included ?? false,
    totals: {
      subtotal: money(subtotalAfterDiscounts.amountMinor + discounts.amountMinor, subtotalAfterDiscounts.currency),
      discounts,
      shipping,
      tax,
      total,
    },
    note: text(o.note),
    tags: (o.tags ?? "").split(",").map((t) => t.trim()).filter(Boolean),
    externalIds: { shopify: id },
  });
}

const RESTOCKING_TYPES = new Set(["return", "cancel", "legacy_restock"]);

/**
 * Shopify names an order's payment transactions "<order name>.<n>" ("#1001.3"); refunds/create
 * carries no order name otherwise. Undefined when the payment id has another form (checkout
 * tokens such as "c901414060.1").
 */
export function orderNameFromRefund(r: Pick<RestRefund, "transactions">): string | undefined {
  for (const t of r.transactions) {
    const m = /^(#\S+?)\.\d*$/.exec(t.payment_id ?? "");
    if (m) return m[1];
  }
  return undefined;
}

/** Sum of the successful transactions of one kind, in minor units. */
export function sumTransactions(txs: RestTransaction[], kind: string, currency: string): number {
  return txs.filter((t) => t.kind === kind && (t.status ?? "success") === "success").reduce((n, t) => n + toMinorUnits(t.amount, t.currency ?? currency), 0);
}

/**
 * refunds/create and REST refund → canonical Refund. The total is what went back to the
 * customer (successful refund transactions); without transactions it is lines + tax + shipping.
 */
export function mapRestRefund(r: RestRefund, opts: { orderNumber: string; currency?: string }): Refund {
  const currency = r.refund_line_items[0]?.subtotal_set?.shop_money.currency_code
    ?? r.transactions.find((t) => t.currency)?.currency
    ?? opts.currency;
  if (!currency) throw new ShopifyMappingError("currency", "the refund names no currency (no line amounts, no transaction currency)");
  const lines = r.refund_line_items.map((rli, i) => ({
    lineId: exactId(rli.line_item_id, rli.line_item.admin_graphql_api_id),
    sku: lineSku(rli.line_item, `refund_line_items[${i}].line_item.sku`),
    quantity: rli.quantity,
    amount: orZero(shopMoney(rli.subtotal_set, rli.subtotal, currency), currency),
    tax: shopMoney(rli.total_tax_set, rli.total_tax, currency),
    restock: RESTOCKING_TYPES.has(rli.restock_type ?? ""),
    restockLocation: rli.location_id ? canonicalLocation(rli.location_id) : undefined,
  }));
  const shippingFromLines = (r.refund_shipping_lines ?? []).reduce((n, s) => n + (shopMoney(s.subtotal_amount_set, undefined, currency)?.amountMinor ?? 0), 0);
  // Older refunds record refunded shipping as a negative "shipping_refund" order adjustment.
  const shippingFromAdjustments = r.order_adjustments
    .filter((a) => a.kind === "shipping_refund")
    .reduce((n, a) => n - toMinorUnits(a.amount, currency) - toMinorUnits(a.tax_amount ?? 0, currency), 0);
  const shippingRefund = shippingFromLines || shippingFromAdjustments;
  const transacted = sumTransactions(r.transactions, "refund", currency);
  const computed = lines.reduce((n, l) => n + l.amount.amountMinor + (l.tax?.amountMinor ?? 0), 0) + shippingRefund;
  const id = exactId(r.id, r.admin_graphql_api_id);
  return Refund.parse({
    id: `shopify:refund:${id}`,
    orderId: canonicalOrderId(r.order_id),
    orderNumber: opts.orderNumber,
    channel: SYSTEM,
    createdAt: utcTime(r.created_at, "created_at"),
    reason: text(r.note),
    lines,
    shippingRefund: shippingRefund ? money(shippingRefund, currency) : undefined,
    total: money(r.transactions.some((t) => t.kind === "refund") ? transacted : computed, currency),
    externalIds: { shopify: id },
  });
}

/** GraphQL Refund node (fetched when a refunds/create webhook did not name its order) → canonical Refund. */
export function mapGqlRefund(r: GqlRefund): Refund {
  const currency = r.totalRefundedSet.shopMoney.currencyCode;
  const id = gidTail(r.id);
  return Refund.parse({
    id: `shopify:refund:${id}`,
    orderId: canonicalOrderId(r.order.id),
    orderNumber: r.order.name,
    channel: SYSTEM,
    createdAt: utcTime(r.createdAt, "createdAt"),
    reason: text(r.note),
    lines: r.refundLineItems.nodes.map((n, i) => {
      const sku = text(n.lineItem.sku);
      if (!sku) throw new ShopifyMappingError(`refundLineItems[${i}].lineItem.sku`, `line item ${gidTail(n.lineItem.id)} has no SKU`);
      return {
        lineId: gidTail(n.lineItem.id),
        sku,
        quantity: n.quantity,
        amount: money(toMinorUnits(n.subtotalSet.shopMoney.amount, currency), currency),
        tax: money(toMinorUnits(n.totalTaxSet.shopMoney.amount, currency), currency),
        restock: RESTOCKING_TYPES.has((n.restockType ?? "").toLowerCase()),
        restockLocation: n.location ? canonicalLocation(n.location.id) : undefined,
      };
    }),
    total: money(toMinorUnits(r.totalRefundedSet.shopMoney.amount, currency), currency),
    externalIds: { shopify: id },
  });
}

/**
 * fulfillments/create and REST fulfillment → canonical Shipment (the channel's record of it).
 * A fulfillment is named "<order name>.<n>" ("#9999.1"), which gives the order number.
 */
export function mapRestFulfillment(f: RestFulfillment): Shipment {
  const name = text(f.name);
  if (!name) throw new ShopifyMappingError("name", "the fulfillment has no name, so its order number is unknown");
  const id = exactId(f.id, f.admin_graphql_api_id);
  return Shipment.parse({
    id: `shopify:fulfillment:${id}`,
    orderId: canonicalOrderId(f.order_id),
    orderNumber: name.replace(/\.\d+$/, ""),
    node: f.location_id ? canonicalLocation(f.location_id) : SYSTEM,
    carrier: text(f.tracking_company) ?? "unknown",
    trackingNumber: text(f.tracking_number) ?? f.tracking_numbers?.[0] ?? "",
    trackingUrl: text(f.tracking_url) ?? f.tracking_urls?.[0],
    shippedAt: utcTime(f.created_at, "created_at"),
    lines: f.line_items.map((li, i) => ({ sku: lineSku(li, `line_items[${i}].sku`), quantity: li.quantity, lineId: exactId(li.id, li.admin_graphql_api_id) })),
    externalIds: { shopify: id },
  });
}

/**
 * REST inventory level → canonical level. REST reports only "available", so on hand is taken
 * as available and committed as 0. Undefined when the item is untracked there (available null).
 */
export function mapRestInventoryLevel(l: RestInventoryLevel, sku: string): InventoryLevel | undefined {
  if (l.available === null) return undefined;
  return InventoryLevel.parse({
    sku,
    location: canonicalLocation(l.location_id),
    onHand: l.available,
    committed: 0,
    available: l.available,
    asOf: utcTime(l.updated_at, "updated_at"),
    system: SYSTEM,
  });
}

/** GraphQL InventoryLevel with quantities(names: ["available","on_hand","committed"]) → canonical level. */
export function mapGqlInventoryLevel(n: GqlInventoryLevel, opts: { locationGid?: string; now?: Date } = {}): InventoryLevel | undefined {
  const sku = text(n.item.sku);
  const locationGid = n.location?.id ?? opts.locationGid;
  if (!sku || !locationGid) return undefined;
  const q = new Map(n.quantities.map((x) => [x.name, x.quantity]));
  const committed = q.get("committed") ?? 0;
  const available = q.get("available") ?? (q.get("on_hand") ?? 0) - committed;
  return InventoryLevel.parse({
    sku,
    location: canonicalLocation(locationGid),
    onHand: q.get("on_hand") ?? available + committed,
    committed,
    available,
    asOf: n.updatedAt ? utcTime(n.updatedAt, "updatedAt") : (opts.now ?? new Date()).toISOString(),
    system: SYSTEM,
  });
}

/** Reconciliation view of a GraphQL order. */
export function mapGqlOrderSummary(o: GqlOrderSummary) {
  const status: Order["status"] = o.cancelledAt
    ? "cancelled"
    : o.displayFulfillmentStatus === "FULFILLED"
      ? "fulfilled"
      : o.displayFulfillmentStatus === "PARTIALLY_FULFILLED"
        ? "partially_fulfilled"
        : o.displayFinancialStatus === "REFUNDED" ? "refunded" : "open";
  const currency = o.currentTotalPriceSet.shopMoney.currencyCode;
  return {
    orderNumber: o.name,
    externalId: gidTail(o.id),
    totalMinor: toMinorUnits(o.currentTotalPriceSet.shopMoney.amount, currency),
    currency,
    lines: o.lineItems.nodes.map((l) => ({ sku: l.sku ?? "", quantity: l.quantity })),
    status,
  };
}

/** One fulfillment-order line that still has units to ship. */
export interface FulfillableLine {
  fulfillmentOrderId: string;
  fulfillmentOrderLineItemId: string;
  /** Numeric id of the order's line item (the canonical OrderLine.lineId). */
  orderLineItemId: string;
  sku?: string;
  locationId?: string;
  remaining: number;
}

const FULFILLABLE = new Set(["OPEN", "IN_PROGRESS"]);

export function fulfillableLines(fos: GqlFulfillmentOrder[]): FulfillableLine[] {
  return fos.filter((fo) => FULFILLABLE.has(fo.status)).flatMap((fo) =>
    fo.lineItems.nodes.filter((l) => l.remainingQuantity > 0).map((l) => ({
      fulfillmentOrderId: fo.id,
      fulfillmentOrderLineItemId: l.id,
      orderLineItemId: gidTail(l.lineItem.id),
      sku: text(l.sku) ?? text(l.lineItem.sku),
      locationId: fo.assignedLocation?.location?.id,
      remaining: l.remainingQuantity,
    })),
  );
}

/** The REST form of the same (GET orders/{id}/fulfillment_orders): no SKUs, so lines match by line id. */
export function fulfillableLinesFromRest(fos: RestFulfillmentOrder[]): FulfillableLine[] {
  return fos.filter((fo) => FULFILLABLE.has(fo.status.toUpperCase())).flatMap((fo) =>
    fo.line_items.filter((l) => l.fulfillable_quantity > 0).map((l) => ({
      fulfillmentOrderId: `gid://shopify/FulfillmentOrder/${fo.id}`,
      fulfillmentOrderLineItemId: `gid://shopify/FulfillmentOrderLineItem/${l.id}`,
      orderLineItemId: l.line_item_id,
      locationId: fo.assigned_location_id ? `gid://shopify/Location/${fo.assigned_location_id}` : undefined,
      remaining: l.fulfillable_quantity,
    })),
  );
}

/**
 * Spreads a shipment's lines over the open fulfillment-order lines (by order line id when the
 * shipment carries Shopify's, else by SKU) and groups them by location, because one
 * fulfillmentCreate may only span fulfillment orders of one location.
 */
export function allocateShipment(lines: Shipment["lines"], open: FulfillableLine[], orderNumber: string): FulfillmentInput["lineItemsByFulfillmentOrder"][] {
  const left = new Map(open.map((l) => [l.fulfillmentOrderLineItemId, l.remaining]));
  const picked = new Map<string, { line: FulfillableLine; quantity: number }>();
  lines.forEach((line, i) => {
    let need = line.quantity;
    const byLineId = line.lineId ? open.filter((l) => l.orderLineItemId === gidTail(line.lineId!)) : [];
    const candidates = byLineId.length ? byLineId : open.filter((l) => l.sku === line.sku);
    for (const c of candidates) {
      if (need === 0) break;
      const take = Math.min(need, left.get(c.fulfillmentOrderLineItemId) ?? 0);
      if (take === 0) continue;
      left.set(c.fulfillmentOrderLineItemId, (left.get(c.fulfillmentOrderLineItemId) ?? 0) - take);
      const prev = picked.get(c.fulfillmentOrderLineItemId);
      picked.set(c.fulfillmentOrderLineItemId, { line: c, quantity: (prev?.quantity ?? 0) + take });
      need -= take;
    }
    if (need > 0) {
      if (candidates.length === 0) throw new ShopifyMappingError(`lines[${i}].sku`, `SKU ${line.sku} has no unfulfilled units on Shopify order ${orderNumber}`);
      throw new ShopifyMappingError(`lines[${i}].quantity`, `only ${line.quantity - need} of ${line.quantity} units of ${line.sku} remain unfulfilled on Shopify order ${orderNumber}`);
    }
  });
  const byLocation = new Map<string, Map<string, { id: string; quantity: number }[]>>();
  for (const { line, quantity } of picked.values()) {
    const loc = line.locationId ?? "";
    const fos = byLocation.get(loc) ?? new Map<string, { id: string; quantity: number }[]>();
    fos.set(line.fulfillmentOrderId, [...(fos.get(line.fulfillmentOrderId) ?? []), { id: line.fulfillmentOrderLineItemId, quantity }]);
    byLocation.set(loc, fos);
  }
  return [...byLocation.values()].map((fos) => [...fos.entries()].map(([fulfillmentOrderId, items]) => ({ fulfillmentOrderId, fulfillmentOrderLineItems: items })));
}

/** Shopify recognises carriers by its own names ("UPS", "FedEx", "DHL Express") and builds tracking links for them. */
const SHOPIFY_CARRIER_NAMES: Record<string, string> = {
  ups: "UPS", usps: "USPS", stamps_com: "USPS", fedex: "FedEx", dhl: "DHL Express", dhl_express: "DHL Express",
  dhl_ecommerce: "DHL eCommerce", canada_post: "Canada Post", royal_mail: "Royal Mail", australia_post: "Australia Post",
  ontrac: "OnTrac", lasership: "LaserShip", purolator: "Purolator", amazon: "Amazon Logistics", amazon_shipping: "Amazon Logistics",
};

export function shopifyCarrierName(carrier: string): string {
  return SHOPIFY_CARRIER_NAMES[carrier.trim().toLowerCase().replace(/[\s.-]+/g, "_")] ?? carrier;
}

export function toFulfillmentInput(group: FulfillmentInput["lineItemsByFulfillmentOrder"], shipment: Pick<Shipment, "carrier" | "trackingNumber" | "trackingUrl">, notifyCustomer: boolean): FulfillmentInput {
  return {
    lineItemsByFulfillmentOrder: group,
    trackingInfo: {
      company: shopifyCarrierName(shipment.carrier),
      number: shipment.trackingNumber,
      ...(shipment.trackingUrl ? { url: shipment.trackingUrl } : {}),
    },
    notifyCustomer,
  };
}

const PAYOUT_LINE_KIND: Record<string, SettlementLine["kind"]> = {
  charge: "principal", refund: "refund", dispute: "dispute", reserve: "reserve", adjustment: "adjustment",
  advance: "other", advance_funding: "other", credit: "adjustment", debit: "adjustment", payout: "other",
};

/**
 * Shopify Payments payout + its balance transactions → canonical Payout. Each transaction gives
 * a line for its gross amount and, when Shopify took a fee, a fee line.
 */
export function mapPayout(p: RestPayout, transactions: RestBalanceTransaction[]): Payout {
  const payoutId = p.id;
  const lines: SettlementLine[] = [];
  for (const t of transactions.filter((x) => x.payout_id === payoutId)) {
    const base = {
      settlementId: `shopify:payout:${payoutId}`,
      source: "shopify_payments",
      orderId: t.source_order_id ? canonicalOrderId(t.source_order_id) : undefined,
      postedAt: utcTime(t.processed_at, "processed_at"),
    };
    lines.push({ ...base, kind: PAYOUT_LINE_KIND[t.type.toLowerCase()] ?? "other", description: `${t.type}${t.adjustment_reason ? ` (${t.adjustment_reason})` : ""} ${t.source_type ?? ""} ${t.source_id ?? ""}`.trim(), amount: money(toMinorUnits(t.amount, t.currency), t.currency), raw: { balanceTransactionId: t.id } });
    // The fee line is net − amount (not −fee): the lines then add up to what reached the bank
    // even where Shopify's fee sign differs (adjustments).
    const feeLine = toMinorUnits(t.net, t.currency) - toMinorUnits(t.amount, t.currency);
    if (feeLine !== 0) lines.push({ ...base, kind: "fee", description: `Shopify Payments fee on ${t.type} ${t.source_id ?? ""}`.trim(), amount: money(feeLine, t.currency), raw: { balanceTransactionId: t.id, fee: String(t.fee) } });
  }
  return Payout.parse({
    id: `shopify:payout:${payoutId}`,
    source: "shopify_payments",
    depositDate: utcTime(p.date, "date"),
    total: money(toMinorUnits(p.amount, p.currency), p.currency),
    lines,
  });
}
