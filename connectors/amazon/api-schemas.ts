import { z } from "zod";

/**
 * The SP-API payloads this connector reads and writes, as zod schemas. Objects are not strict:
 * Amazon adds fields without notice (Reports API guide: "Amazon periodically adds new fields"),
 * and unknown fields must never fail a sync. Models: amzn/selling-partner-api-models
 * (ordersV0.json, orders_2026-01-01.json, fbaInventory.json, reports_2021-06-30.json,
 * financesV0.json, finances_2024-06-19.json, sellers.json).
 */

/** Orders v0 money: a decimal string ("11.01"), never a float. */
export const SpMoney = z.object({ CurrencyCode: z.string(), Amount: z.string() });
export type SpMoney = z.infer<typeof SpMoney>;

export const SpAddress = z.object({
  Name: z.string().optional(),
  CompanyName: z.string().optional(),
  AddressLine1: z.string().optional(),
  AddressLine2: z.string().optional(),
  AddressLine3: z.string().optional(),
  City: z.string().optional(),
  County: z.string().optional(),
  District: z.string().optional(),
  StateOrRegion: z.string().optional(),
  PostalCode: z.string().optional(),
  CountryCode: z.string().optional(),
  Phone: z.string().optional(),
  AddressType: z.string().optional(),
});
export type SpAddress = z.infer<typeof SpAddress>;

export const SpOrderStatus = z.enum([
  "PendingAvailability", "Pending", "Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed", "Canceled", "Unfulfillable",
]);
export type SpOrderStatus = z.infer<typeof SpOrderStatus>;

export const SpOrder = z.object({
  AmazonOrderId: z.string(),
  SellerOrderId: z.string().optional(),
  PurchaseDate: z.string(),
  LastUpdateDate: z.string(),
  OrderStatus: SpOrderStatus,
  FulfillmentChannel: z.enum(["MFN", "AFN"]).optional(),
  SalesChannel: z.string().optional(),
  ShipServiceLevel: z.string().optional(),
  ShipmentServiceLevelCategory: z.string().optional(),
  OrderTotal: SpMoney.optional(),
  NumberOfItemsShipped: z.number().int().optional(),
  NumberOfItemsUnshipped: z.number().int().optional(),
  MarketplaceId: z.string().optional(),
  OrderType: z.string().optional(),
  IsBusinessOrder: z.boolean().optional(),
  IsPrime: z.boolean().optional(),
  IsReplacementOrder: z.union([z.boolean(), z.string()]).optional(),
  ShippingAddress: SpAddress.optional(),
  DefaultShipFromLocationAddress: SpAddress.optional(),
  BuyerInfo: z
    .object({
      BuyerEmail: z.string().optional(),
      BuyerName: z.string().optional(),
      BuyerTaxInfo: z.object({ CompanyLegalName: z.string().optional() }).optional(),
      PurchaseOrderNumber: z.string().optional(),
    })
    .optional(),
});
export type SpOrder = z.infer<typeof SpOrder>;

export const SpOrderItem = z.object({
  ASIN: z.string().optional(),
  OrderItemId: z.string(),
  SellerSKU: z.string().optional(),
  Title: z.string().optional(),
  QuantityOrdered: z.number().int(),
  QuantityShipped: z.number().int().optional(),
  ItemPrice: SpMoney.optional(),
  ItemTax: SpMoney.optional(),
  ShippingPrice: SpMoney.optional(),
  ShippingTax: SpMoney.optional(),
  ShippingDiscount: SpMoney.optional(),
  ShippingDiscountTax: SpMoney.optional(),
  PromotionDiscount: SpMoney.optional(),
  PromotionDiscountTax: SpMoney.optional(),
  PromotionIds: z.array(z.string()).optional(),
});
export type SpOrderItem = z.infer<typeof SpOrderItem>;

export const GetOrdersResponse = z.object({
  payload: z.object({
    Orders: z.array(SpOrder),
    NextToken: z.string().optional(),
    LastUpdatedBefore: z.string().optional(),
    CreatedBefore: z.string().optional(),
  }),
});
export const GetOrderResponse = z.object({ payload: SpOrder });
export const GetOrderItemsResponse = z.object({
  payload: z.object({ AmazonOrderId: z.string(), OrderItems: z.array(SpOrderItem), NextToken: z.string().optional() }),
});

