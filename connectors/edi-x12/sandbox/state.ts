import type { TradingPartner } from "../partner-config";
import type { Sandbox850Fault } from "./build-850";

/**
 * What the sandbox retailer knows: the POs it sent and what became of them, every document we
 * sent it, and where we broke its rules. Like a real retailer's EDI scorecard, it judges only what
 * arrived and when, never what Loopkeeper believes it sent.
 */

export interface SentPurchaseOrder {
  poNumber: string;
  isa13: string;
  gs06: string;
  st02: string;
  sentAt: string;
  fault?: Sandbox850Fault;
  /** HTTP answers of our endpoint to each post of this interchange. */
  responses: (number | "error" | "dropped" | "held")[];
  ta1?: { ackCode: string; noteCode: string; receivedAt: string };
  /** Our TA1 025 for a resent copy: the first copy still counts. */
  duplicateRejected?: { noteCode: string; receivedAt: string };
  ack997?: { status: string; setStatus?: string; setCodes: string[]; errors: { segmentId: string; position: number; code: string; elements: { position: string; reference: string; code: string }[] }[]; receivedAt: string };
  ack855?: { receivedAt: string; bak02: string; lineStatuses: string[] };
  asns: { receivedAt: string; shipmentId: string }[];
  invoices: { receivedAt: string; invoiceNumber: string; totalCents: number }[];
}

export interface ReceivedDocument {
  receivedAt: string;
  isa13: string;
  /** 855, 856, 810, 997, TA1, or "unreadable". */
  kinds: string[];
  poNumbers: string[];
  valid: boolean;
  problems: string[];
  body: string;
}

export type ViolationRule =
  | "invalid_document"
  | "isa13_reused"
  | "isa13_gap"
  | "ack997_late"
  | "ack997_missing"
  | "ack855_late"
  | "ack855_missing"
  | "asn_late"
  | "asn_after_invoice"
  | "invoice_before_asn"
  | "invoice_total_mismatch"
  | "invalid_sscc"
  | "unknown_po";

export interface Violation {
  rule: ViolationRule;
  at: string;
  detail: string;
  poNumber?: string;
  isa13?: string;
}

export interface TradingPartnerState {
  partner: TradingPartner;
  purchaseOrders: SentPurchaseOrder[];
  received: ReceivedDocument[];
  violations: Violation[];
  /** Our ISA13s in arrival order, with the body hash of each, to tell a resend from a reuse. */
  ourInterchanges: { isa13: string; digest: string }[];
}

export function emptyState(partner: TradingPartner): TradingPartnerState {
  return { partner, purchaseOrders: [], received: [], violations: [], ourInterchanges: [] };
}

const HOUR = 3_600_000;

/**
 * Violations that exist because something did not arrive in time: computed at read time against the
 * sandbox clock, so advancing the clock in a test makes them appear.
 */
export function overdueViolations(s: TradingPartnerState, now: Date): Violation[] {
  const out: Violation[] = [];
  const t = s.partner.timing;
  for (const po of s.purchaseOrders) {
    const age = now.getTime() - Date.parse(po.sentAt);
    const rejected = po.ta1?.ackCode === "R" || po.ack997?.setStatus === "R";
    if (!po.ack997 && !po.ta1 && age > t.ack997WithinHours * HOUR && s.partner.expects.includes("997")) {
      out.push({ rule: "ack997_missing", at: now.toISOString(), poNumber: po.poNumber, isa13: po.isa13, detail: `no 997 for PO ${po.poNumber} (group ${po.gs06}) after ${t.ack997WithinHours} h` });
    }
    if (!rejected && !po.ack855 && age > t.ack855WithinHours * HOUR && s.partner.expects.includes("855")) {
      out.push({ rule: "ack855_missing", at: now.toISOString(), poNumber: po.poNumber, isa13: po.isa13, detail: `no 855 for PO ${po.poNumber} after ${t.ack855WithinHours} h` });
    }
  }
  return out;
}

export function hoursBetween(fromIso: string, to: Date): number {
  return (to.getTime() - Date.parse(fromIso)) / HOUR;
}
