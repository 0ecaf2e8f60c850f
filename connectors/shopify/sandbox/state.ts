import { DEFAULT_SEED, type SandboxSeed } from "../../sdk/sandbox-kit";
import type { FulfillmentInput, InventorySetQuantitiesInput } from "../api-schemas";
import { CHANGE_FROM_QUANTITY_SINCE, versionAtLeast } from "../graphql-documents";
import { gidTail } from "../shopify-ids";

/**
 * The sandbox shop's world: catalog, locations, stock, orders with their fulfillment orders,
 * fulfillments and refunds. Amounts are integer minor units; ids are decimal strings above 2^53
 * so that anything parsing them as JS numbers breaks here first.
 */

export interface PlaceOrderInput {
  lines: { sku: string; quantity: number }[];
  email?: string;
  shippingAddress?: { name?: string; address1?: string; address2?: string; city?: string; province?: string; zip?: string; country?: string; phone?: string };
  discountCode?: string;
  shippingMinor?: number;
  /** Take stock from this location (name or id); default: the first location that has it all. */
  location?: string;
}

export interface RefundInput {
  lines: { sku: string; quantity: number; restock?: boolean }[];
  shippingMinor?: number;
  note?: string;
}

export interface CancelInput {
  reason?: "customer" | "fraud" | "inventory" | "declined" | "other";
  restock?: boolean;
}

export interface SandboxVariant {
  id: string;
  productId: string;
  inventoryItemId: string;
  sku: string;
  title: string;
  priceMinor: number;
  barcode?: string;
  weightGrams?: number;
}

export interface SandboxLocation {
  id: string;
  name: string;
  isActive: boolean;
}

export interface SandboxLevel {
  inventoryItemId: string;
  locationId: string;
  available: number;
  committed: number;
  onHand: number;
  updatedAt: string;
}

export interface SandboxOrderLine {
  id: string;
  variantId: string;
  productId: string;
  inventoryItemId: string;
  sku: string;
  title: string;
  quantity: number;
  currentQuantity: number;
  unitPriceMinor: number;
  discountMinor: number;
  taxMinor: number;
  fulfilledQuantity: number;
}

export interface SandboxOrder {
  id: string;
  name: string;
  number: number;
  email?: string;
  currency: string;
  createdAt: string;
  updatedAt: string;
  cancelledAt?: string;
  cancelReason?: string;
  locationId: string;
  lines: SandboxOrderLine[];
  discountCode?: string;
  shippingTitle: string;
  shippingMinor: number;
  shippingAddress?: PlaceOrderInput["shippingAddress"];
  customerId: string;
  financialStatus: "paid" | "partially_refunded" | "refunded" | "voided";
  /** Σ unit price × quantity, before discounts. */
  lineItemsMinor: number;
  discountMinor: number;
  taxMinor: number;
  totalMinor: number;
  refundedMinor: number;
  paymentTransactionId: string;
}

export interface SandboxFulfillmentOrder {
  id: string;
  orderId: string;
  locationId: string;
  status: "OPEN" | "IN_PROGRESS" | "CLOSED" | "CANCELLED";
  lines: { id: string; orderLineId: string; sku: string; totalQuantity: number; remainingQuantity: number }[];
}

export interface SandboxFulfillment {
  id: string;
  orderId: string;
  name: string;
  status: "SUCCESS";
  createdAt: string;
  locationId: string;
  tracking: { company?: string; number?: string; url?: string };
  notifyCustomer: boolean;
  lines: { orderLineId: string; sku: string; quantity: number }[];
}

export interface SandboxRefund {
  id: string;
  orderId: string;
  createdAt: string;
  note?: string;
  lines: { id: string; orderLineId: string; sku: string; quantity: number; restock: boolean; restockType: "no_restock" | "cancel" | "return"; locationId?: string; subtotalMinor: number; taxMinor: number }[];
  shippingMinor: number;
  totalMinor: number;
  transaction: { id: string; paymentId: string; amountMinor: number };
}

export interface SandboxAdjustmentGroup {
  id: string;
  at: string;
  name: string;
  reason: string;
  referenceDocumentUri?: string;
  changes: { inventoryItemId: string; locationId: string; sku: string; delta: number; quantityAfterChange: number }[];
}

export interface UserError {
  field: string[];
  message: string;
  code?: string;
}

