import { sql } from "drizzle-orm";
import {
  bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex,
} from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "string" });

/** Raw inbound bodies, byte-for-byte, so signatures can be re-checked and events replayed. */
export const rawPayloads = pgTable("raw_payloads", {
  id: text("id").primaryKey(),
  connector: text("connector").notNull(),
  contentType: text("content_type"),
  /** Headers with secrets removed (signatures kept: they are not secrets and prove origin). */
  headers: jsonb("headers").$type<Record<string, string>>().notNull().default({}),
  body: text("body").notNull(),
  receivedAt: ts("received_at").notNull().defaultNow(),
}, (t) => [
  // When a connector last sent a webhook (connector health, webhook_subscription_removed).
  index("raw_payloads_connector_received_idx").on(t.connector, t.receivedAt),
]);

/**
 * The append-only event log: one row per captured canonical event, never updated. Where an event
 * stands (its deliveries' progress) lives in event_progress.
 */
export const events = pgTable(
  "events",
  {
    id: text("id").primaryKey(),
    schemaVersion: integer("schema_version").notNull(),
    type: text("type").notNull(),
    sourceConnector: text("source_connector").notNull(),
    sourceEventId: text("source_event_id").notNull(),
    orderNumber: text("order_number"),
    poNumber: text("po_number"),
    skus: text("skus").array().notNull().default(sql`'{}'::text[]`),
    customer: text("customer"),
    correlationId: text("correlation_id").notNull(),
    causationId: text("causation_id"),
    rawPayloadId: text("raw_payload_id"),
    /** The canonical payload (null until normalize succeeds for events captured raw). */
    payload: jsonb("payload"),
    occurredAt: ts("occurred_at").notNull(),
    receivedAt: ts("received_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("events_source_uq").on(t.sourceConnector, t.sourceEventId),
    index("events_order_number_idx").on(t.orderNumber),
    index("events_po_number_idx").on(t.poNumber),
    index("events_skus_gin").using("gin", t.skus),
    index("events_customer_idx").on(t.customer),
    index("events_correlation_idx").on(t.correlationId),
    index("events_received_idx").on(t.receivedAt),
    // Actions on a shipment load the order it belongs to by canonical order id.
    index("events_order_id_idx").on(sql`(${t.payload}->>'id')`).where(sql`${t.type} like 'order.%'`),
    // Fulfilment routing reads the latest stock level per source, SKU and location.
    index("events_inventory_level_idx")
      .on(t.sourceConnector, sql`(${t.payload}->>'sku')`, sql`(${t.payload}->>'location')`, t.occurredAt)
      .where(sql`${t.type} = 'inventory.level'`),
    // Connector health and diagnosis: when a source last sent us anything (webhook gaps).
    index("events_source_received_idx").on(t.sourceConnector, t.receivedAt),
  ],
);

/**
 * Where each event stands, written with the event and counted down as its deliveries finish. A
 * narrow row of its own: every finished delivery updates it, and updating the event log's wide row
 * re-indexed a 1 KB payload under a dozen indexes each time (bench:pipeline: half the database
 * time of a completion). The table is created with fillfactor 80 (drizzle/0007) so updates that
 * keep the status find room on the same page.
 */
export const eventProgress = pgTable(
  "event_progress",
  {
    eventId: text("event_id").primaryKey().references(() => events.id),
    status: text("status").$type<EventStatus>().notNull().default("received"),
    /** Deliveries not yet finished; the event is delivered when this reaches 0 with none parked. */
    openDeliveries: integer("open_deliveries").notNull().default(0),
    parkedDeliveries: integer("parked_deliveries").notNull().default(0),
  },
  // Lists of unfinished or failed events; delivered ones, the vast majority, stay out of it.
  (t) => [index("event_progress_unsettled_idx").on(t.status).where(sql`${t.status} not in ('delivered', 'skipped')`)],
);

/** received: captured, no route matched yet; processing: deliveries open; retrying: one is backing off. */
export type EventStatus = "received" | "processing" | "retrying" | "delivered" | "parked" | "skipped";

/** Captures that repeated an already captured source event: recorded, never processed twice. */
export const duplicateCaptures = pgTable(
  "duplicate_captures",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    sourceConnector: text("source_connector").notNull(),
    sourceEventId: text("source_event_id").notNull(),
    originalEventId: text("original_event_id"),
    rawPayloadId: text("raw_payload_id"),
    receivedAt: ts("received_at").notNull().defaultNow(),
  },
  (t) => [index("duplicate_captures_source_idx").on(t.sourceConnector, t.sourceEventId)],
);

