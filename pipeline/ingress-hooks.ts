import type { InboundRequest, IngressHookContext, IngressOutcome } from "../connectors/sdk/definition";
import type { LiveInstance } from "./connector-instances";
import { recordInterchange } from "./db/queries/interchange-queries";
import { nextSequenceValue } from "./db/queries/order-queries";
import { log } from "./log";
import { ingressAnswers } from "./metrics";
import type { Runtime } from "./runtime";

/**
 * The context a connector's afterIngress hook gets. Sequence names are prefixed with the instance
 * id exactly as the deliver stage prefixes them, so what the hook numbers (an EDI 997) and what
 * the deliveries number (855/856/810) draw from one counter per partner and never share an ISA13.
 */
export function ingressHookContext(rt: Runtime, inst: LiveInstance, secrets: unknown, req: InboundRequest, outcome: IngressOutcome): IngressHookContext {
  return {
    instanceId: inst.id,
    client: inst.client,
    secrets,
    req,
    outcome,
    nextSequence: (name) => nextSequenceValue(rt.store, `${inst.id}:${name}`),
    interchanges: {
      seenInterchange: async (partnerId, controlNumber) => (await recordInterchange(rt.store, { partnerId, controlNumber, connector: inst.id })).seenBefore,
    },
  };
}

/**
 * Runs the instance's afterIngress hook and returns its summary. It never throws: the request's
 * events are already stored, so a failed answer (the partner's endpoint down) is logged and
 * counted, and the sender's own retry or the next transmission is where it recovers.
 */
export async function runAfterIngress(rt: Runtime, inst: LiveInstance, secrets: unknown, req: InboundRequest, outcome: IngressOutcome): Promise<string | undefined> {
  const hook = inst.definition.afterIngress;
  if (!hook) return undefined;
  try {
    const r = await hook(ingressHookContext(rt, inst, secrets, req, outcome));
    ingressAnswers.inc({ connector: inst.id, result: "ok" });
    return r?.summary;
  } catch (e) {
    ingressAnswers.inc({ connector: inst.id, result: "failed" });
    log.error({ connector: inst.id, outcome: outcome.kind, err: (e as Error).message }, "the connector could not answer an inbound request in its protocol");
    return undefined;
  }
}
