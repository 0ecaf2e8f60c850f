import { describe, expect, it } from "vitest";
import { isClassifiedError } from "../../../pipeline/errors";
import { InventoryLevel, Order, Payout } from "../../../pipeline/model";
import { readFixtureJson } from "../../../pipeline/testing/fixtures";
import {
  FinancialEventGroup,
  FinancialEvents,
  FinanceTransaction,
  GetOrderItemsResponse,
  GetOrderResponse,
  GetOrdersResponse,
  SpAddress,
  SpOrder2026,
  type SpOrder,
  type SpOrderItem,
} from "../api-schemas";
import {
  amazonOrderIdOf,
  mapAddress,
  mapFinanceTransactions,
  mapFinancialEventGroup,
  mapFinancialEvents,
  mapInventorySummary,
  mapOrder,
  mapOrder2026,
} from "../map";

const items = () => GetOrderItemsResponse.parse(readFixtureJson("amazon/orders/getOrderItems.200.example.json")).payload.OrderItems;
const usd = (amount: string) => ({ CurrencyCode: "USD", Amount: amount });
const sum = (o: Order) => o.lines.reduce((s, l) => s + l.unitPrice.amountMinor * l.quantity, 0);

/** The canonical totals add up: subtotal − discounts + shipping + tax (unless included) = total. */
function expectTotalsAddUp(o: Order) {
  const t = o.totals;
  expect(sum(o)).toBe(t.subtotal.amountMinor);
  expect(t.subtotal.amountMinor - t.discounts.amountMinor + t.shipping.amountMinor + (o.taxesIncluded ? 0 : t.tax.amountMinor)).toBe(t.total.amountMinor);
  expect(o.shippingLines.reduce((s, l) => s + l.price.amountMinor, 0)).toBe(t.shipping.amountMinor);
}

