import { and, asc, eq, sql } from "drizzle-orm";
import type { Store } from "../client";
import { connectorInstances, mappings, routingRules } from "../schema";

export interface ConnectionRow {
  id: string;
  connectorType: string;
  displayName: string;
  baseUrl: string | null;
  owner: string | null;
  enabled: boolean;
  authState: "ok" | "failed" | "unknown";
  authError: string | null;
  hasCredentials: boolean;
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

const iso = (v: unknown): string => new Date(v instanceof Date ? v.getTime() : String(v)).toISOString();

/** Connections without their ciphertext: nothing here can leak a secret to a page. */
export async function listConnections(store: Store): Promise<ConnectionRow[]> {
  const rows = await store.db
    .select({
      id: connectorInstances.id,
      connectorType: connectorInstances.connectorType,
      displayName: connectorInstances.displayName,
      baseUrl: connectorInstances.baseUrl,
      owner: connectorInstances.owner,
      enabled: connectorInstances.enabled,
      authState: connectorInstances.authState,
      authError: connectorInstances.authError,
      hasCredentials: sql<boolean>`${connectorInstances.credentialsEnc} is not null`,
      settings: connectorInstances.settings,
      createdAt: connectorInstances.createdAt,
      updatedAt: connectorInstances.updatedAt,
    })
    .from(connectorInstances)
    .orderBy(asc(connectorInstances.id));
  return rows.map((r) => ({ ...r, hasCredentials: Boolean(r.hasCredentials), createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) }));
}

export async function getConnection(store: Store, id: string): Promise<ConnectionRow | undefined> {
  return (await listConnections(store)).find((c) => c.id === id);
}

export async function setConnectionEnabled(store: Store, id: string, enabled: boolean): Promise<boolean> {
  const rows = await store.db.update(connectorInstances).set({ enabled, updatedAt: new Date().toISOString() }).where(eq(connectorInstances.id, id)).returning({ id: connectorInstances.id });
  return rows.length > 0;
}

export interface MappingRow {
  id: number;
  kind: string;
  connector: string;
  sourceKey: string;
  targetKey: string;
  updatedAt: string;
}

export async function listMappings(store: Store, f: { connector?: string; kind?: string; q?: string; limit?: number } = {}): Promise<MappingRow[]> {
  const where = [
    f.connector ? eq(mappings.connector, f.connector) : undefined,
    f.kind ? eq(mappings.kind, f.kind) : undefined,
    f.q ? sql`(${mappings.sourceKey} ilike ${`%${f.q}%`} or ${mappings.targetKey} ilike ${`%${f.q}%`})` : undefined,
  ].filter((w) => w !== undefined);
  const rows = await store.db
    .select()
    .from(mappings)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(mappings.connector), asc(mappings.kind), asc(mappings.sourceKey))
    .limit(f.limit ?? 500);
  return rows.map((r) => ({ ...r, updatedAt: iso(r.updatedAt) }));
}

/** Inserts or changes one translation; returns the previous target for the audit entry. */
export async function upsertMapping(store: Store, m: { kind: string; connector: string; sourceKey: string; targetKey: string }): Promise<{ before: string | null }> {
  const [prev] = await store.db
    .select({ targetKey: mappings.targetKey })
    .from(mappings)
    .where(and(eq(mappings.kind, m.kind), eq(mappings.connector, m.connector), eq(mappings.sourceKey, m.sourceKey)));
  await store.db
    .insert(mappings)
    .values(m)
    .onConflictDoUpdate({ target: [mappings.kind, mappings.connector, mappings.sourceKey], set: { targetKey: m.targetKey, updatedAt: sql`now()` } });
  return { before: prev?.targetKey ?? null };
}

export async function deleteMapping(store: Store, id: number): Promise<MappingRow | undefined> {
  const [row] = await store.db.delete(mappings).where(eq(mappings.id, id)).returning();
  return row ? { ...row, updatedAt: iso(row.updatedAt) } : undefined;
}

export async function mappingKinds(store: Store): Promise<string[]> {
  const rows = await store.db.selectDistinct({ kind: mappings.kind }).from(mappings).orderBy(asc(mappings.kind));
  return rows.map((r) => r.kind);
}

export type RoutingRuleRow = typeof routingRules.$inferSelect;

export async function listRoutingRules(store: Store): Promise<RoutingRuleRow[]> {
  return store.db.select().from(routingRules).orderBy(asc(routingRules.priority), asc(routingRules.id));
}

export async function getRoutingRule(store: Store, id: string): Promise<RoutingRuleRow | undefined> {
  const [row] = await store.db.select().from(routingRules).where(eq(routingRules.id, id));
  return row;
}

export async function deleteRoutingRule(store: Store, id: string): Promise<RoutingRuleRow | undefined> {
  const [row] = await store.db.delete(routingRules).where(eq(routingRules.id, id)).returning();
  return row;
}

/** The newest events with their payloads, for checking a routing rule before it is saved. */
export async function recentEventPayloads(store: Store, limit: number): Promise<{ id: string; type: string; sourceConnector: string; payload: unknown }[]> {
  return store.rows(sql`
    select id, type, source_connector as "sourceConnector", payload from events
     where payload is not null order by received_at desc limit ${limit}`);
}
