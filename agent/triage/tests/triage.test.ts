import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { approveRemediation, listRemediations } from "../../../pipeline/approvals";
import { readAuditLog, verifyAuditChain } from "../../../pipeline/audit";
import { registerWorkerService, Runtime } from "../../../pipeline/runtime";
import { InProcessTransport } from "../../../pipeline/queue/in-process";
import { engineBackends, waitFor } from "../../../pipeline/testing/engine-backends";
import { openPgliteTestStore } from "../../../pipeline/testing/backends";
import { loadConfig } from "../../../pipeline/config";
import { openOpsWorld, type OpsWorld } from "../../testing/ops-world";
import { slackMessageOf, type SlackMessage } from "../notify";
import { TriageAgent } from "../triage-agent";

/** A Slack-compatible incoming webhook that keeps what it received. */
async function startWebhookReceiver(): Promise<{ url: string; received: SlackMessage[]; close(): Promise<void> }> {
  const received: SlackMessage[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000/B000`, received, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

const actionsOf = async (w: OpsWorld, subject: string) => (await readAuditLog(w.store, { subject, limit: 200 })).reverse().map((a) => `${a.actorType}:${a.actorId}:${a.action}`);

for (const backend of engineBackends()) {
  describe(`triage agent (${backend.name})`, () => {
    let w: OpsWorld;
    let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;

    beforeAll(async () => {
      hook = await startWebhookReceiver();
      w = await openOpsWorld(backend, { notifyWebhookUrl: hook.url });
    });
    afterAll(async () => {
      await w?.close();
      await hook?.close();
    });

    it("takes an outage from detection to a policy-approved, applied, audited fix once NetSuite recovers", async () => {
      const triage = new TriageAgent(w.rt, { deferPolicyEligibleMs: 10 * 60_000, applyWaitMs: 15_000 });
      onTestFinished(() => triage.stop());
      w.startNetSuiteOutage();
      onTestFinished(() => w.endNetSuiteOutage());
      const order = await w.placeOrder({ skus: ["AB-12"] });
      const { deliveryId, failureKey } = await w.waitParked(order.orderNumber, "netsuite");
      expect(failureKey).toBe("outage|netsuite");

      // Detection while NetSuite is still down: diagnosed, and the retry waits for recovery instead of asking a human.
      const first = await triage.tick();
      expect(first).toMatchObject({ held: true, proposed: [], applied: [], deferred: [failureKey] });
      expect(hook.received).toHaveLength(1);
      expect(hook.received[0]!.text).toContain("Waiting for recovery");
      expect(hook.received[0]!.text).toContain("Owner: erp-team@loopkeeper.example");
      expect(await triage.tick()).toMatchObject({ proposed: [], deferred: [] });
      expect(hook.received).toHaveLength(1);

      // The outage ends; a new order goes through, which is what proves NetSuite healthy to the policy.
      w.endNetSuiteOutage();
      const healthy = await w.placeOrder({ skus: ["CM-01"] });
      await waitFor(async () => (await w.store.rows(sql`select 1 from deliveries d join events e on e.id = d.event_id where e.order_number = ${healthy.orderNumber} and d.destination = 'netsuite' and d.status = 'succeeded'`)).length > 0, { what: "a NetSuite delivery after the outage" });

      const second = await triage.tick();
      expect(second.proposed).toHaveLength(1);
      expect(second.applied).toEqual(second.proposed);
      const remId = second.proposed[0]!;
      const [rem] = await listRemediations(w.rt, { failureKey, limit: 1 });
      expect(rem).toMatchObject({ id: remId, kind: "retry", status: "applied", proposedBy: "triage", approvedByPolicy: "retry-after-transient-when-healthy" });

      // The parked order reached NetSuite exactly once, and the group is resolved.
      await waitFor(async () => (await w.store.rows(sql`select 1 from deliveries where id = ${deliveryId} and status = 'succeeded'`)).length > 0, { what: "the replayed delivery succeeded" });
      const salesOrders = [...w.world.netsuite.state.transactions.values()].filter((t) => t.type === "salesOrder" && t.otherRefNum === order.orderNumber);
      expect(salesOrders).toHaveLength(1);
      await waitFor(async () => (await w.store.rows<{ status: string }>(sql`select status from failure_groups where key = ${failureKey}`))[0]?.status === "resolved", { what: "the failure group resolved" });

      // Every step is in the audit chain, and the chain verifies.
      expect(await actionsOf(w, `failure_group:${failureKey}`)).toEqual(expect.arrayContaining(["agent:triage:triage.diagnosed", "agent:triage:triage.deferred", "agent:triage:triage.applied", "system:pipeline:failure_group.resolved"]));
      expect(await actionsOf(w, `remediation:${remId}`)).toEqual([
        "agent:triage:remediation.evidence",
        "agent:triage:remediation.proposed",
        "policy:retry-after-transient-when-healthy:remediation.approved",
        "agent:triage:remediation.apply_started",
        "agent:triage:deliveries.replayed",
        "agent:triage:remediation.applied",
        "system:pipeline:remediation.outcome",
      ]);
      const chain = await verifyAuditChain(w.store);
      expect(chain).toMatchObject({ ok: true });

      // The owner heard what was done.
      const applied = hook.received.at(-1)!;
      expect(applied.text).toContain("Fixed automatically");
      expect(applied.text).toContain(remId);
      expect(applied.blocks.map((b) => b.type)).toEqual(["header", "section", "section", "section", "context", "actions"]);
      expect(JSON.stringify(applied.blocks)).toContain("http://loopkeeper.test/approvals");

      // Nothing new since: the next tick leaves the group alone.
      expect(await triage.tick()).toMatchObject({ proposed: [], applied: [] });
    }, 120_000);

    it("routes a fix a policy cannot approve to the owner, and applies it once a human approver approves", async () => {
      const triage = new TriageAgent(w.rt, { deferPolicyEligibleMs: 0, pollIntervalMs: 50, applyWaitMs: 15_000 }).start();
      onTestFinished(() => w.endNetSuiteOutage());
      try {
        const before = hook.received.length;
        w.startNetSuiteOutage();
        const order = await w.placeOrder({ skus: ["TR-20"] });
        const { deliveryId, failureKey } = await w.waitParked(order.orderNumber, "netsuite");
        const rem = await waitFor(async () => (await listRemediations(w.rt, { failureKey, statuses: ["proposed"], limit: 1 }))[0], { what: "a triage proposal" });
        expect(rem).toMatchObject({ kind: "retry", proposedBy: "triage", approvedByPolicy: null });
        const notice = await waitFor(() => hook.received.slice(before).find((m) => m.text.includes(rem.id)), { what: "the owner notified" });
        expect(notice.text).toContain("needs your approval");
        expect(notice.text).toContain("Owner: erp-team@loopkeeper.example");
        expect(notice.text).toContain(`${rem.id} (proposed), dry run:`);

        // The agent cannot approve its own proposal, whatever it tries.
        const selfApprove = await approveRemediation(w.rt, { type: "agent", id: "triage", scopes: ["read", "propose", "approve"] }, rem.id);
        expect(selfApprove).toMatchObject({ ok: false, code: "forbidden" });

        w.endNetSuiteOutage();
        const approved = await approveRemediation(w.rt, { type: "user", id: "approver@loopkeeper.example", scopes: ["read", "propose", "approve"], role: "approver" }, rem.id, "NetSuite is back");
        expect(approved.ok).toBe(true);

        await waitFor(async () => (await w.store.rows(sql`select 1 from deliveries where id = ${deliveryId} and status = 'succeeded'`)).length > 0, { timeoutMs: 30_000, what: "the approved retry delivered" });
        const [done] = await listRemediations(w.rt, { failureKey, limit: 1 });
        expect(done).toMatchObject({ id: rem.id, status: "applied", decidedBy: "approver@loopkeeper.example", approvedByPolicy: null });
        await waitFor(async () => (await actionsOf(w, `remediation:${rem.id}`)).includes("system:pipeline:remediation.outcome"), { what: "the outcome recorded" });
        expect(await actionsOf(w, `remediation:${rem.id}`)).toEqual([
          "agent:triage:remediation.evidence",
          "agent:triage:remediation.proposed",
          "user:approver@loopkeeper.example:remediation.approved",
          "agent:triage:remediation.apply_started",
          "agent:triage:deliveries.replayed",
          "agent:triage:remediation.applied",
          "system:pipeline:remediation.outcome",
        ]);
        expect(await verifyAuditChain(w.store)).toMatchObject({ ok: true });
      } finally {
        await triage.stop();
      }
    }, 120_000);

    it("tells the owner what a fix needs when the playbook's fix needs a person's input (unknown SKU)", async () => {
      const triage = new TriageAgent(w.rt);
      onTestFinished(() => triage.stop());
      const before = hook.received.length;
      const order = await w.placeOrder({ skus: ["ZZ-99"] });
      const { failureKey } = await w.waitParked(order.orderNumber, "netsuite");
      const report = await triage.tick();
      expect(report.proposed).toEqual([]);
      expect(report.notified).toContain(failureKey);
      const notice = hook.received.slice(before).find((m) => m.text.includes("SKU ZZ-99"))!;
      expect(notice.text).toContain("Needs your input to fix");
      expect(JSON.stringify(notice.blocks)).toContain("the netsuite item id for each SKU (targetKey)");
      expect(await listRemediations(w.rt, { failureKey, limit: 5 })).toEqual([]);
      expect(await actionsOf(w, `failure_group:${failureKey}`)).toEqual(["agent:triage:triage.diagnosed", "agent:triage:triage.needs_input"]);
      // Handled: neither the next tick nor a new order failing the same way pages the owner again.
      expect((await triage.tick()).notified).not.toContain(failureKey);
      const again = await w.placeOrder({ skus: ["ZZ-99", "AB-12"] });
      expect((await w.waitParked(again.orderNumber, "netsuite")).failureKey).toBe(failureKey);
      expect((await triage.tick()).notified).not.toContain(failureKey);
      expect(hook.received.slice(before).filter((m) => m.text.includes("SKU ZZ-99"))).toHaveLength(1);
    }, 60_000);
  });
}

describe("triage wiring", () => {
  it("starts with Runtime.startWorkers from a registered worker service and stops with halt", async () => {
    const store = await openPgliteTestStore();
    const rt = await Runtime.open({ config: loadConfig({ LOOPKEEPER_SECRET_KEY: "33".repeat(32), LOOPKEEPER_DATA_DIR: "/tmp/lk-triage-wiring", LOG_LEVEL: "silent" }), store, transport: new InProcessTransport() });
    let agent: TriageAgent | undefined;
    registerWorkerService("triage", (r) => (agent = new TriageAgent(r, { pollIntervalMs: 20 }).start()));
    try {
      await rt.startWorkers({ pollers: false });
      expect(agent).toBeDefined();
      await waitFor(async () => (await store.rows<{ owner: string | null }>(sql`select lease_owner as owner from sync_cursors where id = 'agent:triage'`))[0]?.owner, { what: "the triage lease taken" });
      await rt.halt();
      expect((await store.rows<{ owner: string | null }>(sql`select lease_owner as owner from sync_cursors where id = 'agent:triage'`))[0]?.owner).toBeNull();
    } finally {
      registerWorkerService("triage", () => ({ stop() {} }));
      await store.dispose();
    }
  });

  it("escapes outside text in Slack notices so it cannot forge links or mentions", () => {
    const m = slackMessageOf({
      kind: "no_automatic_fix", owner: "ops@example.com", failureKey: "permanent|x|y", next: "Look at it.",
      diagnosis: { title: "x <!channel> <https://evil.example|click>", label: "Unclassified failure", confidence: 0.5, explanation: "upstream said <@U123>", affected: { events: 1, eventsCapped: false, eventIds: [], orders: [], connectors: [] }, suggestedFix: { kind: "none", params: {}, description: "read it", needs: [], policyEligible: false } },
    });
    const all = JSON.stringify(m);
    expect(all).not.toMatch(/<!channel>|<https:|<@U123>/);
    expect(all).toContain("&lt;!channel&gt;");
  });
});
