import type { Ak5Code, Ak9Code, AckStatus, Ta1NoteCode } from "./ack-codes";
import { el, type X12Group, type X12Interchange, type X12TransactionSet } from "./parse-interchange";
import { gsIdsOf, type TradingPartner } from "./partner-config";
import { validateSetContent, type SegmentError } from "./validate-set";
import { isX12Date } from "./x12-time";

/** What an interchange from one partner must look like. Unset fields are not checked. */
export interface EnvelopeExpectations {
  /** ISA05/ISA06: who must be sending. */
  sender?: { qualifier: string; id: string };
  /** ISA07/ISA08: who must be receiving (us). */
  receiver?: { qualifier: string; id: string };
  /** GS02/GS03 application codes. */
  gsSender?: string;
  gsReceiver?: string;
  /** GS08 must start with this (004010 accepts 004010VICS). */
  version?: string;
  /** ST01 values we process; anything else is AK5 code 1. */
  setTypes?: string[];
}

/** What we expect on an interchange the partner sends us. */
export function expectationsFor(partner: TradingPartner, setTypes: string[] = ["850", "997"]): EnvelopeExpectations {
  const gs = gsIdsOf(partner);
  return {
    sender: { qualifier: partner.isaQualifier, id: partner.isaId },
    receiver: { qualifier: partner.ourIsaQualifier, id: partner.ourIsaId },
    gsSender: gs.theirs,
    gsReceiver: gs.ours,
    version: partner.version.slice(0, 6),
    setTypes,
  };
}

/** What the partner checks on an interchange we send it (the sandbox retailer's side). */
export function expectationsForOutbound(partner: TradingPartner, setTypes: string[] = ["855", "856", "810", "997"]): EnvelopeExpectations {
  const gs = gsIdsOf(partner);
  return {
    sender: { qualifier: partner.ourIsaQualifier, id: partner.ourIsaId },
    receiver: { qualifier: partner.isaQualifier, id: partner.isaId },
    gsSender: gs.ours,
    gsReceiver: gs.theirs,
    version: partner.version.slice(0, 6),
    setTypes,
  };
}

export interface Ta1Issue {
  code: Ta1NoteCode;
  message: string;
}

export interface SetAck {
  type: string;
  controlNumber: string;
  status: AckStatus;
  codes: Ak5Code[];
  segmentErrors: SegmentError[];
  messages: string[];
}

export interface GroupAck {
  functionalId: string;
  controlNumber: string;
  version: string;
  status: AckStatus;
  /** AK902: sets the GE said it carried; AK903: sets received; AK904: sets accepted. */
  included: number;
  received: number;
  accepted: number;
  codes: Ak9Code[];
  sets: SetAck[];
  messages: string[];
}

export interface EnvelopeReport {
  interchange: X12Interchange;
  isa13: string;
  /** Interchange-level errors (TA1). Empty = the envelope is sound. */
  ta1: Ta1Issue[];
  /** One entry per functional group (997 AK1…AK9). */
  groups: GroupAck[];
  /** Quirks we accept but record (GS01 that does not fit the set, an ISA11 that is neither U nor a separator). */
  warnings: string[];
}

const ISA_VERSION = /^00[2-9]0\d$/;
const FUNCTIONAL_ID: Record<string, string> = { "850": "PO", "855": "PR", "856": "SH", "810": "IN", "997": "FA", "860": "PC", "865": "CA", "846": "IB", "820": "RA" };

/**
 * Checks the control structure of one interchange: ISA fields and partner ids, ISA13 = IEA02,
 * IEA01 = number of groups, GS06 = GE02, GE01 = number of sets, ST02 = SE02, SE01 = segment count
 * including ST and SE, then the segments and elements of every set. Duplicate detection needs the
 * database and lives in checkDuplicateInterchange.
 */
