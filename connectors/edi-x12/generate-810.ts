import { minorDigits, type Address, type Order, type Shipment } from "../../pipeline/model";
import { el, segmentsOf, type X12TransactionSet } from "./parse-interchange";
import { formatDecimalMinor, type OutboundSet, type SegmentData } from "./write-envelope";
import { x12Date } from "./x12-time";

export interface InvoiceLine {
  /** The PO line number (PO101) this invoices. */
  lineId?: string;
  sku: string;
  quantity: number;
  unitPriceMinor: number;
  partnerItemIds?: Record<string, string>;
}

export interface Generate810Input {
  invoiceNumber: string;
  invoiceDate: Date;
  poNumber: string;
  poDate?: string;
  currency: string;
  lines: InvoiceLine[];
  shipTo?: Address;
  /** N103/N104 of the ship-to, as the 850 named it. */
  shipToLocation?: { qualifier: string; code: string };
  vendorNumber?: string;
}

/**
 * 810 body: BIG (invoice date, number, PO date, PO number), CUR when not USD, REF IA, N1 ST, one IT1
 * per line with the partner's item ids, TDS with the total, CTT with the IT1 count.
 * TDS01 is N2: an amount with two implied decimals whatever the currency, so 144.00 USD is "14400"
 * and 500 JPY is "50000".
 */
export function build810(input: Generate810Input): OutboundSet & { totalMinor: number } {
  if (!input.lines.length) throw new Error(`invoice ${input.invoiceNumber} has no lines`);
  const digits = minorDigits(input.currency);
  const segments: SegmentData[] = [
    ["BIG", x12Date(input.invoiceDate), input.invoiceNumber, input.poDate ? x12Date(new Date(input.poDate)) : undefined, input.poNumber],
  ];
  if (input.currency !== "USD") segments.push(["CUR", "SE", input.currency]);
  if (input.vendorNumber) segments.push(["REF", "IA", input.vendorNumber]);
  if (input.shipTo) {
    segments.push(["N1", "ST", input.shipTo.name ?? input.shipTo.company ?? "SHIP TO", input.shipToLocation?.qualifier, input.shipToLocation?.code]);
    if (input.shipTo.line1) segments.push(["N3", input.shipTo.line1, input.shipTo.line2]);
    if (input.shipTo.city || input.shipTo.postalCode) segments.push(["N4", input.shipTo.city, input.shipTo.region, input.shipTo.postalCode, input.shipTo.country]);
  }
  let totalMinor = 0;
  input.lines.forEach((l, i) => {
    const ids = Object.entries(l.partnerItemIds ?? {}).filter(([q]) => ["UP", "EN", "BP", "IN", "VP", "VN", "SK", "CB"].includes(q));
    if (!ids.some(([q]) => q === "VP" || q === "VN")) ids.push(["VN", l.sku]);
    segments.push(["IT1", l.lineId ?? String(i + 1), l.quantity, "EA", formatDecimalMinor(l.unitPriceMinor, digits), "PE", ...ids.slice(0, 6).flat()]);
    totalMinor += l.quantity * l.unitPriceMinor;
  });
  segments.push(["TDS", digits <= 2 ? totalMinor * 10 ** (2 - digits) : Math.round(totalMinor / 10 ** (digits - 2))]);
  segments.push(["CTT", input.lines.length]);
  return { type: "810", segments, totalMinor };
}

/**
 * Invoice lines for a shipment: what shipped, priced from the order line it ships (by lineId,
 * else by SKU). A shipped SKU the order does not have is an error, never a zero-priced line.
 */
export function invoiceLinesOf(shipment: Shipment, order: Order): InvoiceLine[] {
  return shipment.lines.map((s) => {
    const line = (s.lineId ? order.lines.find((l) => l.lineId === s.lineId) : undefined) ?? order.lines.find((l) => l.sku === s.sku);
    if (!line) throw new Error(`shipment ${shipment.id} ships ${s.sku}, which order ${order.id} does not have`);
    return { lineId: line.lineId, sku: s.sku, quantity: s.quantity, unitPriceMinor: line.unitPrice.amountMinor, partnerItemIds: line.partnerItemIds };
  });
}

/** The invoice total of an 810 in cents (TDS01, N2). */
export function read810TotalCents(set: X12TransactionSet): number | undefined {
  const tds = segmentsOf(set, "TDS")[0];
  return tds && /^-?\d+$/.test(el(tds, 1)) ? Number(el(tds, 1)) : undefined;
}
