import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EdiClient } from "../client";
import { InMemoryControlNumbers } from "../control-numbers";
import { acknowledge } from "../acknowledge";
import { parseTradingPartner } from "../partner-config";
import { InMemoryInterchangeRegistry } from "../validate-envelope";
import { scanFolderOnce, watchFolder, writeFileAtomic } from "../watch-folder";
import { po850, x12 } from "./x12-text";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "edi-folder-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const old = async (path: string) => utimes(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));

describe("watch-folder", () => {
  it("hands each settled file to the handler, then moves it to processed/ or rejected/ with a reason", async () => {
    await writeFile(join(dir, "a.x12"), "GOOD");
    await writeFile(join(dir, "b.x12"), "BAD");
    await old(join(dir, "a.x12"));
    await old(join(dir, "b.x12"));
    const seen: string[] = [];
    const result = await scanFolderOnce({
      dir,
      onFile: async (f) => {
        seen.push(`${f.name}:${f.content.toString()}`);
        if (f.content.toString() === "BAD") throw new Error("TA1 001: ISA13 does not match IEA02");
      },
    });
    expect(seen).toEqual(["a.x12:GOOD", "b.x12:BAD"]);
    expect(result).toEqual({ processed: ["a.x12"], rejected: ["b.x12"], deferred: [] });
    expect((await readdir(dir)).sort()).toEqual(["processed", "rejected"]);
    expect(await readFile(join(dir, "processed", "a.x12"), "utf8")).toBe("GOOD");
    expect(await readFile(join(dir, "rejected", "b.x12.reason.txt"), "utf8")).toContain("TA1 001: ISA13 does not match IEA02");
  });

  it("skips files still being written: temporary names and files modified within settleMs", async () => {
    await writeFile(join(dir, ".upload.x12"), "x");
    await writeFile(join(dir, "c.x12.part"), "x");
    await writeFile(join(dir, "fresh.x12"), "x");
    const result = await scanFolderOnce({ dir, settleMs: 10_000, onFile: async () => undefined });
    expect(result).toEqual({ processed: [], rejected: [], deferred: [] });
    expect((await readdir(dir)).sort()).toEqual([".upload.x12", "c.x12.part", "fresh.x12", "processed", "rejected"]);
  });

  it("leaves a file in the inbox when its handler asks to retry later (the pipeline could not store it)", async () => {
    await writeFile(join(dir, "po.x12"), "PO");
    await old(join(dir, "po.x12"));
    let down = true;
    const onFile = async () => {
      if (down) throw Object.assign(new Error("database unavailable"), { retryLater: true });
    };
    expect(await scanFolderOnce({ dir, onFile })).toEqual({ processed: [], rejected: [], deferred: ["po.x12"] });
    expect((await readdir(dir)).sort()).toEqual(["po.x12", "processed", "rejected"]);
    down = false;
    expect(await scanFolderOnce({ dir, onFile })).toEqual({ processed: ["po.x12"], rejected: [], deferred: [] });
  });

  it("never overwrites an earlier file of the same name", async () => {
    for (const round of [1, 2]) {
      await writeFile(join(dir, "po.x12"), `round ${round}`);
      await old(join(dir, "po.x12"));
      await scanFolderOnce({ dir, onFile: async () => undefined });
    }
    expect((await readdir(join(dir, "processed"))).sort()).toEqual(["po.x12", "po.x12.1"]);
    expect(await readFile(join(dir, "processed", "po.x12.1"), "utf8")).toBe("round 2");
  });

  it("polls until stopped, one scan at a time, and feeds acknowledge() with the partner's files", async () => {
    const partner = parseTradingPartner({ id: "sandbox-retail", name: "Sandbox Retail", isaQualifier: "ZZ", isaId: "SANDBOXRETAIL", ourIsaQualifier: "ZZ", ourIsaId: "LOOPKEEPER" });
    const deps = { controlNumbers: new InMemoryControlNumbers(), interchanges: new InMemoryInterchangeRegistry() };
    const orders: string[] = [];
    await writeFile(join(dir, "po-1.x12"), x12(po850({ po: "F-1" }), { isa13: "000000001" }));
    await writeFile(join(dir, "po-2.x12"), x12([...po850({ po: "F-2" }), "IEA*1*000000099"], { isa13: "000000002" }));
    const watcher = watchFolder({
      dir, intervalMs: 20, settleMs: 0,
      onFile: async (f) => {
        const r = await acknowledge(f.content, partner, deps);
        if (!r.interchanges.every((i) => i.accepted)) throw new Error(r.interchanges.map((i) => i.reason).join("; "));
        orders.push(...r.orders.map((o) => o.orderNumber));
      },
    });
    await expect.poll(async () => (await readdir(join(dir, "rejected")).catch(() => [])).length, { timeout: 5_000 }).toBe(2);
    await watcher.stop();
    expect(orders).toEqual(["F-1"]);
    expect(await readFile(join(dir, "rejected", "po-2.x12.reason.txt"), "utf8")).toContain("TA1 001");
  });
});

describe("folder transport", () => {
  it("writeFileAtomic leaves no temporary file behind", async () => {
    await writeFileAtomic(join(dir, "out"), "a.x12", "ISA…");
    expect(await readdir(join(dir, "out"))).toEqual(["a.x12"]);
  });

  it("EdiClient with a file:// base URL writes <partner>-<kind>-<ISA13>.x12, and a resend replaces its own copy", async () => {
    const partner = parseTradingPartner({ id: "sandbox-retail", name: "Sandbox Retail", isaQualifier: "ZZ", isaId: "SANDBOXRETAIL", ourIsaQualifier: "ZZ", ourIsaId: "LOOPKEEPER" });
    const client = new EdiClient({ baseUrl: pathToFileURL(join(dir, "outbox")).href, sharedSecret: "x".repeat(16), partner });
    const doc = { x12: "ISA*...", kind: "855", isa13: "000000007", idempotencyKey: "k1" };
    const sent = await client.send(doc);
    await client.send(doc);
    expect(sent).toMatchObject({ externalId: "sandbox-retail:000000007", location: join(dir, "outbox", "sandbox-retail-855-000000007.x12") });
    expect(await readdir(join(dir, "outbox"))).toEqual(["sandbox-retail-855-000000007.x12"]);
    expect(client.recall("k1")?.sent?.externalId).toBe("sandbox-retail:000000007");
    await expect(client.ping()).resolves.toMatch(/is writable/);
  });
});
