import { randomUUID } from "node:crypto";
import { fromMinorUnits, toMinorUnits } from "../../../pipeline/model";
import type { SandboxSeed } from "../../sdk/sandbox-kit";
import type { SsAddress, SsCreateOrderRequest, SsOrder, SsOrderItem, SsShipment, SsShipmentItem } from "../api-schemas";
import { pacificDate, pacificToUtc, utcToPacific } from "../pacific-time";

/**
 * ShipStation's own system of record in the sandbox: warehouses, stock per SKU and warehouse,
 * orders (upserted by orderKey), shipments and webhook subscriptions. It answers to nobody: what
 * Loopkeeper believes about it is only ever learnt through the API, which is the point of a
 * reconciliation test. Times are stored as ShipStation shows them: Pacific wall clock, no offset.
 *
 * Stock rules (ShipStation Inventory): an open order allocates its units in its warehouse;
 * shipping takes them off on_hand and allocated; cancelling releases them; available = on_hand −
 * allocated and can go negative when orders outrun stock.
 */

export interface SandboxWarehouse {
  warehouseId: number;
  name: string;
  /** v2 ids of the same building. */
  inventoryWarehouseId: string;
  inventoryLocationId: string;
  isDefault: boolean;
  createDate: string;
}

export interface StockRow {
  sku: string;
  warehouseId: number;
  onHand: number;
  allocated: number;
}

export interface StoredShipment extends SsShipment {
  batchId: number;
  shipmentItems: SsShipmentItem[];
}

export interface Subscription {
  id: number;
  targetUrl: string;
  event: string;
  storeId: number | null;
  friendlyName: string | null;
  active: boolean;
  createdAt: string;
}

/** An adjustment ShipStation would show in its inventory history; silent ones never appear. */
export interface AdjustmentRecord {
  at: string;
  sku: string;
  warehouse: string;
  delta: number;
  onHandAfter: number;
}

/** A 4xx the API answers with ShipStation's ModelState body. */
export class ModelStateError extends Error {
  constructor(readonly key: string, readonly detail: string, readonly status = 400) {
    super(`${key}: ${detail}`);
    this.name = "ModelStateError";
  }

  get body(): { Message: string; ModelState: Record<string, string[]> } {
    return { Message: "The request is invalid.", ModelState: { [this.key]: [this.detail] } };
  }
}

/** A lookup that found nothing or a state that forbids the action (control plane). */
export class SandboxStateError extends Error {
  constructor(readonly status: 404 | 409, message: string) {
    super(message);
    this.name = "SandboxStateError";
  }
}

export interface ShipOptions {
  carrierCode?: string;
  serviceCode?: string;
  trackingNumber?: string;
  /** Decimal, as ShipStation reports label cost. */
  shipmentCost?: number;
}

const OPEN_STATUSES = new Set(["awaiting_payment", "awaiting_shipment", "on_hold", "pending_fulfillment"]);
const LOCKED_STATUSES = new Set(["shipped", "cancelled"]);

export class ShipStationState {
  warehouses: SandboxWarehouse[] = [];
  readonly stock = new Map<string, StockRow>();
  readonly orders = new Map<number, SsOrder>();
  readonly shipments: StoredShipment[] = [];
  readonly subscriptions: Subscription[] = [];
  readonly adjustments: AdjustmentRecord[] = [];
  private seq: { order: number; item: number; shipment: number; batch: number; webhook: number };

  /**
   * `idOffset` moves every id this account hands out: ShipStation's ids are global across
   * accounts, so two sandbox accounts in one world must not number orders, shipments and
   * warehouses alike.
   */
  constructor(private readonly seed: SandboxSeed, private readonly now: () => Date = () => new Date(), private readonly idOffset = 0) {
    this.seq = { order: 140335319 + idOffset, item: 192210956 + idOffset, shipment: 72513480 + idOffset, batch: 190671332 + idOffset, webhook: 123456 + idOffset };
    this.load();
  }

  get currency(): string {
    return this.seed.currency;
  }

  reset(): void {
    this.stock.clear();
    this.orders.clear();
    this.shipments.length = 0;
    this.subscriptions.length = 0;
    this.adjustments.length = 0;
    this.load();
  }

  private load(): void {
    const stock = this.seed.stock && Object.keys(this.seed.stock).length > 0 ? this.seed.stock : { main: {} };
    const created = utcToPacific(this.now());
    this.warehouses = Object.keys(stock).map((name, i) => ({
      warehouseId: 16079 + this.idOffset + i,
      name,
      inventoryWarehouseId: `se-${1000 + i}`,
      inventoryLocationId: `se-loc-${1000 + i}`,
      isDefault: i === 0,
      createDate: created,
    }));
    for (const w of this.warehouses) {
      for (const [sku, qty] of Object.entries(stock[w.name] ?? {})) this.stock.set(stockKey(sku, w.warehouseId), { sku, warehouseId: w.warehouseId, onHand: qty, allocated: 0 });
    }
  }

