import type { Address, Order, OrderLine, Shipment } from "../../pipeline/model";
import type { TradingPartner } from "./partner-config";
import { shipToLocationOf } from "./x850-to-order";
import { isValidSscc } from "./sscc";
import type { OutboundSet, SegmentData } from "./write-envelope";
import { x12Date, x12Time } from "./x12-time";

export { gs1CheckDigit, isValidSscc, sscc18 } from "./sscc";

/** A shipment that cannot be described as the partner wants it (no cartons, counts that disagree). */
export class AsnInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = "AsnInputError";
  }
}

export interface Generate856Input {
  shipment: Shipment;
  poNumber: string;
  partner: TradingPartner;
  /** The order, when the pipeline has it: PO date, ship-to and the partner's item ids per line. */
  order?: Order;
  now: Date;
}

// SCAC of the carriers our shipping connectors name; anything else is sent as given.
const SCAC: Record<string, string> = {
  ups: "UPSN", fedex: "FDEG", fedex_ground: "FDEG", fedex_express: "FDE", usps: "USPS", stamps_com: "USPS", dhl: "DHLC", dhl_express: "DHLC", ontrac: "EMSY", lasership: "LASR",
};

export function scacOf(carrier: string): string {
  const key = carrier.trim().toLowerCase().replace(/[\s-]+/g, "_");
  return SCAC[key] ?? carrier.trim().toUpperCase().slice(0, 4);
}

/**
 * 856 body, hierarchy Shipment > Order > Pack > Item (BSN05 0001) when the shipment has cartons,
 * Shipment > Order > Item (0004) when it has none and the partner allows that:
 *
 *   BSN · HL S (TD1 cartons, TD5 carrier SCAC, REF BM/CN tracking, DTM 011 ship date, N1 ST/SF)
 *       · HL O (PRF PO number and date, REF IA vendor number)
 *       · HL P (MAN GM SSCC) · HL I (LIN partner item ids, SN1 quantity) … · CTT (HL count, unit hash)
 */
export function build856(input: Generate856Input): OutboundSet {
  const { shipment, partner, order } = input;
  const cartons = shipment.cartons ?? [];
  const packLevel = cartons.length > 0 && partner.asn.structure === "SOPI";
  if (!cartons.length && partner.asn.requireCartons) {
    throw new AsnInputError("cartons", `shipment ${shipment.id} has no carton SSCCs and ${partner.name} requires a pack level`);
  }
  for (const c of cartons) if (!isValidSscc(c.sscc)) throw new AsnInputError("cartons.sscc", `carton ${c.sscc} has a wrong GS1 check digit`);
  if (cartons.length) assertCartonsMatch(shipment);

  const shippedAt = new Date(shipment.shippedAt);
  const segments: SegmentData[] = [
    ["BSN", "00", shipment.id.replace(/^.*:/, "").slice(-30).padStart(2, "0"), x12Date(input.now), x12Time(input.now), packLevel ? "0001" : "0004"],
  ];
  let hl = 0;
  let units = 0;
  const open = (parent: number | undefined, level: string, hasChildren: boolean) => {
    hl++;
    segments.push(["HL", hl, parent, level, hasChildren ? "1" : "0"]);
    return hl;
  };

  const s = open(undefined, "S", true);
  segments.push(["TD1", "CTN25", Math.max(1, cartons.length)]);
  segments.push(["TD5", "B", "2", scacOf(shipment.carrier), "M", shipment.service]);
  segments.push(["REF", "BM", shipment.trackingNumber]);
  segments.push(["REF", "CN", shipment.trackingNumber]);
  segments.push(["DTM", "011", x12Date(shippedAt), x12Time(shippedAt)]);
  pushParty(segments, "ST", order?.shippingAddress, order ? shipToLocationOf(order) : undefined);
  pushParty(segments, "SF", partner.shipFrom ?? { name: shipment.node });

  const o = open(s, "O", true);
  const poDate = order?.purchaseOrder?.poDate;
  segments.push(["PRF", input.poNumber, undefined, undefined, poDate ? x12Date(new Date(poDate)) : undefined]);
  if (partner.vendorNumber) segments.push(["REF", "IA", partner.vendorNumber]);

  const item = (parent: number, sku: string, quantity: number, lineId?: string) => {
    open(parent, "I", false);
    const line = findLine(order, sku, lineId);
    segments.push(["LIN", line?.lineId ?? lineId, ...linIds(sku, line)]);
    segments.push(["SN1", undefined, quantity, "EA"]);
    units += quantity;
  };
  if (packLevel) {
    for (const c of cartons) {
      const p = open(o, "P", true);
      segments.push(["MAN", "GM", partner.asn.ssccWithApplicationIdentifier ? `00${c.sscc}` : c.sscc]);
      for (const l of c.lines) item(p, l.sku, l.quantity);
    }
  } else {
    for (const l of shipment.lines) item(o, l.sku, l.quantity, l.lineId);
  }
  segments.push(["CTT", hl, units]);
  return { type: "856", segments };
}

function assertCartonsMatch(shipment: Shipment): void {
  const sum = (rows: { sku: string; quantity: number }[]) => rows.reduce((m, r) => m.set(r.sku, (m.get(r.sku) ?? 0) + r.quantity), new Map<string, number>());
  const shipped = sum(shipment.lines);
  const packed = sum((shipment.cartons ?? []).flatMap((c) => c.lines));
  for (const sku of new Set([...shipped.keys(), ...packed.keys()])) {
    if ((shipped.get(sku) ?? 0) !== (packed.get(sku) ?? 0)) {
      throw new AsnInputError("cartons.lines", `SKU ${sku}: ${shipped.get(sku) ?? 0} shipped but ${packed.get(sku) ?? 0} packed in cartons`);
    }
  }
}

function findLine(order: Order | undefined, sku: string, lineId?: string): OrderLine | undefined {
  if (!order) return undefined;
  return (lineId ? order.lines.find((l) => l.lineId === lineId) : undefined) ?? order.lines.find((l) => l.sku === sku);
}

// The buyer matches ASN items by its own ids (UPC, buyer part), so those come first.
function linIds(sku: string, line: OrderLine | undefined): string[] {
  const ids = Object.entries(line?.partnerItemIds ?? {}).filter(([q]) => ["UP", "EN", "BP", "IN", "VP", "VN", "SK", "CB"].includes(q));
  if (!ids.some(([q]) => q === "VP" || q === "VN")) ids.push(["VN", sku]);
  return ids.slice(0, 6).flat();
}

function pushParty(segments: SegmentData[], code: string, a: Address | undefined, location?: { qualifier: string; code: string }): void {
  if (!a && !location) return;
  segments.push(["N1", code, a?.name ?? a?.company ?? code, location?.qualifier, location?.code]);
  if (!a) return;
  if (a.line1) segments.push(["N3", a.line1, a.line2]);
  if (a.city || a.region || a.postalCode) segments.push(["N4", a.city, a.region, a.postalCode, a.country]);
}
