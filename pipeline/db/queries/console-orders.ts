import { sql, type SQL } from "drizzle-orm";
import type { Store } from "../client";
import { EVENT_STATUS, EVENTS_WITH_PROGRESS } from "./event-read-queries";

export interface OrderListRow {
  ref: string;
  customer: string | null;
  sources: string[];
  events: number;
  firstAt: string;
  lastAt: string;
  /** parked: something stopped; open: deliveries still running; done: every delivery finished. */
  state: "parked" | "open" | "done";
  openReconDiffs: number;
}

const iso = (v: unknown): string => new Date(v instanceof Date ? v.getTime() : String(v)).toISOString();

/** Recent orders (by order or PO number) with their loop state; `q` matches number, PO, SKU or customer. */
export async function listOrders(store: Store, f: { q?: string; state?: OrderListRow["state"]; limit?: number } = {}): Promise<OrderListRow[]> {
  const where: SQL[] = [sql`coalesce(e.order_number, e.po_number) is not null`];
  if (f.q) {
    const like = `%${f.q}%`;
    where.push(sql`(e.order_number ilike ${like} or e.po_number ilike ${like} or e.customer ilike ${like} or e.skus @> array[${f.q}]::text[])`);
  }
  const having = f.state === "parked"
    ? sql`having bool_or(${EVENT_STATUS} = 'parked')`
    : f.state === "open"
      ? sql`having not bool_or(${EVENT_STATUS} = 'parked') and bool_or(${EVENT_STATUS} in ('received', 'processing', 'retrying'))`
      : f.state === "done"
        ? sql`having not bool_or(${EVENT_STATUS} in ('parked', 'received', 'processing', 'retrying'))`
        : sql``;
  const rows = await store.rows<Record<string, unknown>>(sql`
    with o as (
      select coalesce(e.order_number, e.po_number) as ref, max(e.customer) as customer,
             array_agg(distinct e.source_connector) as sources, count(*)::int as events,
             min(e.received_at) as "firstAt", max(e.received_at) as "lastAt",
             case when bool_or(${EVENT_STATUS} = 'parked') then 'parked'
                  when bool_or(${EVENT_STATUS} in ('received', 'processing', 'retrying')) then 'open' else 'done' end as state
        from ${EVENTS_WITH_PROGRESS}
       where ${sql.join(where, sql` and `)}
       group by coalesce(e.order_number, e.po_number)
       ${having}
       order by max(e.received_at) desc
       limit ${f.limit ?? 100})
    select o.*, (select count(*)::int from recon_diffs r where r.subject = o.ref and r.status = 'open') as "openReconDiffs"
      from o order by o."lastAt" desc`);
  return rows.map((r) => ({
    ref: String(r.ref),
    customer: (r.customer as string | null) ?? null,
    sources: (r.sources as string[]) ?? [],
    events: Number(r.events),
    firstAt: iso(r.firstAt),
    lastAt: iso(r.lastAt),
    state: r.state as OrderListRow["state"],
    openReconDiffs: Number(r.openReconDiffs ?? 0),
  }));
}

export interface ReconDiffView {
  id: string;
  runId: string;
  domain: string;
  subject: string;
  kind: string;
  severity: string;
  sides: unknown;
  evidence: unknown;
  explanation: string | null;
  status: string;
  firstSeenAt: string;
  createdAt: string;
}

function toDiff(r: Record<string, unknown>): ReconDiffView {
  return {
    id: String(r.id),
    runId: String(r.runId),
    domain: String(r.domain),
    subject: String(r.subject),
    kind: String(r.kind),
    severity: String(r.severity),
    sides: r.sides,
    evidence: r.evidence,
    explanation: (r.explanation as string | null) ?? null,
    status: String(r.status),
    firstSeenAt: iso(r.firstSeenAt),
    createdAt: iso(r.createdAt),
  };
}

const DIFF_COLUMNS = sql`id, run_id as "runId", domain, subject, kind, severity, sides, evidence, explanation, status,
  first_seen_at as "firstSeenAt", created_at as "createdAt"`;

/** Reconciliation findings about one order (its number or PO number as the subject), newest first. */
export async function reconDiffsOfOrder(store: Store, refs: string[]): Promise<ReconDiffView[]> {
  const list = [...new Set(refs.filter(Boolean))];
  if (list.length === 0) return [];
  const rows = await store.rows<Record<string, unknown>>(sql`
    select ${DIFF_COLUMNS} from recon_diffs
     where subject in (select jsonb_array_elements_text(${JSON.stringify(list)}::jsonb))
     order by created_at desc limit 50`);
  return rows.map(toDiff);
}

export { toDiff as reconDiffFromRow, DIFF_COLUMNS as RECON_DIFF_COLUMNS };
