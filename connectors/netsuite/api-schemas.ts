import { z } from "zod";

/**
 * The SuiteTalk REST payloads we read and write. Objects are loose: NetSuite returns dozens of
 * fields we never use, and accounts add custom fields (custbody_*, custcol_*) to every record.
 * Field names are camelCase as the REST API Browser spells them; NetSuite itself matches them
 * case-insensitively (Oracle's own sample sends "otherrefnum" and "Description").
 */

export const Link = z.object({ rel: z.string(), href: z.string() });

/** Internal ids are integers upstream; we carry them as strings everywhere. */
export const NsId = z.union([z.string().min(1), z.number().int()]).transform(String);

/** A reference as NetSuite sends it back: `{ id, refName, links }`. */
export const RecordRef = z.looseObject({ id: NsId, refName: z.string().optional(), links: z.array(Link).optional() });
export type RecordRef = z.infer<typeof RecordRef>;

/** What NetSuite accepts for a reference in a request: `{ id }`, or a bare id (Oracle's transform sample sends `"location": 6`). */
export const RefInput = z.union([z.looseObject({ id: NsId }), NsId]);

/**
 * A NetSuite date. Oracle's own create sample sends "2020-6-15", and NetSuite accepts it, so the
 * schema takes unpadded months and days; we always send zero-padded ISO dates.
 */
export const NsDate = z.string().regex(/^\d{4}-\d{1,2}-\d{1,2}$/, "date must be YYYY-M-D");

/**
 * A money or quantity value in a request. We send decimal strings built from minor units so no
 * float ever represents money; NetSuite's own samples and responses use JSON numbers.
 */
export const NsDecimal = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/, "not a decimal")]);

export const NetSuiteErrorDetail = z.looseObject({
  detail: z.string().default(""),
  "o:errorCode": z.string().optional(),
  "o:errorPath": z.string().optional(),
  "o:errorUrl": z.string().optional(),
  "o:errorHeader": z.string().optional(),
  "o:errorQueryParam": z.string().optional(),
});

/** Every REST error: an RFC 7807-style problem with NetSuite's `o:errorDetails`. */
export const NetSuiteErrorBody = z.looseObject({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().optional(),
  "o:errorDetails": z.array(NetSuiteErrorDetail).default([]),
});
export type NetSuiteErrorBody = z.infer<typeof NetSuiteErrorBody>;

export const AddressWrite = z.looseObject({
  addressee: z.string().optional(),
  attention: z.string().optional(),
  addr1: z.string().optional(),
  addr2: z.string().optional(),
  city: z.string().optional(),
  state: z.string().optional(),
  zip: z.string().optional(),
  country: z.string().optional(),
  addrPhone: z.string().optional(),
});

export const SalesOrderLineWrite = z.looseObject({
  item: RefInput,
  quantity: z.number().optional(),
  rate: NsDecimal.optional(),
  amount: NsDecimal.optional(),
  location: RefInput.optional(),
  description: z.string().optional(),
  line: z.number().int().optional(),
  isClosed: z.boolean().optional(),
});

/** POST record/v1/salesOrder and PUT record/v1/salesOrder/eid:{externalId}. */
export const SalesOrderWrite = z.looseObject({
  entity: RefInput,
  externalId: z.string().optional(),
  customForm: z.union([z.string(), z.number()]).optional(),
  tranDate: NsDate.optional(),
  otherRefNum: z.string().optional(),
  memo: z.string().optional(),
  location: RefInput.optional(),
  currency: RefInput.optional(),
  shipMethod: RefInput.optional(),
  shippingCost: NsDecimal.optional(),
  discountItem: RefInput.optional(),
  discountRate: NsDecimal.optional(),
  shippingAddress: AddressWrite.optional(),
  billingAddress: AddressWrite.optional(),
  item: z.looseObject({ items: z.array(SalesOrderLineWrite).min(1) }),
});
export type SalesOrderWrite = z.infer<typeof SalesOrderWrite>;

/** PATCH record/v1/salesOrder/{id}: closing lines, which is how a sales order is cancelled over REST. */
export const SalesOrderClosePatch = z.looseObject({
  memo: z.string().optional(),
  item: z.looseObject({ items: z.array(z.looseObject({ line: z.number().int(), isClosed: z.boolean() })).min(1) }),
});
export type SalesOrderClosePatch = z.infer<typeof SalesOrderClosePatch>;

/** A line of a transform body: which source line, how many, from where. */
export const TransformLine = z.looseObject({
  orderLine: z.number().int(),
  item: RefInput.optional(),
  quantity: z.number().optional(),
  amount: NsDecimal.optional(),
  location: RefInput.optional(),
  itemReceive: z.boolean().optional(),
  itemreceive: z.boolean().optional(),
});

/** POST record/v1/salesOrder/{id}/!transform/itemFulfillment (and the return-side transforms). */
export const TransformBody = z.looseObject({
  externalId: z.string().optional(),
  memo: z.string().optional(),
  tranDate: NsDate.optional(),
  shipStatus: RefInput.optional(),
  item: z.looseObject({ items: z.array(TransformLine) }).optional(),
  package: z.looseObject({ items: z.array(z.looseObject({ packageTrackingNumber: z.string().optional(), packageDescr: z.string().optional() })) }).optional(),
});
export type TransformBody = z.infer<typeof TransformBody>;