/** A bad control request (unknown SKU, nothing left to refund): the sandbox answers 422 with the message. */
export class SandboxInputError extends Error {
  constructor(message: string, readonly status = 422) {
    super(message);
    this.name = "SandboxInputError";
  }
}

export interface ShopifySandboxStateOptions {
  seed?: SandboxSeed;
  shopName?: string;
  shopDomain?: string;
  /** Tax rate in basis points, applied per line and rounded half-up. Default 825 (8.25 %). */
  taxRateBp?: number;
  /** Discount codes the shop accepts. Default SAVE10 (10 %) and TENOFF (10.00 off the order). */
  discountCodes?: Record<string, { percent?: number; amountMinor?: number }>;
  firstOrderNumber?: number;
  now?: () => Date;
}

const BASE_ID = 5_200_000_000_000_000_000n;

export class ShopifySandboxState {
  readonly shop: { name: string; domain: string; currency: string };
  variants: SandboxVariant[] = [];
  locations: SandboxLocation[] = [];
  levels: SandboxLevel[] = [];
  orders: SandboxOrder[] = [];
  fulfillmentOrders: SandboxFulfillmentOrder[] = [];
  fulfillments: SandboxFulfillment[] = [];
  refunds: SandboxRefund[] = [];
  adjustments: SandboxAdjustmentGroup[] = [];
  /** Mutation results by @idempotent key: a repeated key answers the stored result, writing nothing. */
  idempotency = new Map<string, { operation: string; fingerprint: string; response: unknown }>();
  private seq = 0n;
  private orderNumber: number;
  readonly taxRateBp: number;
  readonly discountCodes: Record<string, { percent?: number; amountMinor?: number }>;
  private readonly seed: SandboxSeed;
  private readonly now: () => Date;
  private readonly firstOrderNumber: number;

  constructor(opts: ShopifySandboxStateOptions = {}) {
    this.seed = opts.seed ?? DEFAULT_SEED;
    this.shop = { name: opts.shopName ?? "Loopkeeper Sandbox", domain: opts.shopDomain ?? "loopkeeper-sandbox.myshopify.com", currency: this.seed.currency };
    this.taxRateBp = opts.taxRateBp ?? 825;
    this.discountCodes = opts.discountCodes ?? { SAVE10: { percent: 10 }, TENOFF: { amountMinor: 1000 } };
    this.firstOrderNumber = opts.firstOrderNumber ?? 1001;
    this.orderNumber = this.firstOrderNumber;
    this.now = opts.now ?? (() => new Date());
    this.reset();
  }

  reset(): void {
    this.seq = 0n;
    this.orderNumber = this.firstOrderNumber;
    this.orders = [];
    this.fulfillmentOrders = [];
    this.fulfillments = [];
    this.refunds = [];
    this.adjustments = [];
    this.idempotency.clear();
    const names = Object.keys(this.seed.stock ?? {});
    this.locations = (names.length ? names : ["main"]).map((name) => ({ id: this.nextId(), name, isActive: true }));
    this.variants = this.seed.catalog.map((p) => ({
      id: this.nextId(),
      productId: this.nextId(),
      inventoryItemId: this.nextId(),
      sku: p.sku,
      title: p.title,
      priceMinor: p.priceMinor,
      barcode: p.barcode,
      weightGrams: p.weightGrams,
    }));
    const at = this.timestamp();
    this.levels = [];
    for (const loc of this.locations) {
      for (const v of this.variants) {
        const qty = this.seed.stock?.[loc.name]?.[v.sku] ?? 0;
        this.levels.push({ inventoryItemId: v.inventoryItemId, locationId: loc.id, available: qty, committed: 0, onHand: qty, updatedAt: at });
      }
    }
  }

  nextId(): string {
    this.seq += 1n;
    return (BASE_ID + this.seq).toString();
  }

  timestamp(): string {
    return this.now().toISOString();
  }

  variantBySku(sku: string): SandboxVariant | undefined {
    return this.variants.find((v) => v.sku === sku);
  }

  variantByInventoryItem(id: string): SandboxVariant | undefined {
    return this.variants.find((v) => v.inventoryItemId === id);
  }

  location(ref: string): SandboxLocation | undefined {
    const id = gidTail(ref);
    return this.locations.find((l) => l.id === id || l.name === ref);
  }

