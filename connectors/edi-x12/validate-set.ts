import type { Ak304Code, Ak403Code } from "./ack-codes";
import type { X12TransactionSet } from "./parse-interchange";
import { isX12Date, isX12Time } from "./x12-time";

/** One element that failed, as a 997 AK4 reports it. */
export interface ElementError {
  /** AK401: position of the element in its segment. */
  position: number;
  /** AK402: the data element reference number (330 = quantity ordered). */
  reference?: string;
  code: Ak403Code;
  /** AK404: a copy of the bad value, when there was one. */
  value?: string;
}

/** One segment that failed, as a 997 AK3 reports it. */
export interface SegmentError {
  segmentId: string;
  /** AK302: position in the set, ST = 1. */
  position: number;
  loopId?: string;
  code: Ak304Code;
  elements: ElementError[];
  message: string;
}

type ElementType = "AN" | "ID" | "N0" | "N2" | "R" | "DT" | "TM";

interface ElementRule {
  pos: number;
  ref: string;
  required?: boolean;
  type: ElementType;
  min?: number;
  max?: number;
  codes?: readonly string[];
}

interface SegmentRule {
  elements: ElementRule[];
  /** Qualifier/value pairs (PO106/PO107...): if either is present the other is required. */
  pairs?: [number, number][];
}

const e = (pos: number, ref: string, type: ElementType, min: number, max: number, required = false, codes?: readonly string[]): ElementRule => ({ pos, ref, type, min, max, required, codes });
const pairsFrom = (first: number, last: number): [number, number][] => {
  const out: [number, number][] = [];
  for (let i = first; i < last; i += 2) out.push([i, i + 1]);
  return out;
};

const COMMON: Record<string, SegmentRule> = {
  N1: { elements: [e(1, "98", "ID", 2, 3, true), e(2, "93", "AN", 1, 60)], pairs: [[3, 4]] },
  N3: { elements: [e(1, "166", "AN", 1, 55, true), e(2, "166", "AN", 1, 55)] },
  N4: { elements: [e(1, "19", "AN", 2, 30), e(2, "156", "ID", 2, 2), e(3, "116", "ID", 3, 15), e(4, "26", "ID", 2, 3)] },
  DTM: { elements: [e(1, "374", "ID", 3, 3, true), e(2, "373", "DT", 6, 8), e(3, "337", "TM", 4, 8)] },
  REF: { elements: [e(1, "128", "ID", 2, 3, true)] },
  CUR: { elements: [e(1, "98", "ID", 2, 3, true), e(2, "100", "ID", 3, 3, true)] },
  CTT: { elements: [e(1, "354", "N0", 1, 6, true)] },
};

// Quantity (PO102) is conditional in the standard but no order line can exist without it.
const PO1: SegmentRule = {
  elements: [e(1, "350", "AN", 1, 20), e(2, "330", "R", 1, 15, true), e(3, "355", "ID", 2, 2), e(4, "212", "R", 1, 17), e(5, "639", "ID", 2, 2)],
  pairs: pairsFrom(6, 25),
};

/**
 * The element rules we hold each set to: the segments we read or write, with the X12 4010 data
 * element numbers, types and lengths. Segments not listed pass through unchecked.
 */
const RULES: Record<string, Record<string, SegmentRule>> = {
  "850": {
    ...COMMON,
    BEG: { elements: [e(1, "353", "ID", 2, 2, true), e(2, "92", "ID", 2, 2, true), e(3, "324", "AN", 1, 22, true), e(5, "373", "DT", 6, 8, true)] },
    PO1,
  },
  "855": {
    ...COMMON,
    BAK: { elements: [e(1, "353", "ID", 2, 2, true), e(2, "587", "ID", 2, 2, true), e(3, "324", "AN", 1, 22, true), e(4, "373", "DT", 6, 8, true)] },
    PO1,
    ACK: { elements: [e(1, "668", "ID", 2, 2, true), e(2, "380", "R", 1, 15), e(3, "355", "ID", 2, 2), e(4, "374", "ID", 3, 3), e(5, "373", "DT", 6, 8)] },
  },
  "856": {
    ...COMMON,
    BSN: { elements: [e(1, "353", "ID", 2, 2, true), e(2, "396", "AN", 2, 30, true), e(3, "373", "DT", 6, 8, true), e(4, "337", "TM", 4, 8, true), e(5, "1005", "ID", 4, 4)] },
    HL: { elements: [e(1, "628", "AN", 1, 12, true), e(2, "734", "AN", 1, 12), e(3, "735", "ID", 1, 2, true), e(4, "736", "ID", 1, 1)] },
    PRF: { elements: [e(1, "324", "AN", 1, 22, true), e(4, "373", "DT", 6, 8)] },
    MAN: { elements: [e(1, "88", "ID", 1, 2, true), e(2, "87", "AN", 1, 48, true)] },
    SN1: { elements: [e(2, "382", "R", 1, 10, true), e(3, "355", "ID", 2, 2, true)] },
    LIN: { elements: [e(2, "235", "ID", 2, 2, true), e(3, "234", "AN", 1, 48, true)], pairs: pairsFrom(4, 31) },
    TD5: { elements: [e(2, "66", "ID", 1, 2), e(3, "67", "AN", 2, 80)], pairs: [[2, 3]] },
  },
  "810": {
    ...COMMON,
    BIG: { elements: [e(1, "373", "DT", 6, 8, true), e(2, "76", "AN", 1, 22, true), e(3, "373", "DT", 6, 8), e(4, "324", "AN", 1, 22)] },
    IT1: { elements: [e(1, "350", "AN", 1, 20), e(2, "358", "R", 1, 10, true), e(3, "355", "ID", 2, 2, true), e(4, "212", "R", 1, 17, true), e(5, "639", "ID", 2, 2)], pairs: pairsFrom(6, 25) },
    TDS: { elements: [e(1, "610", "N2", 1, 15, true)] },
  },
  "997": {
    AK1: { elements: [e(1, "479", "ID", 2, 2, true), e(2, "28", "N0", 1, 9, true)] },
    AK2: { elements: [e(1, "143", "ID", 3, 3, true), e(2, "329", "AN", 4, 9, true)] },
    AK3: { elements: [e(1, "721", "ID", 2, 3, true), e(2, "719", "N0", 1, 6, true), e(4, "720", "ID", 1, 3)] },
    AK4: { elements: [e(3, "723", "ID", 1, 3, true)] },
    AK5: { elements: [e(1, "717", "ID", 1, 1, true, ["A", "E", "M", "P", "R", "W", "X"])] },
    AK9: { elements: [e(1, "715", "ID", 1, 1, true, ["A", "E", "M", "P", "R", "W", "X"]), e(2, "97", "N0", 1, 6, true), e(3, "123", "N0", 1, 6, true), e(4, "2", "N0", 1, 6, true)] },
  },
};

