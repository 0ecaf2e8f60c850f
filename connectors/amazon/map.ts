import { ZodError } from "zod";
import {
  InventoryLevel,
  Order,
  SettlementLine,
  toMinorUnits,
  type Address,
  type Money,
  type OrderLine,
  type Payout,
} from "../../pipeline/model";
import { ClassifiedError } from "../../pipeline/errors";
import type {
  FbaInventorySummary,
  FinancialEventGroup,
  FinancialEvents,
  FinanceTransaction,
  FinMoney,
  SpAddress,
  SpMoney,
  SpOrder,
  SpOrder2026,
  SpOrderItem,
  SpOrderStatus,
} from "./api-schemas";

/** Pure mappings SP-API ⇄ canonical model. */

export const CHANNEL = "amazon";
/** The settlement vocabulary (pipeline/model/payout.ts SettlementLineKind). */
export type SettlementLineKind = SettlementLine["kind"];
/** FBA stock is its own fulfilment node: Amazon's network, not one of our warehouses. */
export const FBA_LOCATION = "amazon-fba";

/** Default currency per marketplace, for orders that carry no money yet (Pending). */
const MARKETPLACE_CURRENCY: Record<string, string> = {
  ATVPDKIKX0DER: "USD", A2EUQ1WTGCTBG2: "CAD", A1AM78C64UM0Y8: "MXN", A2Q3Y263D00KWC: "BRL", A1F83G8C2ARO7P: "GBP",
  A1PA6795UKMFR9: "EUR", A13V1IB3VIYZZH: "EUR", APJ6JRA9NG5V4: "EUR", A1RKKUPIHCS9HS: "EUR", A1805IZSGTT6HS: "EUR",
  AMEN7PMS3EDWL: "EUR", A1C3SOZRARQ6R3: "PLN", A2NODRKZP88ZB9: "SEK", A33AVAJ2PDY3EV: "TRY", A1VC38T7YXB528: "JPY",
  A39IBJ37TRP1C6: "AUD", A19VAU5U5O7RUS: "SGD", A21TJRUUN4KGV: "INR", A2VIGQ35RCS4UG: "AED", A17E79C6D8DWNP: "SAR",
};

/**
 * Marketplaces whose Orders v0 ItemPrice excludes tax (ItemTax comes on top). Everywhere else
 * (EU, UK, JP, AU...) prices are tax-inclusive and ItemTax is the tax already inside them.
 */
const TAX_EXCLUSIVE_MARKETPLACES = new Set(["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8", "A2Q3Y263D00KWC"]);

export function canonicalOrderId(amazonOrderId: string): string {
  return `${CHANNEL}:${amazonOrderId}`;
}

/** Accepts "amazon:902-...", or a bare 3-7-7 Amazon order id; undefined for anything else. */
export function amazonOrderIdOf(idOrNumber: string | undefined): string | undefined {
  if (!idOrNumber) return undefined;
  if (idOrNumber.startsWith(`${CHANNEL}:`)) return idOrNumber.slice(CHANNEL.length + 1);
  return /^\d{3}-\d{7}-\d{7}$/.test(idOrNumber) ? idOrNumber : undefined;
}

export function orderStatusOf(s: SpOrderStatus): Order["status"] {
  switch (s) {
    case "Canceled":
      return "cancelled";
    case "Shipped":
      return "fulfilled";
    case "PartiallyShipped":
      return "partially_fulfilled";
    default:
      return "open";
  }
}

/** UTC ISO-8601 with Z; SP-API already sends Z times, this only normalises the precision. */
export function utc(s: string): string {
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new ClassifiedError({ errorClass: "validation", message: `not a timestamp: ${JSON.stringify(s)}`, field: "timestamp" });
  return new Date(t).toISOString();
}

