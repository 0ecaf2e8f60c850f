import Link from "next/link";
import { Badge, Empty, PageHead, StatusBadge, When } from "@/app/components/ui";
import { count } from "@/app/lib/format";
import { requireUser } from "@/app/lib/session";
import { callTool } from "@/app/lib/tools";

export const metadata = { title: "Connector health" };

interface Health {
  id: string;
  type: string | null;
  displayName: string;
  enabled: boolean;
  owner: string | null;
  auth: { state: string; error: string | null; stopped: boolean };
  circuit: { state: string; circuitOpenAttempts: number; lastCircuitOpenAt: string | null };
  attempts: { windowMinutes: number; total: number; ok: number; failed: number; retried: number; rateLimited: number; parked: number; errorRate: number | null; p50LatencyMs: number | null; p95LatencyMs: number | null; lastOkAt: string | null; lastFailureAt: string | null };
  openParked: number;
  answersOwed: { pending: number; oldestPendingSince: string | null; givenUp: number };
  rateLimitBudget: { limit: number | null; remaining: number | null; resetSeconds: number | null; source: string } | null;
  webhooks: { readable: boolean; expectedTopics: string[]; missingTopics: string[]; subscriptions: { id: string; event: string; active: boolean; target: string }[]; lastWebhookAt: string | null; error: string | null };
  polls: { id: string; lastPolledAt: string | null; lastError: string | null }[];
}

