import { sql, type SQL } from "drizzle-orm";
import type { Store } from "../client";
import { attempts, failureGroups, parkedDeliveries, type DeliveryHold } from "../schema";

export interface ClaimedDelivery {
  id: string;
  eventId: string;
  destination: string;
  action: string;
  idempotencyKey: string;
  attempts: number;
  eventType: string;
  payload: unknown;
  orderNumber: string | null;
  poNumber: string | null;
  skus: string[];
  customer: string | null;
  correlationId: string;
  sourceConnector: string;
  sourceEventId: string;
  priorResults: Record<string, string | null> | null;
  /** This delivery's own settings, merged over the destination's. */
  settings: Record<string, unknown> | null;
  hold: DeliveryHold | null;
}

/**
 * Statements that act on deliveries by id find them by primary key and nothing else. `= any(...)`
 * of the ids (one JSON parameter here, or `any(array(select v.id from v))` in statements that
 * already carry the ids in a recordset `v`) lets the planner use the key; the status test is
 * wrapped in `is true`, which no index can answer, so it is checked on the row found instead. Written the
 * plain way, the planner joined the ids against the status index (stale statistics on a table
 * that grows fast said "1 pending row") and read every pending or in-flight delivery, dead
 * versions included, on each claim: bench:pipeline read 20,000 index entries per claim of 100 and
 * slowed down as the table grew.
 */
function anyId(ids: string[]): SQL {
  return sql`any(array(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)))`;
}

/**
 * Claims deliveries for this worker: pending ones, or in-flight ones whose lease ran out (their
 * worker died). One statement for the whole batch; rows another worker holds are not returned.
 */
export async function claimDeliveries(store: Store, ids: string[], leaseSeconds: number): Promise<ClaimedDelivery[]> {
  if (ids.length === 0) return [];
  return store.rows<ClaimedDelivery>(sql`
    update deliveries d
       set status = 'in_flight', lease_until = now() + make_interval(secs => ${leaseSeconds}), updated_at = now()
      from events e
     where d.event_id = e.id
       and d.id = ${anyId(ids)}
       and ((d.status = 'pending' and (d.next_attempt_at is null or d.next_attempt_at <= now() + interval '1 second'))
            or (d.status = 'in_flight' and d.lease_until < now())) is true
    returning d.id, d.event_id as "eventId", d.destination, d.action, d.idempotency_key as "idempotencyKey",
              d.attempts, e.type as "eventType", e.payload, e.order_number as "orderNumber", e.po_number as "poNumber",
              e.skus, e.customer, e.correlation_id as "correlationId", e.source_connector as "sourceConnector",
              e.source_event_id as "sourceEventId", d.settings, d.hold,
              case when d.depends_on is null then null else (
                select json_object_agg(p.destination || '.' || p.action, p.external_id)
                  from deliveries p where p.event_id = d.event_id and p.status = 'succeeded') end as "priorResults"`);
}

/** What the queue needs to (re-)enqueue a delivery: the job id derives from id + next attempt time. */
export interface QueuedDelivery {
  id: string;
  destination: string;
  nextAttemptAt: string | null;
}

export interface Completion {
  id: string;
  attempts: number;
  externalId: string | null;
  /** The attempt row, written in the same statement (only if the delivery really was in flight). */
  attempt?: AttemptRow;
}

/**
 * Marks deliveries succeeded, counts them off their events (delivered when none is left open),
 * and releases the steps that were waiting on them. Returns the released deliveries.
 */
export async function completeDeliveries(store: Store, done: Completion[]): Promise<QueuedDelivery[]> {
  if (done.length === 0) return [];
  const logged = done.flatMap((c) => (c.attempt ? [c.attempt] : []));
  const json = JSON.stringify(done.map((c) => ({ id: c.id, attempts: c.attempts, external_id: c.externalId })));
  return store.rows(sql`
    with v as (select * from jsonb_to_recordset(${json}::jsonb) as x(id text, attempts int, external_id text)),
    upd as (
      update deliveries d
         set status = 'succeeded', attempts = v.attempts, external_id = v.external_id, lease_until = null,
             next_attempt_at = null, last_error = null, last_error_class = null, updated_at = now()
        from v where d.id = v.id and d.id = any(array(select v.id from v)) and (d.status = 'in_flight') is true
      returning d.id, d.event_id),
    ev as (select event_id, count(*)::int as n from upd group by event_id),
    evupd as (
      update event_progress p
         set open_deliveries = p.open_deliveries - ev.n,
             status = case when p.parked_deliveries > 0 then 'parked'
                           when p.open_deliveries - ev.n <= 0 then 'delivered' else 'processing' end
        from ev where p.event_id = ev.event_id
      returning p.event_id),
    rel as (
      update deliveries d2 set status = 'pending', updated_at = now()
        from upd where d2.depends_on = upd.id and d2.status = 'blocked'
      returning d2.id, d2.destination),
    att as (${logged.length ? insertAttemptsSql(logged, sql`a.delivery_id in (select id from upd)`) : sql`select 1`})
    select id, destination, null::timestamptz as "nextAttemptAt" from rel`);
}

