import { Order, toMinorUnits, type Address, type OrderLine } from "../../pipeline/model";
import { el, type X12Segment, type X12TransactionSet } from "./parse-interchange";
import { parseX12DateTime } from "./x12-time";

/** An 850 that is syntactically sound but cannot become an order (unknown item, bad count). */
export class X850MappingError extends Error {
  constructor(readonly field: string, message: string, readonly poNumber?: string) {
    super(message);
    this.name = "X850MappingError";
  }
}

export interface X850Context {
  partnerId: string;
  /** For the customer when the PO names no buying party. */
  partnerName?: string;
  currency?: string;
  /** Partner item ids to our SKUs: "BP:0459001004" (qualifier:id) or a bare id. */
  itemMap?: Record<string, string>;
  /** ISA09/ISA10 as ISO, used when BEG05 is unusable. */
  receivedAt?: string;
}

/** BEG01 purpose: 01 cancels the PO; everything else creates (or replaces) it. */
export function poPurpose(set: X12TransactionSet): "original" | "cancellation" | "replace" | "other" {
  const code = el(set.segments.find((s) => s.tag === "BEG"), 1);
  return code === "00" ? "original" : code === "01" ? "cancellation" : code === "05" ? "replace" : "other";
}

/** The canonical id of an EDI order: "edi:<partnerId>:<PO number>". */
export function ediOrderId(partnerId: string, poNumber: string): string {
  return `edi:${partnerId}:${poNumber}`;
}

/** Splits "edi:<partnerId>:<PO>" back; undefined for orders from any other channel. */
export function parseEdiOrderId(orderId: string): { partnerId: string; poNumber: string } | undefined {
  const m = /^edi:([a-z0-9][a-z0-9-]*):(.+)$/.exec(orderId);
  return m ? { partnerId: m[1]!, poNumber: m[2]! } : undefined;
}

// Qualifiers whose ids name our own product: the canonical SKU comes from them.
const VENDOR_PART = ["VP", "VN"];

/**
 * An 850 transaction set → canonical Order. Reads BEG (PO number, date), CUR, REF DP/IA, PER,
 * header DTM, the N1 loops (ST ship-to, BT bill-to, BY buyer) with N2/N3/N4, PO1 with PID, and
 * checks CTT01 against the number of PO1 lines.
 *
 * DTM qualifiers (X12 374): 002 delivery requested, 010 requested ship, 037 ship not before,
 * 001 cancel after, 038 ship no later, 063 do not deliver after. 037 is the start of the ship
 * window, not a cancel date; the cancel date is the first of 001, 038, 063.
 */
