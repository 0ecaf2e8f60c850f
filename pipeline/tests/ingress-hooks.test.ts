import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { CONNECTORS } from "../../connectors/registry";
import { defineConnector, type IngressHookContext } from "../../connectors/sdk/definition";
import { scanFolderOnce } from "../../connectors/edi-x12/watch-folder";
import { loadConfig } from "../config";
import { saveConnectorInstance } from "../connector-instances";
import { recordInterchange } from "../db/queries/interchange-queries";
import { nextSequenceValue } from "../db/queries/order-queries";
import { IngressRejection } from "../errors";
import { InboundFolderRunner } from "../inbound-folders";
import { handleWebhook } from "../ingress";
import { InProcessTransport } from "../queue/in-process";
import { Runtime } from "../runtime";
import { openPgliteTestStore, storeBackends, type TestStore } from "../testing/backends";
import { sampleOrder } from "../testing/sample-events";

/**
 * The ingress's connector hooks, with a connector that exists only in this test: afterIngress
 * runs after a capture and after a rejection that passed verification (never for an unverified
 * sender), its failures leave the answer alone, its sequences are the deliveries' sequences, and
 * inbound folders are scanned by one lease holder at a time.
 */
const TYPE = "test-hooked";
const calls: { outcome: IngressHookContext["outcome"]; instanceId: string; seq: number; seen: boolean }[] = [];
let failHook = false;

const hooked = defineConnector<{ token: string; inbox?: string }, { name: string }, { token: string }>({
  id: TYPE,
  displayName: "Hooked test connector",
  credentials: z.object({ token: z.string(), inbox: z.string().optional() }),
  defaultBaseUrl: "http://127.0.0.1:9",
  ratePolicy: { concurrency: 1, perSecond: 1 },
  capabilities: { source: ["order.created"], destination: [], readers: [] },
  createClient: () => ({ name: "client" }),
  testConnection: async () => ({ ok: true, detail: "ok" }),
  webhookSecrets: (c) => ({ token: c.token }),
  webhooks: {
    verify(req, secrets) {
      if (req.headers["x-token"] !== secrets.token) throw new IngressRejection(401, "bad_signature", "wrong token");
    },
    // The connection's secrets reach parse: proven by echoing the token into the event id.
    parse(req, secrets) {
      const body = JSON.parse(req.rawBody) as { n: number; bad?: boolean };
      if (body.bad) throw new IngressRejection(422, "schema_invalid", "envelope broken");
      return { kind: "events", events: [{ type: "order.created", sourceEventId: `${secrets?.token}:${body.n}`, occurredAt: "2026-11-27T10:00:00.000Z", data: sampleOrder(body.n) }] };
    },
  },
  async afterIngress(ctx) {
    if (failHook) throw new Error("partner endpoint down");
    const seq = await ctx.nextSequence("ack");
    const seen = await ctx.interchanges.seenInterchange("partner-a", JSON.parse(ctx.req.rawBody).n === undefined ? "x" : String(JSON.parse(ctx.req.rawBody).n));
    calls.push({ outcome: ctx.outcome, instanceId: ctx.instanceId, seq, seen });
    return { summary: `ack ${seq}` };
  },
  inboundFolder: {
    intervalMs: 60_000,
    folderOf: (c) => c.inbox,
    scan: (folder, onFile) => scanFolderOnce({ dir: folder, onFile, settleMs: 0 }),
  },
  classifyError: () => ({ errorClass: "permanent", message: "n/a" }) as never,
});

