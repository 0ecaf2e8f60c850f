import type { Order } from "../../pipeline/model";
import type { CapturedEvent } from "../sdk/definition";
import type { ControlNumberAllocator } from "./control-numbers";
import { generate997, read997, type Received997 } from "./generate-997";
import { generateTa1, readTa1, ta1For, type Ta1Ack } from "./generate-ta1";
import { parseInterchanges, X12SyntaxError } from "./parse-interchange";
import type { TradingPartner } from "./partner-config";
import {
  acceptedSets, checkDuplicateInterchange, envelopeAccepted, expectationsFor, validateEnvelope,
  type EnvelopeExpectations, type EnvelopeReport, type InterchangeRegistry,
} from "./validate-envelope";
import { poPurpose, x850ToOrder, X850MappingError } from "./x850-to-order";
import { parseX12DateTime } from "./x12-time";

/** A set we accepted at the syntax level (997) but could not turn into an order. */
export interface BusinessRejection {
  isa13?: string;
  st02?: string;
  poNumber?: string;
  field?: string;
  reason: string;
}

export interface InboundReading {
  reports: EnvelopeReport[];
  /** Set when the input could not be read as X12 at all. */
  syntaxError?: X12SyntaxError;
}

/** Parses and checks every interchange of a transmission; never throws on bad input. */
export function readInbound(text: string | Uint8Array, expect: EnvelopeExpectations): InboundReading {
  try {
    return { reports: parseInterchanges(text).map((ic) => validateEnvelope(ic, expect)) };
  } catch (e) {
    if (e instanceof X12SyntaxError) return { reports: [], syntaxError: e };
    throw e;
  }
}

export interface OrdersFromReport {
  events: CapturedEvent[];
  orders: Order[];
  rejections: BusinessRejection[];
}

/**
 * The order events of an accepted interchange: order.created per 850 (order.cancelled for BEG01 01),
 * sourceEventId `${partnerId}:${ISA13}:${ST02}` so a resent interchange is recognised downstream.
 */
export function ordersFromReport(report: EnvelopeReport, partner: { id: string; name?: string; currency?: string; itemMap?: Record<string, string> }): OrdersFromReport {
  const out: OrdersFromReport = { events: [], orders: [], rejections: [] };
  const { isa } = report.interchange;
  const receivedAt = parseX12DateTime(isa.date, isa.time);
  for (const { set } of acceptedSets(report)) {
    if (set.type !== "850") continue;
    try {
      const order = x850ToOrder(set, { partnerId: partner.id, partnerName: partner.name, currency: partner.currency, itemMap: partner.itemMap, receivedAt });
      const sourceEventId = `${partner.id}:${isa.controlNumber}:${set.controlNumber}`;
      const occurredAt = receivedAt ?? order.createdAt;
      const keys = { poNumber: order.purchaseOrder?.poNumber, orderNumber: order.orderNumber, skus: [...new Set(order.lines.map((l) => l.sku))] };
      out.events.push(
        poPurpose(set) === "cancellation"
          ? { type: "order.cancelled", sourceEventId, occurredAt, keys, data: { order, reason: "the partner cancelled the PO (850 BEG01 01)" } }
          : { type: "order.created", sourceEventId, occurredAt, keys, data: order },
      );
      out.orders.push(order);
    } catch (e) {
      if (!(e instanceof X850MappingError)) throw e;
      out.rejections.push({ isa13: isa.controlNumber, st02: set.controlNumber, poNumber: e.poNumber, field: e.field, reason: e.message });
    }
  }
  return out;
}

export interface AcknowledgeDeps {
  controlNumbers: ControlNumberAllocator;
  interchanges: InterchangeRegistry;
  now?: Date;
}

export interface InterchangeOutcome {
  isa13?: string;
  accepted: boolean;
  duplicate: boolean;
  ta1?: Ta1Ack;
  report?: EnvelopeReport;
  reason?: string;
}

