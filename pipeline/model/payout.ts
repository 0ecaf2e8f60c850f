import { z } from "zod";
import { Money, UtcTimestamp } from "./primitives";

export const SettlementLineKind = z.enum([
  "principal", "tax", "shipping", "fee", "refund", "reimbursement", "reserve", "adjustment", "dispute", "promotion", "other",
]);

/** One line of a marketplace settlement or a payment-processor payout. */
export const SettlementLine = z.object({
  settlementId: z.string(),
  source: z.string(),
  kind: SettlementLineKind,
  orderId: z.string().optional(),
  sku: z.string().optional(),
  description: z.string(),
  amount: Money,
  postedAt: UtcTimestamp.optional(),
  raw: z.record(z.string(), z.unknown()).optional(),
});
export type SettlementLine = z.infer<typeof SettlementLine>;

export const Payout = z.object({
  id: z.string(),
  source: z.string(),
  periodStart: UtcTimestamp.optional(),
  periodEnd: UtcTimestamp.optional(),
  depositDate: UtcTimestamp.optional(),
  total: Money,
  lines: z.array(SettlementLine),
});
export type Payout = z.infer<typeof Payout>;
