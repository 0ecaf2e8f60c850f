import { z } from "zod";
import { ClassifiedError } from "../../pipeline/errors";
import { CurrencyCode, FulfilmentPart, type EventDataOf, type Order, type Shipment } from "../../pipeline/model";
import { defineConnector, type DeliveryContext, type DeliveryResult } from "../sdk/definition";
import { SHIPSTATION_V1_BASE_URL, ShipStationClient } from "./client";
import { classifyShipStationError } from "./errors";
import { partOrderKey, toCanonicalShipment, toCreateOrderRequest, toInventoryLevels, toOrderSummary } from "./map";
import { utcToPacific } from "./pacific-time";
import { fetchShipNotify, shipStationWebhooks, type ShipStationWebhookSecrets } from "./webhooks";

export { ShipStationClient, isShipStationApiUrl, SHIPSTATION_V1_BASE_URL, SHIPSTATION_V2_BASE_URL, type RateBudget } from "./client";
export { classifyShipStationError } from "./errors";
export { orderIdOfKey, partOrderKey, toCanonicalShipment, toCreateOrderRequest, toInventoryLevel, toInventoryLevels, toOrderSummary } from "./map";
export { pacificToUtc, utcToPacific } from "./pacific-time";
export { ensureShipNotifySubscription, fetchShipNotify, listSubscriptions, shipStationWebhooks, webhookTargetUrl, type ShipStationWebhookSecrets } from "./webhooks";

const secret = { secret: true };

/**
 * ShipStation credentials. v1 uses Basic apiKey:apiSecret; v2 (inventory) an API-Key header.
 * v2BaseUrl and currency are connection settings that travel with the credentials because
 * createClient sees nothing else.
 */
export const ShipStationCredentials = z.object({
  apiKey: z.string().min(1).describe("ShipStation API v1 key (Settings → Account → API Settings); the Basic-auth user name").meta(secret),
  apiSecret: z.string().min(1).describe("ShipStation API v1 secret; the Basic-auth password").meta(secret),
  v2ApiKey: z
    .string()
    .min(1)
    .optional()
    .describe("ShipStation API v2 key, sent as the API-Key header. Only inventory reads need it (Inventory API add-on)")
    .meta(secret),
  webhookToken: z
    .string()
    .min(16)
    .describe("A random secret (16+ characters) added as ?token= to the webhook URL we register. ShipStation v1 webhooks are unsigned: this token is what proves a webhook came from our subscription")
    .meta(secret),
  v2BaseUrl: z
    .string()
    .url()
    .optional()
    .describe("v2 API base URL. Default: https://api.shipstation.com for the real v1 host, otherwise the v1 base URL itself (the sandbox serves both)"),
  currency: CurrencyCode.default("USD").describe("The ShipStation account's currency: its API sends amounts without one"),
});
export type ShipStationCredentials = z.infer<typeof ShipStationCredentials>;

/** The mapping kind that translates a fulfilment node name to a ShipStation warehouseId. */
export const WAREHOUSE_MAPPING = "shipstation_warehouse";

/**
 * Which ShipStation warehouse (ship-from) the order goes to. In order: settings.warehouseId (one
 * warehouse for the whole connection); the mapping shipstation_warehouse for the routed node
 * (settings.node); a ShipStation warehouse named like the node; nothing (ShipStation's default) when
 * no node was routed. A routed node that matches no warehouse is a configuration error: guessing
 * would ship from the wrong building.
 */
async function resolveWarehouseId(client: ShipStationClient, ctx: DeliveryContext): Promise<number | undefined> {
  const direct = ctx.settings.warehouseId;
  if (direct !== undefined && direct !== null && direct !== "") return toWarehouseId(direct, "settings.warehouseId");
  const node = typeof ctx.settings.node === "string" && ctx.settings.node ? ctx.settings.node : undefined;
  if (!node) return undefined;
  const mapped = await ctx.mappings.get(WAREHOUSE_MAPPING, node);
  if (mapped) return toWarehouseId(mapped, `mapping ${WAREHOUSE_MAPPING}/${node}`);
  const byName = await client.warehouseIdByName(node);
  if (byName !== undefined) return byName;
  throw new ClassifiedError({
    errorClass: "validation",
    message: `no ShipStation warehouse for node "${node}": add a ${WAREHOUSE_MAPPING} mapping or set warehouseId`,
    field: "advancedOptions.warehouseId",
    reason: `node ${node} is not mapped to a ShipStation warehouse`,
  });
}

