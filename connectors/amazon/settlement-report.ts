import { ClassifiedError } from "../../pipeline/errors";
import { SettlementLine, fromMinorUnits, toMinorUnits, type Payout } from "../../pipeline/model";
import { CHANNEL, canonicalOrderId, type SettlementLineKind } from "./map";

/**
 * GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2: tab-separated, one header line, then a summary row
 * (settlement-id, period, deposit-date, total-amount, currency) and one row per amount. Columns:
 * ../shared/fixtures/amazon/reports/settlement-flat-file-v2.columns.csv. Columns are read by name,
 * so added or reordered columns (promotion-id appears in real files) do not break parsing.
 */
export const SETTLEMENT_COLUMNS = [
  "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount", "currency", "transaction-type",
  "order-id", "merchant-order-id", "adjustment-id", "shipment-id", "marketplace-name", "amount-type", "amount-description", "amount",
  "fulfillment-id", "posted-date", "posted-date-time", "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku",
  "quantity-purchased", "promotion-id",
] as const;
export type SettlementColumn = (typeof SETTLEMENT_COLUMNS)[number];
export type SettlementRow = Partial<Record<SettlementColumn, string>> & Record<string, string | undefined>;

const REQUIRED: SettlementColumn[] = ["settlement-id", "total-amount", "currency", "transaction-type", "amount-type", "amount-description", "amount"];
const SUMMARY_COLUMNS = new Set<string>(["settlement-start-date", "settlement-end-date", "deposit-date", "total-amount", "currency"]);

export interface ParseSettlementOptions {
  /** Day before month in d/m/y dates. Default: true unless the marketplace is Amazon.com. Dotted dates (27.05.2021) are always day-first. */
  dayFirst?: boolean;
}

/** The decimal separator of a file: EU files write 95,00 (see the columns spec on `amount`). */
export type DecimalSeparator = "." | ",";

export function parseSettlementReport(text: string, opts: ParseSettlementOptions = {}): Payout {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/).filter((l) => l.trim() !== "");
  if (!lines.length) throw invalid("the settlement report is empty", "header");
  const header = splitRow(lines[0]!);
  for (const col of REQUIRED) if (!header.includes(col)) throw invalid(`the settlement report has no "${col}" column`, col);
  const rows: SettlementRow[] = lines.slice(1).map((l) => {
    const cells = splitRow(l);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""]));
  });
  const summaryIndex = rows.findIndex((r) => r["total-amount"] && !r["transaction-type"]);
  const summary = rows[summaryIndex >= 0 ? summaryIndex : rows.findIndex((r) => r["total-amount"])];
  if (!summary) throw invalid("the settlement report has no summary row (total-amount)", "total-amount");
  const settlementId = summary["settlement-id"];
  const currency = summary.currency?.toUpperCase();
  if (!settlementId) throw invalid("the summary row has no settlement-id", "settlement-id");
  if (!currency) throw invalid("the summary row has no currency", "currency");

  const separator = detectDecimalSeparator(rows.flatMap((r) => [r.amount ?? "", r["total-amount"] ?? ""]));
  const marketplace = rows.find((r) => r["marketplace-name"])?.["marketplace-name"] ?? "";
  const dayFirst = opts.dayFirst ?? !/amazon\.com$/i.test(marketplace);
  const date = (s: string | undefined) => (s ? parseSettlementDate(s, { dayFirst }) : undefined);

  const settlementLines: SettlementLine[] = [];
  rows.forEach((r, i) => {
    if (r === summary || !r.amount) return;
    if (r["settlement-id"] && r["settlement-id"] !== settlementId) {
      throw invalid(`row ${i + 2} belongs to settlement ${r["settlement-id"]}, the file to ${settlementId}`, "settlement-id");
    }
    const raw = Object.fromEntries(Object.entries(r).filter(([k, v]) => v && !SUMMARY_COLUMNS.has(k)));
    settlementLines.push(
      SettlementLine.parse({
        settlementId,
        source: CHANNEL,
        kind: kindOfSettlementRow(r),
        orderId: r["order-id"] ? canonicalOrderId(r["order-id"]) : undefined,
        sku: r.sku || undefined,
        description: r["amount-description"] || r["amount-type"] || r["transaction-type"] || "amount",
        amount: { amountMinor: parseAmazonAmount(r.amount, currency, separator, `row ${i + 2} amount`), currency },
        postedAt: date(r["posted-date-time"]) ?? date(r["posted-date"]),
        raw,
      }),
    );
  });

  return {
    id: settlementId,
    source: CHANNEL,
    periodStart: date(summary["settlement-start-date"]),
    periodEnd: date(summary["settlement-end-date"]),
    depositDate: date(summary["deposit-date"]),
    total: { amountMinor: parseAmazonAmount(summary["total-amount"]!, currency, separator, "total-amount"), currency },
    lines: settlementLines,
  };
}