  level(inventoryItemId: string, locationId: string): SandboxLevel | undefined {
    return this.levels.find((l) => l.inventoryItemId === inventoryItemId && l.locationId === locationId);
  }

  /** The level, created at zero when the item was never stocked there (Shopify activates on first write). */
  private levelFor(inventoryItemId: string, locationId: string): SandboxLevel {
    let level = this.level(inventoryItemId, locationId);
    if (!level) {
      level = { inventoryItemId, locationId, available: 0, committed: 0, onHand: 0, updatedAt: this.timestamp() };
      this.levels.push(level);
    }
    return level;
  }

  order(ref: string): SandboxOrder | undefined {
    const id = gidTail(ref.replace(/^shopify:/, ""));
    return this.orders.find((o) => o.id === id || o.name === ref || o.name === `#${ref}`);
  }

  /** Places an order as checkout would: prices, discount, tax per line, stock committed, fulfillment order opened. */
  placeOrder(input: PlaceOrderInput): SandboxOrder {
    if (!Array.isArray(input?.lines) || input.lines.length === 0) throw new SandboxInputError("lines: at least one {sku, quantity} is required");
    const wanted = input.lines.map((l, i) => {
      const v = this.variantBySku(l.sku);
      if (!v) throw new SandboxInputError(`lines[${i}].sku: no variant has SKU ${JSON.stringify(l.sku)}`);
      if (!Number.isInteger(l.quantity) || l.quantity <= 0) throw new SandboxInputError(`lines[${i}].quantity: must be a whole number above 0`);
      return { v, quantity: l.quantity };
    });
    // One location when one has every line (or the caller named one); otherwise each line from
    // the first location that has it, one fulfillment order per location, as Shopify's order
    // routing does for a shop with several locations.
    const single = input.location ? this.location(input.location) : this.locations.find((loc) => wanted.every((w) => (this.level(w.v.inventoryItemId, loc.id)?.available ?? 0) >= w.quantity));
    if (input.location && !single) throw new SandboxInputError(`location ${input.location} does not exist`);
    const left = new Map<string, number>();
    const have = (inventoryItemId: string, locationId: string) => left.get(`${inventoryItemId}@${locationId}`) ?? this.level(inventoryItemId, locationId)?.available ?? 0;
    const lineLocations = wanted.map((w) => {
      const loc = single ?? this.locations.find((l) => have(w.v.inventoryItemId, l.id) >= w.quantity);
      if (!loc) throw new SandboxInputError(`${w.v.sku}: not enough stock at any location for ${w.quantity}`);
      const stock = have(w.v.inventoryItemId, loc.id);
      if (stock < w.quantity) throw new SandboxInputError(`${w.v.sku}: only ${stock} available at ${loc.name}`);
      left.set(`${w.v.inventoryItemId}@${loc.id}`, stock - w.quantity);
      return loc;
    });
    const location = lineLocations[0]!;

    const gross = wanted.map((w) => w.v.priceMinor * w.quantity);
    const lineItemsMinor = gross.reduce((a, b) => a + b, 0);
    let discountMinor = 0;
    if (input.discountCode) {
      const rule = this.discountCodes[input.discountCode.toUpperCase()];
      if (!rule) throw new SandboxInputError(`discountCode: ${input.discountCode} is not a valid code`);
      discountMinor = Math.min(lineItemsMinor, rule.amountMinor ?? roundHalfUp(lineItemsMinor * (rule.percent ?? 0), 100));
    }
    const lineDiscounts = allocate(discountMinor, gross);
    const now = this.timestamp();
    const lines: SandboxOrderLine[] = wanted.map((w, i) => {
      const taxable = gross[i]! - lineDiscounts[i]!;
      return {
        id: this.nextId(),
        variantId: w.v.id,
        productId: w.v.productId,
        inventoryItemId: w.v.inventoryItemId,
        sku: w.v.sku,
        title: w.v.title,
        quantity: w.quantity,
        currentQuantity: w.quantity,
        unitPriceMinor: w.v.priceMinor,
        discountMinor: lineDiscounts[i]!,
        taxMinor: roundHalfUp(taxable * this.taxRateBp, 10_000),
        fulfilledQuantity: 0,
      };
    });
    const taxMinor = lines.reduce((n, l) => n + l.taxMinor, 0);
    const shippingMinor = input.shippingMinor ?? 0;
    const number = this.orderNumber++;
    const order: SandboxOrder = {
      id: this.nextId(),
      name: `#${number}`,
      number: number - this.firstOrderNumber + 1,
      email: input.email,
      currency: this.shop.currency,
      createdAt: now,
      updatedAt: now,
      locationId: location.id,
      lines,
      discountCode: input.discountCode?.toUpperCase(),
      shippingTitle: shippingMinor > 0 ? "Standard Shipping" : "Free Shipping",
      shippingMinor,
      shippingAddress: input.shippingAddress,
      customerId: this.nextId(),
      financialStatus: "paid",
      lineItemsMinor,
      discountMinor,
      taxMinor,
      totalMinor: lineItemsMinor - discountMinor + shippingMinor + taxMinor,
      refundedMinor: 0,
      paymentTransactionId: this.nextId(),
    };
    for (const [i, l] of lines.entries()) {
      const level = this.levelFor(l.inventoryItemId, lineLocations[i]!.id);
      level.available -= l.quantity;
      level.committed += l.quantity;
      level.updatedAt = now;
    }
    this.orders.push(order);
    for (const loc of new Set(lineLocations)) {
      this.fulfillmentOrders.push({
        id: this.nextId(),
        orderId: order.id,
        locationId: loc.id,
        status: "OPEN",
        lines: lines.filter((_, i) => lineLocations[i] === loc).map((l) => ({ id: this.nextId(), orderLineId: l.id, sku: l.sku, totalQuantity: l.quantity, remainingQuantity: l.quantity })),
      });
    }
    return order;
  }

