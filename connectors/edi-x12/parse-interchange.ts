import { isUtf8 } from "node:buffer";
import type { Ta1NoteCode } from "./ack-codes";

/*
 * Our own X12 reader rather than node-x12 1.7.1: node-x12 locates the delimiters by assuming a
 * fixed-width 106-character ISA, so it throws on 12 of the 19 interchanges in
 * ../shared/fixtures/x12 (a UTF-8 BOM before "ISA", NBSP padding and non-fixed-width ISA fields,
 * indentation). Real partners send all of those. Here the delimiters are read from the ISA itself:
 * the element separator is the character after "ISA", ISA16 is the component separator, the
 * character after ISA16 is the segment terminator, and line breaks or indentation around segments
 * are padding.
 */

export interface Delimiters {
  element: string;
  component: string;
  segment: string;
  /** ISA11 from version 00402 on. Never split on while parsing: older partners put data there (31139-0020). */
  repetition?: string;
}

export interface X12Segment {
  tag: string;
  /** elements[0] is the tag, so elements[n] is the X12 element "nn" (BEG03 = elements[3]). */
  elements: string[];
  /** Character offset of the segment in the decoded text, for error messages. */
  offset: number;
}

export interface X12TransactionSet {
  type: string;
  controlNumber: string;
  st: X12Segment;
  se?: X12Segment;
  /** ST through SE inclusive: index + 1 is the segment position a 997 AK302 reports. */
  segments: X12Segment[];
}

export interface X12Group {
  functionalId: string;
  controlNumber: string;
  version: string;
  gs: X12Segment;
  ge?: X12Segment;
  transactions: X12TransactionSet[];
}

export interface IsaFields {
  authQualifier: string;
  authInfo: string;
  securityQualifier: string;
  securityInfo: string;
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  date: string;
  time: string;
  /** ISA11: "U" before 00402, the repetition separator after. */
  standardsOrRepetition: string;
  version: string;
  controlNumber: string;
  ackRequested: string;
  usage: string;
}

export type StructureProblemKind =
  | "missing_iea"
  | "missing_ge"
  | "missing_se"
  | "unexpected_trailer"
  | "segment_outside_set"
  | "set_outside_group"
  | "trailing_content";

export interface StructureProblem {
  kind: StructureProblemKind;
  detail: string;
  offset: number;
  /** Index into groups (and transactions) when the problem belongs to one. */
  group?: number;
  set?: number;
}

export interface X12Interchange {
  isa: IsaFields;
  isaSegment: X12Segment;
  iea?: X12Segment;
  groups: X12Group[];
  /** TA1 segments sit directly in the interchange, outside any group. */
  ta1: X12Segment[];
  delimiters: Delimiters;
  problems: StructureProblem[];
  /** The last segment ended at end of input without a terminator (tolerated). */
  unterminatedLastSegment: boolean;
}

/** Input that cannot be read as X12 at all; `ta1Code` is the note a TA1 would carry. */
export class X12SyntaxError extends Error {
  constructor(
    readonly ta1Code: Ta1NoteCode,
    message: string,
    /** ISA13 when it could still be read, so the TA1 can name the interchange. */
    readonly controlNumber?: string,
    readonly isaDate?: string,
    readonly isaTime?: string,
  ) {
    super(message);
    this.name = "X12SyntaxError";
  }
}

const PADDING = new Set(["\r", "\n", "\t", " ", "\u00a0", "\ufeff", "\f", "\v"]);
const isAlnum = (c: string) => /^[A-Za-z0-9]$/.test(c);

/**
 * Decodes bytes as UTF-8 when they are valid UTF-8 (NBSP arrives as C2 A0) and as Latin-1 otherwise,
 * so no byte is lost, and drops a leading BOM.
 */
export function decodeX12(input: string | Uint8Array): string {
  const text = typeof input === "string" ? input : isUtf8(input) ? Buffer.from(input).toString("utf8") : Buffer.from(input).toString("latin1");
  return text.replace(/^\ufeff/, "");
}

/** Every interchange in the input (a transmission may carry several ISA…IEA in a row). */
export function parseInterchanges(input: string | Uint8Array): X12Interchange[] {
  const text = decodeX12(input);
  const out: X12Interchange[] = [];
  let cursor = skipPadding(text, 0, undefined);
  if (cursor >= text.length) throw new X12SyntaxError("023", "the input is empty: no ISA segment");
  while (cursor < text.length) {
    if (!text.startsWith("ISA", cursor)) {
      if (out.length === 0) throw new X12SyntaxError("022", `the input does not start with an ISA segment (found ${JSON.stringify(text.slice(cursor, cursor + 12))})`);
      out[out.length - 1]!.problems.push({ kind: "trailing_content", detail: `content after IEA that is not an ISA: ${JSON.stringify(text.slice(cursor, cursor + 20))}`, offset: cursor });
      break;
    }
    const { interchange, next } = readInterchange(text, cursor);
    out.push(interchange);
    cursor = skipPadding(text, next, undefined);
  }
  return out;
}

