import { z } from "zod";

/**
 * zod schemas of the Shopify payloads this connector reads: webhook / REST bodies (snake_case,
 * numeric ids) and the Admin GraphQL responses of the operations in graphql-documents.ts.
 * They check structure only; business rules (every line has a SKU) live in the canonical model.
 * Webhook and REST bodies must be parsed with parseExactJson so 64-bit ids arrive as strings.
 */

/** A numeric Shopify id as a string. A JS number above 2^53 has already lost digits: refuse it. */
export const ShopifyNumericId = z.union([z.string().regex(/^\d+$/, "a Shopify id is a decimal integer"), z.number().int().nonnegative()]).transform((v, ctx) => {
  if (typeof v === "string") return v;
  if (!Number.isSafeInteger(v)) {
    ctx.addIssue({ code: "custom", message: "id exceeds 2^53 and lost precision: parse the body with parseExactJson" });
    return z.NEVER;
  }
  return String(v);
});

/** Amounts arrive as decimal strings ("89.99"), and as floats in a few legacy refund fields. */
export const Decimal = z.union([z.string(), z.number()]);
const s = z.string().nullish();

export const RestMoney = z.object({ amount: Decimal, currency_code: z.string() });
export const RestMoneySet = z.object({ shop_money: RestMoney, presentment_money: RestMoney.nullish() });

export const RestAddress = z.object({
  first_name: s, last_name: s, name: s, company: s, address1: s, address2: s, city: s,
  province: s, province_code: s, zip: s, country: s, country_code: s, phone: s,
});

export const RestTaxLine = z.object({ title: z.string(), price: Decimal, rate: z.number().nullish(), price_set: RestMoneySet.nullish() });

export const RestDiscountAllocation = z.object({ amount: Decimal, amount_set: RestMoneySet.nullish(), discount_application_index: z.number().int() });

export const RestLineItem = z.object({
  id: ShopifyNumericId,
  admin_graphql_api_id: s,
  sku: s,
  title: s,
  name: s,
  quantity: z.number().int(),
  current_quantity: z.number().int().nullish(),
  price: Decimal,
  price_set: RestMoneySet.nullish(),
  total_discount: Decimal.nullish(),
  total_discount_set: RestMoneySet.nullish(),
  discount_allocations: z.array(RestDiscountAllocation).nullish(),
  tax_lines: z.array(RestTaxLine).nullish(),
  requires_shipping: z.boolean().nullish(),
  variant_id: ShopifyNumericId.nullish(),
  product_id: ShopifyNumericId.nullish(),
});
export type RestLineItem = z.infer<typeof RestLineItem>;

export const RestShippingLine = z.object({
  id: ShopifyNumericId.nullish(),
  title: z.string(),
  code: s,
  carrier_identifier: s,
  source: s,
  price: Decimal,
  price_set: RestMoneySet.nullish(),
  discounted_price: Decimal.nullish(),
  tax_lines: z.array(RestTaxLine).nullish(),
  discount_allocations: z.array(RestDiscountAllocation).nullish(),
});

export const RestCustomer = z.object({
  id: ShopifyNumericId,
  admin_graphql_api_id: s,
  email: s,
  first_name: s,
  last_name: s,
  phone: s,
  default_address: RestAddress.nullish(),
});

export const RestDiscountCode = z.object({ code: z.string(), amount: Decimal, type: s });
export const RestDiscountApplication = z.object({ type: s, title: s, code: s, description: s, value: Decimal.nullish(), value_type: s, target_type: s });

