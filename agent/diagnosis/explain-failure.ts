import type { Store } from "../../pipeline/db/client";
import { attemptsOfDelivery, deliveriesOfEvents, getEventRow, type AttemptView, type DeliveryView, type EventDetailRow } from "../../pipeline/db/queries/event-read-queries";
import { countOpenParked, failureGroupSummary, findParkedTargets, getFailureGroup, listQuarantineGroups, type ParkedTarget } from "../../pipeline/db/queries/failure-queries";
import { inboundActivityOf, listConnectorRows, recentAttemptsOf, type ConnectorRow, type RecentAttempt } from "../../pipeline/db/queries/health-queries";
import { findMappings, mappingKindsOf, type MappingRow } from "../../pipeline/db/queries/mapping-queries";
import { isKnownType, locationMappingKindFor, skuMappingKindFor, suggestFix, type SuggestedFix } from "./playbook";
import { classifyFacts, classifyQuarantine, type FailureFacts, type RuleHit } from "./rules";
import { ROOT_CAUSE_LABELS, type RootCause } from "./taxonomy";

export type ExplainInput = { eventId: string } | { failureKey: string } | { connector: string };

export type EvidenceKind = "event" | "delivery" | "parked_delivery" | "attempt" | "failure_group" | "mapping" | "connector" | "quarantine";

/** One fact the diagnosis rests on. `id` is the primary key of an existing row of that kind. */
export interface EvidenceItem {
  kind: EvidenceKind;
  id: string;
  summary: string;
}

export interface Diagnosis {
  subject: { kind: "event" | "failure_group" | "quarantine_group" | "connector"; id: string };
  rootCause: RootCause;
  label: string;
  title: string;
  confidence: number;
  explanation: string;
  evidence: EvidenceItem[];
  suggestedFix: SuggestedFix;
  affected: { events: number; eventsCapped: boolean; eventIds: string[]; orders: string[]; connectors: string[] };
  failureKey: string | null;
  /** Other causes that also matched, weaker. */
  alternatives: { rootCause: RootCause; confidence: number }[];
}

/** Live state the database does not hold: the engine's breakers and stop list, and a connector's webhook subscriptions. */
export interface DiagnosisSignals {
  circuitState?(destination: string): string;
  isStopped?(destination: string): boolean;
  webhookState?(connector: string): Promise<WebhookState | undefined>;
}

export interface WebhookState {
  supported: boolean;
  expectedTopics: string[];
  missingTopics: string[];
  subscriptions: { id: string; event: string; active: boolean; target: string }[];
  /** Records the source's API shows since our last webhook from it (when the connector can count them). */
  upstreamActivity?: { since: string; count: number };
  error?: string;
}

/**
 * The deterministic diagnosis of one event, failure group or connector: the root cause, the
 * evidence (rows that exist), a confidence, and the fix from the playbook. No LLM; a handful
 * of indexed queries. Returns undefined when the subject does not exist.
 */
export async function explainFailure(store: Store, input: ExplainInput, signals: DiagnosisSignals = {}): Promise<Diagnosis | undefined> {
  if ("eventId" in input) return explainEvent(store, input.eventId, signals);
  if ("failureKey" in input) return input.failureKey.startsWith("quarantine|") ? explainQuarantineGroup(store, input.failureKey) : explainGroup(store, input.failureKey, signals);
  return explainConnector(store, input.connector, signals);
}

