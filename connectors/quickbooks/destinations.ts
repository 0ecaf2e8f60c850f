import { ClassifiedError, isClassifiedError } from "../../pipeline/errors";
import { fromMinorUnits, type Order, type Payout, type Refund } from "../../pipeline/model";
import type { DeliveryContext, DeliveryResult, DestinationAction } from "../sdk/definition";
import type { CustomerWrite, QboSalesReceipt } from "./api-schemas";
import type { QuickBooksClient } from "./client";
import { docNumberFor, markerReference, readSourceMarkers, requestIdFor } from "./identifiers";
import { journalEntryFromPayout, minorOf, refundDocNumber, refundReceiptFromRefund, salesReceiptFromOrder } from "./map";
import { parseSettings, type QuickBooksSettings } from "./settings";

/**
 * The QuickBooks destinations. Each write is made once: the pipeline's idempotency key becomes
 * QBO's requestid (a retried request gets the original response), and the DocNumber is unique
 * per document type, so a second posting of the same order under another key fails with 6140
 * and lookupExisting finds the first by DocNumber.
 */

/** Mapping kinds this connector reads through ctx.mappings. */
export const MAPPING_KINDS = {
  item: "quickbooks_item",
  customer: "quickbooks_customer",
  paymentMethod: "quickbooks_payment_method",
} as const;

async function resolveItems(client: QuickBooksClient, ctx: DeliveryContext, skus: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const sku of [...new Set(skus)]) {
    const mapped = await ctx.mappings.get(MAPPING_KINDS.item, sku);
    if (mapped) {
      out[sku] = mapped;
      continue;
    }
    const item = await client.findItemBySku(sku);
    if (item) out[sku] = item.Id;
  }
  return out;
}

function displayNameOf(order: Order): string | undefined {
  const c = order.customer;
  const person = [c.firstName, c.lastName].filter(Boolean).join(" ");
  const name = c.company || person;
  const label = name && c.email ? `${name} (${c.email})` : name || c.email;
  // QBO reserves ":" for sub-customer paths and rejects tabs and newlines.
  return label?.replace(/:/g, "-").replace(/[\t\r\n]+/g, " ").trim().slice(0, 500) || undefined;
}

/**
 * The customer a receipt is posted to: a fixed "web sales" customer when configured, else a
 * mapping, else the buyer's QBO customer, found by DisplayName or created (once, by requestid).
 */
async function resolveCustomer(client: QuickBooksClient, ctx: DeliveryContext, order: Order, settings: QuickBooksSettings): Promise<string | undefined> {
  if (settings.customerId) return settings.customerId;
  for (const key of [order.customer.email, order.customer.id].filter((k): k is string => !!k)) {
    const mapped = await ctx.mappings.get(MAPPING_KINDS.customer, key);
    if (mapped) return mapped;
  }
  if (!settings.createCustomers) return undefined;
  const displayName = displayNameOf(order);
  if (!displayName) return undefined;
  const found = await client.findCustomerByDisplayName(displayName);
  if (found) return found.Id;
  const body: CustomerWrite = {
    DisplayName: displayName,
    ...(order.customer.firstName ? { GivenName: order.customer.firstName.slice(0, 100) } : {}),
    ...(order.customer.lastName ? { FamilyName: order.customer.lastName.slice(0, 100) } : {}),
    ...(order.customer.company ? { CompanyName: order.customer.company.slice(0, 100) } : {}),
    ...(order.customer.email ? { PrimaryEmailAddr: { Address: order.customer.email } } : {}),
  };
  try {
    return (await client.createCustomer(body, { requestId: requestIdFor(ctx.idempotencyKey, "customer") })).entity.Id;
  } catch (e) {
    // 6240: another delivery created the same customer a moment ago, or a vendor/employee has the name.
    if (!(isClassifiedError(e) && e.errorClass === "duplicate")) throw e;
    const again = await client.findCustomerByDisplayName(displayName);
    if (again) return again.Id;
    throw new ClassifiedError({ errorClass: "validation", field: "customer", reason: `the name "${displayName}" is taken by a vendor or employee in QuickBooks`, message: `cannot create QuickBooks customer "${displayName}": the name is in use`, code: e.code, upstream: e.upstream });
  }
}