describe("Orders v0 → canonical Order", () => {
  it("maps getOrders example + getOrderItems example (MFN, buyer and address present)", () => {
    const [order] = GetOrdersResponse.parse(readFixtureJson("amazon/orders/getOrders.200.example.json")).payload.Orders;
    const o = mapOrder(order!, items());
    expect(Order.parse(o)).toEqual(o);
    expect(o).toMatchObject({
      id: "amazon:902-3159896-1390916",
      channel: "amazon",
      orderNumber: "902-3159896-1390916",
      channelOrderId: "902-3159896-1390916",
      createdAt: "2017-01-20T19:49:35.000Z",
      status: "open",
      fulfilmentChannel: "merchant",
      // No OrderTotal on a Pending order: the currency comes from the item money.
      currency: "JPY",
      taxesIncluded: false,
      customer: { email: "user@example.com", firstName: "John", lastName: "Doe", company: "A Company Name" },
      shippingAddress: { name: "Michigan address", line1: "1 Cross St.", city: "Canton", region: "MI", postalCode: "48817", country: "US" },
      purchaseOrder: { poNumber: "1234567890123", partnerId: "amazon" },
      externalIds: { amazon: "902-3159896-1390916" },
    });
    // JPY has no minor digits: 25.99 → 26, 17.95 for 2 units → 18 → 9 each, shipping 1.26 → 1.
    expect(o.lines.map((l) => [l.lineId, l.sku, l.quantity, l.unitPrice.amountMinor])).toEqual([
      ["68828574383266", "CBA_OTF_1", 1, 26],
      ["79039765272157", "CBA_OTF_5", 2, 9],
    ]);
    expect(o.totals.total).toEqual({ amountMinor: 45, currency: "JPY" });
    expect(o.tags).toEqual(expect.arrayContaining(["amazon", "fbm", "marketplace:ATVPDKIKX0DER"]));
    expectTotalsAddUp(o);
  });

  it("maps getOrder example; a pending order without prices still validates", () => {
    const order = GetOrderResponse.parse(readFixtureJson("amazon/orders/getOrder.200.example.json")).payload;
    const unpriced: SpOrderItem[] = [{ OrderItemId: "1", SellerSKU: "AB-12", QuantityOrdered: 2 }];
    const o = mapOrder(order, unpriced);
    expect(o.currency).toBe("USD");
    expect(o.lines[0]).toMatchObject({ sku: "AB-12", quantity: 2, unitPrice: { amountMinor: 0, currency: "USD" } });
    expect(o.shippingAddress?.city).toBe("Canton");
  });

  it("maps the sandbox-static orders (restricted data: no buyer, no address) and refuses items in another currency", () => {
    const orders = GetOrdersResponse.parse(readFixtureJson("amazon/orders/getOrders.200.sandbox-static.json")[0].response).payload.Orders;
    for (const order of orders) {
      const o = mapOrder(order, [{ OrderItemId: "9", SellerSKU: "CM-01", QuantityOrdered: 1, ItemPrice: usd("10.01"), ItemTax: usd("1.00") }]);
      expect(o.customer).toEqual({ externalIds: {} });
      expect(o.shippingAddress).toBeUndefined();
      expect(o.totals.total.amountMinor).toBe(1101);
      expect(o.totals.total.amountMinor).toBe(Number(order.OrderTotal!.Amount.replace(".", "")));
      expectTotalsAddUp(o);
    }
    try {
      mapOrder(orders[0]!, items());
      expect.unreachable();
    } catch (e) {
      expect(isClassifiedError(e) && e.errorClass).toBe("validation");
      expect((e as any).field).toBe("ItemPrice");
    }
  });

  it("reads getOrderAddress's address and all the paged fixtures' NextToken", () => {
    const a = readFixtureJson("amazon/orders/getOrderAddress.200.example.json").payload;
    expect(mapAddress(SpAddress.parse(a.ShippingAddress))).toEqual({ name: "Michigan address", line1: "1 cross st", city: "Canton", region: "MI", postalCode: "48817", country: "US" });
    expect(GetOrdersResponse.parse(readFixtureJson("amazon/orders/getOrders.200.example.json")).payload.NextToken).toBe("2YgYW55IGNhcm5hbCBwbGVhc3VyZS4");
    expect(GetOrderItemsResponse.parse(readFixtureJson("amazon/orders/getOrderItems.200.example.json")).payload.NextToken).toBe("2YgYW55IGNhcm5hbCBwbGVhc3VyZS4");
  });

  it("keeps exact unit prices when ItemPrice does not divide by the quantity: two lines, same SKU", () => {
    const order = baseOrder({ OrderTotal: usd("20.52") });
    const o = mapOrder(order, [
      { OrderItemId: "555", SellerSKU: "AB-12", QuantityOrdered: 2, ItemPrice: usd("17.95"), ItemTax: usd("1.43"), PromotionDiscount: usd("1.01"), ShippingPrice: usd("2.15") },
    ]);
    expect(o.lines.map((l) => [l.lineId, l.quantity, l.unitPrice.amountMinor, l.taxes[0]?.amount.amountMinor, l.discount?.amountMinor])).toEqual([
      ["555", 1, 897, 72, 51],
      ["555:2", 1, 898, 71, 50],
    ]);
    expect(o.totals).toMatchObject({ subtotal: { amountMinor: 1795 }, discounts: { amountMinor: 101 }, shipping: { amountMinor: 215 }, tax: { amountMinor: 143 }, total: { amountMinor: 2052 } });
    expectTotalsAddUp(o);

    const three = mapOrder(order, [{ OrderItemId: "7", SellerSKU: "CM-01", QuantityOrdered: 3, ItemPrice: usd("10.00") }]);
    expect(three.lines.map((l) => [l.quantity, l.unitPrice.amountMinor])).toEqual([[2, 333], [1, 334]]);
    expect(sum(three)).toBe(1000);
  });

  it("maps FBA orders to the marketplace channel and cancellations with withheld quantities", () => {
    const fba = mapOrder(baseOrder({ FulfillmentChannel: "AFN", OrderStatus: "Shipped" }), [{ OrderItemId: "1", SellerSKU: "AB-12", QuantityOrdered: 1, ItemPrice: usd("24.00") }]);
    expect(fba.fulfilmentChannel).toBe("marketplace");
    expect(fba.status).toBe("fulfilled");
    expect(fba.tags).toContain("fba");
    const cancelled = mapOrder(baseOrder({ OrderStatus: "Canceled" }), [{ OrderItemId: "1", SellerSKU: "AB-12", QuantityOrdered: 0 }]);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.lines).toEqual([expect.objectContaining({ sku: "AB-12", quantity: 1, unitPrice: { amountMinor: 0, currency: "USD" } })]);
    expect(cancelled.tags).toContain("amazon:quantities-withheld");
  });

  it("treats EU prices as tax-inclusive: ItemTax is inside ItemPrice", () => {
    const eur = (a: string) => ({ CurrencyCode: "EUR", Amount: a });
    const o = mapOrder(baseOrder({ MarketplaceId: "A1PA6795UKMFR9", OrderTotal: eur("119.00") }), [
      { OrderItemId: "1", SellerSKU: "TR-20", QuantityOrdered: 1, ItemPrice: eur("119.00"), ItemTax: eur("19.00") },
    ]);
    expect(o.taxesIncluded).toBe(true);
    expect(o.totals.total.amountMinor).toBe(11900);
    expect(o.totals.tax.amountMinor).toBe(1900);
    expectTotalsAddUp(o);
  });

  it("names the field when an item has no SKU", () => {
    expect(() => mapOrder(baseOrder(), [{ OrderItemId: "1", QuantityOrdered: 1 }])).toThrow(expect.objectContaining({ errorClass: "validation", field: "OrderItems[0].SellerSKU" }));
  });

  it("recognises Amazon order ids", () => {
    expect(amazonOrderIdOf("amazon:902-3159896-1390916")).toBe("902-3159896-1390916");
    expect(amazonOrderIdOf("902-3159896-1390916")).toBe("902-3159896-1390916");
    expect(amazonOrderIdOf("#1042")).toBeUndefined();
  });
});

