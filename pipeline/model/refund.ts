import { z } from "zod";
import { ExternalIds, Money, UtcTimestamp } from "./primitives";

export const Refund = z.object({
  id: z.string(),
  orderId: z.string(),
  orderNumber: z.string(),
  channel: z.string(),
  createdAt: UtcTimestamp,
  reason: z.string().optional(),
  lines: z.array(
    z.object({
      lineId: z.string().optional(),
      sku: z.string(),
      quantity: z.number().int().nonnegative(),
      amount: Money,
      tax: Money.optional(),
      /** Whether the units go back on the shelf, and where. */
      restock: z.boolean().default(false),
      restockLocation: z.string().optional(),
    }),
  ),
  shippingRefund: Money.optional(),
  total: Money,
  externalIds: ExternalIds.default({}),
});
export type Refund = z.infer<typeof Refund>;
