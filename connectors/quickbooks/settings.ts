import { z } from "zod";
import { ClassifiedError } from "../../pipeline/errors";
import { SettlementLineKind } from "../../pipeline/model";

/**
 * Per-connection settings (connector_instances.settings): which QBO records the postings use.
 * Ids are QBO Ids from the customer's chart of accounts and lists.
 */
export const QuickBooksSettings = z.object({
  /** Accounts by role. `bank` and `clearing` are the two a settlement journal always needs. */
  accounts: z
    .object({
      /** Where payouts land (a Bank account). */
      bank: z.string().optional(),
      /** The clearing account that sales receipts deposit to and payouts draw from. */
      clearing: z.string().optional(),
      /** SalesReceipt.DepositToAccountRef; QBO's default (Undeposited Funds) when absent. */
      deposit: z.string().optional(),
      /** RefundReceipt.DepositToAccountRef (QBO requires one); falls back to clearing. */
      refundFrom: z.string().optional(),
      /** DiscountLineDetail.DiscountAccountRef; QBO's default discount account when absent. */
      discounts: z.string().optional(),
    })
    .catchall(z.string())
    .default({}),
  /** Post every order to this customer (a "Web Sales" customer) instead of one per buyer. */
  customerId: z.string().optional(),
  /** Find or create a customer per buyer when no customerId or mapping applies. */
  createCustomers: z.boolean().default(true),
  /** TxnTaxDetail.TxnTaxCodeRef: the tax code whose agency the TotalTax is owed to. */
  taxCodeId: z.string().optional(),
  /** Line-level TaxCodeRef for taxable / non-taxable lines (US companies use TAX and NON). */
  taxableCode: z.string().default("TAX"),
  nonTaxableCode: z.string().default("NON"),
  /** PaymentMethodRef when no quickbooks_payment_method mapping matches the channel. */
  paymentMethodId: z.string().optional(),
  /** QBO's reserved id for the shipping line when company shipping is on. */
  shippingItemId: z.string().default("SHIPPING_ITEM_ID"),
  /** Prepended to every DocNumber, to keep two channels' "1042" apart. */
  docNumberPrefix: z.string().max(6).default(""),
  /** The company's home currency; CurrencyRef is sent only for other currencies (multicurrency). */
  homeCurrency: z.string().default("USD"),
  /** IANA zone the books are kept in: TxnDate is the order's date there. */
  timeZone: z.string().refine(isTimeZone, "must be an IANA time zone such as America/Los_Angeles").default("UTC"),
});
export type QuickBooksSettings = z.infer<typeof QuickBooksSettings>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses ctx.settings; a wrong setting parks the delivery with the field that is wrong. */
export function parseSettings(raw: Record<string, unknown> | undefined): QuickBooksSettings {
  const parsed = QuickBooksSettings.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = `settings.${issue.path.join(".")}`;
  throw new ClassifiedError({ errorClass: "validation", field, reason: issue.message, message: `QuickBooks connection setting ${field} is invalid: ${issue.message}` });
}

/** The account a settlement line of this kind is journaled to: its own, else the clearing account. */
export function accountForKind(settings: QuickBooksSettings, kind: z.infer<typeof SettlementLineKind>): string | undefined {
  return settings.accounts[kind] ?? settings.accounts.clearing;
}

/** The calendar date of an instant in the books' time zone, as QBO's TxnDate wants it. */
export function txnDateOf(instant: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(instant));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}
