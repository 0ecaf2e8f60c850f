import { z } from "zod";
import { CONNECTOR_PROBES } from "../pipeline/connector-probes";
import { answersOwedByConnector, attemptStats, inboundActivityOf, listConnectorRows, openParkedByDestination, pollStatesOf, recentAttemptsOf } from "../pipeline/db/queries/health-queries";
import { webhookStateOf } from "../agent/diagnosis";
import { defineTool, fail } from "./define-tool";

const Health = z.object({
  id: z.string(),
  type: z.string().nullable(),
  displayName: z.string(),
  enabled: z.boolean(),
  owner: z.string().nullable(),
  auth: z.object({ state: z.string(), error: z.string().nullable(), stopped: z.boolean() }),
  circuit: z.object({ state: z.string(), circuitOpenAttempts: z.number(), lastCircuitOpenAt: z.string().nullable() }),
  attempts: z.object({
    windowMinutes: z.number(),
    total: z.number(),
    ok: z.number(),
    failed: z.number(),
    retried: z.number(),
    rateLimited: z.number(),
    parked: z.number(),
    errorRate: z.number().nullable(),
    p50LatencyMs: z.number().nullable(),
    p95LatencyMs: z.number().nullable(),
    lastOkAt: z.string().nullable(),
    lastFailureAt: z.string().nullable(),
  }),
  openParked: z.number(),
  answersOwed: z.object({ pending: z.number(), oldestPendingSince: z.string().nullable(), givenUp: z.number() }),
  rateLimitBudget: z.object({ limit: z.number().nullable(), remaining: z.number().nullable(), resetSeconds: z.number().nullable(), source: z.string() }).nullable(),
  webhooks: z.object({
    readable: z.boolean(),
    expectedTopics: z.array(z.string()),
    missingTopics: z.array(z.string()),
    subscriptions: z.array(z.object({ id: z.string(), event: z.string(), active: z.boolean(), target: z.string() })),
    lastWebhookAt: z.string().nullable(),
    error: z.string().nullable(),
  }),
  polls: z.array(z.object({ id: z.string(), lastPolledAt: z.string().nullable(), lastError: z.string().nullable() })),
});

const num = (v: unknown) => (typeof v === "string" && /^\d+(\.\d+)?$/.test(v) ? Number(v) : typeof v === "number" ? v : null);

