import type { z } from "zod";
import { ClassifiedError } from "../../pipeline/errors";
import { AccountingPosting, SettlementLineKind, fromMinorUnits, toMinorUnits, type Order, type Payout, type Refund } from "../../pipeline/model";
import {
  JournalEntryWrite,
  QboLine,
  RefundReceiptWrite,
  SalesReceiptWrite,
  type QboInvoice,
  type QboJournalEntry,
  type QboRefundReceipt,
  type QboSalesReceipt,
} from "./api-schemas";
import { docNumberFor, readSourceMarkers, sourceMarker } from "./identifiers";
import { accountForKind, txnDateOf, type QuickBooksSettings } from "./settings";

/**
 * Pure mappings between the canonical model and QBO documents.
 *
 * How amounts stay exact: every figure is integer minor units until the last step, where
 * fromMinorUnits renders the decimal QBO expects ("12.34" becomes the JSON number 12.34, whose
 * shortest round-trip form is exactly those digits). Lines are posted at unit price × quantity,
 * the order's discount total as one DiscountLineDetail line, shipping as a line on QBO's
 * SHIPPING_ITEM_ID, and tax as TxnTaxDetail.TotalTax; the mapping refuses an order whose parts do
 * not add up to its total, so QBO's TotalAmt (lines − discount + tax) equals the order total.
 *
 * How tax is carried: QBO US computes sales tax from tax codes (TxnTaxCodeRef, and with
 * Automated Sales Tax from the ship-to address) unless the request states TotalTax. We always
 * state it, so the books carry the tax the channel actually charged; AST honours an explicit
 * amount and prorates it across the rates of the code it assigns. settings.taxCodeId names the
 * code (and so the agency) for companies without AST. Lines carry TAX / NON so QBO's taxable
 * sales report stays right. Tax-inclusive prices are refused (see salesReceiptFromOrder).
 */

type Money = { amountMinor: number; currency: string };

/** The JSON number QBO expects for minor units (12.34 for 1234 USD). */
export function qboAmount(amountMinor: number, currency: string): number {
  return Number(fromMinorUnits(amountMinor, currency));
}

/** Minor units of an amount QBO sent (a JSON number, or a string read from XML). */
export function minorOf(amount: number | string | undefined, currency: string): number {
  if (amount === undefined || amount === "") return 0;
  return toMinorUnits(amount, currency);
}

function invalid(field: string, reason: string): ClassifiedError {
  return new ClassifiedError({ errorClass: "validation", field, reason, message: `cannot post to QuickBooks: ${field}: ${reason}` });
}

function sameCurrency(m: Money, currency: string, field: string): number {
  if (m.currency !== currency) throw invalid(field, `is in ${m.currency} but the document is in ${currency}`);
  return m.amountMinor;
}

function checked<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw invalid(`${what}.${issue.path.join(".")}`, issue.message);
}

/** QBO Ids of the records a document references, resolved by the destination beforehand. */
export interface DocumentRefs {
  itemIdBySku: Record<string, string>;
  customerId?: string;
  paymentMethodId?: string;
}

export interface BuiltDocument<T> {
  body: T;
  /** The TotalAmt QBO must compute from this body. */
  totalMinor: number;
}

