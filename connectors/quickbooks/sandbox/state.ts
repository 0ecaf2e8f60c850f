import { fromMinorUnits, toMinorUnits } from "../../../pipeline/model";
import type { SandboxResponse, SandboxSeed } from "../../sdk/sandbox-kit";
import { qboFaults, qboTime } from "./faults";
import { parseQuery, QueryError, runQuery } from "./query";

/**
 * The sandbox company: its own system of record, kept apart from anything the pipeline stores.
 * It computes totals from lines as QBO does, enforces DocNumber uniqueness per document type,
 * SyncTokens, references to items, customers and accounts, and answers with QBO's fault bodies.
 */

type Doc = Record<string, any>;

export type SalesEntity = "SalesReceipt" | "RefundReceipt" | "Invoice";
export type StoredEntity = SalesEntity | "JournalEntry" | "Customer" | "Item" | "Account";
export type ChangeOperation = "created" | "updated" | "voided" | "deleted";

const TXN_TYPE_LABEL: Record<SalesEntity | "JournalEntry", string> = {
  SalesReceipt: "Sales Receipt",
  RefundReceipt: "Refund Receipt",
  Invoice: "Invoice",
  JournalEntry: "Journal Entry",
};

/** The sandbox's chart of accounts, by role (the Ids `sandbox.settings` points at). */
export const SANDBOX_ACCOUNTS = {
  bank: "80",
  clearing: "81",
  fee: "82",
  income: "83",
  tax: "84",
  discounts: "85",
  reserve: "86",
  refund: "87",
} as const;

const ACCOUNT_ROWS: [string, string, string][] = [
  [SANDBOX_ACCOUNTS.bank, "Checking", "Bank"],
  [SANDBOX_ACCOUNTS.clearing, "Shop Payments Clearing", "Other Current Asset"],
  [SANDBOX_ACCOUNTS.fee, "Merchant Fees", "Expense"],
  [SANDBOX_ACCOUNTS.income, "Sales of Product Income", "Income"],
  [SANDBOX_ACCOUNTS.tax, "Sales Tax Payable", "Other Current Liability"],
  [SANDBOX_ACCOUNTS.discounts, "Discounts given", "Income"],
  [SANDBOX_ACCOUNTS.reserve, "Payout Reserve", "Other Current Asset"],
  [SANDBOX_ACCOUNTS.refund, "Refunds Given", "Income"],
];

/** The customer every order can be posted to when settings.customerId is used. */
export const SANDBOX_WEB_CUSTOMER_ID = "58";

export interface SandboxHooks {
  /** A rejectRecords entry for this SKU or DocNumber. */
  rejection(key: string | undefined): { field: string; message: string } | undefined;
  /** Reads and clears a one-shot custom switch. */
  takeSwitch(name: "doublePostNext" | "taxOffByOneCentNext"): boolean;
  /** A record changed: the server turns this into a CloudEvents webhook. */
  changed(entity: string, id: string, operation: ChangeOperation): void;
}

export interface SandboxStateOptions {
  realmId: string;
  companyName: string;
  seed: SandboxSeed;
  /** The rate QBO would apply to TAX lines when a request states no TotalTax. */
  taxRatePercent: number;
  now: () => number;
}

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  replayed?: boolean;
}

const isObject = (v: unknown): v is Doc => !!v && typeof v === "object" && !Array.isArray(v);
const ok = (entity: string, doc: Doc): SandboxResponse => ({ status: 200, body: { [entity]: doc, time: qboTime() } });

export class QuickBooksSandboxState {
  readonly realmId: string;
  readonly companyName: string;
  readonly homeCurrency: string;
  private readonly tables = new Map<StoredEntity, Map<string, Doc>>();
  private readonly replays = new Map<string, SandboxResponse>();
  readonly requests: RequestLogEntry[] = [];
  private nextId = 100;

  constructor(private readonly opts: SandboxStateOptions, private readonly hooks: SandboxHooks) {
    this.realmId = opts.realmId;
    this.companyName = opts.companyName;
    this.homeCurrency = opts.seed.currency;
    this.reset();
  }

