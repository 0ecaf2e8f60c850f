import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isClassifiedError, type ClassifiedError } from "../../../pipeline/errors";
import { netsuiteConnector } from "../index";
import { startNetSuiteSandbox, type NetSuiteSandbox } from "../sandbox/server";
import { clientFor, contextFor, orderOf } from "./helpers";

describe("NetSuite faults, classified", () => {
  let sb: NetSuiteSandbox;
  let client: ReturnType<typeof clientFor>;

  beforeAll(async () => {
    sb = await startNetSuiteSandbox();
    client = clientFor(sb);
  });
  afterAll(() => sb.close());
  afterEach(async () => {
    await fetch(`${sb.url}/_sandbox/reset`, { method: "POST" });
  });

  it("answers CONCURRENCY_LIMIT_EXCEEDED past five concurrent requests, classified rate_limited", async () => {
    sb.setLatency(500);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => client.testConnection()));
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as ClassifiedError] : []));
    expect(ok.length).toBeLessThanOrEqual(5);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const e of refused) {
      expect(isClassifiedError(e)).toBe(true);
      expect(e).toMatchObject({ errorClass: "rate_limited", code: "CONCURRENCY_LIMIT_EXCEEDED" });
      expect(e.retryAfterMs).toBeGreaterThan(0);
    }
  });

  it("takes the concurrency limit from the fault plan too", async () => {
    await fetch(`${sb.url}/_sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ custom: { concurrencyLimit: 1, latencyMs: 150 } }) });
    const results = await Promise.allSettled([client.testConnection(), client.testConnection()]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
  });

  it("classifies 5xx as transient and recovers on the next call", async () => {
    sb.faults.set({ errors5xx: { count: 1, status: 503 } });
    await expect(client.testConnection()).rejects.toMatchObject({ errorClass: "transient", upstream: { status: 503 } });
    await expect(client.testConnection()).resolves.toMatchObject({ subsidiaries: 1 });
  });

  it("classifies the 429 burst as rate_limited with its Retry-After", async () => {
    sb.faults.set({ burst429: { count: 1, retryAfterSec: 2 } });
    await expect(client.testConnection()).rejects.toMatchObject({ errorClass: "rate_limited", retryAfterMs: 2000 });
  });

  it("answers INVALID_LOGIN while the expired-token fault is on", async () => {
    sb.faults.set({ expiredToken: true });
    await expect(client.testConnection()).rejects.toMatchObject({ errorClass: "auth", code: "INVALID_LOGIN" });
  });

  it("classifies RCRD_HAS_BEEN_CHANGED as conflict", async () => {
    sb.faults.set({ custom: { recordChanged: 1 } });
    const ctx = contextFor("order.created", orderOf(), { settings: { defaultCustomerId: sb.ids.customerId } });
    await expect(netsuiteConnector.destinations!.upsert_sales_order!.deliver(client, ctx)).rejects.toMatchObject({ errorClass: "conflict", code: "RCRD_HAS_BEEN_CHANGED" });
    await expect(netsuiteConnector.destinations!.upsert_sales_order!.deliver(client, ctx)).resolves.toMatchObject({ externalId: expect.stringMatching(/^\d+$/) });
  });

  it("turns a client timeout into a transient error", async () => {
    sb.faults.set({ timeouts: { count: 1, delayMs: 500 } });
    await expect(clientFor(sb, { timeoutMs: 100 }).testConnection()).rejects.toMatchObject({ errorClass: "transient" });
  });

  it("parks a query NetSuite refuses as permanent", async () => {
    await expect(client.suiteqlPage("SELECT * FROM nosuchtable")).rejects.toMatchObject({ errorClass: "permanent", code: "INVALID_PARAMETER" });
  });
});