  /** Where an order line's units are held: its fulfillment order's location. */
  lineLocation(order: SandboxOrder, orderLineId: string): string {
    return this.fulfillmentOrders.find((f) => f.orderId === order.id && f.lines.some((l) => l.orderLineId === orderLineId))?.locationId ?? order.locationId;
  }

  /** Refunds units of an order; restocked units go back to available (unshipped ones leave "committed"). */
  refund(orderRef: string, input: RefundInput): SandboxRefund {
    const order = this.order(orderRef);
    if (!order) throw new SandboxInputError(`order ${orderRef} does not exist`, 404);
    if (!Array.isArray(input?.lines)) throw new SandboxInputError("lines: an array of {sku, quantity, restock} is required");
    const now = this.timestamp();
    const refundLines: SandboxRefund["lines"] = [];
    for (const [i, l] of input.lines.entries()) {
      const line = order.lines.find((x) => x.sku === l.sku && x.currentQuantity > 0);
      if (!line) throw new SandboxInputError(`lines[${i}].sku: ${l.sku} is not on order ${order.name} or was refunded already`);
      if (!Number.isInteger(l.quantity) || l.quantity <= 0 || l.quantity > line.currentQuantity) throw new SandboxInputError(`lines[${i}].quantity: between 1 and ${line.currentQuantity}`);
      const unshipped = this.takeFromFulfillmentOrders(order.id, line.id, l.quantity);
      const shipped = l.quantity - unshipped;
      const lineLocation = this.lineLocation(order, line.id);
      const level = this.levelFor(line.inventoryItemId, lineLocation);
      level.committed -= unshipped;
      if (l.restock) {
        level.available += l.quantity;
        level.onHand += shipped;
      } else {
        level.onHand -= unshipped;
      }
      level.updatedAt = now;
      line.currentQuantity -= l.quantity;
      refundLines.push({
        id: this.nextId(),
        orderLineId: line.id,
        sku: line.sku,
        quantity: l.quantity,
        restock: !!l.restock,
        restockType: !l.restock ? "no_restock" : unshipped > 0 ? "cancel" : "return",
        locationId: l.restock ? lineLocation : undefined,
        subtotalMinor: roundHalfUp((line.unitPriceMinor * line.quantity - line.discountMinor) * l.quantity, line.quantity),
        taxMinor: roundHalfUp(line.taxMinor * l.quantity, line.quantity),
      });
    }
    const shippingMinor = input.shippingMinor ?? 0;
    if (shippingMinor < 0 || shippingMinor > order.shippingMinor) throw new SandboxInputError(`shippingMinor: between 0 and ${order.shippingMinor}`);
    const totalMinor = refundLines.reduce((n, l) => n + l.subtotalMinor + l.taxMinor, 0) + shippingMinor;
    const seqNo = this.refunds.filter((r) => r.orderId === order.id).length + 2;
    const refund: SandboxRefund = {
      id: this.nextId(),
      orderId: order.id,
      createdAt: now,
      note: input.note,
      lines: refundLines,
      shippingMinor,
      totalMinor,
      transaction: { id: this.nextId(), paymentId: `${order.name}.${seqNo}`, amountMinor: totalMinor },
    };
    this.refunds.push(refund);
    order.refundedMinor += totalMinor;
    order.financialStatus = order.refundedMinor >= order.totalMinor ? "refunded" : "partially_refunded";
    order.updatedAt = now;
    this.closeEmptyFulfillmentOrders(order.id);
    return refund;
  }