/** Canonical order → SalesReceipt create body. Throws `validation` when the order cannot be posted exactly. */
export function salesReceiptFromOrder(order: Order, refs: DocumentRefs, settings: QuickBooksSettings): BuiltDocument<SalesReceiptWrite> {
  const cur = order.currency;
  if (order.taxesIncluded) {
    // Tax-inclusive prices need QBO's GlobalTaxCalculation=TaxInclusive and per-line net amounts
    // that the channel does not give us; posting gross lines plus TotalTax would overstate income.
    throw invalid("taxesIncluded", "orders with tax-inclusive prices are not posted automatically; post this order by hand or disable tax-inclusive pricing");
  }
  const taxMinor = sameCurrency(order.totals.tax, cur, "totals.tax");
  const anyLineTaxDetail = order.lines.some((l) => l.taxes.length > 0);
  const lineTaxed = (taxes: { amount: Money }[]) => taxes.some((t) => t.amount.amountMinor !== 0);
  let grossMinor = 0;
  const lines: SalesReceiptWrite["Line"] = order.lines.map((l, i) => {
    const itemId = refs.itemIdBySku[l.sku];
    if (!itemId) throw invalid(`lines[${i}].sku`, `no QuickBooks item for SKU ${l.sku}: add a quickbooks_item mapping or give the QBO item that SKU`);
    const unit = sameCurrency(l.unitPrice, cur, `lines[${i}].unitPrice`);
    const amount = unit * l.quantity;
    grossMinor += amount;
    const taxable = anyLineTaxDetail ? lineTaxed(l.taxes) : taxMinor !== 0;
    return {
      DetailType: "SalesItemLineDetail" as const,
      Amount: qboAmount(amount, cur),
      Description: l.title ? `${l.title} (${l.sku})` : l.sku,
      SalesItemLineDetail: {
        ItemRef: { value: itemId },
        Qty: l.quantity,
        UnitPrice: qboAmount(unit, cur),
        TaxCodeRef: { value: taxable ? settings.taxableCode : settings.nonTaxableCode },
      },
    };
  });
  const shippingMinor = sameCurrency(order.totals.shipping, cur, "totals.shipping");
  if (shippingMinor < 0) throw invalid("totals.shipping", "is negative");
  if (shippingMinor > 0) {
    lines.push({
      DetailType: "SalesItemLineDetail",
      Amount: qboAmount(shippingMinor, cur),
      Description: order.shippingLines.map((s) => s.title).join(", ") || "Shipping",
      SalesItemLineDetail: {
        ItemRef: { value: settings.shippingItemId },
        TaxCodeRef: { value: order.shippingLines.some((s) => lineTaxed(s.taxes)) ? settings.taxableCode : settings.nonTaxableCode },
      },
    });
  }
  const discountMinor = sameCurrency(order.totals.discounts, cur, "totals.discounts");
  if (discountMinor < 0) throw invalid("totals.discounts", "is negative");
  if (discountMinor > 0) {
    const names = order.discounts.map((d) => d.code ?? d.title).filter(Boolean);
    lines.push({
      DetailType: "DiscountLineDetail",
      Amount: qboAmount(discountMinor, cur),
      Description: names.length ? `Discount ${names.join(", ")}` : "Discount",
      DiscountLineDetail: { PercentBased: false, ...(settings.accounts.discounts ? { DiscountAccountRef: { value: settings.accounts.discounts } } : {}) },
    });
  }
  const totalMinor = grossMinor - discountMinor + shippingMinor + taxMinor;
  const orderTotal = sameCurrency(order.totals.total, cur, "totals.total");
  if (totalMinor !== orderTotal) {
    throw invalid(
      "totals.total",
      `lines ${fromMinorUnits(grossMinor, cur)} − discounts ${fromMinorUnits(discountMinor, cur)} + shipping ${fromMinorUnits(shippingMinor, cur)} + tax ${fromMinorUnits(taxMinor, cur)} = ${fromMinorUnits(totalMinor, cur)}, but the order total is ${fromMinorUnits(orderTotal, cur)} ${cur}`,
    );
  }
  const body = {
    DocNumber: docNumberFor(order.orderNumber, settings.docNumberPrefix),
    TxnDate: txnDateOf(order.createdAt, settings.timeZone),
    PrivateNote: `Order ${order.orderNumber} from ${order.channel} ${sourceMarker("order", order.orderNumber)}`,
    ...(refs.customerId ? { CustomerRef: { value: refs.customerId } } : {}),
    ...(cur !== settings.homeCurrency ? { CurrencyRef: { value: cur } } : {}),
    ...(refs.paymentMethodId ? { PaymentMethodRef: { value: refs.paymentMethodId } } : {}),
    ...(settings.accounts.deposit ? { DepositToAccountRef: { value: settings.accounts.deposit } } : {}),
    Line: lines,
    TxnTaxDetail: { ...(settings.taxCodeId ? { TxnTaxCodeRef: { value: settings.taxCodeId } } : {}), TotalTax: qboAmount(taxMinor, cur) },
  };
  return { body: checked(SalesReceiptWrite, body, "SalesReceipt"), totalMinor };
}

