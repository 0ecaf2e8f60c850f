import { describe, expect, it } from "vitest";
import { Shipment, type Order } from "../../../pipeline/model";
import { formatIsa13, InMemoryControlNumbers } from "../control-numbers";
import { build810, invoiceLinesOf, read810TotalCents } from "../generate-810";
import { build855 } from "../generate-855";
import { AsnInputError, build856, gs1CheckDigit, isValidSscc, scacOf, sscc18 } from "../generate-856";
import { build997, generate997, read997 } from "../generate-997";
import { generateTa1, readTa1, ta1For } from "../generate-ta1";
import { el, parseInterchange, segmentsOf, transactionsOf, type X12TransactionSet } from "../parse-interchange";
import { parseTradingPartner, type TradingPartnerInput } from "../partner-config";
import { expectationsFor, expectationsForOutbound, validateEnvelope } from "../validate-envelope";
import { outboundParties, renderSegment, writeInterchange, type OutboundSet } from "../write-envelope";
import { shipToLocationOf, x850ToOrder } from "../x850-to-order";
import { po850, x12 } from "./x12-text";

const base: TradingPartnerInput = {
  id: "sandbox-retail", name: "Sandbox Retail", isaQualifier: "ZZ", isaId: "SANDBOXRETAIL", ourIsaQualifier: "ZZ", ourIsaId: "LOOPKEEPER", vendorNumber: "V-1042",
  shipFrom: { name: "Loopkeeper DC", line1: "5 Dock St", city: "Reno", region: "NV", postalCode: "89501", country: "US" },
};
const partner = parseTradingPartner(base);
const now = new Date("2026-11-28T15:30:00Z");

const order: Order = x850ToOrder(
  transactionsOf(parseInterchange(x12(po850({ po: "PO-1001", lines: ["PO1*1*2*EA*24**VN*AB-12*UP*012345678905", "PO1*2*3*EA*18.5**VN*CM-01*BP*B-77"] }))))[0]!.set,
  { partnerId: partner.id },
);

const shipment = Shipment.parse({
  id: "shipstation:900123", orderId: order.id, orderNumber: order.orderNumber, node: "reno", carrier: "ups", service: "UPS Ground",
  trackingNumber: "1Z999AA10123456784", shippedAt: "2026-11-28T14:05:00.000Z",
  lines: [{ sku: "AB-12", quantity: 2, lineId: "1" }, { sku: "CM-01", quantity: 3, lineId: "2" }],
  cartons: [
    { sscc: sscc18("0614141", 1001), lines: [{ sku: "AB-12", quantity: 2 }, { sku: "CM-01", quantity: 1 }] },
    { sscc: sscc18("0614141", 1002), lines: [{ sku: "CM-01", quantity: 2 }] },
  ],
});

/** Writes, re-parses with our own parser, and checks the envelope as the partner would. */
async function roundTrip(set: OutboundSet, functionalId: string, p = partner, numbers = new InMemoryControlNumbers()): Promise<X12TransactionSet> {
  const written = await writeInterchange({ parties: outboundParties(p), functionalId, sets: [set], controlNumbers: numbers, now });
  const ic = parseInterchange(written.text);
  const report = validateEnvelope(ic, expectationsForOutbound(p));
  expect(report.ta1).toEqual([]);
  expect(report.groups[0]).toMatchObject({ status: "A", codes: [] });
  expect(report.groups[0]!.sets[0]).toMatchObject({ status: "A", segmentErrors: [] });
  expect(ic.groups[0]!.functionalId).toBe(functionalId);
  return transactionsOf(ic)[0]!.set;
}

describe("SSCC-18 and the GS1 check digit", () => {
  it("known vectors", () => {
    expect(sscc18("0614141", "123456789", 1)).toBe("106141411234567897"); // GS1 General Specifications example
    expect(sscc18("7610425", "002123456", 3)).toBe("376104250021234569");
    expect(gs1CheckDigit("01234567890")).toBe(5); // UPC-A 012345678905
    expect(gs1CheckDigit("400638133393")).toBe(1); // EAN-13 4006381333931
    expect(isValidSscc("00007121610006156802")).toBe(true); // the VICS 856 fixture, AI 00 form
    expect(isValidSscc("106141411234567898")).toBe(false);
  });

  it("pads the serial to the room the prefix leaves and refuses one that does not fit", () => {
    expect(sscc18("0614141", 7)).toBe("0061414100000000" + "7" + gs1CheckDigit("00614141000000007"));
    expect(sscc18("0614141", 7)).toHaveLength(18);
    expect(() => sscc18("0614141", "1234567890")).toThrow(/does not fit/);
    expect(() => sscc18("12AB", 1)).toThrow(/prefix/);
  });
});

