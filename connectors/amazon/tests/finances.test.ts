import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Payout, SettlementLine } from "../../../pipeline/model";
import { readFixtureJson } from "../../../pipeline/testing/fixtures";
import { ListFinancialEventGroupsResponse, ListFinancialEventsResponse } from "../api-schemas";
import { AmazonClient, SETTLEMENT_REPORT_TYPE } from "../client";
import { amazonConnector, checkSettlement, describeSettlementCheck } from "../index";
import { DEFAULT_USAGE_PLANS } from "../rate-limiter";
import { startAmazonSandbox, type AmazonSandbox } from "../sandbox";
import type { SettlementSpec } from "../sandbox/settlement-file";
import { readSettlementReport } from "../settlements-poller";

const FAST = { rate: 500, burst: 500 };
const PLANS = Object.fromEntries(Object.keys(DEFAULT_USAGE_PLANS).map((op) => [op, FAST]));

/**
 * The Finances API behind settlement reports: each settlement period is a financial event group
 * whose events are what the report should say. The settlementLines reader finds the group of a
 * settlement's period, and checkSettlement against those lines names exactly what a faulty
 * report dropped or changed, and nothing on a sound one.
 */
describe("Finances API: the expected lines of a settlement", () => {
  let sandbox: AmazonSandbox;
  let client: AmazonClient;
  beforeAll(async () => {
    sandbox = await startAmazonSandbox({ rateLimits: PLANS });
    client = new AmazonClient({ baseUrl: sandbox.url, credentials: sandbox.credentials, usagePlans: PLANS });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  const spec = (id: string, startDate: string, extra: Partial<SettlementSpec> = {}): SettlementSpec => ({
    settlementId: id,
    startDate,
    endDate: new Date(Date.parse(startDate) + 14 * 86_400_000).toISOString(),
    orders: [
      { orderId: "113-4055532-1869038", sku: "AB-12", quantity: 2, principalMinor: 4800, taxMinor: 384, commissionMinor: 720, fbaFeeMinor: 644 },
      { orderId: "113-8771450-0213062", sku: "CM-01", principalMinor: 1800, taxMinor: 144, promotionMinor: 180 },
      { orderId: "114-2214887-5510611", sku: "TR-20", principalMinor: 4500, shippingMinor: 599, fulfillment: "MFN" },
    ],
    refunds: [{ orderId: "113-4055532-1869038", sku: "AB-12", principalMinor: 2400, taxMinor: 192 }],
    reimbursements: [{ sku: "CM-01", reason: "WAREHOUSE_DAMAGE", amountMinor: 1150 }, { sku: "TR-20", reason: "WAREHOUSE_LOST", amountMinor: 3375 }],
    fees: [{ description: "Storage Fee", amountMinor: 312 }],
    reserve: { previousMinor: 2500, currentMinor: 3100 },
    ...extra,
  });
  const settlement = async (id: string): Promise<Payout> => {
    const reports = await client.listReports({ reportTypes: [SETTLEMENT_REPORT_TYPE], processingStatuses: ["DONE"] });
    for (const r of reports) {
      const p = await readSettlementReport(client, r);
      if (p?.id === id) return p;
    }
    throw new Error(`no settlement ${id}`);
  };
  const expectedLines = (p: Payout) => amazonConnector.readers!.settlementLines!(client, p) as Promise<SettlementLine[] | undefined>;

  it("matches a sound settlement line for line", async () => {
    sandbox.addSettlement(spec("55001", "2026-10-01T08:00:00Z"));
    const p = await settlement("55001");
    const expected = await expectedLines(p);
    expect(expected).toHaveLength(p.lines.length);
    const check = checkSettlement(p, expected);
    expect(check).toMatchObject({ balanced: true, comparison: { missing: [], unexpected: [], changed: [], explainedMinor: 0, unexplainedMinor: 0 } });
  });

  it("names the reimbursement a report left out and the fee it changed, and finds nothing else", async () => {
    sandbox.addSettlement(spec("55002", "2026-10-15T08:00:00Z", { omitReimbursement: "TR-20", feeChange: { orderId: "113-8771450-0213062", description: "Commission", amountMinor: 315 } }));
    const p = await settlement("55002");
    const check = checkSettlement(p, await expectedLines(p));
    expect(check.balanced).toBe(false);
    expect(check.comparison!.missing).toEqual([expect.objectContaining({ kind: "reimbursement", sku: "TR-20", amount: { amountMinor: 3375, currency: "USD" } })]);
    expect(check.comparison!.changed).toEqual([
      expect.objectContaining({
        expected: expect.objectContaining({ kind: "fee", description: "Commission", orderId: "amazon:113-8771450-0213062", amount: { amountMinor: -270, currency: "USD" } }),
        actual: expect.objectContaining({ amount: { amountMinor: -315, currency: "USD" } }),
        deltaMinor: -45,
      }),
    ]);
    expect(check.comparison!.unexpected).toEqual([]);
    expect(check.comparison!.unexplainedMinor).toBe(0);
    expect(describeSettlementCheck(check).slice(1)).toEqual([
      "missing: reimbursement FBAInventoryReimbursement SKU TR-20 33.75 USD",
      "changed: fee Commission order 113-8771450-0213062 SKU CM-01 -2.70 USD → -3.15 USD",
    ]);
  });

  it("has no expected lines for a period Amazon has no event group for", async () => {
    const p = await settlement("55001");
    expect(await expectedLines({ ...p, periodStart: "2020-01-01T00:00:00.000Z" })).toBeUndefined();
  });

  it("parses the Finances fixtures with the response schemas the client uses", () => {
    const groups = readFixtureJson<{ response: unknown }[]>("amazon/finances/listFinancialEventGroups.200.sandbox-static.json");
    expect(ListFinancialEventGroupsResponse.parse(groups[0]!.response).payload.FinancialEventGroupList[0]).toMatchObject({ FinancialEventGroupId: "1" });
    const events = readFixtureJson<{ response: unknown }[]>("amazon/finances/listFinancialEvents.200.sandbox-static.json");
    expect(ListFinancialEventsResponse.parse(events[0]!.response).payload.FinancialEvents.PayWithAmazonEventList?.length).toBeGreaterThan(0);
  });
});