/** The DocNumber a refund is posted under: its order's number plus the tail of the refund id. */
export function refundDocNumber(refund: Refund, prefix = ""): string {
  // The last alphanumeric run of the id ("shopify:refund:77001" → "77001"), at most 6 characters.
  const tail = (refund.id.split(/[^A-Za-z0-9]+/).filter(Boolean).at(-1) ?? "0").slice(-6);
  return docNumberFor(`${refund.orderNumber.replace(/^#+/, "")}-R${tail}`, prefix);
}

/** Canonical refund → RefundReceipt create body, or undefined when the refund moves no money. */
export function refundReceiptFromRefund(refund: Refund, refs: DocumentRefs, settings: QuickBooksSettings): BuiltDocument<RefundReceiptWrite> | undefined {
  const cur = refund.total.currency;
  let linesMinor = 0;
  let taxMinor = 0;
  const lines: RefundReceiptWrite["Line"] = [];
  refund.lines.forEach((l, i) => {
    const amount = sameCurrency(l.amount, cur, `lines[${i}].amount`);
    taxMinor += l.tax ? sameCurrency(l.tax, cur, `lines[${i}].tax`) : 0;
    if (amount === 0) return; // a restock-only line: nothing to refund
    const itemId = refs.itemIdBySku[l.sku];
    if (!itemId) throw invalid(`lines[${i}].sku`, `no QuickBooks item for SKU ${l.sku}: add a quickbooks_item mapping or give the QBO item that SKU`);
    linesMinor += amount;
    // QBO checks Amount = Qty × UnitPrice; a refund amount that does not divide by the quantity
    // is posted as an amount-only line rather than with a rounded unit price.
    const exactUnit = l.quantity > 0 && amount % l.quantity === 0;
    lines.push({
      DetailType: "SalesItemLineDetail",
      Amount: qboAmount(amount, cur),
      Description: exactUnit || l.quantity === 0 ? l.sku : `${l.sku} × ${l.quantity}`,
      SalesItemLineDetail: {
        ItemRef: { value: itemId },
        ...(exactUnit ? { Qty: l.quantity, UnitPrice: qboAmount(amount / l.quantity, cur) } : {}),
        TaxCodeRef: { value: l.tax && l.tax.amountMinor !== 0 ? settings.taxableCode : settings.nonTaxableCode },
      },
    });
  });
  const shippingMinor = refund.shippingRefund ? sameCurrency(refund.shippingRefund, cur, "shippingRefund") : 0;
  if (shippingMinor !== 0) {
    lines.push({
      DetailType: "SalesItemLineDetail",
      Amount: qboAmount(shippingMinor, cur),
      Description: "Shipping refund",
      SalesItemLineDetail: { ItemRef: { value: settings.shippingItemId }, TaxCodeRef: { value: settings.nonTaxableCode } },
    });
  }
  const totalMinor = linesMinor + shippingMinor + taxMinor;
  if (lines.length === 0 && totalMinor === 0 && refund.total.amountMinor === 0) return undefined;
  if (totalMinor !== refund.total.amountMinor) {
    throw invalid(
      "total",
      `lines ${fromMinorUnits(linesMinor, cur)} + shipping ${fromMinorUnits(shippingMinor, cur)} + tax ${fromMinorUnits(taxMinor, cur)} = ${fromMinorUnits(totalMinor, cur)}, but the refund total is ${fromMinorUnits(refund.total.amountMinor, cur)} ${cur}`,
    );
  }
  if (lines.length === 0) throw invalid("lines", "the refund has tax but no refunded line to carry it");
  const from = settings.accounts.refundFrom ?? settings.accounts.clearing ?? settings.accounts.deposit;
  if (!from) throw invalid("settings.accounts.refundFrom", "QuickBooks needs the account refunds are paid from (set accounts.refundFrom or accounts.clearing)");
  const body = {
    DocNumber: refundDocNumber(refund, settings.docNumberPrefix),
    TxnDate: txnDateOf(refund.createdAt, settings.timeZone),
    PrivateNote: `Refund ${refund.id} of order ${refund.orderNumber} ${sourceMarker("order", refund.orderNumber)} ${sourceMarker("refund", refund.id)}`,
    ...(refs.customerId ? { CustomerRef: { value: refs.customerId } } : {}),
    ...(cur !== settings.homeCurrency ? { CurrencyRef: { value: cur } } : {}),
    ...(refs.paymentMethodId ? { PaymentMethodRef: { value: refs.paymentMethodId } } : {}),
    DepositToAccountRef: { value: from },
    Line: lines,
    TxnTaxDetail: { ...(settings.taxCodeId ? { TxnTaxCodeRef: { value: settings.taxCodeId } } : {}), TotalTax: qboAmount(taxMinor, cur) },
  };
  return { body: checked(RefundReceiptWrite, body, "RefundReceipt"), totalMinor };
}

