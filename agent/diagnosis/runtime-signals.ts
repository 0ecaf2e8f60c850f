import type { DiagnosisSignals, WebhookState } from "./explain-failure";
import { CONNECTOR_PROBES, targetsInstance } from "../../pipeline/connector-probes";
import { inboundActivityOf } from "../../pipeline/db/queries/health-queries";
import type { Runtime } from "../../pipeline/runtime";

/** Reads a connector's webhook subscriptions (a live, read-only API call) and compares them with what a working connection needs. */
export async function webhookStateOf(rt: Runtime, connector: string): Promise<WebhookState | undefined> {
  const inst = rt.directory.instance(connector);
  if (!inst) return undefined;
  const probe = CONNECTOR_PROBES[inst.definition.id];
  if (!probe) return { supported: false, expectedTopics: [], missingTopics: [], subscriptions: [] };
  const subscriptions = await probe.subscriptions(inst);
  const ours = subscriptions.filter((s) => targetsInstance(s.target, connector));
  const missingTopics = probe.expectedTopics.filter((t) => !ours.some((s) => s.event === t && s.active));
  const state: WebhookState = { supported: true, expectedTopics: probe.expectedTopics, missingTopics, subscriptions };
  if (probe.activitySince) {
    const activity = await inboundActivityOf(rt.store, connector, new Date(Date.now() - 24 * 3600_000).toISOString());
    const since = activity.lastWebhookAt ?? new Date(Date.now() - 24 * 3600_000).toISOString();
    state.upstreamActivity = { since, count: await probe.activitySince(inst, since) };
  }
  return state;
}

/** The runtime's live state as the diagnosis reads it. */
export function signalsOf(rt: Runtime, opts: { live?: boolean } = {}): DiagnosisSignals {
  return {
    circuitState: (d) => rt.engine.circuitState(d),
    isStopped: (d) => rt.engine.isStopped(d),
    webhookState: opts.live === false ? undefined : (c) => webhookStateOf(rt, c),
  };
}
