import { z } from "zod";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError } from "./errors";

/**
 * Every setting, parsed once. Nothing else reads process.env: a wrong setting fails here at
 * start-up with a message that names it.
 */
const EnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL, e.g. postgres://user:pass@127.0.0.1:5432/loopkeeper")
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// URL, e.g. redis://127.0.0.1:6379").optional(),
  LOOPKEEPER_DATA_DIR: z.string().default(".data"),
  /** 32 bytes, base64 or hex: the AES-256-GCM key for credentials at rest. */
  LOOPKEEPER_SECRET_KEY: z.string().optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.string().url("must be a URL such as http://127.0.0.1:11434/v1").optional(),
  OPENAI_MODEL: z.string().optional(),
  LOOPKEEPER_QUEUE_PREFIX: z.string().regex(/^[a-z0-9-]+$/, "lower-case letters, digits and dashes only").default("lk"),
  LOOPKEEPER_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  LOOPKEEPER_DELIVERY_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  LOOPKEEPER_PUBLIC_URL: z.string().url().optional(),
  NOTIFY_WEBHOOK_URL: z.string().url("must be an http(s) URL of a Slack-compatible incoming webhook").optional(),
  /** The bearer token `npm run mcp` (stdio) acts as; create one with `npm run tokens -- create`. */
  LOOPKEEPER_MCP_TOKEN: z.string().regex(/^lkmcp_/, "must be a token from `npm run tokens -- create` (starts with lkmcp_)").optional(),
});

export type Config = Readonly<{
  database: { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };
  queue: { kind: "bullmq"; url: string; prefix: string } | { kind: "in-process" };
  dataDir: string;
  secretKey: Buffer;
  port: number;
  logLevel: z.infer<typeof EnvSchema>["LOG_LEVEL"];
  workerConcurrency: number;
  deliveryLeaseSeconds: number;
  publicUrl?: string;
  notifyWebhookUrl?: string;
  mcpToken?: string;
  llm: { apiKey: string; baseURL?: string; model: string } | null;
}>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(emptyToUndefined(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0]), `${issue.message} (got ${JSON.stringify(env[String(issue.path[0])])})`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.LOOPKEEPER_DATA_DIR);
  const llm = e.OPENAI_API_KEY || e.OPENAI_BASE_URL
    ? { apiKey: e.OPENAI_API_KEY ?? "not-needed", baseURL: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL ?? "gpt-4o-mini" }
    : null;
  const database: Config["database"] = e.DATABASE_URL ? { kind: "postgres", url: e.DATABASE_URL } : { kind: "pglite", dataDir: join(dataDir, "pglite") };
  const queue: Config["queue"] = e.REDIS_URL ? { kind: "bullmq", url: e.REDIS_URL, prefix: e.LOOPKEEPER_QUEUE_PREFIX } : { kind: "in-process" };
  return Object.freeze({
    database,
    queue,
    dataDir,
    secretKey: resolveSecretKey(e.LOOPKEEPER_SECRET_KEY, dataDir, Boolean(e.DATABASE_URL)),
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    workerConcurrency: e.LOOPKEEPER_WORKER_CONCURRENCY,
    deliveryLeaseSeconds: e.LOOPKEEPER_DELIVERY_LEASE_SECONDS,
    publicUrl: e.LOOPKEEPER_PUBLIC_URL,
    notifyWebhookUrl: e.NOTIFY_WEBHOOK_URL,
    mcpToken: e.LOOPKEEPER_MCP_TOKEN,
    llm,
  });
}

function emptyToUndefined(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === "" ? undefined : v]));
}

/**
 * In the embedded default a key is generated once and kept beside the data (so a fresh machine
 * needs no set-up). With a shared database every process must use the same key, so it is required.
 */
function resolveSecretKey(value: string | undefined, dataDir: string, sharedDatabase: boolean): Buffer {
  if (value) {
    const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
    if (key.length !== 32) throw new ConfigError("LOOPKEEPER_SECRET_KEY", "must be 32 bytes as 64 hex digits or base64 (try: openssl rand -hex 32)");
    return key;
  }
  if (sharedDatabase && process.env.NODE_ENV === "production") {
    throw new ConfigError("LOOPKEEPER_SECRET_KEY", "is required with DATABASE_URL in production, so every worker decrypts the same credentials (try: openssl rand -hex 32)");
  }
  const file = join(dataDir, "secret.key");
  if (existsSync(file)) return Buffer.from(readFileSync(file, "utf8").trim(), "hex");
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString("hex"), { mode: 0o600 });
  return key;
}

let cached: Config | undefined;
/** The process-wide configuration, parsed on first use. */
export function config(): Config {
  return (cached ??= loadConfig());
}