export interface Reschedule {
  id: string;
  attempts: number;
  nextAttemptAt: string;
  errorClass: string | null;
  error: string | null;
  /** Backoff after an error marks the event as retrying; a rate-limit or circuit wait does not. */
  retrying: boolean;
}

/** Puts deliveries back to pending with a next attempt time (the queue holds the delayed job). */
export async function rescheduleDeliveries(store: Store, items: Reschedule[]): Promise<void> {
  if (items.length === 0) return;
  const json = JSON.stringify(items.map((r) => ({ id: r.id, attempts: r.attempts, next_at: r.nextAttemptAt, error_class: r.errorClass, error: r.error, retrying: r.retrying })));
  await store.rows(sql`
    with v as (select * from jsonb_to_recordset(${json}::jsonb) as x(id text, attempts int, next_at timestamptz, error_class text, error text, retrying boolean)),
    upd as (
      update deliveries d
         set status = 'pending', attempts = v.attempts, next_attempt_at = v.next_at, lease_until = null,
             last_error_class = coalesce(v.error_class, d.last_error_class), last_error = coalesce(v.error, d.last_error), updated_at = now()
        from v where d.id = v.id and d.id = any(array(select v.id from v)) and (d.status = 'in_flight') is true
      returning d.event_id, v.retrying)
    update event_progress p set status = 'retrying'
      from (select distinct event_id from upd where retrying) r
     where p.event_id = r.event_id and p.status in ('processing', 'received')`);
}

export interface Parking {
  id: string;
  eventId: string;
  destination: string;
  attempts: number;
  errorClass: string;
  reason: string;
  field: string | null;
  failureKey: string;
  failureTitle: string;
  owner: string | null;
}

/**
 * Stops a delivery with its reason (dead letter), records the attempt that parked it and opens or
 * bumps its failure group, in one transaction: a parked delivery always has its cause logged.
 */
export async function parkDelivery(store: Store, p: Parking, attempt: AttemptRow): Promise<boolean> {
  return store.db.transaction(async (tx) => {
    const updated = (await tx.execute(sql`
      update deliveries set status = 'parked', attempts = ${p.attempts}, lease_until = null, next_attempt_at = null,
             last_error_class = ${p.errorClass}, last_error = ${p.reason}, failure_key = ${p.failureKey}, updated_at = now()
       where id = ${p.id} and status = 'in_flight' returning id`)) as unknown;
    const count = Array.isArray(updated) ? updated.length : ((updated as { rows: unknown[] }).rows ?? []).length;
    if (count === 0) return false;
    await tx.execute(sql`
      update event_progress set open_deliveries = open_deliveries - 1, parked_deliveries = parked_deliveries + 1, status = 'parked'
       where event_id = ${p.eventId}`);
    await tx.execute(insertAttemptsSql([attempt]));
    await tx
      .insert(parkedDeliveries)
      .values({ deliveryId: p.id, eventId: p.eventId, destination: p.destination, errorClass: p.errorClass, reason: p.reason, field: p.field })
      .onConflictDoUpdate({
        target: parkedDeliveries.deliveryId,
        set: { errorClass: p.errorClass, reason: p.reason, field: p.field, parkedAt: sql`now()`, releasedAt: null, releasedBy: null },
      });
    await tx
      .insert(failureGroups)
      .values({ key: p.failureKey, rootCause: p.errorClass, title: p.failureTitle, connector: p.destination, owner: p.owner })
      .onConflictDoUpdate({
        target: failureGroups.key,
        set: { lastSeenAt: sql`now()`, status: sql`case when ${failureGroups.status} = 'resolved' then 'open' else ${failureGroups.status} end` },
      });
    return true;
  });
}

/**
 * Releases parked deliveries for another try (a replay), by id. Counts them back onto their
 * events. Returns the released ones for enqueueing. `by` is recorded on the dead-letter row.
 */
export async function releaseParked(store: Store, deliveryIds: string[], by: string): Promise<QueuedDelivery[]> {
  if (deliveryIds.length === 0) return [];
  return store.rows(sql`
    with rel as (
      update deliveries set status = 'pending', next_attempt_at = now(), updated_at = now()
       where id in ${deliveryIds} and status = 'parked'
      returning id, destination, event_id, next_attempt_at),
    pk as (update parked_deliveries set released_at = now(), released_by = ${by} where delivery_id in (select id from rel) returning delivery_id),
    ev as (select event_id, count(*)::int as n from rel group by event_id),
    evupd as (
      update event_progress p set open_deliveries = p.open_deliveries + ev.n, parked_deliveries = greatest(p.parked_deliveries - ev.n, 0),
             status = case when p.parked_deliveries - ev.n > 0 then 'parked' else 'processing' end
        from ev where p.event_id = ev.event_id returning p.event_id)
    select id, destination, next_attempt_at as "nextAttemptAt" from rel`);
}

