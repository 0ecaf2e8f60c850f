import { z } from "zod";
import { UtcTimestamp } from "./primitives";
import { Order } from "./order";
import { Shipment } from "./shipment";
import { Refund } from "./refund";
import { InventoryAdjustment, InventoryLevel } from "./inventory";
import { AccountingPosting } from "./accounting";
import { Payout } from "./payout";
import { Product } from "./product";

/**
 * Every canonical event type and the shape of its data. Adding a type is additive; changing a
 * shape means a new schemaVersion plus an upcaster in upcastEvent(), so stored events never break.
 */
export const EventData = {
  "order.created": Order,
  "order.updated": Order,
  "order.cancelled": z.object({ order: Order, reason: z.string().optional() }),
  "shipment.created": Shipment,
  "refund.created": Refund,
  "inventory.level": InventoryLevel,
  "inventory.adjusted": InventoryAdjustment,
  "posting.created": AccountingPosting,
  "payout.settled": Payout,
  "product.updated": Product,
} as const;

export type EventType = keyof typeof EventData;
export const EVENT_TYPES = Object.keys(EventData) as EventType[];
export const EventTypeSchema = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);

export const CURRENT_SCHEMA_VERSION = 1;

/** The business keys an event is found by: the columns the event log indexes. */
export const EntityKeys = z.object({
  orderNumber: z.string().optional(),
  poNumber: z.string().optional(),
  skus: z.array(z.string()).default([]),
  customer: z.string().optional(),
});
export type EntityKeys = z.infer<typeof EntityKeys>;

export const EventEnvelope = z.object({
  id: z.string(),
  schemaVersion: z.number().int().positive(),
  type: EventTypeSchema,
  source: z.object({ connector: z.string(), eventId: z.string() }),
  occurredAt: UtcTimestamp,
  receivedAt: UtcTimestamp,
  correlationId: z.string(),
  causationId: z.string().optional(),
  keys: EntityKeys,
  data: z.unknown(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

export type EventDataOf<T extends EventType> = z.infer<(typeof EventData)[T]>;
export type TypedEvent<T extends EventType> = Omit<EventEnvelope, "type" | "data"> & { type: T; data: EventDataOf<T> };

/** Validates `data` against its type's schema; throws a ZodError naming the bad field. */
export function parseEventData<T extends EventType>(type: T, data: unknown): EventDataOf<T> {
  return (EventData[type] as unknown as z.ZodType<EventDataOf<T>>).parse(data);
}

/** Reads a stored event of any past version as the current version. */
export function upcastEvent(stored: { schemaVersion: number; type: string; data: unknown }): { type: EventType; data: unknown } {
  if (stored.schemaVersion > CURRENT_SCHEMA_VERSION) {
    throw new Error(`event schema version ${stored.schemaVersion} is newer than this build (${CURRENT_SCHEMA_VERSION})`);
  }
  // Version 1 is the first; upcasters from older versions go here as the model evolves.
  return { type: EventTypeSchema.parse(stored.type), data: stored.data };
}

/** Derives the indexed business keys from a canonical payload. */
export function entityKeysOf(type: EventType, data: unknown): EntityKeys {
  const d = data as Record<string, any>;
  switch (type) {
    case "order.created":
    case "order.updated":
      return keysOfOrder(d);
    case "order.cancelled":
      return keysOfOrder(d.order);
    case "shipment.created":
      return { orderNumber: d.orderNumber, skus: uniq(d.lines?.map((l: any) => l.sku)) };
    case "refund.created":
      return { orderNumber: d.orderNumber, skus: uniq(d.lines?.map((l: any) => l.sku)) };
    case "inventory.level":
    case "inventory.adjusted":
    case "product.updated":
      return { skus: d.sku ? [d.sku] : [] };
    case "posting.created":
      return { orderNumber: d.sourceId, skus: uniq(d.lines?.map((l: any) => l.sku).filter(Boolean)) };
    case "payout.settled":
      return { skus: [] };
  }
}

function keysOfOrder(o: Record<string, any>): EntityKeys {
  return {
    orderNumber: o?.orderNumber,
    poNumber: o?.purchaseOrder?.poNumber,
    skus: uniq(o?.lines?.map((l: any) => l.sku)),
    customer: o?.customer?.email ?? o?.customer?.company,
  };
}

function uniq(xs: (string | undefined)[] | undefined): string[] {
  return [...new Set((xs ?? []).filter((x): x is string => typeof x === "string" && x.length > 0))];
}