export function x850ToOrder(set: X12TransactionSet, ctx: X850Context): Order {
  if (set.type !== "850") throw new X850MappingError("ST01", `transaction set ${set.type} is not an 850`);
  const beg = set.segments.find((s) => s.tag === "BEG");
  const poNumber = el(beg, 3);
  if (!poNumber) throw new X850MappingError("BEG03", "the 850 has no PO number (BEG03)");
  const fail = (field: string, message: string) => new X850MappingError(field, `PO ${poNumber}: ${message}`, poNumber);

  const currency = el(set.segments.find((s) => s.tag === "CUR"), 2) || ctx.currency || "USD";
  const poDate = parseX12DateTime(el(beg, 5));
  const firstLine = set.segments.findIndex((s) => s.tag === "PO1");
  const header = set.segments.slice(0, firstLine < 0 ? undefined : firstLine);

  const dates = new Map<string, string>();
  for (const dtm of header.filter((s) => s.tag === "DTM")) {
    const at = parseX12DateTime(el(dtm, 2), el(dtm, 3) || undefined);
    if (at && !dates.has(el(dtm, 1))) dates.set(el(dtm, 1), at);
  }
  // Line-level delivery dates (PGW Glass) stand in for a header date when the header has none.
  if (!dates.has("002")) {
    const lineDates = set.segments.filter((s, i) => i > firstLine && s.tag === "DTM" && el(s, 1) === "002").map((s) => parseX12DateTime(el(s, 2))).filter((x): x is string => !!x).sort();
    if (lineDates[0]) dates.set("002", lineDates[0]);
  }

  const parties = readParties(header);
  const per = header.find((s) => s.tag === "PER");
  const contact = per ? readContact(per) : {};
  const refs = new Map(header.filter((s) => s.tag === "REF").map((s) => [el(s, 1), el(s, 2)]));

  const lines: OrderLine[] = [];
  set.segments.forEach((seg, i) => {
    if (seg.tag !== "PO1") return;
    lines.push(readLine(seg, set.segments, i, lines.length, currency, ctx, fail));
  });
  if (!lines.length) throw fail("PO1", "the 850 has no PO1 lines");

  const ctt = set.segments.find((s) => s.tag === "CTT");
  if (ctt && Number(el(ctt, 1)) !== lines.length) throw fail("CTT01", `CTT01 says ${Number(el(ctt, 1))} line(s) but the PO has ${lines.length}`);

  const subtotal = lines.reduce((sum, l) => sum + l.unitPrice.amountMinor * l.quantity, 0);
  const zero = { amountMinor: 0, currency };
  const createdAt = poDate ?? ctx.receivedAt;
  if (!createdAt) throw fail("BEG05", `BEG05 ${JSON.stringify(el(beg, 5))} is not a date`);
  const buyer = parties.get("BY");
  const purpose = poPurpose(set);

  return Order.parse({
    id: ediOrderId(ctx.partnerId, poNumber),
    channel: "edi",
    orderNumber: poNumber,
    channelOrderId: `${ctx.partnerId}:${poNumber}`,
    createdAt,
    status: purpose === "cancellation" ? "cancelled" : "open",
    currency,
    customer: {
      company: buyer?.name || ctx.partnerName || ctx.partnerId,
      ...contact,
      ...(buyer ? { defaultAddress: buyer.address } : {}),
      externalIds: { "edi-x12": ctx.partnerId },
    },
    shippingAddress: parties.get("ST")?.address,
    billingAddress: parties.get("BT")?.address,
    lines,
    totals: { subtotal: { amountMinor: subtotal, currency }, discounts: zero, shipping: zero, tax: zero, total: { amountMinor: subtotal, currency } },
    purchaseOrder: {
      poNumber,
      partnerId: ctx.partnerId,
      poDate,
      requestedDeliveryDate: dates.get("002"),
      requestedShipDate: dates.get("010") ?? dates.get("037"),
      cancelAfterDate: dates.get("001") ?? dates.get("038") ?? dates.get("063"),
      departmentNumber: refs.get("DP") || undefined,
      vendorNumber: refs.get("IA") || refs.get("VR") || undefined,
    },
    tags: ["edi", `edi-partner:${ctx.partnerId}`, `po-type:${el(beg, 2)}`, `po-purpose:${purpose}`, ...shipToTag(parties.get("ST"))],
    externalIds: { "edi-x12": poNumber },
  });
}

function readLine(
  seg: X12Segment,
  all: X12Segment[],
  index: number,
  n: number,
  currency: string,
  ctx: X850Context,
  fail: (field: string, message: string) => X850MappingError,
): OrderLine {
  const lineId = el(seg, 1) || String(n + 1);
  const qtyText = el(seg, 2);
  if (!/^\d+(\.0*)?$/.test(qtyText) || Number(qtyText) <= 0) throw fail("PO102", `line ${lineId}: quantity ${JSON.stringify(qtyText)} is not a positive whole number`);
  const priceText = el(seg, 4);
  let unitPrice = 0;
  try {
    unitPrice = priceText ? toMinorUnits(priceText, currency) : 0;
  } catch {
    throw fail("PO104", `line ${lineId}: unit price ${JSON.stringify(priceText)} is not a number`);
  }
  const ids: Record<string, string> = {};
  for (let i = 6; i + 1 < seg.elements.length; i += 2) {
    const [q, v] = [el(seg, i), el(seg, i + 1)];
    if (q && v && !(q in ids)) ids[q] = v;
  }
  const sku = resolveSku(ids, ctx.itemMap ?? {});
  if (!sku) {
    throw fail("PO107", `line ${lineId}: no SKU for ${Object.entries(ids).map(([q, v]) => `${q} ${v}`).join(", ") || "a line without item ids"}: add a vendor part number (VP/VN) or an item map entry`);
  }
  // PID*F describes the line it follows, until the next PO1.
  let title: string | undefined;
  for (let j = index + 1; j < all.length && all[j]!.tag !== "PO1" && all[j]!.tag !== "CTT"; j++) {
    if (all[j]!.tag === "PID" && el(all[j], 1) === "F" && el(all[j], 5)) {
      title = el(all[j], 5);
      break;
    }
  }
  return {
    lineId,
    sku,
    title,
    quantity: Number(qtyText),
    unitPrice: { amountMinor: unitPrice, currency },
    taxes: [],
    partnerItemIds: ids,
    requiresShipping: true,
  };
}

