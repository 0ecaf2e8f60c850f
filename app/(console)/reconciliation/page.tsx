import Link from "next/link";
import { z } from "zod";
import { BridgeChart, DiffKindsChart, ReconTrendChart, type BridgeStep } from "@/app/components/charts";
import { Badge, Empty, Json, PageHead, Panel, StatusBadge, When } from "@/app/components/ui";
import { count, orderHref } from "@/app/lib/format";
import { can, requireUser } from "@/app/lib/session";
import { latestReconRuns, listReconDiffs, reconDiffKinds, reconRunHistory } from "@/pipeline/db/queries/console-recon";
import type { ReconDiffView } from "@/pipeline/db/queries/console-orders";
import { RECON_DOMAINS } from "@/pipeline/reconcile";
import { getRuntime } from "@/pipeline/runtime";
import { RunNowButton } from "./run-now-button";

export const metadata = { title: "Reconciliation" };

const STATUSES = ["open", "in_flight", "resolved", "all"] as const;

/** A finding's evidence as the reconciliation engine writes it (pipeline/reconcile/types.ts), read tolerantly. */
const FindingEvidence = z.object({
  summary: z.string().optional(),
  unit: z.enum(["units", "minor"]).optional(),
  bridge: z
    .array(
      z.object({
        kind: z.enum(["start", "adjust", "total", "compare", "residual"]),
        text: z.string(),
        amount: z.number().optional(),
        status: z.string().optional(),
      }),
    )
    .default([]),
  detail: z.record(z.string(), z.unknown()).optional(),
});
type FindingEvidence = z.infer<typeof FindingEvidence>;

function evidenceOf(d: ReconDiffView): FindingEvidence | undefined {
  const parsed = FindingEvidence.safeParse(d.evidence);
  return parsed.success ? parsed.data : undefined;
}

/** The bridge as chart steps, when at least a starting figure and one more line carry amounts. */
function chartSteps(e: FindingEvidence | undefined): BridgeStep[] | undefined {
  const lines = (e?.bridge ?? []).filter((b) => typeof b.amount === "number");
  if (lines.length < 2) return undefined;
  return lines.map((b) => ({
    label: b.text.length > 22 ? `${b.text.slice(0, 21)}…` : b.text,
    detail: b.text,
    amount: b.amount!,
    kind: b.kind === "adjust" || b.kind === "residual" ? "step" : "total",
  }));
}

const LINE_TONE: Record<string, "ok" | "warn" | "bad" | "info" | "neutral"> = { in_flight: "info", explained: "ok", parked: "bad", stuck: "warn", unexplained: "bad" };
const SEVERITY_RANK: Record<string, number> = { critical: 0, error: 1, warning: 2, info: 3 };

function Sides({ sides }: { sides: unknown }) {
  if (sides && typeof sides === "object" && !Array.isArray(sides)) {
    const entries = Object.entries(sides as Record<string, unknown>);
    if (entries.every(([, v]) => v === null || ["string", "number", "boolean"].includes(typeof v))) {
      return (
        <span className="mono" style={{ fontSize: 12 }}>
          {entries.map(([k, v]) => `${k}: ${v ?? "missing"}`).join(" · ")}
        </span>
      );
    }
  }
  return (
    <details className="disclose">
      <summary>records</summary>
      <Json value={sides} />
    </details>
  );
}

