/**
 * npm run bench:reconcile — a full inventory reconciliation of N SKUs × 3 locations: NetSuite,
 * ShipStation and Shopify sandboxes seeded with the catalogue, read over HTTP through the
 * connectors' own readers, compared and stored by the real reconciler. Reported apart: the
 * readers' time, the reconciler's compute and its store time, next to a baseline measured in the
 * same run on the same data: a plain hash join of the ERP's levels with the 3PL's and the channel's.
 * 1% of the SKUs get an unreported 3PL cycle count, so findings are written too.
 *
 *   --skus N     SKUs (default 10000)
 *   --runs R     measured runs (default 3; the median is reported)
 *   --dry        print only, do not write BENCHMARKS.md
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { loadConfig } from "../pipeline/config";
import { saveConnectorInstance } from "../pipeline/connector-instances";
import { openStore, type Store } from "../pipeline/db/client";
import { mappings } from "../pipeline/db/schema";
import type { InventoryLevel } from "../pipeline/model";
import { InProcessTransport } from "../pipeline/queue/in-process";
import { runReconciliation, type RunOutcome } from "../pipeline/reconcile";
import { Runtime } from "../pipeline/runtime";
import { openPostgresTestStore, type TestStore } from "../pipeline/testing/backends";
import { appendBenchmark, fmt } from "./report";

const { values: args } = parseArgs({ options: { skus: { type: "string", default: "10000" }, runs: { type: "string", default: "3" }, dry: { type: "boolean", default: false } } });
const SKUS = Number(args.skus);
const RUNS = Number(args.runs);
const LOCATIONS = ["main", "east", "west"];
const DRIFTED = Math.max(1, Math.round(SKUS / 100));

interface World {
  seededMs: number;
  skus: string[];
  netsuite: { baseUrl: string; credentials: Record<string, unknown> };
  shipstation: { url: string; controlUrl: string; credentials: Record<string, unknown> };
  shopify: { url: string; credentials: Record<string, unknown>; locations: { id: string; name: string }[] };
}

async function startSandboxes(): Promise<{ world: World; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/reconcile-sandboxes.ts", "--skus", String(SKUS)], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the sandbox process exited with ${code}`)));
  });
  return { world: JSON.parse(line) as World, child };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function bench(label: string, store: Store) {
  const { world, child } = await startSandboxes();
  const config = loadConfig({ LOOPKEEPER_DATA_DIR: mkdtempSync(join(tmpdir(), "lk-bench-recon-")), LOG_LEVEL: "warn" });
  const rt = await Runtime.open({ config, store, transport: new InProcessTransport() });
  try {
    await saveConnectorInstance(store, config.secretKey, { id: "netsuite", connectorType: "netsuite", baseUrl: world.netsuite.baseUrl, credentials: world.netsuite.credentials });
    await saveConnectorInstance(store, config.secretKey, { id: "shipstation", connectorType: "shipstation", baseUrl: world.shipstation.url, credentials: world.shipstation.credentials });
    await saveConnectorInstance(store, config.secretKey, { id: "shopify", connectorType: "shopify", baseUrl: world.shopify.url, credentials: world.shopify.credentials, settings: { safetyStock: 0 } });
    for (const loc of world.shopify.locations) await store.db.insert(mappings).values({ kind: "shopify_location", connector: "shopify", sourceKey: loc.name, targetKey: loc.id });
    await rt.reload();
    // 1% of the SKU-locations get a cycle count nobody reports.
    for (let i = 0; i < DRIFTED; i++) {
      const res = await fetch(`${world.shipstation.controlUrl}/_sandbox/inventory/adjust`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sku: world.skus[i * 100], warehouse: LOCATIONS[i % 3], delta: -3, silent: true }) });
      if (!res.ok) throw new Error(`adjust failed: ${res.status} ${await res.text()}`);
    }
    const deps = { store, instances: () => rt.directory.listInstances() };

    // Warm-up: JIT, prepared plans; the first run also writes every finding once.
    const warm = await runReconciliation(deps, { domain: "inventory" });
    if (warm.status !== "succeeded") throw new Error(`warm-up run failed: ${warm.error}`);
    const runs: RunOutcome[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await runReconciliation(deps, { domain: "inventory" });
      if (r.status !== "succeeded") throw new Error(`run failed: ${r.error}`);
      runs.push(r);
    }

    // Baseline, same data: read the three sides, then hash-join the ERP's levels with the other two.
    const inst = (id: string) => rt.directory.instance(id)!;
    const r0 = performance.now();
    const [erp, tpl, ch] = await Promise.all(["netsuite", "shipstation", "shopify"].map((id) => inst(id).definition.readers!.inventory!(inst(id).client) as Promise<InventoryLevel[]>));
    const baselineReadMs = performance.now() - r0;
    const joinMs: number[] = [];
    let differing = 0;
    for (let i = 0; i < Math.max(RUNS, 5); i++) {
      const j0 = performance.now();
      const byKey = new Map(erp!.map((l) => [`${l.sku}\u0000${l.location}`, l]));
      const locOf = new Map(world.shopify.locations.map((l) => [`shopify:${l.id}`, l.name]));
      differing = 0;
      for (const l of tpl!) if (byKey.get(`${l.sku}\u0000${l.location}`)?.onHand !== l.onHand) differing++;
      for (const l of ch!) if (byKey.get(`${l.sku}\u0000${locOf.get(l.location)}`)?.available !== l.available) differing++;
      joinMs.push(performance.now() - j0);
    }
    const last = runs.at(-1)!;
    const t = (k: keyof RunOutcome["timings"]) => median(runs.map((r) => r.timings[k]));
    return {
      label, seededMs: world.seededMs, checked: last.checked, open: last.open, differing,
      readMs: t("readMs"), computeMs: t("computeMs"), storeMs: t("storeMs"), totalMs: t("totalMs"), firstStoreMs: warm.timings.storeMs,
      baselineReadMs, baselineJoinMs: median(joinMs),
    };
  } finally {
    await rt.halt();
    child.kill();
  }
}

async function main() {
  const load = () => loadavg()[0]!.toFixed(1);
  const loadBefore = load();
  const results = [];
  const pglite = await openStore({ kind: "pglite", dataDir: "memory://" });
  try {
    results.push(await bench("PGlite (embedded)", pglite));
  } finally {
    await pglite.close();
  }
  if (process.env.DATABASE_URL) {
    const pg: TestStore = await openPostgresTestStore(process.env.DATABASE_URL);
    try {
      results.push(await bench("PostgreSQL", pg));
    } finally {
      await pg.dispose();
    }
  }
  const ms = (n: number) => `${fmt(n)} ms`;
  const lines = [
    `${fmt(SKUS)} SKUs × ${LOCATIONS.length} locations in NetSuite, ShipStation and Shopify sandboxes (${fmt(SKUS * LOCATIONS.length)} levels per system), read over HTTP through the connectors' readers; ${fmt(DRIFTED)} SKU-locations carry an unreported 3PL cycle count. Median of ${RUNS} runs after a warm-up run. ${new Date().toISOString()}; load average ${loadBefore} before, ${load()} after, on ${cpus().length} cores.`,
    "",
    "| store | levels compared | drift found | readers | reconcile compute | store (first run) | total run | baseline: same reads | baseline: hash join only |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map((r) => `| ${r.label} | ${fmt(r.checked)} | ${fmt(r.open)} | ${ms(r.readMs)} | ${ms(r.computeMs)} | ${ms(r.storeMs)} (${ms(r.firstStoreMs)}) | ${ms(r.totalMs)} | ${ms(r.baselineReadMs)} | ${ms(r.baselineJoinMs)} |`),
    "",
    ...results.map((r) => `${r.label}: the reconciler's compute (projection of open work, comparison of ERP↔3PL and ERP↔channel, bridges and evidence for the ${fmt(r.open)} findings) costs ${fmt(r.computeMs / Math.max(r.baselineJoinMs, 0.1), 1)}× the bare hash join; reading the three systems is ${fmt((100 * r.readMs) / r.totalMs)}% of the run. The bare join saw ${fmt(r.differing)} differing levels (no projection, no safety stock).`),
    "",
    "Readers: NetSuite SuiteQL pages of 1,000 rows, ShipStation v2 inventory pages, Shopify GraphQL inventory levels per location (the sandbox's cost bucket raised to Plus-like limits so the throttle is not what is measured); the sandboxes run in a separate process. The ShipStation client reads at most 200 pages of the API's default 100 rows (20,000 levels) and stops silently, so the bench's sandbox process serves it 500-row pages until the connector asks for them. The NetSuite sandbox renders every row of the catalogue for each page, so its reads grow with the square of the catalogue: reader figures say more about the sandboxes than about the APIs. Compute = run time minus the wall time with a reader call in flight minus the store phase (it includes the reconciler's own queries of the event log). Store: upserting the findings and resolving the ones gone; the first run writes them all.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  if (!args.dry) appendBenchmark("bench:reconcile", "npm run bench:reconcile", lines);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
