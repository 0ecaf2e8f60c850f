import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { IngressRejection } from "../../../pipeline/errors";
import type { Order } from "../../../pipeline/model";
import type { DeliveryContext } from "../../sdk/definition";
import { acknowledge, type AcknowledgeResult } from "../acknowledge";
import type { EdiClient } from "../client";
import { allocatorFromSequence } from "../control-numbers";
import { ediX12 } from "../index";
import { parseInterchange } from "../parse-interchange";
import type { TradingPartner } from "../partner-config";
import { InMemoryInterchangeRegistry } from "../validate-envelope";

/**
 * What the pipeline does around the connector, wired from the connector's real parts: an ingress
 * that verifies X-EDI-Token and calls acknowledge(), sends the TA1/997 back through the client,
 * keeps the orders, and a named gap-free sequence shared by acknowledgements and deliveries (the
 * sequences table).
 */
export async function startOurEndpoint(o: { partner: TradingPartner; client: EdiClient; token: string; sendAcks?: boolean }) {
  const counters = new Map<string, number>();
  const nextSequence = async (name: string) => {
    const v = (counters.get(name) ?? 0) + 1;
    counters.set(name, v);
    return v;
  };
  const orders = new Map<string, Order>();
  const results: AcknowledgeResult[] = [];
  const interchanges = new InMemoryInterchangeRegistry();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      try {
        ediX12.webhooks!.verify({ headers, rawBody, query: {} }, { sharedSecret: o.token });
      } catch (e) {
        res.writeHead(e instanceof IngressRejection ? e.status : 500).end((e as Error).message);
        return;
      }
      const r = await acknowledge(rawBody, o.partner, { controlNumbers: allocatorFromSequence(nextSequence), interchanges });
      results.push(r);
      for (const order of r.orders) orders.set(order.id, order);
      if (o.sendAcks !== false) {
        if (r.ta1) await o.client.send({ x12: r.ta1, kind: "TA1", isa13: parseInterchange(r.ta1).isa.controlNumber });
        if (r.ack997) await o.client.send({ x12: r.ack997, kind: "997", isa13: parseInterchange(r.ack997).isa.controlNumber });
      }
      res.writeHead(202).end("accepted");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/edi`;

  let seq = 0;
  const context = (type: DeliveryContext["event"]["type"], data: unknown, action: string, extra: Partial<DeliveryContext> = {}): DeliveryContext => {
    seq++;
    return {
      event: { id: `evt_${seq}`, type, data: data as never, keys: { skus: [] }, correlationId: `cor_${seq}`, source: { connector: "test", eventId: `src_${seq}` } },
      action,
      idempotencyKey: `idem_${action}_${seq}`,
      attemptNo: 1,
      refetch: false,
      priorResults: {},
      mappings: { get: async () => undefined },
      settings: {},
      nextSequence,
      loadOrder: async (id) => orders.get(id),
      ...extra,
    };
  };

  return {
    url,
    orders,
    results,
    counters,
    nextSequence,
    context,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
