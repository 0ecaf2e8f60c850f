import { z } from "zod";
import { appendAudit, type AuditActorType, type AuditInput } from "./audit";
import { ingressUrlOf, CONNECTOR_PROBES } from "./connector-probes";
import type { Db } from "./db/client";
import { insertCapturedEvents } from "./db/queries/capture-queries";
import { insertAttempts, releaseParked } from "./db/queries/delivery-queries";
import { getEventRow } from "./db/queries/event-read-queries";
import { countOpenParked, findParkedByDestinationClass, findParkedTargets, getQuarantineRows, markQuarantineReplayed, quarantineIdsOfGroup, setFailureGroupStatus, type ParkedTarget } from "./db/queries/failure-queries";
import { listConnectorRows, recentAttemptsOf } from "./db/queries/health-queries";
import { findMappings, upsertMappings, type MappingRow } from "./db/queries/mapping-queries";
import { recordNotifications } from "./db/queries/notification-queries";
import { claimApprovedRemediation, deliveryStates, finishRemediationRow, getRemediationRow, setRemediationOutcome, supersedeParked, type RemediationRow } from "./db/queries/remediation-queries";
import { log } from "./log";
import { entityKeysOf, parseEventData, upcastEvent, type EventType } from "./model";
import type { Runtime } from "./runtime";
import { deliveryIdOf, idempotencyKeyOf } from "./stages/capture";
import { stableId } from "./ids";

/**
 * Remediations: what a proposal may do, how it is dry-run, and how an approved one is applied.
 * Applying goes through exactly one door, applyRemediation, which claims the row only while it is
 * approved: no parameter, caller or transport can skip that statement.
 */
export const REMEDIATION_KINDS = ["retry", "replay_from_stage", "update_mapping", "reconnect_credentials", "push_correction"] as const;
export type RemediationKind = (typeof REMEDIATION_KINDS)[number];

const Scope = {
  failureKey: z.string().min(1).optional().describe("Every open parked delivery of this failure group"),
  deliveryIds: z.array(z.string()).max(1000).optional().describe("These parked deliveries"),
  eventIds: z.array(z.string()).max(1000).optional().describe("The parked deliveries of these events"),
};
const hasScope = (p: { failureKey?: string; deliveryIds?: string[]; eventIds?: string[] }) => !!(p.failureKey || p.deliveryIds?.length || p.eventIds?.length);
const scopeMessage = "give failureKey, deliveryIds or eventIds";

export const RemediationParams = {
  retry: z.object(Scope).refine(hasScope, scopeMessage),
  replay_from_stage: z
    .object({
      stage: z.enum(["deliver", "capture"]).describe("deliver: send parked deliveries again; capture: re-parse quarantined payloads"),
      refetch: z.boolean().default(false).describe("deliver only: reload the upstream record before writing (stale objects)"),
      quarantineIds: z.array(z.string()).max(1000).optional(),
      ...Scope,
    })
    .refine((p) => (p.stage === "capture" ? !!(p.quarantineIds?.length || p.failureKey?.startsWith("quarantine|")) : hasScope(p)), "capture needs quarantineIds or a quarantine failureKey; deliver needs failureKey, deliveryIds or eventIds"),
  update_mapping: z.object({
    connector: z.string().min(1).describe("The connector instance the mapping belongs to (the destination)"),
    mappingKind: z.string().min(1).describe("e.g. netsuite_item, quickbooks_item, shipstation_warehouse"),
    mappings: z.array(z.object({ sourceKey: z.string().min(1), targetKey: z.string().min(1) })).min(1).max(500),
    replay: z.boolean().default(true).describe("Replay the affected parked deliveries that the new mapping fixes"),
    ...Scope,
  }),
  reconnect_credentials: z.object({
    connector: z.string().min(1),
    replayParked: z.boolean().default(true).describe("Replay deliveries parked while the credentials were rejected"),
    resubscribeWebhooks: z.boolean().default(false).describe("Re-create missing webhook subscriptions (when the connector can)"),
  }),
  push_correction: z.object({
    eventId: z.string().min(1),
    patch: z.record(z.string(), z.unknown()).describe("JSON merge patch (RFC 7386) applied to the canonical payload"),
    destinations: z.array(z.string()).optional().describe("Only these destinations' parked deliveries (default: all parked ones of the event)"),
  }),
} satisfies Record<RemediationKind, z.ZodType>;

export type ParamsOf<K extends RemediationKind> = z.output<(typeof RemediationParams)[K]>;

export function parseRemediationParams(kind: RemediationKind, params: unknown): { ok: true; params: Record<string, unknown> } | { ok: false; error: string } {
  const r = RemediationParams[kind].safeParse(params);
  if (r.success) return { ok: true, params: r.data as Record<string, unknown> };
  return { ok: false, error: r.error.issues.map((i) => `${i.path.join(".") || "params"}: ${i.message}`).join("; ") };
}

