import { createHash } from "node:crypto";
import { ClassifiedError } from "../../pipeline/errors";
import type { Shipment } from "../../pipeline/model";
import type { DeliveryContext, DestinationAction } from "../sdk/definition";
import type { ConfirmShipmentRequest, SpOrder, SpOrderItem } from "./api-schemas";
import type { AmazonClient } from "./client";
import { amazonOrderIdOf } from "./map";

/** Amazon's carrierCode values for the carriers we meet; anything else is "Other" + carrierName. */
const CARRIER_CODES: Record<string, string> = {
  usps: "USPS", ups: "UPS", fedex: "FedEx", dhl: "DHL", "dhl ecommerce": "DHL eCommerce", ontrac: "OnTrac", lasership: "LaserShip",
  "amazon shipping": "Amazon Shipping", "royal mail": "Royal Mail", "canada post": "Canada Post", dpd: "DPD", gls: "GLS", hermes: "Hermes",
  "australia post": "Australia Post", "japan post": "Japan Post", "yamato transport": "Yamato Transport",
};

/**
 * confirmShipment has no idempotency key, but packageReferenceId must be unique per order and
 * numeric: deriving it from the pipeline's idempotency key makes a retry name the same package.
 */
export function packageReferenceIdOf(idempotencyKey: string): string {
  const n = createHash("sha256").update(idempotencyKey).digest().readUInt32BE(0);
  return String((n % 2_000_000_000) + 1);
}

function carrierOf(carrier: string): { carrierCode: string; carrierName?: string } {
  const code = CARRIER_CODES[carrier.trim().toLowerCase().replace(/[_-]+/g, " ").replace(/\s+/g, " ")];
  return code ? { carrierCode: code } : { carrierCode: "Other", carrierName: carrier };
}

/** Shipment lines → Amazon order items: by lineId (OrderItemId, ":2" split lines folded back) or by SKU. */
function orderItemsFor(shipment: Shipment, items: SpOrderItem[]): { orderItemId: string; quantity: number }[] {
  const qty = new Map<string, number>();
  shipment.lines.forEach((line, i) => {
    const byLine = line.lineId ? items.find((it) => it.OrderItemId === line.lineId!.replace(/:\d+$/, "")) : undefined;
    const item = byLine ?? items.find((it) => it.SellerSKU === line.sku);
    if (!item) {
      throw new ClassifiedError({ errorClass: "validation", message: `SKU ${line.sku} is not on Amazon order ${shipment.orderNumber}`, field: `lines[${i}].sku`, reason: "the shipment names a SKU the Amazon order does not have" });
    }
    qty.set(item.OrderItemId, (qty.get(item.OrderItemId) ?? 0) + line.quantity);
  });
  for (const [orderItemId, quantity] of qty) {
    const item = items.find((it) => it.OrderItemId === orderItemId)!;
    const open = item.QuantityOrdered - (item.QuantityShipped ?? 0);
    if (quantity > open) {
      throw new ClassifiedError({
        errorClass: "validation",
        message: `Amazon order ${shipment.orderNumber}: ${quantity} × ${item.SellerSKU} shipped but only ${open} left to ship`,
        field: "lines.quantity",
        reason: "more units shipped than the Amazon order still has open",
      });
    }
  }
  return [...qty].map(([orderItemId, quantity]) => ({ orderItemId, quantity }));
}

async function loadOrder(client: AmazonClient, ctx: DeliveryContext): Promise<{ shipment: Shipment; order: SpOrder; id: string }> {
  const shipment = ctx.event.data as Shipment;
  const id = amazonOrderIdOf(shipment.orderId) ?? amazonOrderIdOf(shipment.orderNumber);
  if (!id) {
    throw new ClassifiedError({ errorClass: "validation", message: `shipment ${shipment.id} is not for an Amazon order (${shipment.orderNumber})`, field: "orderNumber" });
  }
  return { shipment, order: await client.getOrder(id), id };
}

/**
 * FBM shipment confirmation (POST /orders/v0/orders/{orderId}/shipmentConfirmation). FBA orders
 * are shipped by Amazon and rejected here; cancelled orders too.
 */
export const confirmShipment: DestinationAction<AmazonClient> = {
  accepts: ["shipment.created"],
  async deliver(client, ctx) {
    const { shipment, order, id } = await loadOrder(client, ctx);
    if (order.FulfillmentChannel === "AFN") {
      throw new ClassifiedError({ errorClass: "validation", message: `Amazon order ${id} is fulfilled by Amazon (FBA): nothing to confirm`, field: "orderNumber", reason: "FBA orders ship from Amazon" });
    }
    if (order.OrderStatus === "Canceled") {
      throw new ClassifiedError({ errorClass: "validation", message: `Amazon order ${id} is cancelled: the shipment cannot be confirmed`, field: "orderNumber", reason: "order cancelled on Amazon" });
    }
    const ref = packageReferenceIdOf(ctx.idempotencyKey);
    const items = await client.getOrderItems(id);
    if (ctx.attemptNo > 1 && (await alreadyConfirmed(shipment, items))) {
      return { externalId: `${id}/${ref}`, summary: `Amazon order ${id} already shows the units shipped (an earlier attempt went through)` };
    }
    const body: ConfirmShipmentRequest = {
      marketplaceId: order.MarketplaceId ?? client.marketplaceId,
      packageDetail: {
        packageReferenceId: ref,
        ...carrierOf(shipment.carrier),
        shippingMethod: shipment.service,
        trackingNumber: shipment.trackingNumber,
        shipDate: shipment.shippedAt,
        orderItems: orderItemsFor(shipment, items),
      },
    };
    await client.confirmShipment(id, body);
    const units = body.packageDetail.orderItems.reduce((s, i) => s + i.quantity, 0);
    return { externalId: `${id}/${ref}`, summary: `confirmed ${units} unit(s) on Amazon order ${id}: ${body.packageDetail.carrierCode} ${shipment.trackingNumber}` };
  },
  async lookupExisting(client, ctx) {
    const { shipment, id } = await loadOrder(client, ctx);
    const items = await client.getOrderItems(id);
    return (await alreadyConfirmed(shipment, items)) ? `${id}/${packageReferenceIdOf(ctx.idempotencyKey)}` : undefined;
  },
};

async function alreadyConfirmed(shipment: Shipment, items: SpOrderItem[]): Promise<boolean> {
  return shipment.lines.every((l) => {
    const item = items.find((it) => it.SellerSKU === l.sku);
    return !!item && (item.QuantityShipped ?? 0) >= l.quantity;
  });
}
