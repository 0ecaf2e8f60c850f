import { describe, expect, it } from "vitest";
import { EventData } from "../../../pipeline/model";
import { listFixtures, readFixture, readFixtureJson } from "../../../pipeline/testing/fixtures";
import {
  RestBalanceTransaction, RestFulfillment, RestFulfillmentOrder, RestInventoryLevel, RestOrder, RestPayout, RestRefund, RestRefundCalculation, RestTransaction,
} from "../api-schemas";
import { classifyError } from "../errors";
import { fulfillableLinesFromRest, mapPayout, mapRestFulfillment, mapRestInventoryLevel, mapRestOrder, mapRestRefund, sumTransactions } from "../map";
import { parseExactJson } from "../parse-exact-json";
import { parseShopifyWebhook } from "../webhooks";

/**
 * Every file under ../shared/fixtures/shopify/ is parsed or classified here; a new file without
 * a handler fails. (Detailed amounts are asserted in map.test.ts, webhooks.test.ts, errors.test.ts.)
 */
type Outcome = "events" | "notifications" | "rejected" | "classified" | "mapped";

const rest = (file: string): any => parseExactJson(readFixture("shopify", "rest", file));
const list = <T>(items: unknown[], parse: (x: unknown) => T): T[] => items.map(parse);

const REST: Record<string, () => unknown[]> = {
  "order-get.json": () => [mapRestOrder(RestOrder.parse(rest("order-get.json").order))],
  "refunds-list.json": () => list(rest("refunds-list.json").refunds, (r) => mapRestRefund(RestRefund.parse(r), { orderNumber: "#1001" })),
  "refund-create-response.json": () => [mapRestRefund(RestRefund.parse(rest("refund-create-response.json").refund), { orderNumber: "#1001" })],
  "refund-calculate-response.json": () => [sumTransactions(RestRefundCalculation.parse(rest("refund-calculate-response.json").refund).transactions, "suggested_refund", "USD")],
  "fulfillment-create-response.json": () => [mapRestFulfillment(RestFulfillment.parse(rest("fulfillment-create-response.json").fulfillment))],
  "fulfillment_orders-list.json": () => fulfillableLinesFromRest(list(rest("fulfillment_orders-list.json").fulfillment_orders, (f) => RestFulfillmentOrder.parse(f))),
  "inventory_levels-list.json": () => list(rest("inventory_levels-list.json").inventory_levels, (l) => mapRestInventoryLevel(RestInventoryLevel.parse(l), "SKU")),
  "inventory_level-set-response.json": () => [mapRestInventoryLevel(RestInventoryLevel.parse(rest("inventory_level-set-response.json").inventory_level), "SKU")],
  "transactions-list.json": () => list(rest("transactions-list.json").transactions, (t) => RestTransaction.parse(t)),
  "shopify_payments-payouts-list.json": () => list(rest("shopify_payments-payouts-list.json").payouts, (p) => mapPayout(RestPayout.parse(p), [])),
  "shopify_payments-balance-transactions-list.json": () => {
    const txs = list(rest("shopify_payments-balance-transactions-list.json").transactions, (t) => RestBalanceTransaction.parse(t));
    return [mapPayout({ id: "623721858", status: "paid", date: "2012-11-12", currency: "USD", amount: "41.90" }, txs)];
  },
};

const WEBHOOKS: Record<string, { topic: string; outcome: Outcome }> = {
  "orders-create.docs-2026-04.json": { topic: "orders/create", outcome: "events" },
  "orders-updated.docs-2026-04.json": { topic: "orders/updated", outcome: "events" },
  "refunds-create.docs-2026-04.json": { topic: "refunds/create", outcome: "events" },
  "fulfillments-create.docs-2026-04.json": { topic: "fulfillments/create", outcome: "events" },
  "inventory_levels-update.docs-2024-01.json": { topic: "inventory_levels/update", outcome: "notifications" },
  // Its lines have sku: null: a real capture that the model must refuse (see webhooks.test.ts).
  "orders-create.test-notification.raw.json": { topic: "orders/create", outcome: "rejected" },
};

function handle(path: string): Outcome {
  const [folder, file] = path.split("/") as [string, string];
  if (folder === "errors") {
    const env = readFixtureJson("shopify", "errors", file);
    const err = classifyError({ status: env.status, headers: env.headers ?? {}, body: JSON.stringify(env.body) });
    expect(err.errorClass).toBeTruthy();
    return "classified";
  }
  if (folder === "webhooks") {
    const spec = WEBHOOKS[file];
    expect(spec, `add shopify/webhooks/${file} to WEBHOOKS`).toBeDefined();
    let outcome: Outcome;
    try {
      const parsed = parseShopifyWebhook({ headers: { "x-shopify-topic": spec!.topic }, rawBody: readFixture("shopify", "webhooks", file), query: {} });
      outcome = parsed.kind === "ignored" ? ("ignored" as Outcome) : parsed.kind;
      if (parsed.kind === "events") for (const e of parsed.events) EventData[e.type].parse(e.data);
    } catch (e) {
      expect((e as Error).name).toBe("IngressRejection");
      outcome = "rejected";
    }
    expect(outcome).toBe(spec!.outcome);
    return outcome;
  }
  if (folder === "rest") {
    const mapper = REST[file];
    expect(mapper, `add shopify/rest/${file} to REST`).toBeDefined();
    const out = mapper!();
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((x) => x !== undefined)).toBe(true);
    return "mapped";
  }
  throw new Error(`no test handles shopify/${path}`);
}

describe("every Shopify fixture is parsed or classified", () => {
  const files = listFixtures("shopify");
  it("finds the fixtures", () => expect(files.length).toBeGreaterThanOrEqual(25));
  it.each(files)("%s", (file) => {
    expect(["events", "notifications", "rejected", "classified", "mapped"]).toContain(handle(file));
  });
});
