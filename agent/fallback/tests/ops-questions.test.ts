import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { reconDiffs, reconRuns } from "../../../pipeline/db/schema";
import { InProcessTransport } from "../../../pipeline/queue/in-process";
import { openPgliteTestStore } from "../../../pipeline/testing/backends";
import { applyApprovedRemediation, approveRemediation } from "../../../pipeline/approvals";
import { keepAnswersForResend } from "../../../pipeline/db/queries/answer-queries";
import { loadConversationView } from "../../chat/history";
import type { ChatTurnDeps } from "../../chat/turn";
import { runChatTurn } from "../../chat/turn";
import { collectTurn, eventsOf } from "../../testing/collect";
import { openOpsWorld, type OpsWorld } from "../../testing/ops-world";
import { startScriptedLlmServer, toolResultData, type ScriptedLlmServer } from "../../testing/scripted-llm-server";
import { parseIntent } from "../intents";

const CONNECTORS = [
  { id: "shopify", type: "shopify", displayName: "Shopify" },
  { id: "netsuite", type: "netsuite", displayName: "NetSuite" },
  { id: "shipstation", type: "shipstation", displayName: "ShipStation" },
  { id: "quickbooks", type: "quickbooks", displayName: "QuickBooks Online" },
];

describe("fallback intent parser", () => {
  const parse = (q: string) => parseIntent(q, { connectors: CONNECTORS });
  it.each([
    ["why did order #1042 fail?", { kind: "order_failure", orderNumber: "#1042" }],
    ["What happened to order 1042", { kind: "order_failure", orderNumber: "#1042" }],
    ["#1042", { kind: "order_failure", orderNumber: "#1042" }],
    ["what is failing right now?", { kind: "failing_now" }],
    ["Any failures?", { kind: "failing_now" }],
    ["what's broken in netsuite", { kind: "failing_now", connector: "netsuite" }],
    ["why does the 3PL show 412 and the ERP 387 for SKU AB-12?", { kind: "sku_discrepancy", sku: "AB-12", counts: [412, 387] }],
    ["inventory mismatch for sku TR-20", { kind: "sku_discrepancy", sku: "TR-20" }],
    ["retry everything that failed on the NetSuite outage", { kind: "retry_outage", connector: "netsuite" }],
    ["please replay what failed while the ERP was down", { kind: "retry_outage", connector: "netsuite" }],
    ["explain evt_0123456789abcdef", { kind: "event_failure", eventId: "evt_0123456789abcdef" }],
    ["is shipstation healthy?", { kind: "connector_health", connector: "shipstation" }],
    ["apply rem_0123456789abcdef please", { kind: "apply_remediation", remediationId: "rem_0123456789abcdef" }],
    ["fix order #1042", { kind: "propose_fix", orderNumber: "#1042" }],
    ["Please propose a fix for evt_0123456789abcdef", { kind: "propose_fix", eventId: "evt_0123456789abcdef" }],
    ["map SKU ZZ-99 to netsuite item 106", { kind: "propose_fix", mapping: { sourceKey: "ZZ-99", targetKey: "106", connector: "netsuite" } }],
    ["map ZZ-99 to item id 106 in NetSuite", { kind: "propose_fix", mapping: { sourceKey: "ZZ-99", targetKey: "106", connector: "netsuite" } }],
    ["map sku ZZ-99 to 106 for order #1042", { kind: "propose_fix", orderNumber: "#1042", mapping: { sourceKey: "ZZ-99", targetKey: "106" } }],
    ["how do I fix order #1042?", { kind: "order_failure", orderNumber: "#1042" }],
    ["write me a poem", { kind: "unknown" }],
  ])("%s", (q, expected) => {
    expect(parse(q)).toMatchObject(expected);
  });
});

/**
 * The four core ops questions, on the sandbox world with injected failures (a ZZ-99 order NetSuite
 * rejects; an order parked by a NetSuite outage), answered without a model and by a scripted model
 * through the same tools.
 */
