import type { ControlNumberAllocator } from "../control-numbers";
import { renderSegment, writeInterchange, type EnvelopeParties, type SegmentData } from "../write-envelope";
import { x12Date } from "../x12-time";

/** A purchase order as the sandbox retailer writes it. */
export interface SandboxPurchaseOrder {
  poNumber: string;
  /** ISO; default: the sandbox clock. */
  poDate?: string;
  currency?: string;
  shipTo?: { name: string; locationCode?: string; line1?: string; city?: string; region?: string; postalCode?: string; country?: string };
  requestedDeliveryDate?: string;
  cancelAfterDate?: string;
  lines: {
    /** Our SKU, sent as the vendor part number (VN). */
    sku: string;
    quantity: number;
    /** Decimal as the retailer prices it, e.g. "24.00". */
    unitPrice: string;
    buyerPart?: string;
    upc?: string;
    description?: string;
  }[];
}

/** Deliberate defects the retailer can put in an 850. */
export type Sandbox850Fault = "duplicate_interchange" | "broken_envelope" | "invalid_element";

/**
 * Writes an 850 interchange from the retailer to us. "invalid_element" leaves PO102 (quantity) out
 * of the first line; "broken_envelope" makes IEA02 disagree with ISA13. "duplicate_interchange"
 * changes nothing here: the sender posts the same bytes twice.
 */
export async function build850(po: SandboxPurchaseOrder, o: { parties: EnvelopeParties; controlNumbers: ControlNumberAllocator; now: Date; fault?: Sandbox850Fault }): Promise<{ text: string; isa13: string; gs06: string; st02: string }> {
  const poDate = po.poDate ? new Date(po.poDate) : o.now;
  const segs: SegmentData[] = [["BEG", "00", "SA", po.poNumber, undefined, x12Date(poDate)]];
  if (po.currency && po.currency !== "USD") segs.push(["CUR", "BY", po.currency]);
  if (po.requestedDeliveryDate) segs.push(["DTM", "002", x12Date(new Date(po.requestedDeliveryDate))]);
  if (po.cancelAfterDate) segs.push(["DTM", "001", x12Date(new Date(po.cancelAfterDate))]);
  const st = po.shipTo ?? { name: "SANDBOX DC 6094", locationCode: "6094", line1: "1 Warehouse Way", city: "Columbus", region: "OH", postalCode: "43004", country: "US" };
  segs.push(["N1", "ST", st.name, st.locationCode ? "92" : undefined, st.locationCode]);
  if (st.line1) segs.push(["N3", st.line1]);
  if (st.city) segs.push(["N4", st.city, st.region, st.postalCode, st.country]);
  po.lines.forEach((l, i) => {
    const ids = [["VN", l.sku], ...(l.buyerPart ? [["BP", l.buyerPart]] : []), ...(l.upc ? [["UP", l.upc]] : [])].flat();
    const qty = o.fault === "invalid_element" && i === 0 ? undefined : l.quantity;
    segs.push(["PO1", String(i + 1), qty, "EA", l.unitPrice, "PE", ...ids]);
    if (l.description) segs.push(["PID", "F", undefined, undefined, undefined, l.description]);
  });
  segs.push(["CTT", po.lines.length]);
  const written = await writeInterchange({ parties: o.parties, functionalId: "PO", sets: [{ type: "850", segments: segs }], controlNumbers: o.controlNumbers, now: o.now });
  let text = written.text;
  if (o.fault === "broken_envelope") {
    const d = o.parties.delimiters;
    const good = renderSegment(["IEA", 1, written.isa13], d);
    const wrong = String((Number(written.isa13) % 999_999_999) + 1).padStart(9, "0");
    text = text.slice(0, text.length - good.length) + renderSegment(["IEA", 1, wrong], d);
  }
  return { text, isa13: written.isa13, gs06: written.gs06!, st02: written.st02[0]! };
}