async function explainEvent(store: Store, eventId: string, signals: DiagnosisSignals): Promise<Diagnosis | undefined> {
  const event = await getEventRow(store, eventId);
  if (!event) return undefined;
  const deliveries = await deliveriesOfEvents(store, [eventId]);
  const primary = pickFailingDelivery(deliveries);
  const eventEvidence: EvidenceItem = { kind: "event", id: event.id, summary: `${event.type} from ${event.sourceConnector}${event.orderNumber ? ` (order ${event.orderNumber})` : ""}, status ${event.status}` };
  if (!primary) return explainQuietEvent(event, deliveries, eventEvidence);

  const [attempts, ctx, group] = await Promise.all([
    attemptsOfDelivery(store, primary.id, event.id, 20),
    destinationContext(store, primary.destination, event.skus, signals),
    primary.failureKey && primary.status === "parked" ? groupContext(store, primary.failureKey) : undefined,
  ]);
  const facts = factsOf(primary, attempts, event.skus, ctx, primary.status === "parked" ? "parked" : primary.status === "blocked" ? "blocked" : "waiting");
  const hits = classifyFacts(facts);
  const evidence: EvidenceItem[] = [eventEvidence, ...deliveryEvidence(primary, attempts), ...ctx.evidence(facts)];
  if (group?.row) evidence.push({ kind: "failure_group", id: group.row.key, summary: `failure group "${group.row.title}": ${group.count.count}${group.count.capped ? "+" : ""} open parked deliveries` });
  return assemble({
    subject: { kind: "event", id: event.id },
    hits,
    facts,
    evidence,
    failureKey: primary.failureKey,
    eventId: event.id,
    openParked: group ? group.count.count : primary.status === "parked" ? 1 : 0,
    affected: group
      ? { events: group.count.events, eventsCapped: group.count.capped, eventIds: group.sample.eventIds.slice(0, 20), orders: group.sample.orders.slice(0, 20), connectors: uniq([primary.destination, ...group.sample.sources]) }
      : { events: 1, eventsCapped: false, eventIds: [event.id], orders: [event.orderNumber ?? event.poNumber].filter((x): x is string => !!x), connectors: uniq([event.sourceConnector, primary.destination]) },
    ctx,
    sourceConnector: event.sourceConnector,
  });
}

async function explainGroup(store: Store, key: string, signals: DiagnosisSignals): Promise<Diagnosis | undefined> {
  const row = await getFailureGroup(store, key);
  if (!row) return undefined;
  const targets = await findParkedTargets(store, { failureKey: key, limit: 50 });
  const groupEvidence: EvidenceItem = { kind: "failure_group", id: key, summary: `failure group "${row.title}" (${row.status}), first seen ${row.firstSeenAt}, last seen ${row.lastSeenAt}` };
  if (targets.length === 0) {
    return {
      subject: { kind: "failure_group", id: key },
      rootCause: "no_failure",
      label: ROOT_CAUSE_LABELS.no_failure,
      title: `No open failures under "${row.title}"`,
      confidence: 0.9,
      explanation: "Every delivery parked under this group was replayed, superseded or resolved.",
      evidence: [groupEvidence],
      suggestedFix: suggestFix({ cause: "no_failure", unmappedSkus: [], openParked: 0, waiting: false }),
      affected: { events: 0, eventsCapped: false, eventIds: [], orders: [], connectors: row.connector ? [row.connector] : [] },
      failureKey: key,
      alternatives: [],
    };
  }
  const latest = targets[0]!;
  const skus = uniq(targets.flatMap((t) => t.skus ?? []));
  const [attempts, ctx, count] = await Promise.all([
    attemptsOfDelivery(store, latest.deliveryId, latest.eventId, 20),
    destinationContext(store, latest.destination, skus, signals),
    countOpenParked(store, key),
  ]);
  const facts = factsOf(parkedAsDelivery(latest), attempts, skus, ctx, "parked");
  const hits = classifyFacts(facts);
  const sample = {
    eventIds: uniq(targets.map((t) => t.eventId)),
    orders: uniq(targets.map((t) => t.orderNumber ?? t.poNumber).filter((x): x is string => !!x)),
    sources: uniq(targets.map((t) => t.sourceConnector)),
  };
  const evidence: EvidenceItem[] = [
    groupEvidence,
    { kind: "event", id: latest.eventId, summary: `latest affected event: ${latest.eventType} from ${latest.sourceConnector}${latest.orderNumber ? ` (order ${latest.orderNumber})` : ""}` },
    ...deliveryEvidence(parkedAsDelivery(latest), attempts),
    ...ctx.evidence(facts),
  ];
  return assemble({
    subject: { kind: "failure_group", id: key },
    hits,
    facts,
    evidence,
    failureKey: key,
    eventId: latest.eventId,
    openParked: count.count,
    affected: { events: count.events, eventsCapped: count.capped, eventIds: sample.eventIds.slice(0, 20), orders: sample.orders.slice(0, 20), connectors: uniq([latest.destination, ...sample.sources]) },
    ctx,
    sourceConnector: latest.sourceConnector,
  });
}