/** Item map first (an explicit mapping beats a guess), then the vendor part number. */
export function resolveSku(ids: Record<string, string>, itemMap: Record<string, string>): string | undefined {
  for (const [q, v] of Object.entries(ids)) {
    const mapped = itemMap[`${q}:${v}`] ?? itemMap[v];
    if (mapped) return mapped;
  }
  for (const q of VENDOR_PART) if (ids[q]) return ids[q];
  return undefined;
}

interface Party {
  name: string;
  address: Address;
  /** N103/N104: the partner's own code for the location (a DC or store number). */
  location?: { qualifier: string; code: string };
}

function readParties(header: X12Segment[]): Map<string, Party> {
  const out = new Map<string, Party>();
  let current: (Party & { code: string }) | undefined;
  const flush = () => {
    if (current && !out.has(current.code)) out.set(current.code, { name: current.name, address: current.address, location: current.location });
  };
  for (const s of header) {
    if (s.tag === "N1") {
      flush();
      const name = el(s, 2);
      current = { code: el(s, 1), name, address: { ...(name ? { name } : {}) }, location: el(s, 3) && el(s, 4) ? { qualifier: el(s, 3), code: el(s, 4) } : undefined };
    } else if (!current) continue;
    else if (s.tag === "N2") current.address.company = el(s, 1) || undefined;
    else if (s.tag === "N3") Object.assign(current.address, { line1: el(s, 1) || undefined, line2: el(s, 2) || undefined });
    else if (s.tag === "N4") Object.assign(current.address, { city: el(s, 1) || undefined, region: el(s, 2) || undefined, postalCode: el(s, 3) || undefined, country: el(s, 4) || undefined });
    else if (s.tag === "PER") {
      const c = readContact(s);
      if (c.phone) current.address.phone = c.phone;
    } else if (!["REF", "DTM", "FOB", "TD5", "TD1"].includes(s.tag)) {
      flush();
      current = undefined;
    }
  }
  flush();
  for (const v of out.values()) for (const k of Object.keys(v.address) as (keyof Address)[]) if (v.address[k] === undefined) delete v.address[k];
  return out;
}

/**
 * The ship-to location code has no field in the canonical address, yet retailers route ASNs by it
 * (N1*ST*…*92*6094): it travels as the tag "edi-ship-to:<qualifier>:<code>" for the 856 and 810.
 */
function shipToTag(party: Party | undefined): string[] {
  return party?.location ? [`${SHIP_TO_TAG}${party.location.qualifier}:${party.location.code}`] : [];
}

export const SHIP_TO_TAG = "edi-ship-to:";

/** The ship-to location code an order carries (see shipToTag). */
export function shipToLocationOf(order: { tags: string[] }): { qualifier: string; code: string } | undefined {
  const tag = order.tags.find((t) => t.startsWith(SHIP_TO_TAG));
  if (!tag) return undefined;
  const [qualifier, ...code] = tag.slice(SHIP_TO_TAG.length).split(":");
  return qualifier && code.length ? { qualifier, code: code.join(":") } : undefined;
}

/** PER: a name, then communication number pairs (TE phone, EM email, FX fax). */
function readContact(per: X12Segment): { email?: string; phone?: string; firstName?: string; lastName?: string } {
  const out: { email?: string; phone?: string; firstName?: string; lastName?: string } = {};
  for (let i = 3; i + 1 < per.elements.length; i += 2) {
    const [q, v] = [el(per, i), el(per, i + 1)];
    if (q === "EM" && v && !out.email) out.email = v;
    if (q === "TE" && v && !out.phone) out.phone = v;
  }
  return out;
}