describe("core ops questions on the sandbox world", () => {
  let w: OpsWorld;
  let llm: ScriptedLlmServer;
  let zz: { orderNumber: string; eventId: string; failureKey: string };
  let down: { orderNumber: string; eventId: string; failureKey: string };
  let noModel: ChatTurnDeps;
  let model: ChatTurnDeps;

  beforeAll(async () => {
    w = await openOpsWorld({ openStore: openPgliteTestStore, openTransport: async () => new InProcessTransport() });
    const a = await w.placeOrder({ skus: ["ZZ-99"] });
    zz = { ...a, failureKey: (await w.waitParked(a.orderNumber, "netsuite")).failureKey };
    w.startNetSuiteOutage();
    const b = await w.placeOrder({ skus: ["AB-12", "CM-01"] });
    down = { ...b, failureKey: (await w.waitParked(b.orderNumber, "netsuite")).failureKey };
    w.endNetSuiteOutage();
    llm = await startScriptedLlmServer();
    noModel = { rt: w.rt, llm: null };
    model = { rt: w.rt, llm: { apiKey: "k", baseURL: llm.baseURL, model: "scripted" } };
  });

  afterAll(async () => {
    await llm?.close();
    await w?.close();
  });

  describe("without a model", () => {
    it("says plainly that no model is configured", async () => {
      const { events, result } = await collectTurn(runChatTurn(noModel, { message: "what is failing right now?" }));
      expect(events[0]).toMatchObject({ type: "start", mode: "fallback", model: null });
      expect(eventsOf(events, "warning")[0]).toMatchObject({ code: "no_model" });
      expect(result.text.startsWith("No language model is configured")).toBe(true);
      expect(result).toMatchObject({ mode: "fallback", stopReason: "fallback", rounds: 0 });
    });

    it("why did order #… fail? — the order's event, the root cause, evidence and fix", async () => {
      const { events, result } = await collectTurn(runChatTurn(noModel, { message: `why did order ${zz.orderNumber} fail?` }));
      expect(eventsOf(events, "tool_started").map((e) => e.name)).toEqual(["search_events", "explain_failure"]);
      expect(result.text).toContain(`Order ${zz.orderNumber} failed at netsuite`);
      expect(result.text).toContain("SKU ZZ-99 missing in netsuite");
      expect(result.text).toContain("Root cause: SKU not mapped in the destination");
      expect(result.text).toContain(zz.eventId);
      expect(result.text).toMatch(/Suggested fix \(update_mapping\): Map SKU ZZ-99 to its item in netsuite/);
      expect(result.unresolvedIds).toEqual([]);
      expect(result.citations).toEqual(expect.arrayContaining([{ kind: "event", id: zz.eventId, resolved: true }, { kind: "order", id: zz.orderNumber, resolved: true }]));
    });

    it("why did order #… fail? — an order parked by the outage", async () => {
      const { result } = await collectTurn(runChatTurn(noModel, { message: `Why did ${down.orderNumber} fail` }));
      expect(result.text).toContain("Root cause: Destination unavailable (outage)");
      expect(result.text).toContain(down.eventId);
    });

    it("why did order #… fail? — an order that does not exist", async () => {
      const { result } = await collectTurn(runChatTurn(noModel, { message: "why did order #987654 fail?" }));
      expect(result.text).toContain("I found no events for order #987654");
    });

    it("what is failing right now? — both failure groups with counts, orders and owner", async () => {
      const { result } = await collectTurn(runChatTurn(noModel, { message: "what is failing right now?" }));
      expect(result.text).toContain("2 open failure group(s)");
      expect(result.text).toContain("SKU ZZ-99 missing in netsuite");
      expect(result.text).toContain("netsuite unavailable");
      expect(result.text).toContain(zz.orderNumber);
      expect(result.text).toContain(down.orderNumber);
      expect(result.text).toContain(`\`${zz.failureKey}\``);
      expect(result.text).toContain("owner erp-team@loopkeeper.example");
    });

    it("why does the 3PL show 412 and the ERP 387 for SKU X? — no report yet: says so and suggests running reconciliation", async () => {
      const { events, result } = await collectTurn(runChatTurn(noModel, { message: "why does the 3PL show 412 and the ERP 387 for SKU AB-12?" }));
      expect(eventsOf(events, "tool_started").map((e) => e.name)).toEqual(["get_reconciliation_report"]);
      expect(result.text).toContain("No reconciliation report exists yet");
      expect(result.text).toContain("(you see 412 vs 387)");
      expect(result.text).toMatch(/Run a reconciliation/);
    });

    it("retry everything that failed on the NetSuite outage — a retry proposal with a dry run, awaiting approval", async () => {
      const { events, result } = await collectTurn(runChatTurn(noModel, { message: "retry everything that failed on the NetSuite outage" }));
      expect(eventsOf(events, "tool_started").map((e) => e.name)).toEqual(["list_failures", "propose_remediation"]);
      const cards = eventsOf(events, "proposal").map((e) => e.card);
      expect(cards).toHaveLength(1);
      expect(cards[0]).toMatchObject({ kind: "retry", status: "proposed", failureKey: down.failureKey, dryRunSummary: "1 of 1 would now pass", wouldPass: 1, wouldFail: 0 });
      expect(result.proposals).toEqual(cards);
      expect(result.text).toContain(cards[0]!.remediationId);
      expect(result.text).toContain("Awaiting approval by an approver");
      const [row] = await w.store.rows<{ status: string; proposed_by: string; params: unknown }>(sql`select status, proposed_by, params from remediations where id = ${cards[0]!.remediationId}`);
      expect(row).toEqual({ status: "proposed", proposed_by: "chat:anonymous", params: { failureKey: down.failureKey } });
      // The ZZ-99 group is not an outage: a retry would not fix it, so nothing is proposed for it.
      expect(cards.some((c) => c.failureKey === zz.failureKey)).toBe(false);

      const again = await collectTurn(runChatTurn(noModel, { message: "retry everything that failed on the NetSuite outage" }));
      expect(again.result.proposals.map((p) => p.remediationId)).toEqual([cards[0]!.remediationId]);
      expect(again.result.text).toContain(`already proposed as ${cards[0]!.remediationId}`);

      // Asking to apply it is refused until an approver approves: the gate is the tool's, not the chat's.
      const apply = await collectTurn(runChatTurn(noModel, { message: `apply ${cards[0]!.remediationId}` }));
      expect(apply.result.toolCalls).toEqual([{ name: "apply_remediation", ok: false }]);
      expect(apply.result.text).toContain(`${cards[0]!.remediationId} was not applied: remediation ${cards[0]!.remediationId} is awaiting approval`);
      const [still] = await w.store.rows<{ status: string }>(sql`select status from remediations where id = ${cards[0]!.remediationId}`);
      expect(still!.status).toBe("proposed");
    });

    it("why does the 3PL show … for SKU X? — reads the reconciliation report once one exists", async () => {
      await w.store.db.insert(reconRuns).values({ id: "rcn_run_test_1", domain: "inventory", status: "done", checked: 7, diffCount: 1, finishedAt: new Date().toISOString() });
      await w.store.db.insert(reconDiffs).values({
        id: "rcd_test_1", runId: "rcn_run_test_1", domain: "inventory", subject: "AB-12@main", kind: "quantity_mismatch", severity: "warning",
        sides: { shipstation: { sku: "AB-12", onHand: 412 }, netsuite: { sku: "AB-12", onHand: 387 } },
        // The shape the inventory reconciler stores (pipeline/reconcile/types.ts Evidence).
        evidence: {
          cause: "committed_not_shipped",
          summary: "ShipStation 412 vs NetSuite 387: 25 units are in flight",
          bridge: [
            { kind: "start", text: "NetSuite on hand 412", amount: 412 },
            { kind: "adjust", text: "− 25 committed to open orders not yet shipped", amount: -25, status: "in_flight" },
            { kind: "total", text: "= NetSuite available 387", amount: 387 },
          ],
          log: [{ eventId: down.eventId, type: "order.created", source: "shopify", orderNumber: null, receivedAt: new Date().toISOString(), explains: "committed_not_shipped", note: "25 units committed to open orders not yet shipped" }],
          refs: [],
        },
        explanation: "NetSuite commits stock at the sales order; ShipStation deducts at shipment: 25 units are in flight.",
      });
      const { result } = await collectTurn(runChatTurn(noModel, { message: "why does the 3PL show 412 and the ERP 387 for SKU AB-12?" }));
      expect(result.text).toContain("Reconciliation found 1 difference(s) for SKU AB-12");
      expect(result.text).toContain("25 units are in flight");
      expect(result.text).toContain("25 units committed to open orders");
      const other = await collectTurn(runChatTurn(noModel, { message: "why does the 3PL show 5 and the ERP 4 for SKU FK-02?" }));
      expect(other.result.text).toContain("found no open difference for SKU FK-02");
      await w.store.rows(sql`delete from recon_diffs where id = 'rcd_test_1'`);
      await w.store.rows(sql`delete from recon_runs where id = 'rcn_run_test_1'`);
    });

    it("why did order #… fail? — ends with how to have the fix proposed here", async () => {
      const zzAnswer = await collectTurn(runChatTurn(noModel, { message: `why did order ${zz.orderNumber} fail?` }));
      expect(zzAnswer.result.text).toContain('To have me propose this fix for an approver, tell me the item: "map SKU ZZ-99 to netsuite item <item id>".');
      const downAnswer = await collectTurn(runChatTurn(noModel, { message: `why did order ${down.orderNumber} fail?` }));
      expect(downAnswer.result.text).toContain(`To have me propose this fix for an approver, say "fix order ${down.orderNumber}".`);
      expect(downAnswer.result.unresolvedIds).toEqual([]);
    });

    it("fix order #… — a mapping fix asks for the value only a person knows, and proposes nothing", async () => {
      const { events, result } = await collectTurn(runChatTurn(noModel, { message: `fix order ${zz.orderNumber}` }));
      expect(eventsOf(events, "tool_started").map((e) => e.name)).toEqual(["search_events", "explain_failure"]);
      expect(result.proposals).toEqual([]);
      expect(result.text).toContain("I cannot look up which item that is");
      expect(result.text).toContain('"map SKU ZZ-99 to netsuite item <item id>"');
    });

    it("map SKU … to netsuite item … — the playbook's mapping fix with a dry run, awaiting approval; asked again, the same card", async () => {
      const itemId = w.world.netsuite.ids.items["FK-02"]!;
      const user = { id: "usr_ops_1", email: "olive.operator@example.com", role: "operator" };
      const { events, result } = await collectTurn(runChatTurn({ ...noModel, user }, { message: `map SKU ZZ-99 to netsuite item ${itemId}` }));
      expect(eventsOf(events, "tool_started").map((e) => e.name)).toEqual(["list_failures", "explain_failure", "propose_remediation"]);
      const [card] = eventsOf(events, "proposal").map((e) => e.card);
      expect(card).toMatchObject({ kind: "update_mapping", status: "proposed", failureKey: zz.failureKey, dryRunSummary: "1 of 1 would now pass", wouldPass: 1, wouldFail: 0 });
      expect(result.proposals).toEqual([card]);
      expect(result.text).toContain(`proposed ${card!.remediationId}`);
      expect(result.unresolvedIds).toEqual([]);
      const [row] = await w.store.rows<{ status: string; proposed_by: string; params: unknown }>(sql`select status, proposed_by, params from remediations where id = ${card!.remediationId}`);
      expect(row).toEqual({
        status: "proposed",
        proposed_by: "chat:olive.operator@example.com",
        params: { connector: "netsuite", mappingKind: "netsuite_item", mappings: [{ sourceKey: "ZZ-99", targetKey: itemId }], failureKey: zz.failureKey, replay: true },
      });
      // Proposing changes nothing: no mapping is written and the order stays parked until an approver approves.
      expect(await w.store.rows(sql`select 1 from mappings where source_key = 'ZZ-99'`)).toEqual([]);
      await w.waitParked(zz.orderNumber, "netsuite");

      const again = await collectTurn(runChatTurn(noModel, { message: `fix order ${zz.orderNumber}: map ZZ-99 to item ${itemId}` }));
      expect(again.result.proposals.map((p) => p.remediationId)).toEqual([card!.remediationId]);
      expect(again.result.text).toContain(`already proposed as ${card!.remediationId}`);
      expect(eventsOf(again.events, "tool_started").map((e) => e.name)).not.toContain("propose_remediation");

      // The stored conversation shows the same answer after a reload: its steps, its card and where the card stands now.
      const view = await loadConversationView(w.rt, { conversationId: result.conversationId, userId: user.id });
      expect(view.ok && view.view.turns).toEqual([
        expect.objectContaining({ question: `map SKU ZZ-99 to netsuite item ${itemId}`, answer: expect.objectContaining({ mode: "fallback", text: result.text, proposals: [card] }) }),
      ]);
      expect(view.ok && view.view.turns[0]!.answer!.steps!.map((s) => [s.name, s.ok])).toEqual([["list_failures", true], ["explain_failure", true], ["propose_remediation", true]]);
      expect(view.ok && view.view.remediations[card!.remediationId]).toEqual({ status: "proposed", decidedBy: null, outcome: null });
      expect(await loadConversationView(w.rt, { conversationId: result.conversationId, userId: "usr_someone_else" })).toEqual({ ok: false, code: "forbidden" });
      expect(await loadConversationView(w.rt, { conversationId: "cnv_does_not_exist", userId: user.id })).toEqual({ ok: false, code: "not_found" });
    });

    it("a viewer's fallback cannot propose: the tool's scope check refuses it", async () => {
      const viewer = { id: "usr_view_1", email: "vera.viewer@example.com", role: "viewer" };
      const before = await w.store.rows(sql`select id from remediations`);
      const { result } = await collectTurn(runChatTurn({ ...noModel, user: viewer }, { message: "map SKU ZZ-99 to netsuite item 999" }));
      expect(result.toolCalls).toEqual([{ name: "list_failures", ok: true }, { name: "explain_failure", ok: true }, { name: "propose_remediation", ok: false }]);
      expect(result.text).toContain("I could not propose the fix: refused: propose_remediation needs");
      expect(await w.store.rows(sql`select id from remediations`)).toHaveLength(before.length);
    });

    it("fix order #… — an outage's retry is proposed once, then shown again", async () => {
      const first = await collectTurn(runChatTurn(noModel, { message: `fix order ${down.orderNumber}` }));
      const [card] = first.result.proposals;
      expect(card).toMatchObject({ kind: "retry", failureKey: down.failureKey, dryRunSummary: "1 of 1 would now pass" });
      const second = await collectTurn(runChatTurn(noModel, { message: `Please fix order ${down.orderNumber}` }));
      expect(eventsOf(second.events, "tool_started").map((e) => e.name)).toEqual(["search_events", "explain_failure"]);
      expect(second.result.proposals.map((p) => p.remediationId)).toEqual([card!.remediationId]);
      const waiting = await w.store.rows(sql`select id from remediations where failure_key = ${down.failureKey} and kind = 'retry' and status in ('proposed', 'approved')`);
      expect(waiting).toHaveLength(1);
    });

    it("is … healthy? — says when answers are owed to a sender (a kept EDI 997 being resent)", async () => {
      const healthOf = async () => (await collectTurn(runChatTurn(noModel, { message: "is shipstation healthy?" }))).result.text;
      expect(await healthOf()).not.toContain("owed to the sender");
      const later = new Date(Date.now() + 3600_000).toISOString();
      await keepAnswersForResend(w.store, [{ id: "ans_health", connector: "shipstation", eventIds: [], kind: "997", reference: "000000042", body: "ISA*…", lastError: "503", nextAttemptAt: later, expiresAt: later }]);
      try {
        expect(await healthOf()).toContain("parked deliveries, 1 answer (EDI 997/TA1) owed to the sender and being resent.");
      } finally {
        await w.store.rows(sql`delete from kept_answers where id = 'ans_health'`);
      }
    });

    it("an unknown question gets the list of what works without a model", async () => {
      const { events, result } = await collectTurn(runChatTurn(noModel, { message: "write me a haiku about invoices" }));
      expect(eventsOf(events, "tool_started")).toHaveLength(0);
      expect(result.text).toContain("Without a model I can answer these questions");
      expect(result.text).toContain("why did order #1042 fail?");
      expect(result.text).toContain("OPENAI_API_KEY");
      expect(result.unresolvedIds).toEqual([]);
    });
  });

  describe("with a scripted model, through the same tools", () => {
    it("why did order #… fail?", async () => {
      llm.enqueue(
        { toolCalls: [{ name: "search_events", arguments: { orderNumber: zz.orderNumber } }] },
        // The order has several events (the books post a receipt too): the scripted model picks the parked one.
        (req) => ({ toolCalls: [{ name: "explain_failure", arguments: { eventId: toolResultData(req).events.find((e: any) => e.status === "parked").id } }] }),
        (req) => {
          const d = toolResultData(req);
          return { content: `Order ${zz.orderNumber} failed: ${d.title}. Root cause: ${d.label}. Event ${d.subject.id}. Fix: ${d.suggestedFix.description}` };
        },
      );
      const { result } = await collectTurn(runChatTurn(model, { message: `why did order ${zz.orderNumber} fail?` }));
      expect(result.mode).toBe("model");
      expect(result.text).toContain("SKU ZZ-99 missing in netsuite");
      expect(result.text).toContain("SKU not mapped in the destination");
      expect(result.text).toContain(zz.eventId);
      expect(result.unresolvedIds).toEqual([]);
    });

    it("what is failing right now?", async () => {
      llm.enqueue(
        { toolCalls: [{ name: "list_failures", arguments: {} }] },
        (req) => ({ content: toolResultData(req).groups.map((g: any) => `${g.title} (${g.rootCause}, ${g.openCount} open, orders ${g.orders.join(", ")})`).join("; ") }),
      );
      const { result } = await collectTurn(runChatTurn(model, { message: "what is failing right now?" }));
      expect(result.text).toContain(`SKU ZZ-99 missing in netsuite (unknown_sku_mapping, 1 open, orders ${zz.orderNumber})`);
      expect(result.text).toContain(`netsuite unavailable (upstream_outage, 1 open, orders ${down.orderNumber})`);
      expect(result.unresolvedIds).toEqual([]);
    });

    it("why does the 3PL show 412 and the ERP 387 for SKU X? (no report yet)", async () => {
      llm.enqueue(
        { toolCalls: [{ name: "get_reconciliation_report", arguments: {} }] },
        (req) => ({ content: `${toolResultData(req).note} Run reconciliation, then ask again about AB-12.` }),
      );
      const { result } = await collectTurn(runChatTurn(model, { message: "why does the 3PL show 412 and the ERP 387 for SKU AB-12?" }));
      expect(result.text).toContain("No reconciliation run has been recorded yet");
    });

    it("retry everything that failed on the NetSuite outage", async () => {
      llm.enqueue(
        { toolCalls: [{ name: "list_failures", arguments: { connector: "netsuite" } }] },
        (req) => {
          const g = toolResultData(req).groups.find((x: any) => x.rootCause === "upstream_outage");
          return { toolCalls: [{ name: "propose_remediation", arguments: { kind: "retry", params: { failureKey: g.failureKey }, rationale: "netsuite was down; the deliveries only need to be sent again", evidence: [{ kind: "failure_group", id: g.failureKey }] } }] };
        },
        (req) => {
          const r = toolResultData(req).remediation;
          return { content: `Proposed ${r.id}: ${r.dryRun.summary}. It needs an approver.` };
        },
      );
      const operator = { id: "usr_ops_2", email: "otto.operator@example.com", role: "operator" };
      const { events, result } = await collectTurn(runChatTurn({ ...model, user: operator }, { message: "retry everything that failed on the NetSuite outage" }));
      const card = eventsOf(events, "proposal")[0]!.card;
      expect(card).toMatchObject({ kind: "retry", status: "proposed", failureKey: down.failureKey, dryRunSummary: "1 of 1 would now pass" });
      expect(result.text).toBe(`Proposed ${card.remediationId}: 1 of 1 would now pass. It needs an approver.`);
      expect(result.citations).toEqual([{ kind: "remediation", id: card.remediationId, resolved: true }]);

      // Approved and applied elsewhere (the approvals page, say): the conversation read back shows
      // what applying it did, with the deliveries it sent again, as the card said on the click.
      const approver = { type: "user" as const, id: "ada.approver@example.com", scopes: ["read" as const, "propose" as const, "approve" as const], role: "approver" as const };
      expect(await approveRemediation(w.rt, approver, card.remediationId)).toMatchObject({ ok: true });
      const applied = await applyApprovedRemediation(w.rt, approver, card.remediationId, { waitMs: 10_000 });
      expect(applied).toMatchObject({ ok: true, status: "applied", outcome: { settled: true, succeeded: 1, parked: 0, pending: 0 } });
      const view = await loadConversationView(w.rt, { conversationId: result.conversationId, userId: operator.id });
      expect(view.ok && view.view.remediations[card.remediationId]).toEqual({ status: "applied", decidedBy: approver.id, outcome: { succeeded: 1, parked: 0, pending: 0, replayed: applied.ok ? applied.caused.deliveryIds.length : -1 } });
      expect(applied.ok && applied.caused.deliveryIds).toHaveLength(1);
    });
  });
});