async function resolvePaymentMethod(ctx: DeliveryContext, channel: string, settings: QuickBooksSettings): Promise<string | undefined> {
  return (await ctx.mappings.get(MAPPING_KINDS.paymentMethod, channel)) ?? settings.paymentMethodId;
}

function upstreamOf(intuitTid: string | undefined) {
  return { status: 200, requestId: intuitTid };
}

function differs(cur: string, expectedMinor: number, actual: string | number | undefined): string {
  const actualMinor = minorOf(actual, cur);
  if (actualMinor === expectedMinor) return "";
  return `; QuickBooks computed ${fromMinorUnits(actualMinor, cur)}, expected ${fromMinorUnits(expectedMinor, cur)} (${fromMinorUnits(actualMinor - expectedMinor, cur)} difference: check the tax setup)`;
}

/** Picks the receipt a DocNumber search found that belongs to this order (ours by marker, or a hand entry with the same total). */
function ownedBy<T extends { Id: string; DocNumber?: string; PrivateNote?: string; TotalAmt?: number | string }>(
  rows: T[],
  docNumber: string,
  kind: "order" | "refund" | "payout",
  reference: string,
  totalMinor: number | undefined,
  currency: string,
): T | undefined {
  const exact = rows.filter((r) => r.DocNumber === docNumber).sort((a, b) => Number(a.Id) - Number(b.Id));
  return exact.find((r) => {
    const marker = readSourceMarkers(r.PrivateNote)[kind];
    if (marker !== undefined) return marker === markerReference(reference);
    return totalMinor === undefined || minorOf(r.TotalAmt, currency) === totalMinor;
  });
}

/**
 * QBO's 6140 names the document holding the DocNumber, and the deliver stage takes that id as
 * "ours". It is ours only if the document came from this source record: confirm that before
 * reporting a duplicate, and otherwise park the delivery with the collision explained (a
 * different channel's "1042", or a number an accountant typed by hand).
 */
async function confirmDuplicate(e: unknown, docNumber: string, findOwn: () => Promise<string | undefined>): Promise<never> {
  if (!(isClassifiedError(e) && e.errorClass === "duplicate")) throw e;
  const own = await findOwn();
  if (own) throw new ClassifiedError({ errorClass: "duplicate", message: e.message, code: e.code, upstream: e.upstream, existingId: own });
  const holder = e.existingId ? ` (QuickBooks Id ${e.existingId})` : "";
  throw new ClassifiedError({
    errorClass: "validation",
    field: "DocNumber",
    reason: `DocNumber ${docNumber} is already used in QuickBooks by another document${holder}; set settings.docNumberPrefix for this channel or renumber that document`,
    message: `QuickBooks DocNumber ${docNumber} belongs to another document${holder}`,
    code: e.code,
    upstream: e.upstream,
  });
}