export function validateEnvelope(ic: X12Interchange, expect: EnvelopeExpectations = {}): EnvelopeReport {
  const ta1: Ta1Issue[] = [];
  const warnings: string[] = [];
  const issue = (code: Ta1NoteCode, message: string) => ta1.push({ code, message });
  const { isa } = ic;

  if (!["00", "01", "02", "03", "04", "05", "06"].includes(isa.authQualifier)) issue("010", `ISA01 ${JSON.stringify(isa.authQualifier)} is not an authorization qualifier`);
  if (!["00", "01"].includes(isa.securityQualifier)) issue("012", `ISA03 ${JSON.stringify(isa.securityQualifier)} is not a security qualifier`);
  if (!/^[A-Z0-9]{2}$/.test(isa.senderQualifier)) issue("005", `ISA05 ${JSON.stringify(isa.senderQualifier)} is not an id qualifier`);
  else if (expect.sender && isa.senderQualifier !== expect.sender.qualifier) issue("005", `ISA05 ${isa.senderQualifier} is not this partner's qualifier ${expect.sender.qualifier}`);
  if (!isa.senderId || isa.senderId.length > 15) issue("006", `ISA06 sender id ${JSON.stringify(isa.senderId)} is empty or too long`);
  else if (expect.sender && isa.senderId !== expect.sender.id) issue("006", `ISA06 sender id ${isa.senderId} is not this partner (${expect.sender.id})`);
  if (!/^[A-Z0-9]{2}$/.test(isa.receiverQualifier)) issue("007", `ISA07 ${JSON.stringify(isa.receiverQualifier)} is not an id qualifier`);
  else if (expect.receiver && isa.receiverQualifier !== expect.receiver.qualifier) issue("007", `ISA07 ${isa.receiverQualifier} is not our qualifier ${expect.receiver.qualifier}`);
  if (!isa.receiverId || isa.receiverId.length > 15) issue("008", `ISA08 receiver id ${JSON.stringify(isa.receiverId)} is empty or too long`);
  else if (expect.receiver && isa.receiverId !== expect.receiver.id) issue("009", `ISA08 receiver id ${isa.receiverId} is not us (${expect.receiver.id})`);
  if (!/^\d{6}$/.test(isa.date) || !isX12Date(isa.date)) issue("014", `ISA09 ${JSON.stringify(isa.date)} is not a YYMMDD date`);
  if (!/^\d{4}$/.test(isa.time) || Number(isa.time.slice(0, 2)) > 23 || Number(isa.time.slice(2)) > 59) issue("015", `ISA10 ${JSON.stringify(isa.time)} is not an HHMM time`);
  if (isa.standardsOrRepetition.length !== 1) issue("016", `ISA11 ${JSON.stringify(isa.standardsOrRepetition)} is not one character`);
  else if (isa.version < "00402" && isa.standardsOrRepetition !== "U") warnings.push(`ISA11 is ${JSON.stringify(isa.standardsOrRepetition)}, not U, on a ${isa.version} interchange`);
  if (!ISA_VERSION.test(isa.version)) issue("017", `ISA12 ${JSON.stringify(isa.version)} is not an interchange control version (e.g. 00401, 00501)`);
  if (!/^\d{9}$/.test(isa.controlNumber)) issue("018", `ISA13 ${JSON.stringify(isa.controlNumber)} is not nine digits`);
  if (!["0", "1"].includes(isa.ackRequested)) issue("019", `ISA14 ${JSON.stringify(isa.ackRequested)} is neither 0 nor 1`);
  if (!["P", "T", "I"].includes(isa.usage)) issue("020", `ISA15 ${JSON.stringify(isa.usage)} is not P, T or I`);

  for (const p of ic.problems) {
    if (p.kind === "missing_iea") issue("023", p.detail);
    else if (p.kind === "set_outside_group" || p.kind === "trailing_content") issue("024", p.detail);
    else if (p.kind === "unexpected_trailer" || (p.kind === "segment_outside_set" && p.group === undefined)) issue("022", p.detail);
  }
  if (ic.iea) {
    const count = el(ic.iea, 1);
    if (!/^\d{1,5}$/.test(count) || Number(count) !== ic.groups.length) issue("021", `IEA01 says ${count} group(s); the interchange has ${ic.groups.length}`);
    if (el(ic.iea, 2) !== isa.controlNumber) issue("001", `ISA13 ${isa.controlNumber} does not match IEA02 ${el(ic.iea, 2)}`);
  }

  const groups = ic.groups.map((g, gi) => validateGroup(ic, g, gi, expect, warnings));
  return { interchange: ic, isa13: isa.controlNumber, ta1, groups, warnings };
}

function validateGroup(ic: X12Interchange, g: X12Group, gi: number, expect: EnvelopeExpectations, warnings: string[]): GroupAck {
  const codes: Ak9Code[] = [];
  const messages: string[] = [];
  const add = (code: Ak9Code, message: string) => {
    if (!codes.includes(code)) codes.push(code);
    messages.push(message);
  };
  if (!/^\d{1,9}$/.test(g.controlNumber)) add("6", `GS06 ${JSON.stringify(g.controlNumber)} is not a group control number`);
  if (!g.ge) add("3", `group ${g.functionalId} ${g.controlNumber} has no GE`);
  else {
    if (el(g.ge, 2) !== g.controlNumber) add("4", `GS06 ${g.controlNumber} does not match GE02 ${el(g.ge, 2)}`);
    if (Number(el(g.ge, 1)) !== g.transactions.length || !/^\d+$/.test(el(g.ge, 1))) add("5", `GE01 says ${el(g.ge, 1)} set(s); the group has ${g.transactions.length}`);
  }
  if (expect.version && !g.version.startsWith(expect.version)) add("2", `GS08 ${g.version} is not the agreed version ${expect.version}`);
  if (expect.gsSender && el(g.gs, 2) !== expect.gsSender) warnings.push(`GS02 ${el(g.gs, 2)} is not the agreed application sender ${expect.gsSender}`);
  if (expect.gsReceiver && el(g.gs, 3) !== expect.gsReceiver) warnings.push(`GS03 ${el(g.gs, 3)} is not the agreed application receiver ${expect.gsReceiver}`);

  const seen = new Set<string>();
  const sets = g.transactions.map((set, si) => {
    const fid = FUNCTIONAL_ID[set.type];
    if (fid && fid !== g.functionalId) warnings.push(`GS01 ${g.functionalId} carries a ${set.type} (expected ${fid})`);
    const dup = seen.has(set.controlNumber);
    seen.add(set.controlNumber);
    const missingSe = ic.problems.some((p) => p.kind === "missing_se" && p.group === gi && p.set === si);
    return validateSet(set, { duplicate: dup, missingSe, setTypes: expect.setTypes });
  });
  for (const p of ic.problems) {
    if (p.group === gi && (p.kind === "segment_outside_set" || p.kind === "unexpected_trailer")) messages.push(p.detail);
  }
  const received = sets.length;
  const accepted = sets.filter((s) => s.status === "A" || s.status === "E").length;
  const status: AckStatus = codes.length ? "R" : accepted === received ? "A" : accepted === 0 ? "R" : "P";
  const included = g.ge && /^\d+$/.test(el(g.ge, 1)) ? Number(el(g.ge, 1)) : received;
  return { functionalId: g.functionalId, controlNumber: g.controlNumber, version: g.version, status, included, received, accepted, codes, sets, messages };
}

