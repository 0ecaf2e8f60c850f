import type { SystemRole } from "@/pipeline/db/queries/console-overview";

/** What each kind of system is for in the loop; connections of other kinds are placed by event type. */
const ROLE_OF_TYPE: Record<string, SystemRole> = {
  shopify: "channel",
  amazon: "channel",
  "edi-x12": "channel",
  netsuite: "fulfilment",
  shipstation: "fulfilment",
  quickbooks: "accounting",
  stripe: "accounting",
};

export function systemRoles(instances: { id: string; definition: { id: string } }[]): Record<string, SystemRole> {
  return Object.fromEntries(instances.flatMap((i) => (ROLE_OF_TYPE[i.definition.id] ? [[i.id, ROLE_OF_TYPE[i.definition.id]!]] : [])));
}

const BUCKETS = [1, 2, 5, 10, 15, 30, 60];

/**
 * The overview chart's window: the last 12 hours, or less when the system is younger, so that a
 * fresh install shows its first minutes rather than one spike at the right edge. About 48 bars.
 */
export function chartWindow(firstEventAt: string | null, now = Date.now()): { minutes: number; bucketMinutes: number } {
  const age = firstEventAt ? (now - Date.parse(firstEventAt)) / 60_000 : 0;
  const minutes = Math.min(12 * 60, Math.max(30, Math.ceil(age * 1.15)));
  const bucketMinutes = BUCKETS.find((b) => minutes / b <= 60) ?? 60;
  return { minutes, bucketMinutes };
}