export interface AcknowledgeResult {
  /** A TA1 interchange to send back, when one is due (errors, ISA14=1, or the partner wants it always). */
  ta1?: string;
  /** A 997 interchange acknowledging every functional group of the accepted interchanges. */
  ack997?: string;
  orders: Order[];
  events: CapturedEvent[];
  interchanges: InterchangeOutcome[];
  /** 850s the 997 accepted that still could not become orders (unknown item, CTT mismatch). */
  rejections: BusinessRejection[];
  /** Acknowledgements the partner sent us for our own documents. */
  received: { ta1: Ta1Ack[]; ack997: Received997[] };
}

/**
 * Everything the pipeline does with one inbound transmission from a partner: check each
 * interchange's envelope against the partner config, drop duplicates (TA1 025), acknowledge
 * (TA1 and/or 997, numbered from the allocator), map accepted 850s to orders, and read any TA1/997
 * the partner sent for our documents. A rejected interchange yields no orders at all.
 */
export async function acknowledge(interchangeText: string | Uint8Array, partner: TradingPartner, deps: AcknowledgeDeps): Promise<AcknowledgeResult> {
  const result: AcknowledgeResult = { orders: [], events: [], interchanges: [], rejections: [], received: { ta1: [], ack997: [] } };
  const reading = readInbound(interchangeText, expectationsFor(partner));
  const ta1s: Ta1Ack[] = [];

  if (reading.syntaxError) {
    const e = reading.syntaxError;
    const ta1 = e.controlNumber ? { controlNumber: e.controlNumber.padStart(9, "0"), date: e.isaDate ?? "", time: e.isaTime ?? "", ackCode: "R" as const, noteCode: e.ta1Code } : undefined;
    if (ta1) ta1s.push(ta1);
    result.interchanges.push({ isa13: e.controlNumber, accepted: false, duplicate: false, ta1, reason: `TA1 ${e.ta1Code}: ${e.message}` });
  }

  const groupsToAck: EnvelopeReport["groups"] = [];
  for (const first of reading.reports) {
    const report = await checkDuplicateInterchange(first, partner.id, deps.interchanges);
    const accepted = envelopeAccepted(report);
    const duplicate = report.ta1.some((t) => t.code === "025");
    const ta1 = ta1For(report);
    const wantsTa1 = !accepted || partner.ta1 === "always" || (partner.ta1 === "when_requested" && report.interchange.isa.ackRequested === "1");
    if (wantsTa1) ta1s.push(ta1);
    result.interchanges.push({ isa13: report.isa13, accepted, duplicate, ta1: wantsTa1 ? ta1 : undefined, report, reason: accepted ? undefined : `TA1 ${report.ta1[0]!.code}: ${report.ta1.map((t) => t.message).join("; ")}` });
    if (!accepted) continue;

    result.received.ta1.push(...report.interchange.ta1.map(readTa1));
    report.interchange.groups.forEach((g, gi) => {
      if (g.functionalId === "FA") {
        for (const set of g.transactions) if (set.type === "997" && report.groups[gi]!.sets.find((s) => s.controlNumber === set.controlNumber)?.status !== "R") result.received.ack997.push(read997(set, report.interchange.delimiters));
      } else groupsToAck.push(report.groups[gi]!);
    });
    const mapped = ordersFromReport(report, partner);
    result.orders.push(...mapped.orders);
    result.events.push(...mapped.events);
    result.rejections.push(...mapped.rejections);
  }

  const now = deps.now ?? new Date();
  if (ta1s.length) result.ta1 = (await generateTa1(ta1s, { partner, controlNumbers: deps.controlNumbers, now })).text;
  if (groupsToAck.length && partner.expects.includes("997")) {
    result.ack997 = (await generate997(groupsToAck, { partner, controlNumbers: deps.controlNumbers, now }))?.text;
  }
  return result;
}
