import { sql } from "drizzle-orm";
import { z } from "zod";
import { hostname } from "node:os";
import type { Store } from "./db/client";
import type { LiveInstance } from "./connector-instances";
import type { Engine } from "./engine";
import { classifyUnknownError } from "./errors";
import { log } from "./log";

const OWNER = `${hostname()}:${process.pid}`;

/**
 * Runs connectors' pollers (ERP stock, Amazon orders, settlement reports). Each poller's cursor
 * row carries a lease, so with any number of workers exactly one polls a source at a time, and a
 * dead worker's poller is taken over when its lease runs out.
 */
export class PollerRunner {
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly store: Store, private readonly engine: Engine, private readonly instances: () => LiveInstance[]) {}

  start(): void {
    for (const inst of this.instances()) {
      if (!inst.enabled) continue;
      for (const [name, poller] of Object.entries(inst.definition.pollers ?? {})) {
        const id = `${inst.id}:${name}`;
        const intervalMs = pollIntervalOf(inst, name, poller.intervalMs);
        const tick = async () => {
          if (this.stopped) return;
          try {
            await this.runOnce(id, inst, poller);
          } catch (err) {
            log.warn({ poller: id, err: (err as Error).message }, "poll failed");
          } finally {
            if (!this.stopped) this.timers.push(setTimeout(tick, intervalMs));
          }
        };
        this.timers.push(setTimeout(tick, 50));
      }
    }
  }

  /** One poll if this process holds (or takes) the lease. Returns the number of events captured. */
  async runOnce(id: string, inst: LiveInstance, poller: NonNullable<LiveInstance["definition"]["pollers"]>[string]): Promise<number> {
    const leaseSeconds = Math.max(10, Math.ceil((pollIntervalOf(inst, id.slice(inst.id.length + 1), poller.intervalMs) * 3) / 1000));
    await this.store.rows(sql`
      insert into sync_cursors (id, cursor) values (${id}, ${JSON.stringify(poller.initialCursor())}::jsonb)
      on conflict (id) do nothing`);
    const [held] = await this.store.rows<{ cursor: unknown }>(sql`
      update sync_cursors set lease_owner = ${OWNER}, lease_until = now() + make_interval(secs => ${leaseSeconds})
       where id = ${id} and (lease_owner is null or lease_owner = ${OWNER} or lease_until < now())
      returning cursor`);
    if (!held) return 0;
    try {
      const result = await poller.poll(inst.client, held.cursor, new Date());
      if (result.events.length) await this.engine.capture(inst.id, result.events);
      // The cursor moves only after the events are durably captured: a crash re-polls, and capture dedupes.
      await this.store.rows(sql`
        update sync_cursors set cursor = ${JSON.stringify(result.cursor)}::jsonb, last_polled_at = now(), last_error = null, updated_at = now()
         where id = ${id} and lease_owner = ${OWNER}`);
      return result.events.length;
    } catch (e) {
      const err = classifyUnknownError(e);
      await this.store.rows(sql`update sync_cursors set last_error = ${`${err.errorClass}: ${err.message}`.slice(0, 500)}, last_polled_at = now() where id = ${id}`);
      throw err;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }
}

/** Below this a poller would spend an account's shared API budget (NetSuite: 5 concurrent requests) on polling. */
export const MIN_POLL_INTERVAL_MS = 200;

const PollerSettings = z.record(z.string(), z.object({ intervalMs: z.number().int().min(MIN_POLL_INTERVAL_MS) }).partial());

/**
 * A poller's interval: the connector's default, or settings.pollers.<name>.intervalMs of the
 * instance (a busy ERP account polls less often; the sandbox world polls faster). The interval is
 * the floor of how stale a polled source can be: on average half of it passes before a change is seen.
 */
export function pollIntervalOf(inst: Pick<LiveInstance, "id" | "settings">, name: string, fallback: number): number {
  const raw = inst.settings.pollers;
  if (raw === undefined) return fallback;
  const parsed = PollerSettings.safeParse(raw);
  if (!parsed.success) {
    log.warn({ connector: inst.id, issue: parsed.error.issues[0]?.message }, `settings.pollers is invalid (intervalMs is a whole number ≥ ${MIN_POLL_INTERVAL_MS}); using the default interval`);
    return fallback;
  }
  return parsed.data[name]?.intervalMs ?? fallback;
}