export default defineTool({
  name: "get_connector_health",
  title: "Connector health",
  description:
    "Health of each connector instance (or one): credentials state (ok / failed, stopped), circuit breaker state (live, plus circuit-open attempts in the window), error rate and p50/p95 latency from recent delivery attempts, parked deliveries, answers owed to a sender in its own protocol (EDI 997/TA1 its endpoint did not take: still being resent, or given up in the window), the rate-limit budget the system last reported, webhook subscriptions read live from the system where the connector can (missing topics mean webhooks stopped), when we last received a webhook, and poller state. Use it before retrying, or when deliveries to one system all fail.",
  input: z.object({
    connector: z.string().optional(),
    windowMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
    live: z.boolean().default(true).describe("Read webhook subscriptions from the connected systems (one API call each)"),
  }),
  output: z.object({ connectors: z.array(Health) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScope: "read",
  async handler({ rt }, input) {
    const since = new Date(Date.now() - input.windowMinutes * 60_000).toISOString();
    const rows = await listConnectorRows(rt.store, input.connector);
    const ids = new Set([...rows.map((r) => r.id), ...rt.directory.list().map((d) => d.id)]);
    if (input.connector) {
      if (!ids.has(input.connector)) return fail("not_found", `no connector ${input.connector}; omit connector to list them all`);
      for (const id of [...ids]) if (id !== input.connector) ids.delete(id);
    }
    const [stats, parked, owed] = await Promise.all([attemptStats(rt.store, { since, destination: input.connector }), openParkedByDestination(rt.store), answersOwedByConnector(rt.store, since)]);
    const out: z.input<typeof Health>[] = [];
    for (const id of [...ids].sort()) {
      const row = rows.find((r) => r.id === id);
      const s = stats.find((x) => x.destination === id);
      const inst = rt.directory.instance(id);
      const probe = inst ? CONNECTOR_PROBES[inst.definition.id] : undefined;
      const failed = (s?.retry ?? 0) + (s?.parked ?? 0);
      const settled = (s?.ok ?? 0) + (s?.duplicate ?? 0) + failed;
      let budget: z.input<typeof Health>["rateLimitBudget"] = null;
      const live = probe?.rateBudget?.(inst!);
      if (live) budget = { limit: live.limit ?? null, remaining: live.remaining ?? null, resetSeconds: live.resetSeconds ?? null, source: "client (last response)" };
      else {
        const withHeaders = (await recentAttemptsOf(rt.store, id, 20)).map((a) => (a.upstream as { headers?: Record<string, string> } | null)?.headers).find((h) => h && Object.keys(h).some((k) => /rate-?limit|ratelimit|call-limit/i.test(k)));
        if (withHeaders) {
          const get = (re: RegExp) => num(Object.entries(withHeaders).find(([k]) => re.test(k))?.[1]);
          budget = { limit: get(/limit-limit|ratelimit-limit|call-limit/i), remaining: get(/remaining/i), resetSeconds: get(/reset/i), source: "last recorded upstream headers" };
        }
      }
      let webhooks: z.input<typeof Health>["webhooks"] = { readable: false, expectedTopics: [], missingTopics: [], subscriptions: [], lastWebhookAt: null, error: null };
      const activity = await inboundActivityOf(rt.store, id, since);
      webhooks.lastWebhookAt = activity.lastWebhookAt;
      if (input.live && inst && probe) {
        try {
          const w = await webhookStateOf(rt, id);
          if (w) webhooks = { ...webhooks, readable: w.supported, expectedTopics: w.expectedTopics, missingTopics: w.missingTopics, subscriptions: w.subscriptions };
        } catch (e) {
          webhooks.error = (e as Error).message.slice(0, 300);
        }
      }
      out.push({
        id,
        type: row?.connectorType ?? inst?.definition.id ?? null,
        displayName: row?.displayName ?? id,
        enabled: row?.enabled ?? true,
        owner: row?.owner ?? rt.directory.get(id)?.owner ?? null,
        auth: { state: rt.engine.isStopped(id) ? "failed" : (row?.authState ?? "unknown"), error: row?.authError ?? null, stopped: rt.engine.isStopped(id) || row?.authState === "failed" },
        circuit: { state: rt.engine.circuitState(id), circuitOpenAttempts: s?.circuitOpen ?? 0, lastCircuitOpenAt: s?.lastCircuitOpenAt ?? null },
        attempts: {
          windowMinutes: input.windowMinutes,
          total: s?.total ?? 0,
          ok: (s?.ok ?? 0) + (s?.duplicate ?? 0),
          failed,
          retried: s?.retry ?? 0,
          rateLimited: s?.rateLimited ?? 0,
          parked: s?.parked ?? 0,
          errorRate: settled ? Math.round((failed / settled) * 1000) / 1000 : null,
          p50LatencyMs: s?.p50LatencyMs ?? null,
          p95LatencyMs: s?.p95LatencyMs ?? null,
          lastOkAt: s?.lastOkAt ?? null,
          lastFailureAt: s?.lastFailureAt ?? null,
        },
        openParked: parked.get(id) ?? 0,
        answersOwed: owed.get(id) ?? { pending: 0, oldestPendingSince: null, givenUp: 0 },
        rateLimitBudget: budget,
        webhooks,
        polls: (await pollStatesOf(rt.store, id)).map((p) => ({ id: p.id, lastPolledAt: p.lastPolledAt, lastError: p.lastError })),
      });
    }
    return { connectors: out };
  },
});
