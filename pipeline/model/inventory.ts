import { z } from "zod";
import { UtcTimestamp } from "./primitives";

/**
 * Stock of one SKU at one location as one system reports it.
 * available = onHand − committed (the system's own figure wins where it reports one).
 */
export const InventoryLevel = z.object({
  sku: z.string().min(1),
  location: z.string().min(1),
  onHand: z.number().int(),
  committed: z.number().int().default(0),
  available: z.number().int(),
  inTransit: z.number().int().default(0),
  asOf: UtcTimestamp,
  system: z.string(),
});
export type InventoryLevel = z.infer<typeof InventoryLevel>;

export const InventoryAdjustment = z.object({
  sku: z.string().min(1),
  location: z.string().min(1),
  delta: z.number().int(),
  reason: z.enum(["sale", "return_restock", "cycle_count", "receipt", "transfer", "damage", "correction", "other"]),
  reference: z.string().optional(),
  at: UtcTimestamp,
  system: z.string(),
});
export type InventoryAdjustment = z.infer<typeof InventoryAdjustment>;
