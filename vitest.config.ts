import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./", import.meta.url)) } },
  test: {
    include: ["**/*.test.ts"],
    // The browser tests build and start the console: `npm run test:e2e` (vitest.e2e.config.ts).
    exclude: ["node_modules/**", ".next/**", ".next-e2e/**", ".data/**", "scripts/e2e/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Pipeline logs are for operators; in test output they only bury the failures.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "error" },
    maxWorkers: 2,
  },
});
