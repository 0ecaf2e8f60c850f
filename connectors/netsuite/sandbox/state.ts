import { fromMinorUnits, toMinorUnits } from "../../../pipeline/model";
import type { SandboxSeed } from "../../sdk/sandbox-kit";
import { invalidReference, notFound, NsError, userError } from "./faults";

/**
 * The sandbox's own system of record: items, locations, stock per item and location, customers
 * and transactions, with NetSuite's inventory effects. A sales order commits available stock at
 * its lines' location (the rest is back-ordered); closing a line releases its commitment; an item
 * fulfillment takes units off hand and out of committed; an item receipt on a return puts units
 * back on hand. `lastQtyAvailableChange` moves only when available does, as in NetSuite.
 */

export type TxType = "salesOrder" | "itemFulfillment" | "returnAuthorization" | "itemReceipt" | "creditMemo";
export type RecordType = TxType | "customer";

const RECORD_TYPES: Record<string, RecordType> = {
  salesorder: "salesOrder",
  itemfulfillment: "itemFulfillment",
  returnauthorization: "returnAuthorization",
  itemreceipt: "itemReceipt",
  creditmemo: "creditMemo",
  customer: "customer",
};

/** transaction.type in SuiteQL. */
export const SUITEQL_TYPE: Record<TxType, string> = {
  salesOrder: "SalesOrd",
  itemFulfillment: "ItemShip",
  returnAuthorization: "RtnAuth",
  itemReceipt: "ItemRcpt",
  creditMemo: "CustCred",
};

export interface NsItem {
  id: string;
  itemid: string;
  displayname: string;
  itemtype: "InvtPart" | "Discount" | "ShipItem" | "OthCharge";
}
export interface NsLocation {
  id: string;
  name: string;
}
export interface StockRow {
  itemId: string;
  locationId: string;
  onHand: number;
  committed: number;
  /** Epoch ms of the last change to available (onHand − committed). */
  lastQtyAvailableChange: number;
}
export interface TxLine {
  line: number;
  itemId: string;
  quantity: number;
  amountMinor: number;
  rateMinor?: number;
  locationId?: string;
  description?: string;
  /** The source transaction's line this one came from (transforms). */
  orderLine?: number;
  quantityFulfilled: number;
  quantityCommitted: number;
  quantityReceived: number;
  isClosed: boolean;
}
export interface Tx {
  id: string;
  type: TxType;
  tranId: string;
  externalId?: string;
  entityId?: string;
  createdFromId?: string;
  tranDate: string;
  otherRefNum?: string;
  memo?: string;
  locationId?: string;
  status: string;
  lines: TxLine[];
  shippingCostMinor: number;
  discountMinor: number;
  createdMs: number;
  lastModifiedMs: number;
  extra: Record<string, unknown>;
}
export interface NsCustomer {
  id: string;
  externalId?: string;
  isPerson: boolean;
  firstName?: string;
  lastName?: string;
  companyName?: string;
  email?: string;
  phone?: string;
  subsidiaryId?: string;
  lastModifiedMs: number;
}
export interface AsyncJob {
  id: string;
  idempotencyKey?: string;
  submittedMs: number;
  readyMs: number;
  outcome: { ok: true; location: string } | { ok: false; error: NsError };
}

/** The internal ids a test or a connector instance needs to configure itself against the sandbox. */
export interface SandboxIds {
  subsidiaryId: string;
  customerId: string;
  discountItemId: string;
  shipMethodId: string;
  taxItemId: string;
  refundAdjustmentItemId: string;
  items: Record<string, string>;
  locations: Record<string, string>;
}

export type Rejection = (key: string | undefined) => { field: string; message: string } | undefined;

export function normalizeRecordType(raw: string): RecordType {
  const t = RECORD_TYPES[raw.toLowerCase()];
  if (!t) throw new NsError(404, "INVALID_RCRD_TYPE", `Record type '${raw}' does not exist or is not supported by the sandbox.`);
  return t;
}