/** The order resource as webhooks (orders/create, orders/updated, orders/cancelled) and REST render it. */
export const RestOrder = z.object({
  id: ShopifyNumericId,
  admin_graphql_api_id: s,
  name: z.string().min(1),
  order_number: z.number().int().nullish(),
  currency: z.string(),
  created_at: z.string(),
  updated_at: s,
  processed_at: s,
  cancelled_at: s,
  cancel_reason: s,
  closed_at: s,
  financial_status: s,
  fulfillment_status: s,
  email: s,
  contact_email: s,
  phone: s,
  note: s,
  tags: s,
  po_number: s,
  taxes_included: z.boolean().nullish(),
  current_subtotal_price: Decimal.nullish(),
  current_subtotal_price_set: RestMoneySet.nullish(),
  current_total_discounts: Decimal.nullish(),
  current_total_discounts_set: RestMoneySet.nullish(),
  current_total_price: Decimal.nullish(),
  current_total_price_set: RestMoneySet.nullish(),
  current_total_tax: Decimal.nullish(),
  current_total_tax_set: RestMoneySet.nullish(),
  current_shipping_price_set: RestMoneySet.nullish(),
  subtotal_price: Decimal.nullish(),
  subtotal_price_set: RestMoneySet.nullish(),
  total_discounts: Decimal.nullish(),
  total_discounts_set: RestMoneySet.nullish(),
  total_price: Decimal.nullish(),
  total_price_set: RestMoneySet.nullish(),
  total_tax: Decimal.nullish(),
  total_tax_set: RestMoneySet.nullish(),
  total_shipping_price_set: RestMoneySet.nullish(),
  line_items: z.array(RestLineItem),
  shipping_lines: z.array(RestShippingLine).nullish(),
  discount_codes: z.array(RestDiscountCode).nullish(),
  discount_applications: z.array(RestDiscountApplication).nullish(),
  billing_address: RestAddress.nullish(),
  shipping_address: RestAddress.nullish(),
  customer: RestCustomer.nullish(),
});
export type RestOrder = z.infer<typeof RestOrder>;

export const RestFulfillment = z.object({
  id: ShopifyNumericId,
  admin_graphql_api_id: s,
  order_id: ShopifyNumericId,
  name: s,
  status: s,
  created_at: z.string(),
  updated_at: s,
  service: s,
  location_id: ShopifyNumericId.nullish(),
  tracking_company: s,
  tracking_number: s,
  tracking_numbers: z.array(z.string()).nullish(),
  tracking_url: s,
  tracking_urls: z.array(z.string()).nullish(),
  line_items: z.array(RestLineItem),
});
export type RestFulfillment = z.infer<typeof RestFulfillment>;

export const RestTransaction = z.object({
  id: ShopifyNumericId.nullish(),
  order_id: ShopifyNumericId.nullish(),
  kind: z.string(),
  gateway: s,
  status: s,
  amount: Decimal,
  currency: s,
  created_at: s,
  processed_at: s,
  payment_id: s,
  parent_id: ShopifyNumericId.nullish(),
  admin_graphql_api_id: s,
  maximum_refundable: Decimal.nullish(),
});
export type RestTransaction = z.infer<typeof RestTransaction>;

export const RestRefundLineItem = z.object({
  id: ShopifyNumericId.nullish(),
  quantity: z.number().int(),
  line_item_id: ShopifyNumericId,
  location_id: ShopifyNumericId.nullish(),
  restock_type: s,
  subtotal: Decimal.nullish(),
  total_tax: Decimal.nullish(),
  subtotal_set: RestMoneySet.nullish(),
  total_tax_set: RestMoneySet.nullish(),
  line_item: RestLineItem,
});

export const RestOrderAdjustment = z.object({
  id: ShopifyNumericId.nullish(),
  amount: Decimal,
  tax_amount: Decimal.nullish(),
  kind: s,
  reason: s,
  amount_set: RestMoneySet.nullish(),
  tax_amount_set: RestMoneySet.nullish(),
});

export const RestRefundShippingLine = z.object({
  id: ShopifyNumericId.nullish(),
  shipping_line_id: ShopifyNumericId.nullish(),
  subtotal_amount_set: RestMoneySet.nullish(),
});