/**
 * Payout → a summarised settlement JournalEntry: one line per settlement-line kind (what the
 * channel paid in credits its account, what it kept debits its account) and the bank deposit
 * for the payout total. Signs follow the model: positive lines are money to the merchant.
 * Returns undefined when nothing moves.
 */
export function journalEntryFromPayout(payout: Payout, settings: QuickBooksSettings): BuiltDocument<JournalEntryWrite> | undefined {
  const cur = payout.total.currency;
  const byKind = new Map<z.infer<typeof SettlementLineKind>, number>();
  payout.lines.forEach((l, i) => byKind.set(l.kind, (byKind.get(l.kind) ?? 0) + sameCurrency(l.amount, cur, `lines[${i}].amount`)));
  const sum = [...byKind.values()].reduce((a, b) => a + b, 0);
  if (sum !== payout.total.amountMinor) {
    throw invalid("lines", `settlement lines add up to ${fromMinorUnits(sum, cur)} but the payout total is ${fromMinorUnits(payout.total.amountMinor, cur)} ${cur}`);
  }
  const lines: JournalEntryWrite["Line"] = [];
  const push = (side: "Debit" | "Credit", amountMinor: number, account: string, description: string) =>
    lines.push({ DetailType: "JournalEntryLineDetail", Amount: qboAmount(amountMinor, cur), Description: description, JournalEntryLineDetail: { PostingType: side, AccountRef: { value: account } } });
  for (const kind of SettlementLineKind.options) {
    const amount = byKind.get(kind) ?? 0;
    if (amount === 0) continue;
    const account = accountForKind(settings, kind);
    if (!account) throw invalid(`settings.accounts.${kind}`, `no account for ${kind} lines (set accounts.${kind} or accounts.clearing)`);
    push(amount > 0 ? "Credit" : "Debit", Math.abs(amount), account, `${payout.source} ${kind} (${payout.lines.filter((l) => l.kind === kind).length} lines)`);
  }
  if (lines.length === 0) return undefined;
  if (payout.total.amountMinor !== 0) {
    const bank = settings.accounts.bank;
    if (!bank) throw invalid("settings.accounts.bank", "no bank account for the payout deposit (set accounts.bank)");
    lines.unshift({
      DetailType: "JournalEntryLineDetail",
      Amount: qboAmount(Math.abs(payout.total.amountMinor), cur),
      Description: `${payout.source} payout ${payout.id}`,
      JournalEntryLineDetail: { PostingType: payout.total.amountMinor > 0 ? "Debit" : "Credit", AccountRef: { value: bank } },
    });
  }
  const when = payout.depositDate ?? payout.periodEnd ?? latest(payout.lines.map((l) => l.postedAt)) ?? new Date().toISOString();
  const body = {
    DocNumber: docNumberFor(payout.id, settings.docNumberPrefix),
    TxnDate: txnDateOf(when, settings.timeZone),
    PrivateNote: `Settlement of ${payout.source} payout ${payout.id} ${sourceMarker("payout", payout.id)}`,
    ...(cur !== settings.homeCurrency ? { CurrencyRef: { value: cur } } : {}),
    Line: lines,
  };
  const debits = lines.filter((l) => l.JournalEntryLineDetail.PostingType === "Debit").reduce((a, l) => a + minorOf(l.Amount, cur), 0);
  return { body: checked(JournalEntryWrite, body, "JournalEntry"), totalMinor: debits };
}

