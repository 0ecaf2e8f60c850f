import { asc } from "drizzle-orm";
import type { Store } from "./db/client";
import { routingRules } from "./db/schema";
import { log } from "./log";
import { RoutingRule } from "./stages/route";

/**
 * Routing rules from the database, held in memory for the capture hot path and reloaded on a
 * short interval, so a rule changed in the console applies within seconds on every worker.
 */
export class RulesCache {
  private rules: RoutingRule[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: Store) {}

  current = (): RoutingRule[] => this.rules;

  async reload(): Promise<void> {
    const rows = await this.store.db.select().from(routingRules).orderBy(asc(routingRules.priority));
    const parsed: RoutingRule[] = [];
    for (const r of rows) {
      const ok = RoutingRule.safeParse({ ...r, match: r.match });
      if (ok.success) parsed.push(ok.data);
      else log.error({ rule: r.id, issue: ok.error.issues[0]?.message }, "ignoring an invalid routing rule");
    }
    this.rules = parsed;
  }

  startAutoReload(ms = 5_000): void {
    this.timer = setInterval(() => void this.reload().catch(() => {}), ms);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

export async function saveRoutingRule(store: Store, rule: RoutingRule): Promise<void> {
  const row = RoutingRule.parse(rule);
  await store.db.insert(routingRules).values(row).onConflictDoUpdate({ target: routingRules.id, set: row });
}