/** The first interchange of the input; use parseInterchanges for transmissions that carry several. */
export function parseInterchange(input: string | Uint8Array): X12Interchange {
  return parseInterchanges(input)[0]!;
}

/** Reads ISA and its delimiters at `start`: never assumed, always taken from the ISA's own bytes. */
export function readIsa(text: string, start: number): { isa: IsaFields; segment: X12Segment; delimiters: Delimiters; next: number } {
  const element = text[start + 3];
  const firstLine = text.slice(start, start + 200).split(/\r?\n|\r/)[0] ?? "";
  const guess = element ? firstLine.split(element).map((f) => f.trim()) : [];
  const ctl = /^\d{1,9}$/.test(guess[13] ?? "") ? guess[13] : undefined;
  const fail = (code: Ta1NoteCode, msg: string) => new X12SyntaxError(code, msg, ctl, guess[9], guess[10]);
  if (!element || isAlnum(element) || (PADDING.has(element) && element !== "\t")) throw fail("026", `invalid element separator ${JSON.stringify(element ?? "")} after "ISA"`);

  const raw: string[] = [];
  let pos = start + 3;
  for (let i = 0; i < 15; i++) {
    const next = text.indexOf(element, pos + 1);
    if (next < 0) throw fail("023", `the ISA segment ends after ${i} elements; ISA has 16`);
    const field = text.slice(pos + 1, next);
    if (/[\r\n]/.test(field)) throw fail("022", `ISA${String(i + 1).padStart(2, "0")} runs across a line break: the ISA has fewer than 16 elements`);
    raw.push(field);
    pos = next;
  }
  const component = text[pos + 1];
  const segment = text[pos + 2];
  if (component === undefined) throw fail("023", "the input ends before ISA16");
  if (isAlnum(component) || PADDING.has(component) || component === element) throw fail("027", `invalid component element separator ISA16 ${JSON.stringify(component)}`);
  if (segment === undefined) throw fail("023", "the input ends after ISA16: no segment terminator");
  if (isAlnum(segment) || segment === element || segment === component || (PADDING.has(segment) && segment !== "\r" && segment !== "\n")) {
    throw fail("004", `invalid segment terminator ${JSON.stringify(segment)} after ISA16`);
  }
  // Padding (spaces, NBSP) inside ISA fields and fields that are not fixed width are both tolerated.
  const f = raw.map((v) => v.trim());
  const isa: IsaFields = {
    authQualifier: f[0]!, authInfo: f[1]!, securityQualifier: f[2]!, securityInfo: f[3]!,
    senderQualifier: f[4]!, senderId: f[5]!, receiverQualifier: f[6]!, receiverId: f[7]!,
    date: f[8]!, time: f[9]!, standardsOrRepetition: raw[10]!.length === 1 ? raw[10]! : f[10]!,
    version: f[11]!, controlNumber: f[12]!, ackRequested: f[13]!, usage: f[14]!,
  };
  const rep = isa.standardsOrRepetition;
  const repetition = isa.version >= "00402" && rep.length === 1 && !isAlnum(rep) && ![element, component, segment].includes(rep) ? rep : undefined;
  return {
    isa,
    segment: { tag: "ISA", elements: ["ISA", ...f, component], offset: start },
    delimiters: { element, component, segment, ...(repetition ? { repetition } : {}) },
    next: pos + 3,
  };
}