function latest(times: (string | undefined)[]): string | undefined {
  return times.filter((t): t is string => !!t).sort().at(-1);
}

export type PostingKind = AccountingPosting["kind"];
type QboPostingEntity = QboSalesReceipt | QboRefundReceipt | QboInvoice | QboJournalEntry;

export interface PostingOptions {
  /** The company's home currency, for documents without CurrencyRef. */
  defaultCurrency: string;
  /** SKU of each QBO item id, when the reader resolved them. */
  skuByItemId?: Record<string, string>;
  shippingItemId?: string;
}

/** A QBO document (read as JSON, or converted from XML) → the canonical AccountingPosting. */
export function postingFromQbo(kind: PostingKind, doc: QboPostingEntity, opts: PostingOptions): AccountingPosting {
  const cur = doc.CurrencyRef?.value || opts.defaultCurrency;
  const shippingItemId = opts.shippingItemId ?? "SHIPPING_ITEM_ID";
  const lines: AccountingPosting["lines"] = [];
  const walk = (raw: unknown[]) => {
    for (const item of raw) {
      const line = QboLine.parse(item);
      const amountMinor = minorOf(line.Amount, cur);
      if (line.SalesItemLineDetail) {
        const d = line.SalesItemLineDetail;
        const itemId = d.ItemRef?.value;
        const shipping = itemId === shippingItemId;
        lines.push({
          description: line.Description ?? (shipping ? "Shipping" : d.ItemRef?.name ?? ""),
          sku: itemId && !shipping ? opts.skuByItemId?.[itemId] : undefined,
          quantity: d.Qty === undefined ? undefined : Number(d.Qty),
          amount: { amountMinor, currency: cur },
        });
      } else if (line.DiscountLineDetail) {
        lines.push({ description: line.Description ?? "Discount", amount: { amountMinor: -amountMinor, currency: cur } });
      } else if (line.JournalEntryLineDetail) {
        const d = line.JournalEntryLineDetail;
        lines.push({ description: line.Description ?? "", account: d.AccountRef.value, amount: { amountMinor, currency: cur }, side: d.PostingType === "Debit" ? "debit" : "credit" });
      } else if (line.GroupLineDetail?.Line) {
        walk(line.GroupLineDetail.Line);
      }
      // SubTotalLineDetail repeats the lines above it; DescriptionOnly lines carry no amount.
    }
  };
  walk(doc.Line);
  const markers = readSourceMarkers(doc.PrivateNote);
  const debits = lines.filter((l) => l.side === "debit").reduce((a, l) => a + l.amount.amountMinor, 0);
  const total = doc.TotalAmt !== undefined ? minorOf(doc.TotalAmt, cur) : kind === "journal_entry" ? debits : lines.reduce((a, l) => a + l.amount.amountMinor, 0);
  return AccountingPosting.parse({
    id: doc.Id,
    kind,
    docNumber: doc.DocNumber ?? doc.Id,
    sourceId: markers.order ?? markers.payout ?? doc.DocNumber ?? doc.Id,
    postedAt: postedAtOf(doc),
    lines,
    tax: { amountMinor: minorOf(doc.TxnTaxDetail?.TotalTax, cur), currency: cur },
    total: { amountMinor: total, currency: cur },
    externalIds: { quickbooks: doc.Id },
  });
}

/** QBO times carry the company's offset ("2014-09-16T14:59:48-07:00"); the model wants UTC. */
export function utcOf(time: string | undefined): string | undefined {
  if (!time) return undefined;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function postedAtOf(doc: QboPostingEntity): string {
  const created = utcOf(doc.MetaData?.CreateTime);
  if (created) return created;
  if (doc.TxnDate && /^\d{4}-\d{2}-\d{2}$/.test(doc.TxnDate)) return `${doc.TxnDate}T00:00:00.000Z`;
  throw new ClassifiedError({ errorClass: "permanent", message: `QuickBooks document ${doc.Id} has neither MetaData.CreateTime nor TxnDate` });
}