async function explainQuarantineGroup(store: Store, key: string): Promise<Diagnosis | undefined> {
  const [g] = await listQuarantineGroups(store, { key, limit: 1 });
  if (!g) return undefined;
  const hit = classifyQuarantine(g.reasonCode, g.sampleReason);
  const evidence: EvidenceItem[] = g.sampleIds.slice(0, 5).map((id, i) => ({ kind: "quarantine", id, summary: i === 0 ? `quarantined ${g.connector} payload: ${g.reasonCode}: ${g.sampleReason.slice(0, 200)}` : `another ${g.connector} payload rejected the same way` }));
  const connectors = await listConnectorRows(store, g.connector);
  if (connectors[0]) evidence.push({ kind: "connector", id: g.connector, summary: `${connectors[0].displayName} (${connectors[0].connectorType}), auth ${connectors[0].authState}` });
  return {
    subject: { kind: "quarantine_group", id: key },
    rootCause: hit.cause,
    label: ROOT_CAUSE_LABELS[hit.cause],
    title: hit.cause === "schema_drift" ? `${g.connector} payloads no longer match the model: ${g.count} quarantined` : `${ROOT_CAUSE_LABELS[hit.cause]}: ${g.count} ${g.connector} payloads quarantined`,
    confidence: hit.confidence,
    explanation: `${capitalise(hit.because)}. ${g.count} payload${g.count === 1 ? "" : "s"} between ${g.firstSeenAt} and ${g.lastSeenAt}.`,
    evidence,
    suggestedFix: suggestFix({ cause: hit.cause, unmappedSkus: [], openParked: 0, waiting: false, quarantineIds: g.sampleIds, connector: g.connector, sourceConnector: g.connector }),
    affected: { events: 0, eventsCapped: false, eventIds: [], orders: [], connectors: [g.connector] },
    failureKey: key,
    alternatives: [],
  };
}

