import { listRemediations } from "../../pipeline/approvals";
import { parseRemediationParams, REMEDIATION_KINDS, type RemediationKind } from "../../pipeline/remediations";
import type { Runtime } from "../../pipeline/runtime";
import type { ProposalCard } from "../chat/events";
import { proposalCardOf } from "../chat/tool-steps";
import type { Intent, MappingAnswer } from "./intents";
import { dataOf, failingEventOf, findOrderEvents, type Diagnosis, type Gen, type ToolFn } from "./lookups";

type MappingRow = { sourceKey: string | null; targetKey: string | null };
type FixIntent = Extract<Intent, { kind: "propose_fix" }>;

const MAPPING_CAUSES = new Set(["unknown_sku_mapping", "unknown_location_mapping", "missing_tax_code"]);

/** What a mapping kind's target is called in the destination: "item" for netsuite_item. */
function targetNoun(mappingKind: string): string {
  if (/tax/.test(mappingKind)) return "tax code";
  if (/warehouse/.test(mappingKind)) return "warehouse";
  if (/location|node/.test(mappingKind)) return "location";
  return "item";
}

function sourceNoun(mappingKind: string): string {
  if (/tax/.test(mappingKind)) return "tax";
  return /location|warehouse|node/.test(mappingKind) ? "node" : "SKU";
}

/** The playbook's rows, or one row to fill when the error named no key. */
function mappingRowsOf(d: Diagnosis): MappingRow[] {
  const rows = Array.isArray(d.suggestedFix.params.mappings) ? (d.suggestedFix.params.mappings as MappingRow[]) : [];
  return rows.length ? rows : [{ sourceKey: null, targetKey: null }];
}

/** The phrase that gives the fallback the value a mapping fix lacks, e.g. `map SKU ZZ-99 to netsuite item <item id>`. */
function mappingPhrase(d: Diagnosis, sourceKey?: string | null): string {
  const kind = String(d.suggestedFix.params.mappingKind ?? "");
  const connector = String(d.suggestedFix.params.connector ?? "");
  const noun = targetNoun(kind);
  return `map ${sourceNoun(kind)} ${sourceKey ?? `<${sourceNoun(kind).toLowerCase()}>`} to ${connector} ${noun} <${noun} id>`;
}

/**
 * The line after a diagnosis that says how to get its fix proposed here, or "" when the fix is a
 * person's job (new credentials, a corrected address, a routing rule).
 */
export function fixHint(d: Diagnosis, ref: string): string {
  const fix = d.suggestedFix;
  if (d.rootCause === "no_failure" || fix.kind === "none") return "";
  if (fix.kind === "update_mapping") {
    const open = mappingRowsOf(d).filter((r) => !r.targetKey);
    if (!open.length) return "";
    return `To have me propose this fix for an approver, tell me the ${targetNoun(String(fix.params.mappingKind ?? ""))}: "${open.map((r) => mappingPhrase(d, r.sourceKey)).join('", "')}".`;
  }
  if (fix.needs.length || !(REMEDIATION_KINDS as readonly string[]).includes(fix.kind)) return "";
  if (!parseRemediationParams(fix.kind as RemediationKind, fix.params).ok) return "";
  return `To have me propose this fix for an approver, say "fix ${ref}".`;
}

/** Key order does not matter when comparing a new proposal with one already waiting. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

const mentions = (text: string, key: string) => new RegExp(`(?<![\\w-])${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`, "i").test(text);

interface Located {
  d?: Diagnosis;
  /** How the answer refers to what failed: "order #1042", "evt_…", "failure group …". */
  ref: string;
  /** Said instead of a proposal when there is nothing to diagnose. */
  problem?: string;
}

