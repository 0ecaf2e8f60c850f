import { sql } from "drizzle-orm";
import { loadConfig } from "../../pipeline/config";
import { openStore } from "../../pipeline/db/client";

/**
 * Reconciliation history for the browser tests, written before the server starts (PGlite allows
 * one process at a time): twelve earlier hourly runs of two domains, with findings in the shape
 * pipeline/reconcile writes (evidence.summary, evidence.bridge line by line), so the page's trend,
 * bridge chart and tables have history to show. The test then runs a real reconciliation on top.
 */
export async function seedReconFixture(dataDir: string): Promise<void> {
  const config = loadConfig({ LOOPKEEPER_DATA_DIR: dataDir, LOG_LEVEL: "warn" } as unknown as NodeJS.ProcessEnv);
  const store = await openStore(config.database);
  try {
    const now = Date.now();
    for (let i = 0; i < 12; i++) {
      const at = new Date(now - (13 - i) * 3_600_000).toISOString();
      await store.rows(sql`insert into recon_runs (id, domain, started_at, finished_at, status, checked, diff_count, summary)
        values (${`e2e-acc-${i}`}, 'accounting', ${at}::timestamptz, ${at}::timestamptz + interval '40 seconds', 'succeeded', ${180 + i * 6}, ${[3, 2, 4, 2, 1, 3, 2, 2, 1, 1, 2, 2][i]!}, '{"trigger":"schedule"}'::jsonb)`);
      await store.rows(sql`insert into recon_runs (id, domain, started_at, finished_at, status, checked, diff_count, summary)
        values (${`e2e-inv-${i}`}, 'inventory', ${at}::timestamptz, ${at}::timestamptz + interval '25 seconds', 'succeeded', 14, ${i % 4 === 0 ? 2 : 1}, '{"trigger":"schedule"}'::jsonb)`);
    }
    const finding = (id: string, run: string, domain: string, subject: string, kind: string, severity: string, sides: unknown, evidence: { summary: string; unit?: string; bridge: unknown[]; detail?: unknown }) =>
      store.rows(sql`insert into recon_diffs (id, run_id, domain, subject, kind, severity, sides, evidence, explanation, status, first_seen_at)
        values (${id}, ${run}, ${domain}, ${subject}, ${kind}, ${severity}, ${JSON.stringify(sides)}::jsonb,
                ${JSON.stringify({ cause: kind, log: [], refs: [], ...evidence })}::jsonb, ${evidence.summary}, 'open', now() - interval '3 hours')`);
    await finding("e2e-d1", "e2e-acc-11", "accounting", "po_1QxE2e", "payout_mismatch", "error", { stripe: "11,911.48 USD", quickbooks: "11,980.48 USD" }, {
      summary: "QuickBooks holds $69.00 more than Stripe paid out: a dispute Stripe withdrew was never posted.",
      unit: "minor",
      detail: { currency: "USD" },
      bridge: [
        { kind: "start", text: "Gross charges", amount: 1_284_500 },
        { kind: "adjust", text: "Stripe fees", amount: -37_552, status: "explained" },
        { kind: "adjust", text: "Refunds (3)", amount: -48_900, status: "explained" },
        { kind: "adjust", text: "Dispute withdrawn", amount: -6_900, status: "unexplained" },
        { kind: "total", text: "Stripe payout", amount: 1_191_148 },
        { kind: "compare", text: "QuickBooks deposit", amount: 1_198_048 },
      ],
    });
    await finding("e2e-d2", "e2e-acc-11", "accounting", "po_1QxE2f", "payout_unposted", "warning", { stripe: "2,410.00 USD", quickbooks: null }, {
      summary: "Stripe paid out $2,410.00; no deposit journal in QuickBooks yet.",
      bridge: [{ kind: "start", text: "Stripe payout po_1QxE2f: 2,410.00 USD" }, { kind: "compare", text: "QuickBooks: no deposit journal" }],
    });
    await finding("e2e-d3", "e2e-inv-11", "inventory", "AB-12@main", "on_hand_mismatch", "warning", { netsuite: 412, shipstation: 408 }, {
      summary: "ShipStation counts 4 fewer AB-12 at main: 2 are shipments NetSuite has not fulfilled yet, 2 an unreported cycle count.",
      unit: "units",
      bridge: [
        { kind: "start", text: "NetSuite on hand", amount: 412 },
        { kind: "adjust", text: "Shipped, not fulfilled", amount: -2, status: "in_flight" },
        { kind: "residual", text: "Unreported count", amount: -2, status: "unexplained" },
        { kind: "compare", text: "ShipStation on hand", amount: 408 },
      ],
    });
  } finally {
    await store.close();
  }
}