/** confirmShipment request body (ordersV0.json ConfirmShipmentRequest). */
export const ConfirmShipmentRequest = z.object({
  marketplaceId: z.string(),
  packageDetail: z.object({
    /** Unique per order; Amazon accepts positive numeric strings only. */
    packageReferenceId: z.string().regex(/^[1-9]\d*$/),
    carrierCode: z.string(),
    carrierName: z.string().optional(),
    shippingMethod: z.string().optional(),
    trackingNumber: z.string(),
    shipDate: z.string(),
    shipFromSupplySourceId: z.string().optional(),
    orderItems: z.array(z.object({ orderItemId: z.string(), quantity: z.number().int().positive() })).min(1),
  }),
  codCollectionMethod: z.string().optional(),
});
export type ConfirmShipmentRequest = z.infer<typeof ConfirmShipmentRequest>;

/** Orders API 2026-01-01 (searchOrders / getOrder). Money here is { amount, currencyCode }. */
export const Sp2026Money = z.object({ amount: z.string(), currencyCode: z.string() });
const Breakdown2026 = z.object({
  type: z.string(),
  subtotal: Sp2026Money,
  detailedBreakdowns: z.array(z.object({ subtype: z.string(), value: Sp2026Money })).optional(),
});
const Address2026 = z.object({
  name: z.string().optional(),
  companyName: z.string().optional(),
  addressLine1: z.string().optional(),
  addressLine2: z.string().optional(),
  addressLine3: z.string().optional(),
  city: z.string().optional(),
  districtOrCounty: z.string().optional(),
  stateOrRegion: z.string().optional(),
  postalCode: z.string().optional(),
  countryCode: z.string().optional(),
  phone: z.string().optional(),
});
export const SpOrder2026 = z.object({
  orderId: z.string(),
  createdTime: z.string(),
  lastUpdatedTime: z.string(),
  programs: z.array(z.string()).optional(),
  salesChannel: z.object({ marketplaceId: z.string(), marketplaceName: z.string().optional() }).optional(),
  buyer: z
    .object({
      buyerName: z.string().optional(),
      buyerEmail: z.string().optional(),
      buyerCompanyName: z.string().optional(),
      buyerPurchaseOrderNumber: z.string().optional(),
    })
    .optional(),
  recipient: z.object({ deliveryAddress: Address2026.optional() }).optional(),
  proceeds: z.object({ grandTotal: Sp2026Money.optional(), breakdowns: z.array(Breakdown2026).optional() }).optional(),
  fulfillment: z.object({ fulfillmentStatus: z.string().optional(), fulfilledBy: z.string().optional(), fulfillmentServiceLevel: z.string().optional() }).optional(),
  orderItems: z.array(
    z.object({
      orderItemId: z.string(),
      quantityOrdered: z.number().int(),
      product: z.object({
        asin: z.string().optional(),
        title: z.string().optional(),
        sellerSku: z.string().optional(),
        price: z.object({ unitPrice: Sp2026Money.optional() }).optional(),
      }),
      proceeds: z.object({ proceedsTotal: Sp2026Money.optional(), breakdowns: z.array(Breakdown2026).optional() }).optional(),
      promotion: z.object({ breakdowns: z.array(z.object({ promotionId: z.string().optional() })).optional() }).optional(),
    }),
  ),
});
export type SpOrder2026 = z.infer<typeof SpOrder2026>;

export const FbaInventorySummary = z.object({
  asin: z.string().optional(),
  fnSku: z.string().optional(),
  sellerSku: z.string().optional(),
  condition: z.string().optional(),
  inventoryDetails: z
    .object({
      fulfillableQuantity: z.number().int().optional(),
      inboundWorkingQuantity: z.number().int().optional(),
      inboundShippedQuantity: z.number().int().optional(),
      inboundReceivingQuantity: z.number().int().optional(),
      reservedQuantity: z
        .object({
          totalReservedQuantity: z.number().int().optional(),
          pendingCustomerOrderQuantity: z.number().int().optional(),
          pendingTransshipmentQuantity: z.number().int().optional(),
          fcProcessingQuantity: z.number().int().optional(),
        })
        .optional(),
      researchingQuantity: z.object({ totalResearchingQuantity: z.number().int().optional() }).optional(),
      unfulfillableQuantity: z.object({ totalUnfulfillableQuantity: z.number().int().optional() }).optional(),
    })
    .optional(),
  /** Empty string when Amazon has no date (see the model's own sandbox example). */
  lastUpdatedTime: z.string().optional(),
  productName: z.string().optional(),
  totalQuantity: z.number().int().optional(),
});
export type FbaInventorySummary = z.infer<typeof FbaInventorySummary>;

/** Note: pagination sits beside payload, not inside it. */
export const GetInventorySummariesResponse = z.object({
  payload: z.object({
    granularity: z.object({ granularityType: z.string().optional(), granularityId: z.string().optional() }).optional(),
    inventorySummaries: z.array(FbaInventorySummary),
  }),
  pagination: z.object({ nextToken: z.string().optional() }).optional(),
});

