import { entityKeysOf, Order, parseEventData, Refund, Shipment, type EventDataOf, type EventType } from "../../../pipeline/model";
import type { DeliveryContext, MappingLookup } from "../../sdk/definition";
import { createNetSuiteClient } from "../index";
import type { NetSuiteSandbox } from "../sandbox/server";

/** A mappings table in memory: kind → source key → target key. */
export function mappingsOf(table: Record<string, Record<string, string>> = {}): MappingLookup {
  return { get: async (kind, key) => table[kind]?.[key] };
}

export function clientFor(sb: NetSuiteSandbox, opts: { pageSize?: number; timeoutMs?: number; fetch?: typeof fetch } = {}) {
  return createNetSuiteClient({ baseUrl: sb.baseUrl, credentials: sb.credentials, ...opts });
}

let seq = 0;

export function contextFor<T extends EventType>(
  type: T,
  data: EventDataOf<T>,
  opts: { action?: string; settings?: Record<string, unknown>; mappings?: MappingLookup; idempotencyKey?: string } = {},
): DeliveryContext {
  const parsed = parseEventData(type, data);
  const id = `evt-${++seq}`;
  return {
    event: { id, type, data: parsed, keys: entityKeysOf(type, parsed), correlationId: id, source: { connector: "test", eventId: id } },
    action: opts.action ?? "test",
    idempotencyKey: opts.idempotencyKey ?? `${id}:netsuite:${opts.action ?? "test"}`,
    attemptNo: 1,
    refetch: false,
    priorResults: {},
    mappings: opts.mappings ?? mappingsOf(),
    settings: opts.settings ?? {},
  } as DeliveryContext;
}

const usd = (amountMinor: number) => ({ amountMinor, currency: "USD" });

export function orderOf(over: Partial<Record<keyof Order, unknown>> & { lines?: { sku: string; quantity: number; priceMinor: number }[] } = {}): Order {
  const lines = over.lines ?? [{ sku: "AB-12", quantity: 3, priceMinor: 2400 }];
  const subtotal = lines.reduce((a, l) => a + l.quantity * l.priceMinor, 0);
  const { lines: _ignored, ...rest } = over;
  return Order.parse({
    id: "shopify:1042",
    channel: "shopify",
    orderNumber: "#1042",
    channelOrderId: "1042",
    createdAt: "2026-11-27T12:00:00.000Z",
    currency: "USD",
    customer: { email: "ada@example.com", firstName: "Ada", lastName: "Lovelace" },
    shippingAddress: { name: "Ada Lovelace", line1: "1 Main St", city: "Portland", region: "OR", postalCode: "97201", country: "US" },
    lines: lines.map((l, i) => ({ lineId: String(i + 1), sku: l.sku, title: `Item ${l.sku}`, quantity: l.quantity, unitPrice: usd(l.priceMinor) })),
    totals: { subtotal: usd(subtotal), discounts: usd(0), shipping: usd(0), tax: usd(0), total: usd(subtotal) },
    ...rest,
  });
}

export function shipmentOf(over: Partial<Record<keyof Shipment, unknown>> = {}): Shipment {
  return Shipment.parse({
    id: "shp-1",
    orderId: "shopify:1042",
    orderNumber: "#1042",
    node: "main",
    carrier: "UPS",
    service: "Ground",
    trackingNumber: "1Z999AA10123456784",
    shippedAt: "2026-11-28T15:00:00.000Z",
    lines: [{ sku: "AB-12", quantity: 2 }],
    ...over,
  });
}

export function refundOf(over: Partial<Record<keyof Refund, unknown>> = {}): Refund {
  return Refund.parse({
    id: "rf-1",
    orderId: "shopify:1042",
    orderNumber: "#1042",
    channel: "shopify",
    createdAt: "2026-11-30T10:00:00.000Z",
    reason: "damaged",
    lines: [{ sku: "AB-12", quantity: 1, amount: usd(2400), restock: true, restockLocation: "main" }],
    total: usd(2400),
    ...over,
  });
}

export const usdMoney = usd;