function readInterchange(text: string, start: number): { interchange: X12Interchange; next: number } {
  const { isa, segment: isaSegment, delimiters: d, next } = readIsa(text, start);
  const ic: X12Interchange = { isa, isaSegment, groups: [], ta1: [], delimiters: d, problems: [], unterminatedLastSegment: false };
  let group: X12Group | undefined;
  let set: X12TransactionSet | undefined;
  const problem = (p: StructureProblem) => ic.problems.push(p);
  const closeSet = (at: number) => {
    if (!set) return;
    problem({ kind: "missing_se", detail: `transaction set ${set.type} ${set.controlNumber} has no SE`, offset: at, group: ic.groups.length - 1, set: group ? group.transactions.length - 1 : undefined });
    set = undefined;
  };
  const closeGroup = (at: number) => {
    if (!group) return;
    problem({ kind: "missing_ge", detail: `functional group ${group.functionalId} ${group.controlNumber} has no GE`, offset: at, group: ic.groups.length - 1 });
    group = undefined;
  };

  let cursor = next;
  while (cursor < text.length) {
    const end = text.indexOf(d.segment, cursor);
    const rawStart = cursor;
    const raw = end < 0 ? text.slice(cursor) : text.slice(cursor, end);
    cursor = end < 0 ? text.length : end + d.segment.length;
    const lead = countPadding(raw, d, "start");
    const body = raw.slice(lead, raw.length - countPadding(raw.slice(lead), d, "end"));
    if (!body) continue;
    if (end < 0) ic.unterminatedLastSegment = true;
    const offset = rawStart + lead;
    const elements = body.split(d.element);
    const seg: X12Segment = { tag: elements[0]!, elements, offset };

    switch (seg.tag) {
      case "ISA":
        // A new interchange began without this one's IEA: hand it back to the caller to read
        // with its own delimiters.
        closeSet(offset);
        closeGroup(offset);
        problem({ kind: "missing_iea", detail: "a new ISA began before this interchange's IEA", offset });
        return { interchange: ic, next: offset };
      case "IEA":
        closeSet(offset);
        closeGroup(offset);
        ic.iea = seg;
        return { interchange: ic, next: cursor };
      case "GS":
        closeSet(offset);
        closeGroup(offset);
        group = { functionalId: el(seg, 1), controlNumber: el(seg, 6), version: el(seg, 8), gs: seg, transactions: [] };
        ic.groups.push(group);
        break;
      case "GE":
        closeSet(offset);
        if (!group) problem({ kind: "unexpected_trailer", detail: "GE without a GS", offset });
        else {
          group.ge = seg;
          group = undefined;
        }
        break;
      case "ST":
        closeSet(offset);
        if (!group) {
          problem({ kind: "set_outside_group", detail: `ST ${el(seg, 1)} ${el(seg, 2)} outside a functional group`, offset });
          break;
        }
        set = { type: el(seg, 1), controlNumber: el(seg, 2), st: seg, segments: [seg] };
        group.transactions.push(set);
        break;
      case "SE":
        if (!set) problem({ kind: "unexpected_trailer", detail: "SE without an ST", offset, group: group ? ic.groups.length - 1 : undefined });
        else {
          set.segments.push(seg);
          set.se = seg;
          set = undefined;
        }
        break;
      case "TA1":
        if (group) problem({ kind: "segment_outside_set", detail: "TA1 inside a functional group", offset, group: ic.groups.length - 1 });
        else ic.ta1.push(seg);
        break;
      default:
        if (set) set.segments.push(seg);
        else problem({ kind: "segment_outside_set", detail: `${seg.tag} outside a transaction set`, offset, group: group ? ic.groups.length - 1 : undefined });
    }
  }
  closeSet(text.length);
  closeGroup(text.length);
  problem({ kind: "missing_iea", detail: "the input ended before IEA", offset: text.length });
  return { interchange: ic, next: text.length };
}

function skipPadding(text: string, from: number, d: Delimiters | undefined): number {
  let i = from;
  while (i < text.length && isPadding(text[i]!, d)) i++;
  return i;
}

// A delimiter is never padding: a partner may use CR or LF as the segment terminator.
function isPadding(c: string, d: Delimiters | undefined): boolean {
  return PADDING.has(c) && (!d || (c !== d.element && c !== d.component && c !== d.segment));
}

function countPadding(s: string, d: Delimiters, side: "start" | "end"): number {
  let n = 0;
  if (side === "start") while (n < s.length && isPadding(s[n]!, d)) n++;
  else while (n < s.length && isPadding(s[s.length - 1 - n]!, d)) n++;
  return n;
}

/** Element n of a segment ("" when absent), so BEG03 is el(seg, 3). */
export function el(seg: X12Segment | undefined, n: number): string {
  return seg?.elements[n] ?? "";
}

/** The components of a composite element (AK401 "5:1", MEA04, C040). */
export function components(value: string, d: Delimiters): string[] {
  return value.split(d.component);
}

/** Every segment with this tag in a set, in order. */
export function segmentsOf(set: X12TransactionSet, tag: string): X12Segment[] {
  return set.segments.filter((s) => s.tag === tag);
}

/** Every transaction set of an interchange, with the group it belongs to. */
export function transactionsOf(ic: X12Interchange): { group: X12Group; set: X12TransactionSet }[] {
  return ic.groups.flatMap((group) => group.transactions.map((set) => ({ group, set })));
}