function toWarehouseId(v: unknown, where: string): number {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new ClassifiedError({ errorClass: "validation", message: `${where} is not a ShipStation warehouseId: ${JSON.stringify(v)}`, field: "advancedOptions.warehouseId" });
  }
  return n;
}

function budgetHeaders(client: ShipStationClient): Record<string, string> | undefined {
  const b = client.rateBudget;
  if (!b) return undefined;
  const h: Record<string, string> = {};
  if (b.limit !== undefined) h["x-rate-limit-limit"] = String(b.limit);
  if (b.remaining !== undefined) h["x-rate-limit-remaining"] = String(b.remaining);
  if (b.resetSeconds !== undefined) h["x-rate-limit-reset"] = String(b.resetSeconds);
  return h;
}

/**
 * The part of the order this delivery ships, when fulfilment routing planned one
 * (settings.fulfilmentPart): its lines only, under the part's own orderKey.
 */
function partOf(ctx: DeliveryContext): FulfilmentPart | undefined {
  const raw = ctx.settings.fulfilmentPart;
  if (raw === undefined || raw === null) return undefined;
  const r = FulfilmentPart.safeParse(raw);
  if (!r.success) throw new ClassifiedError({ errorClass: "permanent", message: `settings.fulfilmentPart is not a fulfilment part: ${r.error.issues[0]?.message}`, field: "settings.fulfilmentPart" });
  return r.data;
}

function partLabel(part: FulfilmentPart | undefined): string {
  return part && part.count > 1 ? ` (its part at ${part.node}, one of ${part.count})` : "";
}

async function upsertOrder(client: ShipStationClient, ctx: DeliveryContext): Promise<DeliveryResult> {
  const order = ctx.event.data as EventDataOf<"order.created">;
  const part = partOf(ctx);
  const warehouseId = await resolveWarehouseId(client, ctx);
  const body = toCreateOrderRequest(order, { warehouseId, part });
  const res = await client.createOrder(body);
  const where = res.advancedOptions?.warehouseId ?? warehouseId;
  return {
    externalId: String(res.orderId),
    summary: `ShipStation order ${res.orderId} for ${order.orderNumber}${partLabel(part)} is ${res.orderStatus}${where !== undefined && where !== null ? ` at warehouse ${where}` : ""} (orderKey ${body.orderKey})`,
    upstream: { status: 200, headers: budgetHeaders(client) },
  };
}

async function cancelOrder(client: ShipStationClient, ctx: DeliveryContext): Promise<DeliveryResult> {
  const { order, reason } = ctx.event.data as EventDataOf<"order.cancelled">;
  const part = partOf(ctx);
  // A cancel must not create the order: look first (one call; createorder would upsert blindly).
  const existing = await client.findOrderByKey(partOrderKey(order.id, part), order.orderNumber);
  if (!existing) return { summary: `${order.orderNumber} was never sent to ShipStation: nothing to cancel` };
  if (existing.orderStatus === "cancelled") return { externalId: String(existing.orderId), summary: `ShipStation order ${existing.orderId} was already cancelled` };
  if (existing.orderStatus === "shipped") {
    throw new ClassifiedError({
      errorClass: "validation",
      message: `ShipStation order ${existing.orderId} (${order.orderNumber}) has already shipped: the 3PL cannot cancel it`,
      field: "orderStatus",
      reason: "cancelled after shipment: handle as a return",
    });
  }
  const body = toCreateOrderRequest(order, {
    orderStatus: "cancelled",
    warehouseId: existing.advancedOptions?.warehouseId ?? undefined,
    internalNotes: reason ? `Cancelled: ${reason}` : "Cancelled",
    part,
  });
  const res = await client.createOrder(body);
  return { externalId: String(res.orderId), summary: `ShipStation order ${res.orderId} for ${order.orderNumber}${partLabel(part)} cancelled`, upstream: { status: 200, headers: budgetHeaders(client) } };
}

