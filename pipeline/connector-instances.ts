import { eq } from "drizzle-orm";
import { CONNECTORS } from "../connectors/registry";
import type { ConnectorDefinition } from "../connectors/sdk/definition";
import { decryptCredentials, encryptCredentials } from "./credentials-crypto";
import type { Store } from "./db/client";
import { connectorInstances } from "./db/schema";
import { DEFAULT_POLICY, type Destination, type DestinationDirectory } from "./destinations";

export interface ConnectorInstanceInput {
  id: string;
  connectorType: string;
  displayName?: string;
  baseUrl?: string;
  credentials: Record<string, unknown>;
  settings?: Record<string, unknown>;
  owner?: string;
  enabled?: boolean;
}

/** A configured connection with its credentials decrypted: lives only in server memory. */
export interface LiveInstance {
  id: string;
  definition: ConnectorDefinition;
  baseUrl: string;
  credentials: Record<string, unknown>;
  settings: Record<string, unknown>;
  owner: string | null;
  enabled: boolean;
  client: unknown;
}

/**
 * Saves a connection. Credentials are validated against the connector's schema, then stored as
 * AES-256-GCM ciphertext bound to the instance id. Omitted secret fields keep their stored value
 * (the console's secret inputs are write-only).
 */
export async function saveConnectorInstance(store: Store, key: Buffer, input: ConnectorInstanceInput): Promise<void> {
  const def = CONNECTORS[input.connectorType];
  if (!def) throw new Error(`unknown connector type ${input.connectorType}`);
  const [existing] = await store.db.select().from(connectorInstances).where(eq(connectorInstances.id, input.id));
  const previous = existing?.credentialsEnc ? decryptCredentials(key, existing.credentialsEnc, input.id) : {};
  const merged = { ...previous, ...Object.fromEntries(Object.entries(input.credentials).filter(([, v]) => v !== "" && v !== undefined)) };
  const credentials = def.credentials.parse(merged) as Record<string, unknown>;
  const row = {
    id: input.id,
    connectorType: input.connectorType,
    displayName: input.displayName ?? def.displayName,
    baseUrl: input.baseUrl ?? def.defaultBaseUrl,
    credentialsEnc: encryptCredentials(key, credentials, input.id),
    settings: input.settings ?? existing?.settings ?? {},
    owner: input.owner ?? existing?.owner ?? null,
    enabled: input.enabled ?? existing?.enabled ?? true,
    updatedAt: new Date().toISOString(),
  };
  await store.db.insert(connectorInstances).values(row).onConflictDoUpdate({ target: connectorInstances.id, set: row });
}

export async function loadLiveInstances(store: Store, key: Buffer): Promise<LiveInstance[]> {
  const rows = await store.db.select().from(connectorInstances);
  const out: LiveInstance[] = [];
  for (const r of rows) {
    const definition = CONNECTORS[r.connectorType];
    if (!definition) continue;
    const credentials = r.credentialsEnc ? decryptCredentials(key, r.credentialsEnc, r.id) : {};
    const baseUrl = r.baseUrl ?? definition.defaultBaseUrl;
    out.push({
      id: r.id,
      definition,
      baseUrl,
      credentials,
      settings: r.settings ?? {},
      owner: r.owner,
      enabled: r.enabled,
      client: definition.createClient({
        baseUrl,
        credentials,
        onCredentialsRefreshed: (patch) => saveRefreshedCredentials(store, key, r.id, patch),
      }),
    });
  }
  return out;
}

/** Merges credentials a system rotated (a new refresh token) into the stored, encrypted ones. */
async function saveRefreshedCredentials(store: Store, key: Buffer, id: string, patch: Record<string, unknown>): Promise<void> {
  const [row] = await store.db.select().from(connectorInstances).where(eq(connectorInstances.id, id));
  if (!row?.credentialsEnc) return;
  const merged = { ...decryptCredentials(key, row.credentialsEnc, id), ...patch };
  await store.db.update(connectorInstances).set({ credentialsEnc: encryptCredentials(key, merged, id), updatedAt: new Date().toISOString() }).where(eq(connectorInstances.id, id));
}

/** Turns a live instance into the deliver stage's view of it. */
export function destinationOf(inst: LiveInstance): Destination {
  const def = inst.definition;
  const override = (inst.settings.policy ?? {}) as Partial<typeof DEFAULT_POLICY>;
  return {
    id: inst.id,
    owner: inst.owner,
    settings: inst.settings,
    policy: { ...DEFAULT_POLICY, concurrency: def.ratePolicy.concurrency, perSecond: def.ratePolicy.perSecond, ...override },
    actions: Object.fromEntries(
      Object.entries(def.destinations ?? {}).map(([name, action]) => [
        name,
        {
          deliver: (ctx) => action.deliver(inst.client, ctx),
          lookupExisting: action.lookupExisting ? (ctx) => action.lookupExisting!(inst.client, ctx) : undefined,
        },
      ]),
    ),
  };
}

/** The destinations of every enabled instance, reloadable when a connection changes. */
export class InstanceDirectory implements DestinationDirectory {
  private instances = new Map<string, LiveInstance>();
  private destinations = new Map<string, Destination>();

  constructor(private readonly store: Store, private readonly key: Buffer, private readonly extra: Destination[] = []) {}

  async reload(): Promise<void> {
    const live = await loadLiveInstances(this.store, this.key);
    this.instances = new Map(live.map((i) => [i.id, i]));
    this.destinations = new Map([...live.filter((i) => i.enabled).map((i) => [i.id, destinationOf(i)] as const), ...this.extra.map((d) => [d.id, d] as const)]);
  }

  instance(id: string): LiveInstance | undefined {
    return this.instances.get(id);
  }

  listInstances(): LiveInstance[] {
    return [...this.instances.values()];
  }

  get(id: string): Destination | undefined {
    return this.destinations.get(id);
  }

  list(): Destination[] {
    return [...this.destinations.values()];
  }
}
