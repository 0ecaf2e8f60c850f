import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { IngressRejection } from "../../../pipeline/errors";
import { readFixture } from "../../../pipeline/testing/fixtures";
import { stripeConnector } from "../index";
import { signStripePayload } from "../sandbox/sign";
import { parseSignatureHeader, parseStripeWebhook, verifyStripeSignature } from "../webhooks";

const SECRET = "whsec_current_0123456789abcdef";
const OLD = "whsec_previous_fedcba9876543210";
const sdk = new Stripe("sk_test_unused");
const now = () => Math.floor(Date.now() / 1000);

const payoutPaid = JSON.stringify({
  id: "evt_1PayoutPaid",
  object: "event",
  api_version: "2026-10-28.endive",
  created: 1_764_201_600,
  data: { object: { id: "po_123", object: "payout", amount: 1100, status: "paid" } },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type: "payout.paid",
});

function rejection(fn: () => unknown): IngressRejection {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(IngressRejection);
    return e as IngressRejection;
  }
  throw new Error("expected an IngressRejection");
}

describe("verifyStripeSignature", () => {
  it("accepts a header made by the official SDK's signer (interoperability)", () => {
    const header = sdk.webhooks.generateTestHeaderString({ payload: payoutPaid, secret: SECRET });
    expect(verifyStripeSignature(payoutPaid, header, [SECRET])).toMatchObject({ secretIndex: 0 });
  });

  it("the sandbox's signature is accepted by the official SDK's constructEvent", () => {
    const header = signStripePayload(payoutPaid, [SECRET]);
    expect(sdk.webhooks.constructEvent(payoutPaid, header, SECRET).id).toBe("evt_1PayoutPaid");
  });

  it("rejects a tampered body with 401 bad_signature", () => {
    const header = signStripePayload(payoutPaid, [SECRET]);
    const e = rejection(() => verifyStripeSignature(payoutPaid.replace('"amount":1100', '"amount":9100'), header, [SECRET]));
    expect(e.status).toBe(401);
    expect(e.reasonCode).toBe("bad_signature");
    expect(e.message).toMatch(/does not match/);
  });

  it("rejects a signature made with another secret, and a tampered timestamp", () => {
    expect(rejection(() => verifyStripeSignature(payoutPaid, signStripePayload(payoutPaid, ["whsec_other"]), [SECRET])).status).toBe(401);
    const t = now();
    const header = signStripePayload(payoutPaid, [SECRET], t).replace(`t=${t}`, `t=${t + 1}`);
    expect(rejection(() => verifyStripeSignature(payoutPaid, header, [SECRET])).message).toMatch(/does not match/);
  });

  it("rejects a correctly signed but old request (replay) beyond the 300 s tolerance", () => {
    const header = signStripePayload(payoutPaid, [SECRET], now() - 301);
    const e = rejection(() => verifyStripeSignature(payoutPaid, header, [SECRET]));
    expect(e.status).toBe(401);
    expect(e.message).toMatch(/30\ds old, beyond the 300s tolerance: rejected as a possible replay/);
    expect(verifyStripeSignature(payoutPaid, signStripePayload(payoutPaid, [SECRET], now() - 290), [SECRET]).secretIndex).toBe(0);
  });

  it("rejects a timestamp too far in the future, and the tolerance is configurable", () => {
    const future = signStripePayload(payoutPaid, [SECRET], now() + 900);
    expect(rejection(() => verifyStripeSignature(payoutPaid, future, [SECRET])).message).toMatch(/in the future/);
    const old = signStripePayload(payoutPaid, [SECRET], now() - 1_000);
    expect(verifyStripeSignature(payoutPaid, old, [SECRET], { toleranceSec: 3_600 }).secretIndex).toBe(0);
    expect(rejection(() => verifyStripeSignature(payoutPaid, signStripePayload(payoutPaid, [SECRET], 1_000), [SECRET], { toleranceSec: 10, nowSec: 1_011 })).status).toBe(401);
  });

  it("during a secret roll accepts the old secret when configured as previous, and a header carrying both v1 signatures", () => {
    const byOld = signStripePayload(payoutPaid, [OLD]);
    expect(verifyStripeSignature(payoutPaid, byOld, [SECRET, OLD]).secretIndex).toBe(1);
    expect(rejection(() => verifyStripeSignature(payoutPaid, byOld, [SECRET])).status).toBe(401);
    const both = signStripePayload(payoutPaid, [SECRET, OLD]);
    expect(parseSignatureHeader(both).v1).toHaveLength(2);
    expect(verifyStripeSignature(payoutPaid, both, [SECRET]).secretIndex).toBe(0);
    expect(verifyStripeSignature(payoutPaid, both, [OLD]).secretIndex).toBe(0);
  });

  it("rejects a missing or malformed header and an empty secret list with a clear message", () => {
    expect(rejection(() => verifyStripeSignature(payoutPaid, undefined, [SECRET])).message).toBe("missing Stripe-Signature header");
    expect(rejection(() => verifyStripeSignature(payoutPaid, "v1=abc", [SECRET])).message).toMatch(/malformed Stripe-Signature/);
    expect(rejection(() => verifyStripeSignature(payoutPaid, `t=${now()},v0=${"a".repeat(64)}`, [SECRET])).message).toMatch(/malformed/);
    expect(rejection(() => verifyStripeSignature(payoutPaid, signStripePayload(payoutPaid, [SECRET]), [""])).message).toMatch(/no Stripe webhook secret/);
  });

  it("is what the connector's webhooks.verify runs, with the secrets webhookSecrets() picks from the credentials", () => {
    const secrets = stripeConnector.webhookSecrets!({ secretKey: "sk_test_x", webhookSecret: SECRET, previousWebhookSecret: OLD });
    expect(secrets).toEqual({ secrets: [SECRET, OLD] });
    const req = { headers: { "stripe-signature": signStripePayload(payoutPaid, [OLD]) }, rawBody: payoutPaid, query: {} };
    expect(() => stripeConnector.webhooks!.verify(req, secrets)).not.toThrow();
    expect(() => stripeConnector.webhooks!.verify(req, stripeConnector.webhookSecrets!({ secretKey: "sk_test_x", webhookSecret: SECRET }))).toThrow(IngressRejection);
  });
});

