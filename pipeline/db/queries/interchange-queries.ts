import { sql } from "drizzle-orm";
import type { Store } from "../client";

/**
 * Records an interchange (sender, control number) and says whether it had been recorded before.
 * The unique index decides, so two workers receiving the same resend agree on which one was first.
 */
export async function recordInterchange(store: Store, r: { partnerId: string; controlNumber: string; connector: string }): Promise<{ seenBefore: boolean }> {
  const inserted = await store.rows<{ partner_id: string }>(sql`
    insert into inbound_interchanges (partner_id, control_number, connector) values (${r.partnerId}, ${r.controlNumber}, ${r.connector})
    on conflict (partner_id, control_number) do nothing
    returning partner_id`);
  return { seenBefore: inserted.length === 0 };
}
