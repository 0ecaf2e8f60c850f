import { formatGs06, formatIsa13, formatSt02, type ControlNumberAllocator } from "./control-numbers";
import { gsIdsOf, isaVersionOf, type OutboundDelimiters, type TradingPartner } from "./partner-config";
import { x12Date, x12ShortDate, x12Time } from "./x12-time";

/** One segment to write: the tag first; a string[] element is a composite (joined with ISA16). */
export type SegmentData = readonly (string | number | undefined | readonly string[])[];

/** The body of a transaction set: everything between ST and SE. */
export interface OutboundSet {
  type: string;
  segments: SegmentData[];
}

/** Who sends, who receives, and how the interchange is spelled. */
export interface EnvelopeParties {
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  gsSender: string;
  gsReceiver: string;
  /** GS08. */
  version: string;
  /** ISA12. */
  isaVersion: string;
  delimiters: OutboundDelimiters;
  usage: "P" | "T";
  ackRequested: boolean;
  /** The partner the control numbers are counted for. */
  counterId: string;
}

/** We send to the partner. */
export function outboundParties(partner: TradingPartner): EnvelopeParties {
  const gs = gsIdsOf(partner);
  return {
    senderQualifier: partner.ourIsaQualifier, senderId: partner.ourIsaId,
    receiverQualifier: partner.isaQualifier, receiverId: partner.isaId,
    gsSender: gs.ours, gsReceiver: gs.theirs,
    version: partner.version, isaVersion: isaVersionOf(partner),
    delimiters: partner.delimiters, usage: partner.usage, ackRequested: partner.requestTa1,
    counterId: partner.id,
  };
}

/** The partner sends to us: what the sandbox retailer writes. */
export function inboundParties(partner: TradingPartner): EnvelopeParties {
  const gs = gsIdsOf(partner);
  return {
    senderQualifier: partner.isaQualifier, senderId: partner.isaId,
    receiverQualifier: partner.ourIsaQualifier, receiverId: partner.ourIsaId,
    gsSender: gs.theirs, gsReceiver: gs.ours,
    version: partner.version, isaVersion: isaVersionOf(partner),
    delimiters: partner.delimiters, usage: partner.usage, ackRequested: false,
    counterId: `${partner.id}:partner`,
  };
}

export interface WrittenInterchange {
  text: string;
  isa13: string;
  gs06?: string;
  /** ST02 of each set, in order. */
  st02: string[];
}

/**
 * Renders a segment with the partner's delimiters. X12 has no escape character, so a delimiter
 * inside data (a "*" in a street name) is replaced by a space: the alternative is a segment the
 * partner's translator splits in the wrong place. Trailing empty elements are dropped, as X12 requires.
 */
export function renderSegment(seg: SegmentData, d: OutboundDelimiters): string {
  const reserved = [d.element, d.component, d.segment, d.repetition];
  const clean = (v: string) => [...v].map((c) => (reserved.includes(c) || c === "\r" || c === "\n" ? " " : c)).join("").trim();
  const parts = seg.map((v) => (v === undefined ? "" : Array.isArray(v) ? trimEnd(v.map((c) => clean(String(c)))).join(d.component) : clean(String(v))));
  return trimEnd(parts).join(d.element) + d.segment + (d.lineBreak ? "\n" : "");
}

function trimEnd(xs: string[]): string[] {
  let n = xs.length;
  while (n > 1 && xs[n - 1] === "") n--;
  return xs.slice(0, n);
}

function isaSegment(p: EnvelopeParties, isa13: string, now: Date): string {
  const d = p.delimiters;
  // ISA is fixed width: 10-character auth/security fields, 15-character ids.
  const fields = [
    "ISA", "00", "".padEnd(10), "00", "".padEnd(10),
    p.senderQualifier, p.senderId.padEnd(15), p.receiverQualifier, p.receiverId.padEnd(15),
    x12ShortDate(now), x12Time(now), p.isaVersion >= "00402" ? d.repetition : "U", p.isaVersion, isa13,
    p.ackRequested ? "1" : "0", p.usage, d.component,
  ];
  return fields.join(d.element) + d.segment + (d.lineBreak ? "\n" : "");
}

/**
 * Wraps sets in ST/SE, one GS/GE and one ISA/IEA with correct counts. Every segment is rendered
 * before any control number is taken, so a bad document never burns a number (partners treat a
 * gap as a lost interchange).
 */
export async function writeInterchange(opts: {
  parties: EnvelopeParties;
  functionalId: string;
  sets: OutboundSet[];
  controlNumbers: ControlNumberAllocator;
  now?: Date;
}): Promise<WrittenInterchange> {
  const { parties: p, controlNumbers } = opts;
  if (opts.sets.length === 0) throw new Error("an interchange needs at least one transaction set");
  const now = opts.now ?? new Date();
  const d = p.delimiters;
  const bodies = opts.sets.map((s) => ({ type: s.type, lines: s.segments.map((seg) => renderSegment(seg, d)) }));

  const isa13 = formatIsa13(await controlNumbers.nextControlNumber(p.counterId, "isa"));
  const gs06 = formatGs06(await controlNumbers.nextControlNumber(p.counterId, "gs"));
  const st02: string[] = [];
  for (let i = 0; i < bodies.length; i++) st02.push(formatSt02(await controlNumbers.nextControlNumber(p.counterId, "st")));

  const out: string[] = [isaSegment(p, isa13, now), renderSegment(["GS", opts.functionalId, p.gsSender, p.gsReceiver, x12Date(now), x12Time(now), gs06, "X", p.version], d)];
  bodies.forEach((b, i) => {
    out.push(renderSegment(["ST", b.type, st02[i]], d), ...b.lines, renderSegment(["SE", b.lines.length + 2, st02[i]], d));
  });
  out.push(renderSegment(["GE", bodies.length, gs06], d), renderSegment(["IEA", 1, isa13], d));
  return { text: out.join(""), isa13, gs06, st02 };
}

/** A TA1-only interchange: ISA, the TA1 segments, IEA with zero groups. */
export async function writeTa1Interchange(opts: {
  parties: EnvelopeParties;
  ta1: SegmentData[];
  controlNumbers: ControlNumberAllocator;
  now?: Date;
}): Promise<WrittenInterchange> {
  const { parties: p } = opts;
  const now = opts.now ?? new Date();
  const lines = opts.ta1.map((s) => renderSegment(s, p.delimiters));
  const isa13 = formatIsa13(await opts.controlNumbers.nextControlNumber(p.counterId, "isa"));
  return { text: [isaSegment(p, isa13, now), ...lines, renderSegment(["IEA", 0, isa13], p.delimiters)].join(""), isa13, st02: [] };
}

/** X12 R (decimal) from minor units: no trailing zeros, no trailing point ("9.25", "36"). */
export function formatDecimalMinor(amountMinor: number, digits: number): string {
  const sign = amountMinor < 0 ? "-" : "";
  const abs = Math.abs(amountMinor);
  const whole = Math.floor(abs / 10 ** digits);
  const frac = digits ? String(abs % 10 ** digits).padStart(digits, "0").replace(/0+$/, "") : "";
  return `${sign}${whole}${frac ? `.${frac}` : ""}`;
}