/**
 * Orders v0 order + its items → canonical Order.
 *
 * Line money: ItemPrice is the price of the whole line (unit price × QuantityOrdered), and so are
 * ItemTax and PromotionDiscount. We keep exact unit prices: when ItemPrice divides evenly by the
 * quantity there is one line; when it does not (1795 for 2 units) the line is split into two
 * canonical lines of the same SKU, `lineId` and `lineId:2`, at floor and floor+1 minor units, so
 * unit × quantity still adds up to ItemPrice to the cent. Tax and discount are shared between the
 * two by quantity. Buyer and address are often restricted (they need an RDT): absent fields are
 * left out, never invented. Gift wrap and COD fees are not mapped.
 */
export function mapOrder(order: SpOrder, items: SpOrderItem[]): Order {
  const marketplaceId = order.MarketplaceId ?? "";
  const currency =
    order.OrderTotal?.CurrencyCode ?? items.flatMap((i) => [i.ItemPrice, i.ShippingPrice]).find(Boolean)?.CurrencyCode ?? MARKETPLACE_CURRENCY[marketplaceId] ?? "USD";
  const amount = (m: SpMoney | undefined, field: string): number => {
    if (!m) return 0;
    if (m.CurrencyCode !== currency) {
      throw new ClassifiedError({
        errorClass: "validation",
        message: `order ${order.AmazonOrderId}: ${field} is in ${m.CurrencyCode}, the order in ${currency}`,
        field,
      });
    }
    return toMinorUnits(m.Amount, currency);
  };
  const taxesIncluded = marketplaceId !== "" && !TAX_EXCLUSIVE_MARKETPLACES.has(marketplaceId);
  const cancelled = order.OrderStatus === "Canceled";
  // Amazon reports QuantityOrdered 0 on the items of a cancelled order; the lines stay for the record.
  const withheld = cancelled && items.length > 0 && items.every((i) => i.QuantityOrdered === 0);

  const lines: OrderLine[] = [];
  let subtotal = 0, itemDiscounts = 0, shipping = 0, shippingDiscounts = 0, itemTax = 0, shippingTax = 0;
  items.forEach((it, index) => {
    const sku = it.SellerSKU ?? it.ASIN;
    if (!sku) throw new ClassifiedError({ errorClass: "validation", message: `order ${order.AmazonOrderId}: item ${it.OrderItemId} has no SellerSKU`, field: `OrderItems[${index}].SellerSKU` });
    const qty = withheld ? 1 : it.QuantityOrdered;
    const price = withheld ? 0 : amount(it.ItemPrice, "ItemPrice");
    const tax = withheld ? 0 : amount(it.ItemTax, "ItemTax") - amount(it.PromotionDiscountTax, "PromotionDiscountTax");
    const discount = withheld ? 0 : amount(it.PromotionDiscount, "PromotionDiscount");
    shipping += amount(it.ShippingPrice, "ShippingPrice");
    shippingDiscounts += amount(it.ShippingDiscount, "ShippingDiscount");
    shippingTax += amount(it.ShippingTax, "ShippingTax") - amount(it.ShippingDiscountTax, "ShippingDiscountTax");
    if (qty <= 0) return;
    subtotal += price;
    itemDiscounts += discount;
    itemTax += tax;
    lines.push(...exactUnitLines({ lineId: it.OrderItemId, sku, title: it.Title }, qty, price, tax, discount, currency, taxesIncluded));
  });

  const tax = itemTax + shippingTax;
  const discounts = itemDiscounts + shippingDiscounts;
  const promotionCodes = [...new Set(items.flatMap((i) => i.PromotionIds ?? []))];
  const total = subtotal - discounts + shipping + (taxesIncluded ? 0 : tax);
  const customerName = splitName(order.BuyerInfo?.BuyerName);

  return toCanonical(Order, {
    id: canonicalOrderId(order.AmazonOrderId),
    channel: CHANNEL,
    orderNumber: order.AmazonOrderId,
    channelOrderId: order.AmazonOrderId,
    createdAt: utc(order.PurchaseDate),
    updatedAt: utc(order.LastUpdateDate),
    status: orderStatusOf(order.OrderStatus),
    fulfilmentChannel: order.FulfillmentChannel === "AFN" ? "marketplace" : "merchant",
    currency,
    customer: {
      email: order.BuyerInfo?.BuyerEmail || undefined,
      ...customerName,
      company: order.BuyerInfo?.BuyerTaxInfo?.CompanyLegalName || undefined,
      phone: order.ShippingAddress?.Phone || undefined,
    },
    shippingAddress: mapAddress(order.ShippingAddress),
    lines,
    shippingLines:
      shipping || shippingTax
        ? [{ title: order.ShipServiceLevel ?? order.ShipmentServiceLevelCategory ?? "Shipping", price: money(shipping, currency), taxes: shippingTax ? [{ title: "Shipping tax", amount: money(shippingTax, currency) }] : [] }]
        : [],
    discounts: [
      ...(itemDiscounts ? [{ title: "Amazon promotion", code: promotionCodes.join(",") || undefined, amount: money(itemDiscounts, currency) }] : []),
      ...(shippingDiscounts ? [{ title: "Amazon shipping promotion", amount: money(shippingDiscounts, currency) }] : []),
    ],
    taxesIncluded,
    totals: {
      subtotal: money(subtotal, currency),
      discounts: money(discounts, currency),
      shipping: money(shipping, currency),
      tax: money(tax, currency),
      total: money(total, currency),
    },
    purchaseOrder: order.BuyerInfo?.PurchaseOrderNumber ? { poNumber: order.BuyerInfo.PurchaseOrderNumber, partnerId: CHANNEL } : undefined,
    tags: [
      CHANNEL,
      ...(marketplaceId ? [`marketplace:${marketplaceId}`] : []),
      ...(order.FulfillmentChannel === "AFN" ? ["fba"] : ["fbm"]),
      ...(order.IsPrime ? ["prime"] : []),
      ...(order.IsBusinessOrder ? ["business"] : []),
      ...(withheld ? ["amazon:quantities-withheld"] : []),
    ],
    externalIds: { [CHANNEL]: order.AmazonOrderId },
  });
}

