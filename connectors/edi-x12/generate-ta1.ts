import type { AckStatus, Ta1NoteCode } from "./ack-codes";
import type { ControlNumberAllocator } from "./control-numbers";
import { el, type X12Segment } from "./parse-interchange";
import type { TradingPartner } from "./partner-config";
import type { EnvelopeReport } from "./validate-envelope";
import { outboundParties, writeTa1Interchange, type EnvelopeParties, type SegmentData, type WrittenInterchange } from "./write-envelope";

/** One TA1: which interchange (its ISA13, ISA09, ISA10), the verdict and the note code. */
export interface Ta1Ack {
  controlNumber: string;
  date: string;
  time: string;
  ackCode: Extract<AckStatus, "A" | "E" | "R">;
  noteCode: Ta1NoteCode;
}

export function ta1Segment(a: Ta1Ack): SegmentData {
  return ["TA1", a.controlNumber, a.date, a.time, a.ackCode, a.noteCode];
}

/**
 * The TA1 for a checked interchange. Any envelope error rejects the whole interchange (R), even
 * the codes the reference table lists as "E": we never create orders from an interchange whose
 * control structure we cannot trust, and "E" would tell the partner we had.
 */
export function ta1For(report: EnvelopeReport): Ta1Ack {
  const { isa } = report.interchange;
  const first = report.ta1[0];
  return { controlNumber: isa.controlNumber, date: isa.date, time: isa.time, ackCode: first ? "R" : "A", noteCode: first?.code ?? "000" };
}

/** Writes TA1 segments into their own interchange (no functional group), as X12 requires. */
export function generateTa1(acks: Ta1Ack[], opts: { partner: TradingPartner; controlNumbers: ControlNumberAllocator; now?: Date; parties?: EnvelopeParties }): Promise<WrittenInterchange> {
  return writeTa1Interchange({ parties: opts.parties ?? outboundParties(opts.partner), ta1: acks.map(ta1Segment), controlNumbers: opts.controlNumbers, now: opts.now });
}

/** Reads a received TA1 segment. */
export function readTa1(seg: X12Segment): Ta1Ack {
  return { controlNumber: el(seg, 1), date: el(seg, 2), time: el(seg, 3), ackCode: el(seg, 4) as Ta1Ack["ackCode"], noteCode: el(seg, 5) as Ta1NoteCode };
}