export const postSalesReceipt: DestinationAction<QuickBooksClient> = {
  accepts: ["order.created"],
  async deliver(client, ctx): Promise<DeliveryResult> {
    const order = ctx.event.data as Order;
    const settings = parseSettings(ctx.settings);
    const itemIdBySku = await resolveItems(client, ctx, order.lines.map((l) => l.sku));
    // Build once without references first: an order that cannot be posted fails here, before a
    // customer is created for it.
    salesReceiptFromOrder(order, { itemIdBySku }, settings);
    const customerId = await resolveCustomer(client, ctx, order, settings);
    const paymentMethodId = await resolvePaymentMethod(ctx, order.channel, settings);
    const { body, totalMinor } = salesReceiptFromOrder(order, { itemIdBySku, customerId, paymentMethodId }, settings);
    const { entity, intuitTid } = await client
      .createSalesReceipt(body, { requestId: requestIdFor(ctx.idempotencyKey) })
      .catch((e) => confirmDuplicate(e, body.DocNumber, () => postSalesReceipt.lookupExisting!(client, ctx)));
    return {
      externalId: entity.Id,
      summary: `SalesReceipt ${entity.DocNumber ?? body.DocNumber} (Id ${entity.Id}) for order ${order.orderNumber}, total ${fromMinorUnits(totalMinor, order.currency)} ${order.currency}${differs(order.currency, totalMinor, entity.TotalAmt)}`,
      upstream: upstreamOf(intuitTid),
    };
  },
  async lookupExisting(client, ctx) {
    const order = ctx.event.data as Order;
    const settings = parseSettings(ctx.settings);
    const docNumber = docNumberFor(order.orderNumber, settings.docNumberPrefix);
    const rows = await client.findByDocNumber("SalesReceipt", docNumber);
    return ownedBy(rows, docNumber, "order", order.orderNumber, order.totals.total.amountMinor, order.currency)?.Id;
  },
};

export const postRefundReceipt: DestinationAction<QuickBooksClient> = {
  accepts: ["refund.created"],
  async deliver(client, ctx): Promise<DeliveryResult> {
    const refund = ctx.event.data as Refund;
    const settings = parseSettings(ctx.settings);
    const itemIdBySku = await resolveItems(client, ctx, refund.lines.filter((l) => l.amount.amountMinor !== 0).map((l) => l.sku));
    const paymentMethodId = await resolvePaymentMethod(ctx, refund.channel, settings);
    const built = refundReceiptFromRefund(refund, { itemIdBySku, customerId: settings.customerId, paymentMethodId }, settings);
    if (!built) return { summary: `refund ${refund.id} moves no money: nothing posted` };
    const { entity, intuitTid } = await client
      .createRefundReceipt(built.body, { requestId: requestIdFor(ctx.idempotencyKey) })
      .catch((e) => confirmDuplicate(e, built.body.DocNumber, () => postRefundReceipt.lookupExisting!(client, ctx)));
    const cur = refund.total.currency;
    return {
      externalId: entity.Id,
      summary: `RefundReceipt ${entity.DocNumber ?? built.body.DocNumber} (Id ${entity.Id}) for refund ${refund.id} of ${refund.orderNumber}, total ${fromMinorUnits(built.totalMinor, cur)} ${cur}${differs(cur, built.totalMinor, entity.TotalAmt)}`,
      upstream: upstreamOf(intuitTid),
    };
  },
  async lookupExisting(client, ctx) {
    const refund = ctx.event.data as Refund;
    const settings = parseSettings(ctx.settings);
    const docNumber = refundDocNumber(refund, settings.docNumberPrefix);
    const rows = await client.findByDocNumber("RefundReceipt", docNumber);
    return ownedBy(rows, docNumber, "refund", refund.id, refund.total.amountMinor, refund.total.currency)?.Id;
  },
};

function isVoided(receipt: QboSalesReceipt): boolean {
  return /^Voided\b/.test(receipt.PrivateNote ?? "");
}

/**
 * Voids the order's sales receipt. Without ctx.refetch the void is optimistic when the receipt
 * Id is known (order.externalIds.quickbooks): receipts this connector
 * creates are never updated, so SyncToken "0" is right unless someone edited the receipt in
 * QuickBooks, and then QBO answers 5010 → `conflict` → the pipeline retries with refetch, which
 * reads the receipt first. The requestid includes the SyncToken written against, so the retry
 * after a refetch is a new request rather than a replay of the stale one.
 */
