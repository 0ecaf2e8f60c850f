import { z } from "zod";
import { Address, ExternalIds, Money, UtcTimestamp } from "./primitives";
import { Customer } from "./customer";

export const TaxLine = z.object({
  title: z.string(),
  rate: z.number().optional(),
  amount: Money,
});

export const Discount = z.object({
  code: z.string().optional(),
  title: z.string().optional(),
  amount: Money,
});

export const OrderLine = z.object({
  lineId: z.string(),
  sku: z.string().min(1, "every order line needs a SKU"),
  title: z.string().optional(),
  quantity: z.number().int().positive(),
  unitPrice: Money,
  discount: Money.optional(),
  taxes: z.array(TaxLine).default([]),
  /** B2B item ids by qualifier (X12 PO1: BP buyer part, VP/VN vendor part, UP UPC). */
  partnerItemIds: z.record(z.string(), z.string()).optional(),
  requiresShipping: z.boolean().default(true),
});
export type OrderLine = z.infer<typeof OrderLine>;

export const ShippingLine = z.object({
  title: z.string(),
  carrierCode: z.string().optional(),
  serviceCode: z.string().optional(),
  price: Money,
  taxes: z.array(TaxLine).default([]),
});

export const OrderTotals = z.object({
  subtotal: Money,
  discounts: Money,
  shipping: Money,
  tax: Money,
  total: Money,
});

/** B2B purchase-order fields (EDI 850 and wholesale portals). */
export const PurchaseOrderInfo = z.object({
  poNumber: z.string(),
  partnerId: z.string(),
  poDate: z.string().optional(),
  /** X12 DTM*002: when the buyer wants the goods delivered. */
  requestedDeliveryDate: z.string().optional(),
  requestedShipDate: z.string().optional(),
  cancelAfterDate: z.string().optional(),
  departmentNumber: z.string().optional(),
  vendorNumber: z.string().optional(),
});

export const OrderStatus = z.enum(["open", "cancelled", "partially_fulfilled", "fulfilled", "refunded", "closed"]);

/** FBM: we fulfil. FBA/marketplace: the channel fulfils, we only account for it. */
export const FulfilmentChannel = z.enum(["merchant", "marketplace"]);

export const Order = z.object({
  /** Stable canonical id: `<channel>:<channel order id>`. */
  id: z.string(),
  channel: z.string(),
  /** What people say out loud: "#1042", the Amazon order id, the PO number. */
  orderNumber: z.string(),
  channelOrderId: z.string(),
  createdAt: UtcTimestamp,
  updatedAt: UtcTimestamp.optional(),
  status: OrderStatus.default("open"),
  fulfilmentChannel: FulfilmentChannel.default("merchant"),
  currency: z.string(),
  customer: Customer,
  billingAddress: Address.optional(),
  shippingAddress: Address.optional(),
  lines: z.array(OrderLine).min(1, "an order needs at least one line"),
  shippingLines: z.array(ShippingLine).default([]),
  discounts: z.array(Discount).default([]),
  taxesIncluded: z.boolean().default(false),
  totals: OrderTotals,
  purchaseOrder: PurchaseOrderInfo.optional(),
  note: z.string().optional(),
  tags: z.array(z.string()).default([]),
  externalIds: ExternalIds.default({}),
});
export type Order = z.infer<typeof Order>;
