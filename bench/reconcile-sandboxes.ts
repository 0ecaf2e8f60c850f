/**
 * The sandboxes of `npm run bench:reconcile`, in their own process (bench/reconcile.ts starts
 * it): a sandbox answering a large page is synchronous work, and in the bench's process it would
 * stall the reads and the reconciler it is supposed to be measured apart from. Prints one JSON
 * line with the connections, then serves until killed.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { startNetSuiteSandbox } from "../connectors/netsuite/sandbox/server";
import { startShipStationSandbox } from "../connectors/shipstation/sandbox";
import { startShopifySandbox } from "../connectors/shopify/sandbox/server";
import type { SandboxSeed } from "../connectors/sdk/sandbox-kit";

const { values: args } = parseArgs({ options: { skus: { type: "string", default: "10000" } } });
const SKUS = Number(args.skus);
export const LOCATIONS = ["main", "east", "west"];

// The NetSuite sandbox renders a time zone conversion per row with a new Intl.DateTimeFormat each
// time, for every row of the catalogue on every page: memoising the formatter here (same output)
// keeps the sandbox's own rendering from swamping what is measured.
const RealDateTimeFormat = Intl.DateTimeFormat;
const formats = new Map<string, Intl.DateTimeFormat>();
Intl.DateTimeFormat = function (locales?: string | string[], options?: Intl.DateTimeFormatOptions) {
  const key = JSON.stringify([locales, options]);
  let f = formats.get(key);
  if (!f) formats.set(key, (f = new RealDateTimeFormat(locales, options)));
  return f;
} as unknown as typeof Intl.DateTimeFormat;

function seed(): SandboxSeed {
  const catalog = Array.from({ length: SKUS }, (_, i) => ({ sku: `SKU-${String(i).padStart(5, "0")}`, title: `Item ${i}`, priceMinor: 1000 + (i % 500) }));
  const stock = Object.fromEntries(LOCATIONS.map((loc, l) => [loc, Object.fromEntries(catalog.map((c, i) => [c.sku, 50 + ((i * 7 + l * 13) % 400)]))]));
  return { currency: "USD", catalog, stock };
}

/**
 * The NetSuite sandbox numbers items 101 + position, so positions 800–803 collide with its service
 * items 901–904 (discount, shipping, tax, refund adjustment), which replace them. Those positions
 * get placeholders, so the ERP stocks exactly the catalogue the other two systems do.
 */
function erpSeed(s: SandboxSeed): SandboxSeed {
  if (s.catalog.length <= 800) return s;
  const pad = [0, 1, 2, 3].map((i) => ({ sku: `PLACEHOLDER-${i}`, title: "replaced by a NetSuite service item", priceMinor: 0 }));
  return { ...s, catalog: [...s.catalog.slice(0, 800), ...pad, ...s.catalog.slice(800)] };
}

const s = seed();
const started = performance.now();
const netsuite = await startNetSuiteSandbox({ seed: erpSeed(s) });
const shipstation = await startShipStationSandbox({ seed: s, rateLimitPerMinute: 1_000_000 });
// A Shopify Plus-sized cost bucket: the standard plan's 50 points/s would make this a benchmark of the throttle.
const shopify = await startShopifySandbox({ seed: s, bucket: { maximumAvailable: 1_000_000, restoreRate: 1_000_000 } });
/**
 * The ShipStation client follows at most 200 v2 pages and asks for no page size, so it reads
 * 20,000 inventory rows at the API's default of 100 and silently stops (reported to the connector's
 * owner). Until it asks for larger pages itself, this proxy asks for 500 on its behalf, so the
 * reconciliation sees the whole catalogue.
 */
async function pageSizeProxy(target: string): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", target);
      if (url.pathname.startsWith("/v2/") && !url.searchParams.has("limit")) url.searchParams.set("limit", "500");
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== "host" && k !== "content-length").map(([k, v]) => [k, String(v)]));
      try {
        const upstream = await fetch(url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
        const body = (await upstream.text()).replaceAll(target, self);
        res.writeHead(upstream.status, Object.fromEntries([...upstream.headers].filter(([k]) => k !== "content-length" && k !== "content-encoding" && k !== "transfer-encoding"))).end(body);
      } catch (e) {
        // A reset connection is the client's to retry, as it would be against the real API.
        res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ message: `proxy: ${(e as Error).message}` }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return self;
}
const shipstationUrl = await pageSizeProxy(shipstation.url);

process.stdout.write(`${JSON.stringify({
  seededMs: performance.now() - started,
  skus: s.catalog.map((c) => c.sku),
  netsuite: { baseUrl: netsuite.baseUrl, credentials: netsuite.credentials },
  shipstation: { url: shipstationUrl, controlUrl: shipstation.url, credentials: shipstation.credentials },
  shopify: { url: shopify.url, credentials: shopify.credentials, locations: shopify.state.locations.map((l) => ({ id: l.id, name: l.name })) },
})}\n`);