async function explainConnector(store: Store, connector: string, signals: DiagnosisSignals): Promise<Diagnosis | undefined> {
  const [row] = await listConnectorRows(store, connector);
  const recent = await recentAttemptsOf(store, connector, 50);
  if (!row && recent.length === 0) return undefined;
  const since = new Date(Date.now() - 24 * 3600_000).toISOString();
  const [inbound, webhooks] = await Promise.all([inboundActivityOf(store, connector, since), signals.webhookState ? signals.webhookState(connector).catch((e) => ({ supported: true, expectedTopics: [], missingTopics: [], subscriptions: [], error: (e as Error).message }) as WebhookState) : undefined]);
  const evidence: EvidenceItem[] = [];
  if (row) evidence.push({ kind: "connector", id: row.id, summary: `${row.displayName} (${row.connectorType}), auth ${row.authState}${row.authError ? `: ${row.authError}` : ""}, ${row.enabled ? "enabled" : "disabled"}` });
  const circuit = signals.circuitState?.(connector) ?? "closed";
  const stopped = signals.isStopped?.(connector) ?? false;
  const count = (pred: (a: RecentAttempt) => boolean) => recent.filter(pred).length;
  const ok = count((a) => a.outcome === "ok" || a.outcome === "duplicate");
  const transient = count((a) => a.errorClass === "transient" || a.outcome === "circuit_open");
  const limited = count((a) => a.outcome === "rate_limited");
  const hits: RuleHit[] = [];
  if (row?.authState === "failed" || stopped) {
    const auth = recent.find((a) => a.errorClass === "auth");
    if (auth) evidence.push({ kind: "attempt", id: String(auth.id), summary: `attempt at ${auth.startedAt} was rejected for credentials` });
    hits.push({ cause: "expired_credentials", confidence: 0.95, because: `${connector} is stopped: its credentials were rejected${row?.authError ? ` (${row.authError})` : ""}` });
  }
  if (webhooks?.supported && webhooks.missingTopics.length > 0) {
    hits.push({ cause: "webhook_subscription_removed", confidence: 0.95, because: `${connector}'s webhook subscription list has no active ${webhooks.missingTopics.join(", ")} subscription pointing at us` });
  } else if (webhooks?.supported && webhooks.upstreamActivity && webhooks.upstreamActivity.count > 0 && inbound.webhooksInWindow === 0) {
    hits.push({ cause: "webhook_subscription_removed", confidence: 0.75, because: `${connector}'s API shows ${webhooks.upstreamActivity.count} new records since ${webhooks.upstreamActivity.since} but no webhook arrived` });
  }
  if (circuit === "open" || (recent.length >= 3 && transient > recent.length / 2)) {
    const last = recent.find((a) => a.errorClass === "transient" || a.outcome === "circuit_open");
    if (last) evidence.push({ kind: "attempt", id: String(last.id), summary: `attempt at ${last.startedAt}: ${last.outcome}` });
    hits.push({ cause: "upstream_outage", confidence: circuit === "open" ? 0.9 : 0.8, because: `${transient} of the last ${recent.length} attempts to ${connector} failed with server errors or an open circuit` });
  }
  if (recent.length >= 3 && limited > recent.length / 2) {
    const last = recent.find((a) => a.outcome === "rate_limited")!;
    evidence.push({ kind: "attempt", id: String(last.id), summary: `attempt at ${last.startedAt} was rate-limited` });
    hits.push({ cause: "rate_limiting", confidence: 0.8, because: `${limited} of the last ${recent.length} attempts to ${connector} were rate-limited` });
  }
  hits.sort((a, b) => b.confidence - a.confidence);
  const okAttempt = recent.find((a) => a.outcome === "ok");
  if (okAttempt) evidence.push({ kind: "attempt", id: String(okAttempt.id), summary: `latest successful attempt at ${okAttempt.startedAt}` });
  const top = hits[0] ?? { cause: "no_failure" as const, confidence: 0.6, because: `${connector} looks healthy: ${ok} of the last ${recent.length} attempts succeeded${webhooks?.supported ? ", webhook subscriptions are in place" : ""}` };
  const webhookNote = webhooks?.supported ? ` Webhooks: ${webhooks.subscriptions.filter((s) => s.active).map((s) => s.event).join(", ") || "none active"}; last webhook received ${inbound.lastWebhookAt ?? "never"}.` : "";
  return {
    subject: { kind: "connector", id: connector },
    rootCause: top.cause,
    label: ROOT_CAUSE_LABELS[top.cause],
    title: connectorTitle(top.cause, connector),
    confidence: top.confidence,
    explanation: `${capitalise(top.because)}.${webhookNote}`,
    evidence: dedupe(evidence),
    suggestedFix: suggestFix({ cause: top.cause, connector, destination: connector, destinationType: row?.connectorType, unmappedSkus: [], openParked: 0, waiting: false }),
    affected: { events: 0, eventsCapped: false, eventIds: [], orders: [], connectors: [connector] },
    failureKey: null,
    alternatives: hits.slice(1).map((h) => ({ rootCause: h.cause, confidence: h.confidence })),
  };
}

function explainQuietEvent(event: EventDetailRow, deliveries: DeliveryView[], ev: EvidenceItem): Diagnosis {
  const cause: RootCause = deliveries.length === 0 && (event.status === "skipped" || event.status === "received") ? "no_route" : "no_failure";
  const done = deliveries.filter((d) => d.status === "succeeded");
  return {
    subject: { kind: "event", id: event.id },
    rootCause: cause,
    label: ROOT_CAUSE_LABELS[cause],
    title: cause === "no_route" ? `No routing rule sends ${event.type} from ${event.sourceConnector} anywhere` : `Nothing failed: ${done.length} of ${deliveries.length} deliveries succeeded${deliveries.length > done.length ? ", the rest are in progress" : ""}`,
    confidence: 0.9,
    explanation: cause === "no_route" ? "The event was captured but no enabled routing rule matched it, so it has no deliveries." : "No delivery of this event is parked or waiting after an error.",
    evidence: [ev, ...done.slice(0, 5).map((d) => ({ kind: "delivery" as const, id: d.id, summary: `${d.destination}.${d.action} succeeded${d.externalId ? ` as ${d.externalId}` : ""}` }))],
    suggestedFix: suggestFix({ cause, unmappedSkus: [], openParked: 0, waiting: false }),
    affected: { events: 1, eventsCapped: false, eventIds: [event.id], orders: [event.orderNumber ?? event.poNumber].filter((x): x is string => !!x), connectors: uniq([event.sourceConnector, ...deliveries.map((d) => d.destination)]) },
    failureKey: null,
    alternatives: [],
  };
}

