import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fixturePath, listFixtures, readFixture } from "../../../pipeline/testing/fixtures";
import { AK304_CODES, AK403_CODES, AK5_CODES, AK9_CODES, TA1_NOTE_CODES } from "../ack-codes";
import {
  acknowledge, el, InMemoryControlNumbers, InMemoryInterchangeRegistry, isValidSscc, parseInterchange, parseInterchanges,
  parseTradingPartner, read810TotalCents, read997, readTa1, segmentsOf, transactionsOf, validateEnvelope, x850ToOrder,
  type X12Interchange,
} from "../index";
import { Order } from "../../../pipeline/model";

const bytes = (f: string) => readFileSync(fixturePath("x12", f));
const only = (f: string) => parseInterchange(bytes(f));
const setOf = (ic: X12Interchange, i = 0) => transactionsOf(ic)[i]!.set;
const hlCount = (ic: X12Interchange) => segmentsOf(setOf(ic), "HL").length;

function csvRows(file: string): string[][] {
  return readFixture("x12", "reference", file)
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => [...line.matchAll(/("([^"]*)"|[^,]*)(,|$)/g)].map((m) => m[2] ?? m[1]!).slice(0, 4));
}

/** What each fixture must yield. Every file under fixtures/x12 has an entry (checked below). */
const EXPECT: Record<string, () => void | Promise<void>> = {
  "850/node-x12_850.edi": () => {
    const ic = only("850/node-x12_850.edi");
    expect(ic.delimiters).toEqual({ element: "*", component: ">", segment: "~" });
    expect(ic.isa.version).toBe("00400");
    const order = x850ToOrder(setOf(ic), { partnerId: "xyz-retail" });
    expect(order.purchaseOrder?.poNumber).toBe("08292233294");
    expect(order.lines).toHaveLength(6);
    expect(order.totals.total.amountMinor).toBe(1_304_594); // AMT*1*13045.94
    expect(validateEnvelope(ic).ta1).toEqual([]);
  },
  "850/node-x12_850_2_newline-terminated.edi": () => {
    const ic = only("850/node-x12_850_2_newline-terminated.edi");
    expect(ic.delimiters.segment).toBe("\n");
    expect(el(setOf(ic).segments[1], 3)).toBe("08292233294");
    expect(segmentsOf(setOf(ic), "PO1")).toHaveLength(6);
  },
  "850/node-x12_850_3_petco.edi": () => {
    const ic = only("850/node-x12_850_3_petco.edi");
    expect(ic.delimiters.segment).toBe("\n");
    const order = x850ToOrder(setOf(ic), { partnerId: "petco" });
    expect(order.orderNumber).toBe("----------");
    expect(order.lines[0]).toMatchObject({ sku: "UNKNOWN", quantity: 1, unitPrice: { amountMinor: 22_500 } });
    expect(order.shippingAddress).toMatchObject({ name: "PETCO - CORPORATE", city: "SAN DIEGO", region: "CA" });
  },
  "850/oopfactory_850_PGWGlass_pipe-terminated.txt": () => {
    const ic = only("850/oopfactory_850_PGWGlass_pipe-terminated.txt");
    expect(ic.delimiters).toEqual({ element: "*", component: "~", segment: "|" });
    const order = x850ToOrder(setOf(ic), { partnerId: "pgw", itemMap: { "BP:0459001004": "FUSE-FNA", "BP:0650002027": "LAMP-200W", "BP:0670104514": "DIN-35", "BP:0684202074": "PROX-SW" } });
    expect(order.purchaseOrder?.poNumber).toBe("S41000439");
    expect(order.totals.total.amountMinor).toBe(88_406); // AMT*TT*884.06
    expect(validateEnvelope(ic).groups[0]!.sets[0]!.status).toBe("A"); // SE*36 counts correctly despite the indentation
  },
  "850/oopfactory_850_From_aojuk.txt": () => {
    const ic = only("850/oopfactory_850_From_aojuk.txt");
    expect(ic.delimiters.segment).toBe("~");
    const order = x850ToOrder(setOf(ic), { partnerId: "sitestuff" });
    expect(order.orderNumber).toBe("6190");
    expect(order.lines.map((l) => l.sku)).toEqual(["123456", "654321"]);
    expect(order.totals.total.amountMinor).toBe(22_998);
  },
  "850/edinet_x12.850_iea-control-mismatch.edi": () => {
    const ic = only("850/edinet_x12.850_iea-control-mismatch.edi");
    expect(ic.delimiters).toEqual({ element: "*", component: ">", segment: "~" });
    expect(ic.isa).toMatchObject({ authInfo: "", senderId: "000123456", receiverId: "PARTNERID", controlNumber: "000000055" }); // NBSP padding trimmed
    expect(validateEnvelope(ic).ta1.map((t) => t.code)).toEqual(["001"]);
  },
  "850/edifabric_850_DuplicateInterchange.txt": async () => {
    const ics = parseInterchanges(bytes("850/edifabric_850_DuplicateInterchange.txt"));
    expect(ics.map((i) => i.isa.controlNumber)).toEqual(["000000263", "000000263"]);
    const partner = parseTradingPartner({ id: "sender1", name: "Sender One", isaQualifier: "16", isaId: "SENDER1", ourIsaQualifier: "1B", ourIsaId: "RECEIVER1", itemMap: { "MG:XYZ-1234": "XYZ-1234" } });
    const r = await acknowledge(bytes("850/edifabric_850_DuplicateInterchange.txt"), partner, { controlNumbers: new InMemoryControlNumbers(), interchanges: new InMemoryInterchangeRegistry() });
    expect(r.interchanges.map((i) => [i.accepted, i.duplicate])).toEqual([[true, false], [false, true]]);
    expect(r.orders.map((o) => o.orderNumber)).toEqual(["XX-1234"]);
    // ISA14=1 asks for a TA1: the first copy is accepted (000), the resend rejected as a duplicate (025).
    expect(parseInterchange(r.ta1!).ta1.map(readTa1).map((t) => [t.controlNumber, t.ackCode, t.noteCode])).toEqual([["000000263", "A", "000"], ["000000263", "R", "025"]]);
  },
  "855/node-x12_855.edi": () => {
    const set = setOf(only("855/node-x12_855.edi"));
    expect(el(segmentsOf(set, "BAK")[0], 3)).toBe("POTEST1112");
    expect(segmentsOf(set, "ACK").map((a) => el(a, 1))).toEqual(["IA", "IR", "IR", "IA"]);
  },
  "855/oopfactory_855_SSimmons.txt": () => {
    const ic = only("855/oopfactory_855_SSimmons.txt");
    expect(transactionsOf(ic).map(({ set }) => el(segmentsOf(set, "BAK")[0], 3))).toEqual(["7542", "99035"]);
    expect(validateEnvelope(ic).groups[0]).toMatchObject({ status: "A", received: 2, accepted: 2 });
  },
  "856/node-x12_856.edi": () => {
    const ic = only("856/node-x12_856.edi");
    expect(ic.delimiters).toEqual({ element: "*", component: ">", segment: "~", repetition: "-" });
    expect(hlCount(ic)).toBe(4);
    // "-" is ISA11 yet appears in data (ZIP 31139-0020): the parser must not split on it.
    expect(segmentsOf(setOf(ic), "N4").map((n) => el(n, 3))).toContain("31139-0020");
  },
  "856/oopfactory_856_Example1_tilde-element-sep.txt": () => {
    const ic = only("856/oopfactory_856_Example1_tilde-element-sep.txt");
    expect(ic.delimiters).toEqual({ element: "~", component: "`", segment: "*" });
    expect(hlCount(ic)).toBe(5);
    expect(el(segmentsOf(setOf(ic), "BSN")[0], 2)).toBe("123456");
  },
  "856/oopfactory_856_FromGregarican_vics.txt": () => {
    const ic = only("856/oopfactory_856_FromGregarican_vics.txt");
    expect(hlCount(ic)).toBe(4);
    const man = el(segmentsOf(setOf(ic), "MAN")[0], 2);
    expect(man).toBe("00007121610006156802");
    expect(isValidSscc(man)).toBe(true);
  },
  "856/edifabric_856_ShipNotice_walmart.txt": () => {
    const ic = only("856/edifabric_856_ShipNotice_walmart.txt");
    expect(hlCount(ic)).toBe(9);
    const g = validateEnvelope(ic).groups[0]!;
    expect(g.codes).toEqual(["5"]); // GE*2 for one set
    expect(g.sets[0]!.segmentErrors[0]).toMatchObject({ segmentId: "DTM", code: "8", elements: [{ position: 2, reference: "373", code: "8", value: "200" }] });
    // The sample's SSCCs carry wrong check digits: an ASN we would have to reject.
    expect(segmentsOf(setOf(ic), "MAN").map((m) => isValidSscc(el(m, 2)))).toEqual([false, false]);
  },
  "810/oopfactory_810_Example5_Walmart.txt": async () => {
    const ic = only("810/oopfactory_810_Example5_Walmart.txt");
    expect(ic.delimiters.segment).toBe("\r");
    expect(ic.unterminatedLastSegment).toBe(true);
    expect(read810TotalCents(setOf(ic))).toBe(387_530);
    expect(validateEnvelope(ic).ta1.map((t) => t.code)).toEqual(["017"]);
    const partner = parseTradingPartner({ id: "walmart", name: "Walmart", isaQualifier: "16", isaId: "102096559TEST", ourIsaQualifier: "14", ourIsaId: "PARTNERTEST" });
    const r = await acknowledge(bytes("810/oopfactory_810_Example5_Walmart.txt"), partner, { controlNumbers: new InMemoryControlNumbers(), interchanges: new InMemoryInterchangeRegistry() });
    expect(readTa1(parseInterchange(r.ta1!).ta1[0]!)).toMatchObject({ controlNumber: "810000263", ackCode: "R", noteCode: "017" });
    expect(r.ack997).toBeUndefined();
  },
  "810/edinet_x12.810a_ariba.edi": () => {
    const ic = only("810/edinet_x12.810a_ariba.edi");
    expect(ic.isa).toMatchObject({ senderId: "ABCMUSICSUPPLY", receiverId: "ARIBAEDI", version: "00401" });
    expect(read810TotalCents(setOf(ic))).toBe(36_596);
    expect(validateEnvelope(ic).groups[0]!.sets[0]!.status).toBe("A"); // SE*64 with tab indentation
  },
  "810/edifabric_810_Invoice.txt": () => {
    const ic = only("810/edifabric_810_Invoice.txt");
    expect(ic.isa.version).toBe("00204");
    expect(read810TotalCents(setOf(ic))).toBe(14_400);
    expect(el(segmentsOf(setOf(ic), "BIG")[0], 4)).toBe("508517");
  },
  "997/edifabric_997_810-partial-reject.txt": () => {
    const ic = only("997/edifabric_997_810-partial-reject.txt");
    const ack = read997(setOf(ic), ic.delimiters);
    expect(ack).toMatchObject({ functionalId: "IN", groupControlNumber: "000000001", status: "R", included: 2, received: 2, accepted: 1 });
    expect(ack.sets.map((s) => [s.status, s.codes])).toEqual([["A", []], ["R", ["5"]]]);
    expect(ack.sets[1]!.errors[0]).toMatchObject({ segmentId: "TXI", position: 54, code: "8", elements: [{ position: "1", reference: "963", code: "7", value: "C1" }] });
  },
  "997/pyx12_997_rejected_element-errors.edi": () => {
    const ic = only("997/pyx12_997_rejected_element-errors.edi");
    expect(ic.delimiters.component).toBe(":");
    const ack = read997(setOf(ic), ic.delimiters);
    expect(ack.sets[0]!.codes).toEqual(["4", "5"]);
    expect(ack.status).toBe("R");
    expect(ack.sets[0]!.errors.flatMap((e) => e.elements.map((x) => x.code))).toEqual(["7", "7", "7", "5", "7", "8", "7", "7"]);
    expect(ack.sets[0]!.errors.at(-1)!.elements[0]!.position).toBe("5:1");
  },
  "997/pyx12_997_rejected_segment-errors.edi": () => {
    const ic = only("997/pyx12_997_rejected_segment-errors.edi");
    const ack = read997(setOf(ic), ic.delimiters);
    expect(ack.sets[0]!.errors.map((e) => [e.segmentId, e.code])).toEqual([["BHT", "3"], ["HL", "3"]]);
    expect(ack.sets[0]!.codes).toEqual(["5"]);
    expect([ack.status, ack.included, ack.received, ack.accepted]).toEqual(["R", 1, 1, 0]);
  },
  "ta1/oopfactory_TA1_accepted.txt": () => {
    const ic = only("ta1/oopfactory_TA1_accepted.txt");
    expect(ic.delimiters).toEqual({ element: "*", component: "^", segment: "~" });
    expect(ic.ta1.map(readTa1).map((t) => [t.controlNumber, t.date, t.ackCode, t.noteCode])).toEqual([["0659", "20110922", "A", ""], ["0660", "20110922", "A", ""]]);
    expect(validateEnvelope(ic).ta1).toEqual([]); // IEA*0 for an interchange without groups
  },
  "ta1/oopfactory_TA1_rejected_gt-element-sep.txt": () => {
    const ic = only("ta1/oopfactory_TA1_rejected_gt-element-sep.txt");
    expect(ic.delimiters).toEqual({ element: ">", component: "+", segment: "\r", repetition: "^" });
    expect(ic.unterminatedLastSegment).toBe(true);
    expect(readTa1(ic.ta1[0]!)).toMatchObject({ controlNumber: "900000001", ackCode: "R", noteCode: "006" });
    expect(validateEnvelope(ic).ta1).toEqual([]);
  },
  "reference/997-ack-codes.csv": () => {
    const tables: Record<string, Record<string, string>> = { AK304: AK304_CODES, AK403: AK403_CODES, "AK502-AK506": AK5_CODES, "AK905-AK909": AK9_CODES };
    const rows = csvRows("997-ack-codes.csv");
    for (const [element, table] of Object.entries(tables)) {
      for (const [code, text] of Object.entries(table)) expect(rows).toContainEqual(expect.arrayContaining([element, code, text]));
    }
    for (const status of ["A", "E", "P", "R"]) expect(rows.some((r) => r[0] === "AK501" && r[1] === status)).toBe(true);
  },
  "reference/ta1-ack-codes.csv": () => {
    const rows = csvRows("ta1-ack-codes.csv");
    expect(Object.fromEntries(rows.map((r) => [r[0], r[1]]))).toEqual(TA1_NOTE_CODES);
  },
};

describe("every X12 fixture", () => {
  it("has an expectation, and every expectation has its file", () => {
    expect(Object.keys(EXPECT).sort()).toEqual(listFixtures("x12"));
  });

  for (const [file, check] of Object.entries(EXPECT)) it(file, check);

  it("850 fixtures map to orders that satisfy the canonical model", () => {
    const maps: Record<string, Record<string, string>> = {
      "850/oopfactory_850_PGWGlass_pipe-terminated.txt": { "0459001004": "A", "0650002027": "B", "0670104514": "C", "0684202074": "D" },
      "850/edifabric_850_DuplicateInterchange.txt": { "XYZ-1234": "XYZ-1234" },
    };
    for (const file of listFixtures("x12").filter((f) => f.startsWith("850/"))) {
      for (const ic of parseInterchanges(bytes(file))) {
        const order = x850ToOrder(setOf(ic), { partnerId: "fixture", itemMap: maps[file] });
        expect(() => Order.parse(order), file).not.toThrow();
        expect(order.id).toBe(`edi:fixture:${order.purchaseOrder!.poNumber}`);
      }
    }
  });
});