/** Amazon flat files are not quoted, but a spreadsheet round-trip may add quotes: strip them. */
function splitRow(line: string): string[] {
  return line.split("\t").map((c) => c.trim().replace(/^"(.*)"$/, "$1").trim());
}

/**
 * A file uses decimal commas when any amount ends in ",d" or ",dd" (95,00 / -0,3); Amazon writes
 * no thousands separators in settlement amounts, so this never confuses 1,234 for a decimal.
 */
export function detectDecimalSeparator(values: string[]): DecimalSeparator {
  return values.some((v) => /,\d{1,2}$/.test(v.trim()) || /\.\d{3},\d+$/.test(v.trim())) ? "," : ".";
}

/** "1.234,56" / "-0,30" / "1234.56" → integer minor units, via toMinorUnits (never a float). */
export function parseAmazonAmount(raw: string, currency: string, separator: DecimalSeparator = detectDecimalSeparator([raw]), field = "amount"): number {
  let s = raw.trim().replace(/[\s\u00a0']/g, "").replace(/^\+/, "");
  s = separator === "," ? s.replace(/\./g, "").replace(",", ".") : s.replace(/,/g, "");
  if (!/^-?\d*(\.\d*)?$/.test(s) || s === "" || s === "-") throw invalid(`${field}: not an amount: ${JSON.stringify(raw)}`, field);
  return toMinorUnits(s, currency);
}

const ZONES: Record<string, number> = {
  UTC: 0, GMT: 0, Z: 0, PST: -8, PDT: -7, MST: -7, MDT: -6, CST: -6, CDT: -5, EST: -5, EDT: -4, BST: 1, CET: 1, CEST: 2, JST: 9, AEST: 10, AEDT: 11, IST: 5.5,
};

/**
 * Settlement dates come as "2021-05-27 19:42:33 UTC", ISO "2021-05-27T19:42:33+00:00",
 * "27.05.2021 19:42:33 UTC" (DE), "27/05/2021" (UK/FR) or a bare date; all become UTC ISO with Z.
 * Undefined when the text is not a date (kept in the line's raw).
 */
export function parseSettlementDate(s: string, opts: { dayFirst?: boolean } = {}): string | undefined {
  const t = s.trim();
  if (!t) return undefined;
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(Z|[A-Z]{3,4}|[+-]\d{2}:?\d{2})?$/.exec(t);
  const local = /^(\d{1,2})([./])(\d{1,2})\2(\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[A-Z]{3,4}|[+-]\d{2}:?\d{2})?$/.exec(t);
  let y: number, mo: number, d: number, h = 0, mi = 0, se = 0, zone: string | undefined;
  if (iso) {
    [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    [h, mi, se] = [Number(iso[4] ?? 0), Number(iso[5] ?? 0), Number(iso[6] ?? 0)];
    zone = iso[7];
  } else if (local) {
    const a = Number(local[1]), b = Number(local[3]);
    const dayFirst = local[2] === "." || a > 12 ? true : b > 12 ? false : opts.dayFirst ?? true;
    [d, mo] = dayFirst ? [a, b] : [b, a];
    y = Number(local[4]);
    [h, mi, se] = [Number(local[5] ?? 0), Number(local[6] ?? 0), Number(local[7] ?? 0)];
    zone = local[8];
  } else {
    return undefined;
  }
  let offsetMin = 0;
  if (zone) {
    const num = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (num) offsetMin = (num[1] === "-" ? -1 : 1) * (Number(num[2]) * 60 + Number(num[3]));
    else if (zone in ZONES) offsetMin = ZONES[zone]! * 60;
    else return undefined;
  }
  const ms = Date.UTC(y, mo - 1, d, h, mi, se) - offsetMin * 60_000;
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (Number.isNaN(ms) || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return new Date(ms).toISOString();
}

/** Reimbursement reasons Amazon writes as amount-description (FBA Inventory Reimbursement). */
const REIMBURSEMENT_REASONS = new Set([
  "REVERSAL_REIMBURSEMENT", "WAREHOUSE_DAMAGE", "WAREHOUSE_DAMAGE_EXCEPTION", "WAREHOUSE_LOST", "WAREHOUSE_LOST_MANUAL",
  "MISSING_FROM_INBOUND", "MISSING_FROM_INBOUND_CLAWBACK", "CUSTOMER_RETURN", "CUSTOMER_SERVICE_ISSUE", "FREE_REPLACEMENT_REFUND_ITEMS",
  "COMPENSATED_CLAWBACK", "INCORRECT_FEES_ITEMS", "INCORRECT_FEES_NON_ITEMIZED", "CS_ERROR_ITEMS", "CS_ERROR_NON_ITEMIZED",
  "REMOVAL_ORDER_LOST", "REMOVAL_ORDER_DAMAGED", "INBOUND_CARRIER_DAMAGE", "RE_EVALUATION", "DAMAGED_WAREHOUSE",
]);

/**
 * The kind of one settlement row. Order matters: a reserve is never a fee, a fee whose name
 * contains "Tax" (SalesTaxCollectionFee) is a fee, and refunds keep tax as tax so the tax account
 * nets out while principal and shipping refunds are "refund".
 */
export function kindOfSettlementRow(r: SettlementRow): SettlementLineKind {
  const tx = r["transaction-type"] ?? "";
  const type = r["amount-type"] ?? "";
  const desc = r["amount-description"] ?? "";
  if (/reserve/i.test(desc)) return "reserve";
  if (/reimbursement/i.test(type) || REIMBURSEMENT_REASONS.has(desc.toUpperCase()) || /reimburse/i.test(desc)) return "reimbursement";
  if (/chargeback|a-to-z|guarantee|safe-t/i.test(tx)) return /fee|commission/i.test(type) ? "fee" : "dispute";
  if (/promotion/i.test(type)) return "promotion";
  if (/^itemfees$/i.test(type) || /cost of advertising/i.test(type)) return "fee";
  if (/withheldtax/i.test(type)) return "tax";
  if (/^itemprice$/i.test(type)) {
    if (/tax/i.test(desc)) return "tax";
    if (/refund/i.test(tx)) return "refund";
    if (/shipping/i.test(desc)) return "shipping";
    return "principal";
  }
  if (/fee|storage|subscription|disposal|removal|advertising|commission|chargeback|billing|postage|label|lightning deal|coupon/i.test(desc)) return "fee";
  if (/payable to amazon|successful charge|transferoffunds|balanceadjustment|adjust|unsuccessful/i.test(desc) || /adjust/i.test(tx)) return "adjustment";
  return "other";
}

export interface SettlementDifference {
  expected: SettlementLine;
  actual: SettlementLine;
  /** actual − expected. */
  deltaMinor: number;
}

export interface SettlementCheck {
  settlementId: string;
  currency: string;
  totalMinor: number;
  sumMinor: number;
  /** sum(lines) − total: 0 when the lines account for the payout. */
  differenceMinor: number;
  balanced: boolean;
  byKind: Partial<Record<SettlementLineKind, { count: number; amountMinor: number; lines: SettlementLine[] }>>;
  /** Present when expected lines were given: the exact lines that differ. */
  comparison?: {
    missing: SettlementLine[];
    unexpected: SettlementLine[];
    changed: SettlementDifference[];
    /** Net effect of the differences on sum(lines): unexpected − missing + changed deltas. */
    explainedMinor: number;
    /** differenceMinor − explainedMinor when the expected lines add up to the total (else undefined). */
    unexplainedMinor?: number;
    byKind: Partial<Record<SettlementLineKind, number>>;
  };
}

/**
 * Checks a settlement: does sum(lines) equal the payout total? The lines come back grouped by
 * kind. Given the lines we expected (our own ledger, or Finances API events mapped with
 * mapFinancialEvents), it also itemises which lines are missing, unexpected or changed, matched by
 * (kind, order, SKU, description) and then by amount.
 */
export function checkSettlement(payout: Payout, expected?: SettlementLine[]): SettlementCheck {
  const currency = payout.total.currency;
  const sumMinor = payout.lines.reduce((s, l) => s + l.amount.amountMinor, 0);
  const byKind: SettlementCheck["byKind"] = {};
  for (const l of payout.lines) {
    const k = (byKind[l.kind] ??= { count: 0, amountMinor: 0, lines: [] });
    k.count++;
    k.amountMinor += l.amount.amountMinor;
    k.lines.push(l);
  }
  const differenceMinor = sumMinor - payout.total.amountMinor;
  const check: SettlementCheck = { settlementId: payout.id, currency, totalMinor: payout.total.amountMinor, sumMinor, differenceMinor, balanced: differenceMinor === 0, byKind };
  if (!expected) return check;

  const pool = new Map<string, SettlementLine[]>();
  for (const l of payout.lines) (pool.get(matchKey(l)) ?? pool.set(matchKey(l), []).get(matchKey(l))!).push(l);
  const unmatched: SettlementLine[] = [];
  for (const e of expected) {
    const candidates = pool.get(matchKey(e)) ?? [];
    const i = candidates.findIndex((a) => a.amount.amountMinor === e.amount.amountMinor);
    if (i >= 0) candidates.splice(i, 1);
    else unmatched.push(e);
  }
  const missing: SettlementLine[] = [];
  const changed: SettlementDifference[] = [];
  for (const e of unmatched) {
    const candidates = pool.get(matchKey(e)) ?? [];
    const a = candidates.shift();
    if (a) changed.push({ expected: e, actual: a, deltaMinor: a.amount.amountMinor - e.amount.amountMinor });
    else missing.push(e);
  }
  const unexpected = [...pool.values()].flat();
  const diffByKind: Partial<Record<SettlementLineKind, number>> = {};
  const add = (k: SettlementLineKind, v: number) => (diffByKind[k] = (diffByKind[k] ?? 0) + v);
  for (const l of unexpected) add(l.kind, l.amount.amountMinor);
  for (const l of missing) add(l.kind, -l.amount.amountMinor);
  for (const c of changed) add(c.actual.kind, c.deltaMinor);
  const explainedMinor = Object.values(diffByKind).reduce<number>((sum, v) => sum + (v ?? 0), 0);
  const expectedSum = expected.reduce((s, l) => s + l.amount.amountMinor, 0);
  check.comparison = {
    missing,
    unexpected,
    changed,
    explainedMinor,
    unexplainedMinor: expectedSum === payout.total.amountMinor ? differenceMinor - explainedMinor : undefined,
    byKind: diffByKind,
  };
  return check;
}

/** One sentence per finding, for traces and for the agent. */
export function describeSettlementCheck(c: SettlementCheck): string[] {
  const fmt = (minor: number) => `${fromMinorUnits(minor, c.currency)} ${c.currency}`;
  const what = (l: SettlementLine) => [l.kind, l.description, l.orderId && `order ${l.orderId.replace(/^amazon:/, "")}`, l.sku && `SKU ${l.sku}`].filter(Boolean).join(" ");
  const out = [
    c.balanced
      ? `settlement ${c.settlementId}: lines add up to the total ${fmt(c.totalMinor)}`
      : `settlement ${c.settlementId}: lines add up to ${fmt(c.sumMinor)}, total is ${fmt(c.totalMinor)} (difference ${fmt(c.differenceMinor)})`,
  ];
  for (const l of c.comparison?.missing ?? []) out.push(`missing: ${what(l)} ${fmt(l.amount.amountMinor)}`);
  for (const d of c.comparison?.changed ?? []) out.push(`changed: ${what(d.actual)} ${fmt(d.expected.amount.amountMinor)} → ${fmt(d.actual.amount.amountMinor)}`);
  for (const l of c.comparison?.unexpected ?? []) out.push(`unexpected: ${what(l)} ${fmt(l.amount.amountMinor)}`);
  return out;
}

/**
 * Reimbursements are named by reason in the report (WAREHOUSE_DAMAGE) but by type in financial
 * events (FBAInventoryReimbursement), and reserves by wording; for those kinds the description
 * is not part of the key.
 */
function matchKey(l: SettlementLine): string {
  const loose = l.kind === "reimbursement" || l.kind === "reserve";
  return [l.kind, l.orderId ?? "", l.sku ?? "", loose ? "" : l.description.toLowerCase()].join("|");
}

function invalid(message: string, field: string): ClassifiedError {
  return new ClassifiedError({ errorClass: "validation", message: `settlement report: ${message}`, field });
}
