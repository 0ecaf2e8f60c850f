import { ClassifiedError, isClassifiedError } from "../../pipeline/errors";
import { fromMinorUnits, parseEventData, type Order } from "../../pipeline/model";
import type { DeliveryContext, DeliveryResult, DestinationAction } from "../sdk/definition";
import type { NetSuiteClient } from "./client";
import { lineIndexOfItemError } from "./errors";
import {
  creditMemoExternalId,
  fulfillmentExternalId,
  idempotencyUuid,
  itemReceiptExternalId,
  returnAuthorizationExternalId,
  salesOrderExternalId,
} from "./external-ids";
import { assertBookable, toCreditMemoBody, toItemFulfillmentBody, toItemReceiptBody, toReturnAuthorizationBody, toSalesOrderBody, unitLines } from "./map";
import { resolveEntity, resolveItemIds, resolveLineLocations, resolveLocationId, resolveOrderLocation } from "./resolve-refs";
import { parseSettings } from "./settings";

/**
 * What the pipeline can ask NetSuite to do. Idempotency per action:
 * - sales orders: PUT by external ID (the canonical order id), so any repeat is an update;
 * - transforms (fulfilment, return, receipt, credit memo): an external ID derived from the
 *   shipment or refund, checked before writing so a retry skips finished steps, plus an async
 *   request with X-NetSuite-Idempotency-Key so a repeat of an in-flight write joins the first.
 */

function wrongEvent(ctx: DeliveryContext): ClassifiedError {
  return new ClassifiedError({ errorClass: "permanent", message: `NetSuite action ${ctx.action} does not accept ${ctx.event.type}` });
}

function orderOf(ctx: DeliveryContext): Order {
  const { type, data } = ctx.event;
  if (type === "order.created" || type === "order.updated") return parseEventData(type, data);
  if (type === "order.cancelled") return parseEventData(type, data).order;
  throw wrongEvent(ctx);
}

function salesOrderMissing(orderId: string, orderNumber: string): ClassifiedError {
  return new ClassifiedError({
    errorClass: "transient",
    code: "SALES_ORDER_NOT_FOUND",
    message: `NetSuite has no sales order for order ${orderNumber} (external ID ${salesOrderExternalId(orderId)}) yet; its upsert may still be on its way`,
  });
}

/**
 * NetSuite names a bad item only by its position (item.items[2].item); say which SKU that is,
 * in the same words as an unknown SKU, since a stale netsuite_item mapping is the usual cause.
 */
async function namingSkus<T>(skus: string[], write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (!isClassifiedError(e) || e.errorClass !== "validation" || e.field !== "item") throw e;
    const i = lineIndexOfItemError(e);
    const sku = i === undefined ? undefined : skus[i];
    if (!sku) throw e;
    throw new ClassifiedError({
      errorClass: "validation",
      field: "item",
      reason: `SKU ${sku} has no NetSuite item`,
      message: `${e.message} (line ${i! + 1} is SKU ${sku}; check its netsuite_item mapping)`,
      code: e.code,
      upstream: e.upstream,
    });
  }
}

/** Closes every open line of the order's sales order; see NetSuiteClient.closeSalesOrderLines. */
async function closeSalesOrder(client: NetSuiteClient, order: Order, reason: string | undefined): Promise<DeliveryResult> {
  const so = await client.getTransaction("salesOrder", { externalId: salesOrderExternalId(order.id) });
  if (!so) throw salesOrderMissing(order.id, order.orderNumber);
  const open = (so.item?.items ?? []).filter((l) => !l.isClosed);
  if (!open.length) return { externalId: so.id, summary: `sales order ${so.tranId ?? so.id} was already closed` };
  const note = `Cancelled in ${order.channel}${reason ? `: ${reason}` : ""}`;
  await client.closeSalesOrderLines(so.id, {
    memo: [so.memo, note].filter(Boolean).join(" | ").slice(0, 999),
    item: { items: open.map((l) => ({ line: l.line, isClosed: true })) },
  });
  const shipped = open.reduce((a, l) => a + (l.quantityFulfilled ?? 0), 0);
  return {
    externalId: so.id,
    summary: `closed ${open.length} lines of sales order ${so.tranId ?? so.id} (order ${order.orderNumber})${shipped ? `; ${shipped} units already fulfilled stay fulfilled` : ""}`,
  };
}

/** Sales order statuses NetSuite will not take new lines into: C Cancelled, H Closed. */
const CLOSED_STATUSES = new Set(["C", "H"]);