/** Parked first (newest), then a delivery waiting after an error, then a step blocked behind a parked one. */
function pickFailingDelivery(ds: DeliveryView[]): DeliveryView | undefined {
  const parked = ds.filter((d) => d.status === "parked").sort((a, b) => (b.parkedAt ?? "").localeCompare(a.parkedAt ?? ""));
  if (parked[0]) return parked[0];
  const waiting = ds.find((d) => (d.status === "pending" || d.status === "in_flight") && (d.lastErrorClass || d.attempts > 0));
  if (waiting) return waiting;
  return undefined;
}

function parkedAsDelivery(t: ParkedTarget): DeliveryView {
  return {
    id: t.deliveryId, eventId: t.eventId, destination: t.destination, action: t.action, dependsOn: null, idempotencyKey: "", status: "parked",
    attempts: t.attempts, nextAttemptAt: null, externalId: null, lastErrorClass: t.errorClass, lastError: t.reason, failureKey: t.failureKey,
    createdAt: t.parkedAt, updatedAt: t.parkedAt, parkedAt: t.parkedAt, parkedReason: t.reason, parkedField: t.field, parkedErrorClass: t.errorClass, releasedAt: null, releasedBy: null,
  };
}

interface DestinationContext {
  connector?: ConnectorRow;
  mapped: MappingRow[];
  unmapped: string[];
  kindsUsed(): Promise<string[]>;
  circuit: string;
  stopped: boolean;
  recent: RecentAttempt[];
  evidence(f: FailureFacts): EvidenceItem[];
}

async function destinationContext(store: Store, destination: string, skus: string[], signals: DiagnosisSignals): Promise<DestinationContext> {
  const [connectors, mapped, recent] = await Promise.all([
    listConnectorRows(store, destination),
    findMappings(store, destination, skus.slice(0, 200)),
    recentAttemptsOf(store, destination, 20),
  ]);
  const mappedKeys = new Set(mapped.map((m) => m.sourceKey));
  const connector = connectors[0];
  const circuit = signals.circuitState?.(destination) ?? "closed";
  const stopped = signals.isStopped?.(destination) ?? false;
  const unmapped = skus.filter((s) => !mappedKeys.has(s));
  return {
    connector,
    mapped,
    unmapped,
    // Only read when a mapping fix is suggested for a connector type the playbook does not know.
    kindsUsed: async () => (await mappingKindsOf(store, destination)).map((k) => k.kind),
    circuit,
    stopped,
    recent,
    evidence(f) {
      const out: EvidenceItem[] = [];
      if (connector) out.push({ kind: "connector", id: connector.id, summary: `${connector.displayName} (${connector.connectorType}): auth ${connector.authState}, circuit ${circuit}${stopped ? ", stopped" : ""}` });
      const hasSkuAngle = f.skus.length > 0 && (f.errorClass === "validation" || f.errorClass === "permanent");
      if (hasSkuAngle) {
        for (const m of mapped.slice(0, 5)) out.push({ kind: "mapping", id: m.id === undefined ? "" : String(m.id), summary: `${m.kind} mapping ${m.sourceKey} → ${m.targetKey} exists for ${destination}` });
      }
      const ok = recent.find((a) => a.outcome === "ok");
      if (ok) out.push({ kind: "attempt", id: String(ok.id), summary: `${destination} accepted another delivery at ${ok.startedAt}: it is reachable` });
      return out.filter((e) => e.id !== "");
    },
  };
}

