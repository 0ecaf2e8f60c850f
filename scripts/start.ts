/**
 * `npm start`: the main job. Builds the console if needed, starts the sandbox world (unless
 * LOOPKEEPER_SANDBOX_WORLD=0), serves the console on PORT, and runs live traffic through the loop.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, type Config } from "../pipeline/config";
import { sandboxWorldPath } from "../pipeline/sandbox-world-config";

const SOURCE_DIRS = ["app", "agent", "tools", "pipeline", "connectors"];
const NEXT_BIN = join("node_modules", "next", "dist", "bin", "next");

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".") || e.name === "tests") continue;
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSourceMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** A fresh machine has no build; a changed source tree needs a new one. */
function ensureBuild(): void {
  const buildId = join(".next", "BUILD_ID");
  const stale = !existsSync(buildId) || Math.max(...SOURCE_DIRS.filter(existsSync).map(newestSourceMtime)) > statSync(buildId).mtimeMs;
  if (!stale) return;
  console.log("Building the console (first start or sources changed)…");
  const r = spawnSync(process.execPath, [NEXT_BIN, "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", LOOPKEEPER_SKIP_BOOT: "1" } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the console exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the console did not become healthy within 2 minutes");
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    console.error(`Configuration error: ${(e as Error).message}`);
    process.exit(1);
  }
  ensureBuild();
  mkdirSync(config.dataDir, { recursive: true });
  const appUrl = `http://127.0.0.1:${config.port}`;
  const withWorld = process.env.LOOPKEEPER_SANDBOX_WORLD !== "0";
  let world: Awaited<ReturnType<typeof import("../connectors/sandbox-world/world").startSandboxWorld>> | undefined;
  if (withWorld) {
    const { startSandboxWorld } = await import("../connectors/sandbox-world/world");
    world = await startSandboxWorld({ appUrl, autoShipAfterMs: 8_000 });
    // Read once by the console at boot, then deleted: the connections are stored encrypted.
    writeFileSync(sandboxWorldPath(config.dataDir), JSON.stringify(world.config), { mode: 0o600 });
  }
  // Node runs next's own entry directly (not through npx) so a signal to us reaches the server.
  const next = spawn(process.execPath, [NEXT_BIN, "start", "-p", String(config.port), "-H", "127.0.0.1"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  let traffic: { stop(): void } | undefined;
  const shutdown = async (code = 0) => {
    traffic?.stop();
    next.kill("SIGTERM");
    await world?.close();
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
  next.on("exit", (code) => void shutdown(code ?? 1));
  await waitHealthy(appUrl, next);
  console.log(`\nLoopkeeper is running: ${appUrl}`);
  if (world) {
    const { startTraffic } = await import("../connectors/sandbox-world/traffic");
    traffic = startTraffic(world, { ordersPerMinute: 12, log: (l) => console.error(l) });
    console.log("Sandbox world: Shopify, NetSuite, a ShipStation 3PL plus a second warehouse, and QuickBooks, with live traffic and a low rate of injected faults.");
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
