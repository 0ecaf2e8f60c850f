import { afterEach, describe, expect, it } from "vitest";
import { transportBackends, waitFor } from "../../testing/engine-backends";
import type { QueueTransport } from "../transport";

/** A BullMQ schedule lives in Redis after the process: tests remove theirs. */
async function dropSchedule(t: QueueTransport, name: string): Promise<void> {
  if (t.kind === "bullmq") await (t as import("../bullmq").BullmqTransport).obliterate([`schedule-${name}`]);
}

describe.each(transportBackends())("queue transport: $name", (backend) => {
  let transport: QueueTransport | undefined;
  afterEach(async () => {
    await transport?.close();
    transport = undefined;
  });

  it("delivers every job once and ignores an enqueue of an id that is still queued", async () => {
    transport = await backend.open();
    const seen: string[] = [];
    await transport.enqueue("q", [{ id: "a", data: 1, delayMs: 200 }, { id: "b", data: 2, delayMs: 200 }, { id: "a", data: 99, delayMs: 200 }]);
    await transport.enqueue("q", [{ id: "b", data: 98 }]);
    await transport.consume<number>("q", async (job) => void seen.push(`${job.id}:${job.data}`), { concurrency: 4 });
    await waitFor(() => seen.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.sort()).toEqual(["a:1", "b:2"]);
  });

  it("holds a delayed job until its time", async () => {
    transport = await backend.open();
    const started = Date.now();
    let ranAt = 0;
    await transport.consume("q", async () => void (ranAt = Date.now()), { concurrency: 1 });
    await transport.enqueue("q", [{ id: "late", data: null, delayMs: 400 }]);
    await waitFor(() => ranAt > 0);
    expect(ranAt - started).toBeGreaterThanOrEqual(380);
  });

  it("never runs more jobs at once than the concurrency", async () => {
    transport = await backend.open();
    let active = 0;
    let peak = 0;
    let done = 0;
    await transport.consume("q", async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 20));
      active--;
      done++;
    }, { concurrency: 3 });
    await transport.enqueue("q", Array.from({ length: 20 }, (_, i) => ({ id: `j${i}`, data: i })));
    await waitFor(() => done === 20);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });

  it("rate-limits starts per window", async () => {
    transport = await backend.open();
    const starts: number[] = [];
    await transport.consume("q", async () => void starts.push(Date.now()), { concurrency: 10, limiter: { max: 5, durationMs: 500 } });
    await transport.enqueue("q", Array.from({ length: 12 }, (_, i) => ({ id: `r${i}`, data: i })));
    await waitFor(() => starts.length === 12, { timeoutMs: 10_000 });
    // 12 jobs at 5 per 500 ms need at least two full windows.
    expect(starts[11]! - starts[0]!).toBeGreaterThanOrEqual(900);
  });

  it("pauses a queue without dropping its jobs", async () => {
    transport = await backend.open();
    const ran: number[] = [];
    await transport.consume("q", async () => void ran.push(Date.now()), { concurrency: 2 });
    await transport.enqueue("q", [{ id: "first", data: 0 }]);
    await waitFor(() => ran.length === 1);
    const pausedAt = Date.now();
    await transport.pauseFor("q", 600);
    await transport.enqueue("q", [{ id: "second", data: 0 }]);
    await waitFor(() => ran.length === 2);
    expect(ran[1]! - pausedAt).toBeGreaterThanOrEqual(450);
  });

  it("retries a job whose handler throws (an infrastructure fault)", async () => {
    transport = await backend.open();
    let calls = 0;
    await transport.consume("q", async () => {
      calls++;
      if (calls < 3) throw new Error("database unreachable");
    }, { concurrency: 1 });
    await transport.enqueue("q", [{ id: "flaky", data: 0 }]);
    await waitFor(() => calls === 3, { timeoutMs: 10_000 });
    expect(calls).toBe(3);
  });

  it("runs a scheduled handler every interval, the first time one interval after scheduling", async () => {
    transport = await backend.open();
    const started = Date.now();
    const runs: number[] = [];
    await transport.schedule("tick", 300, async () => void runs.push(Date.now()));
    await waitFor(() => runs.length >= 3, { timeoutMs: 10_000, what: "three scheduled runs" });
    expect(runs[0]! - started).toBeGreaterThanOrEqual(250);
    for (let i = 1; i < runs.length; i++) expect(runs[i]! - runs[i - 1]!).toBeGreaterThanOrEqual(200);
    await dropSchedule(transport, "tick");
  });

  it("keeps scheduling after a run throws, and never overlaps runs of one name in a process", async () => {
    transport = await backend.open();
    let active = 0;
    let peak = 0;
    let calls = 0;
    await transport.schedule("slow", 100, async () => {
      calls++;
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 250));
      active--;
      if (calls === 1) throw new Error("reader timed out");
    });
    await waitFor(() => calls >= 3, { timeoutMs: 10_000, what: "three runs despite the first failing" });
    expect(peak).toBe(1);
    await waitFor(() => active === 0);
    await dropSchedule(transport, "slow");
  });

  it.runIf(backend.name === "bullmq")("runs each tick once however many processes schedule the same name", async () => {
    const prefix = `lkt${Math.random().toString(16).slice(2, 10)}`;
    const a = await backend.open(prefix);
    const b = await backend.open(prefix);
    transport = a;
    const ran: string[] = [];
    const started = Date.now();
    await a.schedule("shared", 200, async () => void ran.push("a"));
    await b.schedule("shared", 200, async () => void ran.push("b"));
    await waitFor(() => Date.now() - started > 2_100, { timeoutMs: 5_000 });
    const elapsed = Date.now() - started;
    // One run per 200 ms slot in total, not one per process.
    expect(ran.length).toBeGreaterThanOrEqual(5);
    expect(ran.length).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 1);
    await dropSchedule(a, "shared");
    await b.close();
  });

  it("reports queue depth", async () => {
    transport = await backend.open();
    await transport.enqueue("idle", [{ id: "x", data: 0 }, { id: "y", data: 0, delayMs: 60_000 }]);
    const c = await transport.counts("idle");
    expect(c.waiting).toBe(1);
    expect(c.delayed).toBe(1);
  });
});