/**
 * One unit of outbound work: an event to one destination. The idempotency key is derived from
 * (event, destination, action) and is sent to the destination's own idempotency mechanism.
 * This table, not the queue, is the source of truth for what is unfinished.
 */
export const deliveries = pgTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull().references(() => events.id),
    destination: text("destination").notNull(),
    action: text("action").notNull(),
    /** A step that must succeed first (e.g. the ERP sales order before the 3PL order). */
    dependsOn: text("depends_on"),
    idempotencyKey: text("idempotency_key").notNull(),
    status: text("status").$type<DeliveryStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at"),
    /** Lease: a worker that claimed the delivery holds it until this time (crash recovery). */
    leaseUntil: ts("lease_until"),
    externalId: text("external_id"),
    lastErrorClass: text("last_error_class"),
    lastError: text("last_error"),
    failureKey: text("failure_key"),
    /**
     * Settings for this delivery only, merged over the destination's (the fulfilment node routing
     * chose for this order or this part of a split order).
     */
    settings: jsonb("settings").$type<Record<string, unknown>>(),
    /** Set by routing when the delivery must not go out yet (a backorder): parks on its first claim; a replay releases it. */
    hold: jsonb("hold").$type<DeliveryHold>(),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  // Every claim and completion changes status, so each writes a new entry into every index that
  // takes the row: indexes that only serve unfinished, failed or dependent deliveries are partial,
  // and a finished delivery (nearly all of them) leaves them alone (bench:pipeline).
  (t) => [
    uniqueIndex("deliveries_idem_uq").on(t.idempotencyKey),
    index("deliveries_event_idx").on(t.eventId),
    // The sweeper's and the overview's unfinished work.
    index("deliveries_status_next_idx").on(t.status, t.nextAttemptAt).where(sql`${t.status} in ('blocked', 'pending', 'in_flight', 'parked')`),
    index("deliveries_dest_status_idx").on(t.destination, t.status),
    index("deliveries_failure_key_idx").on(t.failureKey).where(sql`${t.failureKey} is not null`),
    index("deliveries_depends_on_idx").on(t.dependsOn).where(sql`${t.dependsOn} is not null`),
  ],
);
export type DeliveryStatus = "blocked" | "pending" | "in_flight" | "succeeded" | "parked" | "skipped";
export interface DeliveryHold {
  /** Short and stable (it names the failure group), e.g. "backordered: no node can fill TR-20". */
  reason: string;
  /** The full story for the attempt row: quantities per node, what a replay does. */
  message?: string;
  field?: string;
}

/** Execution log: one row per attempt per stage, append-only. */
export const attempts = pgTable(
  "attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    eventId: text("event_id").notNull(),
    deliveryId: text("delivery_id"),
    stage: text("stage").$type<Stage>().notNull(),
    destination: text("destination"),
    attemptNo: integer("attempt_no").notNull().default(1),
    startedAt: ts("started_at").notNull(),
    durationMs: integer("duration_ms").notNull().default(0),
    outcome: text("outcome").$type<AttemptOutcome>().notNull(),
    errorClass: text("error_class"),
    errorMessage: text("error_message"),
    upstream: jsonb("upstream"),
    externalId: text("external_id"),
    nextAttemptAt: ts("next_attempt_at"),
  },
  (t) => [
    index("attempts_event_idx").on(t.eventId, t.startedAt),
    index("attempts_dest_started_idx").on(t.destination, t.startedAt),
    // Searched for error text; attempts without a message (most successes) stay out of it.
    index("attempts_error_fts").using("gin", sql`to_tsvector('simple', coalesce(${t.errorMessage}, ''))`).where(sql`${t.errorMessage} is not null`),
  ],
);
export type Stage = "capture" | "normalize" | "route" | "deliver" | "reconcile" | "remediate";
export type AttemptOutcome = "ok" | "retry" | "rate_limited" | "circuit_open" | "parked" | "duplicate" | "skipped" | "failed";

/** Dead letters: deliveries that stopped, with the reason a person can act on. */
export const parkedDeliveries = pgTable(
  "parked_deliveries",
  {
    deliveryId: text("delivery_id").primaryKey().references(() => deliveries.id),
    eventId: text("event_id").notNull(),
    destination: text("destination").notNull(),
    errorClass: text("error_class").notNull(),
    reason: text("reason").notNull(),
    field: text("field"),
    parkedAt: ts("parked_at").notNull().defaultNow(),
    releasedAt: ts("released_at"),
    releasedBy: text("released_by"),
  },
  (t) => [index("parked_open_idx").on(t.releasedAt, t.destination)],
);

