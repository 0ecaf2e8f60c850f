import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // These run only on the server and carry native or WASM parts that must not be bundled.
  serverExternalPackages: ["@electric-sql/pglite", "bullmq", "ioredis", "pino", "postgres", "@node-rs/argon2", "node-x12"],
  poweredByHeader: false,
};

export default nextConfig;
