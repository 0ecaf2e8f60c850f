import type { CapturedEvent } from "../../connectors/sdk/definition";
import type { Order } from "../model";

/** A valid canonical order for tests that are about the pipeline, not about a channel's payload. */
export function sampleOrder(n: number, overrides: Partial<Order> = {}): Order {
  const lines = [{ lineId: `${n}-1`, sku: "AB-12", quantity: 2, unitPrice: { amountMinor: 2400, currency: "USD" }, taxes: [], requiresShipping: true }];
  return {
    id: `shopify:${1000 + n}`,
    channel: "shopify",
    orderNumber: `#${1000 + n}`,
    channelOrderId: String(1000 + n),
    createdAt: "2026-11-27T10:00:00.000Z",
    status: "open",
    fulfilmentChannel: "merchant",
    currency: "USD",
    customer: { email: `buyer${n}@example.com`, externalIds: {} },
    lines,
    shippingLines: [],
    discounts: [],
    taxesIncluded: false,
    totals: {
      subtotal: { amountMinor: 4800, currency: "USD" },
      discounts: { amountMinor: 0, currency: "USD" },
      shipping: { amountMinor: 0, currency: "USD" },
      tax: { amountMinor: 0, currency: "USD" },
      total: { amountMinor: 4800, currency: "USD" },
    },
    tags: [],
    externalIds: {},
    ...overrides,
  };
}

export function orderCreated(n: number, overrides: Partial<Order> = {}): CapturedEvent<"order.created"> {
  return { type: "order.created", sourceEventId: `order-created-${n}`, occurredAt: "2026-11-27T10:00:00.000Z", data: sampleOrder(n, overrides) };
}
