import { z } from "zod";

/**
 * The ShipStation payloads this connector reads and writes, parsed once at the boundary.
 * v1 (ssapi.shipstation.com): camelCase, decimal money as JSON numbers, Pacific times without an
 * offset (see pacific-time.ts), nulls everywhere. v2 (api.shipstation.com): snake_case.
 * Samples: ../shared/fixtures/shipstation/.
 */

const nstr = z.string().nullish();
const nnum = z.number().nullish();
const nbool = z.boolean().nullish();

export const SsAddress = z.object({
  name: nstr,
  company: nstr,
  street1: nstr,
  street2: nstr,
  street3: nstr,
  city: nstr,
  state: nstr,
  postalCode: nstr,
  country: nstr,
  phone: nstr,
  residential: nbool,
  /** Response only: "Address validated successfully", "Address validation warning", ... */
  addressVerified: nstr,
});
export type SsAddress = z.infer<typeof SsAddress>;

export const SsWeight = z.object({ value: z.number(), units: z.string() });

export const SsItemOption = z.object({ name: z.string(), value: z.string() });

export const SsOrderItem = z.object({
  orderItemId: nnum,
  lineItemKey: nstr,
  sku: nstr,
  name: z.string(),
  imageUrl: nstr,
  weight: SsWeight.nullish(),
  quantity: z.number().int(),
  unitPrice: nnum,
  taxAmount: nnum,
  shippingAmount: nnum,
  warehouseLocation: nstr,
  options: z.array(SsItemOption).nullish(),
  productId: nnum,
  fulfillmentSku: nstr,
  /** Discount and fee rows: they carry money but no goods. */
  adjustment: nbool,
  upc: nstr,
});
export type SsOrderItem = z.infer<typeof SsOrderItem>;

export const SsOrderStatus = z.enum(["awaiting_payment", "awaiting_shipment", "pending_fulfillment", "shipped", "on_hold", "cancelled"]);
export type SsOrderStatus = z.infer<typeof SsOrderStatus>;

export const SsAdvancedOptions = z.object({
  warehouseId: nnum,
  nonMachinable: nbool,
  saturdayDelivery: nbool,
  containsAlcohol: nbool,
  mergedOrSplit: nbool,
  mergedIds: z.array(z.number()).nullish(),
  parentId: nnum,
  storeId: nnum,
  customField1: nstr,
  customField2: nstr,
  customField3: nstr,
  source: nstr,
});

/** POST /orders/createorder body. orderKey is ShipStation's upsert key: same key, same order. */
export const SsCreateOrderRequest = z.object({
  orderNumber: z.string().min(1),
  orderKey: z.string().min(1).optional(),
  orderDate: z.string(),
  paymentDate: nstr,
  shipByDate: nstr,
  orderStatus: SsOrderStatus,
  customerId: nnum,
  customerUsername: nstr,
  customerEmail: nstr,
  billTo: SsAddress,
  shipTo: SsAddress,
  items: z.array(SsOrderItem),
  amountPaid: nnum,
  taxAmount: nnum,
  shippingAmount: nnum,
  customerNotes: nstr,
  internalNotes: nstr,
  gift: nbool,
  giftMessage: nstr,
  paymentMethod: nstr,
  requestedShippingService: nstr,
  carrierCode: nstr,
  serviceCode: nstr,
  packageCode: nstr,
  confirmation: nstr,
  shipDate: nstr,
  weight: SsWeight.nullish(),
  advancedOptions: SsAdvancedOptions.partial().nullish(),
  tagIds: z.array(z.number()).nullish(),
});
export type SsCreateOrderRequest = z.infer<typeof SsCreateOrderRequest>;

/** An order as v1 returns it (createorder, GET /orders/{id}, list). */
export const SsOrder = z.object({
  orderId: z.number(),
  orderNumber: z.string(),
  orderKey: nstr,
  orderDate: nstr,
  createDate: nstr,
  modifyDate: nstr,
  paymentDate: nstr,
  shipByDate: nstr,
  orderStatus: z.string(),
  customerEmail: nstr,
  customerUsername: nstr,
  billTo: SsAddress.nullish(),
  shipTo: SsAddress.nullish(),
  items: z.array(SsOrderItem).nullish(),
  orderTotal: nnum,
  amountPaid: nnum,
  taxAmount: nnum,
  shippingAmount: nnum,
  customerNotes: nstr,
  internalNotes: nstr,
  requestedShippingService: nstr,
  carrierCode: nstr,
  serviceCode: nstr,
  shipDate: nstr,
  advancedOptions: SsAdvancedOptions.partial().nullish(),
  externallyFulfilled: nbool,
});
export type SsOrder = z.infer<typeof SsOrder>;

/** v1 list envelope: 1-based page, pages = total page count. */
const listEnvelope = { total: z.number().int(), page: z.number().int(), pages: z.number().int() };

export const SsOrderList = z.object({ orders: z.array(SsOrder), ...listEnvelope });
export type SsOrderList = z.infer<typeof SsOrderList>;

/** POST /orders/createorders (bulk): per-order success flags inside a 200. */
export const SsBulkCreateOrdersResponse = z.object({
  hasErrors: z.boolean(),
  results: z.array(z.object({ orderId: nnum, orderNumber: z.string(), orderKey: nstr, success: z.boolean(), errorMessage: nstr })),
});

export const SsMarkAsShippedRequest = z.object({
  orderId: z.number(),
  carrierCode: z.string(),
  shipDate: nstr,
  trackingNumber: nstr,
  notifyCustomer: nbool,
  notifySalesChannel: nbool,
});