function factsOf(d: DeliveryView, attempts: AttemptView[], skus: string[], ctx: DestinationContext, state: FailureFacts["state"]): FailureFacts {
  const failing = attempts.find((a) => a.errorClass) ?? attempts[0];
  const upstream = (failing?.upstream ?? {}) as { status?: number; code?: string; body?: string };
  // When the error names SKUs, only those are the suspects: the others resolved some other way.
  const text = `${d.parkedReason ?? d.lastError ?? ""} ${d.parkedField ?? ""} ${failing?.errorMessage ?? ""}`.toLowerCase();
  const named = ctx.unmapped.filter((s) => text.includes(s.toLowerCase()));
  const count = (pred: (a: RecentAttempt) => boolean) => ctx.recent.filter(pred).length;
  return {
    destination: d.destination,
    destinationType: ctx.connector?.connectorType,
    action: d.action,
    errorClass: d.parkedErrorClass ?? d.lastErrorClass ?? failing?.errorClass ?? null,
    field: d.parkedField,
    reason: d.parkedReason ?? d.lastError,
    message: failing?.errorMessage ?? null,
    upstreamStatus: typeof upstream.status === "number" ? upstream.status : undefined,
    upstreamCode: typeof upstream.code === "string" ? upstream.code : undefined,
    upstreamBody: typeof upstream.body === "string" ? upstream.body.slice(0, 2000) : undefined,
    outcomes: attempts.map((a) => a.outcome),
    errorClasses: attempts.map((a) => a.errorClass),
    state,
    skus,
    unmappedSkus: named.length ? named : ctx.unmapped,
    connector: {
      authState: ctx.connector?.authState,
      stopped: ctx.stopped,
      circuit: ctx.circuit,
      recentOk: count((a) => a.outcome === "ok"),
      recentTransient: count((a) => a.errorClass === "transient"),
      recentRateLimited: count((a) => a.outcome === "rate_limited"),
    },
  };
}

function deliveryEvidence(d: DeliveryView, attempts: AttemptView[]): EvidenceItem[] {
  const out: EvidenceItem[] = [{ kind: "delivery", id: d.id, summary: `${d.destination}.${d.action}: ${d.status} after ${d.attempts} attempt${d.attempts === 1 ? "" : "s"}` }];
  if (d.status === "parked") out.push({ kind: "parked_delivery", id: d.id, summary: `parked ${d.parkedAt ?? ""}: ${d.parkedErrorClass ?? ""}: ${d.parkedReason ?? ""}${d.parkedField ? ` (field ${d.parkedField})` : ""}`.trim() });
  for (const a of attempts.filter((x) => x.errorClass || x.outcome !== "ok").slice(0, 3)) {
    const up = a.upstream as { status?: number; body?: string } | null;
    out.push({ kind: "attempt", id: String(a.id), summary: `attempt ${a.attemptNo} at ${a.startedAt}: ${a.outcome}${a.errorClass ? ` (${a.errorClass})` : ""}: ${(a.errorMessage ?? "").slice(0, 200)}${up?.status ? ` [upstream ${up.status}${up.body ? `: ${up.body.slice(0, 160)}` : ""}]` : ""}` });
  }
  return out;
}

async function groupContext(store: Store, key: string) {
  const summary = await failureGroupSummary(store, key);
  return summary ? { row: summary.group, count: summary.count, sample: summary.sample } : undefined;
}

