import type { AccountingPosting } from "../../pipeline/model";
import type { QuickBooksClient } from "./client";
import { postingFromQbo } from "./map";
import { skuMap } from "./webhooks";

/**
 * The books as QuickBooks holds them, for the accounting reconciliation: every sales receipt,
 * refund receipt and journal entry changed since `since`, read from QBO itself (never from what
 * we sent). Item ids are resolved to SKUs so lines compare with the orders.
 */
export async function readPostings(client: QuickBooksClient, since: string, opts: { pageSize?: number } = {}): Promise<AccountingPosting[]> {
  const [receipts, refunds, journals] = await Promise.all([
    client.changedSince("SalesReceipt", since, opts),
    client.changedSince("RefundReceipt", since, opts),
    client.changedSince("JournalEntry", since, opts),
  ]);
  const skus = await skuMap(client, [...receipts, ...refunds].flatMap((d) => d.Line));
  const options = { defaultCurrency: client.homeCurrency, skuByItemId: skus };
  return [
    ...receipts.map((d) => postingFromQbo("sales_receipt", d, options)),
    ...refunds.map((d) => postingFromQbo("refund_receipt", d, options)),
    ...journals.map((d) => postingFromQbo("journal_entry", d, options)),
  ];
}
