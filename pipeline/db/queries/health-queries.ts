import { sql } from "drizzle-orm";
import type { Store } from "../client";
import { isoOf } from "./event-read-queries";

export interface AttemptStats {
  destination: string;
  total: number;
  ok: number;
  duplicate: number;
  retry: number;
  rateLimited: number;
  circuitOpen: number;
  parked: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  lastOkAt: string | null;
  lastFailureAt: string | null;
  lastCircuitOpenAt: string | null;
}

/** Deliver-stage attempts per destination in a recent window. */
export async function attemptStats(store: Store, opts: { since: string; destination?: string }): Promise<AttemptStats[]> {
  const rows = await store.rows<AttemptStats>(sql`
    select a.destination,
           count(*)::int as total,
           count(*) filter (where a.outcome = 'ok')::int as ok,
           count(*) filter (where a.outcome = 'duplicate')::int as duplicate,
           count(*) filter (where a.outcome = 'retry')::int as retry,
           count(*) filter (where a.outcome = 'rate_limited')::int as "rateLimited",
           count(*) filter (where a.outcome = 'circuit_open')::int as "circuitOpen",
           count(*) filter (where a.outcome = 'parked')::int as parked,
           percentile_cont(0.5) within group (order by a.duration_ms) filter (where a.outcome in ('ok', 'duplicate', 'retry', 'parked')) as "p50LatencyMs",
           percentile_cont(0.95) within group (order by a.duration_ms) filter (where a.outcome in ('ok', 'duplicate', 'retry', 'parked')) as "p95LatencyMs",
           max(a.started_at) filter (where a.outcome in ('ok', 'duplicate')) as "lastOkAt",
           max(a.started_at) filter (where a.outcome in ('retry', 'parked', 'failed')) as "lastFailureAt",
           max(a.started_at) filter (where a.outcome = 'circuit_open') as "lastCircuitOpenAt"
      from attempts a
     where a.stage = 'deliver' and a.destination is not null and a.started_at >= ${opts.since}::timestamptz
       ${opts.destination ? sql`and a.destination = ${opts.destination}` : sql``}
     group by a.destination`);
  return rows.map((r) => ({
    ...r,
    total: Number(r.total), ok: Number(r.ok), duplicate: Number(r.duplicate), retry: Number(r.retry), rateLimited: Number(r.rateLimited),
    circuitOpen: Number(r.circuitOpen), parked: Number(r.parked),
    p50LatencyMs: r.p50LatencyMs === null ? null : Math.round(Number(r.p50LatencyMs)),
    p95LatencyMs: r.p95LatencyMs === null ? null : Math.round(Number(r.p95LatencyMs)),
    lastOkAt: isoOf(r.lastOkAt), lastFailureAt: isoOf(r.lastFailureAt), lastCircuitOpenAt: isoOf(r.lastCircuitOpenAt),
  }));
}

export interface RecentAttempt {
  id: number;
  eventId: string;
  deliveryId: string | null;
  outcome: string;
  errorClass: string | null;
  startedAt: string;
  upstream: unknown;
}

/** The newest deliver attempts of one destination (by the (destination, started_at) index). */
export async function recentAttemptsOf(store: Store, destination: string, limit: number): Promise<RecentAttempt[]> {
  const rows = await store.rows<RecentAttempt>(sql`
    select a.id, a.event_id as "eventId", a.delivery_id as "deliveryId", a.outcome, a.error_class as "errorClass", a.started_at as "startedAt", a.upstream
      from attempts a where a.destination = ${destination}
     order by a.started_at desc limit ${limit}`);
  return rows.map((r) => ({ ...r, id: Number(r.id), startedAt: isoOf(r.startedAt)! }));
}

export interface ConnectorRow {
  id: string;
  connectorType: string;
  displayName: string;
  owner: string | null;
  enabled: boolean;
  authState: string;
  authError: string | null;
  settings: Record<string, unknown>;
  updatedAt: string;
}

export async function listConnectorRows(store: Store, id?: string): Promise<ConnectorRow[]> {
  const rows = await store.rows<ConnectorRow>(sql`
    select id, connector_type as "connectorType", display_name as "displayName", owner, enabled, auth_state as "authState",
           auth_error as "authError", settings, updated_at as "updatedAt"
      from connector_instances ${id ? sql`where id = ${id}` : sql``} order by id`);
  return rows.map((r) => ({ ...r, updatedAt: isoOf(r.updatedAt)! }));
}

export interface PollState {
  id: string;
  lastPolledAt: string | null;
  lastError: string | null;
  leaseOwner: string | null;
}

export async function pollStatesOf(store: Store, connector: string): Promise<PollState[]> {
  const rows = await store.rows<PollState>(sql`
    select id, last_polled_at as "lastPolledAt", last_error as "lastError", lease_owner as "leaseOwner"
      from sync_cursors where id like ${`${connector.replace(/[%_\\]/g, "\\$&")}:%`} order by id`);
  return rows.map((r) => ({ ...r, lastPolledAt: isoOf(r.lastPolledAt) }));
}

export interface InboundActivity {
  lastWebhookAt: string | null;
  lastEventAt: string | null;
  lastPolledEventAt: string | null;
  webhooksInWindow: number;
}

/**
 * When a source last sent us something: webhooks (events with a raw payload, or pointer
 * notifications) versus events a poller captured. A source whose API shows activity but whose
 * webhooks stopped has usually lost its subscription.
 */
export async function inboundActivityOf(store: Store, connector: string, since: string): Promise<InboundActivity> {
  const [row] = await store.rows<InboundActivity>(sql`
    select (select max(received_at) from raw_payloads where connector = ${connector}) as "lastWebhookAt",
           (select max(received_at) from events where source_connector = ${connector}) as "lastEventAt",
           (select max(received_at) from events where source_connector = ${connector} and raw_payload_id is null) as "lastPolledEventAt",
           (select count(*)::int from raw_payloads where connector = ${connector} and received_at >= ${since}::timestamptz) as "webhooksInWindow"`);
  return {
    lastWebhookAt: isoOf(row?.lastWebhookAt),
    lastEventAt: isoOf(row?.lastEventAt),
    lastPolledEventAt: isoOf(row?.lastPolledEventAt),
    webhooksInWindow: Number(row?.webhooksInWindow ?? 0),
  };
}

export async function openParkedByDestination(store: Store): Promise<Map<string, number>> {
  const rows = await store.rows<{ destination: string; n: number }>(sql`
    select destination, count(*)::int as n from parked_deliveries where released_at is null group by destination`);
  return new Map(rows.map((r) => [r.destination, Number(r.n)]));
}

export interface AnswersOwed {
  /** Answers (an EDI 997/TA1) kept because the sender's endpoint did not take them, still being tried. */
  pending: number;
  oldestPendingSince: string | null;
  /** Given up in the window: the resend window closed, or the sender refused them for good. */
  givenUp: number;
}

export async function answersOwedByConnector(store: Store, since: string): Promise<Map<string, AnswersOwed>> {
  const rows = await store.rows<{ connector: string; pending: number; oldest: string | null; given_up: number }>(sql`
    select connector, count(*) filter (where status = 'pending')::int as pending, min(created_at) filter (where status = 'pending') as oldest,
           count(*) filter (where status = 'given_up')::int as given_up
    from kept_answers where status = 'pending' or (status = 'given_up' and finished_at >= ${since}::timestamptz) group by connector`);
  return new Map(rows.map((r) => [r.connector, { pending: Number(r.pending), oldestPendingSince: isoOf(r.oldest), givenUp: Number(r.given_up) }]));
}
