import { eq } from "drizzle-orm";
import { quarantine } from "./db/schema";
import { handleWebhook, type IngressResult } from "./ingress";
import type { Runtime } from "./runtime";

/**
 * Replays a quarantined payload through the ingress exactly as it arrived (same body, same
 * signature headers): after a fix (a connection added, a secret rotated, a connector updated for a
 * schema change) it is accepted; otherwise it is rejected again with the current reason.
 */
export async function replayQuarantined(rt: Runtime, id: string): Promise<IngressResult & { replayed: boolean }> {
  const [row] = await rt.store.db.select().from(quarantine).where(eq(quarantine.id, id));
  if (!row) return { status: 404, body: { error: "not_found", reason: `no quarantined payload ${id}` }, replayed: false };
  if (row.replayedAt) return { status: 409, body: { error: "already_replayed", reason: `replayed at ${row.replayedAt}`, eventId: row.replayedEventId }, replayed: false };
  const { ":query": query, ...headers } = row.headers;
  const result = await handleWebhook(rt, row.connector, { headers, rawBody: row.body, query: query ? Object.fromEntries(new URLSearchParams(query)) : {} });
  const accepted = result.status >= 200 && result.status < 300;
  if (accepted) {
    const eventIds = (result.body.eventIds as string[] | undefined) ?? [];
    await rt.store.db.update(quarantine).set({ replayedAt: new Date().toISOString(), replayedEventId: eventIds[0] ?? null }).where(eq(quarantine.id, id));
  }
  return { ...result, replayed: accepted };
}