  reset(): void {
    this.tables.clear();
    this.replays.clear();
    this.requests.length = 0;
    this.nextId = 100;
    for (const name of ["SalesReceipt", "RefundReceipt", "Invoice", "JournalEntry", "Customer", "Item", "Account"] as StoredEntity[]) this.tables.set(name, new Map());
    const cur = this.homeCurrency;
    this.opts.seed.catalog.forEach((p, i) => {
      const id = String(i + 1);
      this.table("Item").set(id, this.stamp({ Id: id, SyncToken: "0", Name: p.title, Sku: p.sku, Type: "NonInventory", Active: true, UnitPrice: Number(fromMinorUnits(p.priceMinor, cur)), IncomeAccountRef: { value: SANDBOX_ACCOUNTS.income, name: "Sales of Product Income" } }));
    });
    this.table("Item").set("SHIPPING_ITEM_ID", this.stamp({ Id: "SHIPPING_ITEM_ID", SyncToken: "0", Name: "Shipping", Type: "Service", Active: true }));
    for (const [id, name, type] of ACCOUNT_ROWS) this.table("Account").set(id, this.stamp({ Id: id, SyncToken: "0", Name: name, AccountType: type, Active: true }));
    this.table("Customer").set(SANDBOX_WEB_CUSTOMER_ID, this.stamp({ Id: SANDBOX_WEB_CUSTOMER_ID, SyncToken: "0", DisplayName: "Web Sales", Active: true }));
  }

  table(entity: StoredEntity): Map<string, Doc> {
    return this.tables.get(entity)!;
  }

  list(entity: StoredEntity): Doc[] {
    return [...this.table(entity).values()];
  }

  snapshot(): Record<string, unknown> {
    return {
      realmId: this.realmId,
      companyName: this.companyName,
      homeCurrency: this.homeCurrency,
      items: this.list("Item"),
      accounts: this.list("Account"),
      customers: this.list("Customer"),
      salesReceipts: this.list("SalesReceipt"),
      refundReceipts: this.list("RefundReceipt"),
      invoices: this.list("Invoice"),
      journalEntries: this.list("JournalEntry"),
      requests: this.requests.length,
      replayedRequests: this.requests.filter((r) => r.replayed).length,
    };
  }

  /** QBO answers a repeated requestid with the original response and writes nothing. */
  replayFor(requestId: string | null): SandboxResponse | undefined {
    return requestId ? this.replays.get(requestId) : undefined;
  }

  remember(requestId: string | null, res: SandboxResponse): void {
    // Only successes are kept: a request that failed validation must work once the data is fixed.
    if (requestId && res.status >= 200 && res.status < 300) this.replays.set(requestId, res);
  }

  companyInfo(id: string): SandboxResponse {
    if (id !== this.realmId) return qboFaults.objectNotFound("CompanyInfo", id);
    return ok("CompanyInfo", { Id: this.realmId, SyncToken: "0", CompanyName: this.companyName, LegalName: this.companyName, Country: "US", domain: "QBO", MetaData: { CreateTime: qboTime(new Date(this.opts.now())) } });
  }

  read(entity: StoredEntity, id: string): SandboxResponse {
    const doc = this.table(entity).get(id);
    return doc ? ok(entity, doc) : qboFaults.objectNotFound(entity, id);
  }

  query(sql: string | null): SandboxResponse {
    if (!sql) return qboFaults.queryParser("no query given");
    let q;
    try {
      q = parseQuery(sql);
    } catch (e) {
      if (e instanceof QueryError) return e.code === "4001" ? qboFaults.queryValidation(e.message) : qboFaults.queryParser(e.message);
      throw e;
    }
    const entity = [...this.tables.keys()].find((k) => k.toLowerCase() === q.entity.toLowerCase());
    if (!entity) return qboFaults.queryParser(`Invalid entity ${q.entity}`);
    const rows = runQuery(this.list(entity), q);
    const response = rows.length ? { [entity]: rows, startPosition: q.startPosition, maxResults: rows.length } : {};
    return { status: 200, body: { QueryResponse: response, time: qboTime() } };
  }

