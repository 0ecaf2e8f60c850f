import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config";
import { ConfigError } from "../errors";

const dataDir = () => mkdtempSync(join(tmpdir(), "lk-config-"));

describe("configuration", () => {
  it("defaults to the embedded backends with nothing set", () => {
    const c = loadConfig({ LOOPKEEPER_DATA_DIR: dataDir() });
    expect(c.database.kind).toBe("pglite");
    expect(c.queue.kind).toBe("in-process");
    expect(c.port).toBe(3000);
    expect(c.llm).toBeNull();
    expect(c.secretKey).toHaveLength(32);
  });

  it("keeps the generated credentials key across restarts", () => {
    const dir = dataDir();
    expect(loadConfig({ LOOPKEEPER_DATA_DIR: dir }).secretKey.equals(loadConfig({ LOOPKEEPER_DATA_DIR: dir }).secretKey)).toBe(true);
  });

  it("selects PostgreSQL and BullMQ when their URLs are set", () => {
    const c = loadConfig({ DATABASE_URL: "postgres://u:p@127.0.0.1:5432/x", REDIS_URL: "redis://127.0.0.1:6379", LOOPKEEPER_DATA_DIR: dataDir() });
    expect(c.database).toEqual({ kind: "postgres", url: "postgres://u:p@127.0.0.1:5432/x" });
    expect(c.queue).toMatchObject({ kind: "bullmq", url: "redis://127.0.0.1:6379" });
  });

  it.each([
    ["DATABASE_URL", { DATABASE_URL: "mysql://localhost/x" }],
    ["REDIS_URL", { REDIS_URL: "localhost:6379" }],
    ["PORT", { PORT: "seventy" }],
    ["LOOPKEEPER_SECRET_KEY", { LOOPKEEPER_SECRET_KEY: "too-short" }],
    ["OPENAI_BASE_URL", { OPENAI_BASE_URL: "not a url" }],
  ])("fails at start-up naming %s when it is wrong", (setting, env) => {
    let error: unknown;
    try {
      loadConfig({ LOOPKEEPER_DATA_DIR: dataDir(), ...env });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe(setting);
    expect((error as Error).message).toContain(setting);
  });

  it("configures the model only when a key or base URL is given", () => {
    const c = loadConfig({ LOOPKEEPER_DATA_DIR: dataDir(), OPENAI_BASE_URL: "http://127.0.0.1:11434/v1", OPENAI_MODEL: "llama3.1" });
    expect(c.llm).toEqual({ apiKey: "not-needed", baseURL: "http://127.0.0.1:11434/v1", model: "llama3.1" });
  });
});