describe("Orders API 2026-01-01 → canonical Order", () => {
  it("maps getOrder (UK, item and shipping tax from detailed breakdowns) to grandTotal", () => {
    const o = mapOrder2026(SpOrder2026.parse(readFixtureJson("amazon/orders/v2026-01-01.getOrder.200.example.json").order));
    expect(o).toMatchObject({
      id: "amazon:202-1234567-8901234",
      currency: "GBP",
      status: "fulfilled",
      fulfilmentChannel: "merchant",
      customer: { email: "buyer-email@marketplace.amazon.co.uk", firstName: "James", lastName: "Wilson", company: "Wilson Electronics Ltd" },
      shippingAddress: { line1: "123 High Street", line2: "Unit 4B", city: "Manchester", postalCode: "M1 2AB", country: "GB" },
    });
    expect(o.lines).toEqual([expect.objectContaining({ sku: "ECHO-DOT-4-UK-CHARCOAL-3PACK", quantity: 3, unitPrice: { amountMinor: 2999, currency: "GBP" } })]);
    expect(o.lines[0]!.taxes[0]!.amount.amountMinor).toBe(300);
    expect(o.shippingLines[0]).toMatchObject({ price: { amountMinor: 1000 }, taxes: [{ amount: { amountMinor: 100 } }] });
    expect(o.totals).toMatchObject({ subtotal: { amountMinor: 8997 }, shipping: { amountMinor: 1000 }, tax: { amountMinor: 400 }, total: { amountMinor: 10397 } });
    expect(o.tags).not.toContain("amazon:total-mismatch");
    expectTotalsAddUp(o);
  });

  it("maps searchOrders (two items, a delivery tip only the order carries) to grandTotal", () => {
    const body = readFixtureJson("amazon/orders/v2026-01-01.searchOrders.200.example.json");
    expect(body.pagination.nextToken).toBeTruthy();
    const o = mapOrder2026(SpOrder2026.parse(body.orders[0]));
    expect(o.lines.map((l) => [l.sku, l.quantity, l.unitPrice.amountMinor])).toEqual([
      ["ECHO-DOT-4-CHARCOAL", 2, 4999],
      ["FIRE-TV-4K-2021", 1, 4999],
    ]);
    expect(o.shippingLines).toEqual([expect.objectContaining({ title: "Delivery tip", price: { amountMinor: 500, currency: "USD" } })]);
    expect(o.totals.total.amountMinor).toBe(15499);
    expect(o.purchaseOrder?.poNumber).toBe("PO-2024-12345");
    expect(o.tags).toEqual(expect.arrayContaining(["prime", "amazon_business"]));
    expectTotalsAddUp(o);
  });
});

