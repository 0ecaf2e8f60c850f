import { createHmac, timingSafeEqual } from "node:crypto";
import { IngressRejection } from "../../pipeline/errors";
import type { InboundRequest, ParsedWebhook, WebhookSupport } from "../sdk/definition";
import { StripeEvent } from "./api-schemas";
import type { StripeClient } from "./client";

/**
 * Stripe webhook verification and parsing. Scheme (https://docs.stripe.com/webhooks#verify-manually):
 * header `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, signature = hex HMAC-SHA256 of
 * `${t}.${rawBody}` with the endpoint secret (whsec_…). During a secret roll Stripe signs with
 * the old and the new secret at once (two v1 entries), and we accept either configured secret.
 *
 * Replays: the signed timestamp must lie within the tolerance (300 s, Stripe's default), which
 * bounds how long a captured request can be replayed; inside that window the event id is the
 * notification's sourceEventId, which the pipeline dedupes.
 */

export const DEFAULT_TOLERANCE_SEC = 300;

export interface StripeWebhookSecrets {
  /** Endpoint secrets to accept: the current one first, the previous one while a roll is in progress. */
  secrets: string[];
  /** How far the signed timestamp may be from now, either way. */
  toleranceSec?: number;
}

/** Payout events: the webhook only points at the payout; fetchNotification reads it and its transactions. */
export const PAYOUT_TOPICS = ["payout.paid", "payout.failed", "payout.updated"] as const;

/**
 * Refund events are acknowledged and ignored: a Stripe refund carries no SKU lines, and refunds
 * reach us from the commerce channel (or are our own create_refund writes, which would loop back).
 * Their money is still accounted for: refunds settle as `refund` lines of the payout that pays them.
 */
export const REFUND_TOPICS = ["charge.refunded", "refund.created"] as const;

export function parseSignatureHeader(header: string): { timestamp: number; v1: string[] } {
  let timestamp: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) v1.push(value.toLowerCase());
  }
  if (timestamp === undefined || v1.length === 0) {
    throw new IngressRejection(401, "bad_signature", "malformed Stripe-Signature header: expected t=<unix seconds>,v1=<hex HMAC-SHA256>");
  }
  return { timestamp, v1 };
}

/**
 * Verifies a Stripe-Signature over the raw body. Returns which secret matched (0 = current);
 * throws IngressRejection(401, "bad_signature") with the reason otherwise.
 */
export function verifyStripeSignature(
  rawBody: string,
  header: string | undefined,
  secrets: string[],
  opts: { toleranceSec?: number; nowSec?: number } = {},
): { timestamp: number; secretIndex: number } {
  if (!header) throw new IngressRejection(401, "bad_signature", "missing Stripe-Signature header");
  const usable = secrets.filter((s) => typeof s === "string" && s.length > 0);
  if (usable.length === 0) throw new IngressRejection(401, "bad_signature", "no Stripe webhook secret configured for this connection");
  const { timestamp, v1 } = parseSignatureHeader(header);
  const given = v1.map((hex) => Buffer.from(hex, "hex"));
  const secretIndex = usable.findIndex((secret) => {
    const expected = createHmac("sha256", secret).update(`${timestamp}.${rawBody}`, "utf8").digest();
    // Every candidate is compared (no early exit inside a secret) so timing says nothing about which v1 was close.
    return given.map((g) => g.length === expected.length && timingSafeEqual(g, expected)).some(Boolean);
  });
  if (secretIndex < 0) {
    throw new IngressRejection(401, "bad_signature", "Stripe-Signature does not match: no v1 signature was made with a configured endpoint secret over this exact body");
  }
  const tolerance = opts.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  const age = now - timestamp;
  if (age > tolerance) {
    throw new IngressRejection(401, "bad_signature", `Stripe-Signature timestamp is ${age}s old, beyond the ${tolerance}s tolerance: rejected as a possible replay`);
  }
  if (-age > tolerance) {
    throw new IngressRejection(401, "bad_signature", `Stripe-Signature timestamp is ${-age}s in the future, beyond the ${tolerance}s tolerance: check the clocks`);
  }
  return { timestamp, secretIndex };
}

export function parseStripeWebhook(req: InboundRequest): ParsedWebhook {
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody);
  } catch (e) {
    throw new IngressRejection(400, "malformed", `Stripe webhook body is not JSON: ${(e as Error).message}`);
  }
  const parsed = StripeEvent.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IngressRejection(422, "schema_invalid", `Stripe event ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  const ev = parsed.data;
  if ((PAYOUT_TOPICS as readonly string[]).includes(ev.type)) {
    const obj = ev.data.object;
    if (obj.object !== "payout" || !obj.id) {
      throw new IngressRejection(422, "schema_invalid", `Stripe event data.object: ${ev.type} must carry a payout with an id`);
    }
    return { kind: "notifications", notifications: [{ sourceEventId: ev.id, resource: obj.id, topic: ev.type }] };
  }
  if ((REFUND_TOPICS as readonly string[]).includes(ev.type)) {
    return { kind: "ignored", reason: `${ev.type}: refunds are captured from the commerce channel; Stripe refunds settle as refund lines of their payout` };
  }
  return { kind: "ignored", reason: `${ev.type}: not an event Loopkeeper consumes from Stripe` };
}

export const stripeWebhooks: WebhookSupport<StripeWebhookSecrets> = {
  verify(req, secrets) {
    verifyStripeSignature(req.rawBody, req.headers["stripe-signature"], secrets.secrets, { toleranceSec: secrets.toleranceSec });
  },
  parse: parseStripeWebhook,
};

/**
 * Catch-up after missed webhooks (ingress down, endpoint disabled): Stripe keeps events for 30
 * days, so the payout events since `sinceSec` become the same notifications a webhook would have
 * carried, with the same sourceEventId, so the pipeline dedupes the ones already received.
 */
export async function missedPayoutNotifications(client: StripeClient, sinceSec: number): Promise<{ sourceEventId: string; resource: string; topic: string }[]> {
  const events = await client.listEvents({ types: [...PAYOUT_TOPICS], createdGte: sinceSec });
  return events
    .filter((e) => e.data.object.object === "payout" && e.data.object.id)
    .sort((a, b) => a.created - b.created)
    .map((e) => ({ sourceEventId: e.id, resource: e.data.object.id!, topic: e.type }));
}
