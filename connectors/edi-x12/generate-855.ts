import { minorDigits, type Order, type OrderLine } from "../../pipeline/model";
import { formatDecimalMinor, type OutboundSet, type SegmentData } from "./write-envelope";
import { x12Date } from "./x12-time";

export type LineAckStatus = "accepted" | "backordered" | "rejected";

/** Our answer for one PO line; a line without one is accepted in full. */
export interface LineAck {
  status: LineAckStatus;
  /** Units this status applies to (default: the ordered quantity; 0 for a rejection). */
  quantity?: number;
  /** When backordered units are expected to ship (ISO). */
  expectedShipDate?: string;
}

export interface Generate855Input {
  order: Order;
  /** By OrderLine.lineId. */
  lines?: Record<string, LineAck>;
  ackDate: Date;
  /** BAK08: our order number for the PO, when we have one. */
  sellerOrderNumber?: string;
}

const ACK01: Record<LineAckStatus, string> = { accepted: "IA", backordered: "IB", rejected: "IR" };

/**
 * 855 body: BAK (AD when every line is accepted as ordered, RD when every line is rejected, AC
 * otherwise), then per PO line its PO1 echoed with the partner's own item ids and an ACK with the
 * line status, and CTT with the line count and the hash total of quantities.
 */
export function build855(input: Generate855Input): OutboundSet {
  const { order } = input;
  const po = order.purchaseOrder;
  if (!po) throw new Error(`order ${order.id} has no purchase order: an 855 answers an 850`);
  const acks = order.lines.map((l) => ({ line: l, ack: input.lines?.[l.lineId] ?? { status: "accepted" as const } }));
  const all = (s: LineAckStatus) => acks.every((a) => a.ack.status === s);
  const bak02 = all("accepted") ? "AD" : all("rejected") ? "RD" : "AC";
  const poDate = po.poDate ? x12Date(new Date(po.poDate)) : x12Date(new Date(order.createdAt));

  const segments: SegmentData[] = [["BAK", "00", bak02, po.poNumber, poDate, undefined, undefined, undefined, input.sellerOrderNumber, x12Date(input.ackDate)]];
  if (order.currency !== "USD") segments.push(["CUR", "SE", order.currency]);
  const digits = minorDigits(order.currency);
  let hash = 0;
  for (const { line, ack } of acks) {
    segments.push(po1Of(line, digits));
    const qty = ack.quantity ?? (ack.status === "rejected" ? 0 : line.quantity);
    hash += line.quantity;
    const date = ack.status === "backordered" && ack.expectedShipDate ? x12Date(new Date(ack.expectedShipDate)) : undefined;
    segments.push(["ACK", ACK01[ack.status], qty, "EA", date ? "068" : undefined, date]);
  }
  segments.push(["CTT", acks.length, hash]);
  return { type: "855", segments };
}

/** PO1 as the partner sent it: its line number, quantity, price and item ids, so it can match lines. */
export function po1Of(line: OrderLine, digits: number): SegmentData {
  const ids = Object.entries(line.partnerItemIds ?? {});
  if (!ids.some(([q]) => q === "VP" || q === "VN")) ids.push(["VN", line.sku]);
  return ["PO1", line.lineId, line.quantity, "EA", formatDecimalMinor(line.unitPrice.amountMinor, digits), "PE", ...ids.slice(0, 10).flat()];
}