async function* locate(intent: FixIntent, tool: ToolFn): Gen<Located> {
  if (intent.eventId) {
    const r = yield* tool("explain_failure", { eventId: intent.eventId });
    return r.ok ? { d: r.data as unknown as Diagnosis, ref: intent.eventId } : { ref: intent.eventId, problem: `I could not explain ${intent.eventId}: ${r.message}` };
  }
  if (intent.orderNumber) {
    const ref = `order ${intent.orderNumber}`;
    const events = yield* findOrderEvents(intent.orderNumber, tool);
    if (!events.length) return { ref, problem: `I found no events for ${ref}, so there is nothing to fix. Check the number as the channel shows it.` };
    const failing = failingEventOf(events);
    const d = dataOf<Diagnosis>(yield* tool("explain_failure", { eventId: failing.id }));
    return d ? { d, ref } : { ref, problem: `The diagnosis of ${failing.id} (${ref}) failed, so I cannot propose its fix.` };
  }
  const m = intent.mapping!;
  const list = yield* tool("list_failures", m.connector ? { connector: m.connector, includeQuarantine: false } : { includeQuarantine: false });
  if (!list.ok) return { ref: m.sourceKey, problem: `I could not list failures: ${list.message}` };
  const groups = (list.data as { groups: { failureKey: string; rootCause: string; title: string }[] }).groups;
  const g = groups.find((x) => MAPPING_CAUSES.has(x.rootCause) && (mentions(x.title, m.sourceKey) || mentions(x.failureKey, m.sourceKey)));
  if (!g) {
    return { ref: m.sourceKey, problem: `No open failure${m.connector ? ` at ${m.connector}` : ""} is about a missing mapping for ${m.sourceKey}, so there is nothing to replay. To add the mapping anyway, use the Mappings page.` };
  }
  const d = dataOf<Diagnosis>(yield* tool("explain_failure", { failureKey: g.failureKey }));
  return d ? { d, ref: `failure group \`${g.failureKey}\`` } : { ref: g.failureKey, problem: `The diagnosis of failure group \`${g.failureKey}\` failed, so I cannot propose its fix.` };
}

/** The playbook's mapping rows with the operator's value filled in, or why they cannot be. */
function fillMapping(d: Diagnosis, m: MappingAnswer | undefined): { rows: MappingRow[]; problem?: string } {
  const rows = mappingRowsOf(d).map((r) => ({ ...r }));
  if (!m) return { rows };
  const connector = String(d.suggestedFix.params.connector ?? "");
  if (m.connector && m.connector !== connector) return { rows, problem: `This failure is at ${connector}, not ${m.connector}: say "${mappingPhrase(d, m.sourceKey)}".` };
  const row = rows.find((r) => r.sourceKey?.toLowerCase() === m.sourceKey.toLowerCase()) ?? rows.find((r) => !r.sourceKey);
  if (!row) return { rows, problem: `This failure is about ${rows.map((r) => r.sourceKey).join(", ")}, not ${m.sourceKey}: say "${mappingPhrase(d, rows[0]?.sourceKey)}".` };
  row.sourceKey = row.sourceKey ?? m.sourceKey;
  row.targetKey = m.targetKey ?? row.targetKey;
  return { rows };
}

function titleOf(kind: RemediationKind, params: Record<string, unknown>, d: Diagnosis): string {
  if (kind === "update_mapping") {
    const rows = (params.mappings as MappingRow[]).map((r) => `${r.sourceKey} → ${r.targetKey}`).join(", ");
    return `Map ${rows} in ${String(params.connector)} (${String(params.mappingKind)}) and replay`;
  }
  const verb = { retry: "Retry", replay_from_stage: "Replay", reconnect_credentials: "Reconnect", push_correction: "Push correction" }[kind];
  return `${verb}: ${d.title}`;
}

/**
 * Proposes the playbook's fix for a failure the operator names (an order, an event, or the SKU of
 * a mapping failure with the value it needs), through propose_remediation like the model would:
 * the same scope check, dry run and approval gate. A matching proposal that is still waiting is
 * shown again instead of a second one. Fixes that need something only a person can supply are
 * explained, never guessed.
 */
