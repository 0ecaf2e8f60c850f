import type { InboundRequest, IngressHookContext, IngressOutcome } from "../connectors/sdk/definition";
import type { LiveInstance } from "./connector-instances";
import { claimDueAnswers, finishAnswer, keepAnswersForResend, postponeAnswer, rescheduleAnswer } from "./db/queries/answer-queries";
import { recordInterchange } from "./db/queries/interchange-queries";
import { nextSequenceValue } from "./db/queries/order-queries";
import { insertAttempts, type AttemptRow } from "./db/queries/delivery-queries";
import { AnswersNotSent, ClassifiedError, classifyUnknownError } from "./errors";
import { newId } from "./ids";
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

/** How long a kept answer is tried again (X12 partners expect a 997 within 24 h). */
export const ANSWER_RESEND_WINDOW_MS = 24 * 3600_000;
/** How often workers look for kept answers that are due. */
export const ANSWER_RESEND_SWEEP_MS = 30_000;
/** Failures worth sending again later: the sender's endpoint down or busy, or our credentials until they are fixed. */
const RESENDABLE = new Set(["transient", "rate_limited", "auth"]);
/** 1, 2, 4 … minutes between tries, at most an hour. */
export const answerBackoffMs = (tries: number) => Math.min(60_000 * 2 ** (tries - 1), 3600_000);

/**
 * Runs the instance's afterIngress hook and returns its summary. It never throws: the request's
 * events are already stored. The answer (an EDI 997, say) is written as a capture-stage attempt
 * of each event the request carried, so an order's trace shows whether its sender was answered.
 * Documents the hook generated but could not send for a reason that passes (the partner's
 * endpoint down) are kept and sent again, as they are, by the workers (resendDueAnswers).
 */
export async function runAfterIngress(rt: Runtime, inst: LiveInstance, secrets: unknown, req: InboundRequest, outcome: IngressOutcome): Promise<string | undefined> {
  const hook = inst.definition.afterIngress;
  if (!hook) return undefined;
  const eventIds = (outcome.events ?? []).map((e) => e.eventId);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const durationMs = () => Math.round(performance.now() - started);
  try {
    const r = await hook(ingressHookContext(rt, inst, secrets, req, outcome));
    ingressAnswers.inc({ connector: inst.id, result: "ok" });
    if (r?.summary) await logAnswer(rt, inst.id, eventIds, { startedAt, durationMs: durationMs(), outcome: "ok", errorMessage: `answered the sender: ${r.summary}` });
    return r?.summary;
  } catch (e) {
    ingressAnswers.inc({ connector: inst.id, result: "failed" });
    log.error({ connector: inst.id, outcome: outcome.kind, err: (e as Error).message }, "the connector could not answer an inbound request in its protocol");
    const notSent = e instanceof AnswersNotSent ? e : undefined;
    const err = classifyUnknownError(notSent ? notSent.reason : e);
    const why = redactText(`could not answer the sender in its protocol: ${notSent ? notSent.message : err.message}`);
    const sentFirst = notSent?.sent.length ? ` (sent before it: ${notSent.sent.join(", ")})` : "";
    let nextAttemptAt: string | null = null;
    if (notSent?.unsent.length && RESENDABLE.has(err.errorClass) && inst.definition.resendAnswer) {
      const due = new Date(Date.now() + answerBackoffMs(1)).toISOString();
      const expiresAt = new Date(Date.now() + ANSWER_RESEND_WINDOW_MS).toISOString();
      const rows = notSent.unsent.map((a) => ({ id: newId("ans"), connector: inst.id, eventIds, kind: a.kind, reference: a.reference, body: a.body, lastError: why, nextAttemptAt: due, expiresAt }));
      nextAttemptAt = await keepAnswersForResend(rt.store, rows).then(
        () => due,
        (err2) => (log.error({ connector: inst.id, err: (err2 as Error).message }, "could not keep unsent answers for a resend; the sender's own retry is left"), null),
      );
    }
    await logAnswer(rt, inst.id, eventIds, { startedAt, durationMs: durationMs(), outcome: "failed", errorClass: err.errorClass, errorMessage: `${why}${sentFirst}${nextAttemptAt ? `; sending it again from ${nextAttemptAt}` : ""}`, nextAttemptAt });
    return undefined;
  }
}

