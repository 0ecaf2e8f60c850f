import { createHash, randomUUID } from "node:crypto";
import { fromMinorUnits } from "../../../pipeline/model";
import type { SandboxSeed } from "../../sdk/sandbox-kit";
import type { FbaInventorySummary, SpAddress, SpOrder, SpOrderItem, SpOrderStatus, SpReport } from "../api-schemas";

/** What a test or the traffic generator gives to addOrder; everything has a default. */
export interface SandboxOrderInput {
  AmazonOrderId?: string;
  OrderStatus?: SpOrderStatus;
  FulfillmentChannel?: "MFN" | "AFN";
  PurchaseDate?: string;
  LastUpdateDate?: string;
  MarketplaceId?: string;
  IsPrime?: boolean;
  IsBusinessOrder?: boolean;
  items?: { sku: string; quantity?: number; unitPriceMinor?: number; taxMinor?: number; shippingMinor?: number; promotionMinor?: number; title?: string }[];
  buyerEmail?: string;
  buyerName?: string;
  /** Full address; by default only city/region/postal code/country, as without a restricted data token. */
  shippingAddress?: SpAddress;
}

export type SandboxOrderPatch = Partial<Pick<SpOrder, "OrderStatus" | "LastUpdateDate" | "ShippingAddress" | "IsPrime" | "ShipServiceLevel">>;

interface StoredItem {
  OrderItemId: string;
  SellerSKU: string;
  ASIN: string;
  Title: string;
  QuantityOrdered: number;
  QuantityShipped: number;
  unitPriceMinor: number;
  taxMinor: number;
  shippingMinor: number;
  promotionMinor: number;
}

export interface StoredOrder {
  id: string;
  /** Every version the order had; getOrders sees the newest one already indexed. */
  versions: { order: SpOrder; visibleAt: number }[];
  items: StoredItem[];
  packages: { packageReferenceId: string; fingerprint: string; orderItems: { orderItemId: string; quantity: number }[] }[];
  currency: string;
}

export interface InventoryRow {
  sku: string;
  asin: string;
  fnSku: string;
  productName: string;
  fulfillable: number;
  reserved: number;
  inboundWorking: number;
  inboundShipped: number;
  inboundReceiving: number;
  unfulfillable: number;
  researching: number;
  lastUpdatedTime: string;
}

export interface StoredReport extends SpReport {
  /** Sandbox bookkeeping: how many times getReport advanced a requested report. */
  polls?: number;
}

export class AmazonSandboxState {
  orders = new Map<string, StoredOrder>();
  inventory = new Map<string, InventoryRow>();
  reports = new Map<string, StoredReport>();
  private seq = 0;

  constructor(
    private readonly seed: SandboxSeed,
    readonly marketplaceId: string,
    private readonly now: () => number,
    /** Maximum delay before a new order version shows in getOrders (Amazon's indexing lag). */
    public indexLagMs = 0,
  ) {
    this.reset();
  }