describe("parseStripeWebhook", () => {
  const parse = (body: unknown) => parseStripeWebhook({ headers: {}, query: {}, rawBody: typeof body === "string" ? body : JSON.stringify(body) });
  const event = (type: string, object: Record<string, unknown>) => ({ ...JSON.parse(payoutPaid), id: `evt_${type}`, type, data: { object } });

  it("turns payout.paid / payout.failed / payout.updated into a notification keyed by the event id", () => {
    expect(parse(payoutPaid)).toEqual({ kind: "notifications", notifications: [{ sourceEventId: "evt_1PayoutPaid", resource: "po_123", topic: "payout.paid" }] });
    for (const type of ["payout.failed", "payout.updated"]) {
      expect(parse(event(type, { id: "po_9", object: "payout" }))).toEqual({ kind: "notifications", notifications: [{ sourceEventId: `evt_${type}`, resource: "po_9", topic: type }] });
    }
  });

  it("acknowledges refund events without capturing them, and ignores other types", () => {
    const r = parse(event("charge.refunded", { id: "ch_1", object: "charge" }));
    expect(r.kind).toBe("ignored");
    expect(parse(event("refund.created", { id: "re_1", object: "refund" })).kind).toBe("ignored");
    expect(parse(event("payout.created", { id: "po_1", object: "payout" })).kind).toBe("ignored");
    expect(parse(readFixture("stripe/webhooks", "event.setup_intent.created.docs.json")).kind).toBe("ignored");
  });

  it("rejects a non-JSON body with 400 malformed and a non-event with 422 naming the field", () => {
    const bad = rejection(() => parse("{not json"));
    expect([bad.status, bad.reasonCode]).toEqual([400, "malformed"]);
    const noType = rejection(() => parse({ id: "evt_1", object: "event", created: 1, livemode: false, data: { object: { object: "payout" } } }));
    expect([noType.status, noType.reasonCode]).toEqual([422, "schema_invalid"]);
    expect(noType.message).toMatch(/type/);
    const wrongObject = rejection(() => parse(event("payout.paid", { id: "ch_1", object: "charge" })));
    expect(wrongObject.status).toBe(422);
  });
});