export interface DryRunItem {
  /** The delivery, event or quarantine row the line is about. */
  subject: string;
  eventId?: string;
  orderNumber?: string | null;
  pass: boolean;
  why: string;
}

export interface DryRunResult {
  checked: number;
  wouldPass: number;
  wouldFail: number;
  /** "37 of 40 would now pass". */
  summary: string;
  items: DryRunItem[];
  truncated: boolean;
  notes: string[];
}

const MAX_TARGETS = 1000;
const MAX_ITEMS = 200;

/**
 * Re-runs normalize (canonical schema), the mapping lookups and the destination checks of the
 * affected payloads with the proposed fix applied in memory. Nothing is written and nothing is
 * delivered; the only outside call is a connector's read-only connection test (reconnect).
 */
export async function dryRunRemediation(rt: Runtime, kind: RemediationKind, params: Record<string, unknown>): Promise<DryRunResult> {
  switch (kind) {
    case "retry":
      return dryRunRetry(rt, params as ParamsOf<"retry">);
    case "replay_from_stage": {
      const p = params as ParamsOf<"replay_from_stage">;
      return p.stage === "capture" ? dryRunCapture(rt, p) : dryRunRetry(rt, p);
    }
    case "update_mapping":
      return dryRunMapping(rt, params as ParamsOf<"update_mapping">);
    case "reconnect_credentials":
      return dryRunReconnect(rt, params as ParamsOf<"reconnect_credentials">);
    case "push_correction":
      return dryRunCorrection(rt, params as ParamsOf<"push_correction">);
  }
}

function result(items: DryRunItem[], notes: string[] = [], what = "would now pass"): DryRunResult {
  const pass = items.filter((i) => i.pass).length;
  return {
    checked: items.length,
    wouldPass: pass,
    wouldFail: items.length - pass,
    summary: items.length ? `${pass} of ${items.length} ${what}` : "nothing to do: no open item matches",
    // Failures first: they are what an approver needs to read.
    items: [...items.filter((i) => !i.pass), ...items.filter((i) => i.pass)].slice(0, MAX_ITEMS),
    truncated: items.length > MAX_ITEMS,
    notes,
  };
}

function normalizes(t: { eventType: string; schemaVersion: number; payload?: unknown }): string | undefined {
  try {
    const { type, data } = upcastEvent({ schemaVersion: t.schemaVersion, type: t.eventType, data: t.payload });
    parseEventData(type, data);
    return undefined;
  } catch (e) {
    const issue = (e as { issues?: { path: (string | number)[]; message: string }[] }).issues?.[0];
    return issue ? `${issue.path.join(".")}: ${issue.message}` : (e as Error).message;
  }
}

interface DestinationHealth {
  ok: boolean;
  why: string;
}

async function destinationHealth(rt: Runtime, destination: string): Promise<DestinationHealth> {
  const dest = rt.directory.get(destination);
  if (!dest) return { ok: false, why: `no destination ${destination} is configured (or it is disabled)` };
  const [row] = await listConnectorRows(rt.store, destination);
  if (rt.engine.isStopped(destination) || row?.authState === "failed") return { ok: false, why: `${destination} is stopped until its credentials are reconnected` };
  const circuit = rt.engine.circuitState(destination);
  if (circuit === "open" || circuit === "isolated") return { ok: false, why: `${destination}'s circuit is ${circuit}: it is still failing` };
  const [latest] = (await recentAttemptsOf(rt.store, destination, 5)).filter((a) => a.outcome !== "rate_limited" && a.outcome !== "circuit_open");
  if (latest && (latest.outcome === "ok" || latest.outcome === "duplicate")) return { ok: true, why: `${destination} is healthy: circuit ${circuit}, latest attempt succeeded at ${latest.startedAt}` };
  return { ok: true, why: `${destination}: circuit ${circuit}, but no successful attempt since the failures (it may fail again)` };
}

async function scopeTargets(rt: Runtime, p: { failureKey?: string; deliveryIds?: string[]; eventIds?: string[] }, withPayload = true): Promise<ParkedTarget[]> {
  return findParkedTargets(rt.store, { failureKey: p.failureKey, deliveryIds: p.deliveryIds, eventIds: p.eventIds, limit: MAX_TARGETS, withPayload });
}

async function unmappedSkusOf(rt: Runtime, destination: string, skus: string[], proposed: Set<string> = new Set()): Promise<string[]> {
  const existing = new Set((await findMappings(rt.store, destination, skus)).map((m) => m.sourceKey));
  return skus.filter((s) => !existing.has(s) && !proposed.has(s));
}

