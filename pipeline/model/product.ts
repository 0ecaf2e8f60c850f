import { z } from "zod";
import { ExternalIds, Money } from "./primitives";

export const Product = z.object({
  sku: z.string().min(1),
  title: z.string(),
  barcode: z.string().optional(),
  price: Money.optional(),
  weightGrams: z.number().int().nonnegative().optional(),
  active: z.boolean().default(true),
  externalIds: ExternalIds.default({}),
});
export type Product = z.infer<typeof Product>;
