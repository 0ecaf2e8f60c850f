import { describe, expect, it } from "vitest";
import { parseInterchange } from "../parse-interchange";
import { parseTradingPartner } from "../partner-config";
import { checkDuplicateInterchange, expectationsFor, InMemoryInterchangeRegistry, validateEnvelope } from "../validate-envelope";
import { po850, x12, type TextOptions } from "./x12-text";

const partner = parseTradingPartner({ id: "sandbox-retail", name: "Sandbox Retail", isaQualifier: "ZZ", isaId: "SANDBOXRETAIL", ourIsaQualifier: "ZZ", ourIsaId: "LOOPKEEPER" });
const check = (segments: string[], o: TextOptions = {}) => validateEnvelope(parseInterchange(x12(segments, o)), expectationsFor(partner));
const ta1Codes = (segments: string[], o: TextOptions = {}) => check(segments, o).ta1.map((t) => t.code);

describe("validateEnvelope: interchange level (TA1)", () => {
  it("accepts a sound interchange from the configured partner", () => {
    const r = check(po850());
    expect(r.ta1).toEqual([]);
    expect(r.groups[0]).toMatchObject({ status: "A", included: 1, received: 1, accepted: 1, codes: [] });
  });

  it("001 when IEA02 differs from ISA13, 021 when IEA01 miscounts the groups", () => {
    expect(ta1Codes([...po850(), "IEA*1*000000999"])).toEqual(["001"]);
    expect(ta1Codes([...po850(), "IEA*2*000000101"])).toEqual(["021"]);
  });

  it("005/006 for a sender that is not this partner, 007/009 for a receiver that is not us", () => {
    expect(ta1Codes(po850(), { sender: ["01", "SANDBOXRETAIL"] })).toEqual(["005"]);
    expect(ta1Codes(po850(), { sender: ["ZZ", "SOMEONEELSE"] })).toEqual(["006"]);
    expect(ta1Codes(po850(), { receiver: ["12", "LOOPKEEPER"] })).toEqual(["007"]);
    expect(ta1Codes(po850(), { receiver: ["ZZ", "NOTUS"] })).toEqual(["009"]);
  });

  it("017 for an ISA12 that is no interchange version; 018/019 for bad ISA13/ISA14", () => {
    expect(ta1Codes(po850(), { version: "00040" })).toEqual(["017"]);
    expect(ta1Codes(po850(), { version: "00501" })).toEqual([]);
    expect(ta1Codes(po850(), { isa13: "12345", ackRequested: "Y" })).toEqual(expect.arrayContaining(["018", "019"]));
  });

  it("023 when the interchange ends before IEA", () => {
    const text = x12(po850()).replace(/IEA\*1\*000000101~$/, "");
    expect(validateEnvelope(parseInterchange(text)).ta1.map((t) => t.code)).toEqual(["023"]);
  });

  it("025 for an interchange seen before, and only once it was sound", async () => {
    const registry = new InMemoryInterchangeRegistry();
    const r1 = await checkDuplicateInterchange(check(po850()), partner.id, registry);
    const r2 = await checkDuplicateInterchange(check(po850()), partner.id, registry);
    expect([r1.ta1, r2.ta1.map((t) => t.code)]).toEqual([[], ["025"]]);
    const broken = check([...po850(), "IEA*1*000000556"], { isa13: "000000555" });
    expect(broken.ta1.map((t) => t.code)).toEqual(["001"]);
    await checkDuplicateInterchange(broken, partner.id, registry);
    expect((await checkDuplicateInterchange(check(po850(), { isa13: "000000555" }), partner.id, registry)).ta1).toEqual([]);
    // Same ISA13 from another partner is no duplicate.
    expect((await checkDuplicateInterchange(check(po850()), "other-partner", registry)).ta1).toEqual([]);
  });
});

describe("validateEnvelope: group level (AK9)", () => {
  it("4 when GE02 differs from GS06, 5 when GE01 miscounts the sets", () => {
    expect(check(po850().map((s) => (s.startsWith("GE*") ? "GE*1*8" : s))).groups[0]!.codes).toEqual(["4"]);
    const g = check(po850().map((s) => (s.startsWith("GE*") ? "GE*3*7" : s))).groups[0]!;
    expect([g.status, g.codes, g.included, g.received]).toEqual(["R", ["5"], 3, 1]);
  });

  it("3 when the group has no GE; 2 when GS08 is not the agreed version", () => {
    expect(check(po850().filter((s) => !s.startsWith("GE*")), {}).groups[0]!.codes).toEqual(["3"]);
    expect(check(po850().map((s) => s.replace("*X*004010", "*X*005010"))).groups[0]!.codes).toEqual(["2"]);
  });

  it("P when one set of two is rejected", () => {
    const [gs, ...rest] = po850();
    const sets = rest.slice(0, -1);
    const second = sets.map((s) => s.replace("*0001", "*0002").replace("PO1*2*1*EA*18**VN*CM-01", "PO1*2**EA*18**VN*CM-01"));
    const g = check([gs!, ...sets, ...second, "GE*2*7"]).groups[0]!;
    expect([g.status, g.received, g.accepted]).toEqual(["P", 2, 1]);
  });
});

describe("validateEnvelope: set level (AK5, AK3/AK4)", () => {
  const setAck = (segments: string[]) => check(segments).groups[0]!.sets[0]!;

  it("3 when SE02 differs from ST02, 4 when SE01 miscounts (ST and SE count)", () => {
    expect(setAck(po850().map((s) => (s.startsWith("SE*") ? "SE*9*0002" : s))).codes).toEqual(["3"]);
    expect(setAck(po850().map((s) => (s.startsWith("SE*") ? "SE*10*0001" : s))).codes).toEqual(["4"]);
    expect(setAck(po850()).codes).toEqual([]);
  });

  it("1 for a set type we do not take from the partner", () => {
    const segs = po850().map((s) => s.replace("ST*850", "ST*860"));
    expect(setAck(segs)).toMatchObject({ status: "R", codes: ["1"] });
  });

  it("5 with AK3/AK4 for a PO1 without quantity (330 mandatory missing)", () => {
    const ack = setAck(po850({ lines: ["PO1*1**EA*24**VN*AB-12"] }));
    expect(ack.codes).toEqual(["5"]);
    expect(ack.segmentErrors).toEqual([expect.objectContaining({ segmentId: "PO1", position: 6, code: "8", elements: [{ position: 2, reference: "330", code: "1" }] })]);
  });

  it("element errors: bad date (8), non-numeric quantity (6), too long PO number (5), half a qualifier pair (2)", () => {
    const segs = po850({ po: "X".repeat(23), lines: ["PO1*1*two*EA*24**VN"] }).map((s) => s.replace("**20261127", "**20261332"));
    const errors = setAck(segs).segmentErrors;
    expect(errors.map((e) => [e.segmentId, e.elements.map((x) => `${x.position}:${x.code}`)])).toEqual([
      ["BEG", ["3:5", "5:8"]],
      ["PO1", ["2:6", "7:2"]],
    ]);
  });

  it("3 for a mandatory segment that is missing", () => {
    const ack = setAck(po850().filter((s) => !s.startsWith("BEG")).map((s) => (s.startsWith("SE*") ? "SE*8*0001" : s)));
    expect(ack.codes).toEqual(["5"]);
    expect(ack.segmentErrors).toEqual([expect.objectContaining({ segmentId: "BEG", position: 2, code: "3" })]);
  });
});
