import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { handleWebhook } from "../ingress";
import type { Runtime } from "../runtime";

/**
 * The webhook ingress on a bare node:http server: the same handleWebhook the Next route calls,
 * for tests that run sandboxes against a pipeline without building the console. The runtime is
 * looked up per request so a test can swap it (a restart after a crash).
 */
export async function startIngressServer(runtime: () => Runtime): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://ingress");
      const m = /^\/api\/webhooks\/([^/]+)$/.exec(url.pathname);
      if (req.method !== "POST" || !m) {
        res.writeHead(404).end();
        return;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v ?? ""]));
      const result = await handleWebhook(runtime(), decodeURIComponent(m[1]!), { headers, rawBody: Buffer.concat(chunks).toString("utf8"), query: Object.fromEntries(url.searchParams) });
      res.writeHead(result.status, { "content-type": "application/json" }).end(JSON.stringify(result.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