  reset(): void {
    this.orders.clear();
    this.inventory.clear();
    this.reports.clear();
    const fba = this.seed.stock?.["amazon-fba"];
    this.seed.catalog.forEach((p, i) => {
      const fulfillable = fba?.[p.sku] ?? 50 + 10 * i;
      this.inventory.set(p.sku, {
        sku: p.sku,
        asin: `B0${hash(p.sku).slice(0, 8).toUpperCase()}`,
        fnSku: `X00${hash(`fn${p.sku}`).slice(0, 7).toUpperCase()}`,
        productName: p.title,
        fulfillable,
        reserved: fba ? 0 : 2 + i,
        inboundWorking: 0,
        inboundShipped: fba ? 0 : 12,
        inboundReceiving: 0,
        unfulfillable: fba ? 0 : 1,
        researching: 0,
        lastUpdatedTime: new Date(this.now()).toISOString(),
      });
    });
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  nextId(): number {
    return ++this.seq;
  }

  newOrderId(): string {
    const n = this.nextId();
    const h = hash(`order${n}${randomUUID()}`);
    const digits = (s: string, len: number) => String(parseInt(s, 16)).padStart(len, "0").slice(-len);
    return `11${n % 10}-${digits(h.slice(0, 8), 7)}-${digits(h.slice(8, 16), 7)}`;
  }

  addOrder(input: SandboxOrderInput = {}): SpOrder {
    const id = input.AmazonOrderId ?? this.newOrderId();
    if (this.orders.has(id)) throw new Error(`order ${id} exists`);
    const currency = this.seed.currency;
    const catalog = this.seed.catalog;
    const lines = input.items ?? [{ sku: catalog[this.seq % catalog.length]!.sku, quantity: 1 }];
    const items: StoredItem[] = lines.map((l, i) => {
      const product = catalog.find((p) => p.sku === l.sku);
      const quantity = l.quantity ?? 1;
      const unit = l.unitPriceMinor ?? product?.priceMinor ?? 1000;
      return {
        OrderItemId: String(10_000_000_000_000 + this.nextId() * 100 + i),
        SellerSKU: l.sku,
        ASIN: this.inventory.get(l.sku)?.asin ?? `B0${hash(l.sku).slice(0, 8).toUpperCase()}`,
        Title: l.title ?? product?.title ?? l.sku,
        QuantityOrdered: quantity,
        QuantityShipped: 0,
        unitPriceMinor: unit,
        taxMinor: l.taxMinor ?? Math.round(unit * quantity * 0.08),
        shippingMinor: l.shippingMinor ?? 0,
        promotionMinor: l.promotionMinor ?? 0,
      };
    });
    const purchase = input.PurchaseDate ?? this.nowIso();
    const fulfilment = input.FulfillmentChannel ?? "MFN";
    const order: SpOrder = {
      AmazonOrderId: id,
      PurchaseDate: purchase,
      LastUpdateDate: input.LastUpdateDate ?? purchase,
      OrderStatus: input.OrderStatus ?? (fulfilment === "AFN" ? "Shipped" : "Unshipped"),
      FulfillmentChannel: fulfilment,
      SalesChannel: "Amazon.com",
      ShipServiceLevel: "Std US D2D Dom",
      ShipmentServiceLevelCategory: "Standard",
      MarketplaceId: input.MarketplaceId ?? this.marketplaceId,
      OrderType: "StandardOrder",
      IsBusinessOrder: input.IsBusinessOrder ?? false,
      IsPrime: input.IsPrime ?? false,
      IsReplacementOrder: false,
      ShippingAddress: input.shippingAddress ?? { City: "SEATTLE", StateOrRegion: "WA", PostalCode: "98121-2778", CountryCode: "US" },
      BuyerInfo: { BuyerEmail: input.buyerEmail ?? `${hash(id).slice(0, 12)}@marketplace.amazon.com`, BuyerName: input.buyerName },
    };
    const stored: StoredOrder = { id, versions: [], items, packages: [], currency };
    this.orders.set(id, stored);
    this.pushVersion(stored, order);
    return this.render(stored, order);
  }

  updateOrder(id: string, patch: SandboxOrderPatch): SpOrder {
    const stored = this.orders.get(id);
    if (!stored) throw new Error(`no order ${id}`);
    const current = stored.versions.at(-1)!.order;
    const next: SpOrder = { ...current, ...patch, LastUpdateDate: patch.LastUpdateDate ?? this.nowIso() };
    if (next.OrderStatus === "Shipped") for (const it of stored.items) it.QuantityShipped = it.QuantityOrdered;
    this.pushVersion(stored, next);
    return this.render(stored, next);
  }

  /** Records units shipped by confirmShipment and moves the order to PartiallyShipped/Shipped. */
  shipItems(id: string, lines: { orderItemId: string; quantity: number }[]): SpOrder {
    const stored = this.orders.get(id)!;
    for (const l of lines) stored.items.find((i) => i.OrderItemId === l.orderItemId)!.QuantityShipped += l.quantity;
    const all = stored.items.every((i) => i.QuantityShipped >= i.QuantityOrdered);
    return this.updateOrder(id, { OrderStatus: all ? "Shipped" : "PartiallyShipped" });
  }

  private pushVersion(stored: StoredOrder, order: SpOrder): void {
    const lag = this.indexLagMs ? parseInt(hash(`${order.AmazonOrderId}@${order.LastUpdateDate}`).slice(0, 8), 16) % (this.indexLagMs + 1) : 0;
    stored.versions.push({ order, visibleAt: Date.parse(order.LastUpdateDate) + lag });
  }

  /** The order as getOrder returns it now (newest version, counts derived from the items). */
  latest(id: string): SpOrder | undefined {
    const stored = this.orders.get(id);
    return stored && this.render(stored, stored.versions.at(-1)!.order);
  }

  /** What getOrders can see at this moment: per order, the newest version already indexed. */
  indexedOrders(): SpOrder[] {
    const now = this.now();
    const out: SpOrder[] = [];
    for (const stored of this.orders.values()) {
      const visible = stored.versions.filter((v) => v.visibleAt <= now).at(-1);
      if (visible) out.push(this.render(stored, visible.order));
    }
    return out;
  }

  private render(stored: StoredOrder, order: SpOrder): SpOrder {
    const pricing = order.OrderStatus !== "Pending" && order.OrderStatus !== "PendingAvailability" && order.OrderStatus !== "Canceled";
    const shipped = stored.items.reduce((s, i) => s + i.QuantityShipped, 0);
    const ordered = stored.items.reduce((s, i) => s + i.QuantityOrdered, 0);
    const total = stored.items.reduce((s, i) => s + i.unitPriceMinor * i.QuantityOrdered + i.taxMinor + i.shippingMinor - i.promotionMinor, 0);
    return {
      ...order,
      NumberOfItemsShipped: order.OrderStatus === "Canceled" ? 0 : shipped,
      NumberOfItemsUnshipped: order.OrderStatus === "Canceled" ? 0 : ordered - shipped,
      ...(pricing ? { OrderTotal: { CurrencyCode: stored.currency, Amount: fromMinorUnits(total, stored.currency) } } : {}),
    };
  }

  /**
   * getOrderItems as Amazon answers it: no prices while Pending, QuantityOrdered 0 once the
   * order is Canceled.
   */
  orderItems(id: string): SpOrderItem[] {
    const stored = this.orders.get(id);
    if (!stored) return [];
    const status = stored.versions.at(-1)!.order.OrderStatus;
    const priced = status !== "Pending" && status !== "PendingAvailability" && status !== "Canceled";
    const m = (minor: number) => ({ CurrencyCode: stored.currency, Amount: fromMinorUnits(minor, stored.currency) });
    return stored.items.map((i) => ({
      ASIN: i.ASIN,
      OrderItemId: i.OrderItemId,
      SellerSKU: i.SellerSKU,
      Title: i.Title,
      QuantityOrdered: status === "Canceled" ? 0 : i.QuantityOrdered,
      QuantityShipped: i.QuantityShipped,
      ...(priced
        ? {
            ItemPrice: m(i.unitPriceMinor * i.QuantityOrdered),
            ItemTax: m(i.taxMinor),
            ShippingPrice: m(i.shippingMinor),
            ShippingTax: m(0),
            PromotionDiscount: m(i.promotionMinor),
            PromotionDiscountTax: m(0),
            ...(i.promotionMinor ? { PromotionIds: ["SANDBOX-PROMO"] } : {}),
          }
        : {}),
    }));
  }

  /** Changes FBA stock. Inbound-only changes keep lastUpdatedTime, as Amazon's change feed misses them. */
  setInventory(sku: string, patch: Partial<Omit<InventoryRow, "sku" | "lastUpdatedTime">>): InventoryRow {
    const row = this.inventory.get(sku);
    if (!row) throw new Error(`no FBA SKU ${sku}`);
    const inboundOnly = Object.keys(patch).every((k) => k.startsWith("inbound"));
    Object.assign(row, patch);
    if (!inboundOnly) row.lastUpdatedTime = this.nowIso();
    return row;
  }

  inventorySummary(row: InventoryRow, details: boolean): FbaInventorySummary {
    const total = row.fulfillable + row.reserved + row.inboundWorking + row.inboundShipped + row.inboundReceiving + row.unfulfillable + row.researching;
    return {
      asin: row.asin,
      fnSku: row.fnSku,
      sellerSku: row.sku,
      condition: "NewItem",
      ...(details
        ? {
            inventoryDetails: {
              fulfillableQuantity: row.fulfillable,
              inboundWorkingQuantity: row.inboundWorking,
              inboundShippedQuantity: row.inboundShipped,
              inboundReceivingQuantity: row.inboundReceiving,
              reservedQuantity: { totalReservedQuantity: row.reserved, pendingCustomerOrderQuantity: row.reserved, pendingTransshipmentQuantity: 0, fcProcessingQuantity: 0 },
              researchingQuantity: { totalResearchingQuantity: row.researching },
              unfulfillableQuantity: { totalUnfulfillableQuantity: row.unfulfillable },
            },
          }
        : {}),
      lastUpdatedTime: row.lastUpdatedTime,
      productName: row.productName,
      totalQuantity: total,
    };
  }

  addReport(report: Omit<StoredReport, "reportId" | "createdTime"> & { createdTime?: string }): StoredReport {
    const stored: StoredReport = { ...report, reportId: String(50_000_000_000 + this.nextId()), createdTime: report.createdTime ?? this.nowIso() };
    this.reports.set(stored.reportId, stored);
    return stored;
  }
}

function hash(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}