  createSales(entity: SalesEntity, body: unknown, opts: { allowDuplicateDocNumber: boolean }): SandboxResponse {
    if (!isObject(body)) return qboFaults.businessValidation("the request has no body");
    if (body.Id !== undefined) return qboFaults.unsupported(`updates to ${entity} other than void and delete`);
    if (!Array.isArray(body.Line) || body.Line.length === 0) return qboFaults.requiredParamMissing("Line");
    const cur = body.CurrencyRef?.value ?? this.homeCurrency;
    const docNumber = body.DocNumber === undefined ? this.nextDocNumber(entity) : String(body.DocNumber);
    if (docNumber.length > 21) return qboFaults.stringLength("DocNumber", 21, docNumber.length);
    const refused = this.hooks.rejection(docNumber);
    if (refused) return qboFaults.businessValidation(refused.message, refused.field);
    if (entity === "RefundReceipt" && !body.DepositToAccountRef) return qboFaults.requiredParamMissing("DepositToAccountRef");
    const badRef = this.checkRefs(body);
    if (badRef) return badRef;

    let gross = 0;
    let taxable = 0;
    let discount = 0;
    const lines: Doc[] = [];
    for (const [i, raw] of (body.Line as unknown[]).entries()) {
      if (!isObject(raw)) return qboFaults.businessValidation(`Line[${i}] is not an object`, `Line[${i}]`);
      const n = lines.length + 1;
      if (raw.DetailType === "SalesItemLineDetail") {
        const d = isObject(raw.SalesItemLineDetail) ? raw.SalesItemLineDetail : {};
        const item = this.table("Item").get(String(d.ItemRef?.value));
        if (!item || item.Active === false) return qboFaults.invalidReference("Line.SalesItemLineDetail.ItemRef");
        const refusedSku = this.hooks.rejection(item.Sku);
        if (refusedSku) return qboFaults.invalidReference(refusedSku.field, refusedSku.message);
        if (typeof raw.Amount !== "number") return qboFaults.requiredParamMissing("Line.Amount");
        const amount = toMinorUnits(raw.Amount, cur);
        if (d.Qty !== undefined && d.UnitPrice !== undefined && toMinorUnits(Number(d.Qty) * Number(d.UnitPrice), cur) !== amount) {
          return qboFaults.businessValidation(`Amount is not equal to UnitPrice * Qty. Supplied value:${raw.Amount}`, `Line[${i}].Amount`);
        }
        gross += amount;
        if (d.TaxCodeRef?.value === "TAX") taxable += amount;
        lines.push({ Id: String(n), LineNum: n, ...raw, SalesItemLineDetail: { ...d, ItemRef: { value: item.Id, name: item.Name } } });
      } else if (raw.DetailType === "DiscountLineDetail") {
        const d = isObject(raw.DiscountLineDetail) ? raw.DiscountLineDetail : {};
        if (d.DiscountAccountRef && !this.table("Account").has(String(d.DiscountAccountRef.value))) return qboFaults.invalidReference("Line.DiscountLineDetail.DiscountAccountRef");
        const amount = d.PercentBased === true ? Math.round((gross * Number(d.DiscountPercent ?? 0)) / 100) : toMinorUnits(Number(raw.Amount ?? 0), cur);
        discount += amount;
        lines.push({ Id: String(n), LineNum: n, ...raw, Amount: Number(fromMinorUnits(amount, cur)) });
      } else if (raw.DetailType === "DescriptionOnly") {
        lines.push({ Id: String(n), LineNum: n, ...raw });
      } else if (raw.DetailType !== "SubTotalLineDetail") {
        return qboFaults.unsupported(`Line DetailType ${String(raw.DetailType)}`);
      }
    }
    if (!opts.allowDuplicateDocNumber) {
      const taken = this.list(entity).find((d) => d.DocNumber === docNumber);
      if (taken) return qboFaults.duplicateDocNumber(docNumber, TXN_TYPE_LABEL[entity], taken.Id);
    }
    let tax = body.TxnTaxDetail?.TotalTax !== undefined ? toMinorUnits(Number(body.TxnTaxDetail.TotalTax), cur) : Math.round((taxable * this.opts.taxRatePercent) / 100);
    if (entity === "SalesReceipt" && this.hooks.takeSwitch("taxOffByOneCentNext")) tax += 1;
    const total = gross - discount + tax;
    lines.push({ Amount: Number(fromMinorUnits(gross, cur)), DetailType: "SubTotalLineDetail", SubTotalLineDetail: {} });
    const doc: Doc = this.stamp({
      Id: this.newId(),
      SyncToken: "0",
      domain: "QBO",
      sparse: false,
      DocNumber: docNumber,
      TxnDate: body.TxnDate ?? qboTime(new Date(this.opts.now())).slice(0, 10),
      ...(body.PrivateNote !== undefined ? { PrivateNote: body.PrivateNote } : {}),
      CurrencyRef: { value: cur, name: cur === "USD" ? "United States Dollar" : cur },
      ...(body.CustomerRef ? { CustomerRef: { value: String(body.CustomerRef.value), name: this.table("Customer").get(String(body.CustomerRef.value))?.DisplayName } } : {}),
      ...(body.PaymentMethodRef ? { PaymentMethodRef: body.PaymentMethodRef } : {}),
      ...(body.DepositToAccountRef ? { DepositToAccountRef: { value: String(body.DepositToAccountRef.value), name: this.table("Account").get(String(body.DepositToAccountRef.value))?.Name } } : {}),
      Line: lines,
      TxnTaxDetail: { ...(body.TxnTaxDetail?.TxnTaxCodeRef ? { TxnTaxCodeRef: body.TxnTaxDetail.TxnTaxCodeRef } : {}), TotalTax: Number(fromMinorUnits(tax, cur)) },
      TotalAmt: Number(fromMinorUnits(total, cur)),
      ApplyTaxAfterDiscount: false,
      PrintStatus: "NotSet",
      EmailStatus: "NotSet",
      Balance: entity === "Invoice" ? Number(fromMinorUnits(total, cur)) : 0,
    });
    this.table(entity).set(doc.Id, doc);
    this.hooks.changed(entity, doc.Id, "created");
    if (entity === "SalesReceipt" && this.hooks.takeSwitch("doublePostNext")) {
      // A double-posted sale, as when someone re-keys an order under a suffixed number.
      const twin = this.stamp({ ...structuredClone(doc), Id: this.newId(), DocNumber: `${docNumber}-1` });
      this.table(entity).set(twin.Id, twin);
      this.hooks.changed(entity, twin.Id, "created");
    }
    return ok(entity, doc);
  }