/**
 * Orders API 2026-01-01 order → canonical Order. That API gives unit prices directly and a
 * proceeds breakdown whose parts add up to grandTotal (tax on top), so taxesIncluded is false.
 * Order-level breakdown parts no item carries (DELIVERY_TIP, gift wrap, COD fee) become extra
 * shipping lines so the canonical totals still add up to grandTotal.
 */
export function mapOrder2026(order: SpOrder2026): Order {
  const currency =
    order.proceeds?.grandTotal?.currencyCode ??
    order.orderItems.map((i) => i.product.price?.unitPrice?.currencyCode).find(Boolean) ??
    MARKETPLACE_CURRENCY[order.salesChannel?.marketplaceId ?? ""] ??
    "USD";
  const m = (x: { amount: string } | undefined) => (x ? toMinorUnits(x.amount, currency) : 0);
  const isDiscount = (type: string) => /DISCOUNT|PROMOTION/i.test(type);

  const lines: OrderLine[] = [];
  const itemLevel: Record<string, number> = {};
  let itemTax = 0, shippingTax = 0, itemDiscounts = 0;
  order.orderItems.forEach((it, index) => {
    const sku = it.product.sellerSku ?? it.product.asin;
    if (!sku) throw new ClassifiedError({ errorClass: "validation", message: `order ${order.orderId}: item ${it.orderItemId} has no sellerSku`, field: `orderItems[${index}].product.sellerSku` });
    const breakdowns = it.proceeds?.breakdowns ?? [];
    for (const b of breakdowns) itemLevel[b.type] = (itemLevel[b.type] ?? 0) + m(b.subtotal);
    const itemPart = breakdowns.find((b) => b.type === "ITEM");
    const lineTotal = itemPart ? m(itemPart.subtotal) : m(it.product.price?.unitPrice) * it.quantityOrdered;
    let lineTax = 0;
    for (const b of breakdowns.filter((x) => x.type === "TAX")) {
      if (b.detailedBreakdowns?.length) {
        for (const d of b.detailedBreakdowns) {
          if (d.subtype === "SHIPPING") shippingTax += m(d.value);
          else lineTax += m(d.value);
        }
      } else lineTax += m(b.subtotal);
    }
    const discount = Math.abs(breakdowns.filter((b) => isDiscount(b.type)).reduce((s, b) => s + m(b.subtotal), 0));
    itemTax += lineTax;
    itemDiscounts += discount;
    if (it.quantityOrdered > 0) lines.push(...exactUnitLines({ lineId: it.orderItemId, sku, title: it.product.title }, it.quantityOrdered, lineTotal, lineTax, discount, currency, false));
  });

  const subtotal = lines.reduce((s, l) => s + l.unitPrice.amountMinor * l.quantity, 0);
  let shipping = itemLevel.SHIPPING ?? 0;
  let extraTax = 0, extraDiscount = 0;
  const extras: { title: string; price: Money; taxes: never[] }[] = [];
  for (const b of order.proceeds?.breakdowns ?? []) {
    const rest = m(b.subtotal) - (itemLevel[b.type] ?? 0);
    if (!rest) continue;
    if (b.type === "SHIPPING") shipping += rest;
    else if (b.type === "TAX") extraTax += rest;
    else if (isDiscount(b.type)) extraDiscount += Math.abs(rest);
    else if (b.type !== "ITEM") extras.push({ title: humanise(b.type), price: money(rest, currency), taxes: [] });
  }
  const tax = itemTax + shippingTax + extraTax;
  const discounts = itemDiscounts + extraDiscount;
  const extrasTotal = extras.reduce((s, e) => s + e.price.amountMinor, 0);
  const total = subtotal - discounts + shipping + extrasTotal + tax;
  const status = order.fulfillment?.fulfillmentStatus ?? "";
  const customerName = splitName(order.buyer?.buyerName);
  const a = order.recipient?.deliveryAddress;

  return toCanonical(Order, {
    id: canonicalOrderId(order.orderId),
    channel: CHANNEL,
    orderNumber: order.orderId,
    channelOrderId: order.orderId,
    createdAt: utc(order.createdTime),
    updatedAt: utc(order.lastUpdatedTime),
    status: /CANCEL/.test(status) ? "cancelled" : /PARTIAL/.test(status) ? "partially_fulfilled" : /SHIPPED|DELIVERED/.test(status) ? "fulfilled" : "open",
    fulfilmentChannel: order.fulfillment?.fulfilledBy === "AMAZON" ? "marketplace" : "merchant",
    currency,
    customer: {
      email: order.buyer?.buyerEmail || undefined,
      ...customerName,
      company: order.buyer?.buyerCompanyName || a?.companyName || undefined,
      phone: a?.phone || undefined,
    },
    shippingAddress: a
      ? clean({
          name: a.name,
          company: a.companyName,
          line1: a.addressLine1,
          line2: [a.addressLine2, a.addressLine3].filter(Boolean).join(", "),
          city: a.city,
          region: a.stateOrRegion,
          postalCode: a.postalCode,
          country: a.countryCode,
          phone: a.phone,
        })
      : undefined,
    lines,
    shippingLines: [
      ...(shipping || shippingTax
        ? [{ title: order.fulfillment?.fulfillmentServiceLevel ?? "Shipping", price: money(shipping, currency), taxes: shippingTax ? [{ title: "Shipping tax", amount: money(shippingTax, currency) }] : [] }]
        : []),
      ...extras,
    ],
    discounts: discounts ? [{ title: "Amazon promotion", amount: money(discounts, currency) }] : [],
    taxesIncluded: false,
    totals: {
      subtotal: money(subtotal, currency),
      discounts: money(discounts, currency),
      shipping: money(shipping + extrasTotal, currency),
      tax: money(tax, currency),
      total: money(total, currency),
    },
    purchaseOrder: order.buyer?.buyerPurchaseOrderNumber ? { poNumber: order.buyer.buyerPurchaseOrderNumber, partnerId: CHANNEL } : undefined,
    tags: [
      CHANNEL,
      ...(order.salesChannel?.marketplaceId ? [`marketplace:${order.salesChannel.marketplaceId}`] : []),
      order.fulfillment?.fulfilledBy === "AMAZON" ? "fba" : "fbm",
      ...(order.programs ?? []).map((p) => p.toLowerCase()),
      ...(order.proceeds?.grandTotal && m(order.proceeds.grandTotal) !== total ? ["amazon:total-mismatch"] : []),
    ],
    externalIds: { [CHANNEL]: order.orderId },
  });
}