/** Inbound payloads we could not accept: kept whole for inspection and replay. */
export const quarantine = pgTable(
  "quarantine",
  {
    id: text("id").primaryKey(),
    connector: text("connector").notNull(),
    reasonCode: text("reason_code").notNull(),
    reason: text("reason").notNull(),
    headers: jsonb("headers").$type<Record<string, string>>().notNull().default({}),
    body: text("body").notNull(),
    receivedAt: ts("received_at").notNull().defaultNow(),
    replayedAt: ts("replayed_at"),
    replayedEventId: text("replayed_event_id"),
  },
  (t) => [index("quarantine_received_idx").on(t.receivedAt)],
);

/** Configured connections. Credentials are AES-256-GCM ciphertext, never plaintext. */
export const connectorInstances = pgTable("connector_instances", {
  id: text("id").primaryKey(),
  connectorType: text("connector_type").notNull(),
  displayName: text("display_name").notNull(),
  baseUrl: text("base_url"),
  credentialsEnc: text("credentials_enc"),
  settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
  owner: text("owner"),
  enabled: boolean("enabled").notNull().default(true),
  authState: text("auth_state").$type<"ok" | "failed" | "unknown">().notNull().default("unknown"),
  authError: text("auth_error"),
  createdAt: ts("created_at").notNull().defaultNow(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});

/** Key translations between systems (SKU ↔ ERP item id, location ↔ fulfilment node). */
export const mappings = pgTable(
  "mappings",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    kind: text("kind").notNull(),
    connector: text("connector").notNull(),
    sourceKey: text("source_key").notNull(),
    targetKey: text("target_key").notNull(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("mappings_uq").on(t.kind, t.connector, t.sourceKey),
    // Diagnosis and dry runs ask whether a SKU maps to anything for a connector, whatever the kind.
    index("mappings_connector_source_idx").on(t.connector, t.sourceKey),
  ],
);

/** Declarative routing: which destinations receive which events. */
export const routingRules = pgTable("routing_rules", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  priority: integer("priority").notNull().default(100),
  match: jsonb("match").$type<Record<string, unknown>>().notNull(),
  destinations: jsonb("destinations").$type<{ connector: string; action: string }[]>().notNull(),
  enabled: boolean("enabled").notNull().default(true),
  stopOnMatch: boolean("stop_on_match").notNull().default(false),
});

/**
 * Poller positions for systems without webhooks (ERP stock, Amazon orders, settlement reports).
 * The lease makes exactly one worker poll each source, however many run.
 */
export const syncCursors = pgTable("sync_cursors", {
  id: text("id").primaryKey(),
  cursor: jsonb("cursor").notNull(),
  leaseOwner: text("lease_owner"),
  leaseUntil: ts("lease_until"),
  lastPolledAt: ts("last_polled_at"),
  lastError: text("last_error"),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});

/**
 * Webhooks that only point at a resource (ShipStation SHIP_NOTIFY, QuickBooks CloudEvents):
 * recorded durably at the ingress, fetched by a worker, deduplicated on the source's id.
 */
export const inboundNotifications = pgTable(
  "inbound_notifications",
  {
    id: text("id").primaryKey(),
    connector: text("connector").notNull(),
    sourceEventId: text("source_event_id").notNull(),
    resource: text("resource").notNull(),
    topic: text("topic"),
    rawPayloadId: text("raw_payload_id"),
    status: text("status").$type<"pending" | "done" | "failed">().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    eventIds: text("event_ids").array(),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("inbound_notifications_source_uq").on(t.connector, t.sourceEventId), index("inbound_notifications_status_idx").on(t.status)],
);

/**
 * Answers to inbound transmissions (an EDI 997/TA1) that did not reach the sender when the
 * transmission arrived, kept byte for byte: their control numbers are already issued, so a worker
 * sends the same document again until it goes out or the resend window closes.
 */
