import { sql } from "drizzle-orm";
import type { Store } from "../client";
import { QUARANTINE_KEY } from "./failure-queries";

export interface EvidenceRef {
  kind: string;
  id: string;
}


/** The references that point at no existing row (an empty list means every one exists). */
export async function missingEvidence(store: Store, refs: EvidenceRef[]): Promise<EvidenceRef[]> {
  const missing: EvidenceRef[] = [];
  for (const r of refs) {
    if (!(await evidenceExists(store, r))) missing.push(r);
  }
  return missing;
}

async function evidenceExists(store: Store, r: EvidenceRef): Promise<boolean> {
  const one = async (q: ReturnType<typeof sql>) => (await store.rows(q)).length > 0;
  switch (r.kind) {
    case "event":
      return one(sql`select 1 from events where id = ${r.id}`);
    case "delivery":
      return one(sql`select 1 from deliveries where id = ${r.id}`);
    case "parked_delivery":
      return one(sql`select 1 from parked_deliveries where delivery_id = ${r.id}`);
    case "attempt":
      return /^\d+$/.test(r.id) && one(sql`select 1 from attempts where id = ${Number(r.id)}`);
    case "failure_group":
      return r.id.startsWith("quarantine|")
        ? one(sql`select 1 from quarantine q where ${QUARANTINE_KEY} = ${r.id} limit 1`)
        : one(sql`select 1 from failure_groups where key = ${r.id}`);
    case "mapping":
      return /^\d+$/.test(r.id) && one(sql`select 1 from mappings where id = ${Number(r.id)}`);
    case "connector":
      return one(sql`select 1 from connector_instances where id = ${r.id}`);
    case "quarantine":
      return one(sql`select 1 from quarantine where id = ${r.id}`);
    case "recon_diff":
      return one(sql`select 1 from recon_diffs where id = ${r.id}`);
    case "remediation":
      return one(sql`select 1 from remediations where id = ${r.id}`);
    default:
      return false;
  }
}
