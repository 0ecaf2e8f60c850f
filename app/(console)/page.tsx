import Link from "next/link";
import { ThroughputChart } from "@/app/components/charts";
import { PageHead, Panel, When } from "@/app/components/ui";
import { count, duration } from "@/app/lib/format";
import { requireUser } from "@/app/lib/session";
import { chartWindow, systemRoles } from "@/app/lib/loop";
import { firstEventWithin, LOOP_STAGES, loopStageRows, loopTotals, throughputSeries, type StageConnectorRow } from "@/pipeline/db/queries/console-overview";
import { getRuntime } from "@/pipeline/runtime";

export const metadata = { title: "Overview" };

/** How long a delivery may wait before the stage is flagged as lagging. */
const LAG_WARN_SECONDS = 300;

function stageHealth(rows: StageConnectorRow[]): "bad" | "warn" | "ok" | "idle" {
  if (rows.some((r) => r.side === "destination" && r.failures > 0)) return "bad";
  if (rows.some((r) => r.retrying > 0 || (r.oldestWaitingSeconds ?? 0) > LAG_WARN_SECONDS || (r.side === "source" && r.failures > 0))) return "warn";
  if (rows.some((r) => r.lastDay > 0 || r.waiting > 0)) return "ok";
  return "idle";
}

export default async function OverviewPage() {
  await requireUser();
  const rt = await getRuntime();
  const rows = await loopStageRows(rt.store, systemRoles(rt.directory.listInstances()));
  const totals = await loopTotals(rt.store);
  const span = chartWindow(await firstEventWithin(rt.store, 12));
  const series = await throughputSeries(rt.store, span);
  const names = new Map(rt.directory.listInstances().map((i) => [i.id, i.definition.displayName]));

  return (
    <>
      <PageHead title="The loop" description="Orders in from channels, through fulfilment, back to channels, into the books. Updated live." />
      <div className="kpis">
        <div className="kpi">
          <div className="label">Events captured, last hour</div>
          <div className="value">{count(totals.eventsLastHour)}</div>
        </div>
        <div className="kpi">
          <div className="label">Deliveries made, last hour</div>
          <div className="value">{count(totals.deliveredLastHour)}</div>
        </div>
        <div className={`kpi ${totals.waiting > 0 ? "warn" : ""}`}>
          <div className="label">Waiting to be delivered</div>
          <div className="value">{count(totals.waiting)}</div>
        </div>
        <Link href="/failures" className={`kpi ${totals.parkedOpen > 0 ? "bad" : ""}`} style={{ color: "inherit", textDecoration: "none" }}>
          <div className="label">Stopped deliveries</div>
          <div className="value">{count(totals.parkedOpen)}</div>
          <div className="sub">{`${count(totals.openFailureGroups)} open ${totals.openFailureGroups === 1 ? "cause" : "causes"}`}</div>
        </Link>
        <Link href="/approvals" className="kpi" style={{ color: "inherit", textDecoration: "none" }}>
          <div className="label">Fixes awaiting approval</div>
          <div className="value">{count(totals.proposedRemediations)}</div>
        </Link>
      </div>

      <section className="loop" aria-label="Loop stages">
        {LOOP_STAGES.map((stage, i) => {
          const stageRows = rows.filter((r) => r.stage === stage.id).sort((a, b) => b.failures - a.failures || b.lastDay - a.lastDay);
          const health = stageHealth(stageRows);
          const inHour = stageRows.filter((r) => r.side === "source").reduce((n, r) => n + r.lastHour, 0);
          const outHour = stageRows.filter((r) => r.side === "destination").reduce((n, r) => n + r.lastHour, 0);
          const failures = stageRows.filter((r) => r.side === "destination").reduce((n, r) => n + r.failures, 0);
          return (
            <article key={stage.id} className="stage" data-health={health} aria-labelledby={`stage-${stage.id}`}>
              <div className="stage-head">
                <div className="step">{`Stage ${i + 1}`}</div>
                <h2 id={`stage-${stage.id}`}>{stage.title}</h2>
                <div className="faint" style={{ fontSize: 12 }}>
                  {stage.blurb}
                </div>
                <div className="stage-stats">
                  <span>
                    <b>{count(inHour + outHour)}</b>/h
                  </span>
                  <span className={failures ? "bad" : ""}>
                    <b style={failures ? { color: "var(--bad)" } : undefined}>{count(failures)}</b> stopped
                  </span>
                  <span className="visually-hidden">{`health: ${health}`}</span>
                </div>
              </div>
              {stageRows.length === 0 ? (
                <p className="faint" style={{ padding: "10px 12px", margin: 0 }}>
                  Nothing in the last 24 hours.
                </p>
              ) : (
                <ul className="conn-list">
                  {stageRows.map((r) => (
                    <li key={`${r.side}:${r.connector}`}>
                      <span className="conn-name" title={r.connector}>
                        <Link href={`/health#${encodeURIComponent(r.connector)}`} style={{ color: "inherit" }}>
                          {names.get(r.connector) ?? r.connector}
                        </Link>
                      </span>
                      <span className="badge" title={r.side === "source" ? "events captured from it" : "deliveries made to it"}>
                        {r.side === "source" ? "in" : "out"}
                      </span>
                      <span className="conn-meta">
                        <span title="in the last hour">{`${count(r.lastHour)}/h`}</span>
                        {r.side === "destination" ? (
                          <>
                            <span className={r.failures ? "bad" : ""}>{`${count(r.failures)} stopped`}</span>
                            {r.retrying ? <span className="warn">{`${count(r.retrying)} retrying`}</span> : null}
                            <span title="age of the oldest delivery still waiting" className={(r.oldestWaitingSeconds ?? 0) > LAG_WARN_SECONDS ? "warn" : ""}>
                              {`lag ${r.oldestWaitingSeconds === null ? "0 s" : duration(r.oldestWaitingSeconds)}`}
                            </span>
                          </>
                        ) : (
                          <>
                            {r.failures ? <span className="warn" title="payloads rejected and quarantined, last 24 h">{`${count(r.failures)} rejected`}</span> : null}
                            <span title="last event captured">
                              last <When at={r.lastAt} />
                            </span>
                          </>
                        )}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </article>
          );
        })}
      </section>

      <Panel title="Throughput" hint={`last ${span.minutes >= 120 ? `${Math.round(span.minutes / 60)} hours` : `${span.minutes} minutes`}, ${span.bucketMinutes}-minute buckets, UTC`}>
        <ThroughputChart data={series} />
      </Panel>
    </>
  );
}