async function assemble(a: {
  subject: Diagnosis["subject"];
  hits: RuleHit[];
  facts: FailureFacts;
  evidence: EvidenceItem[];
  failureKey: string | null;
  eventId: string;
  openParked: number;
  affected: Diagnosis["affected"];
  ctx: DestinationContext;
  sourceConnector: string;
}): Promise<Diagnosis> {
  const top = a.hits[0]!;
  const needsKinds = (top.cause === "unknown_sku_mapping" || top.cause === "unknown_location_mapping") && !isKnownType(a.facts.destinationType);
  const kindsUsed = needsKinds ? await a.ctx.kindsUsed() : [];
  const f = a.facts;
  const node = nodeOf(`${f.reason ?? ""} ${f.message ?? ""}`);
  const fix = suggestFix({
    cause: top.cause,
    destination: f.destination,
    destinationType: f.destinationType,
    failureKey: a.failureKey ?? undefined,
    eventId: a.eventId,
    unmappedSkus: f.unmappedSkus,
    skuMappingKind: skuMappingKindFor(f.destinationType, kindsUsed),
    locationMappingKind: locationMappingKindFor(f.destinationType, kindsUsed),
    node,
    field: f.field,
    openParked: a.openParked,
    waiting: f.state === "waiting",
    connector: f.destination,
    sourceConnector: a.sourceConnector,
  });
  if (f.unmappedSkus.length && top.cause === "unknown_sku_mapping") {
    a.evidence.splice(1, 0, { kind: "event", id: a.eventId, summary: `no mapping row of any kind maps SKU ${f.unmappedSkus.join(", ")} for ${f.destination} (mappings table checked)` });
  }
  return {
    subject: a.subject,
    rootCause: top.cause,
    label: ROOT_CAUSE_LABELS[top.cause],
    title: titleOf(top.cause, f, node, a.affected.events),
    confidence: top.confidence,
    explanation: `${capitalise(top.because)}. Last error: ${f.errorClass ?? "?"}: ${(f.reason ?? f.message ?? "").slice(0, 300)}${f.field ? ` (field ${f.field})` : ""}.`,
    evidence: dedupe(a.evidence),
    suggestedFix: fix,
    affected: a.affected,
    failureKey: a.failureKey,
    alternatives: a.hits.slice(1, 4).filter((h) => h.cause !== top.cause).map((h) => ({ rootCause: h.cause, confidence: h.confidence })),
  };
}

function titleOf(cause: RootCause, f: FailureFacts, node: string | undefined, events: number): string {
  const dest = f.destination;
  const n = events > 1 ? ` (${events} events)` : "";
  switch (cause) {
    case "unknown_sku_mapping":
      return f.unmappedSkus.length ? `SKU ${f.unmappedSkus.slice(0, 3).join(", ")}${f.unmappedSkus.length > 3 ? "…" : ""} missing in ${dest}${n}` : `${dest} rejected an item reference${n}`;
    case "unknown_location_mapping":
      return `${node ? `Node ${node}` : "A fulfilment node"} has no ${dest} location${n}`;
    case "invalid_address":
      return `${dest} rejected the address${f.field ? ` (${f.field})` : ""}${n}`;
    case "missing_tax_code":
      return `${dest} needs a tax code${n}`;
    case "insufficient_inventory":
      return `Not enough stock in ${dest}${n}`;
    case "expired_credentials":
      return `${dest} credentials expired or revoked${n}`;
    case "rate_limiting":
      return `${dest} is rate-limiting deliveries${n}`;
    case "upstream_outage":
      return `${dest} unavailable${n}`;
    case "duplicate_document":
      return `Document already exists in ${dest}${n}`;
    case "stale_object":
      return `${dest} record changed while we wrote it${n}`;
    default:
      return `${ROOT_CAUSE_LABELS[cause]}: ${dest}${f.field ? ` (${f.field})` : ""}${n}`;
  }
}

function connectorTitle(cause: RootCause, c: string): string {
  switch (cause) {
    case "webhook_subscription_removed":
      return `${c} stopped sending webhooks: the subscription is gone`;
    case "expired_credentials":
      return `${c} credentials expired or revoked`;
    case "upstream_outage":
      return `${c} unavailable`;
    case "rate_limiting":
      return `${c} is rate-limiting us`;
    case "no_failure":
      return `${c} is healthy`;
    default:
      return `${ROOT_CAUSE_LABELS[cause]}: ${c}`;
  }
}

/** The fulfilment node a location error names: node "EAST-2", node EAST-2, for node "X". */
function nodeOf(text: string): string | undefined {
  const m = /node\s+"([^"]+)"/i.exec(text) ?? /node\s+([A-Za-z0-9_.:-]+)/i.exec(text);
  return m?.[1];
}

function capitalise(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function dedupe(items: EvidenceItem[]): EvidenceItem[] {
  const seen = new Set<string>();
  return items.filter((e) => {
    const k = `${e.kind}:${e.id}:${e.summary}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
