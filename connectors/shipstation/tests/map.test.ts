import { describe, expect, it } from "vitest";
import { ClassifiedError } from "../../../pipeline/errors";
import { InventoryLevel } from "../../../pipeline/model";
import { SsCreateOrderRequest } from "../api-schemas";
import { toCreateOrderRequest, toInventoryLevels } from "../map";
import { canonicalOrder } from "./support/canonical";

describe("canonical Order → createorder body", () => {
  it("uses the canonical id as orderKey and sends decimals, Pacific dates and the warehouse", () => {
    const order = canonicalOrder();
    const body = SsCreateOrderRequest.parse(toCreateOrderRequest(order, { warehouseId: 16080 }));
    expect(body).toMatchObject({
      orderNumber: order.orderNumber,
      orderKey: order.id,
      // 18:30Z on 4 July is 11:30 PDT.
      orderDate: "2026-07-04T11:30:00.0000000",
      orderStatus: "awaiting_shipment",
      customerEmail: "ada@example.com",
      amountPaid: 73,
      taxAmount: 2,
      shippingAmount: 5,
      requestedShippingService: "Standard",
      advancedOptions: { warehouseId: 16080, source: "shopify" },
      shipTo: { name: "Ada Lovelace", street1: "1 Main St", city: "Portland", state: "OR", postalCode: "97201", country: "US" },
    });
    expect(body.billTo.name).toBe("Ada Lovelace");
    expect(body.items).toEqual([
      { lineItemKey: "li-1", sku: "AB-12", name: "Alpine Bottle 12oz", quantity: 2, unitPrice: 24, taxAmount: 2, adjustment: false },
      { lineItemKey: "li-2", sku: "CM-01", name: "Camp Mug", quantity: 1, unitPrice: 18, taxAmount: null, adjustment: false },
    ]);
  });

  it("leaves the warehouse to ShipStation's default when none is resolved", () => {
    expect(toCreateOrderRequest(canonicalOrder()).advancedOptions).not.toHaveProperty("warehouseId");
  });

  it("carries order discounts as one adjustment item so the total still adds up", () => {
    const usd = (amountMinor: number) => ({ amountMinor, currency: "USD" });
    const order = canonicalOrder({
      discounts: [{ code: "SUMMER10", amount: usd(660) }],
      totals: { subtotal: usd(6600), discounts: usd(660), shipping: usd(500), tax: usd(200), total: usd(6640) },
    });
    const body = toCreateOrderRequest(order);
    expect(body.items.at(-1)).toEqual({ sku: null, name: "Discount (SUMMER10)", quantity: 1, unitPrice: -6.6, adjustment: true });
    const itemsMinor = body.items.reduce((s, i) => s + Math.round(i.unitPrice! * 100) * i.quantity, 0);
    expect(itemsMinor + 200 + 500).toBe(6640);
  });

  it("converts zero-decimal currencies without scaling", () => {
    const jpy = (amountMinor: number) => ({ amountMinor, currency: "JPY" });
    const order = canonicalOrder({
      currency: "JPY",
      lines: [{ lineId: "a", sku: "AB-12", quantity: 1, unitPrice: jpy(1500) }],
      shippingLines: [],
      totals: { subtotal: jpy(1500), discounts: jpy(0), shipping: jpy(0), tax: jpy(0), total: jpy(1500) },
    });
    expect(toCreateOrderRequest(order)).toMatchObject({ items: [{ unitPrice: 1500 }], amountPaid: 1500 });
  });

  it("sends only lines that ship, and refuses an order with none", () => {
    const usd = (amountMinor: number) => ({ amountMinor, currency: "USD" });
    const giftCardOnly = canonicalOrder({ lines: [{ lineId: "g", sku: "GIFT-25", quantity: 1, unitPrice: usd(2500), requiresShipping: false }] });
    let caught: unknown;
    try {
      toCreateOrderRequest(giftCardOnly);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ClassifiedError);
    expect(caught).toMatchObject({ errorClass: "validation", field: "lines" });
  });

  it("refuses a marketplace-fulfilled order, which the 3PL must not ship again", () => {
    expect(() => toCreateOrderRequest(canonicalOrder({ fulfilmentChannel: "marketplace" }))).toThrow(expect.objectContaining({ errorClass: "validation", field: "fulfilmentChannel" }));
  });

  it("maps a cancelled canonical order to ShipStation's cancelled status", () => {
    expect(toCreateOrderRequest(canonicalOrder({ status: "cancelled" })).orderStatus).toBe("cancelled");
  });
});

describe("v2 inventory rows → InventoryLevel", () => {
  it("sums the locations of one warehouse and keeps ShipStation's own available", () => {
    const rows = [
      { sku: "AB-12", on_hand: 10, allocated: 2, available: 8, inventory_warehouse_id: "se-1", inventory_location_id: "loc-a" },
      { sku: "AB-12", on_hand: 5, allocated: 0, available: 5, inventory_warehouse_id: "se-1", inventory_location_id: "loc-b" },
      { sku: "AB-12", on_hand: 7, allocated: 1, available: 6, inventory_warehouse_id: "se-2", inventory_location_id: "loc-c" },
    ];
    const levels = toInventoryLevels(rows, (id) => (id === "se-1" ? "Reno" : id), "2026-11-27T12:00:00.000Z").map((l) => InventoryLevel.parse(l));
    expect(levels).toEqual([
      { sku: "AB-12", location: "Reno", onHand: 15, committed: 2, available: 13, inTransit: 0, asOf: "2026-11-27T12:00:00.000Z", system: "shipstation" },
      { sku: "AB-12", location: "se-2", onHand: 7, committed: 1, available: 6, inTransit: 0, asOf: "2026-11-27T12:00:00.000Z", system: "shipstation" },
    ]);
  });
});
