import type { Ak304Code, Ak403Code, Ak5Code, Ak9Code, AckStatus } from "./ack-codes";
import type { ControlNumberAllocator } from "./control-numbers";
import { components, el, segmentsOf, type Delimiters, type X12TransactionSet } from "./parse-interchange";
import type { TradingPartner } from "./partner-config";
import type { GroupAck } from "./validate-envelope";
import { outboundParties, writeInterchange, type EnvelopeParties, type OutboundSet, type SegmentData, type WrittenInterchange } from "./write-envelope";

/** The 997 body acknowledging one functional group: AK1, per set AK2 [AK3 [AK4…]…] AK5, then AK9. */
export function build997(group: GroupAck): OutboundSet {
  const segments: SegmentData[] = [["AK1", group.functionalId, group.controlNumber]];
  for (const set of group.sets) {
    segments.push(["AK2", set.type, set.controlNumber]);
    for (const se of set.segmentErrors) {
      segments.push(["AK3", se.segmentId, se.position, se.loopId, se.code]);
      for (const ee of se.elements) segments.push(["AK4", [String(ee.position)], ee.reference, ee.code, ee.value?.slice(0, 99)]);
    }
    segments.push(["AK5", set.status, ...set.codes.slice(0, 5)]);
  }
  segments.push(["AK9", group.status, group.included, group.received, group.accepted, ...group.codes.slice(0, 5)]);
  return { type: "997", segments };
}

/**
 * One interchange with one FA group holding a 997 per acknowledged group. Acknowledgements are
 * never acknowledged: groups of 997s (FA) are skipped, and nothing is written when none is left.
 * `parties` overrides the direction (the sandbox retailer acknowledging our documents).
 */
export async function generate997(
  groups: GroupAck[],
  opts: { partner: TradingPartner; controlNumbers: ControlNumberAllocator; now?: Date; parties?: EnvelopeParties },
): Promise<WrittenInterchange | undefined> {
  const sets = groups.filter((g) => g.functionalId !== "FA").map(build997);
  if (!sets.length) return undefined;
  return writeInterchange({ parties: opts.parties ?? outboundParties(opts.partner), functionalId: "FA", sets, controlNumbers: opts.controlNumbers, now: opts.now });
}

export interface Received997 {
  functionalId: string;
  groupControlNumber: string;
  status: AckStatus | string;
  included: number;
  received: number;
  accepted: number;
  codes: (Ak9Code | string)[];
  sets: {
    type: string;
    controlNumber: string;
    status: AckStatus | string;
    codes: (Ak5Code | string)[];
    errors: { segmentId: string; position: number; code: Ak304Code | string; elements: { position: string; reference: string; code: Ak403Code | string; value: string }[] }[];
  }[];
}

/** Reads a 997 someone sent: which group and sets it acknowledges, and every AK3/AK4 error. */
export function read997(set: X12TransactionSet, d: Delimiters): Received997 {
  const ak1 = segmentsOf(set, "AK1")[0];
  const ak9 = segmentsOf(set, "AK9")[0];
  const out: Received997 = {
    functionalId: el(ak1, 1),
    groupControlNumber: el(ak1, 2),
    status: el(ak9, 1),
    included: Number(el(ak9, 2)),
    received: Number(el(ak9, 3)),
    accepted: Number(el(ak9, 4)),
    codes: [5, 6, 7, 8, 9].map((i) => el(ak9, i)).filter(Boolean),
    sets: [],
  };
  let current: Received997["sets"][number] | undefined;
  for (const seg of set.segments) {
    if (seg.tag === "AK2") {
      current = { type: el(seg, 1), controlNumber: el(seg, 2), status: "", codes: [], errors: [] };
      out.sets.push(current);
    } else if (seg.tag === "AK3" && current) {
      current.errors.push({ segmentId: el(seg, 1), position: Number(el(seg, 2)), code: el(seg, 4), elements: [] });
    } else if (seg.tag === "AK4" && current?.errors.length) {
      current.errors[current.errors.length - 1]!.elements.push({ position: components(el(seg, 1), d).join(":"), reference: el(seg, 2), code: el(seg, 3), value: el(seg, 4) });
    } else if (seg.tag === "AK5" && current) {
      current.status = el(seg, 1);
      current.codes = [2, 3, 4, 5, 6].map((i) => el(seg, i)).filter(Boolean);
    }
  }
  return out;
}
