import { and, eq } from "drizzle-orm";
import type { MappingLookup } from "../connectors/sdk/definition";
import type { Store } from "./db/client";
import { mappings } from "./db/schema";

/**
 * Mapping lookups for one destination, cached briefly: deliveries look the same SKU up many
 * times a second, and a mapping fixed from the console must take effect within seconds.
 */
export class MappingCache {
  private readonly cache = new Map<string, { value: string | undefined; at: number }>();

  constructor(private readonly store: Store, private readonly ttlMs = 5_000) {}

  for(connector: string): MappingLookup {
    return { get: (kind, sourceKey) => this.get(connector, kind, sourceKey) };
  }

  invalidate(): void {
    this.cache.clear();
  }

  private async get(connector: string, kind: string, sourceKey: string): Promise<string | undefined> {
    const k = `${connector}\u001f${kind}\u001f${sourceKey}`;
    const hit = this.cache.get(k);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const [row] = await this.store.db
      .select({ target: mappings.targetKey })
      .from(mappings)
      .where(and(eq(mappings.kind, kind), eq(mappings.connector, connector), eq(mappings.sourceKey, sourceKey)))
      .limit(1);
    this.cache.set(k, { value: row?.target, at: Date.now() });
    return row?.target;
  }
}