/** Segments each set must carry, and where a missing one would have been (AK302). */
const REQUIRED: Record<string, { tag: string; header: boolean }[]> = {
  "850": [{ tag: "BEG", header: true }, { tag: "PO1", header: false }],
  "855": [{ tag: "BAK", header: true }],
  "856": [{ tag: "BSN", header: true }, { tag: "HL", header: false }],
  "810": [{ tag: "BIG", header: true }, { tag: "IT1", header: false }, { tag: "TDS", header: false }],
  "997": [{ tag: "AK1", header: true }, { tag: "AK9", header: false }],
};

/** Transaction set types this module has rules for. */
export const KNOWN_SET_TYPES = Object.keys(RULES);

/**
 * Checks a set's segments and elements (AK3/AK4 level). Envelope counts (ST/SE) are
 * validate-envelope's business; this looks only inside.
 */
export function validateSetContent(set: X12TransactionSet): SegmentError[] {
  const rules = RULES[set.type] ?? {};
  const errors: SegmentError[] = [];
  const body = set.segments.slice(1, set.se ? -1 : undefined);
  body.forEach((seg, i) => {
    const position = i + 2;
    if (!/^[A-Z][A-Z0-9]{1,2}$/.test(seg.tag)) {
      errors.push({ segmentId: seg.tag.slice(0, 3), position, code: "1", elements: [], message: `unrecognized segment id ${JSON.stringify(seg.tag)}` });
      return;
    }
    const rule = rules[seg.tag];
    if (!rule) return;
    const bad = checkElements(seg.elements, rule);
    if (bad.length) {
      errors.push({ segmentId: seg.tag, position, code: "8", elements: bad, message: `${seg.tag} at position ${position}: ${bad.map(describe).join("; ")}` });
    }
  });
  for (const req of REQUIRED[set.type] ?? []) {
    if (body.some((s) => s.tag === req.tag)) continue;
    const position = req.header ? 2 : set.segments.length;
    errors.push({ segmentId: req.tag, position, code: "3", elements: [], message: `mandatory segment ${req.tag} is missing` });
  }
  return errors.sort((a, b) => a.position - b.position);
}

function checkElements(elements: string[], rule: SegmentRule): ElementError[] {
  const out: ElementError[] = [];
  for (const r of rule.elements) {
    const v = elements[r.pos] ?? "";
    if (v === "") {
      if (r.required) out.push({ position: r.pos, reference: r.ref, code: "1" });
      continue;
    }
    const err = checkValue(v, r);
    if (err) out.push({ position: r.pos, reference: r.ref, code: err, value: v });
  }
  for (const [a, b] of rule.pairs ?? []) {
    const [va, vb] = [elements[a] ?? "", elements[b] ?? ""];
    if (va && !vb) out.push({ position: b, code: "2" });
    if (vb && !va) out.push({ position: a, code: "2" });
  }
  return out;
}

function checkValue(v: string, r: ElementRule): Ak403Code | undefined {
  switch (r.type) {
    case "DT":
      return isX12Date(v) ? undefined : "8";
    case "TM":
      return isX12Time(v) ? undefined : "9";
    case "N0":
    case "N2":
      if (!/^-?\d+$/.test(v)) return "6";
      return lengthCode(v.replace(/^-/, "").length, r);
    case "R":
      if (!/^-?(\d+\.?\d*|\.\d+)$/.test(v)) return "6";
      return lengthCode(v.replace(/[-.]/g, "").length, r);
    case "ID":
      if (r.codes && !r.codes.includes(v)) return "7";
      return lengthCode(v.length, r);
    case "AN":
      return lengthCode(v.length, r);
  }
}

function lengthCode(n: number, r: ElementRule): Ak403Code | undefined {
  if (r.min !== undefined && n < r.min) return "4";
  if (r.max !== undefined && n > r.max) return "5";
  return undefined;
}

const WHAT: Record<Ak403Code, string> = {
  "1": "missing", "2": "required with its pair", "3": "too many elements", "4": "too short", "5": "too long",
  "6": "invalid character", "7": "invalid code", "8": "invalid date", "9": "invalid time", "10": "exclusion violated",
};

function describe(x: ElementError): string {
  return `element ${String(x.position).padStart(2, "0")}${x.reference ? ` (${x.reference})` : ""} ${WHAT[x.code]}${x.value !== undefined ? ` ${JSON.stringify(x.value)}` : ""}`;
}