export const RestRefund = z.object({
  id: ShopifyNumericId,
  admin_graphql_api_id: s,
  order_id: ShopifyNumericId,
  created_at: z.string(),
  processed_at: s,
  note: s,
  restock: z.boolean().nullish(),
  refund_line_items: z.array(RestRefundLineItem).default([]),
  transactions: z.array(RestTransaction).default([]),
  order_adjustments: z.array(RestOrderAdjustment).default([]),
  refund_shipping_lines: z.array(RestRefundShippingLine).nullish(),
});
export type RestRefund = z.infer<typeof RestRefund>;

/** POST refunds/calculate: a suggestion, not a refund (no id, transactions of kind suggested_refund). */
export const RestRefundCalculation = z.object({
  currency: z.string(),
  shipping: z.object({ amount: Decimal, tax: Decimal.nullish(), maximum_refundable: Decimal.nullish() }).nullish(),
  refund_line_items: z.array(RestRefundLineItem.partial({ line_item: true })).default([]),
  refund_shipping_lines: z.array(RestRefundShippingLine).nullish(),
  transactions: z.array(RestTransaction).default([]),
});

export const RestInventoryLevel = z.object({
  inventory_item_id: ShopifyNumericId,
  location_id: ShopifyNumericId,
  /** null when the item is not tracked at that location. */
  available: z.number().int().nullable(),
  updated_at: z.string(),
  admin_graphql_api_id: s,
});
export type RestInventoryLevel = z.infer<typeof RestInventoryLevel>;

export const RestFulfillmentOrder = z.object({
  id: ShopifyNumericId,
  order_id: ShopifyNumericId,
  assigned_location_id: ShopifyNumericId.nullish(),
  status: z.string(),
  line_items: z.array(z.object({
    id: ShopifyNumericId,
    fulfillment_order_id: ShopifyNumericId,
    quantity: z.number().int(),
    line_item_id: ShopifyNumericId,
    inventory_item_id: ShopifyNumericId.nullish(),
    fulfillable_quantity: z.number().int(),
    variant_id: ShopifyNumericId.nullish(),
  })),
});
export type RestFulfillmentOrder = z.infer<typeof RestFulfillmentOrder>;

export const RestPayout = z.object({
  id: ShopifyNumericId,
  status: z.string(),
  date: z.string(),
  currency: z.string(),
  amount: Decimal,
  summary: z.record(z.string(), Decimal).nullish(),
});
export type RestPayout = z.infer<typeof RestPayout>;

export const RestBalanceTransaction = z.object({
  id: ShopifyNumericId,
  type: z.string(),
  test: z.boolean().nullish(),
  payout_id: ShopifyNumericId.nullish(),
  payout_status: s,
  currency: z.string(),
  amount: Decimal,
  fee: Decimal,
  net: Decimal,
  source_id: ShopifyNumericId.nullish(),
  source_type: s,
  source_order_id: ShopifyNumericId.nullish(),
  source_order_transaction_id: ShopifyNumericId.nullish(),
  processed_at: z.string(),
  adjustment_reason: s,
});
export type RestBalanceTransaction = z.infer<typeof RestBalanceTransaction>;

// ---------------------------------------------------------------- Admin GraphQL

export const GqlMoney = z.object({ amount: z.string(), currencyCode: z.string() });
export const GqlMoneyBag = z.object({ shopMoney: GqlMoney });
export const GqlPageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
export const GqlUserError = z.object({ field: z.array(z.string()).nullish(), message: z.string(), code: z.string().nullish() });

export const GqlThrottleStatus = z.object({ maximumAvailable: z.number(), currentlyAvailable: z.number(), restoreRate: z.number() });
export type GqlThrottleStatus = z.infer<typeof GqlThrottleStatus>;
export const GqlCost = z.object({ requestedQueryCost: z.number(), actualQueryCost: z.number().nullable(), throttleStatus: GqlThrottleStatus });
export type GqlCost = z.infer<typeof GqlCost>;

