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
import { claimDueAnswers, keepAnswersForResend } from "../db/queries/answer-queries";
import { recordInterchange } from "../db/queries/interchange-queries";
import { nextSequenceValue } from "../db/queries/order-queries";
import { AnswersNotSent, ClassifiedError, IngressRejection, type UnsentAnswer } from "../errors";
import { InboundFolderRunner } from "../inbound-folders";
import { handleWebhook } from "../ingress";
import { resendDueAnswers } from "../ingress-hooks";
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
let failHook: false | "permanent" | "transient" = false;
const resent: UnsentAnswer[] = [];

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
  // Like the EDI answer: numbers drawn and the registry asked before the send that may fail.
  async afterIngress(ctx) {
    const seq = await ctx.nextSequence("ack");
    const seen = await ctx.interchanges.seenInterchange("partner-a", JSON.parse(ctx.req.rawBody).n === undefined ? "x" : String(JSON.parse(ctx.req.rawBody).n));
    calls.push({ outcome: ctx.outcome, instanceId: ctx.instanceId, seq, seen });
    if (failHook === "permanent") throw new Error("partner endpoint down");
    if (failHook === "transient") {
      const owed = [{ kind: "ACK", reference: String(seq), body: `ack ${seq} for ${ctx.req.rawBody}` }];
      if (JSON.parse(ctx.req.rawBody).two) owed.push({ kind: "ACK", reference: String(seq + 1), body: `second ack for ${ctx.req.rawBody}` });
      throw new AnswersNotSent(owed, new ClassifiedError({ errorClass: "transient", message: "partner endpoint answered 503" }));
    }
    return { summary: `ack ${seq}` };
  },
  async resendAnswer(_client, a) {
    resent.push(a);
    if (failHook === "permanent") throw new ClassifiedError({ errorClass: "validation", message: "partner endpoint answered 400: not an interchange" });
    if (failHook) throw new ClassifiedError({ errorClass: "transient", message: "partner endpoint answered 503 again" });
    return { summary: `sent ${a.kind} ${a.reference}` };
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
  const keptAnswers = () =>
    store.rows<{ event_ids: string[]; kind: string; reference: string; body: string; status: string; tries: number; last_error: string | null; next_attempt_at: string; finished_at: string | null }>(
      sql`select event_ids, kind, reference, body, status, tries, last_error, next_attempt_at::text, finished_at::text from kept_answers where connector = 'hooked-1' order by created_at`,
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
    failHook = "permanent";
    try {
      const res = await post({ n: 4 });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ accepted: 1 });
      expect(res.body.answered).toBeUndefined();
      // The failed answer is in the event log with its cause, not only in the process log.
      expect((await answersLogged()).at(-1)).toMatchObject({ outcome: "failed", error_class: "permanent", error_message: expect.stringContaining("partner endpoint down") });
      // A failure that will not pass by waiting is not tried again.
      expect(await keptAnswers()).toEqual([]);
    } finally {
      failHook = false;
    }
  });

  /** Posts `body` while the sender's endpoint is down, so its answer is kept; then `check`, then a clean slate. */
  async function withKeptAnswer(body: unknown, check: (res: Awaited<ReturnType<typeof post>>) => Promise<void>): Promise<void> {
    calls.length = 0;
    resent.length = 0;
    failHook = "transient";
    try {
      await check(await post(body));
    } finally {
      failHook = false;
      await store.rows(sql`delete from kept_answers`);
    }
  }
  const makeDue = () => store.rows(sql`update kept_answers set next_attempt_at = now() - interval '1 second'`);

  it("keeps an answer that could not be sent for a reason that passes, and sends the same bytes again once due; every try in the event log", () =>
    withKeptAnswer({ n: 5 }, async (res) => {
      expect(res).toMatchObject({ status: 202, body: { accepted: 1 } });
      expect(res.body.answered).toBeUndefined();
      const eventId = calls[0]!.outcome.events![0]!.eventId;
      const owed = { kind: "ACK", reference: String(calls[0]!.seq), body: `ack ${calls[0]!.seq} for ${JSON.stringify({ n: 5 })}` };
      const [kept] = await keptAnswers();
      expect(kept).toMatchObject({ ...owed, event_ids: [eventId], status: "pending", tries: 1, last_error: expect.stringContaining("answered 503") });
      expect((await answersLogged()).at(-1)).toMatchObject({ event_id: eventId, outcome: "failed", error_class: "transient", error_message: expect.stringMatching(/answered 503; sending it again from 20\d\d-/) });
      // Not due yet: nothing is sent.
      expect(await resendDueAnswers(rt)).toEqual({ sent: 0, rescheduled: 0, givenUp: 0 });

      // Due, still failing: tried once more, then backed off.
      await makeDue();
      expect(await resendDueAnswers(rt)).toEqual({ sent: 0, rescheduled: 1, givenUp: 0 });
      const [again] = await keptAnswers();
      expect(again).toMatchObject({ status: "pending", tries: 2, last_error: expect.stringContaining("answered 503 again") });
      expect(Date.parse(again!.next_attempt_at) - Date.now()).toBeGreaterThan(60_000);
      expect((await answersLogged()).at(-1)).toMatchObject({ event_id: eventId, outcome: "failed", error_message: expect.stringContaining(`could not send ACK ${owed.reference} to the sender`) });

      // The endpoint is back: the very document generated on arrival goes out, numbered as it was.
      failHook = false;
      await makeDue();
      expect(await resendDueAnswers(rt)).toEqual({ sent: 1, rescheduled: 0, givenUp: 0 });
      expect(resent).toEqual([owed, owed]);
      // The hook itself ran once: nothing was numbered twice.
      expect(calls).toHaveLength(1);
      expect(await keptAnswers()).toEqual([expect.objectContaining({ status: "sent", tries: 3, last_error: null, finished_at: expect.any(String) })]);
      expect((await answersLogged()).at(-1)).toMatchObject({ event_id: eventId, outcome: "ok", error_class: null, error_message: `answered the sender (try 3): sent ACK ${owed.reference}` });
      expect(await resendDueAnswers(rt)).toEqual({ sent: 0, rescheduled: 0, givenUp: 0 });
    }));

  it("sends a transmission's kept answers in the order they were numbered: while the first fails, the next waits untried", () =>
    withKeptAnswer({ n: 7, two: true }, async () => {
      const [first, second] = await keptAnswers();
      expect(Number(second!.reference)).toBe(Number(first!.reference) + 1);
      await makeDue();
      expect(await resendDueAnswers(rt)).toEqual({ sent: 0, rescheduled: 2, givenUp: 0 });
      expect(resent.map((a) => a.reference)).toEqual([first!.reference]);
      const [a, b] = await keptAnswers();
      expect([a!.tries, b!.tries]).toEqual([2, 1]);
      expect(b!.next_attempt_at).toBe(a!.next_attempt_at);
      failHook = false;
      await makeDue();
      expect(await resendDueAnswers(rt)).toEqual({ sent: 2, rescheduled: 0, givenUp: 0 });
      expect(resent.map((x) => x.reference)).toEqual([first!.reference, first!.reference, second!.reference]);
    }));

  it("gives up a kept answer at once when the sender refuses it for good", () =>
    withKeptAnswer({ n: 8 }, async () => {
      failHook = "permanent";
      await makeDue();
      expect(await resendDueAnswers(rt)).toEqual({ sent: 0, rescheduled: 0, givenUp: 1 });
      expect(resent).toHaveLength(1);
      expect(await keptAnswers()).toEqual([expect.objectContaining({ status: "given_up", tries: 2, last_error: expect.stringContaining("answered 400") })]);
      expect((await answersLogged()).at(-1)).toMatchObject({ outcome: "failed", error_class: "validation", error_message: expect.stringContaining("given up: sending it again would not help") });
    }));

  it("gives up sending a kept answer once the resend window has closed, and says so in the event log", () =>
    withKeptAnswer({ n: 6 }, async () => {
      await store.rows(sql`update kept_answers set next_attempt_at = now() - interval '1 second', expires_at = now() - interval '1 second'`);
      expect(await resendDueAnswers(rt)).toEqual({ sent: 0, rescheduled: 0, givenUp: 1 });
      // Nothing is sent for an answer nobody waits for any more.
      expect(resent).toEqual([]);
      expect(await keptAnswers()).toEqual([expect.objectContaining({ status: "given_up", tries: 2 })]);
      expect((await answersLogged()).at(-1)).toMatchObject({
        event_id: calls[0]!.outcome.events![0]!.eventId,
        outcome: "failed",
        error_message: expect.stringMatching(new RegExp(`^gave up sending ACK ${calls[0]!.seq} to the sender after 1 tries over 24 h; last error: .*answered 503`)),
      });
    }));

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

