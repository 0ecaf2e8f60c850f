import { z } from "zod";

/**
 * The QuickBooks Online Accounting API v3 payloads we read and write (minorversion 75).
 * Reads are loose (QBO adds fields with every minor version); writes are strict, so a body we
 * build that QBO would reject fails here first. Amounts arrive as JSON numbers, or as strings
 * when the same entity was read from XML: the mapping converts either with toMinorUnits.
 */

const Amount = z.union([z.number(), z.string()]);

export const QboRef = z.looseObject({ value: z.string(), name: z.string().optional() });
export type QboRef = z.infer<typeof QboRef>;

export const QboMetaData = z.looseObject({
  CreateTime: z.string().optional(),
  LastUpdatedTime: z.string().optional(),
});

export const QboSalesItemLineDetail = z.looseObject({
  ItemRef: QboRef.optional(),
  Qty: Amount.optional(),
  UnitPrice: Amount.optional(),
  TaxCodeRef: QboRef.optional(),
});

export const QboJournalEntryLineDetail = z.looseObject({
  PostingType: z.enum(["Debit", "Credit"]),
  AccountRef: QboRef,
});

/** One transaction line as read. GroupLineDetail nests further lines, parsed by the mapping. */
export const QboLine = z.looseObject({
  Id: z.string().optional(),
  LineNum: Amount.optional(),
  Description: z.string().optional(),
  Amount: Amount.optional(),
  DetailType: z.string(),
  SalesItemLineDetail: QboSalesItemLineDetail.optional(),
  DiscountLineDetail: z.looseObject({ PercentBased: z.union([z.boolean(), z.string()]).optional() }).optional(),
  JournalEntryLineDetail: QboJournalEntryLineDetail.optional(),
  GroupLineDetail: z.looseObject({ Line: z.array(z.unknown()).optional() }).optional(),
});
export type QboLine = z.infer<typeof QboLine>;

export const QboTxnTaxDetail = z.looseObject({
  TxnTaxCodeRef: QboRef.optional(),
  TotalTax: Amount.optional(),
});

const transactionFields = {
  Id: z.string(),
  SyncToken: z.string(),
  DocNumber: z.string().optional(),
  TxnDate: z.string().optional(),
  PrivateNote: z.string().optional(),
  CurrencyRef: QboRef.optional(),
  Line: z.array(QboLine).default([]),
  TxnTaxDetail: QboTxnTaxDetail.optional(),
  TotalAmt: Amount.optional(),
  CustomerRef: QboRef.optional(),
  DepositToAccountRef: QboRef.optional(),
  PaymentMethodRef: QboRef.optional(),
  MetaData: QboMetaData.optional(),
};

export const QboSalesReceipt = z.looseObject(transactionFields);
export type QboSalesReceipt = z.infer<typeof QboSalesReceipt>;
export const QboRefundReceipt = z.looseObject(transactionFields);
export type QboRefundReceipt = z.infer<typeof QboRefundReceipt>;
export const QboInvoice = z.looseObject({ ...transactionFields, DueDate: z.string().optional(), Balance: Amount.optional() });
export type QboInvoice = z.infer<typeof QboInvoice>;
export const QboJournalEntry = z.looseObject(transactionFields);
export type QboJournalEntry = z.infer<typeof QboJournalEntry>;

export const QboPayment = z.looseObject({
  Id: z.string(),
  SyncToken: z.string(),
  TxnDate: z.string().optional(),
  TotalAmt: Amount,
  UnappliedAmt: Amount.optional(),
  CustomerRef: QboRef,
  DepositToAccountRef: QboRef.optional(),
  Line: z.array(z.looseObject({ Amount: Amount.optional(), LinkedTxn: z.array(z.looseObject({ TxnId: z.string(), TxnType: z.string() })).optional() })).default([]),
  MetaData: QboMetaData.optional(),
});
export type QboPayment = z.infer<typeof QboPayment>;

export const QboItem = z.looseObject({
  Id: z.string(),
  Name: z.string(),
  Sku: z.string().optional(),
  Type: z.string().optional(),
  Active: z.union([z.boolean(), z.string()]).optional(),
  UnitPrice: Amount.optional(),
  SyncToken: z.string().optional(),
});
export type QboItem = z.infer<typeof QboItem>;

export const QboCustomer = z.looseObject({
  Id: z.string(),
  DisplayName: z.string(),
  SyncToken: z.string().optional(),
  PrimaryEmailAddr: z.looseObject({ Address: z.string().optional() }).optional(),
});
export type QboCustomer = z.infer<typeof QboCustomer>;

export const QboCompanyInfo = z.looseObject({
  Id: z.string().optional(),
  CompanyName: z.string(),
  Country: z.string().optional(),
});
export type QboCompanyInfo = z.infer<typeof QboCompanyInfo>;

/** Entities by the name QBO uses in bodies, query results and webhooks, with their URL segment. */
export const QBO_ENTITIES = {
  SalesReceipt: "salesreceipt",
  RefundReceipt: "refundreceipt",
  Invoice: "invoice",
  JournalEntry: "journalentry",
  Customer: "customer",
  Item: "item",
  Payment: "payment",
  CompanyInfo: "companyinfo",
} as const;
export type QboEntityName = keyof typeof QBO_ENTITIES;