describe("outbound documents re-parse and pass the partner's envelope checks", () => {
  it("855: BAK AD when all lines are accepted, AC with IB/IR lines, PO1 echoing the partner's ids", async () => {
    const all = await roundTrip(build855({ order, ackDate: now }), "PR");
    expect(segmentsOf(all, "BAK")[0]!.elements).toEqual(["BAK", "00", "AD", "PO-1001", "20261127", "", "", "", "", "20261128"]);
    expect(segmentsOf(all, "PO1")[0]!.elements).toEqual(["PO1", "1", "2", "EA", "24", "PE", "VN", "AB-12", "UP", "012345678905"]);
    expect(segmentsOf(all, "ACK").map((a) => el(a, 1))).toEqual(["IA", "IA"]);
    expect(segmentsOf(all, "CTT")[0]!.elements).toEqual(["CTT", "2", "5"]);

    const mixed = await roundTrip(build855({ order, ackDate: now, lines: { "1": { status: "backordered", expectedShipDate: "2026-12-05T00:00:00Z" }, "2": { status: "rejected" } } }), "PR");
    expect(el(segmentsOf(mixed, "BAK")[0], 2)).toBe("AC");
    expect(segmentsOf(mixed, "ACK").map((a) => a.elements.slice(1))).toEqual([["IB", "2", "EA", "068", "20261205"], ["IR", "0", "EA"]]);
    const none = await roundTrip(build855({ order, ackDate: now, lines: { "1": { status: "rejected" }, "2": { status: "rejected" } } }), "PR");
    expect(el(segmentsOf(none, "BAK")[0], 2)).toBe("RD");
  });

  it("856: S > O > P > I with SSCC-18 in MAN*GM, carrier SCAC, tracking, PO and the partner's item ids", async () => {
    const set = await roundTrip(build856({ shipment, poNumber: "PO-1001", partner, order, now }), "SH");
    const hl = segmentsOf(set, "HL").map((h) => h.elements.slice(1, 4));
    expect(hl).toEqual([["1", "", "S"], ["2", "1", "O"], ["3", "2", "P"], ["4", "3", "I"], ["5", "3", "I"], ["6", "2", "P"], ["7", "6", "I"]]);
    expect(el(segmentsOf(set, "BSN")[0], 5)).toBe("0001");
    expect(segmentsOf(set, "MAN").map((m) => el(m, 2))).toEqual([`00${shipment.cartons![0]!.sscc}`, `00${shipment.cartons![1]!.sscc}`]);
    expect(segmentsOf(set, "MAN").every((m) => isValidSscc(el(m, 2)))).toBe(true);
    expect(segmentsOf(set, "TD5")[0]!.elements).toEqual(["TD5", "B", "2", "UPSN", "M", "UPS Ground"]);
    expect(segmentsOf(set, "REF").map((r) => [el(r, 1), el(r, 2)])).toEqual([["BM", "1Z999AA10123456784"], ["CN", "1Z999AA10123456784"], ["IA", "V-1042"]]);
    expect(segmentsOf(set, "DTM")[0]!.elements).toEqual(["DTM", "011", "20261128", "1405"]);
    expect(segmentsOf(set, "PRF")[0]!.elements).toEqual(["PRF", "PO-1001", "", "", "20261127"]);
    expect(segmentsOf(set, "LIN")[0]!.elements).toEqual(["LIN", "1", "VN", "AB-12", "UP", "012345678905"]);
    expect(segmentsOf(set, "SN1").map((s) => el(s, 2))).toEqual(["2", "1", "2"]);
    expect(segmentsOf(set, "CTT")[0]!.elements).toEqual(["CTT", "7", "5"]);
    // The DC code of the 850's N1*ST travels on the order and comes back on the ASN.
    expect(order.tags).toContain("edi-ship-to:92:6094");
    expect(segmentsOf(set, "N1").map((n) => n.elements.slice(1))).toEqual([["ST", "Sandbox DC", "92", "6094"], ["SF", "Loopkeeper DC"]]);
  });

  it("856 without cartons: S > O > I (0004), refused when the partner requires cartons", async () => {
    const loose = Shipment.parse({ ...shipment, cartons: undefined });
    const set = await roundTrip(build856({ shipment: loose, poNumber: "PO-1001", partner, now }), "SH");
    expect(el(segmentsOf(set, "BSN")[0], 5)).toBe("0004");
    expect(segmentsOf(set, "HL").map((h) => el(h, 3))).toEqual(["S", "O", "I", "I"]);
    const strict = parseTradingPartner({ ...base, asn: { requireCartons: true } });
    expect(() => build856({ shipment: loose, poNumber: "PO-1001", partner: strict, now })).toThrow(AsnInputError);
  });

  it("856 refuses cartons that disagree with the shipped lines or carry a bad check digit", () => {
    const short = Shipment.parse({ ...shipment, cartons: [shipment.cartons![0]!] });
    expect(() => build856({ shipment: short, poNumber: "P", partner, now })).toThrow(/CM-01: 3 shipped but 1 packed/);
    const bad = Shipment.parse({ ...shipment, cartons: [{ ...shipment.cartons![0]!, sscc: "106141411234567898" }, shipment.cartons![1]!] });
    expect(() => build856({ shipment: bad, poNumber: "P", partner, now })).toThrow(/check digit/);
  });

  it("810: BIG, IT1 priced from the order, TDS in cents, CTT", async () => {
    const lines = invoiceLinesOf(shipment, order);
    const built = build810({ invoiceNumber: "900123", invoiceDate: now, poNumber: "PO-1001", poDate: order.purchaseOrder!.poDate, currency: "USD", lines, shipTo: order.shippingAddress, shipToLocation: shipToLocationOf(order), vendorNumber: "V-1042" });
    expect(built.totalMinor).toBe(2 * 2400 + 3 * 1850);
    const set = await roundTrip(built, "IN");
    expect(segmentsOf(set, "BIG")[0]!.elements).toEqual(["BIG", "20261128", "900123", "20261127", "PO-1001"]);
    expect(segmentsOf(set, "IT1").map((i) => i.elements.slice(1, 8))).toEqual([["1", "2", "EA", "24", "PE", "VN", "AB-12"], ["2", "3", "EA", "18.5", "PE", "VN", "CM-01"]]);
    expect(read810TotalCents(set)).toBe(10_350);
    expect(segmentsOf(set, "N1")[0]!.elements).toEqual(["N1", "ST", "Sandbox DC", "92", "6094"]);
    expect(el(segmentsOf(set, "CTT")[0], 1)).toBe("2");
  });

  it("810 TDS keeps two implied decimals whatever the currency", () => {
    const jpy = build810({ invoiceNumber: "1", invoiceDate: now, poNumber: "P", currency: "JPY", lines: [{ sku: "A", quantity: 2, unitPriceMinor: 500 }] });
    expect(jpy.segments.find((s) => s[0] === "TDS")).toEqual(["TDS", 100_000]);
    expect(jpy.segments.find((s) => s[0] === "IT1")).toContain("500");
  });

  it("997 for a rejected 850 says exactly what the validator found, and reads back the same", async () => {
    const inbound = validateEnvelope(parseInterchange(x12(po850({ lines: ["PO1*1**EA*24**VN*AB-12", "PO1*2*1*EA*18**VN*CM-01"] }))), expectationsFor(partner));
    const set = await roundTrip(build997(inbound.groups[0]!), "FA");
    expect(set.segments.slice(1, -1).map((s) => s.elements.join("*"))).toEqual(["AK1*PO*7", "AK2*850*0001", "AK3*PO1*6**8", "AK4*2*330*1", "AK5*R*5", "AK9*R*1*1*0"]);
    expect(read997(set, { element: "*", component: ">", segment: "~" })).toMatchObject({ functionalId: "PO", groupControlNumber: "7", status: "R", accepted: 0, sets: [{ type: "850", controlNumber: "0001", status: "R", codes: ["5"] }] });
  });

  it("997 is never written for a group of 997s", async () => {
    const fa = { functionalId: "FA", controlNumber: "9", version: "004010", status: "A" as const, included: 1, received: 1, accepted: 1, codes: [], sets: [], messages: [] };
    expect(await generate997([fa], { partner, controlNumbers: new InMemoryControlNumbers(), now })).toBeUndefined();
  });

  it("TA1 interchange: no group, IEA01 0, the note of the first envelope error", async () => {
    const broken = validateEnvelope(parseInterchange(x12([...po850(), "IEA*1*000000999"], { isa13: "000000042" })));
    const ack = ta1For(broken);
    expect(ack).toEqual({ controlNumber: "000000042", date: "261127", time: "1200", ackCode: "R", noteCode: "001" });
    const written = await generateTa1([ack], { partner, controlNumbers: new InMemoryControlNumbers(), now });
    const ic = parseInterchange(written.text);
    expect(validateEnvelope(ic, expectationsForOutbound(partner)).ta1).toEqual([]);
    expect(ic.groups).toEqual([]);
    expect(readTa1(ic.ta1[0]!)).toEqual(ack);
  });
});