async function lookupOrder(client: ShipStationClient, ctx: DeliveryContext, wantStatus?: string): Promise<string | undefined> {
  const data = ctx.event.data as Order | { order: Order };
  const order = "order" in data ? data.order : data;
  const found = await client.findOrderByKey(partOrderKey(order.id, partOf(ctx)), order.orderNumber);
  if (!found || (wantStatus && found.orderStatus !== wantStatus)) return undefined;
  return String(found.orderId);
}

async function readShipments(client: ShipStationClient, since: string): Promise<Shipment[]> {
  const out: Shipment[] = [];
  for (const s of await client.listAllShipments({ createDateStart: utcToPacific(since) })) {
    if (s.voided || s.isReturnLabel) continue;
    const node = (await client.warehouseName(s.warehouseId)) ?? (s.warehouseId ? String(s.warehouseId) : "shipstation");
    const fallbackItems = s.shipmentItems && s.shipmentItems.length > 0 ? undefined : (await client.getOrder(s.orderId)).items ?? [];
    out.push(toCanonicalShipment(s, { node, currency: client.currency, fallbackItems }));
  }
  return out;
}

export const shipstation = defineConnector<ShipStationCredentials, ShipStationClient, ShipStationWebhookSecrets>({
  id: "shipstation",
  displayName: "ShipStation",
  credentials: ShipStationCredentials,
  defaultBaseUrl: SHIPSTATION_V1_BASE_URL,
  // v1 allows 40 requests per minute per API key; two in flight keep latency down without bursting.
  ratePolicy: { concurrency: 2, perSecond: 0.66 },
  capabilities: {
    source: ["shipment.created"],
    destination: ["create_order", "cancel_order"],
    readers: ["inventory", "shipments", "orders"],
  },
  createClient: ({ baseUrl, credentials, fetch, timeoutMs }) =>
    new ShipStationClient({
      baseUrl,
      v2BaseUrl: credentials.v2BaseUrl,
      apiKey: credentials.apiKey,
      apiSecret: credentials.apiSecret,
      v2ApiKey: credentials.v2ApiKey,
      currency: credentials.currency ?? "USD",
      fetch,
      timeoutMs,
    }),
  async testConnection(client) {
    const warehouses = await client.listWarehouses();
    const def = warehouses.find((w) => w.isDefault) ?? warehouses[0];
    const budget = client.rateBudget;
    return {
      ok: true,
      detail: `${warehouses.length} warehouse(s)${def ? `, default "${def.warehouseName}"` : ""}${budget?.remaining !== undefined ? `; ${budget.remaining}/${budget.limit ?? "?"} requests left this minute` : ""}`,
    };
  },
  webhooks: shipStationWebhooks,
  webhookSecrets: (credentials, connection) => ({ webhookToken: credentials.webhookToken, apiBaseUrl: connection?.baseUrl ?? SHIPSTATION_V1_BASE_URL }),
  fetchNotification: fetchShipNotify,
  destinations: {
    /** Upsert by orderKey = canonical order id: a redelivery or an update rewrites the same order. */
    create_order: {
      accepts: ["order.created", "order.updated"],
      deliver: upsertOrder,
      lookupExisting: (client, ctx) => lookupOrder(client, ctx),
    },
    /** createorder with orderStatus "cancelled" for the same orderKey; shipped orders cannot be. */
    cancel_order: {
      accepts: ["order.cancelled"],
      deliver: cancelOrder,
      lookupExisting: (client, ctx) => lookupOrder(client, ctx, "cancelled"),
    },
  },
  readers: {
    /** The 3PL's own counts (v2 inventory), summed per SKU and inventory warehouse (by name). */
    async inventory(client) {
      const [rows, warehouses] = await Promise.all([client.listInventory(), client.listInventoryWarehouses()]);
      const names = new Map(warehouses.map((w) => [w.inventory_warehouse_id, w.name]));
      return toInventoryLevels(rows, (id) => names.get(id) ?? id, new Date().toISOString());
    },
    shipments: readShipments,
    async orders(client, since) {
      return (await client.listAllOrders({ modifyDateStart: utcToPacific(since) })).map((o) => toOrderSummary(o, client.currency));
    },
  },
  classifyError: classifyShipStationError,
});

export default shipstation;
