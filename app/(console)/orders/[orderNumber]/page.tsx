import Link from "next/link";
import { notFound } from "next/navigation";
import { Badge, PageHead, Panel, StatusBadge, When } from "@/app/components/ui";
import { eventHref, stamp } from "@/app/lib/format";
import { loadOrderTrace, type TraceEvent } from "@/app/lib/ops/order-trace";
import { requireUser } from "@/app/lib/session";
import { AttemptList } from "@/app/components/attempts";
import { getRuntime } from "@/pipeline/runtime";
import { decodeParam } from "@/app/lib/params";

export const metadata = { title: "Order trace" };

const ORDER_STATE = {
  done: { status: "delivered", label: "Complete in every system" },
  parked: { status: "parked", label: "Needs attention" },
  open: { status: "processing", label: "In progress" },
} as const;

function eventTone(e: TraceEvent): string {
  if (e.status === "delivered") return "ok";
  if (e.status === "parked") return "bad";
  if (e.status === "skipped") return "neutral";
  return "warn";
}

export default async function OrderTracePage({ params }: { params: Promise<{ orderNumber: string }> }) {
  await requireUser();
  const ref = decodeParam((await params).orderNumber);
  const rt = await getRuntime();
  const trace = await loadOrderTrace(rt, ref);
  if (!trace) notFound();
  const state = ORDER_STATE[trace.state];
  const openRecon = trace.recon.filter((d) => d.status === "open");
  return (
    <>
      <div className="faint" style={{ marginBottom: 6 }}>
        <Link href="/orders">Orders</Link> / trace
      </div>
      <PageHead
        title={`Order ${trace.ref}`}
        description={`${trace.events.length} events across ${new Set(trace.systems.map((s) => s.system)).size} systems`}
        actions={
          <span data-testid="order-state" data-state={trace.state}>
            <StatusBadge status={state.status} label={state.label} />
          </span>
        }
      />
      <Panel title="In each system" hint="the ids this order has everywhere">
        <div className="systems">
          {trace.systems.map((s) => (
            <div key={`${s.role}:${s.system}`} className="system-card" data-tone={s.state}>
              <div className="row between">
                <span className="sys">{s.system}</span>
                <Badge tone={s.state === "neutral" ? "neutral" : s.state}>{s.role === "source" ? "source" : s.state === "ok" ? "written" : s.state === "bad" ? "stopped" : "pending"}</Badge>
              </div>
              {s.ids.length ? (
                s.ids.map((i) => (
                  <div key={`${i.label}:${i.value}`} className="ext">
                    <span className="faint">{`${i.label}: `}</span>
                    {i.value}
                  </div>
                ))
              ) : (
                <div className="faint" style={{ fontSize: 12 }}>
                  no id yet
                </div>
              )}
            </div>
          ))}
          <div className="system-card" data-tone={openRecon.length ? "warn" : "ok"}>
            <div className="row between">
              <span className="sys">Reconciliation</span>
              {trace.recon.length === 0 ? <Badge>not checked yet</Badge> : openRecon.length ? <Badge tone="warn">{`${openRecon.length} open`}</Badge> : <Badge tone="ok">matched</Badge>}
            </div>
            {openRecon.slice(0, 3).map((d) => (
              <div key={d.id} style={{ fontSize: 12 }}>
                <Link href={`/reconciliation?domain=${encodeURIComponent(d.domain)}`}>{d.kind}</Link>
                {d.explanation ? <span className="faint">{` · ${d.explanation}`}</span> : null}
              </div>
            ))}
          </div>
        </div>
      </Panel>

      <h2 style={{ margin: "18px 0 10px" }}>Timeline</h2>
      <ol className="timeline" aria-label="Order timeline">
        {trace.events.map((e) => (
          <li key={e.id} className="tl-item" data-tone={eventTone(e)}>
            <span className="tl-icon" aria-hidden="true" />
            <article className="tl-card">
              <div className="tl-card-head">
                <Link href={eventHref(e.id)} className="title" style={{ fontWeight: 600 }}>
                  {e.type}
                </Link>
                <span className="muted">{`from ${e.sourceConnector}`}</span>
                <StatusBadge status={e.status} />
                <span className="when" title={stamp(e.occurredAt)}>
                  <When at={e.occurredAt} />
                </span>
              </div>
              <div className="tl-card-body">
                {e.stageLog.length ? (
                  <div className="faint" style={{ fontSize: 12, marginBottom: 6 }}>
                    {e.stageLog.map((a) => `${a.stage}: ${a.errorMessage ?? a.outcome}`).join(" · ")}
                  </div>
                ) : null}
                {e.deliveries.length === 0 ? (
                  <p className="faint" style={{ margin: 0 }}>
                    No destination for this event.
                  </p>
                ) : (
                  e.deliveries.map((d) => (
                    <section key={d.id} style={{ padding: "6px 0", borderTop: "1px solid #f0f0f2" }} aria-label={`${d.destination} ${d.action}`}>
                      <div className="row">
                        <b>{`→ ${d.destination}`}</b>
                        <span className="mono faint">{d.action}</span>
                        <StatusBadge status={d.status} />
                        {d.externalId ? <span className="mono">{`id ${d.externalId}`}</span> : null}
                        {d.dependsOn ? <span className="faint">after a prerequisite step</span> : null}
                      </div>
                      {d.status === "parked" && d.parkedReason ? (
                        <p className="notice bad" style={{ margin: "6px 0" }}>
                          {`Stopped: ${d.parkedReason}`}
                          {d.failureKey ? (
                            <>
                              {" · "}
                              <Link href={`/failures/${encodeURIComponent(d.failureKey)}`}>see the failure group</Link>
                            </>
                          ) : null}
                        </p>
                      ) : null}
                      <AttemptList attempts={d.attemptLog} />
                    </section>
                  ))
                )}
              </div>
            </article>
          </li>
        ))}
      </ol>
    </>
  );
}