/** Extra lines a credit memo carries beyond the return authorization's (shipping, adjustments, tax). */
export const CreditMemoTransformBody = z.looseObject({
  externalId: z.string().optional(),
  memo: z.string().optional(),
  item: z.looseObject({ items: z.array(z.looseObject({ item: RefInput, quantity: z.number().optional(), amount: NsDecimal, description: z.string().optional() })) }).optional(),
});
export type CreditMemoTransformBody = z.infer<typeof CreditMemoTransformBody>;

/** A sublist as GET returns it: links only, unless `expandSubResources=true` inlined `items`. */
const Sublist = <T extends z.ZodType>(line: T) => z.looseObject({ links: z.array(Link).optional(), items: z.array(line).optional() });

export const TransactionLineRead = z.looseObject({
  line: z.number().int(),
  item: RecordRef,
  quantity: z.number().default(0),
  quantityFulfilled: z.number().optional(),
  quantityReceived: z.number().optional(),
  quantityCommitted: z.number().optional(),
  rate: z.number().optional(),
  amount: z.number().optional(),
  isClosed: z.boolean().optional(),
  location: RecordRef.optional(),
});
export type TransactionLineRead = z.infer<typeof TransactionLineRead>;

/** GET record/v1/{salesOrder|returnAuthorization|...}/{id}: the fields we rely on. */
export const TransactionRecord = z.looseObject({
  links: z.array(Link).optional(),
  id: NsId,
  tranId: z.string().optional(),
  externalId: z.string().optional(),
  status: z.union([z.string(), RecordRef]).optional(),
  orderStatus: z.union([z.string(), RecordRef]).optional(),
  entity: RecordRef.optional(),
  currency: RecordRef.optional(),
  location: RecordRef.optional(),
  tranDate: NsDate.optional(),
  otherRefNum: z.string().optional(),
  memo: z.string().optional(),
  total: z.number().optional(),
  lastModifiedDate: z.string().optional(),
  item: Sublist(TransactionLineRead).optional(),
});
export type TransactionRecord = z.infer<typeof TransactionRecord>;

/** GET async/v1/job/{id}. */
export const AsyncJobStatus = z.looseObject({
  links: z.array(Link).default([]),
  completed: z.boolean(),
  id: NsId,
  progress: z.string(),
  task: z.looseObject({ links: z.array(Link).default([]) }).optional(),
});

/** GET async/v1/job/{id}/task. */
export const AsyncTaskList = z.looseObject({ items: z.array(z.looseObject({ links: z.array(Link).default([]) })).default([]) });

/** GET async/v1/job/{id}/task/{taskId}. */
export const AsyncTaskStatus = z.looseObject({
  links: z.array(Link).default([]),
  completed: z.boolean(),
  id: NsId,
  progress: z.string(),
});

/** POST query/v1/suiteql: one page of rows plus offset paging metadata. */
export const SuiteQLPage = z.looseObject({
  links: z.array(Link).default([]),
  count: z.number().int(),
  hasMore: z.boolean(),
  items: z.array(z.record(z.string(), z.unknown())),
  offset: z.number().int(),
  totalResults: z.number().int(),
});
export type SuiteQLPage = z.infer<typeof SuiteQLPage>;

/**
 * SuiteQL over REST returns every value as a string ("12", "39.95") and leaves out null columns
 * entirely, so numbers are parsed here and absent quantities read as 0.
 */
const SqlText = z.union([z.string(), z.number()]).transform(String);
const SqlNumber = z.union([z.number(), z.string().regex(/^-?\d*\.?\d+(E-?\d+)?$/i)]).transform(Number);

export const ItemRow = z.looseObject({ id: SqlText, itemid: SqlText });
export const LocationRow = z.looseObject({ id: SqlText, name: SqlText });
export const SubsidiaryRow = z.looseObject({ id: SqlText, name: SqlText.optional() });

export const InventoryRow = z.looseObject({
  item: SqlText,
  itemid: SqlText,
  location: SqlText,
  locationname: SqlText.optional(),
  quantityonhand: SqlNumber.default(0),
  quantitycommitted: SqlNumber.default(0),
  quantityavailable: SqlNumber.optional(),
  /** "YYYY-MM-DD HH24:MI:SS" in the NetSuite user's time zone (see netsuite-time.ts). */
  lastmodified: SqlText.optional(),
});
export type InventoryRow = z.infer<typeof InventoryRow>;

export const SalesOrderRow = z.looseObject({
  id: SqlText,
  tranid: SqlText.optional(),
  externalid: SqlText.optional(),
  otherrefnum: SqlText.optional(),
  status: SqlText.optional(),
  total: SqlText.optional(),
  currency: SqlText.optional(),
  lastmodified: SqlText.optional(),
});
export type SalesOrderRow = z.infer<typeof SalesOrderRow>;

/** Sales lines are stored with negative quantities in transactionline (stock leaving). */
export const SalesOrderLineRow = z.looseObject({ transaction: SqlText, itemid: SqlText, quantity: SqlNumber.default(0) });
