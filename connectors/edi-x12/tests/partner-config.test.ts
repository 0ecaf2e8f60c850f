import { describe, expect, it } from "vitest";
import { allocatorFromSequence } from "../control-numbers";
import { baseUrlOf, gsIdsOf, isaVersionOf, parseTradingPartner, TradingPartner } from "../partner-config";

const minimal = { id: "acme-retail", name: "Acme Retail", isaQualifier: "ZZ", isaId: "ACMERETAIL", ourIsaQualifier: "12", ourIsaId: "5551234567" };

describe("trading partner config", () => {
  it("fills the defaults an implementation guide usually leaves implicit", () => {
    const p = parseTradingPartner(minimal);
    expect(p).toMatchObject({
      version: "004010", usage: "P", expects: ["997", "855", "856", "810"], ta1: "when_requested", currency: "USD",
      delimiters: { element: "*", component: ">", segment: "~", repetition: "^", lineBreak: false },
      timing: { ack997WithinHours: 24, ack855WithinHours: 24, asnWithinHoursOfShipment: 24, asnBeforeInvoice: true },
      asn: { structure: "SOPI", requireCartons: false, ssccWithApplicationIdentifier: true },
    });
    expect(gsIdsOf(p)).toEqual({ theirs: "ACMERETAIL", ours: "5551234567" });
    expect(isaVersionOf(p)).toBe("00401");
    expect(isaVersionOf(parseTradingPartner({ ...minimal, version: "005010X222A1" }))).toBe("00501");
    expect(isaVersionOf(parseTradingPartner({ ...minimal, version: "004010VICS" }))).toBe("00401");
  });

  it("refuses delimiters that collide or could be data, and ids that could break the envelope", () => {
    const bad = (over: object) => TradingPartner.safeParse({ ...minimal, ...over }).success;
    expect(bad({ delimiters: { element: "*", component: "*", segment: "~" } })).toBe(false);
    expect(bad({ delimiters: { element: "A", component: ">", segment: "~" } })).toBe(false);
    expect(bad({ delimiters: { element: "|", component: ":", segment: "\n", repetition: "^" } })).toBe(true);
    expect(bad({ isaId: "TOO-LONG-FOR-ISA06" })).toBe(false);
    expect(bad({ isaId: "ACME*RETAIL" })).toBe(false);
    expect(bad({ id: "Acme Retail" })).toBe(false);
    expect(bad({ isaQualifier: "Z" })).toBe(false);
    expect(() => parseTradingPartner({ ...minimal, version: "4010" })).toThrow(/^trading partner config: version: /);
  });

  it("describes its transport as a base URL for createClient", () => {
    expect(baseUrlOf(parseTradingPartner({ ...minimal, transport: { kind: "http", url: "https://edi.acme.example/as2/in" } }))).toBe("https://edi.acme.example/as2/in");
    expect(baseUrlOf(parseTradingPartner({ ...minimal, transport: { kind: "folder", outbound: "/srv/edi/acme/out", inbound: "/srv/edi/acme/in" } }))).toBe("file:///srv/edi/acme/out");
    expect(baseUrlOf(parseTradingPartner(minimal))).toBeUndefined();
  });

  it("control numbers live in one named sequence per partner and envelope level", async () => {
    const names: string[] = [];
    const a = allocatorFromSequence(async (name) => (names.push(name), names.length));
    await a.nextControlNumber("acme-retail", "isa");
    await a.nextControlNumber("acme-retail", "st");
    expect(names).toEqual(["edi-x12:acme-retail:isa", "edi-x12:acme-retail:st"]);
  });
});
