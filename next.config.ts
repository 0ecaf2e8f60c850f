import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // These run only on the server and carry native or WASM parts that must not be bundled.
  serverExternalPackages: ["@electric-sql/pglite", "bullmq", "ioredis", "pino", "postgres", "@node-rs/argon2", "node-x12"],
  poweredByHeader: false,
  // The browser tests build into their own directory, so they never race a developer's build or `npm start`.
  distDir: process.env.LOOPKEEPER_NEXT_DIST_DIR || ".next",
  // The build type-checks the app and everything it imports; test files are checked by `tsc --noEmit`,
  // so a test mid-change elsewhere does not stop the console from building.
  typescript: { tsconfigPath: "tsconfig.next.json" },
};

export default nextConfig;
