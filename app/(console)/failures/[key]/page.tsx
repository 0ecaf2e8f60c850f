import Link from "next/link";
import { notFound } from "next/navigation";
import { Badge, Empty, PageHead, Panel, StatusBadge, When } from "@/app/components/ui";
import { count, eventHref, orderHref } from "@/app/lib/format";
import { can, requireUser } from "@/app/lib/session";
import { getFailureGroup, parkedDeliveriesOfGroups } from "@/pipeline/db/queries/console-failures";
import { listRemediations } from "@/pipeline/approvals";
import { getRuntime } from "@/pipeline/runtime";
import { callTool } from "@/app/lib/tools";
import { GroupControls } from "./group-controls";
import { decodeParam } from "@/app/lib/params";

export const metadata = { title: "Failure group" };

interface Diagnosis {
  label: string;
  title: string;
  confidence: number;
  explanation: string;
  suggestedFix: { kind: string; description: string; needs: string[] };
  affected: { events: number; eventsCapped: boolean; orders: string[]; connectors: string[] };
}

export default async function FailureGroupPage({ params }: { params: Promise<{ key: string }> }) {
  const user = await requireUser();
  const key = decodeParam((await params).key);
  const rt = await getRuntime();
  const group = await getFailureGroup(rt.store, key);
  if (!group) notFound();
  const parked = await parkedDeliveriesOfGroups(rt.store, [key], 200);
  const remediations = await listRemediations(rt, { failureKey: key, limit: 20 });
  const fields = [...new Set(parked.map((p) => p.field).filter(Boolean))];
  const diagnosis = await callTool(user, "explain_failure", { failureKey: key });
  const d = diagnosis.ok ? (diagnosis.data as unknown as Diagnosis) : null;
  return (
    <>
      <div className="faint" style={{ marginBottom: 6 }}>
        <Link href="/failures">Failures</Link> / group
      </div>
      <PageHead title={group.title} description={<span className="mono">{group.key}</span>} actions={<StatusBadge status={group.status} />} />
      <div className="split">
        <div className="stack">
          <Panel title="Stopped deliveries" hint={`${count(group.parked)} now · ${count(group.orders)} orders · ${count(group.recovered)} recovered`} bodyless>
            {parked.length === 0 ? (
              <Empty title="None stopped right now">Every delivery under this cause went through, or was replayed and is running.</Empty>
            ) : (
              <div className="table-wrap">
                <table className="data">
                  <thead>
                    <tr>
                      <th>Order</th>
                      <th>Event</th>
                      <th>Destination</th>
                      <th>Why it stopped</th>
                      <th className="num">Attempts</th>
                      <th>Stopped</th>
                    </tr>
                  </thead>
                  <tbody>
                    {parked.map((p) => {
                      const ref = p.orderNumber ?? p.poNumber;
                      return (
                        <tr key={p.deliveryId}>
                          <td>{ref ? <Link href={orderHref(ref)} className="mono">{ref}</Link> : <span className="faint">—</span>}</td>
                          <td>
                            <Link href={eventHref(p.eventId)}>{p.eventType}</Link>
                            <div className="sub">{`from ${p.sourceConnector}`}</div>
                          </td>
                          <td>
                            {p.destination}
                            <div className="sub mono">{p.action}</div>
                          </td>
                          <td style={{ maxWidth: 420 }}>
                            {p.reason}
                            {p.field && !p.reason.includes(`field ${p.field}`) ? <div className="sub">{`field ${p.field}`}</div> : null}
                          </td>
                          <td className="num">{p.attempts}</td>
                          <td>
                            <When at={p.parkedAt} />
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </Panel>
          <Panel title="Proposed fixes" hint="from the agent, MCP clients or people" bodyless>
            {remediations.length === 0 ? (
              <Empty title="No fix proposed yet">Ask the agent why this happened; a proposal will appear here and in Approvals.</Empty>
            ) : (
              <table className="data">
                <tbody>
                  {remediations.map((r) => (
                    <tr key={r.id}>
                      <td>
                        <Link href={`/approvals#${r.id}`} className="title">
                          {r.title}
                        </Link>
                        <div className="sub">{`${r.kind} · proposed by ${r.proposedBy}`}</div>
                      </td>
                      <td>
                        <StatusBadge status={r.status} />
                      </td>
                      <td>
                        <When at={r.createdAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Panel>
        </div>
        <div className="stack">
          {d ? (
            <Panel title="Diagnosis" hint={`${Math.round(d.confidence * 100)} % confident`}>
              <p>
                <Badge tone="accent">{d.label}</Badge>
              </p>
              <p>{d.explanation}</p>
              {d.suggestedFix.kind !== "none" ? (
                <div className="notice info">
                  <b>{`Suggested fix (${d.suggestedFix.kind.replace(/_/g, " ")}): `}</b>
                  {d.suggestedFix.description}
                  {d.suggestedFix.needs.length ? <div style={{ marginTop: 4 }}>{`Still needs: ${d.suggestedFix.needs.join("; ")}`}</div> : null}
                </div>
              ) : null}
              <p className="faint" style={{ marginTop: 8, fontSize: 12 }}>
                <Link href="/chat">Ask the agent</Link> to propose the fix; it will wait in Approvals.
              </p>
            </Panel>
          ) : null}
          <Panel title="About this cause">
            <dl className="props">
              <dt>Kind</dt>
              <dd>
                <Badge>{group.rootCause}</Badge>
              </dd>
              <dt>Connection</dt>
              <dd>{group.connector ? <Link href={`/connections/${encodeURIComponent(group.connector)}`}>{group.connector}</Link> : "—"}</dd>
              {fields.length ? (
                <>
                  <dt>Fields</dt>
                  <dd className="mono">{fields.join(", ")}</dd>
                </>
              ) : null}
              <dt>First seen</dt>
              <dd>
                <When at={group.firstSeenAt} />
              </dd>
              <dt>Last seen</dt>
              <dd>
                <When at={group.lastSeenAt} />
              </dd>
              <dt>Owner</dt>
              <dd>{group.owner ?? <span className="faint">unassigned</span>}</dd>
            </dl>
          </Panel>
          {can(user, "operator") ? (
            <Panel title="Work it">
              <GroupControls groupKey={group.key} owner={group.owner} status={group.status} />
            </Panel>
          ) : null}
        </div>
      </div>
    </>
  );
}
