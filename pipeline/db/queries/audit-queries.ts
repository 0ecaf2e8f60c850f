import { and, asc, desc, eq, gt, gte, lt, lte, sql, type SQL } from "drizzle-orm";
import type { Db, Store } from "../client";
import { auditLog } from "../schema";

export type AuditRow = typeof auditLog.$inferSelect;
export type AuditInsert = typeof auditLog.$inferInsert;

/** The last entry of the chain, read inside the appender's lock. */
export async function lastAuditEntry(db: Db): Promise<{ seq: number; hash: string } | undefined> {
  const [row] = await db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
}

export async function insertAuditRows(db: Db, rows: AuditInsert[]): Promise<void> {
  if (rows.length) await db.insert(auditLog).values(rows);
}

/** Serialises appenders on PostgreSQL across processes; released at commit. */
export async function lockAuditChain(db: Db, key: number): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(${key})`);
}

/** One page of the chain in order, for verification. */
export async function auditPage(store: Store, afterSeq: number, limit: number): Promise<AuditRow[]> {
  return store.db.select().from(auditLog).where(gt(auditLog.seq, afterSeq)).orderBy(asc(auditLog.seq)).limit(limit);
}

export interface AuditFilter {
  subject?: string;
  subjectPrefix?: string;
  action?: string;
  actorId?: string;
  since?: string;
  until?: string;
  beforeSeq?: number;
  limit: number;
}

/** Newest first; `beforeSeq` pages backwards. */
export async function findAuditEntries(store: Store, f: AuditFilter): Promise<AuditRow[]> {
  const where: SQL[] = [];
  if (f.subject) where.push(eq(auditLog.subject, f.subject));
  if (f.subjectPrefix) where.push(sql`${auditLog.subject} like ${`${f.subjectPrefix.replace(/[%_\\]/g, "\\$&")}%`}`);
  if (f.action) where.push(eq(auditLog.action, f.action));
  if (f.actorId) where.push(eq(auditLog.actorId, f.actorId));
  if (f.since) where.push(gte(auditLog.at, f.since));
  if (f.until) where.push(lte(auditLog.at, f.until));
  if (f.beforeSeq) where.push(lt(auditLog.seq, f.beforeSeq));
  return store.db.select().from(auditLog).where(where.length ? and(...where) : undefined).orderBy(desc(auditLog.seq)).limit(f.limit);
}
