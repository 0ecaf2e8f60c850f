import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { IngressRejection } from "../../../../pipeline/errors";
import type { InboundRequest } from "../../../sdk/definition";

/** What the receiver saw and how it answered (the verifier decides, as the ingress would). */
export interface ReceivedWebhook {
  request: InboundRequest;
  status: number;
  reason?: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Resolves once `count` webhooks have arrived (or rejects after timeoutMs). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/**
 * A stand-in for our webhook ingress: a real HTTP server that runs the connector's verify() on every
 * POST and answers 202, or the IngressRejection's status.
 */
export async function startWebhookReceiver(verify: (req: InboundRequest) => void): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://receiver");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v ?? ""]));
      const inbound: InboundRequest = { headers, rawBody: Buffer.concat(chunks).toString("utf8"), query: Object.fromEntries(url.searchParams) };
      let status = 202;
      let reason: string | undefined;
      try {
        verify(inbound);
      } catch (e) {
        if (!(e instanceof IngressRejection)) throw e;
        status = e.status;
        reason = e.reasonCode;
      }
      received.push({ request: inbound, status, reason });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/shipstation`;
  return {
    url,
    received,
    async waitFor(count, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} webhooks, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received.slice(0, count);
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