/** Case-insensitive field access: NetSuite matches field names regardless of case. */
export function field(obj: unknown, name: string): any {
  if (!obj || typeof obj !== "object") return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** A reference as NetSuite accepts it: `{ id }`, `"6"` or `6`. */
export function refId(v: unknown): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "object") return refId(field(v, "id"));
  return String(v);
}

const padDate = (s: string) => s.replace(/^(\d{4})-(\d{1,2})-(\d{1,2})$/, (_, y, m, d) => `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}`);

export class NetSuiteState {
  readonly currency: string;
  readonly items = new Map<string, NsItem>();
  readonly locations = new Map<string, NsLocation>();
  readonly stock = new Map<string, StockRow>();
  readonly transactions = new Map<string, Tx>();
  readonly customers = new Map<string, NsCustomer>();
  readonly jobs = new Map<string, AsyncJob>();
  readonly adjustments: { at: string; sku: string; location: string; delta: number; reason: string }[] = [];
  ids!: SandboxIds;
  private nextTxId = 1000;
  private nextCustomerId = 200;
  private nextJobId = 1;
  private tranSeq = 0;

  constructor(private readonly seed: SandboxSeed, readonly now: () => number = Date.now) {
    this.currency = seed.currency;
    this.load();
  }

  reset(): void {
    for (const m of [this.items, this.locations, this.stock, this.transactions, this.customers, this.jobs]) m.clear();
    this.adjustments.length = 0;
    this.nextTxId = 1000;
    this.nextCustomerId = 200;
    this.nextJobId = 1;
    this.tranSeq = 0;
    this.load();
  }

  private load(): void {
    const t = this.now();
    const locationNames = Object.keys(this.seed.stock ?? {}).length ? Object.keys(this.seed.stock!) : ["main"];
    locationNames.forEach((name, i) => this.locations.set(String(i + 1), { id: String(i + 1), name }));
    this.seed.catalog.forEach((p, i) => {
      const id = String(101 + i);
      this.items.set(id, { id, itemid: p.sku, displayname: p.title, itemtype: "InvtPart" });
    });
    const special: [string, string, NsItem["itemtype"]][] = [
      ["901", "Channel Discount", "Discount"],
      ["902", "Channel Shipping", "ShipItem"],
      ["903", "Channel Tax", "OthCharge"],
      ["904", "Refund Adjustment", "OthCharge"],
    ];
    for (const [id, name, itemtype] of special) this.items.set(id, { id, itemid: name, displayname: name, itemtype });
    for (const item of this.items.values()) {
      if (item.itemtype !== "InvtPart") continue;
      for (const loc of this.locations.values()) {
        const onHand = this.seed.stock?.[loc.name]?.[item.itemid] ?? 0;
        this.stock.set(`${item.id}:${loc.id}`, { itemId: item.id, locationId: loc.id, onHand, committed: 0, lastQtyAvailableChange: t });
      }
    }
    this.customers.set("110", { id: "110", isPerson: false, companyName: "Anonymous Customer", lastModifiedMs: t });
    this.ids = {
      subsidiaryId: "1",
      customerId: "110",
      discountItemId: "901",
      shipMethodId: "902",
      taxItemId: "903",
      refundAdjustmentItemId: "904",
      items: Object.fromEntries([...this.items.values()].filter((i) => i.itemtype === "InvtPart").map((i) => [i.itemid, i.id])),
      locations: Object.fromEntries([...this.locations.values()].map((l) => [l.name, l.id])),
    };
  }

  get defaultLocationId(): string {
    return this.locations.keys().next().value!;
  }

  itemBySku(sku: string): NsItem | undefined {
    return [...this.items.values()].find((i) => i.itemid === sku);
  }

  locationByKey(key: string): NsLocation | undefined {
    return this.locations.get(key) ?? [...this.locations.values()].find((l) => l.name === key);
  }

  stockRow(itemId: string, locationId: string): StockRow {
    const key = `${itemId}:${locationId}`;
    let row = this.stock.get(key);
    if (!row) this.stock.set(key, (row = { itemId, locationId, onHand: 0, committed: 0, lastQtyAvailableChange: this.now() }));
    return row;
  }

