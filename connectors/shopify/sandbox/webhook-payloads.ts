import { fromMinorUnits } from "../../../pipeline/model";
import type { SandboxFulfillment, SandboxLevel, SandboxOrder, SandboxRefund, ShopifySandboxState } from "./state";

/**
 * Renders sandbox records as Shopify renders webhook bodies (REST resource shape): snake_case,
 * ids as bare 64-bit integers (bigint here, written by stringifyWithBigInts), amounts as decimal
 * strings with *_set twins, and times in the shop's time zone with an offset, not Z.
 */

export function shopTime(iso: string | undefined, offsetMinutes: number): string | null {
  if (!iso) return null;
  const local = new Date(Date.parse(iso) + offsetMinutes * 60_000).toISOString().replace(/\.\d{3}Z$/, "");
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

const big = (id: string) => BigInt(id);

function amount(minor: number, currency: string): string {
  return fromMinorUnits(minor, currency);
}

function set(minor: number, currency: string) {
  const m = { amount: amount(minor, currency), currency_code: currency };
  return { shop_money: m, presentment_money: m };
}

function lineItem(state: ShopifySandboxState, order: SandboxOrder, lineId: string) {
  const l = order.lines.find((x) => x.id === lineId)!;
  const c = order.currency;
  return {
    id: big(l.id),
    admin_graphql_api_id: `gid://shopify/LineItem/${l.id}`,
    current_quantity: l.currentQuantity,
    fulfillable_quantity: Math.max(0, l.currentQuantity - l.fulfilledQuantity),
    fulfillment_service: "manual",
    fulfillment_status: l.fulfilledQuantity === 0 ? null : l.fulfilledQuantity >= l.quantity ? "fulfilled" : "partial",
    gift_card: false,
    grams: state.variants.find((v) => v.id === l.variantId)?.weightGrams ?? 0,
    name: l.title,
    price: amount(l.unitPriceMinor, c),
    price_set: set(l.unitPriceMinor, c),
    product_exists: true,
    product_id: big(l.productId),
    properties: [],
    quantity: l.quantity,
    requires_shipping: true,
    sku: l.sku,
    taxable: true,
    title: l.title,
    total_discount: amount(0, c),
    total_discount_set: set(0, c),
    variant_id: big(l.variantId),
    variant_inventory_management: "shopify",
    variant_title: null,
    vendor: null,
    tax_lines: l.taxMinor > 0 || state.taxRateBp > 0 ? [{ channel_liable: false, price: amount(l.taxMinor, c), price_set: set(l.taxMinor, c), rate: state.taxRateBp / 10_000, title: "Sales Tax" }] : [],
    duties: [],
    discount_allocations: l.discountMinor > 0 ? [{ amount: amount(l.discountMinor, c), amount_set: set(l.discountMinor, c), discount_application_index: 0 }] : [],
  };
}

function address(a: SandboxOrder["shippingAddress"]) {
  if (!a) return null;
  const [first, ...rest] = (a.name ?? "").split(" ");
  return {
    first_name: first || null, last_name: rest.join(" ") || null, name: a.name ?? null, company: null,
    address1: a.address1 ?? null, address2: a.address2 ?? null, city: a.city ?? null, province: a.province ?? null,
    province_code: a.province ?? null, zip: a.zip ?? null, country: a.country ?? null, country_code: a.country ?? null,
    phone: a.phone ?? null, latitude: null, longitude: null,
  };
}

export function orderPayload(state: ShopifySandboxState, o: SandboxOrder, offsetMinutes: number) {
  const c = o.currency;
  const t = (iso?: string) => shopTime(iso, offsetMinutes);
  const current = currentTotals(state, o);
  const fulfillmentStatus = state.fulfillmentStatus(o);
  const shipping = address(o.shippingAddress);
  return {
    id: big(o.id),
    admin_graphql_api_id: `gid://shopify/Order/${o.id}`,
    app_id: null,
    buyer_accepts_marketing: false,
    cancel_reason: o.cancelReason ?? null,
    cancelled_at: t(o.cancelledAt),
    closed_at: null,
    confirmed: true,
    contact_email: o.email ?? null,
    created_at: t(o.createdAt),
    currency: c,
    current_shipping_price_set: set(current.shipping, c),
    current_subtotal_price: amount(current.subtotal, c),
    current_subtotal_price_set: set(current.subtotal, c),
    current_total_discounts: amount(current.discounts, c),
    current_total_discounts_set: set(current.discounts, c),
    current_total_price: amount(current.total, c),
    current_total_price_set: set(current.total, c),
    current_total_tax: amount(current.tax, c),
    current_total_tax_set: set(current.tax, c),
    discount_codes: o.discountCode ? [{ code: o.discountCode, amount: amount(o.discountMinor, c), type: state.discountCodes[o.discountCode]?.percent ? "percentage" : "fixed_amount" }] : [],
    email: o.email ?? null,
    financial_status: o.financialStatus,
    fulfillment_status: fulfillmentStatus === "FULFILLED" ? "fulfilled" : fulfillmentStatus === "PARTIALLY_FULFILLED" ? "partial" : null,
    name: o.name,
    note: null,
    number: o.number,
    order_number: Number(o.name.slice(1)),
    presentment_currency: c,
    processed_at: t(o.createdAt),
    source_name: "web",
    subtotal_price: amount(o.lineItemsMinor - o.discountMinor, c),
    subtotal_price_set: set(o.lineItemsMinor - o.discountMinor, c),
    tags: "",
    tax_lines: o.taxMinor > 0 ? [{ price: amount(o.taxMinor, c), rate: state.taxRateBp / 10_000, title: "Sales Tax", price_set: set(o.taxMinor, c), channel_liable: false }] : [],
    taxes_included: false,
    test: true,
    total_discounts: amount(o.discountMinor, c),
    total_discounts_set: set(o.discountMinor, c),
    total_line_items_price: amount(o.lineItemsMinor, c),
    total_line_items_price_set: set(o.lineItemsMinor, c),
    total_price: amount(o.totalMinor, c),
    total_price_set: set(o.totalMinor, c),
    total_shipping_price_set: set(o.shippingMinor, c),
    total_tax: amount(o.taxMinor, c),
    total_tax_set: set(o.taxMinor, c),
    updated_at: t(o.updatedAt),
    billing_address: shipping,
    shipping_address: shipping,
    customer: {
      id: big(o.customerId),
      admin_graphql_api_id: `gid://shopify/Customer/${o.customerId}`,
      email: o.email ?? null,
      first_name: shipping?.first_name ?? null,
      last_name: shipping?.last_name ?? null,
      phone: null,
      currency: c,
      default_address: shipping,
    },
    discount_applications: o.discountCode ? [{ target_type: "line_item", type: "discount_code", value: amount(o.discountMinor, c), value_type: "fixed_amount", allocation_method: "across", target_selection: "all", code: o.discountCode }] : [],
    fulfillments: state.fulfillments.filter((f) => f.orderId === o.id).map((f) => fulfillmentPayload(state, f, offsetMinutes)),
    line_items: o.lines.map((l) => lineItem(state, o, l.id)),
    refunds: state.refunds.filter((r) => r.orderId === o.id).map((r) => refundPayload(state, r, offsetMinutes)),
    shipping_lines: [{
      id: big(o.id) + 1n,
      carrier_identifier: null,
      code: o.shippingTitle,
      discounted_price: amount(o.shippingMinor, c),
      discounted_price_set: set(o.shippingMinor, c),
      is_removed: false,
      phone: null,
      price: amount(o.shippingMinor, c),
      price_set: set(o.shippingMinor, c),
      source: "shopify",
      title: o.shippingTitle,
      tax_lines: [],
      discount_allocations: [],
    }],
  };
}

/** What the customer owes after refunds and cancellations (Shopify's current_* fields). */
export function currentTotals(state: ShopifySandboxState, o: SandboxOrder) {
  let subtotal = 0;
  let discounts = 0;
  let tax = 0;
  for (const l of o.lines) {
    subtotal += roundShare(l.unitPriceMinor * l.quantity - l.discountMinor, l.currentQuantity, l.quantity);
    discounts += roundShare(l.discountMinor, l.currentQuantity, l.quantity);
    tax += roundShare(l.taxMinor, l.currentQuantity, l.quantity);
  }
  const refundedShipping = state.refunds.filter((r) => r.orderId === o.id).reduce((n, r) => n + r.shippingMinor, 0);
  const shipping = o.shippingMinor - refundedShipping;
  return { subtotal, discounts, tax, shipping, total: subtotal + shipping + tax };
}

function roundShare(amountMinor: number, part: number, whole: number): number {
  return whole === 0 ? 0 : Math.floor((2 * amountMinor * part + whole) / (2 * whole));
}

export function refundPayload(state: ShopifySandboxState, r: SandboxRefund, offsetMinutes: number) {
  const o = state.orders.find((x) => x.id === r.orderId)!;
  const c = o.currency;
  return {
    id: big(r.id),
    admin_graphql_api_id: `gid://shopify/Refund/${r.id}`,
    order_id: big(o.id),
    created_at: shopTime(r.createdAt, offsetMinutes),
    processed_at: shopTime(r.createdAt, offsetMinutes),
    note: r.note ?? null,
    restock: r.lines.some((l) => l.restock),
    user_id: null,
    duties: [],
    total_duties_set: set(0, c),
    return: null,
    refund_shipping_lines: r.shippingMinor > 0 ? [{ id: big(r.id) + 1n, shipping_line_id: big(o.id) + 1n, subtotal_amount_set: set(r.shippingMinor, c) }] : [],
    order_adjustments: [],
    refund_line_items: r.lines.map((l) => ({
      id: big(l.id),
      quantity: l.quantity,
      line_item_id: big(l.orderLineId),
      location_id: l.locationId ? big(l.locationId) : null,
      restock_type: l.restockType,
      subtotal: Number(amount(l.subtotalMinor, c)),
      total_tax: Number(amount(l.taxMinor, c)),
      subtotal_set: set(l.subtotalMinor, c),
      total_tax_set: set(l.taxMinor, c),
      line_item: lineItem(state, o, l.orderLineId),
    })),
    transactions: [{
      id: big(r.transaction.id),
      order_id: big(o.id),
      kind: "refund",
      gateway: "bogus",
      status: "success",
      message: "Bogus Gateway: Forced success",
      created_at: shopTime(r.createdAt, offsetMinutes),
      test: true,
      authorization: null,
      parent_id: big(o.paymentTransactionId),
      processed_at: shopTime(r.createdAt, offsetMinutes),
      source_name: "web",
      amount: amount(r.transaction.amountMinor, c),
      currency: c,
      payment_id: r.transaction.paymentId,
      admin_graphql_api_id: `gid://shopify/OrderTransaction/${r.transaction.id}`,
    }],
  };
}

export function fulfillmentPayload(state: ShopifySandboxState, f: SandboxFulfillment, offsetMinutes: number) {
  const o = state.orders.find((x) => x.id === f.orderId)!;
  return {
    id: big(f.id),
    admin_graphql_api_id: `gid://shopify/Fulfillment/${f.id}`,
    order_id: big(o.id),
    name: f.name,
    status: f.status.toLowerCase(),
    created_at: shopTime(f.createdAt, offsetMinutes),
    updated_at: shopTime(f.createdAt, offsetMinutes),
    service: "manual",
    shipment_status: null,
    location_id: big(f.locationId),
    origin_address: null,
    email: o.email ?? null,
    destination: address(o.shippingAddress),
    tracking_company: f.tracking.company ?? null,
    tracking_number: f.tracking.number ?? null,
    tracking_numbers: f.tracking.number ? [f.tracking.number] : [],
    tracking_url: f.tracking.url ?? null,
    tracking_urls: f.tracking.url ? [f.tracking.url] : [],
    receipt: {},
    line_items: f.lines.map((l) => ({ ...lineItem(state, o, l.orderLineId), quantity: l.quantity })),
  };
}

export function inventoryLevelPayload(level: SandboxLevel, offsetMinutes: number) {
  return {
    inventory_item_id: big(level.inventoryItemId),
    location_id: big(level.locationId),
    available: level.available,
    updated_at: shopTime(level.updatedAt, offsetMinutes),
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${level.locationId}?inventory_item_id=${level.inventoryItemId}`,
  };
}
