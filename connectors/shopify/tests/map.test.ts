import { describe, expect, it } from "vitest";
import { InventoryLevel, Order, Payout, Refund, Shipment } from "../../../pipeline/model";
import { readFixture } from "../../../pipeline/testing/fixtures";
import {
  RestBalanceTransaction, RestFulfillment, RestFulfillmentOrder, RestInventoryLevel, RestOrder, RestPayout, RestRefund, RestRefundCalculation, RestTransaction,
} from "../api-schemas";
import {
  ShopifyMappingError, allocateShipment, fulfillableLinesFromRest, mapPayout, mapRestFulfillment, mapRestInventoryLevel, mapRestOrder, mapRestRefund,
  orderNameFromRefund, shopifyCarrierName, sumTransactions, toFulfillmentInput, utcTime,
} from "../map";
import { parseExactJson } from "../parse-exact-json";

const rest = (file: string): any => parseExactJson(readFixture("shopify", "rest", file));
const hook = (file: string): any => parseExactJson(readFixture("shopify", "webhooks", file));
const usd = (amountMinor: number) => ({ amountMinor, currency: "USD" });

describe("orders", () => {
  it("maps the REST order (order-get.json) with Shopify's current totals", () => {
    const order = mapRestOrder(RestOrder.parse(rest("order-get.json").order));
    expect(Order.parse(order)).toEqual(order);
    expect(order.id).toBe("shopify:450789469");
    expect(order.orderNumber).toBe("#1001");
    expect(order.channelOrderId).toBe("450789469");
    expect(order.createdAt).toBe("2008-01-10T16:00:00.000Z");
    // current_subtotal 195.67 is after discounts; adding current discounts 3.33 gives 199.00.
    expect(order.totals).toEqual({ subtotal: usd(19900), discounts: usd(333), shipping: usd(0), tax: usd(398), total: usd(19965) });
    const t = order.totals;
    expect(t.subtotal.amountMinor - t.discounts.amountMinor + t.shipping.amountMinor + t.tax.amountMinor).toBe(t.total.amountMinor);
    expect(order.lines.map((l) => [l.sku, l.quantity, l.unitPrice.amountMinor, l.discount?.amountMinor])).toEqual([
      ["IPOD2008GREEN", 1, 19900, 334],
      ["IPOD2008RED", 1, 19900, 333],
      ["IPOD2008BLACK", 1, 19900, 333],
    ]);
    expect(order.lines[0]!.taxes).toEqual([{ title: "State Tax", rate: 0.06, amount: usd(398) }]);
    expect(order.discounts).toEqual([{ code: "TENOFF", title: "TENOFF", amount: usd(1000) }]);
    expect(order.customer).toMatchObject({ email: "bob.norman@mail.example.com", firstName: "Bob", lastName: "Norman", externalIds: { shopify: "207119551" } });
    expect(order.shippingAddress).toEqual({ name: "Bob Norman", line1: "Chestnut Street 92", city: "Louisville", region: "KY", postalCode: "40202", country: "US", phone: "+1(502)-459-2181" });
    expect(order.shippingLines).toEqual([{ title: "Free Shipping", serviceCode: "Free Shipping", price: usd(0), taxes: [] }]);
    expect(order.status).toBe("open");
  });

  it("maps the orders/create docs sample, taking the exact id from admin_graphql_api_id", () => {
    const raw = hook("orders-create.docs-2026-04.json");
    expect(raw.id).toBe("820982911946154500"); // the scraper rounded it
    const order = mapRestOrder(RestOrder.parse(raw));
    expect(order.id).toBe("shopify:820982911946154508");
    expect(order.customer.externalIds).toEqual({ shopify: "115310627314723954" });
    expect(order.lines.map((l) => l.lineId)).toEqual(["487817672276298554", "789012345678901234", "890123456789012345", "976318377106520349", "315789986012684393"]);
    expect(order.lines.reduce((n, l) => n + l.unitPrice.amountMinor * l.quantity, 0)).toBe(41495);
    expect(order.totals).toEqual({ subtotal: usd(41495), discounts: usd(0), shipping: usd(0), tax: usd(0), total: usd(41495) });
    expect(order.shippingLines[0]).toMatchObject({ title: "Generic Shipping", price: usd(1000) });
    expect(order.status).toBe("cancelled");
    expect(order.tags).toEqual(["tag1", "tag2"]);
    expect(order.createdAt).toBe("2022-01-01T00:00:00.000Z");
  });
});