/**
 * Lines with exact unit prices for a line whose total Amazon gives (see mapOrder): one line when
 * the total divides by the quantity, else two lines at floor and floor+1 minor units.
 */
function exactUnitLines(
  base: { lineId: string; sku: string; title?: string },
  quantity: number,
  lineTotal: number,
  tax: number,
  discount: number,
  currency: string,
  taxesIncluded: boolean,
): OrderLine[] {
  const unit = Math.floor(lineTotal / quantity);
  const remainder = lineTotal - unit * quantity;
  const make = (lineId: string, qty: number, unitMinor: number, lineTax: number, lineDiscount: number): OrderLine => ({
    lineId,
    sku: base.sku,
    title: base.title,
    quantity: qty,
    unitPrice: money(unitMinor, currency),
    discount: lineDiscount ? money(lineDiscount, currency) : undefined,
    taxes: lineTax ? [{ title: taxesIncluded ? "Included tax" : "Tax", amount: money(lineTax, currency) }] : [],
    requiresShipping: true,
  });
  if (remainder === 0) return [make(base.lineId, quantity, unit, tax, discount)];
  const lowQty = quantity - remainder;
  const share = (x: number) => Math.round((x * lowQty) / quantity);
  return [
    make(base.lineId, lowQty, unit, share(tax), share(discount)),
    make(`${base.lineId}:2`, remainder, unit + 1, tax - share(tax), discount - share(discount)),
  ];
}