export const ReportProcessingStatus = z.enum(["CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"]);
export const SpReport = z.object({
  reportId: z.string(),
  reportType: z.string(),
  marketplaceIds: z.array(z.string()).optional(),
  dataStartTime: z.string().optional(),
  dataEndTime: z.string().optional(),
  reportScheduleId: z.string().optional(),
  createdTime: z.string(),
  processingStatus: ReportProcessingStatus,
  processingStartTime: z.string().optional(),
  processingEndTime: z.string().optional(),
  reportDocumentId: z.string().optional(),
});
export type SpReport = z.infer<typeof SpReport>;
export const GetReportsResponse = z.object({ reports: z.array(SpReport), nextToken: z.string().optional() });
export const CreateReportResponse = z.object({ reportId: z.string() });
export const SpReportDocument = z.object({
  reportDocumentId: z.string(),
  url: z.string(),
  compressionAlgorithm: z.literal("GZIP").optional(),
});
export type SpReportDocument = z.infer<typeof SpReportDocument>;

export const GetMarketplaceParticipationsResponse = z.object({
  payload: z.array(
    z.object({
      marketplace: z.object({
        id: z.string(),
        name: z.string().optional(),
        countryCode: z.string().optional(),
        defaultCurrencyCode: z.string().optional(),
        domainName: z.string().optional(),
      }),
      participation: z.object({ isParticipating: z.boolean(), hasSuspendedListings: z.boolean().optional() }),
    }),
  ),
});

/** Finances v0 money: CurrencyAmount is a JSON number (a float), unlike Orders. */
export const FinMoney = z.object({ CurrencyCode: z.string(), CurrencyAmount: z.number() });
export type FinMoney = z.infer<typeof FinMoney>;
const Charge = z.object({ ChargeType: z.string(), ChargeAmount: FinMoney });
const Fee = z.object({ FeeType: z.string(), FeeAmount: FinMoney });
const Promotion = z.object({ PromotionType: z.string().optional(), PromotionId: z.string().optional(), PromotionAmount: FinMoney });
const TaxWithheld = z.object({ TaxCollectionModel: z.string().optional(), TaxesWithheld: z.array(Charge).optional() });
const ShipmentItem = z.object({
  SellerSKU: z.string().optional(),
  OrderItemId: z.string().optional(),
  OrderAdjustmentItemId: z.string().optional(),
  QuantityShipped: z.number().optional(),
  ItemChargeList: z.array(Charge).optional(),
  ItemChargeAdjustmentList: z.array(Charge).optional(),
  ItemFeeList: z.array(Fee).optional(),
  ItemFeeAdjustmentList: z.array(Fee).optional(),
  ItemTaxWithheldList: z.array(TaxWithheld).optional(),
  PromotionList: z.array(Promotion).optional(),
  PromotionAdjustmentList: z.array(Promotion).optional(),
});
const ShipmentEvent = z.object({
  AmazonOrderId: z.string().optional(),
  SellerOrderId: z.string().optional(),
  MarketplaceName: z.string().optional(),
  PostedDate: z.string().optional(),
  ShipmentItemList: z.array(ShipmentItem).optional(),
  ShipmentItemAdjustmentList: z.array(ShipmentItem).optional(),
});
export const FinancialEvents = z.object({
  ShipmentEventList: z.array(ShipmentEvent).optional(),
  RefundEventList: z.array(ShipmentEvent).optional(),
  GuaranteeClaimEventList: z.array(ShipmentEvent).optional(),
  ChargebackEventList: z.array(ShipmentEvent).optional(),
  PayWithAmazonEventList: z
    .array(
      z.object({
        SellerOrderId: z.string().optional(),
        TransactionPostedDate: z.string().optional(),
        Charge: Charge.optional(),
        FeeList: z.array(Fee).optional(),
        AmountDescription: z.string().optional(),
      }),
    )
    .optional(),
  ServiceProviderCreditEventList: z
    .array(
      z.object({
        ProviderTransactionType: z.string().optional(),
        SellerOrderId: z.string().optional(),
        TransactionAmount: FinMoney.optional(),
        TransactionCreationDate: z.string().optional(),
      }),
    )
    .optional(),
  RentalTransactionEventList: z
    .array(
      z.object({
        AmazonOrderId: z.string().optional(),
        RentalEventType: z.string().optional(),
        PostedDate: z.string().optional(),
        RentalChargeList: z.array(Charge).optional(),
        RentalFeeList: z.array(Fee).optional(),
        RentalReimbursement: FinMoney.optional(),
        RentalTaxWithheldList: z.array(TaxWithheld).optional(),
      }),
    )
    .optional(),
  ProductAdsPaymentEventList: z
    .array(
      z.object({
        postedDate: z.string().optional(),
        transactionType: z.string().optional(),
        invoiceId: z.string().optional(),
        baseValue: FinMoney.optional(),
        taxValue: FinMoney.optional(),
        transactionValue: FinMoney.optional(),
      }),
    )
    .optional(),
  ServiceFeeEventList: z
    .array(z.object({ AmazonOrderId: z.string().optional(), FeeReason: z.string().optional(), SellerSKU: z.string().optional(), FeeList: z.array(Fee).optional() }))
    .optional(),
  AdjustmentEventList: z
    .array(
      z.object({
        AdjustmentType: z.string().optional(),
        PostedDate: z.string().optional(),
        AdjustmentAmount: FinMoney.optional(),
        AdjustmentItemList: z.array(z.object({ SellerSKU: z.string().optional(), TotalAmount: FinMoney.optional(), Quantity: z.string().optional() })).optional(),
      }),
    )
    .optional(),
});
export type FinancialEvents = z.infer<typeof FinancialEvents>;