/** GET /query: rows sit under the entity's own name; an empty result is `{ QueryResponse: {} }`. */
export const QboQueryResponse = z.looseObject({
  QueryResponse: z.record(z.string(), z.unknown()),
  time: z.string().optional(),
});

/** Intuit's OAuth 2.0 token endpoint answer (refresh_token grant). */
export const IntuitTokenResponse = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number(),
  x_refresh_token_expires_in: z.number().optional(),
});
export type IntuitTokenResponse = z.infer<typeof IntuitTokenResponse>;

/** A CloudEvents 1.0 webhook notification (QBO's format from 2026; the body is an array of these). */
export const QboCloudEvent = z.looseObject({
  specversion: z.literal("1.0"),
  id: z.string().min(1),
  source: z.string().optional(),
  type: z.string().regex(/^qbo\.[a-z]+\.[a-z]+\.v\d+$/, "type must look like qbo.<entity>.<operation>.v<n>"),
  time: z.string().optional(),
  datacontenttype: z.string().optional(),
  intuitentityid: z.string().min(1),
  intuitaccountid: z.string().min(1),
  data: z.unknown().optional(),
});
export type QboCloudEvent = z.infer<typeof QboCloudEvent>;

/** The legacy webhook body, still sent until the CloudEvents migration completes. */
export const QboLegacyNotification = z.object({
  eventNotifications: z.array(
    z.object({
      realmId: z.string().min(1),
      dataChangeEvent: z.object({
        entities: z.array(
          z.object({
            name: z.string().min(1),
            id: z.string().min(1),
            operation: z.string().min(1),
            lastUpdated: z.string().optional(),
            deletedId: z.string().optional(),
          }),
        ),
      }),
    }),
  ),
});
export type QboLegacyNotification = z.infer<typeof QboLegacyNotification>;

const WriteRef = z.object({ value: z.string().min(1), name: z.string().optional() });

export const SalesItemLineWrite = z.object({
  DetailType: z.literal("SalesItemLineDetail"),
  Amount: z.number(),
  Description: z.string().max(4000).optional(),
  SalesItemLineDetail: z.object({
    ItemRef: WriteRef,
    Qty: z.number().optional(),
    UnitPrice: z.number().optional(),
    TaxCodeRef: WriteRef.optional(),
  }),
});

export const DiscountLineWrite = z.object({
  DetailType: z.literal("DiscountLineDetail"),
  Amount: z.number().nonnegative(),
  Description: z.string().max(4000).optional(),
  DiscountLineDetail: z.object({ PercentBased: z.literal(false), DiscountAccountRef: WriteRef.optional() }),
});

export const JournalEntryLineWrite = z.object({
  DetailType: z.literal("JournalEntryLineDetail"),
  Amount: z.number().positive(),
  Description: z.string().max(4000).optional(),
  JournalEntryLineDetail: z.object({ PostingType: z.enum(["Debit", "Credit"]), AccountRef: WriteRef }),
});

const TxnTaxDetailWrite = z.object({ TxnTaxCodeRef: WriteRef.optional(), TotalTax: z.number() });

/** DocNumber is limited to 21 characters by QBO. */
const DocNumber = z.string().min(1).max(21);

export const SalesReceiptWrite = z.object({
  DocNumber,
  TxnDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  PrivateNote: z.string().max(4000).optional(),
  CustomerRef: WriteRef.optional(),
  CurrencyRef: WriteRef.optional(),
  PaymentMethodRef: WriteRef.optional(),
  DepositToAccountRef: WriteRef.optional(),
  Line: z.array(z.union([SalesItemLineWrite, DiscountLineWrite])).min(1),
  TxnTaxDetail: TxnTaxDetailWrite,
});
export type SalesReceiptWrite = z.infer<typeof SalesReceiptWrite>;

export const RefundReceiptWrite = z.object({
  DocNumber,
  TxnDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  PrivateNote: z.string().max(4000).optional(),
  CustomerRef: WriteRef.optional(),
  CurrencyRef: WriteRef.optional(),
  PaymentMethodRef: WriteRef.optional(),
  /** Required by QBO for refund receipts: the account the money is paid out of. */
  DepositToAccountRef: WriteRef,
  Line: z.array(SalesItemLineWrite).min(1),
  TxnTaxDetail: TxnTaxDetailWrite,
});
export type RefundReceiptWrite = z.infer<typeof RefundReceiptWrite>;

export const JournalEntryWrite = z.object({
  DocNumber,
  TxnDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  PrivateNote: z.string().max(4000).optional(),
  CurrencyRef: WriteRef.optional(),
  Line: z.array(JournalEntryLineWrite).min(2),
});
export type JournalEntryWrite = z.infer<typeof JournalEntryWrite>;

export const CustomerWrite = z.object({
  DisplayName: z.string().min(1).max(500).refine((s) => !/[:\t\n]/.test(s), "DisplayName may not contain colons, tabs or newlines"),
  GivenName: z.string().max(100).optional(),
  FamilyName: z.string().max(100).optional(),
  CompanyName: z.string().max(100).optional(),
  PrimaryEmailAddr: z.object({ Address: z.string() }).optional(),
});
export type CustomerWrite = z.infer<typeof CustomerWrite>;