/**
 * Sends kept answers again once due, byte for byte and in the order they were numbered, each try
 * in the event log of the events the transmission carried. An answer is given up, also in the
 * event log, when the resend window has closed or the sender refused it for good.
 * Safe on any number of workers: each answer is claimed by one of them at a time.
 */
export async function resendDueAnswers(rt: Runtime, opts: { limit?: number } = {}): Promise<{ sent: number; rescheduled: number; givenUp: number }> {
  const counts = { sent: 0, rescheduled: 0, givenUp: 0 };
  // Once a sender's endpoint fails in this sweep, its later answers wait too: sending them now
  // would put their numbers ahead of the one that failed.
  const waitUntil = new Map<string, string>();
  for (const a of await claimDueAnswers(rt.store, opts.limit ?? 20, 300)) {
    const held = waitUntil.get(a.connector);
    if (held) {
      await postponeAnswer(rt.store, a.id, held);
      counts.rescheduled++;
      continue;
    }
    const tries = a.tries + 1;
    const inst = rt.directory.instance(a.connector);
    const started = performance.now();
    const startedAt = new Date().toISOString();
    if (Date.parse(a.expiresAt) <= Date.now()) {
      const why = `gave up sending ${a.kind} ${a.reference} to the sender after ${a.tries} tries over ${Math.round(ANSWER_RESEND_WINDOW_MS / 3600_000)} h; last error: ${a.lastError}`;
      await logAnswer(rt, a.connector, a.eventIds, { startedAt, durationMs: 0, outcome: "failed", errorClass: "permanent", errorMessage: why });
      await finishAnswer(rt.store, a.id, "given_up", why);
      ingressAnswers.inc({ connector: a.connector, result: "given_up" });
      counts.givenUp++;
      continue;
    }
    try {
      // A connection switched off (or not loaded yet) is waited for like an outage, until the window closes.
      const resend = inst?.definition.resendAnswer;
      if (!inst || !resend) throw new ClassifiedError({ errorClass: "transient", message: `connection ${a.connector} is not running here (disabled, removed, or cannot resend)` });
      const r = await resend(inst.client, { kind: a.kind, reference: a.reference, body: a.body });
      await finishAnswer(rt.store, a.id, "sent", null);
      ingressAnswers.inc({ connector: a.connector, result: "ok" });
      await logAnswer(rt, a.connector, a.eventIds, { startedAt, durationMs: Math.round(performance.now() - started), outcome: "ok", errorMessage: `answered the sender (try ${tries}): ${r.summary}` });
      counts.sent++;
    } catch (e) {
      const err = classifyUnknownError(e);
      const why = redactText(`could not send ${a.kind} ${a.reference} to the sender: ${err.message}`);
      ingressAnswers.inc({ connector: a.connector, result: "failed" });
      if (!RESENDABLE.has(err.errorClass)) {
        await finishAnswer(rt.store, a.id, "given_up", why);
        await logAnswer(rt, a.connector, a.eventIds, { startedAt, durationMs: Math.round(performance.now() - started), outcome: "failed", errorClass: err.errorClass, errorMessage: `${why} (try ${tries}; given up: sending it again would not help)` });
        counts.givenUp++;
        continue;
      }
      const nextAttemptAt = new Date(Math.min(Date.now() + answerBackoffMs(tries), Date.parse(a.expiresAt))).toISOString();
      await rescheduleAnswer(rt.store, a.id, nextAttemptAt, why);
      waitUntil.set(a.connector, nextAttemptAt);
      await logAnswer(rt, a.connector, a.eventIds, { startedAt, durationMs: Math.round(performance.now() - started), outcome: "failed", errorClass: err.errorClass, errorMessage: `${why} (try ${tries}; sending it again from ${nextAttemptAt})`, nextAttemptAt });
      counts.rescheduled++;
    }
  }
  return counts;
}

function logAnswer(rt: Runtime, connector: string, eventIds: string[], row: Pick<AttemptRow, "startedAt" | "durationMs" | "outcome" | "errorClass" | "errorMessage" | "nextAttemptAt">): Promise<void> {
  const rows = eventIds.map((eventId): AttemptRow => ({ eventId, stage: "capture", destination: connector, ...row }));
  return insertAttempts(rt.store, rows).catch((err) => log.error({ connector, err: (err as Error).message }, "could not log the answer to an inbound request"));
}