  cancel(orderRef: string, input: CancelInput = {}): SandboxOrder {
    const order = this.order(orderRef);
    if (!order) throw new SandboxInputError(`order ${orderRef} does not exist`, 404);
    if (order.cancelledAt) throw new SandboxInputError(`order ${order.name} is already cancelled`);
    const now = this.timestamp();
    const restock = input.restock ?? true;
    for (const fo of this.fulfillmentOrders.filter((f) => f.orderId === order.id && (f.status === "OPEN" || f.status === "IN_PROGRESS"))) {
      for (const fl of fo.lines) {
        const line = order.lines.find((l) => l.id === fl.orderLineId)!;
        const level = this.levelFor(line.inventoryItemId, fo.locationId);
        level.committed -= fl.remainingQuantity;
        if (restock) level.available += fl.remainingQuantity;
        else level.onHand -= fl.remainingQuantity;
        level.updatedAt = now;
        line.currentQuantity -= fl.remainingQuantity;
        fl.remainingQuantity = 0;
      }
      fo.status = "CANCELLED";
    }
    order.cancelledAt = now;
    order.cancelReason = input.reason ?? "customer";
    order.financialStatus = order.refundedMinor > 0 ? "refunded" : "voided";
    order.updatedAt = now;
    return order;
  }

  /** fulfillmentCreate: every fulfillment order must be open and at one location. */
  createFulfillment(input: FulfillmentInput, rejection?: (orderName: string) => { field: string; message: string } | undefined): { fulfillment?: SandboxFulfillment; userErrors: UserError[] } {
    const base = ["fulfillment", "lineItemsByFulfillmentOrder"];
    const picks: { fo: SandboxFulfillmentOrder; line: SandboxFulfillmentOrder["lines"][number]; quantity: number }[] = [];
    let orderId: string | undefined;
    let locationId: string | undefined;
    for (const [i, group] of input.lineItemsByFulfillmentOrder.entries()) {
      const fo = this.fulfillmentOrders.find((f) => f.id === gidTail(group.fulfillmentOrderId));
      if (!fo) return fail([...base, String(i), "fulfillmentOrderId"], "Fulfillment order does not exist.");
      if (fo.status !== "OPEN" && fo.status !== "IN_PROGRESS") return fail([...base, String(i), "fulfillmentOrderId"], `Fulfillment order ${fo.id} has an unfulfillable status= ${fo.status.toLowerCase()}.`);
      if (orderId && fo.orderId !== orderId) return fail([...base, String(i), "fulfillmentOrderId"], "All fulfillment orders must belong to the same order.");
      if (locationId && fo.locationId !== locationId) return fail([...base, String(i), "fulfillmentOrderId"], "All fulfillment orders must be assigned to the same location.");
      orderId = fo.orderId;
      locationId = fo.locationId;
      const items = group.fulfillmentOrderLineItems ?? fo.lines.filter((l) => l.remainingQuantity > 0).map((l) => ({ id: l.id, quantity: l.remainingQuantity }));
      for (const [j, item] of items.entries()) {
        const line = fo.lines.find((l) => l.id === gidTail(item.id));
        if (!line) return fail([...base, String(i), "fulfillmentOrderLineItems", String(j), "id"], "Fulfillment order line item does not exist.");
        if (item.quantity > line.remainingQuantity) return fail([...base, String(i), "fulfillmentOrderLineItems", String(j), "quantity"], `Invalid fulfillment order line item quantity requested: ${item.quantity} > ${line.remainingQuantity} remaining.`);
        picks.push({ fo, line, quantity: item.quantity });
      }
    }
    const order = this.orders.find((o) => o.id === orderId)!;
    const rejected = rejection?.(order.name);
    if (rejected) return fail(rejected.field.split("."), rejected.message);
    if (picks.length === 0) return fail(base, "The fulfillment has no line items to fulfill.");

    const now = this.timestamp();
    for (const p of picks) {
      p.line.remainingQuantity -= p.quantity;
      const line = order.lines.find((l) => l.id === p.line.orderLineId)!;
      line.fulfilledQuantity += p.quantity;
      const level = this.levelFor(line.inventoryItemId, p.fo.locationId);
      level.committed -= p.quantity;
      level.onHand -= p.quantity;
      level.updatedAt = now;
    }
    for (const fo of new Set(picks.map((p) => p.fo))) fo.status = fo.lines.every((l) => l.remainingQuantity === 0) ? "CLOSED" : "IN_PROGRESS";
    const fulfillment: SandboxFulfillment = {
      id: this.nextId(),
      orderId: order.id,
      name: `${order.name}.${this.fulfillments.filter((f) => f.orderId === order.id).length + 1}`,
      status: "SUCCESS",
      createdAt: now,
      locationId: locationId!,
      tracking: { company: input.trackingInfo?.company, number: input.trackingInfo?.number, url: input.trackingInfo?.url ?? trackingUrl(input.trackingInfo?.company, input.trackingInfo?.number) },
      notifyCustomer: input.notifyCustomer ?? false,
      lines: picks.map((p) => ({ orderLineId: p.line.orderLineId, sku: p.line.sku, quantity: p.quantity })),
    };
    this.fulfillments.push(fulfillment);
    order.updatedAt = now;
    return { fulfillment, userErrors: [] };
  }

