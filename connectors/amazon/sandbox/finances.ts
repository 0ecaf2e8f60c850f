import { createHash } from "node:crypto";
import { fromMinorUnits, type SettlementLine } from "../../../pipeline/model";
import type { FinancialEventGroup, FinancialEvents } from "../api-schemas";
import { parseSettlementReport } from "../settlement-report";

/**
 * The Finances API side of a sandbox settlement: one financial event group per settlement period
 * and its events, built from the settlement as it really was (the generator's truth file), not
 * from the file Amazon "sent". A settlement report with a deliberate fault (a dropped
 * reimbursement row, a changed fee) therefore disagrees with Finances exactly where the fault is,
 * as it would when a report and the ledger behind it disagree.
 *
 * Event shapes follow financesV0.json; names are chosen as Amazon uses them so that
 * mapFinancialEvents reads each back as the report's line (ChargeType/FeeType = the report's
 * amount-description, FBAInventoryReimbursement adjustments, ServiceFee events for account fees).
 */
export interface SandboxFinances {
  group: FinancialEventGroup;
  events: FinancialEvents;
}

export function financesOfSettlement(truthTsv: string): SandboxFinances {
  const truth = parseSettlementReport(truthTsv);
  const cur = truth.total.currency;
  const money = (minor: number) => ({ CurrencyCode: cur, CurrencyAmount: Number(fromMinorUnits(minor, cur)) });
  const col = (l: SettlementLine, c: string) => (typeof l.raw?.[c] === "string" ? (l.raw[c] as string) : "");
  const amazonId = (l: SettlementLine) => col(l, "order-id");

  type Item = NonNullable<NonNullable<FinancialEvents["ShipmentEventList"]>[number]["ShipmentItemList"]>[number];
  const shipments = new Map<string, { AmazonOrderId: string; PostedDate?: string; items: Map<string, Item> }>();
  const refunds = new Map<string, { AmazonOrderId: string; PostedDate?: string; items: Map<string, Item> }>();
  const events: Required<Pick<FinancialEvents, "AdjustmentEventList" | "ServiceFeeEventList">> = { AdjustmentEventList: [], ServiceFeeEventList: [] };

  for (const l of truth.lines) {
    const tx = col(l, "transaction-type");
    const type = col(l, "amount-type");
    if (tx === "Order" || tx === "Refund") {
      const refund = tx === "Refund";
      const byOrder = refund ? refunds : shipments;
      const key = `${amazonId(l)}|${col(l, "shipment-id") || col(l, "adjustment-id")}`;
      const ev = byOrder.get(key) ?? byOrder.set(key, { AmazonOrderId: amazonId(l), PostedDate: l.postedAt, items: new Map() }).get(key)!;
      const itemKey = `${l.sku ?? ""}|${col(l, "order-item-code") || col(l, "merchant-adjustment-item-id")}`;
      const item = ev.items.get(itemKey) ?? ev.items.set(itemKey, { SellerSKU: l.sku, OrderItemId: col(l, "order-item-code") || undefined, QuantityShipped: Number(col(l, "quantity-purchased") || 1) }).get(itemKey)!;
      const amount = money(l.amount.amountMinor);
      if (type === "ItemFees") {
        const list = refund ? (item.ItemFeeAdjustmentList ??= []) : (item.ItemFeeList ??= []);
        list.push({ FeeType: l.description, FeeAmount: amount });
      } else if (type === "Promotion") {
        const list = refund ? (item.PromotionAdjustmentList ??= []) : (item.PromotionList ??= []);
        list.push({ PromotionType: l.description, PromotionId: col(l, "promotion-id") || undefined, PromotionAmount: amount });
      } else {
        // ItemPrice and ItemWithheldTax rows are charges named as the report names them.
        const list = refund ? (item.ItemChargeAdjustmentList ??= []) : (item.ItemChargeList ??= []);
        list.push({ ChargeType: l.description, ChargeAmount: amount });
      }
      continue;
    }
    if (l.kind === "reimbursement") {
      events.AdjustmentEventList.push({ AdjustmentType: "FBAInventoryReimbursement", PostedDate: l.postedAt, AdjustmentAmount: money(l.amount.amountMinor), AdjustmentItemList: l.sku ? [{ SellerSKU: l.sku, Quantity: col(l, "quantity-purchased") || "1", TotalAmount: money(l.amount.amountMinor) }] : undefined });
    } else if (l.kind === "fee") {
      events.ServiceFeeEventList.push({ FeeReason: l.description, SellerSKU: l.sku, FeeList: [{ FeeType: l.description, FeeAmount: money(l.amount.amountMinor) }] });
    } else {
      events.AdjustmentEventList.push({ AdjustmentType: l.description, PostedDate: l.postedAt, AdjustmentAmount: money(l.amount.amountMinor) });
    }
  }

  const asEvents = (m: typeof shipments) => [...m.values()].map((e) => ({ AmazonOrderId: e.AmazonOrderId, PostedDate: e.PostedDate, ...(m === refunds ? { ShipmentItemAdjustmentList: [...e.items.values()] } : { ShipmentItemList: [...e.items.values()] }) }));
  const groupId = createHash("sha256").update(`feg:${truth.id}`).digest("base64url").slice(0, 43);
  return {
    group: {
      FinancialEventGroupId: groupId,
      ProcessingStatus: "Closed",
      FundTransferStatus: "Succeeded",
      OriginalTotal: money(truth.total.amountMinor),
      ConvertedTotal: money(truth.total.amountMinor),
      FundTransferDate: truth.depositDate,
      TraceId: `TRACE${truth.id}`,
      FinancialEventGroupStart: truth.periodStart,
      FinancialEventGroupEnd: truth.periodEnd,
    },
    events: { ShipmentEventList: asEvents(shipments), RefundEventList: asEvents(refunds), ...events },
  };
}
