import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { saveConnectorInstance } from "./connector-instances";
import { mappings } from "./db/schema";
import { FulfilmentNode, saveFulfilmentNode } from "./fulfilment/nodes";
import { saveRoutingRule } from "./routing-rules";
import { RoutingRule } from "./stages/route";
import type { Runtime } from "./runtime";

/**
 * What `npm start` hands the web process about the sandbox world it started: the connections
 * (pointing at the local sandboxes), routing rules and mappings. Pointing at real services is the
 * same record with real base URLs and credentials.
 */
export const SandboxWorldFile = z.object({
  instances: z.array(
    z.object({
      id: z.string(),
      connectorType: z.string(),
      displayName: z.string().optional(),
      baseUrl: z.string(),
      credentials: z.record(z.string(), z.unknown()),
      settings: z.record(z.string(), z.unknown()).default({}),
      owner: z.string().optional(),
    }),
  ),
  rules: z.array(RoutingRule),
  mappings: z.array(z.object({ kind: z.string(), connector: z.string(), sourceKey: z.string(), targetKey: z.string() })).default([]),
  /** Where orders can ship from (the 3PL, a second warehouse), for fulfilment routing. */
  fulfilmentNodes: z.array(FulfilmentNode).optional(),
});
export type SandboxWorldFile = z.infer<typeof SandboxWorldFile>;

export function sandboxWorldPath(dataDir: string): string {
  return join(dataDir, "sandbox-world.json");
}

/** Applies the world file if present; returns whether it did. */
export async function applySandboxWorld(rt: Runtime): Promise<boolean> {
  const file = sandboxWorldPath(rt.config.dataDir);
  if (!existsSync(file)) return false;
  const world = SandboxWorldFile.parse(JSON.parse(readFileSync(file, "utf8")));
  await applyWorld(rt, world);
  // The file carried credentials in plaintext for one hand-over; they now live encrypted.
  unlinkSync(file);
  return true;
}

export async function applyWorld(rt: Runtime, world: SandboxWorldFile): Promise<void> {
  for (const inst of world.instances) await saveConnectorInstance(rt.store, rt.config.secretKey, inst);
  for (const rule of world.rules) await saveRoutingRule(rt.store, rule);
  for (const m of world.mappings) {
    await rt.store.db.insert(mappings).values(m).onConflictDoUpdate({ target: [mappings.kind, mappings.connector, mappings.sourceKey], set: { targetKey: m.targetKey } });
  }
  for (const node of world.fulfilmentNodes ?? []) await saveFulfilmentNode(rt.store, node);
}