describe("FBA inventory summary → InventoryLevel", () => {
  // From fbaInventory.json's own sandbox example: totalQuantity 87 = 66 fulfillable + 21 inbound working.
  const summary = {
    asin: "B00T9QONN6",
    fnSku: "B00T9QONN6",
    sellerSku: "Silicon Power 32GB",
    condition: "NewItem",
    inventoryDetails: {
      fulfillableQuantity: 66,
      inboundWorkingQuantity: 21,
      inboundShippedQuantity: 0,
      inboundReceivingQuantity: 0,
      reservedQuantity: { totalReservedQuantity: 0, pendingCustomerOrderQuantity: 0, pendingTransshipmentQuantity: 0, fcProcessingQuantity: 0 },
      researchingQuantity: { totalResearchingQuantity: 0 },
      unfulfillableQuantity: { totalUnfulfillableQuantity: 0 },
    },
    lastUpdatedTime: "2018-03-31T23:40:39Z",
    productName: "Silicon Power 32GB",
    totalQuantity: 87,
  };

  it("does not count inbound stock as on hand", () => {
    const level = mapInventorySummary(summary, "2026-01-01T00:00:00Z")!;
    expect(InventoryLevel.parse(level)).toEqual(level);
    expect(level).toEqual({ sku: "Silicon Power 32GB", location: "amazon-fba", onHand: 66, committed: 0, available: 66, inTransit: 0, asOf: "2018-03-31T23:40:39.000Z", system: "amazon" });
  });

  it("counts reserved units as on hand and committed; shipped/receiving inbound as in transit", () => {
    const level = mapInventorySummary(
      {
        ...summary,
        lastUpdatedTime: "",
        inventoryDetails: { ...summary.inventoryDetails, fulfillableQuantity: 40, inboundShippedQuantity: 12, inboundReceivingQuantity: 3, reservedQuantity: { totalReservedQuantity: 5 }, unfulfillableQuantity: { totalUnfulfillableQuantity: 2 } },
      },
      "2026-01-01T00:00:00Z",
    )!;
    expect(level).toMatchObject({ onHand: 45, committed: 5, available: 40, inTransit: 15, asOf: "2026-01-01T00:00:00.000Z" });
    expect(mapInventorySummary({ ...summary, sellerSku: undefined }, "2026-01-01T00:00:00Z")).toBeUndefined();
  });
});