export const keptAnswers = pgTable(
  "kept_answers",
  {
    id: text("id").primaryKey(),
    connector: text("connector").notNull(),
    /** The events the answered transmission carried: each try is written to their trace. */
    eventIds: text("event_ids").array().notNull().default(sql`'{}'::text[]`),
    kind: text("kind").notNull(),
    /** The document's own reference (an ISA13). */
    reference: text("reference").notNull(),
    body: text("body").notNull(),
    status: text("status").$type<"pending" | "sent" | "given_up">().notNull().default("pending"),
    tries: integer("tries").notNull().default(1),
    lastError: text("last_error"),
    nextAttemptAt: ts("next_attempt_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
    finishedAt: ts("finished_at"),
  },
  (t) => [index("kept_answers_due_idx").on(t.nextAttemptAt).where(sql`status = 'pending'`)],
);

/** Gap-free counters (EDI control numbers per partner, document numbers). */
export const sequences = pgTable("sequences", {
  name: text("name").primaryKey(),
  value: bigint("value", { mode: "number" }).notNull().default(0),
});

/**
 * Interchanges received per sender and envelope control number (EDI: partner and ISA13), the
 * durable half of duplicate-interchange detection: a resent interchange finds its row here and is
 * answered TA1 025 instead of being processed twice.
 */
export const inboundInterchanges = pgTable(
  "inbound_interchanges",
  {
    partnerId: text("partner_id").notNull(),
    controlNumber: text("control_number").notNull(),
    connector: text("connector").notNull(),
    receivedAt: ts("received_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("inbound_interchanges_uq").on(t.partnerId, t.controlNumber)],
);

export const reconRuns = pgTable("recon_runs", {
  id: text("id").primaryKey(),
  domain: text("domain").notNull(),
  startedAt: ts("started_at").notNull().defaultNow(),
  finishedAt: ts("finished_at"),
  status: text("status").notNull().default("running"),
  checked: integer("checked").notNull().default(0),
  diffCount: integer("diff_count").notNull().default(0),
  summary: jsonb("summary"),
});

export const reconDiffs = pgTable(
  "recon_diffs",
  {
    id: text("id").primaryKey(),
    runId: text("run_id").notNull(),
    domain: text("domain").notNull(),
    subject: text("subject").notNull(),
    kind: text("kind").notNull(),
    severity: text("severity").notNull().default("warning"),
    sides: jsonb("sides").notNull(),
    evidence: jsonb("evidence").notNull(),
    explanation: text("explanation"),
    /** open: drift; in_flight: explained by work still within its lag (not drift); resolved: agrees again. */
    status: text("status").notNull().default("open"),
    firstSeenAt: ts("first_seen_at").notNull().defaultNow(),
    createdAt: ts("created_at").notNull().defaultNow(),
    /** A finding is one row per (domain, subject, kind) across runs: run_id is the last run that saw it. */
    lastSeenAt: ts("last_seen_at"),
    resolvedAt: ts("resolved_at"),
    /** The failure group this drift opened once it outlived its lag. */
    failureKey: text("failure_key"),
  },
  (t) => [
    index("recon_diffs_run_idx").on(t.runId),
    index("recon_diffs_subject_idx").on(t.domain, t.subject),
    index("recon_diffs_domain_status_idx").on(t.domain, t.status),
  ],
);

/** Per-domain reconciliation settings (tolerances, lags, schedule); defaults live in pipeline/reconcile/settings.ts. */
export const reconSettings = pgTable("recon_settings", {
  domain: text("domain").primaryKey(),
  settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
  updatedAt: ts("updated_at").notNull().defaultNow(),
  updatedBy: text("updated_by"),
});

/** Failure groups: open failures by business root cause, with a status people work. */
export const failureGroups = pgTable("failure_groups", {
  key: text("key").primaryKey(),
  rootCause: text("root_cause").notNull(),
  title: text("title").notNull(),
  connector: text("connector"),
  owner: text("owner"),
  status: text("status").$type<"open" | "acknowledged" | "resolved" | "ignored">().notNull().default("open"),
  firstSeenAt: ts("first_seen_at").notNull().defaultNow(),
  lastSeenAt: ts("last_seen_at").notNull().defaultNow(),
});

/** Proposed fixes: two-phase, approved by a human or a named policy, then applied. */
export const remediations = pgTable(
  "remediations",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    status: text("status").$type<"proposed" | "approved" | "rejected" | "applied" | "failed">().notNull().default("proposed"),
    title: text("title").notNull(),
    rationale: text("rationale").notNull(),
    params: jsonb("params").notNull(),
    evidence: jsonb("evidence").notNull().default([]),
    dryRun: jsonb("dry_run"),
    failureKey: text("failure_key"),
    proposedBy: text("proposed_by").notNull(),
    decidedBy: text("decided_by"),
    approvedByPolicy: text("approved_by_policy"),
    decisionReason: text("decision_reason"),
    outcome: jsonb("outcome"),
    createdAt: ts("created_at").notNull().defaultNow(),
    decidedAt: ts("decided_at"),
    appliedAt: ts("applied_at"),
  },
  (t) => [index("remediations_status_idx").on(t.status, t.createdAt)],
);

/** Append-only, hash-chained: each row's hash covers its content and the previous hash. */
export const auditLog = pgTable(
  "audit_log",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    id: text("id").notNull(),
    at: ts("at").notNull(),
    actorType: text("actor_type").$type<"user" | "agent" | "mcp_client" | "policy" | "system">().notNull(),
    actorId: text("actor_id").notNull(),
    action: text("action").notNull(),
    subject: text("subject").notNull(),
    reason: text("reason"),
    before: jsonb("before"),
    after: jsonb("after"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [uniqueIndex("audit_id_uq").on(t.id), index("audit_subject_idx").on(t.subject)],
);

/** MCP bearer tokens, stored as SHA-256 hashes. */
export const mcpTokens = pgTable("mcp_tokens", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  scopes: text("scopes").array().notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  createdBy: text("created_by"),
  createdAt: ts("created_at").notNull().defaultNow(),
  lastUsedAt: ts("last_used_at"),
  revokedAt: ts("revoked_at"),
});

/** Agent conversations, persisted so a turn can be resumed and audited. */
export const conversations = pgTable("conversations", {
  id: text("id").primaryKey(),
  userId: text("user_id"),
  title: text("title"),
  createdAt: ts("created_at").notNull().defaultNow(),
});

export const conversationMessages = pgTable(
  "conversation_messages",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    conversationId: text("conversation_id").notNull(),
    role: text("role").notNull(),
    content: jsonb("content").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [index("conv_messages_idx").on(t.conversationId, t.id)],
);

/** Per-day usage counters: the figure integration platforms bill on. */
export const usageDaily = pgTable(
  "usage_daily",
  {
    day: text("day").notNull(),
    connector: text("connector").notNull(),
    direction: text("direction").notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.connector, t.direction] })],
);