describe("the envelope writer", () => {
  it("uses the partner's delimiters, version and ids; ISA is 106 characters with fixed-width fields", async () => {
    const p = parseTradingPartner({ ...base, version: "005010", delimiters: { element: "|", component: ":", segment: "\n", repetition: "^" }, usage: "T" });
    const written = await writeInterchange({ parties: outboundParties(p), functionalId: "PR", sets: [build855({ order, ackDate: now })], controlNumbers: new InMemoryControlNumbers(), now });
    const isa = written.text.split("\n")[0]!;
    expect(isa).toHaveLength(105);
    expect(isa.split("|").slice(9, 17)).toEqual(["261128", "1530", "^", "00501", "000000001", "0", "T", ":"]);
    const ic = parseInterchange(written.text);
    expect(ic.delimiters).toEqual({ element: "|", component: ":", segment: "\n", repetition: "^" });
    expect(ic.groups[0]!.version).toBe("005010");
    expect(validateEnvelope(ic, expectationsForOutbound(p)).ta1).toEqual([]);
  });

  it("takes ISA13, GS06 and ST02 from the allocator without gaps, and burns none on a document that fails to build", async () => {
    const numbers = new InMemoryControlNumbers();
    const isa13s: string[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await writeInterchange({ parties: outboundParties(partner), functionalId: "PR", sets: [build855({ order, ackDate: now }), build855({ order, ackDate: now })], controlNumbers: numbers, now });
      isa13s.push(w.isa13);
      const ic = parseInterchange(w.text);
      expect([ic.groups[0]!.controlNumber, ...transactionsOf(ic).map((t) => t.set.controlNumber)]).toEqual([String(i + 1), String(2 * i + 1).padStart(4, "0"), String(2 * i + 2).padStart(4, "0")]);
    }
    expect(isa13s).toEqual(["000000001", "000000002", "000000003"]);
    await expect(writeInterchange({ parties: outboundParties(partner), functionalId: "PR", sets: [], controlNumbers: numbers, now })).rejects.toThrow();
    expect(numbers.issued.filter((x) => x.kind === "isa").map((x) => x.value)).toEqual([1, 2, 3]);
    expect(formatIsa13(1_000_000_000)).toBe("000000001"); // nine digits wrap rather than overflow
  });

  it("replaces delimiter characters inside data and drops trailing empty elements", () => {
    const d = partner.delimiters;
    expect(renderSegment(["N3", "12*3 Main~St>", undefined, ""], d)).toBe("N3*12 3 Main St~");
    expect(renderSegment(["AK4", ["5", "1"], "1331", "7"], d)).toBe("AK4*5>1*1331*7~");
  });

  it("maps carriers to SCAC", () => {
    expect(["ups", "FedEx", "usps", "Old Dominion"].map(scacOf)).toEqual(["UPSN", "FDEG", "USPS", "OLD "]);
  });
});
