import { z } from "zod";
import { ExternalIds, Money, UtcTimestamp } from "./primitives";

/** A document posted to the books: a sales receipt, an invoice, a refund receipt or a journal. */
export const AccountingPosting = z.object({
  id: z.string(),
  kind: z.enum(["sales_receipt", "invoice", "refund_receipt", "journal_entry", "credit_memo"]),
  docNumber: z.string(),
  sourceId: z.string(),
  postedAt: UtcTimestamp,
  lines: z.array(
    z.object({
      description: z.string(),
      account: z.string().optional(),
      sku: z.string().optional(),
      quantity: z.number().optional(),
      amount: Money,
      /** For journals: which side of the ledger. */
      side: z.enum(["debit", "credit"]).optional(),
    }),
  ),
  tax: Money,
  total: Money,
  externalIds: ExternalIds.default({}),
});
export type AccountingPosting = z.infer<typeof AccountingPosting>;