function validateSet(set: X12TransactionSet, o: { duplicate: boolean; missingSe: boolean; setTypes?: string[] }): SetAck {
  const codes: Ak5Code[] = [];
  const messages: string[] = [];
  const add = (code: Ak5Code, message: string) => {
    if (!codes.includes(code)) codes.push(code);
    messages.push(message);
  };
  if (!/^\d{3}$/.test(set.type)) add("6", `ST01 ${JSON.stringify(set.type)} is not a transaction set identifier`);
  else if (o.setTypes && !o.setTypes.includes(set.type)) add("1", `transaction set ${set.type} is not one we accept from this partner`);
  if (!/^[A-Za-z0-9]{4,9}$/.test(set.controlNumber)) add("7", `ST02 ${JSON.stringify(set.controlNumber)} is not 4-9 characters`);
  else if (o.duplicate) add("7", `ST02 ${set.controlNumber} repeats within the group`);
  if (!set.se || o.missingSe) add("2", `set ${set.type} ${set.controlNumber} has no SE`);
  else {
    if (el(set.se, 2) !== set.controlNumber) add("3", `ST02 ${set.controlNumber} does not match SE02 ${el(set.se, 2)}`);
    if (Number(el(set.se, 1)) !== set.segments.length || !/^\d+$/.test(el(set.se, 1))) add("4", `SE01 says ${el(set.se, 1)} segments; the set has ${set.segments.length} (ST and SE included)`);
  }
  const segmentErrors = validateSetContent(set);
  if (segmentErrors.length) add("5", segmentErrors.map((s) => s.message).join("; "));
  return { type: set.type, controlNumber: set.controlNumber, status: codes.length ? "R" : "A", codes, segmentErrors, messages };
}

/** True when the interchange can be processed: no TA1-level issue. */
export function envelopeAccepted(report: EnvelopeReport): boolean {
  return report.ta1.length === 0;
}

/** Sets of a report that were accepted, with their parsed form. */
export function acceptedSets(report: EnvelopeReport): { group: X12Group; set: X12TransactionSet; ack: SetAck }[] {
  if (!envelopeAccepted(report)) return [];
  return report.interchange.groups.flatMap((group, gi) => {
    const g = report.groups[gi]!;
    if (g.codes.length) return [];
    return group.transactions.flatMap((set, si) => (g.sets[si]!.status === "R" ? [] : [{ group, set, ack: g.sets[si]! }]));
  });
}

/**
 * Duplicate detection across transmissions. The pipeline backs it with a unique key on
 * (partner, ISA13), so two workers racing on the same resend cannot both win.
 */
export interface InterchangeRegistry {
  /** Records (partnerId, isa13) and answers whether it had been recorded before. */
  seenInterchange(partnerId: string, isa13: string): Promise<boolean>;
}

export class InMemoryInterchangeRegistry implements InterchangeRegistry {
  private readonly seen = new Set<string>();

  async seenInterchange(partnerId: string, isa13: string): Promise<boolean> {
    const key = `${partnerId}\u001f${isa13}`;
    if (this.seen.has(key)) return true;
    this.seen.add(key);
    return false;
  }
}

/**
 * Adds TA1 025 when this interchange was seen before. Only a sound envelope is recorded: a partner
 * that fixes a rejected interchange may resend it under the same ISA13.
 */
export async function checkDuplicateInterchange(report: EnvelopeReport, partnerId: string, registry: InterchangeRegistry): Promise<EnvelopeReport> {
  if (!envelopeAccepted(report)) return report;
  if (!(await registry.seenInterchange(partnerId, report.isa13))) return report;
  return { ...report, ta1: [...report.ta1, { code: "025", message: `interchange ${report.isa13} from ${partnerId} was already received` }] };
}
