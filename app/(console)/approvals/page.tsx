import Link from "next/link";
import { Badge, Empty, Json, PageHead, Panel, StatusBadge, When } from "@/app/components/ui";
import { count, eventHref } from "@/app/lib/format";
import { can, requireUser } from "@/app/lib/session";
import { listRemediations, type RemediationView } from "@/pipeline/approvals";
import { getRuntime } from "@/pipeline/runtime";
import { DecisionButtons } from "@/app/components/decision-buttons";

export const metadata = { title: "Approvals" };

function evidenceHref(kind: string, id: string): string | undefined {
  if (kind === "event") return eventHref(id);
  if (kind === "failure_group") return `/failures/${encodeURIComponent(id)}`;
  if (kind === "connector") return `/connections/${encodeURIComponent(id)}`;
  if (kind === "remediation") return `/approvals#${id}`;
  return undefined;
}

function DryRun({ r }: { r: RemediationView }) {
  const d = r.dryRun;
  if (!d) return <p className="faint">No dry run recorded.</p>;
  const pct = d.checked ? Math.round((d.wouldPass / d.checked) * 100) : 0;
  return (
    <div>
      <div className="row between" style={{ marginBottom: 4 }}>
        <b data-testid="dry-run-summary">{d.summary}</b>
        <span className="faint num">{`${count(d.wouldPass)} pass · ${count(d.wouldFail)} fail`}</span>
      </div>
      <div
        role="meter"
        aria-label="Share that would now pass"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        style={{ height: 8, borderRadius: 4, background: d.checked ? "var(--bad-bg)" : "var(--neutral-bg)", overflow: "hidden" }}
      >
        <div style={{ width: `${pct}%`, height: "100%", background: "#16a34a" }} />
      </div>
      {d.notes.length ? (
        <ul className="faint" style={{ margin: "6px 0 0", paddingLeft: 18, fontSize: 12 }}>
          {d.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
      {d.items.length ? (
        <details className="disclose" style={{ marginTop: 6 }}>
          <summary>{`Each item${d.truncated ? " (first ones)" : ""}`}</summary>
          <table className="data compact" style={{ marginTop: 6 }}>
            <tbody>
              {d.items.map((i) => (
                <tr key={i.subject}>
                  <td>{i.pass ? <Badge tone="ok">would pass</Badge> : <Badge tone="bad">would fail</Badge>}</td>
                  <td className="mono">{i.orderNumber ?? (i.eventId ? <Link href={eventHref(i.eventId)}>{i.eventId}</Link> : i.subject)}</td>
                  <td>{i.why}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </div>
  );
}

export default async function ApprovalsPage() {
  const user = await requireUser();
  const rt = await getRuntime();
  const proposed = await listRemediations(rt, { statuses: ["proposed"], limit: 100 });
  const decided = await listRemediations(rt, { statuses: ["approved", "rejected", "applied", "failed"], limit: 30 });
  const mayDecide = can(user, "approver");
  return (
    <>
      <PageHead
        title="Approvals"
        description="Fixes proposed by the agent, MCP clients or colleagues. Each shows what a dry run says it would do; nothing changes until an approver approves."
      />
      {!mayDecide ? (
        <p className="notice info" style={{ marginBottom: 14 }} data-testid="approver-only-note">
          {`You are signed in as ${user.role}: approving or rejecting needs the approver role.`}
        </p>
      ) : null}
      {proposed.length === 0 ? (
        <section className="panel">
          <Empty title="Nothing waiting for approval">Proposals appear here as soon as they are made.</Empty>
        </section>
      ) : (
        <div className="stack" data-testid="proposals">
          {proposed.map((r) => (
            <section key={r.id} id={r.id} className="panel" aria-labelledby={`t-${r.id}`} data-remediation-id={r.id}>
              <div className="panel-head">
                <div>
                  <h2 id={`t-${r.id}`}>{r.title}</h2>
                  <div className="faint" style={{ fontSize: 12, marginTop: 2 }}>
                    <Badge>{r.kind.replace(/_/g, " ")}</Badge> {`proposed by ${r.proposedBy} · `}
                    <When at={r.createdAt} />
                    {r.failureKey ? (
                      <>
                        {" · "}
                        <Link href={`/failures/${encodeURIComponent(r.failureKey)}`}>failure group</Link>
                      </>
                    ) : null}
                  </div>
                </div>
                <StatusBadge status={r.status} />
              </div>
              <div className="panel-body grid grid-2">
                <div>
                  <h3 style={{ marginBottom: 4 }}>Why</h3>
                  <p>{r.rationale}</p>
                  {r.evidence.length ? (
                    <>
                      <h3 style={{ margin: "10px 0 4px" }}>Evidence</h3>
                      <ul style={{ margin: 0, paddingLeft: 18 }}>
                        {r.evidence.filter((e, i, all) => all.findIndex((x) => x.kind === e.kind && x.id === e.id) === i).map((e) => {
                          const href = evidenceHref(e.kind, e.id);
                          return (
                            <li key={`${e.kind}:${e.id}`}>
                              <span className="faint">{`${e.kind.replace(/_/g, " ")} `}</span>
                              {href ? <Link href={href} className="mono">{e.id}</Link> : <span className="mono">{e.id}</span>}
                            </li>
                          );
                        })}
                      </ul>
                    </>
                  ) : null}
                  <details className="disclose" style={{ marginTop: 8 }}>
                    <summary>Exact parameters</summary>
                    <Json value={r.params} />
                  </details>
                </div>
                <div>
                  <h3 style={{ marginBottom: 6 }}>Dry run</h3>
                  <DryRun r={r} />
                </div>
              </div>
              {mayDecide ? (
                <div className="toolbar" style={{ borderTop: "1px solid var(--border)", borderBottom: 0 }}>
                  <DecisionButtons id={r.id} title={r.title} />
                </div>
              ) : null}
            </section>
          ))}
        </div>
      )}
      <Panel title="Recent decisions" hint="approved, rejected, applied" bodyless>
        {decided.length === 0 ? (
          <Empty title="No decisions yet" />
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>Remediation</th>
                <th>Status</th>
                <th>Decided by</th>
                <th>Reason</th>
                <th>Outcome</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {decided.map((r) => {
                const o = r.outcome as { succeeded?: number; parked?: number; pending?: number } | null;
                return (
                  <tr key={r.id} id={r.id}>
                    <td>
                      <span className="title">{r.title}</span>
                      <div className="sub">{`${r.kind.replace(/_/g, " ")} · proposed by ${r.proposedBy}`}</div>
                    </td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td>{r.approvedByPolicy ? `policy ${r.approvedByPolicy}` : (r.decidedBy ?? "—")}</td>
                    <td className="muted" style={{ maxWidth: 300 }}>
                      {r.decisionReason ?? "—"}
                    </td>
                    <td className="num">{o && typeof o.succeeded === "number" ? `${o.succeeded} delivered · ${o.parked ?? 0} stopped · ${o.pending ?? 0} pending` : "—"}</td>
                    <td>
                      <When at={r.appliedAt ?? r.decidedAt ?? r.createdAt} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}