/**
 * Fulfilment nodes: the places an order can ship from. Each names where its stock is read and
 * committed (the ERP location) and where its shipment orders go (3PL or warehouse connector).
 */
export const fulfilmentNodes = pgTable("fulfilment_nodes", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** The connector instance whose inventory.level events are this node's stock (the ERP). */
  stockConnector: text("stock_connector").notNull(),
  /** The location key in those events (InventoryLevel.location), also where the ERP commits. */
  stockLocation: text("stock_location").notNull(),
  /** The connector instance that receives this node's shipment orders. */
  shipConnector: text("ship_connector").notNull(),
  /** The warehouse name or mapping key at that connector; the node id when null. */
  shipWarehouse: text("ship_warehouse"),
  slaDays: integer("sla_days").notNull(),
  costPerOrderMinor: integer("cost_per_order_minor").notNull().default(0),
  costPerUnitMinor: integer("cost_per_unit_minor").notNull().default(0),
  /** Lower wins when SLA and cost tie. */
  priority: integer("priority").notNull().default(100),
  enabled: boolean("enabled").notNull().default(true),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});

/** The routing decision per order (node per line, parts of a split), reused by its later events. */
export const fulfilmentDecisions = pgTable("fulfilment_decisions", {
  orderId: text("order_id").primaryKey(),
  eventId: text("event_id").notNull(),
  decision: jsonb("decision").notNull(),
  decidedAt: ts("decided_at").notNull().defaultNow(),
});

/**
 * Units our routing promised to a node and the ERP may not show yet. A commitment counts against
 * the node's stock until it is released: cancelled, or settled once a stock level read after the
 * ERP took the order (ack_delivery_id succeeded) includes it.
 */
export const fulfilmentCommitments = pgTable(
  "fulfilment_commitments",
  {
    orderId: text("order_id").notNull(),
    lineId: text("line_id").notNull(),
    sku: text("sku").notNull(),
    node: text("node").notNull(),
    quantity: integer("quantity").notNull(),
    eventId: text("event_id").notNull(),
    /** The delivery that hands the order to the system whose stock levels we read. */
    ackDeliveryId: text("ack_delivery_id"),
    committedAt: ts("committed_at").notNull().defaultNow(),
    releasedAt: ts("released_at"),
    releaseReason: text("release_reason").$type<"settled" | "cancelled" | "replanned">(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.lineId] }),
    index("fulfilment_commitments_open_idx").on(t.sku, t.node).where(sql`${t.releasedAt} is null`),
  ],
);
