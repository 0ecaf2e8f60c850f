import { z } from "zod";
import { ExternalIds, Money, UtcTimestamp } from "./primitives";

export const Shipment = z.object({
  id: z.string(),
  orderId: z.string(),
  orderNumber: z.string(),
  node: z.string(),
  carrier: z.string(),
  service: z.string().optional(),
  trackingNumber: z.string(),
  trackingUrl: z.string().optional(),
  shippedAt: UtcTimestamp,
  shippingCost: Money.optional(),
  lines: z.array(z.object({ sku: z.string(), quantity: z.number().int().positive(), lineId: z.string().optional() })).min(1),
  /** SSCC-18 of each carton, for an EDI 856. */
  cartons: z.array(z.object({ sscc: z.string().regex(/^\d{18}$/), lines: z.array(z.object({ sku: z.string(), quantity: z.number().int().positive() })) })).optional(),
  externalIds: ExternalIds.default({}),
});
export type Shipment = z.infer<typeof Shipment>;
