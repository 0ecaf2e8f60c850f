import { z } from "zod";
import { ClassifiedError } from "../../pipeline/errors";

const Id = z.union([z.string().regex(/^\d+$/, "must be a NetSuite internal id"), z.number().int().positive()]).transform(String);

/**
 * The per-instance settings NetSuite deliveries read from `ctx.settings`. Every id is a NetSuite
 * internal id of the customer's own account; none can be guessed, so anything a delivery needs
 * and cannot find fails as a validation error that names the setting.
 */
export const NetSuiteSettings = z.looseObject({
  /** Book every order against one customer (e.g. "Shopify Web Customer"); otherwise customers are upserted by e-mail. */
  defaultCustomerId: Id.optional(),
  /** OneWorld accounts need a subsidiary on every new customer. */
  subsidiaryId: Id.optional(),
  /** Where orders commit stock when routing chose no node. */
  defaultLocationId: Id.optional(),
  /** The fulfilment node routing chose for this order; resolved by the netsuite_location mapping or by location name. */
  routedNode: z.string().min(1).optional(),
  /**
   * A split order's node per order line (OrderLine.lineId → node), resolved like routedNode: each
   * sales order line commits at its own location. Lines not named here commit at routedNode.
   */
  routedLines: z.record(z.string(), z.string().min(1)).optional(),
  /** Shipping item (Lists > Accounting > Shipping Items) carrying the channel's shipping charge. */
  shipMethodId: Id.optional(),
  /** Discount item the order-level discount is booked to; required when an order has discounts. */
  discountItemId: Id.optional(),
  /**
   * Tax: NetSuite REST requires SuiteTax, which computes tax from nexus and addresses, so by
   * default no tax is sent. Accounts that book channel-collected tax as a line instead name an
   * Other Charge item here, and the channel's tax total is added as that line.
   */
  taxItemId: Id.optional(),
  /** Other Charge item for refund money not tied to returned units (shipping refunds, amount-only lines). */
  refundAdjustmentItemId: Id.optional(),
  /** ISO currency code → NetSuite currency internal id, for multi-currency accounts. */
  currencyIds: z.record(z.string(), Id).optional(),
});
export type NetSuiteSettings = z.infer<typeof NetSuiteSettings>;

export function parseSettings(raw: Record<string, unknown> | undefined): NetSuiteSettings {
  const r = NetSuiteSettings.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = `settings.${issue.path.join(".")}`;
  throw new ClassifiedError({ errorClass: "validation", field, reason: `${field} ${issue.message}`, message: `NetSuite connector settings are invalid: ${field} ${issue.message}` });
}
