import type { Payout } from "../../pipeline/model";
import type { CapturedEvent } from "../sdk/definition";
import type { StripePayout } from "./api-schemas";
import type { StripeClient } from "./client";
import { chargesToLookUp, mapStripePayout, orderIdFromReference, unixToIso } from "./map";

/**
 * Reads a payout as the system of record has it: the payout, the balance transactions it settled
 * (sources expanded), and the charges behind refunds or disputes whose order is not readable
 * from the payout itself. Manual payouts are not itemised by Stripe, so they map to one line.
 */
export async function loadCanonicalPayout(client: StripeClient, payout: StripePayout | string): Promise<Payout> {
  const p = typeof payout === "string" ? await client.retrievePayout(payout) : payout;
  const txns = p.automatic ? await client.listPayoutTransactions(p.id) : [];
  const orderIdByCharge: Record<string, string> = {};
  for (const chargeId of chargesToLookUp(txns)) {
    const orderId = orderIdFromReference(await client.retrieveCharge(chargeId));
    if (orderId) orderIdByCharge[chargeId] = orderId;
  }
  return mapStripePayout(p, txns, { orderIdByCharge });
}

/**
 * The canonical event of a paid payout. sourceEventId is the payout id, so the poller, a webhook
 * and its retries all name the same settlement and the pipeline keeps one.
 */
export function payoutSettledEvent(payout: Payout, stripePayout: Pick<StripePayout, "id" | "arrival_date">): CapturedEvent<"payout.settled"> {
  return {
    type: "payout.settled",
    sourceEventId: stripePayout.id,
    occurredAt: unixToIso(stripePayout.arrival_date),
    data: payout,
    keys: { skus: [] },
  };
}