async function dryRunRetry(rt: Runtime, p: ParamsOf<"retry">): Promise<DryRunResult> {
  const targets = await scopeTargets(rt, p);
  const health = new Map<string, DestinationHealth>();
  const items: DryRunItem[] = [];
  for (const t of targets) {
    const base = { subject: t.deliveryId, eventId: t.eventId, orderNumber: t.orderNumber ?? t.poNumber };
    const bad = normalizes(t);
    if (bad) {
      items.push({ ...base, pass: false, why: `payload no longer matches the canonical model: ${bad}` });
      continue;
    }
    if (!health.has(t.destination)) health.set(t.destination, await destinationHealth(rt, t.destination));
    const h = health.get(t.destination)!;
    if (!h.ok) {
      items.push({ ...base, pass: false, why: h.why });
      continue;
    }
    if (t.errorClass === "validation" || t.errorClass === "permanent") {
      const text = `${t.reason} ${t.field ?? ""}`.toLowerCase();
      const named = t.skus.filter((s) => text.includes(s.toLowerCase()));
      if (named.length && (await unmappedSkusOf(rt, t.destination, named)).length === 0) {
        items.push({ ...base, pass: true, why: `SKU ${named.join(", ")} now has a mapping for ${t.destination}` });
      } else {
        items.push({ ...base, pass: false, why: `would fail again: ${t.errorClass} error "${t.reason.slice(0, 160)}" is not fixed by sending the same payload` });
      }
      continue;
    }
    items.push({ ...base, pass: true, why: `${t.errorClass} failure; ${h.why}` });
  }
  return result(items);
}

async function mappingTargets(rt: Runtime, p: ParamsOf<"update_mapping">): Promise<ParkedTarget[]> {
  if (hasScope(p)) return (await scopeTargets(rt, p, false)).filter((t) => t.destination === p.connector);
  // No scope given: every delivery to this connector parked for a validation error.
  return findParkedByDestinationClass(rt.store, p.connector, "validation", MAX_TARGETS);
}

const isLocationKind = (kind: string) => /location|warehouse|node/i.test(kind);

async function dryRunMapping(rt: Runtime, p: ParamsOf<"update_mapping">): Promise<DryRunResult> {
  const targets = await mappingTargets(rt, p);
  const proposed = new Map(p.mappings.map((m) => [m.sourceKey, m.targetKey]));
  const notes: string[] = [];
  const existing = await findMappings(rt.store, p.connector, [...proposed.keys()], [p.mappingKind]);
  for (const e of existing) if (e.targetKey !== proposed.get(e.sourceKey)) notes.push(`replaces ${p.mappingKind} ${e.sourceKey} → ${e.targetKey} with → ${proposed.get(e.sourceKey)}`);
  const withPayload = targets.length ? await findParkedTargets(rt.store, { deliveryIds: targets.map((t) => t.deliveryId), limit: MAX_TARGETS, withPayload: true }) : [];
  const items: DryRunItem[] = [];
  for (const t of withPayload) {
    const base = { subject: t.deliveryId, eventId: t.eventId, orderNumber: t.orderNumber ?? t.poNumber };
    const bad = normalizes(t);
    if (bad) {
      items.push({ ...base, pass: false, why: `payload no longer matches the canonical model: ${bad}` });
      continue;
    }
    if (isLocationKind(p.mappingKind)) {
      const text = `${t.reason} ${t.field ?? ""}`.toLowerCase();
      const hit = [...proposed.keys()].find((k) => text.includes(k.toLowerCase()));
      items.push(hit ? { ...base, pass: true, why: `${hit} now maps to ${p.mappingKind} ${proposed.get(hit)}` } : { ...base, pass: false, why: `the error does not name any proposed ${p.mappingKind} key: "${t.reason.slice(0, 160)}"` });
      continue;
    }
    // The SKUs the error names are the ones that failed to resolve; the others resolved upstream.
    const text = `${t.reason} ${t.field ?? ""}`.toLowerCase();
    const named = t.skus.filter((s) => text.includes(s.toLowerCase()));
    if (!named.length && !/item|sku|product|variant/i.test(`${t.field ?? ""} ${t.reason}`)) {
      items.push({ ...base, pass: false, why: `failed for another reason a SKU mapping does not fix: ${t.errorClass}: ${t.reason.slice(0, 160)}` });
      continue;
    }
    const suspects = named.length ? named : t.skus;
    const unresolved = await unmappedSkusOf(rt, t.destination, suspects, new Set(proposed.keys()));
    if (unresolved.length) items.push({ ...base, pass: false, why: `still unmapped for ${t.destination}: ${unresolved.join(", ")}` });
    else items.push({ ...base, pass: true, why: `the rejected SKU${suspects.length > 1 ? "s" : ""} now resolve${suspects.length > 1 ? "" : "s"}: ${suspects.map((s) => `${s} → ${proposed.get(s) ?? "existing mapping"}`).join(", ")}` });
  }
  return result(items, notes);
}

async function testConnection(rt: Runtime, connector: string): Promise<{ ok: boolean; detail: string }> {
  const inst = rt.directory.instance(connector);
  if (!inst) return { ok: false, detail: `${connector} is not a configured connector instance: there is no connection test to run` };
  try {
    const r = await Promise.race([
      inst.definition.testConnection(inst.client),
      new Promise<never>((_, rej) => setTimeout(() => rej(new Error("connection test timed out after 15 s")), 15_000).unref?.()),
    ]);
    return { ok: true, detail: r.detail };
  } catch (e) {
    return { ok: false, detail: (e as Error).message.slice(0, 300) };
  }
}

