import type { SandboxWorld } from "./world";
import { ERP_SEED, UNMAPPED_SKU } from "./catalog";

export interface TrafficOptions {
  /** Mean orders per minute. */
  ordersPerMinute?: number;
  /** Share of orders that include the SKU the ERP does not know (a real failure to investigate). */
  unmappedSkuRate?: number;
  /** Background fault probabilities per API call on each sandbox (429s and 5xx). */
  faultRates?: { rate429?: number; rate5xx?: number };
  random?: () => number;
  log?: (line: string) => void;
}

const CITIES = [
  { city: "Denver", province: "CO", zip: "80202" }, { city: "Portland", province: "OR", zip: "97205" },
  { city: "Austin", province: "TX", zip: "78701" }, { city: "Boston", province: "MA", zip: "02108" },
  { city: "Madison", province: "WI", zip: "53703" }, { city: "Asheville", province: "NC", zip: "28801" },
];
const NAMES = ["Ada Park", "Ben Ortiz", "Chloe Nguyen", "Dev Patel", "Elena Rossi", "Femi Adeyemi", "Grace Kim", "Hugo Laurent"];

/**
 * A realistic trickle for the live demo: checkouts on the channel (a few units of one to three
 * SKUs, sometimes a discount), refunds and cancellations of earlier orders, stock receipts and
 * cycle counts in the ERP, and a low rate of upstream faults on every system.
 */
export function startTraffic(world: SandboxWorld, opts: TrafficOptions = {}): { stop(): void; stats: Record<string, number> } {
  const rnd = opts.random ?? Math.random;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const stats = { orders: 0, refunds: 0, cancellations: 0, stockChanges: 0, errors: 0 };
  const placed: string[] = [];
  const log = opts.log ?? (() => {});
  const rates = opts.faultRates ?? { rate429: 0.01, rate5xx: 0.005 };
  const sandboxes = [world.shopify, world.netsuite, world.shipstation, world.warehouseEast, world.quickbooks];
  for (const s of sandboxes) s.faults.set({ randomRates: rates });

  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  const every = (meanMs: number, fn: () => Promise<void>) => {
    const loop = () => {
      if (stopped) return;
      const t = setTimeout(async () => {
        try {
          await fn();
        } catch (e) {
          stats.errors++;
          log(`traffic: ${(e as Error).message}`);
        }
        loop();
      }, meanMs * (0.5 + rnd()));
      t.unref?.();
      timers.push(t);
    };
    loop();
  };

  const perMinute = opts.ordersPerMinute ?? 20;
  every(60_000 / perMinute, async () => {
    const skus = ERP_SEED.catalog.map((c) => c.sku);
    const lines = Array.from({ length: 1 + Math.floor(rnd() * 2.2) }, () => ({ sku: pick(skus), quantity: 1 + Math.floor(rnd() * 3) }));
    if (rnd() < (opts.unmappedSkuRate ?? 0.05)) lines.push({ sku: UNMAPPED_SKU.sku, quantity: 1 });
    const merged = [...lines.reduce((m, l) => m.set(l.sku, (m.get(l.sku) ?? 0) + l.quantity), new Map<string, number>())].map(([sku, quantity]) => ({ sku, quantity }));
    const name = pick(NAMES);
    const place = pick(CITIES);
    const order = await world.shopify.placeOrder({
      lines: merged,
      email: `${name.toLowerCase().replace(/ /g, ".")}@example.com`,
      shippingAddress: { name, address1: `${100 + Math.floor(rnd() * 900)} Main St`, city: place.city, province: place.province, zip: place.zip, country: "US" },
      shippingMinor: rnd() < 0.5 ? 0 : 695,
      discountCode: rnd() < 0.15 ? "SAVE10" : undefined,
    });
    placed.push(order.id);
    stats.orders++;
  });

  every(45_000, async () => {
    const id = placed.length > 5 ? placed[Math.floor(rnd() * (placed.length - 3))] : undefined;
    if (!id) return;
    const order = world.shopify.state.orders.find((o) => o.id === id);
    const line = order?.lines[0];
    if (!order || !line || order.cancelledAt) return;
    await world.shopify.refundOrder(id, { lines: [{ sku: line.sku, quantity: 1, restock: rnd() < 0.7 }], note: "Customer return" });
    stats.refunds++;
  });

  every(120_000, async () => {
    const id = placed.at(-1);
    if (!id) return;
    await world.shopify.cancelOrder(id, { reason: "customer", restock: true });
    stats.cancellations++;
  });

  every(20_000, async () => {
    const sku = pick(ERP_SEED.catalog).sku;
    // Most receipts land at the 3PL; some at the east warehouse, which fills what the 3PL lacks.
    world.netsuite.adjustInventory(sku, rnd() < 0.8 ? "main" : "east", rnd() < 0.7 ? 24 : -2, rnd() < 0.7 ? "receipt" : "cycle count");
    stats.stockChanges++;
  });

  return {
    stats,
    stop: () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const s of sandboxes) s.faults.set({ randomRates: {} });
    },
  };
}