export function mapAddress(a: SpAddress | undefined): Address | undefined {
  if (!a) return undefined;
  return clean({
    name: a.Name,
    company: a.CompanyName,
    line1: a.AddressLine1,
    line2: [a.AddressLine2, a.AddressLine3].filter(Boolean).join(", "),
    city: a.City,
    region: a.StateOrRegion,
    postalCode: a.PostalCode,
    country: a.CountryCode,
    phone: a.Phone,
  });
}

/**
 * FBA inventory summary → InventoryLevel at the "amazon-fba" node.
 *
 * totalQuantity is not on-hand: it includes inbound stock (the model's own example: 87 = 66
 * fulfillable + 21 inbound working). So onHand = fulfillable + reserved (sellable units inside
 * Amazon's fulfilment centres, including those being picked or transshipped), committed =
 * reserved, available = fulfillable (what buyers can order now), inTransit = inbound shipped +
 * receiving. Unfulfillable and researching units are excluded: they cannot be sold.
 */
export function mapInventorySummary(s: FbaInventorySummary, asOf: string): InventoryLevel | undefined {
  if (!s.sellerSku) return undefined;
  const d = s.inventoryDetails;
  const lastUpdated = s.lastUpdatedTime && !Number.isNaN(Date.parse(s.lastUpdatedTime)) ? utc(s.lastUpdatedTime) : utc(asOf);
  if (!d) {
    // Without details=true Amazon gives only totalQuantity; the client always asks for details.
    const total = s.totalQuantity ?? 0;
    return InventoryLevel.parse({ sku: s.sellerSku, location: FBA_LOCATION, onHand: total, committed: 0, available: total, inTransit: 0, asOf: lastUpdated, system: CHANNEL });
  }
  const fulfillable = d.fulfillableQuantity ?? 0;
  const reserved = d.reservedQuantity?.totalReservedQuantity ?? 0;
  return InventoryLevel.parse({
    sku: s.sellerSku,
    location: FBA_LOCATION,
    onHand: fulfillable + reserved,
    committed: reserved,
    available: fulfillable,
    inTransit: (d.inboundShippedQuantity ?? 0) + (d.inboundReceivingQuantity ?? 0),
    asOf: lastUpdated,
    system: CHANNEL,
  });
}