  /** A warehouse by v1 id, v2 id or name (case-insensitive). */
  findWarehouse(ref: string | number): SandboxWarehouse | undefined {
    const s = String(ref).toLowerCase();
    return this.warehouses.find((w) => String(w.warehouseId) === s || w.inventoryWarehouseId === s || w.name.toLowerCase() === s);
  }

  get defaultWarehouse(): SandboxWarehouse {
    return this.warehouses.find((w) => w.isDefault) ?? this.warehouses[0]!;
  }

  stockRow(sku: string, warehouseId: number): StockRow {
    const key = stockKey(sku, warehouseId);
    let row = this.stock.get(key);
    if (!row) this.stock.set(key, (row = { sku, warehouseId, onHand: 0, allocated: 0 }));
    return row;
  }

  orderByKey(orderKey: string): SsOrder | undefined {
    for (const o of this.orders.values()) if (o.orderKey === orderKey) return o;
    return undefined;
  }

  /** By orderKey first, then the newest order with that number. */
  findOrder(ref: { orderKey?: string; orderNumber?: string } | string): SsOrder | undefined {
    const r = typeof ref === "string" ? { orderKey: ref, orderNumber: ref } : ref;
    if (r.orderKey) {
      const byKey = this.orderByKey(r.orderKey);
      if (byKey) return byKey;
    }
    if (r.orderNumber) return [...this.orders.values()].filter((o) => o.orderNumber === r.orderNumber).sort((a, b) => b.orderId - a.orderId)[0];
    return undefined;
  }

  /**
   * POST /orders/createorder: same orderKey → same order, updated in place. Shipped and cancelled
   * orders are locked, as ShipStation documents for this endpoint.
   */
  upsertOrder(req: SsCreateOrderRequest): { order: SsOrder; created: boolean } {
    const existing = req.orderKey ? this.orderByKey(req.orderKey) : undefined;
    if (existing && LOCKED_STATUSES.has(existing.orderStatus)) {
      throw new ModelStateError("apiOrder.orderStatus", `Order ${existing.orderNumber} is ${existing.orderStatus} and can no longer be modified through the API.`);
    }
    if (req.orderStatus === "shipped") throw new ModelStateError("apiOrder.orderStatus", "Use /orders/markasshipped to mark an order as shipped.");
    const warehouse = this.warehouseOf(req);
    if (req.orderStatus !== "cancelled") checkAddress(req.shipTo);

    const now = utcToPacific(this.now());
    const items: SsOrderItem[] = req.items.map((it) => ({
      ...it,
      orderItemId: ++this.seq.item,
      lineItemKey: it.lineItemKey ?? null,
      sku: it.sku ?? null,
      imageUrl: it.imageUrl ?? null,
      weight: it.weight ?? null,
      unitPrice: it.unitPrice ?? 0,
      taxAmount: it.taxAmount ?? null,
      shippingAmount: it.shippingAmount ?? null,
      warehouseLocation: it.warehouseLocation ?? null,
      options: it.options ?? [],
      productId: it.productId ?? null,
      fulfillmentSku: it.fulfillmentSku ?? null,
      adjustment: it.adjustment ?? false,
      upc: it.upc ?? null,
    }));
    const cur = this.seed.currency;
    const minor = (n: number | null | undefined) => toMinorUnits(n ?? 0, cur);
    const itemsTotal = items.reduce((s, it) => s + minor(it.unitPrice) * it.quantity, 0);
    const orderTotal = itemsTotal + minor(req.taxAmount) + minor(req.shippingAmount);

    if (existing) this.release(existing);
    const order: SsOrder = {
      orderId: existing?.orderId ?? ++this.seq.order,
      orderNumber: req.orderNumber,
      orderKey: req.orderKey ?? existing?.orderKey ?? randomUUID(),
      orderDate: normalizePacific(req.orderDate),
      createDate: existing?.createDate ?? now,
      modifyDate: now,
      paymentDate: req.paymentDate ? normalizePacific(req.paymentDate) : null,
      shipByDate: req.shipByDate ? normalizePacific(req.shipByDate) : null,
      orderStatus: req.orderStatus,
      customerEmail: req.customerEmail ?? null,
      customerUsername: req.customerUsername ?? null,
      billTo: fullAddress(req.billTo, null),
      shipTo: fullAddress(req.shipTo, req.orderStatus === "cancelled" ? "Address not yet validated" : "Address validated successfully"),
      items,
      orderTotal: Number(fromMinorUnits(orderTotal, cur)),
      amountPaid: req.amountPaid ?? null,
      taxAmount: req.taxAmount ?? null,
      shippingAmount: req.shippingAmount ?? null,
      customerNotes: req.customerNotes ?? null,
      internalNotes: req.internalNotes ?? null,
      requestedShippingService: req.requestedShippingService ?? null,
      carrierCode: req.carrierCode ?? null,
      serviceCode: req.serviceCode ?? null,
      shipDate: req.shipDate ?? null,
      advancedOptions: { ...(req.advancedOptions ?? {}), warehouseId: warehouse.warehouseId, storeId: 12345, mergedOrSplit: false, mergedIds: [], parentId: null },
      externallyFulfilled: false,
    };
    this.orders.set(order.orderId, order);
    this.allocate(order);
    return { order, created: !existing };
  }

