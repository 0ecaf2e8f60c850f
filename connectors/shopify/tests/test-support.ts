import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { EntityKeys, EventDataOf, EventType } from "../../../pipeline/model";
import { entityKeysOf } from "../../../pipeline/model";
import type { DeliveryContext, InboundRequest } from "../../sdk/definition";

/** A small webhook receiver: records every delivery exactly as it arrived. */
export interface WebhookReceiver {
  url: string;
  requests: InboundRequest[];
  waitFor(count: number, timeoutMs?: number): Promise<InboundRequest[]>;
  clear(): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: InboundRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(", ") : (v ?? "")]));
      requests.push({ headers, rawBody: Buffer.concat(chunks).toString("utf8"), query: {} });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/shopify`;
  return {
    url,
    requests,
    async waitFor(count, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (requests.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      return requests.slice(0, count);
    },
    clear: () => void requests.splice(0),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A DeliveryContext as the deliver stage builds it, with mappings from a plain table. */
export function deliveryContext<T extends EventType>(
  type: T,
  data: EventDataOf<T>,
  opts: { idempotencyKey?: string; eventId?: string; settings?: Record<string, unknown>; mappings?: Record<string, Record<string, string>>; action?: string } = {},
): DeliveryContext {
  const eventId = opts.eventId ?? `evt_${Math.random().toString(36).slice(2)}`;
  return {
    event: { id: eventId, type, data, keys: entityKeysOf(type, data) as EntityKeys, correlationId: `cor_${eventId}`, source: { connector: "test", eventId } },
    action: opts.action ?? "test",
    idempotencyKey: opts.idempotencyKey ?? `${eventId}:shopify`,
    attemptNo: 1,
    refetch: false,
    priorResults: {},
    mappings: { get: async (kind, key) => opts.mappings?.[kind]?.[key] },
    settings: opts.settings ?? {},
  };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