/** Kind of a charge (ChargeType / breakdown type) in the settlement vocabulary. */
export function kindOfCharge(type: string, context: { refund?: boolean; dispute?: boolean } = {}): SettlementLineKind {
  if (/tax|vat|gst/i.test(type)) return "tax";
  if (context.dispute) return "dispute";
  if (/fee|commission|chargeback/i.test(type)) return "fee";
  if (/promotion|discount/i.test(type)) return "promotion";
  if (context.refund) return "refund";
  if (/shipping/i.test(type)) return "shipping";
  if (/principal|product|item|giftwrap/i.test(type)) return "principal";
  return "other";
}

/**
 * Finances v0 financial events (one event group = one settlement period) → SettlementLine[].
 * Amounts keep Amazon's sign (seller's view: charges +, fees −). Zero amounts are dropped: Amazon
 * lists every fee type, most of them 0.
 */
export function mapFinancialEvents(events: FinancialEvents, opts: { settlementId: string }): SettlementLine[] {
  const out: SettlementLine[] = [];
  const push = (kind: SettlementLineKind, description: string, m: FinMoney | undefined, extra: { orderId?: string; sku?: string; postedAt?: string; raw?: Record<string, unknown> } = {}) => {
    if (!m || m.CurrencyAmount === 0) return;
    out.push(
      SettlementLine.parse({
        settlementId: opts.settlementId,
        source: CHANNEL,
        kind,
        description,
        amount: money(toMinorUnits(m.CurrencyAmount, m.CurrencyCode), m.CurrencyCode),
        orderId: extra.orderId,
        sku: extra.sku,
        postedAt: extra.postedAt ? utc(extra.postedAt) : undefined,
        raw: extra.raw,
      }),
    );
  };
  const shipmentLike = (list: FinancialEvents["ShipmentEventList"], ctx: { refund?: boolean; dispute?: boolean }, eventType: string) => {
    for (const ev of list ?? []) {
      const base = { orderId: ev.AmazonOrderId ? canonicalOrderId(ev.AmazonOrderId) : undefined, postedAt: ev.PostedDate };
      for (const item of [...(ev.ShipmentItemList ?? []), ...(ev.ShipmentItemAdjustmentList ?? [])]) {
        const x = { ...base, sku: item.SellerSKU, raw: { eventType, orderItemId: item.OrderItemId ?? item.OrderAdjustmentItemId } };
        for (const c of [...(item.ItemChargeList ?? []), ...(item.ItemChargeAdjustmentList ?? [])]) push(kindOfCharge(c.ChargeType, ctx), c.ChargeType, c.ChargeAmount, x);
        for (const f of [...(item.ItemFeeList ?? []), ...(item.ItemFeeAdjustmentList ?? [])]) push("fee", f.FeeType, f.FeeAmount, x);
        for (const p of [...(item.PromotionList ?? []), ...(item.PromotionAdjustmentList ?? [])]) push("promotion", p.PromotionType ?? "Promotion", p.PromotionAmount, { ...x, raw: { ...x.raw, promotionId: p.PromotionId } });
        for (const w of item.ItemTaxWithheldList ?? []) for (const t of w.TaxesWithheld ?? []) push("tax", `${t.ChargeType} (withheld)`, t.ChargeAmount, x);
      }
    }
  };
  shipmentLike(events.ShipmentEventList, {}, "Shipment");
  shipmentLike(events.RefundEventList, { refund: true }, "Refund");
  shipmentLike(events.GuaranteeClaimEventList, { dispute: true }, "GuaranteeClaim");
  shipmentLike(events.ChargebackEventList, { dispute: true }, "Chargeback");

  for (const ev of events.PayWithAmazonEventList ?? []) {
    const x = { postedAt: ev.TransactionPostedDate, raw: { eventType: "PayWithAmazon", sellerOrderId: ev.SellerOrderId } };
    if (ev.Charge) push(kindOfCharge(ev.Charge.ChargeType), ev.Charge.ChargeType, ev.Charge.ChargeAmount, x);
    for (const f of ev.FeeList ?? []) push("fee", f.FeeType, f.FeeAmount, x);
  }
  for (const ev of events.ServiceProviderCreditEventList ?? []) {
    push("other", `Service provider credit (${ev.ProviderTransactionType ?? "credit"})`, ev.TransactionAmount, {
      postedAt: ev.TransactionCreationDate,
      raw: { eventType: "ServiceProviderCredit", sellerOrderId: ev.SellerOrderId },
    });
  }
  for (const ev of events.RentalTransactionEventList ?? []) {
    const x = { orderId: ev.AmazonOrderId ? canonicalOrderId(ev.AmazonOrderId) : undefined, postedAt: ev.PostedDate, raw: { eventType: "RentalTransaction", rentalEventType: ev.RentalEventType } };
    for (const c of ev.RentalChargeList ?? []) push(kindOfCharge(c.ChargeType), c.ChargeType, c.ChargeAmount, x);
    for (const f of ev.RentalFeeList ?? []) push("fee", f.FeeType, f.FeeAmount, x);
    push("reimbursement", "RentalReimbursement", ev.RentalReimbursement, x);
    for (const w of ev.RentalTaxWithheldList ?? []) for (const t of w.TaxesWithheld ?? []) push("tax", `${t.ChargeType} (withheld)`, t.ChargeAmount, x);
  }
  // transactionValue = baseValue + taxValue: only the total is a line, or the ads cost would count twice.
  for (const ev of events.ProductAdsPaymentEventList ?? []) {
    push("fee", `Product ads (${ev.transactionType ?? "charge"})`, ev.transactionValue, { postedAt: ev.postedDate, raw: { eventType: "ProductAdsPayment", invoiceId: ev.invoiceId } });
  }
  for (const ev of events.ServiceFeeEventList ?? []) {
    for (const f of ev.FeeList ?? []) push("fee", f.FeeType, f.FeeAmount, { orderId: ev.AmazonOrderId ? canonicalOrderId(ev.AmazonOrderId) : undefined, sku: ev.SellerSKU, raw: { eventType: "ServiceFee", feeReason: ev.FeeReason } });
  }
  for (const ev of events.AdjustmentEventList ?? []) {
    const type = ev.AdjustmentType ?? "Adjustment";
    const kind: SettlementLineKind = /reserve/i.test(type) ? "reserve" : /reimburse|warehouse|lost|damage|reversal/i.test(type) ? "reimbursement" : "adjustment";
    push(kind, type, ev.AdjustmentAmount, { postedAt: ev.PostedDate, sku: ev.AdjustmentItemList?.length === 1 ? ev.AdjustmentItemList[0]!.SellerSKU : undefined, raw: { eventType: "Adjustment" } });
  }
  return out;
}