const upsertSalesOrder: DestinationAction<NetSuiteClient> = {
  accepts: ["order.created", "order.updated"],
  async deliver(client, ctx) {
    const order = orderOf(ctx);
    const externalId = salesOrderExternalId(order.id);
    const existing = await client.findSalesOrderByExternalId(externalId);
    // Replacing the item sublist would re-open a closed order; a late update must not undo a cancel.
    if (existing && CLOSED_STATUSES.has(existing.status ?? "")) {
      return { externalId: existing.id, summary: `sales order ${existing.id} is closed in NetSuite; order ${order.orderNumber} was not re-opened` };
    }
    if (order.status === "cancelled") {
      if (existing) return closeSalesOrder(client, order, undefined);
      return { summary: `order ${order.orderNumber} is cancelled and has no NetSuite sales order; nothing to create` };
    }
    const settings = parseSettings(ctx.settings);
    assertBookable(order, settings);
    const skus = order.lines.map((l) => l.sku);
    const itemIds = await resolveItemIds(client, ctx.mappings, skus);
    const locationId = await resolveOrderLocation(client, ctx.mappings, settings);
    const lineLocationIds = await resolveLineLocations(client, ctx.mappings, settings);
    const entityId = await resolveEntity(client, order, settings);
    const body = toSalesOrderBody(order, { entityId, itemIds, locationId, lineLocationIds, settings, timeZone: client.timeZone });
    const id = await namingSkus(skus, () => client.upsertSalesOrder(externalId, body));
    const units = order.lines.reduce((a, l) => a + l.quantity, 0);
    const nodes = [...new Set([...(settings.routedNode ? [settings.routedNode] : []), ...Object.values(settings.routedLines ?? {})])];
    return {
      externalId: id,
      summary: `sales order ${id} (external ID ${externalId}) upserted for order ${order.orderNumber}: ${order.lines.length} lines, ${units} units, ${fromMinorUnits(order.totals.total.amountMinor, order.currency)} ${order.currency}${nodes.length ? `, committed at ${nodes.join(" + ")}` : ""}`,
    };
  },
  lookupExisting: (client, ctx) => client.findSalesOrderIdByExternalId(salesOrderExternalId(orderOf(ctx).id)),
};

const cancelSalesOrder: DestinationAction<NetSuiteClient> = {
  accepts: ["order.cancelled"],
  async deliver(client, ctx) {
    if (ctx.event.type !== "order.cancelled") throw wrongEvent(ctx);
    const { order, reason } = parseEventData("order.cancelled", ctx.event.data);
    return closeSalesOrder(client, order, reason);
  },
  lookupExisting: (client, ctx) => client.findSalesOrderIdByExternalId(salesOrderExternalId(orderOf(ctx).id)),
};

const fulfillSalesOrder: DestinationAction<NetSuiteClient> = {
  accepts: ["shipment.created"],
  async deliver(client, ctx) {
    if (ctx.event.type !== "shipment.created") throw wrongEvent(ctx);
    const shipment = parseEventData("shipment.created", ctx.event.data);
    const externalId = fulfillmentExternalId(shipment.id);
    const existing = await client.findRecordIdByExternalId("itemFulfillment", externalId);
    if (existing) return { externalId: existing, summary: `item fulfillment ${existing} already records shipment ${shipment.id}` };
    const settings = parseSettings(ctx.settings);
    const so = await client.getTransaction("salesOrder", { externalId: salesOrderExternalId(shipment.orderId) });
    if (!so) throw salesOrderMissing(shipment.orderId, shipment.orderNumber);
    const itemIds = await resolveItemIds(client, ctx.mappings, shipment.lines.map((l) => l.sku));
    // A node NetSuite does not know (a 3PL's own warehouse code) ships from the order line's location.
    const locationId = await resolveLocationId(client, ctx.mappings, shipment.node);
    const body = toItemFulfillmentBody(shipment, so, { itemIds, locationId, settings, timeZone: client.timeZone });
    const id = await client.transform("salesOrder", so.id, "itemFulfillment", body, { idempotencyKey: idempotencyUuid(ctx.idempotencyKey, "itemFulfillment") });
    const units = shipment.lines.reduce((a, l) => a + l.quantity, 0);
    return { externalId: id, summary: `item fulfillment ${id} from sales order ${so.tranId ?? so.id}: ${units} units, ${shipment.carrier} ${shipment.trackingNumber}` };
  },
  lookupExisting(client, ctx) {
    if (ctx.event.type !== "shipment.created") return Promise.resolve(undefined);
    const shipment = parseEventData("shipment.created", ctx.event.data);
    return client.findRecordIdByExternalId("itemFulfillment", fulfillmentExternalId(shipment.id));
  },
};