  /**
   * inventorySetQuantities. Compare-and-set as the API version defines it: up to 2025-10
   * compareQuantity unless ignoreCompareQuantity; from 2026-01 changeFromQuantity (null opts out),
   * required from 2026-04.
   */
  setQuantities(input: InventorySetQuantitiesInput, version: string, rejection?: (sku: string) => { field: string; message: string } | undefined): { group?: SandboxAdjustmentGroup; userErrors: UserError[] } {
    if (input.name !== "available" && input.name !== "on_hand") return fail(["input", "name"], `The quantity name must be either 'available' or 'on_hand'.`, "INVALID_NAME");
    const modern = versionAtLeast(version, CHANGE_FROM_QUANTITY_SINCE);
    const changes: { level: SandboxLevel; sku: string; quantity: number }[] = [];
    for (const [i, q] of input.quantities.entries()) {
      const at = ["input", "quantities", String(i)];
      const v = this.variantByInventoryItem(gidTail(q.inventoryItemId));
      if (!v) return fail([...at, "inventoryItemId"], "The specified inventory item could not be found.", "INVALID_INVENTORY_ITEM");
      const loc = this.locations.find((l) => l.id === gidTail(q.locationId));
      if (!loc) return fail([...at, "locationId"], "The specified location could not be found.", "INVALID_LOCATION");
      const rejected = rejection?.(v.sku);
      if (rejected) return fail(rejected.field.split("."), rejected.message, "INVALID_QUANTITY");
      if (q.quantity < 0 && input.name === "on_hand") return fail([...at, "quantity"], "The quantity can't be negative.", "INVALID_QUANTITY_NEGATIVE");
      const level = this.levelFor(v.inventoryItemId, loc.id);
      const current = input.name === "available" ? level.available : level.onHand;
      const hasChangeFrom = Object.prototype.hasOwnProperty.call(q, "changeFromQuantity");
      if (modern && hasChangeFrom) {
        if (q.changeFromQuantity !== null && q.changeFromQuantity !== undefined && q.changeFromQuantity !== current) return fail([...at, "changeFromQuantity"], `The specified changeFromQuantity (${q.changeFromQuantity}) does not match the current quantity (${current}).`, "CHANGE_FROM_QUANTITY_STALE");
      } else if (versionAtLeast(version, "2026-04")) {
        return fail([...at, "changeFromQuantity"], "changeFromQuantity is required: pass the current quantity, or null to skip the check.", "INVALID");
      } else if (input.ignoreCompareQuantity !== true) {
        if (q.compareQuantity === undefined || q.compareQuantity === null) return fail([...at, "compareQuantity"], "compareQuantity is required unless ignoreCompareQuantity is true.", "INVALID");
        if (q.compareQuantity !== current) return fail([...at, "compareQuantity"], `The compareQuantity value does not match persisted value.`, "COMPARE_QUANTITY_STALE");
      }
      changes.push({ level, sku: v.sku, quantity: q.quantity });
    }
    const now = this.timestamp();
    const group: SandboxAdjustmentGroup = { id: this.nextId(), at: now, name: input.name, reason: input.reason, referenceDocumentUri: input.referenceDocumentUri, changes: [] };
    for (const c of changes) {
      const current = input.name === "available" ? c.level.available : c.level.onHand;
      const delta = c.quantity - current;
      c.level.available += delta;
      c.level.onHand += delta;
      c.level.updatedAt = now;
      group.changes.push({ inventoryItemId: c.level.inventoryItemId, locationId: c.level.locationId, sku: c.sku, delta, quantityAfterChange: c.quantity });
    }
    this.adjustments.push(group);
    return { group, userErrors: [] };
  }

