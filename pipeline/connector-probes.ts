import type { LiveInstance } from "./connector-instances";
import { ensureShipNotifySubscription, listSubscriptions, utcToPacific, type ShipStationClient, type ShipStationCredentials } from "../connectors/shipstation";

/**
 * Live reads of a connector's own state that the connector definition does not model: its
 * webhook subscriptions, recent upstream activity, its rate-limit budget. Used by connector health,
 * connector-level diagnosis and the reconnect remediation. Connectors without an entry here simply
 * report "not readable".
 */
export interface ConnectorProbe {
  /** Webhook topics a working connection is subscribed to. */
  expectedTopics: string[];
  subscriptions(inst: LiveInstance): Promise<{ id: string; event: string; active: boolean; target: string }[]>;
  /** Records created upstream since `since` (to tell "no activity" from "no webhooks"). */
  activitySince?(inst: LiveInstance, since: string): Promise<number>;
  ensureSubscriptions?(inst: LiveInstance, ingressUrl: string): Promise<{ created: boolean; id: string }>;
  rateBudget?(inst: LiveInstance): { limit?: number; remaining?: number; resetSeconds?: number } | undefined;
}

export const CONNECTOR_PROBES: Record<string, ConnectorProbe> = {
  shipstation: {
    expectedTopics: ["SHIP_NOTIFY"],
    async subscriptions(inst) {
      return (await listSubscriptions(inst.client as ShipStationClient)).map((s) => ({ id: String(s.id), event: s.event, active: s.active, target: s.target }));
    },
    async activitySince(inst, since) {
      return (await (inst.client as ShipStationClient).listAllShipments({ createDateStart: utcToPacific(since) })).length;
    },
    async ensureSubscriptions(inst, ingressUrl) {
      const r = await ensureShipNotifySubscription(inst.client as ShipStationClient, ingressUrl, (inst.credentials as ShipStationCredentials).webhookToken);
      return { created: r.created, id: String(r.id) };
    },
    rateBudget(inst) {
      const b = (inst.client as ShipStationClient).rateBudget;
      return b ? { limit: b.limit, remaining: b.remaining, resetSeconds: b.resetSeconds } : undefined;
    },
  },
};

/** Where a connector instance's webhooks arrive (the ingress route), when the public URL is known. */
export function ingressUrlOf(publicUrl: string | undefined, instanceId: string): string | undefined {
  return publicUrl ? `${publicUrl.replace(/\/$/, "")}/api/webhooks/${encodeURIComponent(instanceId)}` : undefined;
}

/** A subscription points at us when its target is our ingress route for this instance. */
export function targetsInstance(target: string, instanceId: string): boolean {
  return [encodeURIComponent(instanceId), instanceId].some((id) => new RegExp(`/api/webhooks/${id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:[/?#]|$)`).test(target));
}
