import { ClassifiedError } from "../../pipeline/errors";
import { Shipment } from "../../pipeline/model";
import type { DeliveryContext, DestinationAction } from "../sdk/definition";
import type { GqlFulfillment } from "./api-schemas";
import type { ShopifyClient } from "./client";
import { ShopifyMappingError, allocateShipment, fulfillableLines, toFulfillmentInput } from "./map";
import { gidTail, parseShopifyRef } from "./shopify-ids";

/**
 * create_fulfillment: a shipment made elsewhere (3PL, ShipStation, ERP) becomes a Shopify
 * fulfillment with tracking on the order it belongs to (Shipment.orderId "shopify:<order id>").
 *
 * Retries are safe without an API idempotency key (fulfillmentCreate has none): units already
 * fulfilled under the same tracking number are subtracted first, so a retry after a lost answer
 * finds its fulfillment and writes nothing. Settings: notifyCustomer (default true).
 */
export const createFulfillment: DestinationAction<ShopifyClient> = {
  accepts: ["shipment.created"],

  async deliver(client, ctx) {
    const shipment = parseShipment(ctx);
    const orderGid = await resolveOrderGid(shipment, ctx);
    const existing = await client.orderFulfillments(orderGid);
    if (!existing) throw notFound(shipment);
    const sameTracking = withTracking(existing.fulfillments, shipment.trackingNumber);
    const outstanding = subtractShipped(shipment.lines, sameTracking);
    if (sameTracking.length > 0 && outstanding.length === 0) {
      return { externalId: gidTail(sameTracking[0]!.id), summary: `Already fulfilled on ${existing.orderName} as ${names(sameTracking)} (tracking ${shipment.trackingNumber}); nothing written` };
    }

    const fos = await client.fulfillmentOrders(orderGid);
    if (!fos) throw notFound(shipment);
    let groups;
    try {
      groups = allocateShipment(outstanding, fulfillableLines(fos.fulfillmentOrders), fos.orderName);
    } catch (e) {
      if (e instanceof ShopifyMappingError) throw new ClassifiedError({ errorClass: "validation", message: e.message, field: e.field, reason: e.message.slice(e.field.length + 2) });
      throw e;
    }
    const notify = ctx.settings.notifyCustomer !== false;
    const created: GqlFulfillment[] = [];
    for (const [i, group] of groups.entries()) {
      const key = groups.length > 1 ? `${ctx.idempotencyKey}:${i}` : ctx.idempotencyKey;
      created.push(await client.createFulfillment(toFulfillmentInput(group, shipment, notify), key));
    }
    const all = [...sameTracking, ...created];
    return {
      externalId: gidTail(all[0]!.id),
      summary: `Fulfilled ${outstanding.reduce((n, l) => n + l.quantity, 0)} unit(s) on Shopify order ${fos.orderName} as ${names(created)} with ${shipment.carrier} ${shipment.trackingNumber}`,
      upstream: { status: 200 },
    };
  },

  async lookupExisting(client, ctx) {
    const shipment = parseShipment(ctx);
    if (!shipment.trackingNumber) return undefined;
    const orderGid = await resolveOrderGid(shipment, ctx);
    const existing = await client.orderFulfillments(orderGid);
    const match = existing ? withTracking(existing.fulfillments, shipment.trackingNumber)[0] : undefined;
    return match ? gidTail(match.id) : undefined;
  },
};

function parseShipment(ctx: DeliveryContext): Shipment {
  const parsed = Shipment.safeParse(ctx.event.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ClassifiedError({ errorClass: "validation", message: `shipment is invalid: ${issue?.path.join(".")}: ${issue?.message}`, field: issue?.path.join("."), reason: issue?.message });
  }
  return parsed.data;
}

async function resolveOrderGid(shipment: Shipment, ctx: DeliveryContext): Promise<string> {
  const direct = parseShopifyRef("Order", shipment.orderId);
  if (direct && shipment.orderId.startsWith("shopify:")) return direct;
  const mapped = (await ctx.mappings.get("shopify_order", shipment.orderId)) ?? (await ctx.mappings.get("shopify_order", shipment.orderNumber));
  const gid = parseShopifyRef("Order", mapped);
  if (gid) return gid;
  throw new ClassifiedError({
    errorClass: "validation",
    message: `shipment ${shipment.id} is for order ${shipment.orderId} (${shipment.orderNumber}), which is not a Shopify order and has no shopify_order mapping`,
    field: "orderId",
    reason: `order ${shipment.orderNumber} is not known to Shopify`,
  });
}

function notFound(shipment: Shipment): ClassifiedError {
  return new ClassifiedError({ errorClass: "validation", message: `Shopify has no order ${shipment.orderId} (${shipment.orderNumber})`, field: "orderId", reason: `order ${shipment.orderNumber} not found in Shopify` });
}

function withTracking(fulfillments: GqlFulfillment[], trackingNumber: string): GqlFulfillment[] {
  const wanted = trackingNumber.trim().toUpperCase();
  if (!wanted) return [];
  return fulfillments.filter((f) => f.status.toUpperCase() !== "CANCELLED" && f.trackingInfo.some((t) => (t.number ?? "").trim().toUpperCase() === wanted));
}

/** Shipment lines minus what fulfillments under the same tracking number already shipped. */
function subtractShipped(lines: Shipment["lines"], shipped: GqlFulfillment[]): Shipment["lines"] {
  // A fulfillment that lists no line items (an answer without them) counts as the whole shipment.
  if (shipped.length > 0 && shipped.every((f) => !f.fulfillmentLineItems)) return [];
  const done = new Map<string, number>();
  for (const f of shipped) for (const n of f.fulfillmentLineItems?.nodes ?? []) {
    const sku = n.lineItem.sku ?? "";
    done.set(sku, (done.get(sku) ?? 0) + n.quantity);
  }
  const out: Shipment["lines"] = [];
  for (const line of lines) {
    const already = Math.min(done.get(line.sku) ?? 0, line.quantity);
    done.set(line.sku, (done.get(line.sku) ?? 0) - already);
    if (line.quantity - already > 0) out.push({ ...line, quantity: line.quantity - already });
  }
  return out;
}

function names(fs: GqlFulfillment[]): string {
  return fs.map((f) => f.name ?? gidTail(f.id)).join(", ");
}
