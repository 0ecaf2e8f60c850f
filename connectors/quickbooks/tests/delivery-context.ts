import { Order, entityKeysOf, type EventDataOf, type EventType } from "../../../pipeline/model";
import type { DeliveryContext } from "../../sdk/definition";

/** A DeliveryContext as the deliver stage builds it, with an in-memory mappings table. */
export function deliveryContext<T extends EventType>(
  type: T,
  data: EventDataOf<T>,
  opts: { key: string; action: string; settings: Record<string, unknown>; refetch?: boolean; mappings?: Record<string, string>; attemptNo?: number },
): DeliveryContext {
  return {
    event: { id: `evt-${opts.key}`, type, data, keys: entityKeysOf(type, data), correlationId: `corr-${opts.key}`, source: { connector: "shopify", eventId: `src-${opts.key}` } },
    action: opts.action,
    idempotencyKey: opts.key,
    attemptNo: opts.attemptNo ?? 1,
    refetch: opts.refetch ?? false,
    priorResults: {},
    mappings: { get: async (kind, sourceKey) => opts.mappings?.[`${kind}:${sourceKey}`] },
    settings: opts.settings,
  };
}

/** A shop order in the sandbox catalog: 2 × AB-12 at 24.00 and 1 × CM-01 at 18.00, with discount, shipping and tax. */
export function shopOrder(orderNumber: string, overrides: Record<string, unknown> = {}): Order {
  // 48.00 + 18.00 = 66.00; − 6.60 + 5.99 + 4.79 = 70.18
  return Order.parse({
    id: `shopify:${orderNumber}`,
    channel: "shopify",
    orderNumber,
    channelOrderId: orderNumber.replace("#", ""),
    createdAt: "2026-11-27T18:00:00.000Z",
    currency: "USD",
    customer: { email: "grace@example.com", firstName: "Grace", lastName: "Hopper" },
    lines: [
      { lineId: "1", sku: "AB-12", title: "Alpine Bottle 12oz", quantity: 2, unitPrice: { amountMinor: 2400, currency: "USD" }, taxes: [{ title: "State", amount: { amountMinor: 479, currency: "USD" } }] },
      { lineId: "2", sku: "CM-01", title: "Camp Mug", quantity: 1, unitPrice: { amountMinor: 1800, currency: "USD" } },
    ],
    shippingLines: [{ title: "Standard", price: { amountMinor: 599, currency: "USD" } }],
    discounts: [{ code: "WELCOME10", amount: { amountMinor: 660, currency: "USD" } }],
    totals: {
      subtotal: { amountMinor: 6600, currency: "USD" },
      discounts: { amountMinor: 660, currency: "USD" },
      shipping: { amountMinor: 599, currency: "USD" },
      tax: { amountMinor: 479, currency: "USD" },
      total: { amountMinor: 7018, currency: "USD" },
    },
    ...overrides,
  });
}
