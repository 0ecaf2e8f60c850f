import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { expect } from "vitest";
import { explainFailure, signalsOf } from "../../../agent/diagnosis";
import { openWorld, SCENARIOS, waitForDelivered, type World } from "../../../agent/diagnosis/testing/failure-world";
import { proposeRemediation } from "../../../pipeline/approvals";
import { TOOLS } from "../../registry";

export interface ExerciseIds {
  /** A parked event (unknown SKU ZZ-99 in NetSuite). */
  parkedEventId: string;
  parkedOrderNumber: string;
  deliveredEventId: string;
  failureKey: string;
  connector: string;
  /** A proposal somebody else made (this client may approve it). */
  othersProposalId: string;
  /** The NetSuite item id ZZ-99 should map to. */
  itemId: string;
}

type Result = CallToolResult & { structuredContent?: any };

/**
 * Calls every tool of the registry through a real MCP client and checks each answer, so the
 * stdio and HTTP tests prove the same thing. The client's token must have read, propose and approve.
 * Returns the names called (the caller asserts it is the whole registry).
 */
export async function exerciseEveryTool(client: Client, ids: ExerciseIds): Promise<string[]> {
  const called: string[] = [];
  const call = async (name: string, args: Record<string, unknown>): Promise<Result> => {
    called.push(name);
    return (await client.callTool({ name, arguments: args })) as Result;
  };
  const ok = async (name: string, args: Record<string, unknown>) => {
    const r = await call(name, args);
    expect(r.isError, `${name}: ${JSON.stringify(r.content)}`).toBeFalsy();
    expect(r.structuredContent, name).toBeDefined();
    return r.structuredContent;
  };

  const listed = await client.listTools();
  expect(listed.tools.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.name).sort());
  for (const t of listed.tools) {
    expect(t.annotations, t.name).toMatchObject({ readOnlyHint: expect.any(Boolean), destructiveHint: expect.any(Boolean), idempotentHint: expect.any(Boolean), openWorldHint: expect.any(Boolean) });
    expect(t.outputSchema, t.name).toBeDefined();
  }

  const search = await ok("search_events", { sku: "ZZ-99" });
  expect(search.events.map((e: { id: string }) => e.id)).toContain(ids.parkedEventId);
  const byText = await ok("search_events", { errorText: "NetSuite item", status: "parked" });
  expect(byText.events.map((e: { id: string }) => e.id)).toContain(ids.parkedEventId);

  const event = await ok("get_event", { eventId: ids.parkedEventId });
  expect(event.deliveries[0]).toMatchObject({ status: "parked", parkedReason: expect.stringContaining("ZZ-99") });
  expect(event.attempts.length).toBeGreaterThan(0);
  const missing = await call("get_event", { eventId: "evt_nope" });
  expect(missing.isError).toBe(true);
  expect(JSON.stringify(missing.content)).toContain("not_found");

  const trace = await ok("get_order_trace", { orderNumber: ids.parkedOrderNumber });
  expect(trace.timeline.length).toBeGreaterThan(1);
  expect(trace.open.parked).toBe(1);

  const failures = await ok("list_failures", {});
  expect(failures.groups.map((g: { rootCause: string }) => g.rootCause)).toContain("unknown_sku_mapping");

  const explained = await ok("explain_failure", { failureKey: ids.failureKey });
  expect(explained).toMatchObject({ rootCause: "unknown_sku_mapping", suggestedFix: { kind: "update_mapping" } });
  const byEvent = await ok("explain_failure", { eventId: ids.parkedEventId });
  expect(byEvent.rootCause).toBe("unknown_sku_mapping");

  const recon = await ok("get_reconciliation_report", {});
  expect(Array.isArray(recon.runs)).toBe(true);
  expect(recon.note.length).toBeGreaterThan(10);

  const health = await ok("get_connector_health", { connector: ids.connector });
  expect(health.connectors[0]).toMatchObject({ id: ids.connector, auth: { stopped: false }, circuit: { state: "closed" } });

  const preview = await ok("preview_replay", { eventIds: [ids.parkedEventId, ids.deliveredEventId] });
  const effects = preview.events.flatMap((e: { steps: { effect: string }[] }) => e.steps.map((s) => s.effect));
  expect(effects).toEqual(expect.arrayContaining(["would_run", "exists"]));

  const proposed = await ok("propose_remediation", {
    kind: "update_mapping",
    params: { connector: ids.connector, mappingKind: "netsuite_item", mappings: [{ sourceKey: "ZZ-99", targetKey: ids.itemId }], eventIds: [ids.parkedEventId] },
    rationale: "ZZ-99 is the SKU the channel uses for this NetSuite item",
    evidence: explained.evidence.slice(0, 3).map((e: { kind: string; id: string }) => ({ kind: e.kind, id: e.id })),
  });
  expect(proposed.remediation).toMatchObject({ status: "proposed", dryRun: { summary: "1 of 1 would now pass" } });
  const mine = proposed.remediation.id as string;

  // The gate through MCP: not approved yet, so apply is refused whatever the arguments.
  const early = await call("apply_remediation", { remediationId: mine, waitSeconds: 0 });
  expect(early.isError).toBe(true);
  expect(JSON.stringify(early.content)).toContain("awaiting approval");
  const selfApprove = await call("approve_remediation", { remediationId: mine });
  expect(selfApprove.isError).toBe(true);
  expect(JSON.stringify(selfApprove.content)).toContain("cannot also approve");

  const rejected = await ok("reject_remediation", { remediationId: mine, reason: "superseded by the proposal under review" });
  expect(rejected.remediation.status).toBe("rejected");

  const approved = await ok("approve_remediation", { remediationId: ids.othersProposalId, reason: "item checked in NetSuite" });
  expect(approved.remediation.status).toBe("approved");
  const applied = await ok("apply_remediation", { remediationId: ids.othersProposalId, waitSeconds: 30 });
  expect(applied).toMatchObject({ status: "applied", outcome: { settled: true, succeeded: 1 } });

  const rem = await ok("get_remediation", { remediationId: ids.othersProposalId });
  expect(rem.trail.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(["remediation.proposed", "remediation.approved", "deliveries.replayed", "remediation.outcome"]));

  const audit = await ok("get_audit_log", { subjectPrefix: "remediation:" });
  expect(audit.entries.length).toBeGreaterThan(5);
  const verified = await ok("verify_audit_chain", {});
  expect(verified).toMatchObject({ ok: true });

  return [...new Set(called)];
}

