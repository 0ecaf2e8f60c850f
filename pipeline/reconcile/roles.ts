import type { LiveInstance } from "../connector-instances";
import type { MappingRow } from "../db/queries/mapping-queries";

/**
 * The part a connected system plays in reconciliation. Inferred from the connector type; a
 * connection can say otherwise with settings.reconRole (e.g. a second Shopify store used as a
 * wholesale portal, or a NetSuite account that only keeps the books).
 */
export type ReconRole = "erp" | "3pl" | "channel" | "accounting" | "payments";

const ROLE_BY_TYPE: Record<string, ReconRole> = {
  netsuite: "erp",
  shipstation: "3pl",
  shopify: "channel",
  amazon: "channel",
  quickbooks: "accounting",
  stripe: "payments",
};

export function roleOf(inst: LiveInstance): ReconRole | undefined {
  const declared = inst.settings.reconRole;
  if (typeof declared === "string" && ["erp", "3pl", "channel", "accounting", "payments"].includes(declared)) return declared as ReconRole;
  return ROLE_BY_TYPE[inst.definition.id];
}

export function hasReader(inst: LiveInstance, reader: string): boolean {
  return typeof inst.definition.readers?.[reader] === "function";
}

/** Enabled instances of a role that offer a reader, in a stable order. */
export function instancesOf(instances: LiveInstance[], role: ReconRole, reader?: string): LiveInstance[] {
  return instances.filter((i) => i.enabled && roleOf(i) === role && (!reader || hasReader(i, reader))).sort((a, b) => a.id.localeCompare(b.id));
}

export function displayName(inst: LiveInstance | undefined, fallback = "?"): string {
  return inst?.definition.displayName.replace(/\s*\(.*\)$/, "") ?? fallback;
}

/** The last segment of a location reference: gid://shopify/Location/12 → 12, shopify:12 → 12. */
function tail(ref: string): string {
  return ref.split(/[/:]/).pop() ?? ref;
}

/**
 * Translates a system's own location name into the ERP's location, which is the key every count
 * is compared under. In order: a "recon_location" mapping of that connection (system location →
 * ERP location); for channels, the reverse of the location mapping stock is published with
 * (e.g. shopify_location: ERP location → channel location); otherwise the name itself, except for
 * channels, whose unmapped locations are not compared (a store location the ERP does not stock).
 */
export function locationResolver(inst: LiveInstance, role: ReconRole, mappings: MappingRow[]): (location: string) => string | undefined {
  const own = mappings.filter((m) => m.connector === inst.id);
  const explicit = new Map(own.filter((m) => m.kind === "recon_location").map((m) => [m.sourceKey, m.targetKey]));
  const published = own.filter((m) => m.kind.endsWith("_location") && m.kind !== "recon_location");
  const byTail = new Map<string, string>();
  for (const m of published) if (!byTail.has(tail(m.targetKey))) byTail.set(tail(m.targetKey), m.sourceKey);
  return (location) => explicit.get(location) ?? byTail.get(tail(location)) ?? (role === "channel" ? undefined : location);
}

/** The ERP locations a channel sells from (where its orders commit stock). */
export function channelLocations(inst: LiveInstance, mappings: MappingRow[]): string[] {
  const own = mappings.filter((m) => m.connector === inst.id);
  const fromExplicit = own.filter((m) => m.kind === "recon_location").map((m) => m.targetKey);
  const fromPublished = own.filter((m) => m.kind.endsWith("_location") && m.kind !== "recon_location").map((m) => m.sourceKey);
  return [...new Set([...fromExplicit, ...fromPublished])];
}

export function safetyStockOf(inst: LiveInstance): number {
  const v = inst.settings.safetyStock;
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : 0;
}
