import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/**
 * The browser-test harness: builds the console into its own directory (so a test run never races
 * a developer's `next build` or `npm start`), starts `next start` on a free port against a fresh
 * data directory, and drives Debian's chromium through playwright-core.
 */

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const DIST_DIR = ".next-e2e";
export const SCREENSHOT_DIR = join(ROOT, "test-results", "screenshots");
const NEXT_BIN = join(ROOT, "node_modules", "next", "dist", "bin", "next");
const SOURCE_DIRS = ["app", "agent", "tools", "pipeline", "connectors"];
const SOURCE_FILES = ["next.config.ts", "instrumentation.ts", "tsconfig.json", "tsconfig.next.json", "package.json"];

/** Chromium flags from the project notes (deps.md, G13/G14): no sandbox, GPU, QUIC or background traffic. */
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(join(path, e.name)));
  }
  return newest;
}

/**
 * `next build` into .next-e2e unless that build is newer than every source file. E2E_REBUILD=1
 * forces a build; E2E_SKIP_BUILD=1 reuses whatever build is there (iterating on the tests alone).
 */
export function buildConsole(log: (line: string) => void = () => {}): { built: boolean; ms: number } {
  const started = Date.now();
  const buildId = join(ROOT, DIST_DIR, "BUILD_ID");
  const sources = Math.max(...SOURCE_DIRS.map((d) => newestMtime(join(ROOT, d))), ...SOURCE_FILES.map((f) => newestMtime(join(ROOT, f))));
  if (process.env.E2E_SKIP_BUILD === "1" && existsSync(buildId)) return { built: false, ms: 0 };
  if (process.env.E2E_REBUILD !== "1" && existsSync(buildId) && statSync(buildId).mtimeMs > sources) return { built: false, ms: 0 };
  log("building the console (next build) into .next-e2e");
  const r = spawnSync(process.execPath, [NEXT_BIN, "build"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...serverEnv(), LOOPKEEPER_NEXT_DIST_DIR: DIST_DIR, LOOPKEEPER_SKIP_BOOT: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`next build failed (exit ${r.status}):\n${(r.stdout ?? "").slice(-4000)}\n${(r.stderr ?? "").slice(-4000)}`);
  return { built: true, ms: Date.now() - started };
}

/** The server's environment: the embedded backends only, whatever this shell has configured. */
function serverEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...extra };
  for (const k of ["DATABASE_URL", "REDIS_URL", "LOOPKEEPER_SKIP_BOOT", "LOOPKEEPER_PUBLIC_URL", "LOOPKEEPER_SECRET_KEY", "LOOPKEEPER_WEB_WORKER", "OPENAI_API_KEY", "OPENAI_BASE_URL", "PORT", "NODE_OPTIONS"]) {
    if (!(k in extra)) delete env[k];
  }
  return env;
}

export interface RunningConsole {
  url: string;
  port: number;
  dataDir: string;
  /** Everything the server printed on stdout (the first admin's credentials are printed there, once). */
  stdout(): string;
  stderr(): string;
  firstAdmin(): { email: string; password: string };
  stop(): Promise<void>;
}

/** `next start` on `port` with LOOPKEEPER_DATA_DIR = `dataDir`; resolves once /api/health answers. */
export async function startConsole(opts: { port: number; dataDir: string; env?: Record<string, string> }): Promise<RunningConsole> {
  const url = `http://127.0.0.1:${opts.port}`;
  let out = "";
  let err = "";
  const child: ChildProcess = spawn(process.execPath, [NEXT_BIN, "start", "-p", String(opts.port), "-H", "127.0.0.1"], {
    cwd: ROOT,
    env: serverEnv({ LOOPKEEPER_NEXT_DIST_DIR: DIST_DIR, LOOPKEEPER_DATA_DIR: opts.dataDir, LOG_LEVEL: "warn", ...opts.env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${out.slice(-3000)}\n${err.slice(-3000)}`);
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok && /first administrator created|password:/.test(out)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the console did not become healthy within 90 s:\n${out.slice(-3000)}\n${err.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port: opts.port,
    dataDir: opts.dataDir,
    stdout: () => out,
    stderr: () => err,
    firstAdmin: () => {
      const email = /email:\s+(\S+)/.exec(out)?.[1];
      const password = /password:\s+(\S+)/.exec(out)?.[1];
      if (!email || !password) throw new Error(`no first-admin credentials in the server output:\n${out}`);
      return { email, password };
    },
    stop,
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/** Headless Debian chromium with a fresh profile directory (deps.md G13: a user-data dir only through launchPersistentContext). */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "lk-e2e-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 860 },
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // Failed resources are reported with their URL by the response listener below.
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("response", (r) => {
    // 401/403 are what the role tests provoke on purpose.
    if (r.status() >= 400 && r.status() !== 401 && r.status() !== 403) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return {
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function signIn(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${url}/`);
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/sign-in$/);
}

/** Waits for charts and relative times to settle, then saves test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.waitForLoadState("networkidle").catch(() => {});
  await page.waitForTimeout(300);
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Polls until `probe` returns a value (not undefined), or fails saying what it waited for. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, opts: { timeoutMs: number; what: string; everyMs?: number }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 300));
  }
}

/** A session cookie for calls from the test itself (API polling, forged requests). */
export async function apiSession(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`sign-in as ${email} failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  if (!cookie) throw new Error("sign-in returned no session cookie");
  return cookie;
}
