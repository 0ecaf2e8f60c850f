import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

/**
 * The console's browser tests (scripts/e2e): `next build` + `next start` + headless chromium.
 * Kept out of `npm test` because the build alone takes one to three minutes on a busy machine.
 */
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./", import.meta.url)) } },
  test: {
    include: ["scripts/e2e/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 420_000,
    pool: "forks",
    maxWorkers: 1,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "error" },
  },
});
