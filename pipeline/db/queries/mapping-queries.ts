import { sql } from "drizzle-orm";
import type { Db, Store } from "../client";
import { mappings } from "../schema";

export interface MappingRow {
  id?: number;
  kind: string;
  connector: string;
  sourceKey: string;
  targetKey: string;
}

/** Mappings of one connector for the given source keys, of any kind (or of the kinds given). */
export async function findMappings(store: Store, connector: string, sourceKeys: string[], kinds?: string[]): Promise<MappingRow[]> {
  if (sourceKeys.length === 0) return [];
  const rows = await store.rows<MappingRow>(sql`
    select id, kind, connector, source_key as "sourceKey", target_key as "targetKey" from mappings
     where connector = ${connector} and source_key in ${sourceKeys} ${kinds?.length ? sql`and kind in ${kinds}` : sql``}`);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** The mapping kinds a connector already uses, most rows first (to guess the kind a fix needs). */
export async function mappingKindsOf(store: Store, connector: string): Promise<{ kind: string; n: number }[]> {
  const rows = await store.rows<{ kind: string; n: number }>(sql`
    select kind, count(*)::int as n from mappings where connector = ${connector} group by kind order by count(*) desc limit 20`);
  return rows.map((r) => ({ kind: r.kind, n: Number(r.n) }));
}

export async function upsertMappings(db: Db, rows: MappingRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(mappings)
    .values(rows.map(({ id: _id, ...r }) => ({ ...r, updatedAt: new Date().toISOString() })))
    .onConflictDoUpdate({ target: [mappings.kind, mappings.connector, mappings.sourceKey], set: { targetKey: sql`excluded.target_key`, updatedAt: sql`now()` } });
}
