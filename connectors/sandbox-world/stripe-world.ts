import type { RoutingRule } from "../../pipeline/stages/route";
import { startStripeSandbox, type StripeSandbox } from "../stripe/sandbox";
import { startSandboxWorld, type SandboxWorld, type SandboxWorldOptions } from "./world";

export interface StripeWorld extends SandboxWorld {
  stripe: StripeSandbox;
  /**
   * A Shopify checkout paid through Stripe, as a storefront's payment integration does it: the
   * order, then a charge of its total whose metadata.order_id is the canonical order id (the
   * convention connectors/stripe reads payout lines by). `chargeMinor` charges another amount.
   */
  checkout(input: Parameters<SandboxWorld["shopify"]["placeOrder"]>[0], opts?: { chargeMinor?: number }): Promise<{ order: Awaited<ReturnType<SandboxWorld["shopify"]["placeOrder"]>>; chargeId: string }>;
}

/** Paid Stripe payouts become a summarised settlement journal in the books. */
export const STRIPE_RULES: RoutingRule[] = [
  {
    id: "stripe-payout", name: "Stripe payouts: settlement journal (sales, fees, refunds, deposit) in the books", priority: 70, enabled: true, stopOnMatch: false,
    match: { types: ["payout.settled"], sources: ["stripe"], where: [] },
    destinations: [{ connector: "quickbooks", action: "post_journal" }],
  },
];

/** The DTC world with Stripe as the payment processor: its payouts reach the books and are reconciled. */
export async function startStripeWorld(opts: SandboxWorldOptions): Promise<StripeWorld> {
  const world = await startSandboxWorld(opts);
  const ingress = `${opts.appUrl.replace(/\/$/, "")}${opts.ingressPath?.("stripe") ?? "/api/webhooks/stripe"}`;
  let stripe: StripeSandbox;
  try {
    // The endpoint's subscription, as the connector's credentials form asks for it.
    stripe = await startStripeSandbox({ webhookTarget: ingress, webhookEvents: ["payout.paid", "payout.failed", "payout.updated"] });
  } catch (e) {
    await world.close();
    throw e;
  }
  const config = {
    ...world.config,
    instances: [...world.config.instances, { id: "stripe", connectorType: "stripe", displayName: "Stripe (sandbox)", baseUrl: stripe.url, credentials: { ...stripe.credentials }, settings: {}, owner: "finance@loopkeeper.example" }],
    rules: [...world.config.rules, ...STRIPE_RULES],
  };
  return {
    ...world,
    config,
    stripe,
    async checkout(input, o = {}) {
      const order = await world.shopify.placeOrder(input);
      const charge = stripe.addCharge({ amount: o.chargeMinor ?? order.totalMinor, currency: "usd", orderId: `shopify:${order.id}`, email: input.email });
      return { order, chargeId: charge.id };
    },
    close: async () => {
      await Promise.all([world.close(), stripe.close()]);
    },
  };
}
