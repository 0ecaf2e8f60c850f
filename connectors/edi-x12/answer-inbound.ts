import { AnswersNotSent, type UnsentAnswer } from "../../pipeline/errors";
import type { IngressHookContext } from "../sdk/definition";
import { acknowledge } from "./acknowledge";
import type { EdiClient } from "./client";
import { allocatorFromSequence } from "./control-numbers";
import { parseInterchange } from "./parse-interchange";

/**
 * The connector's afterIngress hook: whatever the ingress made of a transmission (captured,
 * quarantined, or only acknowledgements of our own documents), the partner gets the TA1 and/or
 * 997 its implementation guide asks for, numbered from the same per-partner sequences the
 * 855/856/810 deliveries use, with duplicates recognised in the pipeline's interchange registry.
 * What could not be sent is thrown back as AnswersNotSent, for the pipeline to keep and resend.
 */
export async function answerInbound(ctx: IngressHookContext<EdiClient, unknown>): Promise<{ summary: string }> {
  const client = ctx.client;
  const partner = client.partner;
  const sent: string[] = [];
  // Capture is the judge of "processed before" (sourceEventId partner:ISA13:ST02): an interchange
  // whose orders were just captured for the first time (a quarantined one replayed after an item
  // map fix) is not answered as a duplicate, though its ISA13 is on record from the first try.
  const fresh = ctx.outcome.kind === "captured" && (ctx.outcome.events ?? []).some((e) => !e.duplicate);
  const interchanges = fresh ? { seenInterchange: async (p: string, n: string) => (await ctx.interchanges.seenInterchange(p, n), false) } : ctx.interchanges;
  const r = await client.serially(async () => {
    const acked = await acknowledge(ctx.req.rawBody, partner, { controlNumbers: allocatorFromSequence(ctx.nextSequence), interchanges });
    const owed: UnsentAnswer[] = [];
    for (const [kind, text] of [["TA1", acked.ta1], ["997", acked.ack997]] as const) if (text) owed.push({ kind, reference: parseInterchange(text).isa.controlNumber, body: text });
    for (const [i, a] of owed.entries()) {
      try {
        await client.sendWithRetry({ x12: a.body, kind: a.kind, isa13: a.reference });
      } catch (e) {
        // Numbered and owed: the pipeline keeps these bytes and sends them again (resendAnswer).
        throw new AnswersNotSent(owed.slice(i), e, [...sent]);
      }
      sent.push(`${a.kind} as interchange ${a.reference}`);
    }
    return acked;
  });
  const notes = r.interchanges.filter((i) => !i.accepted).map((i) => `interchange ${i.isa13 ?? "(unreadable)"} ${i.duplicate ? "is a duplicate" : "rejected"}: ${i.reason}`);
  const received = r.received.ack997.map((a) => `${partner.name} acknowledged our group ${a.functionalId} ${a.groupControlNumber}: ${a.status}`);
  const summary = [sent.length ? `sent ${sent.join(", ")}` : "nothing to acknowledge", ...notes, ...received].join("; ");
  return { summary };
}

/** A kept 997/TA1 sent again as it was generated, in turn with the connection's other numbered sends. */
export async function resendAnswer(client: EdiClient, a: UnsentAnswer): Promise<{ summary: string }> {
  await client.serially(() => client.sendWithRetry({ x12: a.body, kind: a.kind, isa13: a.reference }));
  return { summary: `sent ${a.kind} as interchange ${a.reference}` };
}
