import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Order } from "../../../pipeline/model";
import { fixturePath } from "../../../pipeline/testing/fixtures";
import { parseInterchange, transactionsOf } from "../parse-interchange";
import { ediOrderId, parseEdiOrderId, resolveSku, x850ToOrder, X850MappingError } from "../x850-to-order";
import { po850, x12 } from "./x12-text";

const setFrom = (input: string | Buffer) => transactionsOf(parseInterchange(input))[0]!.set;
const fixtureSet = (f: string) => setFrom(readFileSync(fixturePath("x12", "850", f)));

function mappingError(fn: () => unknown): X850MappingError {
  try {
    fn();
  } catch (e) {
    if (e instanceof X850MappingError) return e;
    throw e;
  }
  throw new Error("expected an X850MappingError");
}

describe("x850ToOrder", () => {
  it("maps the VICS 850 (node-x12) field by field", () => {
    const order = x850ToOrder(fixtureSet("node-x12_850.edi"), { partnerId: "xyz-retail" });
    expect(order).toMatchObject({
      id: "edi:xyz-retail:08292233294",
      channel: "edi",
      orderNumber: "08292233294",
      channelOrderId: "xyz-retail:08292233294",
      createdAt: "2010-11-27T00:00:00.000Z",
      currency: "USD",
      shippingAddress: { name: "XYZ RETAIL", line1: "31875 SOLON RD", city: "SOLON", region: "OH", postalCode: "44139" },
      purchaseOrder: { poNumber: "08292233294", partnerId: "xyz-retail", poDate: "2010-11-27T00:00:00.000Z", requestedDeliveryDate: "2010-12-14T00:00:00.000Z", departmentNumber: "038" },
    });
    expect(order.lines[0]).toEqual({
      lineId: "1", sku: "AB3542", title: "SMALL WIDGET", quantity: 120, unitPrice: { amountMinor: 925, currency: "USD" },
      taxes: [], partnerItemIds: { CB: "065322-117", PR: "RO", VN: "AB3542" }, requiresShipping: true,
    });
    expect(order.lines.map((l) => l.unitPrice.amountMinor)).toEqual([925, 1379, 1099, 435, 750, 955]);
    expect(Order.parse(order)).toEqual(order);
  });

  it("needs an item map for buyer part numbers only (PGW Glass), and then resolves every line", () => {
    const set = fixtureSet("oopfactory_850_PGWGlass_pipe-terminated.txt");
    const e = mappingError(() => x850ToOrder(set, { partnerId: "pgw" }));
    expect(e).toMatchObject({ field: "PO107", poNumber: "S41000439" });
    expect(e.message).toContain("BP 0459001004");
    const order = x850ToOrder(set, { partnerId: "pgw", itemMap: { "BP:0459001004": "FUSE", "0650002027": "LAMP", "BP:0670104514": "RAIL", "BP:0684202074": "SWITCH" } });
    expect(order.lines.map((l) => [l.sku, l.partnerItemIds?.BP, l.quantity])).toEqual([["FUSE", "0459001004", 5], ["LAMP", "0650002027", 12], ["RAIL", "0670104514", 2], ["SWITCH", "0684202074", 1]]);
    expect(order.tags).toContain("po-purpose:replace"); // BEG01 05
    expect(order.purchaseOrder?.requestedDeliveryDate).toBe("2010-08-20T00:00:00.000Z"); // line-level DTM*002
    expect(order.shippingAddress).toEqual({ line1: "WORKS 41", line2: "2290 MENELAUS ROAD", city: "BEREA", region: "KY", postalCode: "40403", country: "US" });
  });

  it("reads the contact and a two-line address (aojuk)", () => {
    const order = x850ToOrder(fixtureSet("oopfactory_850_From_aojuk.txt"), { partnerId: "sitestuff", partnerName: "SiteStuff" });
    expect(order.customer).toMatchObject({ company: "SiteStuff", email: "john.doe@email.com", phone: "888.888.8888" });
    expect(order.shippingAddress).toMatchObject({ name: "Demo Buying Property", line1: "street 1", line2: "suite 1", city: "Austin" });
    expect(order.lines.map((l) => [l.lineId, l.sku, l.title])).toEqual([["6917", "123456", "DESCRIPTION 1"], ["6915", "654321", "DESCRIPTION 2"]]);
  });

  it("an item map entry beats the vendor part number", () => {
    expect(resolveSku({ VN: "AB3542", UP: "012345678905" }, { "UP:012345678905": "AB-12" })).toBe("AB-12");
    expect(resolveSku({ VN: "AB3542" }, {})).toBe("AB3542");
    expect(resolveSku({ VP: "X1", VN: "X2" }, {})).toBe("X1");
    expect(resolveSku({ BP: "9" }, {})).toBeUndefined();
  });

  it("refuses a CTT line count that disagrees with the PO1 lines", () => {
    const e = mappingError(() => x850ToOrder(setFrom(x12(po850({ ctt: 3 }))), { partnerId: "p" }));
    expect(e).toMatchObject({ field: "CTT01", poNumber: "PO-1001" });
  });

  it("refuses fractional quantities and unreadable prices", () => {
    expect(mappingError(() => x850ToOrder(setFrom(x12(po850({ lines: ["PO1*1*2.5*EA*24**VN*A"] }))), { partnerId: "p" })).field).toBe("PO102");
    expect(mappingError(() => x850ToOrder(setFrom(x12(po850({ lines: ["PO1*1*2*EA*1,5**VN*A"] }))), { partnerId: "p" })).field).toBe("PO104");
  });

  it("reads ship window, cancel date, bill-to, buyer and purpose", () => {
    const segs = po850().map((s) =>
      s.startsWith("BEG")
        ? ["BEG*01*SA*PO-1001**20261127", "CUR*BY*CAD", "DTM*037*20261201", "DTM*001*20261215", "N1*BY*Maple Stores*92*77", "N1*BT*Maple AP", "N3*9 Ledger Rd", "N4*Toronto*ON*M5V 2T6*CA"].join("~")
        : s.startsWith("SE*") ? "SE*16*0001" : s,
    );
    const order = x850ToOrder(setFrom(x12(segs.join("~").split("~"))), { partnerId: "maple" });
    expect(order.status).toBe("cancelled");
    expect(order.currency).toBe("CAD");
    expect(order.purchaseOrder).toMatchObject({ requestedShipDate: "2026-12-01T00:00:00.000Z", cancelAfterDate: "2026-12-15T00:00:00.000Z" });
    expect(order.customer.company).toBe("Maple Stores");
    expect(order.billingAddress).toEqual({ name: "Maple AP", line1: "9 Ledger Rd", city: "Toronto", region: "ON", postalCode: "M5V 2T6", country: "CA" });
    expect(order.lines[0]!.unitPrice).toEqual({ amountMinor: 2400, currency: "CAD" });
  });

  it("canonical ids round-trip", () => {
    expect(parseEdiOrderId(ediOrderId("acme-retail", "PO:77"))).toEqual({ partnerId: "acme-retail", poNumber: "PO:77" });
    expect(parseEdiOrderId("shopify:1042")).toBeUndefined();
  });
});
