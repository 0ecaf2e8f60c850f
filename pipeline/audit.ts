import { createHash } from "node:crypto";
import type { Db, Store } from "./db/client";
import { auditPage, findAuditEntries, insertAuditRows, lastAuditEntry, lockAuditChain, type AuditFilter, type AuditRow } from "./db/queries/audit-queries";
import { newId } from "./ids";

/**
 * The audit log: append-only and hash-chained. Each entry's hash is
 * sha256(prevHash + canonical JSON of the entry), so editing, deleting or reordering any entry
 * breaks the chain from that point on, and verifyAuditChain names the first bad entry.
 *
 * Appends are serialised: an in-process queue (PGlite has one connection; it also saves
 * PostgreSQL round trips) plus a transaction-scoped advisory lock, so appenders in different
 * processes chain onto each other's entries instead of forking the chain.
 */
export type AuditActorType = "user" | "agent" | "mcp_client" | "policy" | "system";

export interface AuditInput {
  actorType: AuditActorType;
  actorId: string;
  action: string;
  /** What the entry is about: "remediation:rem_…", "delivery:dlv_…", "mcp_token:tok_…". */
  subject: string;
  reason?: string | null;
  before?: unknown;
  after?: unknown;
}

export interface AuditEntry {
  seq: number;
  id: string;
  at: string;
  actorType: AuditActorType;
  actorId: string;
  action: string;
  subject: string;
  reason: string | null;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = "0".repeat(64);
const AUDIT_LOCK = 7172025;
const queues = new WeakMap<Store, Promise<unknown>>();

/** Appends entries in order, as one transaction. Returns them with their sequence numbers and hashes. */
export async function appendAudit(store: Store, input: AuditInput | AuditInput[]): Promise<AuditEntry[]> {
  const inputs = Array.isArray(input) ? input : [input];
  if (inputs.length === 0) return [];
  const previous = queues.get(store) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => appendLocked(store, inputs));
  queues.set(store, run.catch(() => undefined));
  return run;
}

async function appendLocked(store: Store, inputs: AuditInput[]): Promise<AuditEntry[]> {
  return store.db.transaction(async (tx) => {
    const db = tx as unknown as Db;
    if (store.kind === "postgres") await lockAuditChain(db, AUDIT_LOCK);
    const last = await lastAuditEntry(db);
    let seq = last?.seq ?? 0;
    let prevHash = last?.hash ?? GENESIS_HASH;
    const entries: AuditEntry[] = [];
    for (const i of inputs) {
      seq += 1;
      const body = {
        seq,
        id: newId("aud"),
        at: new Date().toISOString(),
        actorType: i.actorType,
        actorId: i.actorId,
        action: i.action,
        subject: i.subject,
        reason: i.reason ?? null,
        before: jsonValue(i.before),
        after: jsonValue(i.after),
      };
      const hash = hashEntry(prevHash, body);
      entries.push({ ...body, prevHash, hash });
      prevHash = hash;
    }
    // Sequence numbers are assigned here, under the lock, so a gap can only mean a deleted entry.
    await insertAuditRows(db, entries);
    return entries;
  });
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** The first entry that does not verify (or the entry after a gap). */
  firstBadSeq?: number;
  problem?: string;
  /** The newest entry: keep it elsewhere to detect a truncated tail, which no chain can show by itself. */
  head?: { seq: number; hash: string };
}

/**
 * Walks the whole chain in order and recomputes every hash. Detects an edited entry (hash
 * mismatch), a deleted one (sequence gap or prev_hash mismatch) and a reordered one.
 */
export async function verifyAuditChain(store: Store, opts: { pageSize?: number; expectedHead?: { seq: number; hash: string } } = {}): Promise<ChainVerification> {
  const pageSize = opts.pageSize ?? 2000;
  let prevSeq = 0;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows = await auditPage(store, prevSeq, pageSize);
    for (const r of rows) {
      const seq = Number(r.seq);
      const bad = (problem: string): ChainVerification => ({ ok: false, checked, firstBadSeq: seq, problem, head: { seq: prevSeq, hash: prevHash } });
      if (seq !== prevSeq + 1) return bad(prevSeq === 0 ? `the chain starts at entry ${seq}: entries 1–${seq - 1} were deleted` : `entries ${prevSeq + 1}–${seq - 1} are missing: deleted after they were written`);
      if (r.prevHash !== prevHash) return bad(`entry ${seq} does not follow entry ${prevSeq}: its prev_hash does not match (an entry was deleted, inserted or reordered)`);
      if (hashEntry(prevHash, bodyOf(r)) !== r.hash) return bad(`entry ${seq} (${r.action} on ${r.subject}) was edited: its content no longer matches its hash`);
      prevSeq = seq;
      prevHash = r.hash;
      checked++;
    }
    if (rows.length < pageSize) break;
  }
  const head = checked ? { seq: prevSeq, hash: prevHash } : undefined;
  if (opts.expectedHead && (opts.expectedHead.seq > prevSeq || (opts.expectedHead.seq === prevSeq && opts.expectedHead.hash !== prevHash))) {
    return { ok: false, checked, firstBadSeq: opts.expectedHead.seq, problem: `the chain ends at entry ${prevSeq} but entry ${opts.expectedHead.seq} was recorded: the tail was deleted or rewritten`, head };
  }
  return { ok: true, checked, head };
}

export async function readAuditLog(store: Store, filter: AuditFilter): Promise<AuditEntry[]> {
  return (await findAuditEntries(store, filter)).map(toEntry);
}

function toEntry(r: AuditRow): AuditEntry {
  return { ...bodyOf(r), prevHash: r.prevHash, hash: r.hash };
}

function bodyOf(r: AuditRow): Omit<AuditEntry, "prevHash" | "hash"> {
  return {
    seq: Number(r.seq),
    id: r.id,
    at: new Date(r.at).toISOString(),
    actorType: r.actorType,
    actorId: r.actorId,
    action: r.action,
    subject: r.subject,
    reason: r.reason ?? null,
    before: r.before ?? null,
    after: r.after ?? null,
  };
}

export function hashEntry(prevHash: string, body: Omit<AuditEntry, "prevHash" | "hash">): string {
  return createHash("sha256").update(prevHash).update(canonicalJson(body)).digest("hex");
}

/** JSON with object keys sorted at every level: jsonb does not keep key order, the hash must not depend on it. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** What the value becomes after a round trip through jsonb, so the hash computed now verifies later. */
function jsonValue(v: unknown): unknown {
  return v === undefined ? null : JSON.parse(JSON.stringify(v));
}