  /** Available before the current operation, per touched row; see `operation`. */
  private pending: Map<StockRow, number> | undefined;

  /**
   * Runs one NetSuite operation. The stamp is compared once at the end, so an update that
   * releases and re-commits the same units does not look like a stock change.
   */
  private operation<T>(fn: () => T): T {
    if (this.pending) return fn();
    this.pending = new Map();
    try {
      return fn();
    } finally {
      for (const [row, before] of this.pending) if (row.onHand - row.committed !== before) row.lastQtyAvailableChange = Math.max(this.now(), row.lastQtyAvailableChange);
      this.pending = undefined;
    }
  }

  private moveStock(itemId: string, locationId: string, dOnHand: number, dCommitted: number): void {
    if (this.items.get(itemId)?.itemtype !== "InvtPart") return;
    this.operation(() => {
      const row = this.stockRow(itemId, locationId);
      if (!this.pending!.has(row)) this.pending!.set(row, row.onHand - row.committed);
      row.onHand += dOnHand;
      row.committed += dCommitted;
    });
  }

  /** A stock change made in the ERP itself (cycle count, receipt, damage). */
  adjustInventory(sku: string, location: string, delta: number, reason: string): StockRow {
    return this.operation(() => this.adjustInventoryNow(sku, location, delta, reason));
  }

  private adjustInventoryNow(sku: string, location: string, delta: number, reason: string): StockRow {
    const item = this.itemBySku(sku);
    if (!item) throw invalidReference("item", sku, "item");
    const loc = this.locationByKey(location);
    if (!loc) throw invalidReference("location", location, "location");
    this.moveStock(item.id, loc.id, delta, 0);
    this.adjustments.push({ at: new Date(this.now()).toISOString(), sku, location: loc.name, delta, reason });
    return this.stockRow(item.id, loc.id);
  }


  upsertCustomer(externalId: string, body: unknown): { id: string; created: boolean } {
    const existing = [...this.customers.values()].find((c) => c.externalId === externalId);
    const isPerson = (field(body, "isPerson") ?? existing?.isPerson ?? false) === true;
    const next: NsCustomer = {
      id: existing?.id ?? String(this.nextCustomerId),
      externalId,
      isPerson,
      firstName: field(body, "firstName") ?? existing?.firstName,
      lastName: field(body, "lastName") ?? existing?.lastName,
      companyName: field(body, "companyName") ?? existing?.companyName,
      email: field(body, "email") ?? existing?.email,
      phone: field(body, "phone") ?? existing?.phone,
      subsidiaryId: refId(field(body, "subsidiary")) ?? existing?.subsidiaryId,
      lastModifiedMs: this.now(),
    };
    const missing = isPerson ? [!next.firstName && "First Name", !next.lastName && "Last Name"].filter(Boolean) : [!next.companyName && "Company Name"].filter(Boolean);
    if (missing.length) throw userError(`Please enter value(s) for: ${missing.join(", ")}.`);
    if (next.subsidiaryId && next.subsidiaryId !== this.ids.subsidiaryId) throw invalidReference("subsidiary", next.subsidiaryId, "subsidiary");
    if (!existing) this.nextCustomerId++;
    this.customers.set(next.id, next);
    return { id: next.id, created: !existing };
  }

  find(type: RecordType, key: string): Tx | NsCustomer | undefined {
    const eid = key.startsWith("eid:") ? key.slice(4) : undefined;
    if (type === "customer") return eid ? [...this.customers.values()].find((c) => c.externalId === eid) : this.customers.get(key);
    const tx = eid ? [...this.transactions.values()].find((t) => t.type === type && t.externalId === eid) : this.transactions.get(key);
    return tx?.type === type ? tx : undefined;
  }

  getTx(type: TxType, key: string): Tx {
    const tx = this.find(type, key) as Tx | undefined;
    if (!tx) throw notFound(type, key);
    return tx;
  }