export async function* proposeFix(rt: Runtime, intent: FixIntent, tool: ToolFn): Gen<{ text: string; cards: ProposalCard[] }> {
  const { d, ref, problem } = yield* locate(intent, tool);
  if (!d) return { text: problem ?? `Nothing to fix for ${ref}.`, cards: [] };
  if (d.rootCause === "no_failure") return { text: `${ref[0]!.toUpperCase()}${ref.slice(1)} did not fail (${d.title}): there is nothing to fix.`, cards: [] };
  const fix = d.suggestedFix;
  const about = `${d.title} (${d.label})`;
  const orders = d.affected.orders;
  const affected = orders.length ? ` Affected: ${orders.length === 1 ? "order" : "orders"} ${orders.slice(0, 10).join(", ")}${orders.length > 10 ? "…" : ""}.` : "";
  if (fix.kind === "none") return { text: `${about}: no remediation I can propose fixes this. ${fix.description}`, cards: [] };
  const kind = fix.kind as RemediationKind;

  let params: Record<string, unknown> = { ...fix.params };
  let needs = fix.needs;
  if (kind === "update_mapping") {
    const filled = fillMapping(d, intent.mapping);
    if (filled.problem) return { text: filled.problem, cards: [] };
    params = { ...params, mappings: filled.rows, replay: true };
    const open = filled.rows.filter((r) => !r.sourceKey || !r.targetKey);
    if (open.length) {
      return { text: `${about}. The fix maps ${open.map((r) => r.sourceKey ?? "the key").join(", ")} in ${String(params.connector)}, and I cannot look up which ${targetNoun(String(params.mappingKind))} that is. Tell me: "${open.map((r) => mappingPhrase(d, r.sourceKey)).join('", "')}", and I will propose it with a dry run.`, cards: [] };
    }
    needs = [];
  }
  if (needs.length) return { text: `${about}. The fix (${kind}: ${fix.description}) needs ${needs.join("; ")} first, which I cannot supply from here.`, cards: [] };
  const parsed = parseRemediationParams(kind, params);
  if (!parsed.ok) return { text: `${about}. The playbook's fix is incomplete (${parsed.error}); propose it from the Approvals page or with a model configured.`, cards: [] };

  if (d.failureKey) {
    const waiting = (await listRemediations(rt, { failureKey: d.failureKey, statuses: ["proposed", "approved"], limit: 20 })).find((r) => r.kind === kind && canonical(r.params) === canonical(parsed.params));
    if (waiting) {
      const card = proposalCardOf({ remediation: waiting })!;
      return { text: `${about}: this fix is already proposed as ${waiting.id} (${waiting.status}${waiting.approvedByPolicy ? ` by policy ${waiting.approvedByPolicy}` : ""}); dry run: ${waiting.dryRun?.summary ?? "n/a"}.${affected}`, cards: [card] };
    }
  }

  const evidence = [...(d.failureKey ? [{ kind: "failure_group", id: d.failureKey }] : []), ...d.evidence.map((e) => ({ kind: e.kind, id: e.id }))]
    .filter((e, i, all) => all.findIndex((x) => x.kind === e.kind && x.id === e.id) === i);
  const input = {
    kind,
    params: parsed.params,
    title: titleOf(kind, parsed.params, d).slice(0, 200),
    rationale: `${d.label}: ${d.explanation} Playbook: ${fix.description} (requested from the console chat${intent.mapping?.targetKey ? `; the ${targetNoun(String(params.mappingKind))} was named by the operator` : ""}).`,
    evidence,
  };
  let p = yield* tool("propose_remediation", input);
  // Evidence rows can move between the diagnosis and the proposal (a replay superseded them); the group alone is enough.
  if (!p.ok && p.code === "invalid" && /evidence/.test(p.message) && d.failureKey) p = yield* tool("propose_remediation", { ...input, evidence: [{ kind: "failure_group", id: d.failureKey }] });
  if (!p.ok) return { text: `${about}: I could not propose the fix: ${p.message}`, cards: [] };
  const card = proposalCardOf(p.data)!;
  const next = card.status === "approved"
    ? `Pre-approved by policy ${card.approvedByPolicy}: say "apply ${card.remediationId}" to run it.`
    : "Nothing changes until a person with the approver role approves it (on this card or the Approvals page); it is then applied and every step is recorded in the audit log.";
  return { text: `${about}: proposed ${card.remediationId}, "${card.title}". Dry run: ${card.dryRunSummary ?? "n/a"}.${affected} ${next}`, cards: [card] };
}
