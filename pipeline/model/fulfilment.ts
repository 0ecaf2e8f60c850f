import { z } from "zod";

/**
 * One shipment-sized piece of an order as fulfilment routing planned it: the node that ships it
 * and which order lines it carries. Destinations that ship (3PL, warehouse) receive it in
 * `settings.fulfilmentPart`, one delivery per part; an unsplit order is one part.
 */
export const FulfilmentPart = z.object({
  /** Fulfilment node id ("main", "east"). */
  node: z.string().min(1),
  /** OrderLine.lineId of every line this part ships. */
  lineIds: z.array(z.string()).min(1),
  /**
   * The part that keeps the order's own key at the destination (it carries the first shippable
   * line, which keeps its node when the order is edited); the others are keyed by order and node.
   */
  primary: z.boolean(),
  /** How many parts the order was split into. */
  count: z.number().int().positive(),
});
export type FulfilmentPart = z.infer<typeof FulfilmentPart>;