  createJournalEntry(body: unknown, opts: { allowDuplicateDocNumber: boolean }): SandboxResponse {
    if (!isObject(body)) return qboFaults.businessValidation("the request has no body");
    if (body.Id !== undefined) return qboFaults.unsupported("updates to JournalEntry");
    if (!Array.isArray(body.Line) || body.Line.length === 0) return qboFaults.requiredParamMissing("Line");
    const cur = body.CurrencyRef?.value ?? this.homeCurrency;
    const docNumber = body.DocNumber === undefined ? this.nextDocNumber("JournalEntry") : String(body.DocNumber);
    if (docNumber.length > 21) return qboFaults.stringLength("DocNumber", 21, docNumber.length);
    const refused = this.hooks.rejection(docNumber);
    if (refused) return qboFaults.businessValidation(refused.message, refused.field);
    let debits = 0;
    let credits = 0;
    const lines: Doc[] = [];
    for (const [i, raw] of (body.Line as unknown[]).entries()) {
      if (!isObject(raw) || raw.DetailType !== "JournalEntryLineDetail" || !isObject(raw.JournalEntryLineDetail)) return qboFaults.businessValidation(`Line[${i}] is not a journal line`, `Line[${i}]`);
      const d = raw.JournalEntryLineDetail;
      const account = this.table("Account").get(String(d.AccountRef?.value));
      if (!account) return qboFaults.invalidReference("Line.JournalEntryLineDetail.AccountRef");
      if (typeof raw.Amount !== "number" || raw.Amount <= 0) return qboFaults.businessValidation("a journal line amount must be positive", `Line[${i}].Amount`);
      const amount = toMinorUnits(raw.Amount, cur);
      if (d.PostingType === "Debit") debits += amount;
      else if (d.PostingType === "Credit") credits += amount;
      else return qboFaults.requiredParamMissing("Line.JournalEntryLineDetail.PostingType");
      lines.push({ Id: String(lines.length), ...raw, JournalEntryLineDetail: { ...d, AccountRef: { value: account.Id, name: account.Name } } });
    }
    if (debits !== credits) return qboFaults.businessValidation(`Transaction must be balanced: debits ${fromMinorUnits(debits, cur)}, credits ${fromMinorUnits(credits, cur)}`, "Line");
    if (!opts.allowDuplicateDocNumber) {
      const taken = this.list("JournalEntry").find((d) => d.DocNumber === docNumber);
      if (taken) return qboFaults.duplicateDocNumber(docNumber, TXN_TYPE_LABEL.JournalEntry, taken.Id);
    }
    const doc = this.stamp({
      Id: this.newId(),
      SyncToken: "0",
      domain: "QBO",
      sparse: false,
      Adjustment: false,
      DocNumber: docNumber,
      TxnDate: body.TxnDate ?? qboTime(new Date(this.opts.now())).slice(0, 10),
      ...(body.PrivateNote !== undefined ? { PrivateNote: body.PrivateNote } : {}),
      CurrencyRef: { value: cur, name: cur === "USD" ? "United States Dollar" : cur },
      Line: lines,
      TotalAmt: Number(fromMinorUnits(debits, cur)),
    });
    this.table("JournalEntry").set(doc.Id, doc);
    this.hooks.changed("JournalEntry", doc.Id, "created");
    return ok("JournalEntry", doc);
  }

