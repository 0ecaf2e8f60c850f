import { fromMinorUnits } from "../../../pipeline/model";
import { SETTLEMENT_COLUMNS } from "../settlement-report";

/**
 * Generates GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2 files the way Amazon writes them: the
 * header, a summary row carrying settlement-id/period/deposit-date/total-amount/currency, then one
 * row per amount (Order: ItemPrice Principal/Tax/Shipping, ItemWithheldTax for marketplace-
 * facilitator tax in the US, ItemFees Commission/FBAPerUnitFulfillmentFee, Promotion; Refund;
 * other-transaction: FBA Inventory Reimbursement reasons, fees, reserve). Used by the sandbox's
 * Reports API and by tests. Amounts are minor units in, decimal text out (comma decimals for EU).
 */

export interface SettlementOrderSpec {
  orderId?: string;
  sku: string;
  quantity?: number;
  /** ItemPrice Principal: the whole line (unit × quantity). */
  principalMinor: number;
  taxMinor?: number;
  shippingMinor?: number;
  /** The discount given, as a positive number; written negative as Amazon does. */
  promotionMinor?: number;
  promotionId?: string;
  fulfillment?: "AFN" | "MFN";
  /** Referral fee, positive; default 15 % of principal. Written negative. */
  commissionMinor?: number;
  /** FBA fulfilment fee, positive; default 322 for AFN, none for MFN. Written negative. */
  fbaFeeMinor?: number;
  postedAt?: string;
}

export interface SettlementRefundSpec {
  orderId: string;
  sku: string;
  quantity?: number;
  /** Refunded principal, positive; written negative. */
  principalMinor: number;
  taxMinor?: number;
  /** Commission Amazon gives back, positive. */
  commissionMinor?: number;
  /** Amazon's refund administration fee, positive; written negative. */
  refundCommissionMinor?: number;
  adjustmentId?: string;
  postedAt?: string;
}

export interface SettlementReimbursementSpec {
  sku: string;
  /** amount-description, e.g. WAREHOUSE_DAMAGE, WAREHOUSE_LOST, REVERSAL_REIMBURSEMENT (negative). */
  reason?: string;
  amountMinor: number;
  quantity?: number;
  orderId?: string;
  postedAt?: string;
}

export interface SettlementSpec {
  settlementId?: string;
  currency?: string;
  marketplaceName?: string;
  startDate?: string;
  endDate?: string;
  depositDate?: string;
  orders?: SettlementOrderSpec[];
  refunds?: SettlementRefundSpec[];
  reimbursements?: SettlementReimbursementSpec[];
  /** other-transaction fees (Storage Fee, Subscription Fee...), positive; written negative. */
  fees?: { description: string; amountMinor: number; sku?: string }[];
  /** Previous reserve released (+) and current reserve held (−), both given positive. */
  reserve?: { previousMinor: number; currentMinor: number };
  /** Extra raw rows (amounts in minor units), for cases the helpers above do not cover. */
  rows?: (Partial<Record<(typeof SETTLEMENT_COLUMNS)[number], string>> & { amountMinor: number })[];
  /**
   * Faults: the reimbursement row (all, or the one of this SKU) is missing from the file while
   * total-amount still includes it; a fee line reports a different amount than total-amount
   * accounts for.
   */
  omitReimbursement?: boolean | string;
  feeChange?: { orderId?: string; description?: string; amountMinor: number };
  format?: {
    /** EU style: 95,00. Default: comma for .de/.fr/.it/.es/.nl/.pl/.se/.com.tr marketplaces. */
    decimalComma?: boolean;
    /** "utc" 2026-11-01 08:00:00 UTC (default), "iso" 2026-11-01T08:00:00+00:00, "dotted" 01.11.2026 08:00:00 UTC. */
    dates?: "utc" | "iso" | "dotted";
  };
}

export interface GeneratedSettlement {
  settlementId: string;
  currency: string;
  totalMinor: number;
  /** The file with the spec's faults applied (what Amazon "sent"). */
  tsv: string;
  /** The same settlement with every line right: what the file should have said. */
  truthTsv: string;
}

let sequence = 0;