/** A financial event group is a settlement period: a Payout header, lines from its events. */
export function mapFinancialEventGroup(group: FinancialEventGroup, lines: SettlementLine[] = []): Payout {
  const total = group.OriginalTotal;
  if (!total) throw new ClassifiedError({ errorClass: "validation", message: `event group ${group.FinancialEventGroupId} has no OriginalTotal (still open?)`, field: "OriginalTotal" });
  return {
    id: group.FinancialEventGroupId,
    source: CHANNEL,
    periodStart: group.FinancialEventGroupStart ? utc(group.FinancialEventGroupStart) : undefined,
    periodEnd: group.FinancialEventGroupEnd ? utc(group.FinancialEventGroupEnd) : undefined,
    depositDate: group.FundTransferDate ? utc(group.FundTransferDate) : undefined,
    total: money(toMinorUnits(total.CurrencyAmount, total.CurrencyCode), total.CurrencyCode),
    lines,
  };
}

/**
 * Finances 2024-06-19 transactions → SettlementLine[]: the leaf breakdowns when Amazon gives them,
 * else one line per transaction (its net total) typed by transactionType.
 */
export function mapFinanceTransactions(transactions: FinanceTransaction[], opts: { settlementId?: string } = {}): SettlementLine[] {
  const out: SettlementLine[] = [];
  for (const t of transactions) {
    const related = Object.fromEntries((t.relatedIdentifiers ?? []).map((r) => [r.relatedIdentifierName, r.relatedIdentifierValue]));
    const settlementId = related.FINANCIAL_EVENT_GROUP_ID ?? opts.settlementId ?? "unassigned";
    const orderId = related.ORDER_ID ? canonicalOrderId(related.ORDER_ID) : undefined;
    const refund = /refund/i.test(t.transactionType);
    const base = { settlementId, source: CHANNEL, orderId, postedAt: t.postedDate ? utc(t.postedDate) : undefined, raw: { transactionType: t.transactionType, transactionId: t.transactionId } };
    const leaves: { type: string; amount: { currencyAmount: number; currencyCode: string } }[] = [];
    const walk = (bs: NonNullable<FinanceTransaction["breakdowns"]>) => {
      for (const b of bs) b.breakdowns?.length ? walk(b.breakdowns) : leaves.push({ type: b.breakdownType, amount: b.breakdownAmount });
    };
    walk(t.breakdowns ?? []);
    if (leaves.length) {
      for (const l of leaves) {
        if (l.amount.currencyAmount === 0) continue;
        out.push(SettlementLine.parse({ ...base, kind: kindOfCharge(l.type, { refund }), description: l.type, amount: money(toMinorUnits(l.amount.currencyAmount, l.amount.currencyCode), l.amount.currencyCode) }));
      }
    } else {
      out.push(
        SettlementLine.parse({
          ...base,
          kind: kindOfTransaction(t.transactionType),
          description: t.description ?? t.transactionType,
          amount: money(toMinorUnits(t.totalAmount.currencyAmount, t.totalAmount.currencyCode), t.totalAmount.currencyCode),
        }),
      );
    }
  }
  return out;
}