describe.each(storeBackends())("answers kept for a resend on $name", (backend) => {
  it("are claimed by one worker each, and a claimed answer is left alone until its lease runs out", async () => {
    const store = await backend.open();
    try {
      const due = new Date(Date.now() - 1_000).toISOString();
      const later = new Date(Date.now() + 3600_000).toISOString();
      const answer = (id: string, nextAttemptAt: string) => ({ id, connector: "edi-acme", eventIds: [], kind: "997", reference: id, body: `ISA*${id}`, lastError: "503", nextAttemptAt, expiresAt: later });
      await keepAnswersForResend(store, [...Array.from({ length: 12 }, (_, i) => answer(`ans_${i}`, due)), answer("ans_not_due", later)]);
      const claims = await Promise.all(Array.from({ length: 4 }, () => claimDueAnswers(store, 5, 300)));
      const ids = claims.flat().map((a) => a.id);
      expect(ids.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `ans_${i}`).sort());
      expect(await claimDueAnswers(store, 50, 300)).toEqual([]);
    } finally {
      await store.dispose();
    }
  });
});

describe("answers kept for a connection that is not running", () => {
  it("wait for it like an outage, until the resend window closes", async () => {
    const store = await openPgliteTestStore();
    const rt = await Runtime.open({ config: loadConfig({ LOOPKEEPER_DATA_DIR: mkdtempSync(join(tmpdir(), "lk-hooks-gone-")), LOG_LEVEL: "silent" }), store, transport: new InProcessTransport() });
    try {
      const due = new Date(Date.now() - 1_000).toISOString();
      await keepAnswersForResend(store, [{ id: "ans_gone", connector: "edi-switched-off", eventIds: [], kind: "997", reference: "000000007", body: "ISA*...", lastError: "503", nextAttemptAt: due, expiresAt: new Date(Date.now() + 3600_000).toISOString() }]);
      expect(await resendDueAnswers(rt)).toEqual({ sent: 0, rescheduled: 1, givenUp: 0 });
      const [row] = await store.rows<{ status: string; tries: number; last_error: string }>(sql`select status, tries, last_error from kept_answers`);
      expect(row).toEqual({ status: "pending", tries: 2, last_error: expect.stringContaining("connection edi-switched-off is not running here") });
      await store.rows(sql`update kept_answers set next_attempt_at = now() - interval '1 second', expires_at = now() - interval '1 second'`);
      expect(await resendDueAnswers(rt)).toEqual({ sent: 0, rescheduled: 0, givenUp: 1 });
    } finally {
      await rt.halt();
      await store.dispose();
    }
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