export const ShopData = z.object({ shop: z.object({ name: z.string(), myshopifyDomain: z.string().nullish(), currencyCode: z.string().nullish() }) });

export const GqlOrderLineItem = z.object({ id: z.string(), sku: z.string().nullable(), name: z.string(), quantity: z.number().int(), currentQuantity: z.number().int().nullish() });
export const GqlLineItemConnection = z.object({ pageInfo: GqlPageInfo, nodes: z.array(GqlOrderLineItem) });

export const GqlOrderSummary = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string().nullish(),
  cancelledAt: z.string().nullable(),
  displayFulfillmentStatus: z.string(),
  displayFinancialStatus: z.string().nullish(),
  currencyCode: z.string(),
  currentTotalPriceSet: GqlMoneyBag,
  currentSubtotalPriceSet: GqlMoneyBag.nullish(),
  currentTotalTaxSet: GqlMoneyBag.nullish(),
  currentTotalDiscountsSet: GqlMoneyBag.nullish(),
  lineItems: GqlLineItemConnection,
});
export type GqlOrderSummary = z.infer<typeof GqlOrderSummary>;

export const OrdersData = z.object({ orders: z.object({ pageInfo: GqlPageInfo, nodes: z.array(GqlOrderSummary) }) });
export const OrderLineItemsData = z.object({ order: z.object({ id: z.string(), lineItems: GqlLineItemConnection }).nullable() });

export const GqlFulfillmentOrderLineItems = z.object({
  pageInfo: GqlPageInfo.nullish(),
  nodes: z.array(z.object({
    id: z.string(),
    sku: z.string().nullish(),
    remainingQuantity: z.number().int(),
    totalQuantity: z.number().int(),
    lineItem: z.object({ id: z.string(), sku: z.string().nullish() }),
  })),
});

export const GqlFulfillmentOrder = z.object({
  id: z.string(),
  status: z.string(),
  assignedLocation: z.object({ location: z.object({ id: z.string() }).nullable() }).nullish(),
  lineItems: GqlFulfillmentOrderLineItems,
});
export type GqlFulfillmentOrder = z.infer<typeof GqlFulfillmentOrder>;

export const FulfillmentOrderLineItemsData = z.object({ fulfillmentOrder: z.object({ id: z.string(), lineItems: GqlFulfillmentOrderLineItems }).nullable() });

export const FulfillmentOrdersData = z.object({
  order: z.object({ id: z.string(), name: z.string(), fulfillmentOrders: z.object({ pageInfo: GqlPageInfo, nodes: z.array(GqlFulfillmentOrder) }) }).nullable(),
});

export const GqlTrackingInfo = z.object({ company: z.string().nullable(), number: z.string().nullable(), url: z.string().nullable() });
export const GqlFulfillmentLineItems = z.object({
  pageInfo: GqlPageInfo.nullish(),
  nodes: z.array(z.object({ quantity: z.number().int(), lineItem: z.object({ id: z.string(), sku: z.string().nullish() }) })),
});

export const GqlFulfillment = z.object({
  id: z.string(),
  name: z.string().nullish(),
  status: z.string(),
  createdAt: z.string().nullish(),
  trackingInfo: z.array(GqlTrackingInfo),
  fulfillmentLineItems: GqlFulfillmentLineItems.nullish(),
});
export type GqlFulfillment = z.infer<typeof GqlFulfillment>;

export const FulfillmentLineItemsData = z.object({ fulfillment: z.object({ id: z.string(), fulfillmentLineItems: GqlFulfillmentLineItems }).nullable() });

export const OrderFulfillmentsData = z.object({ order: z.object({ id: z.string(), name: z.string(), fulfillments: z.array(GqlFulfillment) }).nullable() });

export const FulfillmentCreateData = z.object({
  fulfillmentCreate: z.object({ fulfillment: GqlFulfillment.nullable(), userErrors: z.array(GqlUserError) }),
});