async function dryRunReconnect(rt: Runtime, p: ParamsOf<"reconnect_credentials">): Promise<DryRunResult> {
  const test = await testConnection(rt, p.connector);
  const notes = [`connection test: ${test.ok ? "passed" : "failed"}: ${test.detail}`];
  if (p.resubscribeWebhooks) {
    const probe = CONNECTOR_PROBES[rt.directory.instance(p.connector)?.definition.id ?? ""];
    notes.push(probe?.ensureSubscriptions ? (ingressUrlOf(rt.config.publicUrl, p.connector) ? `would re-create missing ${probe.expectedTopics.join(", ")} subscriptions` : "cannot re-subscribe: LOOPKEEPER_PUBLIC_URL is not set") : `${p.connector} cannot manage its webhook subscriptions through its API`);
  }
  const targets = p.replayParked ? await findParkedByDestinationClass(rt.store, p.connector, "auth", MAX_TARGETS) : [];
  const items: DryRunItem[] = targets.map((t) => ({
    subject: t.deliveryId, eventId: t.eventId, orderNumber: t.orderNumber ?? t.poNumber,
    pass: test.ok, why: test.ok ? "credentials work again: the delivery would be replayed" : `connection test failed: ${test.detail}`,
  }));
  if (items.length === 0) items.push({ subject: p.connector, pass: test.ok, why: notes[0]! });
  return result(items, notes);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

async function dryRunCorrection(rt: Runtime, p: ParamsOf<"push_correction">): Promise<DryRunResult> {
  const event = await getEventRow(rt.store, p.eventId);
  if (!event) return { ...result([]), summary: `event ${p.eventId} does not exist`, notes: [`event ${p.eventId} does not exist`] };
  const patched = mergePatch(event.payload, p.patch);
  let schemaError: string | undefined;
  try {
    parseEventData(event.type as EventType, patched);
  } catch (e) {
    const issue = (e as { issues?: { path: (string | number)[]; message: string }[] }).issues?.[0];
    schemaError = issue ? `${issue.path.join(".")}: ${issue.message}` : (e as Error).message;
  }
  const targets = (await findParkedTargets(rt.store, { eventIds: [p.eventId], limit: 100 })).filter((t) => !p.destinations || p.destinations.includes(t.destination));
  const keys = entityKeysSafe(event.type, patched);
  const items: DryRunItem[] = [];
  for (const t of targets) {
    const base = { subject: t.deliveryId, eventId: t.eventId, orderNumber: event.orderNumber ?? event.poNumber };
    if (schemaError) {
      items.push({ ...base, pass: false, why: `the corrected payload does not match the canonical model: ${schemaError}` });
      continue;
    }
    const unmapped = (t.errorClass === "validation" && /sku|item/i.test(`${t.field ?? ""} ${t.reason}`)) ? await unmappedSkusOf(rt, t.destination, keys.skus ?? []) : [];
    if (unmapped.length) {
      items.push({ ...base, pass: false, why: `corrected payload still has SKUs unmapped for ${t.destination}: ${unmapped.join(", ")}` });
      continue;
    }
    items.push({ ...base, pass: true, why: `corrected payload is valid; changes ${changedPaths(p.patch).join(", ") || "nothing"}; the parked ${t.destination}.${t.action} is replaced by a delivery of the corrected event` });
  }
  return result(items, schemaError ? [`schema: ${schemaError}`] : [], "would now pass with the corrected payload");
}

function entityKeysSafe(type: string, data: unknown): { skus?: string[] } {
  try {
    return entityKeysOf(type as EventType, data);
  } catch {
    return { skus: [] };
  }
}

function changedPaths(patch: unknown, prefix = ""): string[] {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return [prefix || "(root)"];
  return Object.entries(patch as Record<string, unknown>).flatMap(([k, v]) => (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length ? changedPaths(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

async function quarantineIdsOf(rt: Runtime, p: ParamsOf<"replay_from_stage">): Promise<string[]> {
  if (p.quarantineIds?.length) return p.quarantineIds;
  return p.failureKey?.startsWith("quarantine|") ? quarantineIdsOfGroup(rt.store, p.failureKey, MAX_TARGETS) : [];
}

type Reparse = { ok: true; kind: "events"; events: { type: string; sourceEventId: string }[]; raw: unknown } | { ok: true; kind: "notifications"; raw: unknown; count: number } | { ok: false; why: string };

function reparse(rt: Runtime, q: { connector: string; headers: Record<string, string>; body: string }): Reparse {
  const inst = rt.directory.instance(q.connector);
  if (!inst?.definition.webhooks) return { ok: false, why: `${q.connector} is not a configured connector that receives webhooks` };
  try {
    const parsed = inst.definition.webhooks.parse({ headers: q.headers, rawBody: q.body, query: {} });
    if (parsed.kind === "ignored") return { ok: false, why: `the connector ignores it: ${parsed.reason}` };
    if (parsed.kind === "notifications") return { ok: true, kind: "notifications", raw: parsed, count: parsed.notifications.length };
    for (const e of parsed.events) parseEventData(e.type, e.data);
    return { ok: true, kind: "events", events: parsed.events.map((e) => ({ type: e.type, sourceEventId: e.sourceEventId })), raw: parsed };
  } catch (e) {
    const issue = (e as { issues?: { path: (string | number)[]; message: string }[] }).issues?.[0];
    return { ok: false, why: `still rejected: ${issue ? `${issue.path.join(".")}: ${issue.message}` : (e as Error).message}`.slice(0, 300) };
  }
}

async function dryRunCapture(rt: Runtime, p: ParamsOf<"replay_from_stage">): Promise<DryRunResult> {
  const rows = await getQuarantineRows(rt.store, await quarantineIdsOf(rt, p));
  const items: DryRunItem[] = rows.map((q) => {
    if (q.replayedAt) return { subject: q.id, pass: false, why: `already replayed at ${q.replayedAt}` };
    const r = reparse(rt, q);
    return r.ok ? { subject: q.id, pass: true, why: r.kind === "events" ? `parses now: ${r.events.length} event(s) ${r.events.map((e) => e.type).join(", ")}` : `parses now: ${r.count} notification(s) to fetch` } : { subject: q.id, pass: false, why: r.why };
  });
  return result(items, [], "would now be captured");
}

export interface ApplyActor {
  type: AuditActorType;
  id: string;
}

export type ApplyResult =
  | { ok: true; remediationId: string; status: "applied" | "failed"; caused: CausedWork; outcome: RemediationOutcome }
  | { ok: false; code: "not_found" | "awaiting_approval" | "refused"; message: string };

export interface CausedWork {
  deliveryIds: string[];
  eventIds: string[];
  mappings: MappingRow[];
  resumed: string[];
  quarantineIds: string[];
  notes: string[];
}

export interface RemediationOutcome {
  settled: boolean;
  succeeded: number;
  parked: number;
  pending: number;
  skipped: number;
  error?: string;
  deliveries: { id: string; destination: string; status: string; externalId: string | null; lastError: string | null }[];
}

/**
 * Applies an approved remediation, once. Refuses a proposed, rejected, applied or failed one,
 * whatever the caller claims: the claim is a conditional UPDATE on status = 'approved'. Records
 * the work it caused and the outcome in the audit chain. Waits up to `waitMs` for the deliveries
 * it caused to settle; the outcome is recorded later (in this process) if they take longer.
 */
export async function applyRemediation(rt: Runtime, actor: ApplyActor, id: string, opts: { waitMs?: number } = {}): Promise<ApplyResult> {
  const claimed = await claimApprovedRemediation(rt.store, id);
  if (!claimed) {
    const row = await getRemediationRow(rt.store, id);
    const refusal = refusalOf(id, row);
    if (row) await appendAudit(rt.store, { actorType: actor.type, actorId: actor.id, action: "remediation.apply_refused", subject: `remediation:${id}`, reason: refusal.message, before: { status: row.status } });
    return refusal;
  }
  const subject = `remediation:${id}`;
  const by = `remediation:${id}`;
  await appendAudit(rt.store, { actorType: actor.type, actorId: actor.id, action: "remediation.apply_started", subject, reason: claimed.approvedByPolicy ? `approved by policy ${claimed.approvedByPolicy}` : `approved by ${claimed.decidedBy}`, before: { status: "approved" } });
  const caused: CausedWork = { deliveryIds: [], eventIds: [], mappings: [], resumed: [], quarantineIds: [], notes: [] };
  const steps: AuditInput[] = [];
  let failure: string | undefined;
  try {
    failure = await execute(rt, claimed, by, caused, steps, actor);
  } catch (e) {
    failure = `unexpected error while applying: ${(e as Error).message}`;
    log.error({ remediation: id, err: (e as Error).message }, "remediation failed while applying");
  }
  if (steps.length) await appendAudit(rt.store, steps);
  const status = failure ? "failed" : "applied";
  let outcome: RemediationOutcome = { settled: true, succeeded: 0, parked: 0, pending: 0, skipped: 0, deliveries: [], ...(failure ? { error: failure } : {}) };
  await finishRemediationRow(rt.store, id, status, outcome);
  await appendAudit(rt.store, { actorType: actor.type, actorId: actor.id, action: failure ? "remediation.failed" : "remediation.applied", subject, reason: failure ?? null, after: { caused } });
  if (!failure) {
    outcome = await settleOutcome(rt, claimed, caused.deliveryIds, opts.waitMs ?? 5_000);
    if (!outcome.settled) watchOutcome(rt, claimed, caused.deliveryIds);
  }
  return { ok: true, remediationId: id, status, caused, outcome };
}

function refusalOf(id: string, row: RemediationRow | undefined): Extract<ApplyResult, { ok: false }> {
  if (!row) return { ok: false, code: "not_found", message: `no remediation ${id}` };
  switch (row.status) {
    case "proposed":
      return { ok: false, code: "awaiting_approval", message: `remediation ${id} is awaiting approval: a human with the approver role (console, or an MCP client with an approve-scoped token) must approve it before it can be applied` };
    case "rejected":
      return { ok: false, code: "refused", message: `remediation ${id} was rejected by ${row.decidedBy}${row.decisionReason ? `: ${row.decisionReason}` : ""}; propose a new one if the situation changed` };
    case "applied":
      return { ok: false, code: "refused", message: `remediation ${id} was already applied at ${row.appliedAt}: a remediation runs once` };
    case "failed":
      return { ok: false, code: "refused", message: `remediation ${id} already ran and failed: propose a new one` };
    case "approved":
      return { ok: false, code: "refused", message: `remediation ${id} is being applied by another caller` };
  }
}

async function execute(rt: Runtime, row: RemediationRow, by: string, caused: CausedWork, steps: AuditInput[], actor: ApplyActor): Promise<string | undefined> {
  const kind = row.kind as RemediationKind;
  const parsed = parseRemediationParams(kind, row.params);
  if (!parsed.ok) return `stored params no longer parse: ${parsed.error}`;
  const subject = `remediation:${row.id}`;
  const step = (action: string, s: Partial<AuditInput>) => steps.push({ actorType: actor.type, actorId: actor.id, action, subject, ...s });
  switch (kind) {
    case "retry":
    case "replay_from_stage": {
      const p = parsed.params as ParamsOf<"replay_from_stage">;
      if (kind === "replay_from_stage" && p.stage === "capture") return replayQuarantine(rt, p, caused, step);
      const targets = await scopeTargets(rt, p, false);
      if (targets.length === 0) return "nothing to replay: no open parked delivery matches (already replayed or resolved)";
      const ids = targets.map((t) => t.deliveryId);
      if (kind === "replay_from_stage" && p.refetch) {
        const released = await releaseParked(rt.store, ids, by);
        await rt.engine.enqueueDeliveries(released.map((r) => ({ ...r, refetch: true })));
        caused.deliveryIds.push(...released.map((r) => r.id));
      } else {
        caused.deliveryIds.push(...(await rt.engine.replayParked(ids, by)).map((r) => r.id));
      }
      step("deliveries.replayed", { after: { deliveryIds: caused.deliveryIds, refetch: kind === "replay_from_stage" && p.refetch } });
      return undefined;
    }
    case "update_mapping": {
      const p = parsed.params as ParamsOf<"update_mapping">;
      if (!rt.directory.get(p.connector) && !rt.directory.instance(p.connector)) return `no connector ${p.connector} is configured`;
      const before = await findMappings(rt.store, p.connector, p.mappings.map((m) => m.sourceKey), [p.mappingKind]);
      const rows: MappingRow[] = p.mappings.map((m) => ({ kind: p.mappingKind, connector: p.connector, sourceKey: m.sourceKey, targetKey: m.targetKey }));
      await upsertMappings(rt.store.db as Db, rows);
      rt.engine.mappings.invalidate();
      caused.mappings.push(...rows);
      step("mapping.updated", { before: before.map(({ id: _id, ...m }) => m), after: rows });
      if (p.replay) {
        const dry = await dryRunMapping(rt, p);
        const passing = dry.items.filter((i) => i.pass).map((i) => i.subject);
        if (dry.truncated) caused.notes.push("more than 200 affected deliveries: only the first 200 checked were replayed; apply a retry for the rest");
        caused.deliveryIds.push(...(await rt.engine.replayParked(passing, by)).map((r) => r.id));
        if (dry.wouldFail) caused.notes.push(`${dry.wouldFail} affected deliveries stay parked: ${dry.items.find((i) => !i.pass)?.why}`);
        step("deliveries.replayed", { after: { deliveryIds: caused.deliveryIds } });
      }
      return undefined;
    }
    case "reconnect_credentials": {
      const p = parsed.params as ParamsOf<"reconnect_credentials">;
      const test = await testConnection(rt, p.connector);
      step("connector.connection_tested", { after: { ok: test.ok, detail: test.detail } });
      if (!test.ok) return `connection test failed, ${p.connector} stays stopped: ${test.detail}`;
      await rt.engine.resumeConnector(p.connector);
      caused.resumed.push(p.connector);
      step("connector.resumed", { before: { stopped: true }, after: { stopped: false } });
      if (p.resubscribeWebhooks) {
        const inst = rt.directory.instance(p.connector)!;
        const probe = CONNECTOR_PROBES[inst.definition.id];
        const url = ingressUrlOf(rt.config.publicUrl, p.connector);
        if (!probe?.ensureSubscriptions) caused.notes.push(`${p.connector} cannot manage webhook subscriptions through its API: re-create it in ${inst.definition.displayName}`);
        else if (!url) caused.notes.push("LOOPKEEPER_PUBLIC_URL is not set: cannot tell the source where to send webhooks");
        else {
          const r = await probe.ensureSubscriptions(inst, url);
          step("connector.webhooks_subscribed", { after: r });
          caused.notes.push(r.created ? `webhook subscription ${r.id} created` : `webhook subscription ${r.id} was already in place`);
        }
      }
      if (p.replayParked) {
        const targets = await findParkedByDestinationClass(rt.store, p.connector, "auth", MAX_TARGETS);
        caused.deliveryIds.push(...(await rt.engine.replayParked(targets.map((t) => t.deliveryId), by)).map((r) => r.id));
        if (caused.deliveryIds.length) step("deliveries.replayed", { after: { deliveryIds: caused.deliveryIds } });
      }
      return undefined;
    }
    case "push_correction":
      return pushCorrection(rt, row, parsed.params as ParamsOf<"push_correction">, by, caused, step);
  }
}

async function pushCorrection(rt: Runtime, row: RemediationRow, p: ParamsOf<"push_correction">, by: string, caused: CausedWork, step: (action: string, s: Partial<AuditInput>) => void): Promise<string | undefined> {
  const event = await getEventRow(rt.store, p.eventId);
  if (!event) return `event ${p.eventId} does not exist`;
  const targets = (await findParkedTargets(rt.store, { eventIds: [p.eventId], limit: 100 })).filter((t) => !p.destinations || p.destinations.includes(t.destination));
  if (targets.length === 0) return `event ${p.eventId} has no parked delivery to correct`;
  const { type } = upcastEvent({ schemaVersion: event.schemaVersion, type: event.type, data: event.payload });
  let data: unknown;
  try {
    data = parseEventData(type, mergePatch(event.payload, p.patch));
  } catch (e) {
    return `the corrected payload does not match the canonical model: ${(e as Error).message.slice(0, 300)}`;
  }
  const keys = entityKeysOf(type, data);
  const sourceEventId = `${event.sourceEventId}#correction:${row.id}`;
  const id = stableId("evt", event.sourceConnector, sourceEventId);
  const now = new Date().toISOString();
  const deliveries = targets.map((t) => ({
    id: deliveryIdOf(id, t.destination, t.action),
    eventId: id,
    destination: t.destination,
    action: t.action,
    dependsOn: null,
    idempotencyKey: idempotencyKeyOf(id, t.destination, t.action),
    status: "pending" as const,
  }));
  await insertCapturedEvents(rt.store, [{
    event: {
      id, schemaVersion: event.schemaVersion, type, sourceConnector: event.sourceConnector, sourceEventId,
      orderNumber: keys.orderNumber ?? null, poNumber: keys.poNumber ?? null, skus: keys.skus ?? [], customer: keys.customer ?? null,
      correlationId: event.correlationId, causationId: event.id, rawPayloadId: null, payload: data,
      occurredAt: event.occurredAt, receivedAt: now,
    },
    deliveries,
  }]);
  const superseded = await supersedeParked(rt.store, targets.map((t) => t.deliveryId), `${by} (corrected as ${id})`);
  await insertAttempts(rt.store, [
    { eventId: event.id, stage: "remediate", attemptNo: 1, startedAt: now, outcome: "skipped", errorMessage: `parked deliveries ${superseded.join(", ")} superseded by corrected event ${id} (${by})` },
    { eventId: id, stage: "remediate", attemptNo: 1, startedAt: now, outcome: "ok", errorMessage: `captured as a correction of ${event.id} by ${by}: changed ${changedPaths(p.patch).join(", ")}` },
  ]);
  await rt.engine.enqueueDeliveries(deliveries.map((d) => ({ id: d.id, destination: d.destination, nextAttemptAt: null })));
  caused.eventIds.push(id);
  caused.deliveryIds.push(...deliveries.map((d) => d.id));
  step("event.corrected", { before: { eventId: event.id, parkedDeliveryIds: superseded }, after: { eventId: id, deliveryIds: caused.deliveryIds, changed: changedPaths(p.patch) } });
  return undefined;
}

async function replayQuarantine(rt: Runtime, p: ParamsOf<"replay_from_stage">, caused: CausedWork, step: (action: string, s: Partial<AuditInput>) => void): Promise<string | undefined> {
  const rows = (await getQuarantineRows(rt.store, await quarantineIdsOf(rt, p))).filter((q) => !q.replayedAt);
  if (rows.length === 0) return "nothing to replay: the quarantined payloads were already replayed";
  const failed: string[] = [];
  for (const q of rows) {
    const r = reparse(rt, q);
    if (!r.ok) {
      failed.push(`${q.id}: ${r.why}`);
      continue;
    }
    if (r.kind === "events") {
      const parsed = r.raw as { events: Parameters<Runtime["engine"]["capture"]>[1] };
      const outcomes = await rt.engine.capture(q.connector, parsed.events);
      caused.eventIds.push(...outcomes.map((o) => o.eventId));
      caused.deliveryIds.push(...outcomes.flatMap((o) => o.deliveries.map((d) => d.id)));
      await markQuarantineReplayed(rt.store, q.id, outcomes[0]?.eventId ?? null);
    } else {
      const parsed = r.raw as { notifications: { sourceEventId: string; resource: string; topic?: string }[] };
      const recorded = await recordNotifications(rt.store, q.connector, q.id, parsed.notifications);
      await rt.enqueueNotificationFetches(recorded.filter((x) => x.fresh).map((x) => x.id), q.connector);
      await markQuarantineReplayed(rt.store, q.id, null);
    }
    caused.quarantineIds.push(q.id);
  }
  if (failed.length) caused.notes.push(`${failed.length} quarantined payloads still do not parse: ${failed.slice(0, 3).join("; ")}`);
  step("quarantine.replayed", { after: { quarantineIds: caused.quarantineIds, eventIds: caused.eventIds } });
  return caused.quarantineIds.length ? undefined : `none of the ${rows.length} quarantined payloads parse yet: ${failed[0]}`;
}

const FINAL = new Set(["succeeded", "parked", "skipped"]);

async function outcomeNow(rt: Runtime, deliveryIds: string[]): Promise<RemediationOutcome> {
  const states = await deliveryStates(rt.store, deliveryIds);
  const n = (s: string) => states.filter((d) => d.status === s).length;
  return {
    settled: states.every((d) => FINAL.has(d.status)),
    succeeded: n("succeeded"),
    parked: n("parked"),
    skipped: n("skipped"),
    pending: states.filter((d) => !FINAL.has(d.status)).length,
    deliveries: states.slice(0, 100).map((d) => ({ id: d.id, destination: d.destination, status: d.status, externalId: d.externalId, lastError: d.status === "parked" ? d.lastError : null })),
  };
}

/** Polls the caused deliveries until they settle or the wait runs out; records the outcome when settled. */
async function settleOutcome(rt: Runtime, row: RemediationRow, deliveryIds: string[], waitMs: number): Promise<RemediationOutcome> {
  const deadline = Date.now() + waitMs;
  let outcome = await outcomeNow(rt, deliveryIds);
  while (!outcome.settled && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    outcome = await outcomeNow(rt, deliveryIds);
  }
  if (outcome.settled) await recordOutcome(rt, row, outcome);
  else await setRemediationOutcome(rt.store, row.id, outcome);
  return outcome;
}

const watching = new Set<string>();

function watchOutcome(rt: Runtime, row: RemediationRow, deliveryIds: string[]): void {
  if (watching.has(row.id)) return;
  watching.add(row.id);
  const deadline = Date.now() + 30 * 60_000;
  const tick = async () => {
    try {
      const outcome = await outcomeNow(rt, deliveryIds);
      if (outcome.settled || Date.now() > deadline) {
        watching.delete(row.id);
        await recordOutcome(rt, row, outcome);
        return;
      }
      setTimeout(() => void tick(), 2_000).unref?.();
    } catch (e) {
      watching.delete(row.id);
      log.warn({ remediation: row.id, err: (e as Error).message }, "could not record a remediation outcome");
    }
  };
  setTimeout(() => void tick(), 2_000).unref?.();
}

/** Writes the outcome to the row and the audit chain; resolves the failure group when nothing is left parked. */
async function recordOutcome(rt: Runtime, row: RemediationRow, outcome: RemediationOutcome): Promise<void> {
  await setRemediationOutcome(rt.store, row.id, outcome);
  const entries: AuditInput[] = [{
    actorType: "system", actorId: "pipeline", action: "remediation.outcome", subject: `remediation:${row.id}`,
    reason: outcome.settled ? `${outcome.succeeded} succeeded, ${outcome.parked} parked again` : `${outcome.pending} still pending when the watch ended`,
    after: { succeeded: outcome.succeeded, parked: outcome.parked, pending: outcome.pending, skipped: outcome.skipped, deliveries: outcome.deliveries.map((d) => ({ id: d.id, status: d.status, externalId: d.externalId })) },
  }];
  if (row.failureKey && outcome.settled && outcome.parked === 0 && !row.failureKey.startsWith("quarantine|")) {
    const left = await countOpenParked(rt.store, row.failureKey, 1);
    if (left.count === 0) {
      await setFailureGroupStatus(rt.store, row.failureKey, "resolved");
      entries.push({ actorType: "system", actorId: "pipeline", action: "failure_group.resolved", subject: `failure_group:${row.failureKey}`, reason: `nothing left parked after remediation ${row.id}` });
    }
  }
  await appendAudit(rt.store, entries);
}