export type AttemptRow = typeof attempts.$inferInsert;

const ATTEMPT_COLUMNS = sql.raw(
  "event_id, delivery_id, stage, destination, attempt_no, started_at, duration_ms, outcome, error_class, error_message, upstream, external_id, next_attempt_at",
);

/**
 * Attempt rows as a JSON recordset `a`, to be inserted on their own or inside another statement
 * (capture, completion) so the execution log costs no extra round trip.
 */
export function attemptRecordset(rows: AttemptRow[]): SQL {
  const json = JSON.stringify(
    rows.map((r) => ({
      event_id: r.eventId, delivery_id: r.deliveryId ?? null, stage: r.stage, destination: r.destination ?? null, attempt_no: r.attemptNo ?? 1,
      started_at: r.startedAt, duration_ms: r.durationMs ?? 0, outcome: r.outcome, error_class: r.errorClass ?? null,
      error_message: r.errorMessage ?? null, upstream: r.upstream ?? null, external_id: r.externalId ?? null, next_attempt_at: r.nextAttemptAt ?? null,
    })),
  );
  return sql`jsonb_to_recordset(${json}::jsonb) as a(event_id text, delivery_id text, stage text, destination text, attempt_no int,
           started_at timestamptz, duration_ms int, outcome text, error_class text, error_message text, upstream jsonb, external_id text, next_attempt_at timestamptz)`;
}

export function insertAttemptsSql(rows: AttemptRow[], where: SQL = sql`true`): SQL {
  return sql`insert into attempts (${ATTEMPT_COLUMNS}) select ${ATTEMPT_COLUMNS} from ${attemptRecordset(rows)} where ${where}`;
}

/** The execution log, batched as one JSON parameter (see insertCapturedEvents for why). */
export async function insertAttempts(store: Store, rows: AttemptRow[]): Promise<void> {
  if (rows.length === 0) return;
  await store.rows(insertAttemptsSql(rows));
}

/**
 * Work the queue may have lost: pending deliveries that are due (a lost or never-sent job),
 * in-flight ones whose lease ran out (a killed worker), and blocked ones whose prerequisite has
 * already succeeded (a crash between the two updates).
 */
export async function findRecoverableDeliveries(
  store: Store,
  opts: { graceSeconds: number; limit: number; includeScheduled: boolean },
): Promise<{ id: string; destination: string; nextAttemptAt: string | null }[]> {
  await store.rows(sql`
    update deliveries d set status = 'pending', updated_at = now()
      from deliveries p
     where d.status = 'blocked' and d.depends_on = p.id and p.status = 'succeeded'`);
  return store.rows(sql`
    select id, destination, next_attempt_at as "nextAttemptAt" from deliveries
     where (status = 'pending' and (${opts.includeScheduled}
              or coalesce(next_attempt_at, updated_at) < now() - make_interval(secs => ${opts.graceSeconds})))
        or (status = 'in_flight' and lease_until < now())
     order by updated_at
     limit ${opts.limit}`);
}

export interface ParkedFilter {
  destination?: string;
  errorClass?: string;
  failureKey?: string;
  eventIds?: string[];
  /** Parked at or after this time (UTC ISO-8601). */
  since?: string;
  limit?: number;
}

/** Parked (not yet released) deliveries matching a filter, oldest first: what a bulk replay acts on. */
export async function findParkedDeliveries(store: Store, f: ParkedFilter): Promise<{ deliveryId: string; eventId: string; destination: string; errorClass: string; reason: string }[]> {
  return store.rows(sql`
    select p.delivery_id as "deliveryId", p.event_id as "eventId", p.destination, p.error_class as "errorClass", p.reason
      from parked_deliveries p join deliveries d on d.id = p.delivery_id
     where p.released_at is null and d.status = 'parked'
       and (${f.destination ?? null}::text is null or p.destination = ${f.destination ?? null})
       and (${f.errorClass ?? null}::text is null or p.error_class = ${f.errorClass ?? null})
       and (${f.failureKey ?? null}::text is null or d.failure_key = ${f.failureKey ?? null})
       and (${f.since ?? null}::timestamptz is null or p.parked_at >= ${f.since ?? null}::timestamptz)
       and (${f.eventIds ? JSON.stringify(f.eventIds) : null}::jsonb is null or p.event_id in (select jsonb_array_elements_text(${f.eventIds ? JSON.stringify(f.eventIds) : null}::jsonb)))
     order by p.parked_at
     limit ${f.limit ?? 10_000}`);
}