export const SsMarkAsShippedResponse = z.object({ orderId: z.number(), orderNumber: z.string() });

export const SsCreateLabelResponse = z.object({
  shipmentId: z.number(),
  shipmentCost: z.number(),
  insuranceCost: nnum,
  trackingNumber: z.string(),
  labelData: nstr,
  formData: nstr,
});

export const SsShipmentItem = z.object({
  orderItemId: nnum,
  lineItemKey: nstr,
  sku: nstr,
  name: nstr,
  quantity: z.number().int(),
  unitPrice: nnum,
  warehouseLocation: nstr,
  productId: nnum,
  fulfillmentSku: nstr,
});
export type SsShipmentItem = z.infer<typeof SsShipmentItem>;

export const SsShipment = z.object({
  shipmentId: z.number(),
  orderId: z.number(),
  orderKey: nstr,
  orderNumber: z.string(),
  createDate: nstr,
  /** A Pacific calendar date only ("2014-10-03"). */
  shipDate: nstr,
  shipmentCost: nnum,
  insuranceCost: nnum,
  trackingNumber: nstr,
  isReturnLabel: nbool,
  batchNumber: nstr,
  carrierCode: nstr,
  serviceCode: nstr,
  packageCode: nstr,
  warehouseId: nnum,
  voided: nbool,
  voidDate: nstr,
  shipTo: SsAddress.nullish(),
  /** null unless the request said includeShipmentItems=true. */
  shipmentItems: z.array(SsShipmentItem).nullish(),
});
export type SsShipment = z.infer<typeof SsShipment>;

export const SsShipmentList = z.object({ shipments: z.array(SsShipment), ...listEnvelope });
export type SsShipmentList = z.infer<typeof SsShipmentList>;

/** The whole body of every v1 webhook: a pointer to fetch with Basic auth, never the data. */
export const SsWebhookNotification = z.object({
  resource_url: z.string().min(1).max(2000),
  resource_type: z.string().min(1),
});
export type SsWebhookNotification = z.infer<typeof SsWebhookNotification>;

export const SsWebhookEvent = z.enum(["ORDER_NOTIFY", "ITEM_ORDER_NOTIFY", "SHIP_NOTIFY", "ITEM_SHIP_NOTIFY", "FULFILLMENT_SHIPPED", "FULFILLMENT_REJECTED"]);

export const SsSubscribeRequest = z.object({
  target_url: z.string().url(),
  event: SsWebhookEvent,
  store_id: z.number().nullish(),
  friendly_name: nstr,
});

export const SsSubscribeResponse = z.object({ id: z.number() });

/** GET /webhooks: PascalCase, unlike the rest of v1. */
export const SsWebhookSubscription = z.object({
  IsLabelAPIHook: nbool,
  WebHookID: z.number(),
  SellerID: nnum,
  StoreID: nnum,
  HookType: z.string(),
  MessageFormat: nstr,
  Url: z.string(),
  Name: nstr,
  Active: z.boolean(),
});
export type SsWebhookSubscription = z.infer<typeof SsWebhookSubscription>;

export const SsWebhookList = z.object({ webhooks: z.array(SsWebhookSubscription) });

export const SsWarehouse = z.object({
  warehouseId: z.number(),
  warehouseName: z.string(),
  originAddress: SsAddress.nullish(),
  returnAddress: SsAddress.nullish(),
  createDate: nstr,
  isDefault: nbool,
});
export type SsWarehouse = z.infer<typeof SsWarehouse>;

export const SsWarehouseList = z.array(SsWarehouse);

/** The ASP.NET Web API error body v1 answers a bad request with. */
export const SsModelStateError = z.object({
  Message: z.string().optional(),
  ModelState: z.record(z.string(), z.array(z.string())).optional(),
  ExceptionMessage: z.string().optional(),
  ExceptionType: z.string().optional(),
});

/** v2 (api.shipstation.com) pagination links: each an {href}. */
const V2Link = z.object({ href: z.string() }).nullish();
export const V2Links = z.object({ first: V2Link, last: V2Link, prev: V2Link, next: V2Link });

export const V2InventoryRow = z.object({
  sku: z.string(),
  on_hand: z.number().int(),
  allocated: z.number().int(),
  available: z.number().int(),
  average_cost: z.object({ amount: z.number(), currency: z.string() }).nullish(),
  inventory_warehouse_id: z.string(),
  inventory_location_id: z.string().nullish(),
});
export type V2InventoryRow = z.infer<typeof V2InventoryRow>;

export const V2InventoryPage = z.object({
  inventory: z.array(V2InventoryRow),
  total: z.number().int().optional(),
  page: z.number().int().optional(),
  pages: z.number().int().optional(),
  links: V2Links.optional(),
});

export const V2InventoryWarehouse = z.object({
  inventory_warehouse_id: z.string(),
  name: z.string(),
  created_at: nstr,
  updated_at: nstr,
});
export type V2InventoryWarehouse = z.infer<typeof V2InventoryWarehouse>;

export const V2InventoryWarehousePage = z.object({
  inventory_warehouses: z.array(V2InventoryWarehouse),
  total: z.number().int().optional(),
  page: z.number().int().optional(),
  pages: z.number().int().optional(),
  links: V2Links.optional(),
});

/** v2 error body: {request_id, errors:[{error_source, error_type, error_code, message, field_name?}]}. */
export const V2ErrorBody = z.object({
  request_id: z.string().optional(),
  errors: z.array(
    z.object({
      error_source: z.string().optional(),
      error_type: z.string().optional(),
      error_code: z.string().optional(),
      message: z.string().optional(),
      field_name: z.string().optional(),
    }),
  ),
});