/** Resources and prompts through the client. */
export async function exerciseResourcesAndPrompts(client: Client, ids: ExerciseIds): Promise<void> {
  const templates = await client.listResourceTemplates();
  expect(templates.resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(["loopkeeper://events/{id}", "loopkeeper://orders/{orderNumber}/trace"]);
  const ev = await client.readResource({ uri: `loopkeeper://events/${ids.parkedEventId}` });
  expect(JSON.parse(textOf(ev.contents[0])).event.id).toBe(ids.parkedEventId);
  const tr = await client.readResource({ uri: `loopkeeper://orders/${encodeURIComponent(ids.parkedOrderNumber)}/trace` });
  expect(JSON.parse(textOf(tr.contents[0])).orderNumbers).toContain(ids.parkedOrderNumber);
  const prompts = await client.listPrompts();
  expect(prompts.prompts.map((p) => p.name)).toEqual(expect.arrayContaining(["triage_open_failures", "investigate_order"]));
  const triage = await client.getPrompt({ name: "triage_open_failures", arguments: { connector: ids.connector } });
  expect(JSON.stringify(triage.messages)).toContain("list_failures");
}

function textOf(c: object | undefined): string {
  return c && "text" in c && typeof c.text === "string" ? c.text : "";
}

/**
 * Puts the world every MCP transport test drives into the same state: a parked ZZ-99 order, a
 * delivered order, and another operator's mapping proposal. Returns the ids the tools are called with.
 */
export async function prepareExerciseIds(w: World, deliveredOrderSeq: number): Promise<ExerciseIds> {
  const input = await SCENARIOS.find((s) => s.id === "ns-unknown-sku")!.run(w);
  const parkedEventId = (input as { eventId: string }).eventId;
  const deliveredEventId = await w.order(deliveredOrderSeq, "ns-main");
  await waitForDelivered(w, deliveredEventId);
  const d = (await explainFailure(w.store, { eventId: parkedEventId }, signalsOf(w.rt)))!;
  const itemId = w.ns.main.ids.items["TR-20"]!;
  const others = await proposeRemediation(w.rt, { type: "user", id: "ops@example.com", scopes: ["read", "propose"], role: "operator" }, {
    kind: "update_mapping",
    params: { connector: "ns-main", mappingKind: "netsuite_item", mappings: [{ sourceKey: "ZZ-99", targetKey: itemId }], failureKey: d.failureKey },
    rationale: "ZZ-99 is the trail rope under its marketplace SKU",
  });
  if (!others.ok) throw new Error(others.message);
  return { parkedEventId, parkedOrderNumber: "#1001", deliveredEventId, failureKey: d.failureKey!, connector: "ns-main", othersProposalId: others.value.id, itemId };
}