describe("refunds", () => {
  it("maps refunds-list.json: order name from the payment id, total from the refund transaction", () => {
    const raw = RestRefund.parse(rest("refunds-list.json").refunds[0]);
    expect(orderNameFromRefund(raw)).toBe("#1001");
    const refund = mapRestRefund(raw, { orderNumber: "#1001" });
    expect(Refund.parse(refund)).toEqual(refund);
    expect(refund).toMatchObject({ id: "shopify:refund:509562969", orderId: "shopify:450789469", orderNumber: "#1001", reason: "it broke during shipping", total: usd(20900) });
    expect(refund.lines).toEqual([
      { lineId: "703073504", sku: "IPOD2008BLACK", quantity: 1, amount: usd(19566), tax: usd(398), restock: true, restockLocation: "shopify:487838322" },
      { lineId: "466157049", sku: "IPOD2008GREEN", quantity: 1, amount: usd(19567), tax: usd(398), restock: true, restockLocation: "shopify:487838322" },
    ]);
  });

  it("maps refund-create-response.json, whose payment id names no order", () => {
    const raw = RestRefund.parse(rest("refund-create-response.json").refund);
    expect(orderNameFromRefund(raw)).toBeUndefined();
    const refund = mapRestRefund(raw, { orderNumber: "#1001" });
    expect(refund.total).toEqual(usd(4194));
    expect(refund.lines).toEqual([{ lineId: "518995019", sku: "IPOD2008RED", quantity: 1, amount: usd(0), tax: usd(0), restock: false }]);
  });

  it("maps the refunds/create docs sample (five lines, 85.00 actually refunded)", () => {
    const refund = mapRestRefund(RestRefund.parse(hook("refunds-create.docs-2026-04.json")), { orderNumber: "#9999" });
    expect(refund.id).toBe("shopify:refund:890088186047892319");
    expect(refund.lines.map((l) => l.amount.amountMinor)).toEqual([8999, 1999, 2499, 15999, 11999]);
    expect(refund.total).toEqual(usd(8500));
    expect(refund.createdAt).toBe("2022-01-01T00:00:00.000Z");
  });

  it("reads refund-calculate-response.json (a suggestion: shipping 2.00, suggested refund 2.00)", () => {
    const calc = RestRefundCalculation.parse(rest("refund-calculate-response.json").refund);
    expect(calc.shipping?.amount).toBe("2.00");
    expect(sumTransactions(calc.transactions, "suggested_refund", calc.currency)).toBe(200);
    expect(calc.refund_shipping_lines?.[0]?.subtotal_amount_set?.shop_money.amount).toBe("2.00");
  });

  it("sums the transactions of transactions-list.json by kind", () => {
    const txs = (rest("transactions-list.json").transactions as unknown[]).map((t) => RestTransaction.parse(t));
    expect(sumTransactions(txs, "authorization", "USD")).toBe(59894);
    expect(sumTransactions(txs, "capture", "USD")).toBe(25094);
    expect(sumTransactions(txs, "refund", "USD")).toBe(20900);
  });
});

describe("fulfillments", () => {
  it("maps fulfillment-create-response.json to the channel's shipment record", () => {
    const s = mapRestFulfillment(RestFulfillment.parse(rest("fulfillment-create-response.json").fulfillment));
    expect(Shipment.parse(s)).toEqual(s);
    expect(s).toMatchObject({
      id: "shopify:fulfillment:1069019877",
      orderId: "shopify:450789469",
      orderNumber: "#1001",
      node: "shopify:24826418",
      carrier: "unknown",
      trackingNumber: "MS1562678",
      trackingUrl: "https://www.my-shipping-company.com?tracking_number=MS1562678",
      shippedAt: "2025-04-02T16:38:43.000Z",
      lines: [{ sku: "crafty_shoes_red", quantity: 1, lineId: "1071823216" }],
    });
  });

  it("maps the fulfillments/create docs sample (UPS, five lines, order #9999)", () => {
    const s = mapRestFulfillment(RestFulfillment.parse(hook("fulfillments-create.docs-2026-04.json")));
    expect(s).toMatchObject({ orderNumber: "#9999", carrier: "UPS", trackingNumber: "1z827wk74630", node: "shopify" });
    expect(s.lines).toHaveLength(5);
  });

  it("allocates a shipment over fulfillment_orders-list.json by order line id, and refuses what is not open", () => {
    const open = fulfillableLinesFromRest((rest("fulfillment_orders-list.json").fulfillment_orders as unknown[]).map((f) => RestFulfillmentOrder.parse(f)));
    expect(open).toEqual([{ fulfillmentOrderId: "gid://shopify/FulfillmentOrder/1046000780", fulfillmentOrderLineItemId: "gid://shopify/FulfillmentOrderLineItem/1072503277", orderLineItemId: "518995019", locationId: "gid://shopify/Location/24826418", remaining: 1 }]);
    const groups = allocateShipment([{ sku: "IPOD2008RED", quantity: 1, lineId: "518995019" }], open, "#1001");
    expect(groups).toEqual([[{ fulfillmentOrderId: "gid://shopify/FulfillmentOrder/1046000780", fulfillmentOrderLineItems: [{ id: "gid://shopify/FulfillmentOrderLineItem/1072503277", quantity: 1 }] }]]);
    expect(toFulfillmentInput(groups[0]!, { carrier: "fedex", trackingNumber: "7489", trackingUrl: undefined }, true)).toEqual({
      lineItemsByFulfillmentOrder: groups[0],
      trackingInfo: { company: "FedEx", number: "7489" },
      notifyCustomer: true,
    });
    expect(() => allocateShipment([{ sku: "IPOD2008RED", quantity: 2, lineId: "518995019" }], open, "#1001")).toThrow(/only 1 of 2 units/);
    try {
      allocateShipment([{ sku: "NOPE", quantity: 1 }], open, "#1001");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ShopifyMappingError);
      expect((e as ShopifyMappingError).field).toBe("lines[0].sku");
    }
  });

  it("splits a shipment into one fulfillment per location, filling lines across fulfillment orders", () => {
    const line = (fo: string, id: string, sku: string, loc: string, remaining: number) => ({ fulfillmentOrderId: fo, fulfillmentOrderLineItemId: id, orderLineItemId: id.slice(-1), sku, locationId: loc, remaining });
    const open = [line("FO-A", "li-1", "AB-12", "L1", 1), line("FO-B", "li-2", "AB-12", "L2", 2), line("FO-A", "li-3", "CM-01", "L1", 1)];
    const groups = allocateShipment([{ sku: "AB-12", quantity: 3 }, { sku: "CM-01", quantity: 1 }], open, "#1");
    expect(groups).toEqual([
      [{ fulfillmentOrderId: "FO-A", fulfillmentOrderLineItems: [{ id: "li-1", quantity: 1 }, { id: "li-3", quantity: 1 }] }],
      [{ fulfillmentOrderId: "FO-B", fulfillmentOrderLineItems: [{ id: "li-2", quantity: 2 }] }],
    ]);
  });

  it("names carriers the way Shopify recognises them", () => {
    expect(shopifyCarrierName("ups")).toBe("UPS");
    expect(shopifyCarrierName("stamps_com")).toBe("USPS");
    expect(shopifyCarrierName("DHL Express")).toBe("DHL Express");
    expect(shopifyCarrierName("Acme Freight")).toBe("Acme Freight");
  });
});

