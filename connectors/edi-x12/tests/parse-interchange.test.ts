import { describe, expect, it } from "vitest";
import { el, parseInterchange, parseInterchanges, segmentsOf, transactionsOf, X12SyntaxError } from "../parse-interchange";
import { isaText, po850, x12 } from "./x12-text";

function syntaxError(input: string): X12SyntaxError {
  try {
    parseInterchanges(input);
  } catch (e) {
    if (e instanceof X12SyntaxError) return e;
    throw e;
  }
  throw new Error("expected an X12SyntaxError");
}

describe("parseInterchange: delimiters come from the ISA", () => {
  it("reads any element separator, component separator and terminator", () => {
    for (const [el_, comp, seg] of [["*", ">", "~"], ["|", "^", "\n"], ["~", "`", "*"], [">", "+", "\r"], ["\u0007", ":", "'"]] as const) {
      const ic = parseInterchange(x12(po850(), { el: el_, comp, seg }));
      expect(ic.delimiters).toEqual({ element: el_, component: comp, segment: seg });
      expect(el(segmentsOf(transactionsOf(ic)[0]!.set, "BEG")[0], 3)).toBe("PO-1001");
    }
  });

  it("strips a BOM, treats line breaks and indentation after terminators as padding, and counts segments as sent", () => {
    const text = "\ufeff" + x12(po850(), { after: "\r\n\t  " });
    const ic = parseInterchange(Buffer.from(text, "utf8"));
    const { set } = transactionsOf(ic)[0]!;
    expect(set.segments.map((s) => s.tag)).toEqual(["ST", "BEG", "N1", "N3", "N4", "PO1", "PO1", "CTT", "SE"]);
    expect(set.segments[0]!.offset).toBe(text.indexOf("ST*850") - 1); // offsets are in the decoded text, BOM dropped
  });

  it("keeps a CR terminator when LF padding follows it, and tolerates a missing final terminator", () => {
    const text = x12(po850(), { seg: "\r", after: "\n" }).replace(/\r\n$/, "");
    const ic = parseInterchange(text);
    expect(ic.delimiters.segment).toBe("\r");
    expect(ic.unterminatedLastSegment).toBe(true);
    expect(el(ic.iea, 2)).toBe("000000101");
  });

  it("tolerates NBSP padding and ISA fields that are not fixed width", () => {
    const text = "ISA*00*\u00a0 \u00a0*00* *ZZ*SANDBOXRETAIL*ZZ*LOOPKEEPER \u00a0*261127*1200*U*00401*000000101*0*T*>~" + po850().join("~") + "~IEA*1*000000101~";
    const ic = parseInterchange(text);
    expect(ic.isa).toMatchObject({ authInfo: "", senderId: "SANDBOXRETAIL", receiverId: "LOOPKEEPER", controlNumber: "000000101" });
    expect(ic.problems).toEqual([]);
  });

  it("reads several interchanges in a row, each with its own delimiters", () => {
    const a = x12(po850({ po: "A-1" }), { isa13: "000000001" });
    const b = x12(po850({ po: "B-2" }), { isa13: "000000002", el: "|", seg: "\n", comp: "^" });
    const ics = parseInterchanges(`${a}\r\n${b}`);
    expect(ics.map((i) => [i.isa.controlNumber, i.delimiters.element])).toEqual([["000000001", "*"], ["000000002", "|"]]);
    expect(ics.map((i) => el(transactionsOf(i)[0]!.set.segments[1], 3))).toEqual(["A-1", "B-2"]);
  });

  it("never splits on the repetition separator, which older partners use as data", () => {
    const text = x12(["GS*SH*A*B*20261127*1200*1*X*004060", "ST*856*0001", "N4*ATLANTA*GA*31139-0020", "SE*3*0001", "GE*1*1"], { version: "00406" }).replace("*U*00406*", "*-*00406*");
    const ic = parseInterchange(text);
    expect(ic.delimiters.repetition).toBe("-");
    expect(el(segmentsOf(transactionsOf(ic)[0]!.set, "N4")[0], 3)).toBe("31139-0020");
  });

  it("decodes bytes that are not UTF-8 as Latin-1 instead of dropping them", () => {
    const text = x12(po850({ lines: ["PO1*1*1*EA*5**VN*CAFÉ-1"] }));
    const ic = parseInterchange(Buffer.from(text, "latin1"));
    expect(el(segmentsOf(transactionsOf(ic)[0]!.set, "PO1")[0], 7)).toBe("CAFÉ-1");
  });
});

describe("parseInterchange: unreadable input carries the TA1 note it deserves", () => {
  it("026 for an alphanumeric element separator", () => {
    expect(syntaxError(isaText().replace(/^ISA\*/, "ISAA").replaceAll("*", "A")).ta1Code).toBe("026");
  });

  it("027 for a component separator equal to the element separator", () => {
    expect(syntaxError(isaText({ comp: "*" }) + "~IEA*0*000000101~").ta1Code).toBe("027");
  });

  it("004 for an alphanumeric segment terminator", () => {
    const e = syntaxError(isaText() + "XGS*PO");
    expect(e.ta1Code).toBe("004");
    expect(e.controlNumber).toBe("000000101");
  });

  it("023 for an ISA cut short, 022 for input that is not X12", () => {
    expect(syntaxError("ISA*00*          *00*").ta1Code).toBe("023");
    expect(syntaxError('{"orders":[]}').ta1Code).toBe("022");
    expect(syntaxError("   \r\n").ta1Code).toBe("023");
  });
});

describe("parseInterchange: structure problems are recorded, not thrown", () => {
  it("a set without SE, a group without GE, an interchange without IEA", () => {
    const segs = po850().filter((s) => !s.startsWith("SE*") && !s.startsWith("GE*"));
    const ic = parseInterchange(isaText() + "~" + segs.join("~") + "~");
    expect(ic.problems.map((p) => p.kind)).toEqual(["missing_se", "missing_ge", "missing_iea"]);
    expect(ic.problems[0]).toMatchObject({ group: 0, set: 0 });
  });

  it("content after the last IEA", () => {
    const ic = parseInterchange(x12(po850()) + "garbage");
    expect(ic.problems.map((p) => p.kind)).toEqual(["trailing_content"]);
  });

  it("a new ISA before the IEA starts the next interchange", () => {
    const first = x12(po850()).replace(/IEA\*1\*000000101~$/, "");
    const ics = parseInterchanges(first + x12(po850(), { isa13: "000000102" }));
    expect(ics.map((i) => i.problems.map((p) => p.kind))).toEqual([["missing_iea"], []]);
  });
});