export function generateSettlementReport(spec: SettlementSpec): GeneratedSettlement {
  const n = ++sequence;
  const settlementId = spec.settlementId ?? String(11_800_000_000 + n * 7919);
  const currency = spec.currency ?? "USD";
  const marketplace = spec.marketplaceName ?? "Amazon.com";
  const comma = spec.format?.decimalComma ?? /amazon\.(de|fr|it|es|nl|pl|se|com\.tr|com\.be)$/i.test(marketplace);
  const dates = spec.format?.dates ?? "utc";
  const start = spec.startDate ?? "2026-11-01T08:00:00Z";
  const end = spec.endDate ?? "2026-11-15T08:00:00Z";
  const deposit = spec.depositDate ?? "2026-11-17T08:00:00Z";
  const us = /amazon\.com$/i.test(marketplace);

  type Row = { cols: Record<string, string | undefined>; amountMinor: number; omitted?: boolean };
  const rows: Row[] = [];
  const row = (r: Record<string, string | undefined>, amountMinor: number, postedAt: string): Row => ({
    cols: {
      ...r,
      "settlement-id": settlementId,
      "marketplace-name": marketplace,
      "posted-date": formatDate(postedAt, dates, false),
      "posted-date-time": formatDate(postedAt, dates, true),
    },
    amountMinor,
  });

  (spec.orders ?? []).forEach((o, i) => {
    const orderId = o.orderId ?? orderIdFor(n, i);
    const at = o.postedAt ?? new Date(Date.parse(start) + (i + 1) * 3_600_000).toISOString();
    const fulfillment = o.fulfillment ?? "AFN";
    const base = {
      "transaction-type": "Order",
      "order-id": orderId,
      "merchant-order-id": "",
      "shipment-id": `D${String(1000000 + n * 100 + i)}`,
      "fulfillment-id": fulfillment,
      "order-item-code": String(40_000_000_000_000 + n * 1000 + i),
      sku: o.sku,
      "quantity-purchased": String(o.quantity ?? 1),
    };
    rows.push(row({ ...base, "amount-type": "ItemPrice", "amount-description": "Principal" }, o.principalMinor, at));
    if (o.taxMinor) {
      rows.push(row({ ...base, "amount-type": "ItemPrice", "amount-description": "Tax" }, o.taxMinor, at));
      if (us) rows.push(row({ ...base, "amount-type": "ItemWithheldTax", "amount-description": "MarketplaceFacilitatorTax-Principal" }, -o.taxMinor, at));
    }
    if (o.shippingMinor) rows.push(row({ ...base, "amount-type": "ItemPrice", "amount-description": "Shipping" }, o.shippingMinor, at));
    if (o.promotionMinor) {
      rows.push(row({ ...base, "amount-type": "Promotion", "amount-description": "Principal", "promotion-id": o.promotionId ?? "PLM-PROMO-1" }, -o.promotionMinor, at));
    }
    const commission = o.commissionMinor ?? Math.round(o.principalMinor * 0.15);
    rows.push(row({ ...base, "amount-type": "ItemFees", "amount-description": "Commission" }, -commission, at));
    const fbaFee = o.fbaFeeMinor ?? (fulfillment === "AFN" ? 322 : 0);
    if (fbaFee) rows.push(row({ ...base, "amount-type": "ItemFees", "amount-description": "FBAPerUnitFulfillmentFee" }, -fbaFee, at));
  });

  (spec.refunds ?? []).forEach((r, i) => {
    const at = r.postedAt ?? new Date(Date.parse(start) + (i + 1) * 5_400_000).toISOString();
    const base = {
      "transaction-type": "Refund",
      "order-id": r.orderId,
      "adjustment-id": r.adjustmentId ?? `amzn1:crow:${n}-${i}`,
      "fulfillment-id": "AFN",
      "merchant-adjustment-item-id": "",
      sku: r.sku,
      "quantity-purchased": String(r.quantity ?? 1),
    };
    rows.push(row({ ...base, "amount-type": "ItemPrice", "amount-description": "Principal" }, -r.principalMinor, at));
    if (r.taxMinor) {
      rows.push(row({ ...base, "amount-type": "ItemPrice", "amount-description": "Tax" }, -r.taxMinor, at));
      if (us) rows.push(row({ ...base, "amount-type": "ItemWithheldTax", "amount-description": "MarketplaceFacilitatorTax-Principal" }, r.taxMinor, at));
    }
    const commission = r.commissionMinor ?? Math.round(r.principalMinor * 0.15);
    rows.push(row({ ...base, "amount-type": "ItemFees", "amount-description": "Commission" }, commission, at));
    const refundCommission = r.refundCommissionMinor ?? Math.min(500, Math.round(commission * 0.2));
    if (refundCommission) rows.push(row({ ...base, "amount-type": "ItemFees", "amount-description": "RefundCommission" }, -refundCommission, at));
  });

  (spec.reimbursements ?? []).forEach((r, i) => {
    const at = r.postedAt ?? new Date(Date.parse(start) + (i + 2) * 86_400_000).toISOString();
    const reimbursement = row(
      {
        "transaction-type": "other-transaction",
        "order-id": r.orderId ?? "",
        "amount-type": "FBA Inventory Reimbursement",
        "amount-description": r.reason ?? "WAREHOUSE_DAMAGE",
        "adjustment-id": `${5_000_000 + n * 10 + i}`,
        sku: r.sku,
        "quantity-purchased": String(r.quantity ?? 1),
      },
      r.amountMinor,
      at,
    );
    if (spec.omitReimbursement === true || spec.omitReimbursement === r.sku) reimbursement.omitted = true;
    rows.push(reimbursement);
  });

  for (const f of spec.fees ?? []) {
    rows.push(row({ "transaction-type": "other-transaction", "amount-type": "other-transaction", "amount-description": f.description, sku: f.sku ?? "" }, -f.amountMinor, end));
  }
  if (spec.reserve) {
    rows.push(row({ "transaction-type": "other-transaction", "amount-type": "other-transaction", "amount-description": "Previous Reserve Amount Balance" }, spec.reserve.previousMinor, start));
    rows.push(row({ "transaction-type": "other-transaction", "amount-type": "other-transaction", "amount-description": "Current Reserve Amount" }, -spec.reserve.currentMinor, end));
  }
  for (const r of spec.rows ?? []) {
    const { amountMinor, ...cols } = r;
    rows.push(row(cols, amountMinor, end));
  }

  const totalMinor = rows.reduce((s, r) => s + r.amountMinor, 0);
  const reported = rows.filter((r) => !r.omitted).map((r) => ({ ...r }));
  if (spec.feeChange) {
    const target = reported.find(
      (r) =>
        r.cols["amount-type"] === "ItemFees" &&
        (!spec.feeChange!.orderId || r.cols["order-id"] === spec.feeChange!.orderId) &&
        (!spec.feeChange!.description || r.cols["amount-description"] === spec.feeChange!.description),
    );
    if (!target) throw new Error("feeChange matches no fee row");
    target.amountMinor = -Math.abs(spec.feeChange.amountMinor);
  }

  const money = (minor: number) => {
    const s = fromMinorUnits(minor, currency);
    return comma ? s.replace(".", ",") : s;
  };
  const summary: Record<string, string> = {
    "settlement-id": settlementId,
    "settlement-start-date": formatDate(start, dates, true),
    "settlement-end-date": formatDate(end, dates, true),
    "deposit-date": formatDate(deposit, dates, true),
    "total-amount": money(totalMinor),
    currency,
  };
  const render = (body: Row[]) =>
    [SETTLEMENT_COLUMNS.join("\t"), line(summary), ...body.map((r) => line({ ...r.cols, amount: money(r.amountMinor) }))].join("\n") + "\n";
  return { settlementId, currency, totalMinor, tsv: render(reported), truthTsv: render(rows) };
}