describe("Finances → SettlementLine / Payout", () => {
  it("maps listFinancialEvents (sandbox-static) into lines of the settlement vocabulary", () => {
    const events = FinancialEvents.parse(readFixtureJson("amazon/finances/listFinancialEvents.200.sandbox-static.json")[0].response.payload.FinancialEvents);
    const lines = mapFinancialEvents(events, { settlementId: "1" });
    expect(lines.map((l) => [l.kind, l.description, l.amount.amountMinor])).toEqual([
      ["tax", "Tax", 2537],
      ["fee", "FixedClosingFee", 2537],
      ["other", "Service provider credit (Free)", 2537],
      ["tax", "Tax", 2537],
      ["fee", "FixedClosingFee", 2537],
      ["reimbursement", "RentalReimbursement", 2537],
      ["tax", "Tax (withheld)", 2537],
      // transactionValue only: baseValue + taxValue would count the ads cost twice.
      ["fee", "Product ads (Free)", 2537],
    ]);
    expect(lines.every((l) => l.settlementId === "1" && l.source === "amazon" && l.amount.currency === "USD")).toBe(true);
    expect(lines[3]!.orderId).toBe("amazon:444-555-3343433");
    expect(lines[0]!.postedAt).toBe("2020-02-05T13:56:00.363Z");
  });

  it("maps an ordinary shipment/refund/adjustment event list with signs kept", () => {
    const m = (a: number) => ({ CurrencyCode: "USD", CurrencyAmount: a });
    const lines = mapFinancialEvents(
      FinancialEvents.parse({
        ShipmentEventList: [
          {
            AmazonOrderId: "111-2222222-3333333",
            PostedDate: "2026-11-02T10:00:00Z",
            ShipmentItemList: [
              {
                SellerSKU: "AB-12",
                ItemChargeList: [{ ChargeType: "Principal", ChargeAmount: m(24) }, { ChargeType: "Tax", ChargeAmount: m(1.92) }, { ChargeType: "ShippingCharge", ChargeAmount: m(0) }],
                ItemFeeList: [{ FeeType: "Commission", FeeAmount: m(-3.6) }, { FeeType: "FBAPerUnitFulfillmentFee", FeeAmount: m(-3.22) }],
                PromotionList: [{ PromotionType: "PromotionMetaDataDefinitionValue", PromotionId: "P1", PromotionAmount: m(-1) }],
                ItemTaxWithheldList: [{ TaxCollectionModel: "MarketplaceFacilitator", TaxesWithheld: [{ ChargeType: "MarketplaceFacilitatorTax-Principal", ChargeAmount: m(-1.92) }] }],
              },
            ],
          },
        ],
        RefundEventList: [{ AmazonOrderId: "111-2222222-3333333", ShipmentItemAdjustmentList: [{ SellerSKU: "AB-12", ItemChargeAdjustmentList: [{ ChargeType: "Principal", ChargeAmount: m(-24) }] }] }],
        AdjustmentEventList: [{ AdjustmentType: "FBAInventoryReimbursement", AdjustmentAmount: m(12.5), AdjustmentItemList: [{ SellerSKU: "CM-01" }] }],
      }),
      { settlementId: "G1" },
    );
    expect(lines.map((l) => [l.kind, l.description, l.amount.amountMinor, l.sku])).toEqual([
      ["principal", "Principal", 2400, "AB-12"],
      ["tax", "Tax", 192, "AB-12"],
      ["fee", "Commission", -360, "AB-12"],
      ["fee", "FBAPerUnitFulfillmentFee", -322, "AB-12"],
      ["promotion", "PromotionMetaDataDefinitionValue", -100, "AB-12"],
      ["tax", "MarketplaceFacilitatorTax-Principal (withheld)", -192, "AB-12"],
      ["refund", "Principal", -2400, "AB-12"],
      ["reimbursement", "FBAInventoryReimbursement", 1250, "CM-01"],
    ]);
  });

  it("maps listFinancialEventGroups to a Payout header", () => {
    const group = FinancialEventGroup.parse(readFixtureJson("amazon/finances/listFinancialEventGroups.200.sandbox-static.json")[0].response.payload.FinancialEventGroupList[0]);
    const payout = mapFinancialEventGroup(group);
    expect(Payout.parse(payout)).toEqual(payout);
    expect(payout).toMatchObject({ id: "1", source: "amazon", total: { amountMinor: 1034, currency: "USD" }, depositDate: "2020-02-07T14:38:42.128Z", lines: [] });
  });

  it("maps Finances 2024-06-19 transactions, with the event group and order from relatedIdentifiers", () => {
    const txs = readFixtureJson("amazon/finances/v2024-06-19.listTransactions.200.sandbox-static.json")[0].response.payload.transactions.map((t: unknown) => FinanceTransaction.parse(t));
    expect(mapFinanceTransactions(txs)).toEqual([
      expect.objectContaining({
        settlementId: "4MVaHcsAfaYAlwlaPWrXJxrfUiKfYZ2ooWtY7528FUA",
        kind: "principal",
        orderId: "amazon:8129762527551",
        amount: { amountMinor: 1000, currency: "USD" },
        postedAt: "2020-07-14T03:35:13.214Z",
      }),
    ]);
    const withBreakdowns = mapFinanceTransactions([
      FinanceTransaction.parse({
        transactionType: "Refund",
        totalAmount: { currencyAmount: -20, currencyCode: "USD" },
        breakdowns: [
          { breakdownType: "ProductCharges", breakdownAmount: { currencyAmount: -24, currencyCode: "USD" }, breakdowns: [{ breakdownType: "Principal", breakdownAmount: { currencyAmount: -24, currencyCode: "USD" } }] },
          { breakdownType: "AmazonFees", breakdownAmount: { currencyAmount: 4, currencyCode: "USD" }, breakdowns: [{ breakdownType: "Commission", breakdownAmount: { currencyAmount: 4, currencyCode: "USD" } }] },
        ],
      }),
    ], { settlementId: "S" });
    expect(withBreakdowns.map((l) => [l.kind, l.amount.amountMinor])).toEqual([["refund", -2400], ["fee", 400]]);
  });
});

function baseOrder(over: Partial<SpOrder> = {}): SpOrder {
  return {
    AmazonOrderId: "113-0000001-0000001",
    PurchaseDate: "2026-11-01T10:00:00Z",
    LastUpdateDate: "2026-11-01T10:05:00Z",
    OrderStatus: "Unshipped",
    FulfillmentChannel: "MFN",
    MarketplaceId: "ATVPDKIKX0DER",
    ...over,
  };
}