function Bridge({ d }: { d: ReconDiffView }) {
  const e = evidenceOf(d);
  const summary = e?.summary ?? d.explanation?.split("\n")[0];
  return (
    <>
      {summary ? <div>{summary}</div> : <span className="faint">not explained yet</span>}
      {e?.bridge.length ? (
        <details className="disclose">
          <summary>{`bridge, ${e.bridge.length} lines`}</summary>
          <ol style={{ margin: "4px 0 0", paddingLeft: 18, fontSize: 12 }}>
            {e.bridge.map((b, i) => (
              <li key={i} style={{ marginBottom: 2 }}>
                <span className={b.kind === "adjust" || b.kind === "residual" ? "" : "mono"}>{b.text}</span>
                {b.status ? (
                  <>
                    {" "}
                    <Badge tone={LINE_TONE[b.status] ?? "neutral"}>{b.status.replace("_", " ")}</Badge>
                  </>
                ) : null}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </>
  );
}

export default async function ReconciliationPage({ searchParams }: { searchParams: Promise<{ domain?: string; status?: string }> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const rt = await getRuntime();
  const latest = await latestReconRuns(rt.store);
  const domains = [...new Set<string>([...RECON_DOMAINS, ...latest.map((r) => r.domain)])];
  const domain = domains.includes(sp.domain ?? "") ? sp.domain! : (latest.find((r) => r.openDiffs > 0)?.domain ?? latest[0]?.domain ?? domains[0]!);
  const run = latest.find((r) => r.domain === domain);
  const status = (STATUSES as readonly string[]).includes(sp.status ?? "") ? sp.status! : "open";
  const [history, kinds, diffs] = run ? [await reconRunHistory(rt.store, domain), await reconDiffKinds(rt.store, domain), await listReconDiffs(rt.store, { domain, status, limit: 200 })] : [[], [], []];
  const featured = [...diffs].sort((a, b) => (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9)).find((d) => d.status === "open" && chartSteps(evidenceOf(d)));
  const featuredEvidence = featured ? evidenceOf(featured) : undefined;
  const currency = typeof featuredEvidence?.detail?.currency === "string" ? featuredEvidence.detail.currency : "USD";
  return (
    <>
      <PageHead
        title="Reconciliation"
        description="Do the systems of record agree? Each difference comes with the bridge that explains it, line by line."
        actions={can(user, "operator") && (RECON_DOMAINS as readonly string[]).includes(domain) ? <RunNowButton domain={domain} /> : null}
      />
      <nav className="tabs" aria-label="Domain">
        {domains.map((d) => {
          const r = latest.find((x) => x.domain === d);
          return (
            <Link key={d} href={`/reconciliation?domain=${encodeURIComponent(d)}`} aria-current={d === domain ? "page" : undefined}>
              {d}
              {r?.openDiffs ? <span className="badge bad" style={{ marginLeft: 6 }}>{r.openDiffs}</span> : !r ? <span className="faint">{" · not run"}</span> : null}
            </Link>
          );
        })}
      </nav>
      {!run ? (
        <section className="panel">
          <Empty title={`${domain} has not been reconciled yet`}>
            It runs on its schedule once workers start; an operator can run it now. Each run compares the systems of record and explains every gap.
          </Empty>
        </section>
      ) : (
        <>
          <div className="kpis" style={{ gridTemplateColumns: "repeat(4, minmax(0, 1fr))" }}>
            <div className="kpi">
              <div className="label">Last run</div>
              <div className="value" style={{ fontSize: 15 }}>
                <When at={run.finishedAt ?? run.startedAt} />
              </div>
              <div className="sub">
                <StatusBadge status={run.status === "succeeded" || run.status === "finished" ? "ok" : run.status} label={run.status} />
              </div>
            </div>
            <div className="kpi">
              <div className="label">Records compared</div>
              <div className="value">{count(run.checked)}</div>
            </div>
            <div className={`kpi ${run.diffCount ? "warn" : ""}`}>
              <div className="label">Differences in last run</div>
              <div className="value">{count(run.diffCount)}</div>
            </div>
            <div className={`kpi ${run.openDiffs ? "bad" : ""}`}>
              <div className="label">Still open</div>
              <div className="value">{count(run.openDiffs)}</div>
            </div>
          </div>
          <div className="grid grid-2" style={{ marginBottom: 14 }}>
            {featured && featuredEvidence ? (
              <Panel title={`Bridge: ${featured.subject}`} hint={featuredEvidence.summary ?? featured.kind}>
                <BridgeChart steps={chartSteps(featuredEvidence)!} unit={featuredEvidence.unit ?? "units"} currency={currency} />
              </Panel>
            ) : (
              <Panel title="Differences by kind" hint="open and all">
                {kinds.length ? <DiffKindsChart data={kinds} /> : <Empty title="No differences recorded" />}
              </Panel>
            )}
            <Panel title="Trend" hint={`last ${history.length} runs`}>
              <ReconTrendChart data={history.map((h) => ({ at: h.startedAt, checked: h.checked, diffs: h.diffCount }))} />
            </Panel>
          </div>
          {featured && kinds.length ? (
            <Panel title="Differences by kind" hint="open and all">
              <DiffKindsChart data={kinds} />
            </Panel>
          ) : null}
          <section className="panel" aria-label="Differences" style={{ marginTop: 14 }}>
            <div className="panel-head">
              <h2>Differences</h2>
              <nav className="row" aria-label="Difference status">
                {STATUSES.map((s) => (
                  <Link key={s} className={`btn small ${s === status ? "primary" : ""}`} href={`/reconciliation?domain=${encodeURIComponent(domain)}&status=${s}`} aria-current={s === status ? "page" : undefined}>
                    {s.replace("_", " ")}
                  </Link>
                ))}
              </nav>
            </div>
            {diffs.length === 0 ? (
              <Empty title={status === "open" ? "Everything matches" : "Nothing here"}>{status === "open" ? "No open difference in this domain." : null}</Empty>
            ) : (
              <div className="table-wrap">
                <table className="data">
                  <thead>
                    <tr>
                      <th>Subject</th>
                      <th>Difference</th>
                      <th>Records per system</th>
                      <th>Bridge: why</th>
                      <th>Status</th>
                      <th>First seen</th>
                    </tr>
                  </thead>
                  <tbody>
                    {diffs.map((d) => (
                      <tr key={d.id}>
                        <td>{domain === "orders" || domain === "accounting" || domain === "shipments" ? <Link href={orderHref(d.subject)} className="mono">{d.subject}</Link> : <span className="mono">{d.subject}</span>}</td>
                        <td>
                          <span className="title">{d.kind.replace(/_/g, " ")}</span>
                          <div className="sub">
                            <StatusBadge status={d.severity} />
                          </div>
                        </td>
                        <td style={{ maxWidth: 260 }}>
                          <Sides sides={d.sides} />
                        </td>
                        <td style={{ maxWidth: 420 }}>
                          <Bridge d={d} />
                        </td>
                        <td>
                          <StatusBadge status={d.status === "open" ? "warning" : d.status === "in_flight" ? "pending" : d.status} label={d.status.replace("_", " ")} />
                        </td>
                        <td>
                          <When at={d.firstSeenAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
