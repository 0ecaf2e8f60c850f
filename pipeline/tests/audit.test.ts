import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { appendAudit, canonicalJson, GENESIS_HASH, readAuditLog, verifyAuditChain } from "../audit";
import { openStore, type Store } from "../db/client";
import { storeBackends, type TestStore } from "../testing/backends";

const entry = (i: number) => ({ actorType: "user" as const, actorId: `user-${i % 3}`, action: "test.step", subject: `thing:${i}`, reason: `step ${i}`, before: { n: i, nested: { b: 1, a: [i, "x"] } }, after: { n: i + 1 } });

describe("canonical JSON", () => {
  it("does not depend on key order and drops undefined like jsonb", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(canonicalJson({ a: { d: [1, { y: 2, z: 1 }] }, b: 1 }));
  });
});

describe.each(storeBackends())("audit chain on $name", (backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store.dispose();
  });

  async function fresh(n: number): Promise<void> {
    await store.rows(sql`delete from audit_log`);
    for (let i = 1; i <= n; i++) await appendAudit(store, entry(i));
  }

  it("chains entries from the genesis hash and verifies them", async () => {
    await fresh(5);
    const log = (await readAuditLog(store, { limit: 10 })).reverse();
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(log[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < log.length; i++) expect(log[i]!.prevHash).toBe(log[i - 1]!.hash);
    const v = await verifyAuditChain(store);
    expect(v).toMatchObject({ ok: true, checked: 5, head: { seq: 5, hash: log[4]!.hash } });
  });

  it("keeps one chain under concurrent appends", async () => {
    await fresh(0);
    await Promise.all(Array.from({ length: 40 }, (_, i) => appendAudit(store, i % 4 === 0 ? [entry(i), entry(i + 100)] : entry(i))));
    const v = await verifyAuditChain(store);
    expect(v).toMatchObject({ ok: true, checked: 50 });
  });

  it("detects an edited entry (UPDATE through SQL) and names it", async () => {
    await fresh(6);
    await store.rows(sql`update audit_log set reason = 'nothing to see' where seq = 3`);
    expect(await verifyAuditChain(store)).toMatchObject({ ok: false, firstBadSeq: 3, problem: expect.stringContaining("edited") });
  });

  it("detects an edit of the before/after payload", async () => {
    await fresh(4);
    await store.rows(sql`update audit_log set after = '{"n": 999}'::jsonb where seq = 2`);
    expect(await verifyAuditChain(store)).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it("detects an edit that also recomputes the edited row's own hash", async () => {
    await fresh(4);
    const [row] = await store.rows<{ prev_hash: string }>(sql`select prev_hash from audit_log where seq = 2`);
    const { createHash } = await import("node:crypto");
    // A forger who recomputes row 2's hash still breaks row 3's link.
    const forged = createHash("sha256").update(row!.prev_hash + "forged").digest("hex");
    await store.rows(sql`update audit_log set reason = 'forged', hash = ${forged} where seq = 2`);
    const v = await verifyAuditChain(store);
    expect(v.ok).toBe(false);
    expect(v.firstBadSeq).toBe(2);
  });

  it("detects a deleted entry in the middle and at the start", async () => {
    await fresh(6);
    await store.rows(sql`delete from audit_log where seq = 4`);
    expect(await verifyAuditChain(store)).toMatchObject({ ok: false, firstBadSeq: 5, problem: expect.stringContaining("missing") });
    await fresh(3);
    await store.rows(sql`delete from audit_log where seq = 1`);
    expect(await verifyAuditChain(store)).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it("detects reordered entries", async () => {
    await fresh(5);
    await store.rows(sql`update audit_log set seq = 1000 where seq = 2`);
    await store.rows(sql`update audit_log set seq = 2 where seq = 3`);
    await store.rows(sql`update audit_log set seq = 3 where seq = 1000`);
    expect(await verifyAuditChain(store)).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it("detects a truncated tail against a head recorded earlier", async () => {
    await fresh(5);
    const head = (await verifyAuditChain(store)).head!;
    await store.rows(sql`delete from audit_log where seq = 5`);
    expect((await verifyAuditChain(store)).ok).toBe(true);
    expect(await verifyAuditChain(store, { expectedHead: head })).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it("verifies across pages", async () => {
    await fresh(0);
    await appendAudit(store, Array.from({ length: 25 }, (_, i) => entry(i)));
    expect(await verifyAuditChain(store, { pageSize: 7 })).toMatchObject({ ok: true, checked: 25 });
  });
});

describe.skipIf(!process.env.DATABASE_URL)("audit chain across processes on postgres", () => {
  const name = `lk_t_${randomBytes(6).toString("hex")}`;
  let admin: import("postgres").Sql;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    const { default: postgres } = await import("postgres");
    admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    a = await openStore({ kind: "postgres", url: url.toString() });
    b = await openStore({ kind: "postgres", url: url.toString() }, { migrate: false });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it("two independent connection pools (as two processes) append to one chain under the advisory lock", async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => appendAudit(i % 2 ? a : b, entry(i))));
    expect(await verifyAuditChain(a)).toMatchObject({ ok: true, checked: 30 });
  });
});