  private warehouseOf(req: SsCreateOrderRequest): SandboxWarehouse {
    const id = req.advancedOptions?.warehouseId;
    if (id === undefined || id === null) return this.defaultWarehouse;
    const w = this.warehouses.find((x) => x.warehouseId === id);
    if (!w) throw new ModelStateError("apiOrder.advancedOptions.warehouseId", `Warehouse ${id} was not found on this account.`);
    return w;
  }

  private goods(order: SsOrder): { sku: string; quantity: number }[] {
    return (order.items ?? []).filter((i) => !i.adjustment && i.sku).map((i) => ({ sku: i.sku!, quantity: i.quantity }));
  }

  private allocate(order: SsOrder): void {
    if (!OPEN_STATUSES.has(order.orderStatus)) return;
    const wh = order.advancedOptions!.warehouseId!;
    for (const g of this.goods(order)) this.stockRow(g.sku, wh).allocated += g.quantity;
  }

  private release(order: SsOrder): void {
    if (!OPEN_STATUSES.has(order.orderStatus)) return;
    const wh = order.advancedOptions!.warehouseId!;
    for (const g of this.goods(order)) this.stockRow(g.sku, wh).allocated -= g.quantity;
  }

  /** Ships the whole order from its warehouse: one label, one batch, stock leaves the building. */
  ship(ref: { orderKey?: string; orderNumber?: string } | string, opts: ShipOptions = {}): StoredShipment {
    const order = this.findOrder(ref);
    if (!order) throw new SandboxStateError(404, `no order ${JSON.stringify(ref)}`);
    if (order.orderStatus !== "awaiting_shipment") throw new SandboxStateError(409, `order ${order.orderNumber} is ${order.orderStatus}, not awaiting_shipment`);
    const wh = order.advancedOptions!.warehouseId!;
    this.release(order);
    for (const g of this.goods(order)) this.stockRow(g.sku, wh).onHand -= g.quantity;

    const at = this.now();
    const shipmentId = ++this.seq.shipment;
    const units = this.goods(order).reduce((s, g) => s + g.quantity, 0);
    const shipment: StoredShipment = {
      shipmentId,
      batchId: ++this.seq.batch,
      orderId: order.orderId,
      orderKey: order.orderKey,
      orderNumber: order.orderNumber,
      createDate: utcToPacific(at),
      shipDate: pacificDate(at),
      shipmentCost: opts.shipmentCost ?? Number(fromMinorUnits(450 + 125 * units, this.seed.currency)),
      insuranceCost: 0,
      trackingNumber: opts.trackingNumber ?? `9400${String(shipmentId).padStart(18, "0")}`,
      isReturnLabel: false,
      batchNumber: null,
      carrierCode: opts.carrierCode ?? "stamps_com",
      serviceCode: opts.serviceCode ?? "usps_priority_mail",
      packageCode: "package",
      warehouseId: wh,
      voided: false,
      voidDate: null,
      shipTo: order.shipTo ?? null,
      shipmentItems: (order.items ?? [])
        .filter((i) => !i.adjustment && i.sku)
        .map((i) => ({ orderItemId: i.orderItemId, lineItemKey: i.lineItemKey, sku: i.sku, name: i.name, quantity: i.quantity, unitPrice: i.unitPrice, warehouseLocation: i.warehouseLocation, productId: i.productId, fulfillmentSku: i.fulfillmentSku })),
    };
    this.shipments.push(shipment);
    order.orderStatus = "shipped";
    order.shipDate = shipment.shipDate;
    order.carrierCode = shipment.carrierCode;
    order.serviceCode = shipment.serviceCode;
    order.modifyDate = shipment.createDate;
    return shipment;
  }

  /**
   * Changes on_hand at a warehouse. A silent change (a cycle count nobody reports) only moves the
   * number; a reported one is also written to the adjustment history.
   */
  adjust(sku: string, warehouseRef: string | number, delta: number, opts: { silent?: boolean } = {}): StockRow {
    if (!Number.isInteger(delta)) throw new SandboxStateError(409, `delta must be an integer, got ${delta}`);
    const w = this.findWarehouse(warehouseRef);
    if (!w) throw new SandboxStateError(404, `no warehouse ${JSON.stringify(warehouseRef)}`);
    const row = this.stockRow(sku, w.warehouseId);
    row.onHand += delta;
    if (!opts.silent) this.adjustments.push({ at: this.now().toISOString(), sku, warehouse: w.name, delta, onHandAfter: row.onHand });
    return row;
  }