describe("ingress hooks: afterIngress and inbound folders", () => {
  let store: TestStore;
  let rt: Runtime;
  const inbox = mkdtempSync(join(tmpdir(), "lk-inbox-"));

  beforeAll(async () => {
    CONNECTORS[TYPE] = hooked;
    store = await openPgliteTestStore();
    rt = await Runtime.open({ config: loadConfig({ LOOPKEEPER_DATA_DIR: mkdtempSync(join(tmpdir(), "lk-hooks-")), LOG_LEVEL: "silent" }), store, transport: new InProcessTransport() });
    await saveConnectorInstance(store, rt.config.secretKey, { id: "hooked-1", connectorType: TYPE, credentials: { token: "tok", inbox } });
    await rt.reload();
  });
  afterAll(async () => {
    delete CONNECTORS[TYPE];
    await rt?.halt();
    await store?.dispose();
  });

  const answersLogged = () =>
    store.rows<{ event_id: string; outcome: string; error_class: string | null; error_message: string }>(
      sql`select event_id, outcome, error_class, error_message from attempts where stage = 'capture' and destination = 'hooked-1' order by id`,
    );
  const post = (body: unknown, token = "tok") => handleWebhook(rt, "hooked-1", { headers: { "x-token": token, "content-type": "application/json" }, rawBody: JSON.stringify(body), query: {} });

  it("runs after a capture with the stored events, the instance's own sequences and the interchange registry", async () => {
    calls.length = 0;
    const first = await post({ n: 1 });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ accepted: 1, answered: "ack 1" });
    const again = await post({ n: 1 });
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1, answered: "ack 2" });
    expect(calls.map((c) => [c.outcome.kind, c.outcome.events?.map((e) => [e.sourceEventId, e.duplicate]), c.seen])).toEqual([
      ["captured", [["tok:1", false]], false],
      ["captured", [["tok:1", true]], true],
    ]);
    expect(calls[0]!.instanceId).toBe("hooked-1");
    // The deliver stage prefixes its sequences with the destination id: the hook shares them.
    expect(await nextSequenceValue(store, "hooked-1:ack")).toBe(3);
    const rows = await store.rows<{ partner_id: string; control_number: string; connector: string }>(sql`select partner_id, control_number, connector from inbound_interchanges`);
    expect(rows).toEqual([{ partner_id: "partner-a", control_number: "1", connector: "hooked-1" }]);
    // Both answers are in the event's trace, the duplicate's on the event it duplicated.
    expect(await answersLogged()).toEqual([
      { event_id: calls[0]!.outcome.events![0]!.eventId, outcome: "ok", error_class: null, error_message: "answered the sender: ack 1" },
      { event_id: calls[0]!.outcome.events![0]!.eventId, outcome: "ok", error_class: null, error_message: "answered the sender: ack 2" },
    ]);
  });

  it("runs after a rejection from a verified sender, never for one that failed verification", async () => {
    calls.length = 0;
    const rejected = await post({ n: 2, bad: true });
    expect(rejected).toMatchObject({ status: 422, body: { error: "schema_invalid", quarantined: true } });
    expect(calls.map((c) => c.outcome)).toEqual([{ kind: "rejected", rejection: { status: 422, reasonCode: "schema_invalid", message: "envelope broken" } }]);
    const unsigned = await post({ n: 3 }, "wrong");
    expect(unsigned.status).toBe(401);
    expect(calls).toHaveLength(1);
  });

  it("keeps the answer when the hook fails: the events are already stored", async () => {
    failHook = true;
    try {
      const res = await post({ n: 4 });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ accepted: 1 });
      expect(res.body.answered).toBeUndefined();
      // The failed answer is in the event log with its cause, not only in the process log.
      expect((await answersLogged()).at(-1)).toMatchObject({ outcome: "failed", error_class: "permanent", error_message: expect.stringContaining("partner endpoint down") });
    } finally {
      failHook = false;
    }
  });

  it("scans an inbound folder only while holding its lease, and ingests each file without a signature", async () => {
    const write = (name: string, body: unknown) => {
      writeFileSync(join(inbox, name), JSON.stringify(body));
      utimesSync(join(inbox, name), new Date(Date.now() - 5_000), new Date(Date.now() - 5_000));
    };
    await mkdir(inbox, { recursive: true });
    write("a.json", { n: 10 });
    write("b.json", { n: 11, bad: true });
    const inst = rt.directory.instance("hooked-1")!;
    const holder = new InboundFolderRunner(rt, "worker-a");
    const other = new InboundFolderRunner(rt, "worker-b");
    expect(await holder.scanOnce(inst)).toEqual({ processed: ["a.json"], rejected: ["b.json"], deferred: [] });
    write("c.json", { n: 12 });
    // Another worker finds the folder leased and leaves the file alone.
    expect(await other.scanOnce(inst)).toBeUndefined();
    expect(readdirSync(inbox).sort()).toEqual(["c.json", "processed", "rejected"]);
    expect(await holder.scanOnce(inst)).toMatchObject({ processed: ["c.json"] });
    const captured = await store.rows<{ source_event_id: string }>(sql`select source_event_id from events where source_connector = 'hooked-1' and source_event_id in ('tok:10', 'tok:12') order by 1`);
    expect(captured.map((r) => r.source_event_id)).toEqual(["tok:10", "tok:12"]);
    const [q] = await store.rows<{ reason: string }>(sql`select reason from quarantine where connector = 'hooked-1' and body like '%"n":11%'`);
    expect(q!.reason).toBe("envelope broken");
  });
});

describe.each(storeBackends())("interchange registry on $name", (backend) => {
  it("records a (partner, control number) once: of concurrent receivers exactly one sees it first", async () => {
    const store = await backend.open();
    try {
      const results = await Promise.all(Array.from({ length: 8 }, () => recordInterchange(store, { partnerId: "acme", controlNumber: "000000042", connector: "edi-acme" })));
      expect(results.filter((r) => !r.seenBefore)).toHaveLength(1);
      // The same number from another partner is another interchange.
      expect(await recordInterchange(store, { partnerId: "globex", controlNumber: "000000042", connector: "edi-globex" })).toEqual({ seenBefore: false });
    } finally {
      await store.dispose();
    }
  });
});