export const VariantsBySkuData = z.object({
  productVariants: z.object({ nodes: z.array(z.object({ id: z.string(), sku: z.string().nullable(), inventoryItem: z.object({ id: z.string() }) })) }),
});

export const InventorySetQuantitiesData = z.object({
  inventorySetQuantities: z.object({
    inventoryAdjustmentGroup: z.object({
      id: z.string().nullish(),
      reason: z.string().nullish(),
      changes: z.array(z.object({ name: z.string(), delta: z.number().int(), quantityAfterChange: z.number().int().nullish() })),
    }).nullable(),
    userErrors: z.array(GqlUserError),
  }),
});

export const LocationsData = z.object({
  locations: z.object({ pageInfo: GqlPageInfo, nodes: z.array(z.object({ id: z.string(), name: z.string(), isActive: z.boolean() })) }),
});

export const GqlQuantity = z.object({ name: z.string(), quantity: z.number().int() });
export const GqlInventoryLevel = z.object({
  id: z.string(),
  updatedAt: z.string().nullish(),
  item: z.object({ id: z.string(), sku: z.string().nullable() }),
  location: z.object({ id: z.string() }).nullish(),
  quantities: z.array(GqlQuantity),
});
export type GqlInventoryLevel = z.infer<typeof GqlInventoryLevel>;

export const LocationInventoryLevelsData = z.object({
  location: z.object({ id: z.string(), inventoryLevels: z.object({ pageInfo: GqlPageInfo, nodes: z.array(GqlInventoryLevel) }) }).nullable(),
});

export const InventoryItemLevelData = z.object({
  inventoryItem: z.object({ id: z.string(), sku: z.string().nullable(), inventoryLevel: GqlInventoryLevel.nullable() }).nullable(),
});

export const GqlRefund = z.object({
  id: z.string(),
  createdAt: z.string(),
  note: z.string().nullish(),
  order: z.object({ id: z.string(), name: z.string() }),
  totalRefundedSet: GqlMoneyBag,
  refundLineItems: z.object({
    nodes: z.array(z.object({
      quantity: z.number().int(),
      restockType: z.string().nullish(),
      location: z.object({ id: z.string() }).nullish(),
      lineItem: z.object({ id: z.string(), sku: z.string().nullable(), name: z.string().nullish() }),
      subtotalSet: GqlMoneyBag,
      totalTaxSet: GqlMoneyBag,
    })),
  }),
});
export type GqlRefund = z.infer<typeof GqlRefund>;
export const RefundData = z.object({ refund: GqlRefund.nullable() });

// ---------------------------------------------------------------- GraphQL inputs we write

export const FulfillmentInput = z.object({
  lineItemsByFulfillmentOrder: z.array(z.object({
    fulfillmentOrderId: z.string(),
    /** Omitted: fulfil every remaining line of that fulfillment order. */
    fulfillmentOrderLineItems: z.array(z.object({ id: z.string(), quantity: z.number().int().positive() })).optional(),
  })).min(1),
  trackingInfo: z.object({ company: z.string().optional(), number: z.string().optional(), url: z.string().optional() }).optional(),
  notifyCustomer: z.boolean().optional(),
});
export type FulfillmentInput = z.infer<typeof FulfillmentInput>;

export const InventorySetQuantitiesInput = z.object({
  name: z.string(),
  reason: z.string(),
  referenceDocumentUri: z.string().optional(),
  /** Up to 2025-10: true skips the compare-and-set check. Removed in 2026-04. */
  ignoreCompareQuantity: z.boolean().optional(),
  quantities: z.array(z.object({
    inventoryItemId: z.string(),
    locationId: z.string(),
    quantity: z.number().int(),
    compareQuantity: z.number().int().nullish(),
    /** From 2026-01: null opts out of the compare-and-set check explicitly. */
    changeFromQuantity: z.number().int().nullish(),
  })).min(1),
});
export type InventorySetQuantitiesInput = z.infer<typeof InventorySetQuantitiesInput>;
