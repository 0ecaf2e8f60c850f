import { describe, expect, it } from "vitest";
import { Shipment } from "../../../pipeline/model";
import { listFixtures, readFixture, readFixtureJson } from "../../../pipeline/testing/fixtures";
import {
  SsBulkCreateOrdersResponse,
  SsCreateLabelResponse,
  SsCreateOrderRequest,
  SsMarkAsShippedRequest,
  SsMarkAsShippedResponse,
  SsOrder,
  SsOrderList,
  SsShipment,
} from "../api-schemas";
import { classifyShipStationError } from "../errors";
import { toCanonicalShipment, toOrderSummary } from "../map";
import { shipstation } from "../index";

const inbound = (rawBody: string, token = "t".repeat(20)) => ({ headers: { "content-type": "application/json" }, rawBody, query: { token } });

/**
 * One check per file under ../shared/fixtures/shipstation. The last test fails when a fixture
 * arrives that nobody parses or classifies.
 */
const checks: Record<string, () => void> = {
  "orders/createorder.request.json": () => {
    const req = SsCreateOrderRequest.parse(readFixtureJson("shipstation", "orders/createorder.request.json"));
    expect(req.orderKey).toBe("0f6bec18-3e89-4881-83aa-f392d84f4c74");
    expect(req.orderStatus).toBe("awaiting_shipment");
    expect(req.items.find((i) => i.adjustment)?.unitPrice).toBe(-20.55);
  },
  "orders/createorder.response.json": () => {
    const o = SsOrder.parse(readFixtureJson("shipstation", "orders/createorder.response.json"));
    const summary = toOrderSummary(o, "USD");
    expect(summary).toMatchObject({ orderNumber: "TEST-ORDER-API-DOCS", externalId: "140335319", totalMinor: 19443, status: "awaiting_shipment" });
    // The adjustment row ("10% OFF") carries money, not goods.
    expect(summary.lines).toEqual([{ sku: "ABC123", quantity: 2 }]);
  },
  "orders/createorders.response.json": () => {
    const r = SsBulkCreateOrdersResponse.parse(readFixtureJson("shipstation", "orders/createorders.response.json"));
    expect(r.hasErrors).toBe(false);
    expect(r.results.map((x) => x.success)).toEqual([true, true]);
  },
  "orders/listorders.response.json": () => {
    const list = SsOrderList.parse(readFixtureJson("shipstation", "orders/listorders.response.json"));
    expect({ total: list.total, page: list.page, pages: list.pages }).toEqual({ total: 2, page: 1, pages: 1 });
    const [intl] = list.orders.map((o) => toOrderSummary(o, "USD"));
    expect(intl).toMatchObject({ orderNumber: "Test-International-API-DOCS", totalMinor: 38797, lines: [{ sku: "Ele-1234", quantity: 2 }, { sku: "CN-9876", quantity: 1 }] });
  },
  "orders/markasshipped.request.json": () => {
    expect(SsMarkAsShippedRequest.parse(readFixtureJson("shipstation", "orders/markasshipped.request.json")).trackingNumber).toBe("913492493294329421");
  },
  "orders/markasshipped.response.json": () => {
    expect(SsMarkAsShippedResponse.parse(readFixtureJson("shipstation", "orders/markasshipped.response.json"))).toEqual({ orderId: 123456789, orderNumber: "ABC123" });
  },
  "orders/createlabelfororder.response.json": () => {
    const label = SsCreateLabelResponse.parse(readFixtureJson("shipstation", "orders/createlabelfororder.response.json"));
    expect(label).toMatchObject({ shipmentId: 72513480, shipmentCost: 7.3, trackingNumber: "248201115029520" });
  },
  "shipments/shipment.docs-example.json": () => {
    const s = SsShipment.parse(readFixtureJson("shipstation", "shipments/shipment.docs-example.json"));
    const shipment = Shipment.parse(toCanonicalShipment(s, { node: "Austin DC", currency: "USD" }));
    expect(shipment).toMatchObject({
      id: "shipstation:33974374",
      orderId: "8061c220f0794a9b92460b8bae6837e4",
      orderNumber: "100038-1",
      node: "Austin DC",
      carrier: "stamps_com",
      service: "usps_first_class_mail",
      trackingNumber: "9400111899561704681189",
      shippingCost: { amountMinor: 193, currency: "USD" },
      lines: [{ sku: "SQ3785739", quantity: 1 }],
    });
    // createDate 2014-10-03T06:51:33.627 is Pacific daylight time (UTC-7).
    expect(shipment.shippedAt).toBe("2014-10-03T13:51:33.627Z");
  },
  "webhooks/SHIP_NOTIFY.captured.json": () => {
    const raw = readFixture("shipstation", "webhooks/SHIP_NOTIFY.captured.json");
    const secrets = shipstation.webhookSecrets!({ apiKey: "k", apiSecret: "s", webhookToken: "t".repeat(20), currency: "USD" }, { baseUrl: "https://ssapi.shipstation.com" });
    // Production resource_urls point at numbered hosts (ssapi6): still ShipStation's origin.
    expect(() => shipstation.webhooks!.verify(inbound(raw), secrets)).not.toThrow();
    expect(shipstation.webhooks!.parse(inbound(raw))).toEqual({
      kind: "notifications",
      notifications: [{ sourceEventId: "batch:190671332", resource: "https://ssapi6.shipstation.com/shipments?batchId=190671332&includeShipmentItems=False", topic: "SHIP_NOTIFY" }],
    });
  },
  "errors/400-request-invalid-array-expected.json": () => {
    const f = readFixtureJson("shipstation", "errors/400-request-invalid-array-expected.json");
    const e = classifyShipStationError({ status: f.status, headers: {}, body: JSON.stringify(f.body) });
    expect(e).toMatchObject({ errorClass: "validation", field: "orderNumber", code: "ModelState" });
    expect(e.reason).toMatch(/^apiOrders\.orderNumber: Cannot deserialize/);
  },
  "errors/400-request-invalid-object-expected.json": () => {
    const f = readFixtureJson("shipstation", "errors/400-request-invalid-object-expected.json");
    const e = classifyShipStationError({ status: f.status, headers: {}, body: JSON.stringify(f.body) });
    expect(e).toMatchObject({ errorClass: "validation", field: "apiOrder" });
  },
};

describe("ShipStation fixtures", () => {
  for (const [file, check] of Object.entries(checks)) it(file, check);

  it("every fixture file has a check", () => {
    expect(listFixtures("shipstation").filter((f) => !(f in checks))).toEqual([]);
  });

  it("every error fixture classifies to the class its status implies", () => {
    for (const file of listFixtures("shipstation", "errors")) {
      const f = readFixtureJson("shipstation", "errors", file);
      const e = classifyShipStationError({ status: f.status, headers: {}, body: JSON.stringify(f.body) });
      expect(e.errorClass, file).toBe(f.status === 400 ? "validation" : f.status === 401 ? "auth" : f.status === 429 ? "rate_limited" : f.status >= 500 ? "transient" : "permanent");
      expect(e.upstream?.status, file).toBe(f.status);
    }
  });
});