function kindOfTransaction(type: string): SettlementLineKind {
  if (/^shipment$|^order$/i.test(type)) return "principal";
  if (/refund/i.test(type)) return "refund";
  if (/reimburse/i.test(type)) return "reimbursement";
  if (/chargeback|guarantee|claim/i.test(type)) return "dispute";
  if (/fee|ads/i.test(type)) return "fee";
  if (/adjust/i.test(type)) return "adjustment";
  return "other";
}

function money(amountMinor: number, currency: string): Money {
  return { amountMinor, currency };
}

function splitName(name: string | undefined): { firstName?: string; lastName?: string } {
  const n = name?.trim();
  if (!n) return {};
  const i = n.indexOf(" ");
  return i < 0 ? { firstName: n } : { firstName: n.slice(0, i), lastName: n.slice(i + 1).trim() };
}

function humanise(type: string): string {
  const s = type.toLowerCase().replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function clean<T extends Record<string, string | undefined>>(o: T): T | undefined {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined && v !== "");
  return entries.length ? (Object.fromEntries(entries) as T) : undefined;
}

/** Validates a mapped object against the canonical schema; a failure names the field. */
function toCanonical<T>(schema: { parse(x: unknown): T }, value: unknown): T {
  try {
    return schema.parse(value);
  } catch (e) {
    if (e instanceof ZodError) {
      const issue = e.issues[0];
      throw new ClassifiedError({ errorClass: "validation", message: `Amazon order does not fit the canonical model: ${issue?.path.join(".")}: ${issue?.message}`, field: issue?.path.join("."), reason: issue?.message });
    }
    throw e;
  }
}