export const voidSalesReceipt: DestinationAction<QuickBooksClient> = {
  accepts: ["order.cancelled"],
  async deliver(client, ctx): Promise<DeliveryResult> {
    const { order } = ctx.event.data as { order: Order };
    const settings = parseSettings(ctx.settings);
    const docNumber = docNumberFor(order.orderNumber, settings.docNumberPrefix);
    const knownId = order.externalIds?.quickbooks;
    let target: { Id: string; SyncToken: string };
    if (knownId && !ctx.refetch) {
      target = { Id: knownId, SyncToken: "0" };
    } else {
      let receipt: QboSalesReceipt | undefined;
      try {
        receipt = knownId
          ? await client.read("SalesReceipt", knownId)
          : ownedBy(await client.findByDocNumber("SalesReceipt", docNumber), docNumber, "order", order.orderNumber, undefined, order.currency);
      } catch (e) {
        // 610: the receipt was deleted in QuickBooks, which already takes the sale off the books.
        if (isClassifiedError(e) && e.code === "610" && knownId) return { externalId: knownId, summary: `SalesReceipt Id ${knownId} no longer exists in QuickBooks: nothing to void` };
        throw e;
      }
      if (!receipt) {
        // The cancellation may have overtaken the posting still on its way: back off and try again.
        throw new ClassifiedError({ errorClass: "transient", message: `no QuickBooks SalesReceipt ${docNumber} for order ${order.orderNumber} yet; nothing to void` });
      }
      if (isVoided(receipt)) return { externalId: receipt.Id, summary: `SalesReceipt ${docNumber} (Id ${receipt.Id}) was already void` };
      target = { Id: receipt.Id, SyncToken: receipt.SyncToken };
    }
    let voided;
    try {
      voided = await client.voidSalesReceipt(target, { requestId: requestIdFor(ctx.idempotencyKey, `void:${target.Id}:${target.SyncToken}`) });
    } catch (e) {
      if (isClassifiedError(e) && e.code === "610") return { externalId: target.Id, summary: `SalesReceipt Id ${target.Id} no longer exists in QuickBooks: nothing to void` };
      throw e;
    }
    const { entity, intuitTid } = voided;
    return { externalId: entity.Id, summary: `voided SalesReceipt ${entity.DocNumber ?? docNumber} (Id ${entity.Id}) for cancelled order ${order.orderNumber}`, upstream: upstreamOf(intuitTid) };
  },
};

export const postJournal: DestinationAction<QuickBooksClient> = {
  accepts: ["payout.settled"],
  async deliver(client, ctx): Promise<DeliveryResult> {
    const payout = ctx.event.data as Payout;
    const settings = parseSettings(ctx.settings);
    const built = journalEntryFromPayout(payout, settings);
    if (!built) return { summary: `payout ${payout.id} has no amounts to journal` };
    const { entity, intuitTid } = await client
      .createJournalEntry(built.body, { requestId: requestIdFor(ctx.idempotencyKey) })
      .catch((e) => confirmDuplicate(e, built.body.DocNumber, () => postJournal.lookupExisting!(client, ctx)));
    const cur = payout.total.currency;
    return {
      externalId: entity.Id,
      summary: `JournalEntry ${entity.DocNumber ?? built.body.DocNumber} (Id ${entity.Id}) for ${payout.source} payout ${payout.id}: ${built.body.Line.length} lines, ${fromMinorUnits(built.totalMinor, cur)} ${cur}`,
      upstream: upstreamOf(intuitTid),
    };
  },
  async lookupExisting(client, ctx) {
    const payout = ctx.event.data as Payout;
    const settings = parseSettings(ctx.settings);
    const docNumber = docNumberFor(payout.id, settings.docNumberPrefix);
    const rows = await client.findByDocNumber("JournalEntry", docNumber);
    return ownedBy(rows, docNumber, "payout", payout.id, undefined, payout.total.currency)?.Id;
  },
};

export const quickBooksDestinations = {
  post_sales_receipt: postSalesReceipt,
  post_refund_receipt: postRefundReceipt,
  void_sales_receipt: voidSalesReceipt,
  post_journal: postJournal,
};