function line(r: Record<string, string | undefined>): string {
  return SETTLEMENT_COLUMNS.map((c) => String(r[c] ?? "")).join("\t");
}

function orderIdFor(n: number, i: number): string {
  const a = String(100 + ((n * 37 + i) % 900));
  const b = String(1_000_000 + ((n * 7_919 + i * 104_729) % 9_000_000));
  const c = String(1_000_000 + ((n * 15_485_863 + i * 32_452_843) % 9_000_000));
  return `${a}-${b}-${c}`;
}

function formatDate(iso: string, style: "utc" | "iso" | "dotted", withTime: boolean): string {
  const d = new Date(iso);
  const p = (x: number) => String(x).padStart(2, "0");
  const [y, m, day, h, mi, s] = [d.getUTCFullYear(), p(d.getUTCMonth() + 1), p(d.getUTCDate()), p(d.getUTCHours()), p(d.getUTCMinutes()), p(d.getUTCSeconds())];
  if (style === "dotted") return withTime ? `${day}.${m}.${y} ${h}:${mi}:${s} UTC` : `${day}.${m}.${y}`;
  if (style === "iso") return withTime ? `${y}-${m}-${day}T${h}:${mi}:${s}+00:00` : `${y}-${m}-${day}`;
  return withTime ? `${y}-${m}-${day} ${h}:${mi}:${s} UTC` : `${y}-${m}-${day}`;
}