/**
 * A refund with returned units becomes: a return authorization from the sales order, an item
 * receipt restocking the units marked for restock at their location, and a credit memo for the
 * money. Every reference is resolved and every body checked before the first write, so a
 * misconfiguration parks the refund without half-booking it.
 */
const createReturn: DestinationAction<NetSuiteClient> = {
  accepts: ["refund.created"],
  async deliver(client, ctx) {
    if (ctx.event.type !== "refund.created") throw wrongEvent(ctx);
    const refund = parseEventData("refund.created", ctx.event.data);
    const settings = parseSettings(ctx.settings);
    const units = unitLines(refund);
    if (!units.length) {
      throw new ClassifiedError({
        errorClass: "validation",
        field: "lines",
        reason: `refund ${refund.id} returns no units`,
        message: `refund ${refund.id} has no returned units; an amount-only refund needs a standalone credit memo, which this connector does not create`,
      });
    }
    const creditMemoBody = toCreditMemoBody(refund, settings);
    const so = await client.getTransaction("salesOrder", { externalId: salesOrderExternalId(refund.orderId) });
    if (!so) throw salesOrderMissing(refund.orderId, refund.orderNumber);
    const itemIds = await resolveItemIds(client, ctx.mappings, units.map((l) => l.sku));
    const locationIds = new Map<string, string>();
    for (const name of new Set(units.filter((l) => l.restock && l.restockLocation).map((l) => l.restockLocation!))) {
      const id = await resolveLocationId(client, ctx.mappings, name);
      if (!id) throw new ClassifiedError({ errorClass: "validation", field: "restockLocation", reason: `restock location ${name} has no NetSuite location`, message: `refund ${refund.id} restocks at ${name}, which matches no netsuite_location mapping and no NetSuite location name` });
      locationIds.set(name, id);
    }
    const raBody = toReturnAuthorizationBody(refund, so, { itemIds, timeZone: client.timeZone });

    const raId =
      (await client.findRecordIdByExternalId("returnAuthorization", returnAuthorizationExternalId(refund.id))) ??
      (await client.transform("salesOrder", so.id, "returnAuthorization", raBody, { idempotencyKey: idempotencyUuid(ctx.idempotencyKey, "returnAuthorization"), replace: "item" }));
    const ra = await client.getTransaction("returnAuthorization", { id: raId });
    if (!ra) throw new ClassifiedError({ errorClass: "transient", message: `return authorization ${raId} is not readable yet` });

    let receiptId = await client.findRecordIdByExternalId("itemReceipt", itemReceiptExternalId(refund.id));
    if (!receiptId) {
      const receiptBody = toItemReceiptBody(refund, ra, { itemIds, locationIds, defaultLocationId: settings.defaultLocationId });
      if (receiptBody) receiptId = await client.transform("returnAuthorization", raId, "itemReceipt", receiptBody, { idempotencyKey: idempotencyUuid(ctx.idempotencyKey, "itemReceipt") });
    }
    const creditMemoId =
      (await client.findRecordIdByExternalId("creditMemo", creditMemoExternalId(refund.id))) ??
      (await client.transform("returnAuthorization", raId, "creditMemo", creditMemoBody, { idempotencyKey: idempotencyUuid(ctx.idempotencyKey, "creditMemo") }));
    const restocked = units.filter((l) => l.restock).reduce((a, l) => a + l.quantity, 0);
    return {
      externalId: raId,
      summary: `return authorization ${raId} for order ${refund.orderNumber}; ${receiptId ? `item receipt ${receiptId} restocked ${restocked} units` : "nothing restocked"}; credit memo ${creditMemoId} (refund total ${fromMinorUnits(refund.total.amountMinor, refund.total.currency)} ${refund.total.currency})`,
    };
  },
  lookupExisting(client, ctx) {
    if (ctx.event.type !== "refund.created") return Promise.resolve(undefined);
    const refund = parseEventData("refund.created", ctx.event.data);
    return client.findRecordIdByExternalId("returnAuthorization", returnAuthorizationExternalId(refund.id));
  },
};

export const NETSUITE_DESTINATIONS: Record<string, DestinationAction<NetSuiteClient>> = {
  upsert_sales_order: upsertSalesOrder,
  cancel_sales_order: cancelSalesOrder,
  fulfill_sales_order: fulfillSalesOrder,
  create_return: createReturn,
};