  subscribe(input: { targetUrl: string; event: string; storeId?: number | null; friendlyName?: string | null }): Subscription {
    const sub: Subscription = {
      id: ++this.seq.webhook,
      targetUrl: input.targetUrl,
      event: input.event,
      storeId: input.storeId ?? null,
      friendlyName: input.friendlyName ?? null,
      active: true,
      createdAt: this.now().toISOString(),
    };
    this.subscriptions.push(sub);
    return sub;
  }

  unsubscribe(id: number): boolean {
    const i = this.subscriptions.findIndex((s) => s.id === id);
    if (i < 0) return false;
    this.subscriptions.splice(i, 1);
    return true;
  }

  /** Stock rows as v2 /inventory lists them (one location per warehouse here). */
  inventoryRows(): { row: StockRow; warehouse: SandboxWarehouse }[] {
    return [...this.stock.values()]
      .map((row) => ({ row, warehouse: this.warehouses.find((w) => w.warehouseId === row.warehouseId)! }))
      .sort((a, b) => a.warehouse.warehouseId - b.warehouse.warehouseId || a.row.sku.localeCompare(b.row.sku));
  }

  snapshot(): unknown {
    return {
      currency: this.seed.currency,
      warehouses: this.warehouses,
      inventory: this.inventoryRows().map(({ row, warehouse }) => ({ sku: row.sku, warehouse: warehouse.name, warehouseId: row.warehouseId, onHand: row.onHand, allocated: row.allocated, available: row.onHand - row.allocated })),
      orders: [...this.orders.values()].map((o) => ({ orderId: o.orderId, orderNumber: o.orderNumber, orderKey: o.orderKey, orderStatus: o.orderStatus, warehouseId: o.advancedOptions?.warehouseId, orderTotal: o.orderTotal, modifyDate: o.modifyDate })),
      shipments: this.shipments.map((s) => ({ shipmentId: s.shipmentId, batchId: s.batchId, orderNumber: s.orderNumber, orderKey: s.orderKey, trackingNumber: s.trackingNumber, carrierCode: s.carrierCode, createDate: s.createDate })),
      subscriptions: this.subscriptions.map((s) => ({ ...s, targetUrl: redactToken(s.targetUrl) })),
      adjustments: this.adjustments,
    };
  }
}

function stockKey(sku: string, warehouseId: number): string {
  return `${warehouseId}\u0000${sku}`;
}

/** Accepts whatever precision the caller sent and stores ShipStation's 7-digit form. */
function normalizePacific(local: string): string {
  return utcToPacific(pacificToUtc(local));
}

function fullAddress(a: SsAddress, verified: string | null): SsAddress {
  return {
    name: a.name ?? null,
    company: a.company ?? null,
    street1: a.street1 ?? null,
    street2: a.street2 ?? null,
    street3: a.street3 ?? null,
    city: a.city ?? null,
    state: a.state ?? null,
    postalCode: a.postalCode ?? null,
    country: a.country ?? null,
    phone: a.phone ?? null,
    residential: a.residential ?? null,
    addressVerified: verified,
  };
}

/**
 * The sandbox's address check (ShipStation itself only warns through addressVerified; a 3PL that
 * cannot ship to an address is where the pipeline learns of it). Postal code 00000 stands for an
 * address that exists on paper but fails validation.
 */
function checkAddress(a: SsAddress): void {
  const missing = (["name", "street1", "city", "postalCode", "country"] as const).filter((k) => !a[k]);
  if (missing.length > 0) throw new ModelStateError("apiOrder.shipTo", `Ship-to address is incomplete: missing ${missing.join(", ")}.`);
  if (!/^[A-Z]{2}$/.test(a.country!)) throw new ModelStateError("apiOrder.shipTo", `Ship-to country must be a 2-letter ISO code, got "${a.country}".`);
  if (a.country === "US" && !a.state) throw new ModelStateError("apiOrder.shipTo", "Ship-to address is incomplete: missing state.");
  if (/^0+$/.test(a.postalCode!.replace(/\W/g, ""))) throw new ModelStateError("apiOrder.shipTo", `Ship-to address could not be validated: postal code ${a.postalCode} does not exist.`);
}

export function redactToken(url: string): string {
  try {
    const u = new URL(url);
    if (u.searchParams.has("token")) u.searchParams.set("token", "[redacted]");
    return u.toString();
  } catch {
    return url;
  }
}
