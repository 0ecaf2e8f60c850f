import type { InboundRequest, IngressHookContext, IngressOutcome } from "../connectors/sdk/definition";
import type { LiveInstance } from "./connector-instances";
import { recordInterchange } from "./db/queries/interchange-queries";
import { nextSequenceValue } from "./db/queries/order-queries";
import { insertAttempts, type AttemptRow } from "./db/queries/delivery-queries";
import { classifyUnknownError } from "./errors";
import { log } from "./log";
import { redactText } from "./redact";
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
 * counted, and the sender's own retry or the next transmission is where it recovers. The answer
 * (an EDI 997, say) is also written as a capture-stage attempt of each event the request carried,
 * so an order's trace shows whether its sender was answered, and a failure shows with its cause.
 */
export async function runAfterIngress(rt: Runtime, inst: LiveInstance, secrets: unknown, req: InboundRequest, outcome: IngressOutcome): Promise<string | undefined> {
  const hook = inst.definition.afterIngress;
  if (!hook) return undefined;
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const logAnswer = (row: Pick<AttemptRow, "outcome" | "errorClass" | "errorMessage">) =>
    insertAttempts(
      rt.store,
      (outcome.events ?? []).map((e) => ({ eventId: e.eventId, stage: "capture", destination: inst.id, startedAt, durationMs: Math.round(performance.now() - started), ...row })),
    ).catch((err) => log.error({ connector: inst.id, err: (err as Error).message }, "could not log the answer to an inbound request"));
  try {
    const r = await hook(ingressHookContext(rt, inst, secrets, req, outcome));
    ingressAnswers.inc({ connector: inst.id, result: "ok" });
    if (r?.summary) await logAnswer({ outcome: "ok", errorMessage: `answered the sender: ${r.summary}` });
    return r?.summary;
  } catch (e) {
    ingressAnswers.inc({ connector: inst.id, result: "failed" });
    log.error({ connector: inst.id, outcome: outcome.kind, err: (e as Error).message }, "the connector could not answer an inbound request in its protocol");
    const err = classifyUnknownError(e);
    await logAnswer({ outcome: "failed", errorClass: err.errorClass, errorMessage: redactText(`could not answer the sender in its protocol: ${err.message}`) });
    return undefined;
  }
}
