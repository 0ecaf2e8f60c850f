import { ClassifiedError, isClassifiedError } from "../../pipeline/errors";
import type { Payout, SettlementLine } from "../../pipeline/model";
import { defineConnector, type RecordReaders } from "../sdk/definition";
import { AmazonClient, SETTLEMENT_REPORT_TYPE } from "./client";
import { confirmShipment } from "./confirm-shipment";
import { AmazonCredentials } from "./credentials";
import { classifyAmazonError } from "./errors";
import { fbaInventoryLevels, fbaInventoryPoller } from "./fba-inventory-poller";
import { mapFinancialEvents, mapOrder } from "./map";
import { fetchOrderNotification, relayWebhooks } from "./notifications";
import { ordersPoller } from "./orders-poller";
import { readSettlementReport, settlementsPoller } from "./settlements-poller";

export { AmazonClient, createAmazonClient, SETTLEMENT_REPORT_TYPE } from "./client";
export { AmazonCredentials } from "./credentials";
export { classifyAmazonError } from "./errors";
export { lwaAuth, DEFAULT_LWA_TOKEN_URL } from "./lwa-auth";
export { DEFAULT_USAGE_PLANS, type SpOperation, type UsagePlan } from "./rate-limiter";
export { mapOrder, mapOrder2026, mapInventorySummary, mapFinancialEvents, mapFinancialEventGroup, mapFinanceTransactions, FBA_LOCATION } from "./map";
export { ordersPoller, type OrdersCursor } from "./orders-poller";
export { settlementsPoller } from "./settlements-poller";
export { fbaInventoryPoller } from "./fba-inventory-poller";
export { parseNotification, verifyRelayToken, fetchOrderNotification, RELAY_TOKEN_HEADER } from "./notifications";
export { parseSettlementReport, checkSettlement, describeSettlementCheck, type SettlementCheck } from "./settlement-report";

/** Orders take 2 minutes to settle in getOrders: a reader never asks for fresher data than that. */
const SETTLE_MS = 2 * 60_000;

const readers: RecordReaders<AmazonClient> = {
  async inventory(client) {
    return fbaInventoryLevels(client, new Date().toISOString());
  },
  async orders(client, since: string) {
    const before = new Date(Date.now() - SETTLE_MS).toISOString();
    const orders = await client.listOrders({ lastUpdatedAfter: since, lastUpdatedBefore: before });
    const out = [];
    for (const o of orders) {
      const items = await client.getOrderItems(o.AmazonOrderId);
      let totalMinor: number | undefined;
      let currency = o.OrderTotal?.CurrencyCode;
      try {
        const c = mapOrder(o, items);
        totalMinor = c.totals.total.amountMinor;
        currency = c.currency;
      } catch (e) {
        if (!isClassifiedError(e)) throw e;
      }
      out.push({
        orderNumber: o.AmazonOrderId,
        externalId: o.AmazonOrderId,
        totalMinor,
        currency,
        lines: items.filter((i) => i.SellerSKU).map((i) => ({ sku: i.SellerSKU!, quantity: i.QuantityOrdered })),
        status: o.OrderStatus,
      });
    }
    return out;
  },
  /** Settlements whose report Amazon created since `since` (ISO), parsed. */
  async settlements(client, since: string): Promise<Payout[]> {
    const reports = await client.listReports({ reportTypes: [SETTLEMENT_REPORT_TYPE], processingStatuses: ["DONE"], createdSince: since });
    const payouts: Payout[] = [];
    for (const r of reports) {
      const p = await readSettlementReport(client, r);
      if (p && !payouts.some((x) => x.id === p.id)) payouts.push(p);
    }
    return payouts;
  },
  /**
   * What a settlement's report should say, from the Finances API: the events of the financial
   * event group of the same period (groups carry no settlement id, so the period start and the
   * currency identify it). checkSettlement(settlement, these) names the exact lines a report is
   * missing or has changed. Undefined when no group matches.
   */
  async settlementLines(client, settlement: Payout): Promise<SettlementLine[] | undefined> {
    if (!settlement.periodStart) return undefined;
    const start = Date.parse(settlement.periodStart);
    const groups = await client.listFinancialEventGroups({ startedAfter: new Date(start - 60_000).toISOString(), startedBefore: new Date(start + 60_000).toISOString() });
    const sameStart = groups.filter((g) => g.FinancialEventGroupStart && Math.abs(Date.parse(g.FinancialEventGroupStart) - start) < 1_000 && g.OriginalTotal?.CurrencyCode === settlement.total.currency);
    const group = sameStart.find((g) => !settlement.periodEnd || !g.FinancialEventGroupEnd || Math.abs(Date.parse(g.FinancialEventGroupEnd) - Date.parse(settlement.periodEnd)) < 1_000) ?? (sameStart.length === 1 ? sameStart[0] : undefined);
    if (!group) return undefined;
    return mapFinancialEvents(await client.listFinancialEventsByGroupId(group.FinancialEventGroupId), { settlementId: settlement.id });
  },
};

/**
 * Amazon Seller Central through the Selling Partner API: orders (polled, plus ORDER_CHANGE
 * notifications through a relay), FBA inventory, settlement reports, and FBM shipment
 * confirmation. Rate limits are per operation (see DEFAULT_USAGE_PLANS); ratePolicy below is the
 * tightest of them, getOrders: 0.0167 requests/s (one a minute) with a burst of 20.
 */
export const amazonConnector = defineConnector<AmazonCredentials, AmazonClient, { relayToken: string }>({
  id: "amazon",
  displayName: "Amazon Seller Central (SP-API)",
  credentials: AmazonCredentials,
  defaultBaseUrl: "https://sellingpartnerapi-na.amazon.com",
  ratePolicy: { concurrency: 2, perSecond: 0.0167, burst: 20 },
  capabilities: {
    source: ["order.created", "order.updated", "order.cancelled", "inventory.level", "payout.settled"],
    destination: ["confirm_shipment"],
    readers: ["inventory", "orders", "settlements", "settlementLines"],
  },
  createClient: ({ baseUrl, credentials, fetch, timeoutMs }) => new AmazonClient({ baseUrl, credentials, fetch, timeoutMs }),
  async testConnection(client) {
    const participations = await client.getMarketplaceParticipations();
    const active = participations.filter((p) => p.participation.isParticipating);
    const missing = client.marketplaceIds.filter((id) => !active.some((p) => p.marketplace.id === id));
    if (missing.length) {
      throw new ClassifiedError({
        errorClass: "validation",
        message: `seller ${client.sellingPartnerId} does not participate in marketplace(s) ${missing.join(", ")}`,
        field: "marketplaceIds",
        reason: "a configured marketplace id is not one of the seller's marketplaces (wrong region?)",
      });
    }
    const names = active.filter((p) => client.marketplaceIds.includes(p.marketplace.id)).map((p) => `${p.marketplace.name ?? p.marketplace.id} (${p.marketplace.id})`);
    return { ok: true, detail: `seller ${client.sellingPartnerId} connected; marketplaces: ${names.join(", ")}` };
  },
  webhooks: relayWebhooks,
  webhookSecrets: (c) => ({ relayToken: c.relayToken }),
  fetchNotification: fetchOrderNotification,
  destinations: { confirm_shipment: confirmShipment },
  pollers: { orders: ordersPoller(), settlements: settlementsPoller(), fbaInventory: fbaInventoryPoller() },
  readers,
  classifyError: (res) => classifyAmazonError(res),
});

export default amazonConnector;
