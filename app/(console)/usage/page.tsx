import Link from "next/link";
import { UsageChart } from "@/app/components/charts";
import { Empty, PageHead, Panel } from "@/app/components/ui";
import { count } from "@/app/lib/format";
import { requireUser } from "@/app/lib/session";
import { usageByDay } from "@/pipeline/db/queries/console-usage";
import { getRuntime } from "@/pipeline/runtime";

export const metadata = { title: "Usage" };

const PERIODS = [7, 14, 30, 90];

function daysBack(n: number): string[] {
  const out: string[] = [];
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  for (let i = n - 1; i >= 0; i--) out.push(new Date(today - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

export default async function UsagePage({ searchParams }: { searchParams: Promise<{ days?: string }> }) {
  await requireUser();
  const sp = await searchParams;
  const days = PERIODS.includes(Number(sp.days)) ? Number(sp.days) : 14;
  const rt = await getRuntime();
  const rows = await usageByDay(rt.store, days);
  const connectors = [...new Set(rows.map((r) => r.connector))].sort();
  const dayList = daysBack(days);
  const chart = dayList.map((day) => {
    const point: Record<string, string | number> = { day };
    for (const c of connectors) point[c] = rows.filter((r) => r.day === day && r.connector === c).reduce((n, r) => n + r.count, 0);
    return point;
  });
  const totals = connectors
    .map((c) => {
      const mine = rows.filter((r) => r.connector === c);
      const inbound = mine.filter((r) => r.direction === "in").reduce((n, r) => n + r.count, 0);
      const outbound = mine.filter((r) => r.direction === "out").reduce((n, r) => n + r.count, 0);
      const today = mine.filter((r) => r.day === dayList[dayList.length - 1]).reduce((n, r) => n + r.count, 0);
      return { connector: c, inbound, outbound, total: inbound + outbound, today, perDay: (inbound + outbound) / days };
    })
    .sort((a, b) => b.total - a.total);
  const grand = totals.reduce((n, t) => n + t.total, 0);
  return (
    <>
      <PageHead
        title="Usage"
        description="Events per connector per day: events captured from a system plus deliveries made to it. This is the figure integration platforms bill on."
        actions={
          <nav className="row" aria-label="Period">
            {PERIODS.map((p) => (
              <Link key={p} href={`/usage?days=${p}`} className={`btn small ${p === days ? "primary" : ""}`} aria-current={p === days ? "page" : undefined}>
                {`${p} days`}
              </Link>
            ))}
          </nav>
        }
      />
      <Panel title="Events per day" hint={`${count(grand)} in ${days} days, UTC days`}>
        {grand === 0 ? <Empty title="No events in this period" /> : <UsageChart data={chart} connectors={connectors} />}
      </Panel>
      <section className="panel" aria-label="Usage by connector" style={{ marginTop: 14 }}>
        <div className="panel-head">
          <h2>By connector</h2>
          <span className="hint">{`last ${days} days`}</span>
        </div>
        {totals.length === 0 ? (
          <Empty title="Nothing counted yet" />
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>Connector</th>
                <th className="num">Captured from it</th>
                <th className="num">Delivered to it</th>
                <th className="num">Total</th>
                <th className="num">Per day</th>
                <th className="num">Today</th>
                <th className="num">Share</th>
              </tr>
            </thead>
            <tbody>
              {totals.map((t) => (
                <tr key={t.connector}>
                  <td className="title">{t.connector}</td>
                  <td className="num">{count(t.inbound)}</td>
                  <td className="num">{count(t.outbound)}</td>
                  <td className="num">
                    <b>{count(t.total)}</b>
                  </td>
                  <td className="num">{count(Math.round(t.perDay))}</td>
                  <td className="num">{count(t.today)}</td>
                  <td className="num">{grand ? `${Math.round((t.total / grand) * 100)} %` : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
