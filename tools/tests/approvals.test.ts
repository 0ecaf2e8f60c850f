import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { explainFailure, signalsOf } from "../../agent/diagnosis";
import { openWorld, SCENARIOS, waitForDelivered, waitForFailure, type World } from "../../agent/diagnosis/testing/failure-world";
import { applyApprovedRemediation, approveRemediation, proposeRemediation, type Actor } from "../../pipeline/approvals";
import { readAuditLog, verifyAuditChain } from "../../pipeline/audit";
import { deliveries, eventProgress, events, parkedDeliveries, remediations } from "../../pipeline/db/schema";
import { applyRemediation } from "../../pipeline/remediations";
import { engineBackends, waitFor } from "../../pipeline/testing/engine-backends";
import { runOpenAiToolCall } from "../openai-adapter";
import { runTool } from "../run-tool";

const agent: Actor = { type: "agent", id: "agent:run-1", scopes: ["read", "propose"] };
const approver: Actor = { type: "user", id: "approver@example.com", scopes: ["read", "propose", "approve"], role: "approver" };
const operator: Actor = { type: "user", id: "ops@example.com", scopes: ["read", "propose"], role: "operator" };
const reader: Actor = { type: "mcp_client", id: "mcp:reader#tok_1", scopes: ["read"] };

const SCENARIO_IDS = ["ns-unknown-sku", "ns-unknown-sku-cross-channel", "ns-expired", "sink-outage", "ss-address", "quarantine-schema", "ns-stale"];