  private newTx(type: TxType, init: Partial<Tx>): Tx {
    const t = this.now();
    const tx: Tx = {
      id: String(this.nextTxId++),
      type,
      tranId: String(++this.tranSeq),
      tranDate: new Date(t).toISOString().slice(0, 10),
      status: "A",
      lines: [],
      shippingCostMinor: 0,
      discountMinor: 0,
      createdMs: t,
      lastModifiedMs: t,
      extra: {},
      ...init,
    };
    if (tx.externalId && this.find(type, `eid:${tx.externalId}`)) throw userError("This record already exists.", "externalId");
    this.transactions.set(tx.id, tx);
    return tx;
  }

  private money(v: unknown, path: string): number {
    if (typeof v !== "number" && !(typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v))) throw new NsError(400, "INVALID_CONTENT", `Error while accessing resource: Invalid number value: ${JSON.stringify(v)}`, path);
    return toMinorUnits(typeof v === "number" ? String(v) : v, this.currency);
  }

  private lineLocation(tx: Tx, line: TxLine): string {
    return line.locationId ?? tx.locationId ?? this.defaultLocationId;
  }

  private commit(tx: Tx): void {
    for (const l of tx.lines) {
      if (l.isClosed || this.items.get(l.itemId)?.itemtype !== "InvtPart") continue;
      const loc = this.lineLocation(tx, l);
      const row = this.stockRow(l.itemId, loc);
      const want = Math.max(0, l.quantity - l.quantityFulfilled) - l.quantityCommitted;
      const take = want > 0 ? Math.min(want, Math.max(0, row.onHand - row.committed)) : want;
      if (take !== 0) {
        this.moveStock(l.itemId, loc, 0, take);
        l.quantityCommitted += take;
      }
    }
  }

  private release(tx: Tx, line: TxLine): void {
    if (line.quantityCommitted) this.moveStock(line.itemId, this.lineLocation(tx, line), 0, -line.quantityCommitted);
    line.quantityCommitted = 0;
  }

  private salesOrderStatus(tx: Tx): string {
    const open = tx.lines.filter((l) => !l.isClosed);
    if (!open.length) return "H";
    const fulfilled = tx.lines.reduce((a, l) => a + l.quantityFulfilled, 0);
    if (fulfilled === 0) return "B";
    return open.every((l) => l.quantityFulfilled >= l.quantity) ? "F" : "D";
  }

  total(tx: Tx): number {
    return tx.lines.reduce((a, l) => a + l.amountMinor, 0) + tx.shippingCostMinor + tx.discountMinor;
  }

  private parseSalesOrderLines(body: unknown, headerLocation: string | undefined, reject: Rejection): TxLine[] {
    const items = field(field(body, "item"), "items");
    if (!Array.isArray(items) || items.length === 0) throw userError("You must enter at least one line item for this transaction.", "item");
    return items.map((l: unknown, i: number) => {
      const itemId = refId(field(l, "item"));
      const item = itemId ? this.items.get(itemId) : undefined;
      if (!item) throw invalidReference("item", String(itemId ?? ""), `item.items[${i}].item`);
      const rejected = reject(item.itemid);
      if (rejected) throw userError(rejected.message, `item.items[${i}].${rejected.field}`);
      const quantity = Number(field(l, "quantity") ?? 1);
      if (!(quantity > 0)) throw userError("Quantity must be greater than zero.", `item.items[${i}].quantity`);
      const rateRaw = field(l, "rate");
      const rateMinor = rateRaw === undefined ? undefined : this.money(rateRaw, `item.items[${i}].rate`);
      const amountRaw = field(l, "amount");
      const amountMinor = amountRaw !== undefined ? this.money(amountRaw, `item.items[${i}].amount`) : Math.round((rateMinor ?? 0) * quantity);
      const locationId = refId(field(l, "location")) ?? headerLocation;
      if (locationId && !this.locations.has(locationId)) throw invalidReference("location", locationId, `item.items[${i}].location`);
      return { line: i + 1, itemId: item.id, quantity, amountMinor, rateMinor, locationId, description: field(l, "description"), quantityFulfilled: 0, quantityCommitted: 0, quantityReceived: 0, isClosed: false };
    });
  }

  /** PUT record/v1/salesOrder/eid:{externalId}: create, or update in place. */
  upsertSalesOrder(externalId: string, body: unknown, opts: { replaceItem: boolean; reject: Rejection }): { tx: Tx; created: boolean } {
    return this.operation(() => this.upsertSalesOrderNow(externalId, body, opts));
  }

  private upsertSalesOrderNow(externalId: string, body: unknown, opts: { replaceItem: boolean; reject: Rejection }): { tx: Tx; created: boolean } {
    const entityId = refId(field(body, "entity"));
    if (!entityId || !this.customers.has(entityId)) throw invalidReference("entity", String(entityId ?? ""), "entity");
    const locationId = refId(field(body, "location"));
    if (locationId && !this.locations.has(locationId)) throw invalidReference("location", locationId, "location");
    const otherRefNum = field(body, "otherRefNum") as string | undefined;
    const rejected = opts.reject(otherRefNum);
    if (rejected) throw userError(rejected.message, rejected.field);
    const discountItem = refId(field(body, "discountItem"));
    if (discountItem && this.items.get(discountItem)?.itemtype !== "Discount") throw invalidReference("discountItem", discountItem, "discountItem");
    const shipMethod = refId(field(body, "shipMethod"));
    if (shipMethod && this.items.get(shipMethod)?.itemtype !== "ShipItem") throw invalidReference("shipMethod", shipMethod, "shipMethod");
    const lines = this.parseSalesOrderLines(body, locationId, opts.reject);
    const header = {
      entityId,
      locationId,
      otherRefNum,
      memo: field(body, "memo") as string | undefined,
      tranDate: padDate(String(field(body, "tranDate") ?? new Date(this.now()).toISOString().slice(0, 10))),
      shippingCostMinor: field(body, "shippingCost") === undefined ? 0 : this.money(field(body, "shippingCost"), "shippingCost"),
      discountMinor: field(body, "discountRate") === undefined ? 0 : this.money(field(body, "discountRate"), "discountRate"),
      extra: { shippingAddress: field(body, "shippingAddress"), billingAddress: field(body, "billingAddress"), shipMethod, discountItem },
    };
    const existing = this.find("salesOrder", `eid:${externalId}`) as Tx | undefined;
    if (!existing) {
      const tx = this.newTx("salesOrder", { externalId, ...header, lines });
      this.commit(tx);
      tx.status = this.salesOrderStatus(tx);
      return { tx, created: true };
    }
    for (const l of existing.lines) this.release(existing, l);
    if (opts.replaceItem) {
      // Fulfilled units stay with the item they were shipped for.
      const shipped = new Map<string, number>();
      for (const l of existing.lines) shipped.set(l.itemId, (shipped.get(l.itemId) ?? 0) + l.quantityFulfilled);
      for (const l of lines) {
        const s = shipped.get(l.itemId) ?? 0;
        l.quantityFulfilled = Math.min(s, l.quantity);
        shipped.set(l.itemId, s - l.quantityFulfilled);
      }
      const stranded = [...shipped].find(([, n]) => n > 0);
      if (stranded) {
        this.commit(existing);
        throw userError(`You cannot remove or reduce item ${this.items.get(stranded[0])?.itemid} below its fulfilled quantity.`, "item");
      }
      existing.lines = lines;
    } else {
      existing.lines.push(...lines.map((l, i) => ({ ...l, line: existing.lines.length + i + 1 })));
    }
    Object.assign(existing, header, { lastModifiedMs: this.now() });
    this.commit(existing);
    existing.status = this.salesOrderStatus(existing);
    return { tx: existing, created: false };
  }

  /** PATCH record/v1/salesOrder/{id}: header memo and line closing, lines keyed by `line`. */
  patchSalesOrder(key: string, body: unknown): Tx {
    return this.operation(() => this.patchSalesOrderNow(key, body));
  }

  private patchSalesOrderNow(key: string, body: unknown): Tx {
    const tx = this.getTx("salesOrder", key);
    const memo = field(body, "memo");
    if (typeof memo === "string") tx.memo = memo;
    const items = field(field(body, "item"), "items");
    if (Array.isArray(items)) {
      items.forEach((patch: unknown, i: number) => {
        const lineNo = Number(field(patch, "line"));
        const line = tx.lines.find((l) => l.line === lineNo);
        if (!line) throw invalidReference("line", String(field(patch, "line")), `item.items[${i}].line`);
        const closed = field(patch, "isClosed");
        if (typeof closed === "boolean" && closed !== line.isClosed) {
          line.isClosed = closed;
          if (closed) this.release(tx, line);
        }
      });
      this.commit(tx);
    }
    tx.status = this.salesOrderStatus(tx);
    tx.lastModifiedMs = this.now();
    return tx;
  }

  /** POST record/v1/{from}/{id}/!transform/{to}. Lines the body does not name are taken whole, as in NetSuite. */
  transform(fromRaw: string, fromKey: string, toRaw: string, body: unknown, opts: { replace?: string }): Tx {
    return this.operation(() => this.transformNow(fromRaw, fromKey, toRaw, body, opts));
  }

  private transformNow(fromRaw: string, fromKey: string, toRaw: string, body: unknown, opts: { replace?: string }): Tx {
    const from = normalizeRecordType(fromRaw);
    const to = normalizeRecordType(toRaw);
    const pair = `${from}>${to}`;
    if (from === "customer" || to === "customer") throw new NsError(400, "INVALID_TRANSFORM", `Transformation from ${fromRaw} to ${toRaw} is not supported.`);
    const source = this.getTx(from, fromKey);
    const externalId = field(body, "externalId") as string | undefined;
    const memo = field(body, "memo") as string | undefined;
    const tranDate = field(body, "tranDate") ? padDate(String(field(body, "tranDate"))) : undefined;
    const bodyLines: unknown[] = field(field(body, "item"), "items") ?? [];
    const byOrderLine = new Map<number, unknown>();
    for (const l of bodyLines) if (field(l, "orderLine") !== undefined) byOrderLine.set(Number(field(l, "orderLine")), l);
    for (const n of byOrderLine.keys()) if (!source.lines.some((l) => l.line === n)) throw invalidReference("orderLine", String(n), "item.items.orderLine");
    const receives = (l: unknown) => field(l, "itemReceive") ?? field(l, "itemreceive") ?? true;
    const common = { externalId, memo, tranDate, entityId: source.entityId, createdFromId: source.id, otherRefNum: source.otherRefNum };

    if (pair === "salesOrder>itemFulfillment") {
      if (source.status === "H") throw userError("The sales order is closed and cannot be fulfilled.");
      const picks = source.lines
        .filter((l) => !l.isClosed && l.quantity > l.quantityFulfilled && this.items.get(l.itemId)?.itemtype === "InvtPart")
        .map((l) => ({ src: l, spec: byOrderLine.get(l.line) }))
        .filter(({ spec }) => receives(spec) !== false)
        .map(({ src, spec }) => {
          const quantity = Number(field(spec, "quantity") ?? src.quantity - src.quantityFulfilled);
          if (!(quantity > 0) || quantity > src.quantity - src.quantityFulfilled) throw userError(`You cannot fulfill ${quantity} of line ${src.line}; ${src.quantity - src.quantityFulfilled} remain.`, "item.items.quantity");
          const locationId = refId(field(spec, "location")) ?? this.lineLocation(source, src);
          if (!this.locations.has(locationId)) throw invalidReference("location", locationId, "item.items.location");
          return { src, quantity, locationId };
        });
      if (!picks.length) throw userError("You must enter at least one line item for this transaction.");
      const tx = this.newTx("itemFulfillment", {
        ...common,
        status: refId(field(body, "shipStatus")) ?? "C",
        lines: picks.map((p, i) => ({ line: i + 1, orderLine: p.src.line, itemId: p.src.itemId, quantity: p.quantity, amountMinor: 0, locationId: p.locationId, quantityFulfilled: 0, quantityCommitted: 0, quantityReceived: 0, isClosed: false })),
        extra: { package: field(body, "package") },
      });
      for (const p of picks) {
        const fromCommitted = Math.min(p.quantity, p.src.quantityCommitted);
        this.moveStock(p.src.itemId, this.lineLocation(source, p.src), 0, -fromCommitted);
        this.moveStock(p.src.itemId, p.locationId, -p.quantity, 0);
        p.src.quantityCommitted -= fromCommitted;
        p.src.quantityFulfilled += p.quantity;
      }
      this.commit(source);
      source.status = this.salesOrderStatus(source);
      source.lastModifiedMs = this.now();
      return tx;
    }

    if (pair === "salesOrder>returnAuthorization") {
      const specs = opts.replace?.split(",").includes("item")
        ? bodyLines
        : source.lines.filter((l) => this.items.get(l.itemId)?.itemtype === "InvtPart").map((l) => byOrderLine.get(l.line) ?? { orderLine: l.line });
      if (!specs.length) throw userError("You must enter at least one line item for this transaction.");
      const lines = specs.map((spec, i): TxLine => {
        const src = source.lines.find((l) => l.line === Number(field(spec, "orderLine")));
        const itemId = refId(field(spec, "item")) ?? src?.itemId;
        if (!itemId || !this.items.has(itemId)) throw invalidReference("item", String(itemId ?? ""), `item.items[${i}].item`);
        if (src && src.itemId !== itemId) throw userError(`Line ${src.line} of the sales order is not item ${itemId}.`, `item.items[${i}].item`);
        const quantity = Number(field(spec, "quantity") ?? src?.quantityFulfilled ?? 0);
        if (!(quantity > 0)) throw userError("Quantity must be greater than zero.", `item.items[${i}].quantity`);
        const amountRaw = field(spec, "amount");
        const amountMinor = amountRaw !== undefined ? this.money(amountRaw, `item.items[${i}].amount`) : Math.round((src?.rateMinor ?? 0) * quantity);
        return { line: i + 1, orderLine: src?.line, itemId, quantity, amountMinor, locationId: src ? this.lineLocation(source, src) : undefined, quantityFulfilled: 0, quantityCommitted: 0, quantityReceived: 0, isClosed: false };
      });
      return this.newTx("returnAuthorization", { ...common, status: "B", locationId: source.locationId, lines });
    }

    if (pair === "returnAuthorization>itemReceipt") {
      const picks = source.lines
        .filter((l) => l.quantity > l.quantityReceived)
        .map((l) => ({ src: l, spec: byOrderLine.get(l.line) }))
        .filter(({ spec }) => receives(spec) !== false)
        .map(({ src, spec }) => {
          const quantity = Number(field(spec, "quantity") ?? src.quantity - src.quantityReceived);
          if (!(quantity > 0) || quantity > src.quantity - src.quantityReceived) throw userError(`You cannot receive ${quantity} of line ${src.line}.`, "item.items.quantity");
          const locationId = refId(field(spec, "location")) ?? src.locationId ?? this.defaultLocationId;
          if (!this.locations.has(locationId)) throw invalidReference("location", locationId, "item.items.location");
          return { src, quantity, locationId };
        });
      if (!picks.length) throw userError("You must enter at least one line item for this transaction.");
      const tx = this.newTx("itemReceipt", {
        ...common,
        status: "A",
        lines: picks.map((p, i) => ({ line: i + 1, orderLine: p.src.line, itemId: p.src.itemId, quantity: p.quantity, amountMinor: 0, locationId: p.locationId, quantityFulfilled: 0, quantityCommitted: 0, quantityReceived: 0, isClosed: false })),
      });
      for (const p of picks) {
        this.moveStock(p.src.itemId, p.locationId, p.quantity, 0);
        p.src.quantityReceived += p.quantity;
      }
      // Return authorization statuses: D Partially Received, F Pending Refund, G Refunded.
      source.status = source.status === "G" ? "G" : source.lines.every((l) => l.quantityReceived >= l.quantity) ? "F" : "D";
      source.lastModifiedMs = this.now();
      return tx;
    }

    if (pair === "returnAuthorization>creditMemo") {
      const lines: TxLine[] = source.lines.map((l, i) => ({ ...l, line: i + 1, orderLine: l.line, quantityReceived: 0 }));
      for (const [i, spec] of bodyLines.entries()) {
        if (field(spec, "orderLine") !== undefined) continue;
        const itemId = refId(field(spec, "item"));
        if (!itemId || !this.items.has(itemId)) throw invalidReference("item", String(itemId ?? ""), `item.items[${i}].item`);
        const amountMinor = this.money(field(spec, "amount"), `item.items[${i}].amount`);
        lines.push({ line: lines.length + 1, itemId, quantity: Number(field(spec, "quantity") ?? 1), amountMinor, description: field(spec, "description"), quantityFulfilled: 0, quantityCommitted: 0, quantityReceived: 0, isClosed: false });
      }
      const memo = this.newTx("creditMemo", { ...common, status: "A", lines });
      source.status = "G";
      source.lastModifiedMs = this.now();
      return memo;
    }

    throw new NsError(400, "INVALID_TRANSFORM", `Transformation from ${fromRaw} to ${toRaw} is not supported.`);
  }


  /** Runs an async write now and keeps its outcome; a repeated idempotency key points at the first job. */
  submitJob(idempotencyKey: string | undefined, delayMs: number, run: () => string): AsyncJob {
    const earlier = idempotencyKey ? [...this.jobs.values()].find((j) => j.idempotencyKey === idempotencyKey) : undefined;
    if (earlier) {
      throw new NsError(400, "IDEMPOTENCY_ERROR", 'A request with the same idempotency key is already submitted. See the "Location" header for a link to the previously submitted job', undefined, {
        "preference-applied": "respond-async",
        location: `/services/rest/async/v1/job/${earlier.id}`,
      });
    }
    let outcome: AsyncJob["outcome"];
    try {
      outcome = { ok: true, location: run() };
    } catch (e) {
      if (!(e instanceof NsError)) throw e;
      outcome = { ok: false, error: e };
    }
    const t = this.now();
    const job: AsyncJob = { id: String(this.nextJobId++), idempotencyKey, submittedMs: t, readyMs: t + delayMs, outcome };
    this.jobs.set(job.id, job);
    return job;
  }

  getJob(id: string): AsyncJob {
    const job = this.jobs.get(id);
    if (!job) throw notFound("job", id);
    return job;
  }


  inventoryView() {
    return [...this.stock.values()].map((r) => ({
      sku: this.items.get(r.itemId)!.itemid,
      item: r.itemId,
      location: this.locations.get(r.locationId)!.name,
      locationId: r.locationId,
      onHand: r.onHand,
      committed: r.committed,
      available: r.onHand - r.committed,
      lastModified: new Date(r.lastQtyAvailableChange).toISOString(),
    }));
  }

  snapshot() {
    const txs = (type: TxType) =>
      [...this.transactions.values()]
        .filter((t) => t.type === type)
        .map((t) => ({ ...t, total: fromMinorUnits(this.total(t), this.currency), lines: t.lines.map((l) => ({ ...l, sku: this.items.get(l.itemId)?.itemid })) }));
    return {
      currency: this.currency,
      ids: this.ids,
      locations: [...this.locations.values()],
      items: [...this.items.values()],
      inventory: this.inventoryView(),
      customers: [...this.customers.values()],
      salesOrders: txs("salesOrder"),
      itemFulfillments: txs("itemFulfillment"),
      returnAuthorizations: txs("returnAuthorization"),
      itemReceipts: txs("itemReceipt"),
      creditMemos: txs("creditMemo"),
      asyncJobs: [...this.jobs.values()].map((j) => ({ id: j.id, ok: j.outcome.ok, ...(j.outcome.ok ? { location: j.outcome.location } : { error: j.outcome.error.code }) })),
      adjustments: this.adjustments,
    };
  }
}