export default async function HealthPage({ searchParams }: { searchParams: Promise<{ live?: string; window?: string }> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const live = sp.live === "1";
  const windowMinutes = [15, 60, 360, 1440].includes(Number(sp.window)) ? Number(sp.window) : 60;
  const result = await callTool(user, "get_connector_health", { windowMinutes, live });
  const connectors = result.ok ? ((result.data as { connectors: Health[] }).connectors ?? []) : [];
  return (
    <>
      <PageHead
        title="Connector health"
        description="Credentials, circuit breaker, error rate and latency, rate-limit budget and webhook subscriptions, per connection."
        actions={
          <nav className="row" aria-label="Window">
            {[15, 60, 360, 1440].map((w) => (
              <Link key={w} href={`/health?window=${w}${live ? "&live=1" : ""}`} className={`btn small ${w === windowMinutes ? "primary" : ""}`} aria-current={w === windowMinutes ? "page" : undefined}>
                {w < 60 ? `${w} min` : `${w / 60} h`}
              </Link>
            ))}
            <Link href={`/health?window=${windowMinutes}${live ? "" : "&live=1"}`} className="btn small" title="Reads each system's webhook subscription list (one API call per connection)">
              {live ? "Stop live webhook check" : "Check webhook subscriptions live"}
            </Link>
          </nav>
        }
      />
      {!result.ok ? <p className="notice bad">{result.message}</p> : null}
      {connectors.length === 0 ? (
        <section className="panel">
          <Empty title="No connections">Add a connection to see its health.</Empty>
        </section>
      ) : (
        <section className="panel" aria-label="Connections health">
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th>Connection</th>
                  <th>Credentials</th>
                  <th>Circuit</th>
                  <th className="num">{`Attempts (${windowMinutes < 60 ? `${windowMinutes} min` : `${windowMinutes / 60} h`})`}</th>
                  <th className="num">Error rate</th>
                  <th className="num">p50 / p95</th>
                  <th>Rate-limit budget</th>
                  <th>Webhooks</th>
                  <th className="num">Stopped</th>
                </tr>
              </thead>
              <tbody>
                {connectors.map((c) => (
                  <tr key={c.id} id={c.id}>
                    <td>
                      <Link href={`/connections/${encodeURIComponent(c.id)}`} className="title">
                        {c.displayName}
                      </Link>
                      <div className="sub">
                        <span className="mono">{c.id}</span>
                        {c.enabled ? null : <Badge>disabled</Badge>}
                        {c.owner ? ` · ${c.owner}` : ""}
                      </div>
                    </td>
                    <td>
                      <StatusBadge status={c.auth.stopped ? "failed" : c.auth.state} label={c.auth.stopped ? "stopped" : c.auth.state} />
                      {c.auth.error ? <div className="sub truncate" style={{ maxWidth: 200 }} title={c.auth.error}>{c.auth.error}</div> : null}
                    </td>
                    <td>
                      <StatusBadge status={c.circuit.state} />
                      {c.circuit.circuitOpenAttempts ? <div className="sub">{`${c.circuit.circuitOpenAttempts} waits`}</div> : null}
                    </td>
                    <td className="num">
                      {count(c.attempts.total)}
                      <div className="sub">{`${count(c.attempts.ok)} ok · ${count(c.attempts.retried)} retried · ${count(c.attempts.rateLimited)} throttled`}</div>
                    </td>
                    <td className="num">
                      {c.attempts.errorRate === null ? <span className="faint">—</span> : <span style={c.attempts.errorRate > 0.05 ? { color: "var(--bad)", fontWeight: 600 } : undefined}>{`${(c.attempts.errorRate * 100).toFixed(1)} %`}</span>}
                      <div className="sub">
                        last ok <When at={c.attempts.lastOkAt} />
                      </div>
                    </td>
                    <td className="num">{c.attempts.p50LatencyMs === null ? "—" : `${c.attempts.p50LatencyMs} / ${c.attempts.p95LatencyMs ?? "—"} ms`}</td>
                    <td>
                      {c.rateLimitBudget ? (
                        <>
                          <span className="num">{`${c.rateLimitBudget.remaining ?? "?"} of ${c.rateLimitBudget.limit ?? "?"} left`}</span>
                          <div className="sub">{`${c.rateLimitBudget.resetSeconds !== null ? `resets in ${c.rateLimitBudget.resetSeconds} s · ` : ""}${c.rateLimitBudget.source}`}</div>
                        </>
                      ) : (
                        <span className="faint">not reported</span>
                      )}
                    </td>
                    <td>
                      {c.webhooks.readable ? (
                        c.webhooks.missingTopics.length ? (
                          <StatusBadge status="failed" label={`${c.webhooks.missingTopics.length} missing`} />
                        ) : (
                          <StatusBadge status="ok" label={`${c.webhooks.subscriptions.length} subscribed`} />
                        )
                      ) : c.webhooks.error ? (
                        <StatusBadge status="error" label="could not read" />
                      ) : (
                        <span className="faint">{live ? "not readable" : "not checked"}</span>
                      )}
                      {c.webhooks.missingTopics.length ? <div className="sub mono">{c.webhooks.missingTopics.join(", ")}</div> : null}
                      <div className="sub">
                        last received <When at={c.webhooks.lastWebhookAt} />
                      </div>
                      {c.answersOwed.pending ? (
                        <div className="sub" style={{ color: "var(--warn)" }} data-testid="answers-owed">
                          {`${count(c.answersOwed.pending)} ${c.answersOwed.pending === 1 ? "answer" : "answers"} owed to the sender, resending since `}
                          <When at={c.answersOwed.oldestPendingSince} />
                        </div>
                      ) : null}
                      {c.answersOwed.givenUp ? <div className="sub" style={{ color: "var(--bad)" }}>{`${count(c.answersOwed.givenUp)} ${c.answersOwed.givenUp === 1 ? "answer" : "answers"} given up`}</div> : null}
                      {c.polls.map((p) => (
                        <div key={p.id} className="sub">
                          {`poll ${p.id.split(":").pop()}: `}
                          <When at={p.lastPolledAt} />
                          {p.lastError ? <span style={{ color: "var(--bad)" }}>{` · ${p.lastError}`}</span> : null}
                        </div>
                      ))}
                    </td>
                    <td className="num">{c.openParked ? <Link href={`/failures?q=${encodeURIComponent(c.id)}`} style={{ color: "var(--bad)", fontWeight: 600 }}>{count(c.openParked)}</Link> : "0"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}
