import { appendAudit } from "@/pipeline/audit";
import {
  parkedDeliveriesOfGroups, parkedDeliveryIdsOfGroups, replayPreviewFacts, setFailureGroupOwner, setFailureGroupStatus, type FailureStatus,
} from "@/pipeline/db/queries/console-failures";
import type { Runtime } from "@/pipeline/runtime";
import { actorOf } from "../guard";
import type { ConsoleUser } from "../session";
import { callTool } from "../tools";

/** Changes the status of failure groups and records who did it. */
export async function setGroupsStatus(rt: Runtime, user: ConsoleUser, keys: string[], status: FailureStatus, reason?: string): Promise<{ changed: number }> {
  const changed = await setFailureGroupStatus(rt.store, keys, status);
  await appendAudit(
    rt.store,
    changed.map((c) => ({ ...actorOf(user), action: `failure_group.${status}`, subject: `failure_group:${c.key}`, reason: reason ?? null, before: { status: c.before }, after: { status } })),
  );
  return { changed: changed.length };
}

export async function setGroupOwner(rt: Runtime, user: ConsoleUser, key: string, owner: string | null): Promise<boolean> {
  const prev = await setFailureGroupOwner(rt.store, key, owner);
  if (!prev) return false;
  await appendAudit(rt.store, { ...actorOf(user), action: "failure_group.owner_set", subject: `failure_group:${key}`, before: { owner: prev.before }, after: { owner } });
  return true;
}

export interface ReplayPreview {
  deliveries: number;
  orders: number;
  byDestination: { destination: string; action: string; n: number; oldestParkedAt: string }[];
  /** One line per destination: will the cause still be there? */
  expectations: { destination: string; tone: "ok" | "warn" | "bad"; text: string }[];
  /** From preview_replay over a sample of the events: steps already done (not repeated) and steps that would run. */
  steps: { sampledEvents: number; alreadyDone: number; wouldRun: number } | null;
}

const PREVIEW_SAMPLE = 50;

/**
 * What a replay would do, before anyone confirms it: how many deliveries to which systems, and,
 * per system, whether anything that could have caused the failure changed since it happened.
 */
export async function previewReplay(rt: Runtime, user: ConsoleUser, keys: string[]): Promise<ReplayPreview> {
  const facts = await replayPreviewFacts(rt.store, keys);
  const expectations = facts.changesSince.map((c): ReplayPreview["expectations"][number] => {
    const live = rt.directory.get(c.destination);
    if (c.enabled === null || !live) return { destination: c.destination, tone: "bad", text: `${c.destination} is not a configured, enabled connection: these deliveries would stop again.` };
    if (c.authState === "failed" || rt.engine.isStopped(c.destination)) return { destination: c.destination, tone: "bad", text: `${c.destination} has rejected our credentials: reconnect it first, or these will stop again.` };
    const circuit = rt.engine.circuitState(c.destination);
    if (circuit === "open" || circuit === "isolated") return { destination: c.destination, tone: "warn", text: `${c.destination} looks down (circuit ${circuit}): replays will wait for it to recover.` };
    const changes = [c.connectionUpdatedAt ? "its connection settings" : null, c.mappingsUpdated ? `${c.mappingsUpdated} of its mappings` : null].filter(Boolean);
    if (changes.length) return { destination: c.destination, tone: "ok", text: `Since these failed, ${changes.join(" and ")} changed: they may now pass.` };
    return { destination: c.destination, tone: "warn", text: `Nothing about ${c.destination} changed since these failed: unless the cause was temporary or fixed in ${c.destination} itself, expect the same error.` };
  });
  const eventIds = [...new Set((await parkedDeliveriesOfGroups(rt.store, keys, PREVIEW_SAMPLE * 4)).map((p) => p.eventId))].slice(0, PREVIEW_SAMPLE);
  let steps: ReplayPreview["steps"] = null;
  if (eventIds.length) {
    // No upstream lookups: a destination that is down (often the very cause) would make the preview hang.
    const r = await callTool(user, "preview_replay", { eventIds, lookup: false });
    if (r.ok) {
      const events = (r.data as { events: { wouldRun: number; alreadyDone: number }[] }).events;
      steps = { sampledEvents: events.length, alreadyDone: events.reduce((n, e) => n + e.alreadyDone, 0), wouldRun: events.reduce((n, e) => n + e.wouldRun, 0) };
    }
  }
  return { deliveries: facts.deliveries, orders: facts.orders, byDestination: facts.byDestination, expectations, steps };
}

/** Releases the groups' stopped deliveries for another attempt now; open groups become acknowledged. */
export async function replayGroups(rt: Runtime, user: ConsoleUser, keys: string[]): Promise<{ replayed: number }> {
  const ids = await parkedDeliveryIdsOfGroups(rt.store, keys);
  const released = await rt.engine.replayParked(ids, `user:${user.email}`);
  const acknowledged = await setFailureGroupStatus(rt.store, keys, "acknowledged");
  await appendAudit(rt.store, [
    ...keys.map((key) => ({ ...actorOf(user), action: "failure_group.replayed", subject: `failure_group:${key}`, after: { released: released.length } })),
    ...acknowledged.filter((a) => a.before !== "acknowledged").map((a) => ({ ...actorOf(user), action: "failure_group.acknowledged", subject: `failure_group:${a.key}`, reason: "replayed", before: { status: a.before }, after: { status: "acknowledged" } })),
  ]);
  return { replayed: released.length };
}
