import { sql } from "drizzle-orm";
import type { Store } from "../client";

export async function readReconSettingsRows(store: Store): Promise<{ domain: string; settings: Record<string, unknown> }[]> {
  return store.rows<{ domain: string; settings: Record<string, unknown> }>(sql`select domain, settings from recon_settings`);
}

export async function saveReconSettingsRow(store: Store, domain: string, settings: Record<string, unknown>, by: string): Promise<void> {
  await store.rows(sql`
    insert into recon_settings (domain, settings, updated_at, updated_by) values (${domain}, ${JSON.stringify(settings)}::jsonb, now(), ${by})
    on conflict (domain) do update set settings = excluded.settings, updated_at = now(), updated_by = excluded.updated_by`);
}