  createCustomer(body: unknown): SandboxResponse {
    if (!isObject(body) || typeof body.DisplayName !== "string" || !body.DisplayName.trim()) return qboFaults.requiredParamMissing("DisplayName");
    const name = body.DisplayName.trim();
    if (this.list("Customer").some((c) => String(c.DisplayName).toLowerCase() === name.toLowerCase())) return qboFaults.duplicateName();
    const doc = this.stamp({ Id: this.newId(), SyncToken: "0", domain: "QBO", Active: true, ...body, DisplayName: name });
    this.table("Customer").set(doc.Id, doc);
    this.hooks.changed("Customer", doc.Id, "created");
    return ok("Customer", doc);
  }

  /** POST salesreceipt?operation=update&include=void: zero every amount, keep the document. */
  voidSalesReceipt(body: unknown): SandboxResponse {
    const found = this.current("SalesReceipt", body);
    if ("status" in found) return found;
    const doc = found.doc;
    for (const line of doc.Line as Doc[]) {
      line.Amount = 0;
      if (line.SalesItemLineDetail?.Qty !== undefined) line.SalesItemLineDetail.Qty = 0;
    }
    doc.TxnTaxDetail = { ...doc.TxnTaxDetail, TotalTax: 0 };
    doc.TotalAmt = 0;
    doc.PrivateNote = doc.PrivateNote ? `Voided - ${doc.PrivateNote}` : "Voided";
    this.bump(doc);
    this.hooks.changed("SalesReceipt", doc.Id, "voided");
    return ok("SalesReceipt", doc);
  }

  /** POST <entity>?operation=delete: the document goes, and its DocNumber is free again. */
  deleteSales(entity: SalesEntity, body: unknown): SandboxResponse {
    const found = this.current(entity, body);
    if ("status" in found) return found;
    this.table(entity).delete(found.doc.Id);
    this.hooks.changed(entity, found.doc.Id, "deleted");
    return ok(entity, { status: "Deleted", domain: "QBO", Id: found.doc.Id });
  }

  /** Someone edits the receipt in QuickBooks: its SyncToken moves on, so older tokens are stale. */
  editSalesReceipt(id: string, note = "edited in QuickBooks"): Doc {
    const doc = this.table("SalesReceipt").get(id);
    if (!doc) throw new Error(`no SalesReceipt ${id} in the sandbox`);
    doc.PrivateNote = doc.PrivateNote ? `${doc.PrivateNote} (${note})` : note;
    this.bump(doc);
    this.hooks.changed("SalesReceipt", id, "updated");
    return doc;
  }

  private current(entity: SalesEntity, body: unknown): { doc: Doc } | SandboxResponse {
    if (!isObject(body) || body.Id === undefined) return qboFaults.requiredParamMissing("Id");
    if (body.SyncToken === undefined) return qboFaults.requiredParamMissing("SyncToken");
    const doc = this.table(entity).get(String(body.Id));
    if (!doc) return qboFaults.objectNotFound(entity, String(body.Id));
    if (String(body.SyncToken) !== doc.SyncToken) return qboFaults.staleObject();
    return { doc };
  }

  private checkRefs(body: Doc): SandboxResponse | undefined {
    if (body.CustomerRef && !this.table("Customer").has(String(body.CustomerRef.value))) return qboFaults.invalidReference("CustomerRef");
    if (body.DepositToAccountRef && !this.table("Account").has(String(body.DepositToAccountRef.value))) return qboFaults.invalidReference("DepositToAccountRef");
    return undefined;
  }

  private bump(doc: Doc): void {
    doc.SyncToken = String(Number(doc.SyncToken) + 1);
    doc.MetaData = { ...doc.MetaData, LastUpdatedTime: qboTime(new Date(this.opts.now())) };
  }

  private stamp(doc: Doc): Doc {
    const at = qboTime(new Date(this.opts.now()));
    return { ...doc, MetaData: { CreateTime: at, LastUpdatedTime: at } };
  }

  private newId(): string {
    return String(this.nextId++);
  }

  private nextDocNumber(entity: SalesEntity | "JournalEntry"): string {
    const used = new Set(this.list(entity).map((d) => d.DocNumber));
    let n = 1001 + this.table(entity).size;
    while (used.has(String(n))) n++;
    return String(n);
  }
}