export const FinancialEventGroup = z.object({
  FinancialEventGroupId: z.string(),
  ProcessingStatus: z.string().optional(),
  FundTransferStatus: z.string().optional(),
  OriginalTotal: FinMoney.optional(),
  ConvertedTotal: FinMoney.optional(),
  FundTransferDate: z.string().optional(),
  TraceId: z.string().optional(),
  BeginningBalance: FinMoney.optional(),
  FinancialEventGroupStart: z.string().optional(),
  FinancialEventGroupEnd: z.string().optional(),
});
export type FinancialEventGroup = z.infer<typeof FinancialEventGroup>;

export const ListFinancialEventGroupsResponse = z.object({
  payload: z.object({ NextToken: z.string().optional(), FinancialEventGroupList: z.array(FinancialEventGroup).default([]) }),
});
export const ListFinancialEventsResponse = z.object({
  payload: z.object({ NextToken: z.string().optional(), FinancialEvents: FinancialEvents.default({}) }),
});

/** Finances 2024-06-19 listTransactions: lower-case money keys, numeric amounts. */
const TxMoney = z.object({ currencyAmount: z.number(), currencyCode: z.string() });
type TxBreakdown = { breakdownType: string; breakdownAmount: z.infer<typeof TxMoney>; breakdowns?: TxBreakdown[] };
const TxBreakdown: z.ZodType<TxBreakdown> = z.lazy(() =>
  z.object({ breakdownType: z.string(), breakdownAmount: TxMoney, breakdowns: z.array(TxBreakdown).optional() }),
);
export const FinanceTransaction = z.object({
  sellingPartnerMetadata: z.object({ sellingPartnerId: z.string().optional(), marketplaceId: z.string().optional() }).optional(),
  relatedIdentifiers: z.array(z.object({ relatedIdentifierName: z.string(), relatedIdentifierValue: z.string() })).optional(),
  transactionType: z.string(),
  transactionId: z.string().optional(),
  postedDate: z.string().optional(),
  description: z.string().optional(),
  totalAmount: TxMoney,
  breakdowns: z.array(TxBreakdown).optional(),
});
export type FinanceTransaction = z.infer<typeof FinanceTransaction>;

/** The SP-API error body: `{ errors: [{ code, message, details? }] }`. */
export const SpErrorBody = z.object({
  errors: z.array(z.object({ code: z.string().optional(), message: z.string().optional(), details: z.string().optional() })),
});

/** Login with Amazon token answer. */
export const LwaTokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
  refresh_token: z.string().optional(),
});

/**
 * ORDER_CHANGE notification (schemas/notifications/OrderChangeNotification.json). It names the
 * order and a summary, but never prices: the order itself must be fetched.
 */
export const OrderChangeNotification = z.object({
  NotificationVersion: z.string().optional(),
  NotificationType: z.string(),
  PayloadVersion: z.string().optional(),
  EventTime: z.string().optional(),
  Payload: z.object({
    OrderChangeNotification: z.object({
      NotificationLevel: z.string().optional(),
      SellerId: z.string().optional(),
      AmazonOrderId: z.string().min(1),
      OrderChangeType: z.string().optional(),
      OrderChangeTrigger: z.object({ TimeOfOrderChange: z.string().optional(), ChangeReason: z.string().optional() }).optional(),
      Summary: z
        .object({
          MarketplaceId: z.string().optional(),
          OrderStatus: z.string().optional(),
          PurchaseDate: z.string().optional(),
          FulfillmentType: z.string().optional(),
        })
        .optional(),
    }),
  }),
  NotificationMetadata: z.object({
    ApplicationId: z.string().optional(),
    SubscriptionId: z.string().optional(),
    PublishTime: z.string().optional(),
    NotificationId: z.string().min(1),
  }),
});
export type OrderChangeNotification = z.infer<typeof OrderChangeNotification>;