describe("inventory", () => {
  const skuOf: Record<string, string> = { "808950810": "IPOD2008RED", "39072856": "IPOD2008GREEN" };

  it("maps inventory_levels-list.json per location", () => {
    const levels = (rest("inventory_levels-list.json").inventory_levels as unknown[]).map((l) => {
      const raw = RestInventoryLevel.parse(l);
      return mapRestInventoryLevel(raw, skuOf[raw.inventory_item_id]!)!;
    });
    expect(levels.map((l) => InventoryLevel.parse(l))).toEqual(levels);
    expect(levels.map((l) => [l.sku, l.location, l.available])).toEqual([
      ["IPOD2008RED", "shopify:487838322", 9],
      ["IPOD2008GREEN", "shopify:487838322", 27],
      ["IPOD2008RED", "shopify:655441491", 1],
      ["IPOD2008GREEN", "shopify:655441491", 3],
    ]);
    expect(levels[0]).toMatchObject({ asOf: "2025-04-02T16:29:59.000Z", system: "shopify", onHand: 9, committed: 0 });
  });

  it("maps inventory_level-set-response.json, and skips an untracked level (available null)", () => {
    const level = mapRestInventoryLevel(RestInventoryLevel.parse(rest("inventory_level-set-response.json").inventory_level), "IPOD2008RED");
    expect(level).toMatchObject({ location: "shopify:655441491", available: 42 });
    const untracked = RestInventoryLevel.parse(hook("inventory_levels-update.docs-2024-01.json"));
    expect(mapRestInventoryLevel(untracked, "X")).toBeUndefined();
  });
});

describe("payouts", () => {
  it("maps a Shopify Payments payout with its balance transactions; the lines add up to what was paid", () => {
    const payouts = (rest("shopify_payments-payouts-list.json").payouts as unknown[]).map((p) => RestPayout.parse(p));
    const txs = (rest("shopify_payments-balance-transactions-list.json").transactions as unknown[]).map((t) => RestBalanceTransaction.parse(t));
    const payout = mapPayout(payouts.find((p) => p.id === "623721858")!, txs);
    expect(Payout.parse(payout)).toEqual(payout);
    expect(payout).toMatchObject({ id: "shopify:payout:623721858", source: "shopify_payments", total: usd(4190), depositDate: "2012-11-12T00:00:00.000Z" });
    const mine = txs.filter((t) => t.payout_id === "623721858");
    expect(payout.lines.filter((l) => l.kind !== "fee")).toHaveLength(mine.length);
    const net = mine.reduce((n, t) => n + Math.round(Number(t.net) * 100), 0);
    expect(payout.lines.reduce((n, l) => n + l.amount.amountMinor, 0)).toBe(net);
    expect(payout.lines.find((l) => l.kind === "principal")).toMatchObject({ amount: usd(1000) });
    expect(payout.lines.filter((l) => l.kind === "fee").length).toBeGreaterThan(0);
    expect(mapPayout(payouts[0]!, txs).lines).toEqual([]);
  });
});

describe("times", () => {
  it("converts Shopify's offsets to UTC with Z", () => {
    expect(utcTime("2021-12-31T19:00:00-05:00")).toBe("2022-01-01T00:00:00.000Z");
    expect(utcTime("2024-06-26T12:33:21-04:00")).toBe("2024-06-26T16:33:21.000Z");
    expect(() => utcTime("yesterday")).toThrow(ShopifyMappingError);
  });
});