  private takeFromFulfillmentOrders(orderId: string, orderLineId: string, quantity: number): number {
    let left = quantity;
    for (const fo of this.fulfillmentOrders.filter((f) => f.orderId === orderId && (f.status === "OPEN" || f.status === "IN_PROGRESS"))) {
      for (const fl of fo.lines.filter((l) => l.orderLineId === orderLineId)) {
        const take = Math.min(left, fl.remainingQuantity);
        fl.remainingQuantity -= take;
        left -= take;
      }
    }
    return quantity - left;
  }

  private closeEmptyFulfillmentOrders(orderId: string): void {
    for (const fo of this.fulfillmentOrders.filter((f) => f.orderId === orderId && (f.status === "OPEN" || f.status === "IN_PROGRESS"))) {
      if (fo.lines.every((l) => l.remainingQuantity === 0)) fo.status = "CLOSED";
    }
  }

  fulfillmentStatus(order: SandboxOrder): "UNFULFILLED" | "PARTIALLY_FULFILLED" | "FULFILLED" {
    const shipped = order.lines.reduce((n, l) => n + l.fulfilledQuantity, 0);
    if (shipped === 0) return "UNFULFILLED";
    const open = this.fulfillmentOrders.filter((f) => f.orderId === order.id).some((f) => f.lines.some((l) => l.remainingQuantity > 0));
    return open ? "PARTIALLY_FULFILLED" : "FULFILLED";
  }

  /** JSON-safe snapshot for GET /_sandbox/state. */
  snapshot() {
    return {
      shop: this.shop,
      locations: this.locations,
      variants: this.variants,
      levels: this.levels.map((l) => ({ ...l, sku: this.variantByInventoryItem(l.inventoryItemId)?.sku, location: this.locations.find((x) => x.id === l.locationId)?.name })),
      orders: this.orders.map((o) => ({ ...o, fulfillmentStatus: this.fulfillmentStatus(o) })),
      fulfillmentOrders: this.fulfillmentOrders,
      fulfillments: this.fulfillments,
      refunds: this.refunds,
      adjustments: this.adjustments,
      idempotencyKeys: [...this.idempotency.keys()],
    };
  }
}

function fail(field: string[], message: string, code?: string): { userErrors: UserError[] } {
  return { userErrors: [{ field, message, ...(code ? { code } : {}) }] };
}

/** a / b rounded half-up, for non-negative a and positive b, in integers. */
export function roundHalfUp(a: number, b: number): number {
  return Math.floor((2 * a + b) / (2 * b));
}

/** Splits `total` over `weights` proportionally; the last share absorbs the rounding. */
function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (total === 0 || sum === 0) return weights.map(() => 0);
  const shares = weights.map((w) => Math.floor((total * w) / sum));
  shares[shares.length - 1] += total - shares.reduce((a, b) => a + b, 0);
  return shares;
}

function trackingUrl(company?: string, number?: string): string | undefined {
  if (!number) return undefined;
  if (/^ups$/i.test(company ?? "")) return `https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=${encodeURIComponent(number)}`;
  if (/^usps$/i.test(company ?? "")) return `https://tools.usps.com/go/TrackConfirmAction?tLabels=${encodeURIComponent(number)}`;
  if (/^fedex$/i.test(company ?? "")) return `https://www.fedex.com/fedextrack/?tracknumbers=${encodeURIComponent(number)}`;
  return undefined;
}