describe.each(engineBackends())("approvals and remediations on $name", (backend) => {
  let w: World;
  const inputs = new Map<string, { eventId?: string; failureKey?: string; connector?: string }>();
  beforeAll(async () => {
    w = await openWorld(backend);
    await Promise.all(SCENARIOS.filter((s) => SCENARIO_IDS.includes(s.id)).map(async (s) => inputs.set(s.id, await s.run(w))));
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  const ctx = (actor: Actor) => ({ rt: w.rt, actor });
  const diagnose = async (id: string) => (await explainFailure(w.store, inputs.get(id)! as never, signalsOf(w.rt)))!;
  const parkedOf = async (eventId: string) => w.store.db.select().from(deliveries).where(eq(deliveries.eventId, eventId));
  const trail = async (remId: string) => (await readAuditLog(w.store, { subject: `remediation:${remId}`, limit: 100 })).reverse();

  it("refuses to apply an unapproved proposal by every path, and records each refusal", async () => {
    const d = await diagnose("ns-unknown-sku");
    const proposed = await runTool(ctx(agent), "propose_remediation", { kind: "retry", params: { failureKey: d.failureKey }, rationale: "retry the unknown SKU group once the item exists", evidence: d.evidence.map(({ kind, id }) => ({ kind, id })) });
    expect(proposed.ok).toBe(true);
    const rem = (proposed as unknown as { data: { remediation: { id: string; status: string } } }).data.remediation;
    expect(rem.status).toBe("proposed");

    // Direct function, approvals module, tool call (even with a forged "approved" flag), other actors.
    expect(await applyRemediation(w.rt, { type: "agent", id: agent.id }, rem.id)).toMatchObject({ ok: false, code: "awaiting_approval" });
    expect(await applyApprovedRemediation(w.rt, agent, rem.id)).toMatchObject({ ok: false, code: "awaiting_approval" });
    expect(await runTool(ctx(agent), "apply_remediation", { remediationId: rem.id, approved: true, status: "approved" })).toMatchObject({ ok: false, code: "awaiting_approval" });
    expect(await runTool(ctx(approver), "apply_remediation", { remediationId: rem.id })).toMatchObject({ ok: false, code: "awaiting_approval" });
    expect(await runTool(ctx(reader), "apply_remediation", { remediationId: rem.id })).toMatchObject({ ok: false, code: "forbidden", message: expect.stringContaining("propose") });
    // Nobody but a human approver decides; the proposer never approves their own proposal.
    expect(await runTool(ctx(agent), "approve_remediation", { remediationId: rem.id })).toMatchObject({ ok: false, code: "forbidden" });
    expect(await approveRemediation(w.rt, agent, rem.id)).toMatchObject({ ok: false, code: "forbidden", message: expect.stringContaining("agent") });
    expect(await approveRemediation(w.rt, operator, rem.id)).toMatchObject({ ok: false, code: "forbidden", message: expect.stringContaining("approver role") });
    expect(await approveRemediation(w.rt, { ...approver, id: agent.id, type: "mcp_client" }, rem.id)).toMatchObject({ ok: false, code: "forbidden", message: expect.stringContaining("cannot also approve") });
    expect(await runTool(ctx(reader), "propose_remediation", { kind: "retry", params: { failureKey: d.failureKey }, rationale: "a reader trying to write" })).toMatchObject({ ok: false, code: "forbidden" });

    const [row] = await w.store.db.select().from(remediations).where(eq(remediations.id, rem.id));
    expect(row).toMatchObject({ status: "proposed", appliedAt: null });
    expect((await parkedOf(inputs.get("ns-unknown-sku")!.eventId!))[0]!.status).toBe("parked");
    const actions = (await trail(rem.id)).map((e) => e.action);
    // The reader's call stops at the scope check before it reaches the approvals module.
    expect(actions.filter((a) => a === "remediation.apply_refused")).toHaveLength(4);
    expect(actions).not.toContain("remediation.apply_started");
  });

  it("runs tool calls from the model through the OpenAI adapter, errors as text it can act on", async () => {
    const listed = await runOpenAiToolCall(ctx(agent), { name: "list_failures", arguments: "{}" });
    expect(listed.ok).toBe(true);
    expect(JSON.parse(listed.content).groups.length).toBeGreaterThan(0);
    expect(await runOpenAiToolCall(ctx(agent), { name: "apply_remediation", arguments: "{not json" })).toMatchObject({ ok: false, content: expect.stringContaining("not valid JSON") });
    expect(await runOpenAiToolCall(ctx(agent), { name: "get_event", arguments: JSON.stringify({ eventId: "evt_nope" }) })).toMatchObject({ ok: false, content: expect.stringMatching(/^error \(not_found\)/) });
    expect(await runOpenAiToolCall(ctx(agent), { name: "approve_remediation", arguments: JSON.stringify({ remediationId: "rem_x" }) })).toMatchObject({ ok: false, content: expect.stringContaining("approver") });
  });

  it("a rejected proposal can never be applied", async () => {
    const d = await diagnose("ns-unknown-sku");
    const p = await proposeRemediation(w.rt, agent, { kind: "retry", params: { failureKey: d.failureKey }, rationale: "retry without fixing anything" });
    if (!p.ok) throw new Error(p.message);
    expect(await runTool(ctx(approver), "reject_remediation", { remediationId: p.value.id, reason: "retrying will not create the item" })).toMatchObject({ ok: true });
    expect(await runTool(ctx(agent), "apply_remediation", { remediationId: p.value.id })).toMatchObject({ ok: false, code: "refused", message: expect.stringContaining("rejected") });
    expect(await approveRemediation(w.rt, approver, p.value.id)).toMatchObject({ ok: false, code: "refused" });
  });

  it("checks that every cited evidence id exists", async () => {
    const r = await proposeRemediation(w.rt, agent, { kind: "retry", params: { eventIds: [inputs.get("ns-unknown-sku")!.eventId!] }, rationale: "citing something made up", evidence: [{ kind: "event", id: "evt_does_not_exist" }, { kind: "attempt", id: "999999999" }] });
    expect(r).toMatchObject({ ok: false, code: "invalid", message: expect.stringContaining("evt_does_not_exist") });
  });

  it("update_mapping: dry run says which deliveries the mapping fixes, then approval, apply, delivery and the audit trail", async () => {
    const d = await diagnose("ns-unknown-sku-cross-channel");
    expect(d.rootCause).toBe("unknown_sku_mapping");
    const single = await diagnose("ns-unknown-sku");
    const groupIds = (await w.store.db.select().from(deliveries).where(eq(deliveries.failureKey, d.failureKey!))).map((x) => x.id);
    const otherId = (await parkedOf(inputs.get("ns-unknown-sku")!.eventId!))[0]!.id;
    const itemId = w.ns.main.ids.items["TR-20"]!;

    // A mapping for ZZ-77 fixes the three ZZ-77 orders, not the ZZ-99 one.
    const partial = await proposeRemediation(w.rt, agent, { kind: "update_mapping", params: { connector: "ns-main", mappingKind: "netsuite_item", mappings: [{ sourceKey: "ZZ-77", targetKey: itemId }], deliveryIds: [...groupIds, otherId] }, rationale: "ZZ-77 is the trail rope's old SKU" });
    if (!partial.ok) throw new Error(partial.message);
    expect(partial.value.dryRun).toMatchObject({ checked: 4, wouldPass: 3, wouldFail: 1, summary: "3 of 4 would now pass" });
    expect(partial.value.dryRun!.items[0]).toMatchObject({ subject: otherId, pass: false, why: expect.stringContaining("ZZ-99") });
    await runTool(ctx(approver), "reject_remediation", { remediationId: partial.value.id, reason: "narrow it to the group" });

    const proposed = await runTool(ctx(agent), "propose_remediation", {
      kind: "update_mapping",
      params: { connector: "ns-main", mappingKind: "netsuite_item", mappings: [{ sourceKey: "ZZ-77", targetKey: itemId }], failureKey: d.failureKey },
      rationale: "SKU ZZ-77 is sold as TR-20 in NetSuite; map it and replay the group",
      evidence: d.evidence.map(({ kind, id }) => ({ kind, id })),
    });
    if (!proposed.ok) throw new Error(proposed.message);
    const rem = (proposed.data as { remediation: { id: string; status: string; dryRun: { summary: string } } }).remediation;
    expect(rem).toMatchObject({ status: "proposed", dryRun: { summary: "3 of 3 would now pass" } });
    expect(await runTool(ctx(approver), "approve_remediation", { remediationId: rem.id, reason: "checked the item in NetSuite" })).toMatchObject({ ok: true });
    const applied = await runTool(ctx(agent), "apply_remediation", { remediationId: rem.id, waitSeconds: 20 });
    expect(applied).toMatchObject({ ok: true, data: { status: "applied", outcome: { settled: true, succeeded: 3, parked: 0 } } });
    for (const id of groupIds) {
      const [row] = await w.store.db.select().from(deliveries).where(eq(deliveries.id, id));
      expect(row).toMatchObject({ status: "succeeded", externalId: expect.any(String) });
    }
    expect((await parkedOf(single.affected.eventIds[0]!))[0]!.status).toBe("parked");
    const actions = (await trail(rem.id)).map((e) => e.action);
    expect(actions).toEqual(["remediation.evidence", "remediation.proposed", "remediation.approved", "remediation.apply_started", "mapping.updated", "deliveries.replayed", "remediation.applied", "remediation.outcome"]);
    const approvedEntry = (await trail(rem.id)).find((e) => e.action === "remediation.approved")!;
    expect(approvedEntry).toMatchObject({ actorType: "user", actorId: approver.id });
    const [group] = await w.store.rows<{ status: string }>(sql`select status from failure_groups where key = ${d.failureKey}`);
    expect(group!.status).toBe("resolved");
    expect(await runTool(ctx(agent), "apply_remediation", { remediationId: rem.id })).toMatchObject({ ok: false, code: "refused", message: expect.stringContaining("already applied") });
    expect(await verifyAuditChain(w.store)).toMatchObject({ ok: true });
  });

  it("a named policy pre-approves a retry after an outage only once the destination is healthy again", async () => {
    const d = await diagnose("sink-outage");
    expect(d.rootCause).toBe("upstream_outage");
    expect(d.suggestedFix).toMatchObject({ kind: "retry", policyEligible: true });
    const early = await proposeRemediation(w.rt, agent, { kind: "retry", params: d.suggestedFix.params, rationale: "the endpoint was down" });
    if (!early.ok) throw new Error(early.message);
    expect(early.value.status).toBe("proposed");

    w.sinkDown.faults.reset();
    await waitForDelivered(w, await w.order(90, "sink-down"));
    const later = await proposeRemediation(w.rt, agent, { kind: "retry", params: d.suggestedFix.params, rationale: "the endpoint is back: retry what parked" });
    if (!later.ok) throw new Error(later.message);
    expect(later.value).toMatchObject({ status: "approved", approvedByPolicy: "retry-after-transient-when-healthy", decidedBy: "policy:retry-after-transient-when-healthy" });
    const entry = (await trail(later.value.id)).find((e) => e.action === "remediation.approved")!;
    expect(entry).toMatchObject({ actorType: "policy", actorId: "retry-after-transient-when-healthy" });
    expect(await applyApprovedRemediation(w.rt, agent, later.value.id, { waitMs: 15_000 })).toMatchObject({ ok: true, status: "applied", outcome: { succeeded: 1 } });
    expect(w.sink.received.size + w.sinkDown.received.size).toBeGreaterThanOrEqual(2);
  });

  it("the policy does not approve retries of validation failures", async () => {
    const d = await diagnose("ss-address");
    const r = await proposeRemediation(w.rt, agent, { kind: "retry", params: { eventIds: [inputs.get("ss-address")!.eventId!] }, rationale: "retry the address failure" });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.status).toBe("proposed");
    expect(r.value.dryRun).toMatchObject({ wouldPass: 0, wouldFail: 1 });
    expect(d.rootCause).toBe("invalid_address");
  });

  it("reconnect_credentials: a failing connection test leaves the connector stopped; a passing one resumes and replays", async () => {
    const eventId = inputs.get("ns-expired")!.eventId!;
    expect(w.rt.engine.isStopped("ns-auth")).toBe(true);
    const first = await proposeRemediation(w.rt, operator, { kind: "reconnect_credentials", params: { connector: "ns-auth" }, rationale: "new token saved" });
    if (!first.ok) throw new Error(first.message);
    expect(first.value.dryRun!.notes[0]).toContain("connection test: failed");
    await approveRemediation(w.rt, approver, first.value.id);
    expect(await applyApprovedRemediation(w.rt, operator, first.value.id)).toMatchObject({ ok: true, status: "failed", outcome: { error: expect.stringContaining("connection test failed") } });
    expect(w.rt.engine.isStopped("ns-auth")).toBe(true);

    w.ns.auth.faults.reset();
    const second = await proposeRemediation(w.rt, operator, { kind: "reconnect_credentials", params: { connector: "ns-auth" }, rationale: "the integration role was re-enabled" });
    if (!second.ok) throw new Error(second.message);
    expect(second.value.dryRun).toMatchObject({ wouldPass: 1, summary: "1 of 1 would now pass" });
    await approveRemediation(w.rt, approver, second.value.id);
    expect(await applyApprovedRemediation(w.rt, operator, second.value.id, { waitMs: 15_000 })).toMatchObject({ ok: true, status: "applied", caused: { resumed: ["ns-auth"] }, outcome: { succeeded: 1 } });
    expect(w.rt.engine.isStopped("ns-auth")).toBe(false);
    await waitForDelivered(w, eventId);
  });

  it("push_correction delivers a corrected copy and retires the parked original", async () => {
    const eventId = inputs.get("ss-address")!.eventId!;
    const r = await proposeRemediation(w.rt, agent, { kind: "push_correction", params: { eventId, patch: { shippingAddress: { postalCode: "97201" } } }, rationale: "the buyer confirmed 97201" });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.dryRun).toMatchObject({ wouldPass: 1, wouldFail: 0 });
    await approveRemediation(w.rt, approver, r.value.id, "buyer confirmed by e-mail");
    const applied = await applyApprovedRemediation(w.rt, agent, r.value.id, { waitMs: 15_000 });
    if (!applied.ok) throw new Error(applied.message);
    expect(applied).toMatchObject({ status: "applied", outcome: { succeeded: 1 } });
    const corrected = applied.caused.eventIds[0]!;
    const [ev] = await w.store.db.select().from(events).where(eq(events.id, corrected));
    expect(ev).toMatchObject({ causationId: eventId });
    expect((await w.store.db.select().from(eventProgress).where(eq(eventProgress.eventId, corrected)))[0]).toMatchObject({ status: "delivered", openDeliveries: 0 });
    expect((ev!.payload as { shippingAddress: { postalCode: string } }).shippingAddress.postalCode).toBe("97201");
    expect((await parkedOf(eventId))[0]).toMatchObject({ status: "skipped" });
    const [pk] = await w.store.db.select().from(parkedDeliveries).where(eq(parkedDeliveries.eventId, eventId));
    expect(pk!.releasedBy).toContain(r.value.id);
    const trace = await runTool(ctx(reader), "get_order_trace", { orderNumber: ev!.orderNumber! });
    expect((trace as unknown as { data: { events: unknown[] } }).data.events).toHaveLength(2);
  });

  it("replay_from_stage capture dry-runs quarantined payloads through the connector's parser", async () => {
    const r = await proposeRemediation(w.rt, agent, { kind: "replay_from_stage", params: { stage: "capture", failureKey: inputs.get("quarantine-schema")!.failureKey }, rationale: "see whether the parser accepts them now" });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.dryRun).toMatchObject({ checked: 1, wouldPass: 0, items: [{ pass: false, why: expect.stringContaining("still rejected") }] });
  });

  it("replay_from_stage deliver with refetch recovers a stale-object failure once the record settles", async () => {
    const eventId = inputs.get("ns-stale")!.eventId!;
    w.ns.stale.faults.reset();
    const r = await proposeRemediation(w.rt, agent, { kind: "replay_from_stage", params: { stage: "deliver", refetch: true, eventIds: [eventId] }, rationale: "record stopped changing" });
    if (!r.ok) throw new Error(r.message);
    await approveRemediation(w.rt, approver, r.value.id);
    expect(await applyApprovedRemediation(w.rt, agent, r.value.id, { waitMs: 15_000 })).toMatchObject({ ok: true, outcome: { succeeded: 1 } });
    await waitFor(async () => (await w.store.db.select().from(eventProgress).where(eq(eventProgress.eventId, eventId)))[0]?.status === "delivered");
  });

  it("tampering with one audit row of a remediation is detected", async () => {
    expect((await verifyAuditChain(w.store)).ok).toBe(true);
    const [e] = await w.store.rows<{ seq: number }>(sql`select seq from audit_log where action = 'remediation.approved' order by seq limit 1`);
    await w.store.rows(sql`update audit_log set actor_id = 'someone-else' where seq = ${e!.seq}`);
    expect(await verifyAuditChain(w.store)).toMatchObject({ ok: false, firstBadSeq: Number(e!.seq) });
    expect(await runTool(ctx(reader), "verify_audit_chain", {})).toMatchObject({ ok: true, data: { ok: false, firstBadSeq: Number(e!.seq) } });
  });
});
