import { Order, type EventDataOf, type EventType } from "../../../../pipeline/model";
import type { DeliveryContext } from "../../../sdk/definition";

let counter = 0;

/** A canonical Shopify order, parsed through the model so defaults apply as in the pipeline. */
export function canonicalOrder(over: Record<string, unknown> = {}): Order {
  const n = ++counter;
  const usd = (amountMinor: number) => ({ amountMinor, currency: "USD" });
  return Order.parse({
    id: `shopify:55500${n}`,
    channel: "shopify",
    orderNumber: `#10${40 + n}`,
    channelOrderId: `55500${n}`,
    createdAt: "2026-07-04T18:30:00.000Z",
    currency: "USD",
    customer: { email: "ada@example.com", firstName: "Ada", lastName: "Lovelace" },
    shippingAddress: { name: "Ada Lovelace", line1: "1 Main St", city: "Portland", region: "OR", postalCode: "97201", country: "US" },
    lines: [
      { lineId: "li-1", sku: "AB-12", title: "Alpine Bottle 12oz", quantity: 2, unitPrice: usd(2400), taxes: [{ title: "OR", amount: usd(200) }] },
      { lineId: "li-2", sku: "CM-01", title: "Camp Mug", quantity: 1, unitPrice: usd(1800) },
    ],
    shippingLines: [{ title: "Standard", price: usd(500) }],
    totals: { subtotal: usd(6600), discounts: usd(0), shipping: usd(500), tax: usd(200), total: usd(7300) },
    ...over,
  });
}

/** A DeliveryContext as the deliver stage builds one; mappings are "kind:key" → value. */
export function deliveryContext<T extends EventType>(
  type: T,
  data: EventDataOf<T>,
  opts: { action?: string; settings?: Record<string, unknown>; mappings?: Record<string, string> } = {},
): DeliveryContext {
  const order = (("order" in (data as object) ? (data as { order: Order }).order : data) as Order);
  return {
    event: {
      id: `evt-${++counter}`,
      type,
      data,
      keys: { orderNumber: order.orderNumber, skus: order.lines.map((l) => l.sku) },
      correlationId: `corr-${counter}`,
      source: { connector: "shopify", eventId: `src-${counter}` },
    },
    action: opts.action ?? "create_order",
    idempotencyKey: `idem-${counter}`,
    attemptNo: 1,
    refetch: false,
    priorResults: {},
    mappings: { get: async (kind, key) => opts.mappings?.[`${kind}:${key}`] },
    settings: opts.settings ?? {},
  } as DeliveryContext;
}
