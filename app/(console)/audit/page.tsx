import Link from "next/link";
import { Badge, Empty, Json, PageHead, When } from "@/app/components/ui";
import { stamp } from "@/app/lib/format";
import { requireUser } from "@/app/lib/session";
import { callTool } from "@/app/lib/tools";
import { VerifyChainButton } from "./verify-chain-button";

export const metadata = { title: "Audit log" };

interface Entry {
  seq: number;
  at: string;
  actorType: string;
  actorId: string;
  action: string;
  subject: string;
  reason: string | null;
  before: unknown;
  after: unknown;
  hash: string;
}

const ACTOR_TONE: Record<string, "info" | "accent" | "warn" | "neutral"> = { user: "info", agent: "accent", mcp_client: "warn", policy: "neutral", system: "neutral" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<{ subject?: string; action?: string; actor?: string; before?: string }> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const result = await callTool(user, "get_audit_log", {
    subjectPrefix: sp.subject?.trim() || undefined,
    action: sp.action?.trim() || undefined,
    actorId: sp.actor?.trim() || undefined,
    beforeSeq: sp.before ? Number(sp.before) : undefined,
    limit: 100,
  });
  const data = result.ok ? (result.data as { entries: Entry[]; nextBeforeSeq: number | null }) : { entries: [], nextBeforeSeq: null };
  const qs = (extra: Record<string, string>) => new URLSearchParams({ ...Object.fromEntries(Object.entries(sp).filter(([, v]) => v)), ...extra } as Record<string, string>).toString();
  return (
    <>
      <PageHead
        title="Audit log"
        description="Every change anyone (people, the agent, MCP clients, policies) made, append-only and hash-chained: an edited or deleted entry breaks the chain."
        actions={<VerifyChainButton />}
      />
      <form className="filters" method="get" role="search">
        <div className="field">
          <label htmlFor="a-subject">Subject starts with</label>
          <input id="a-subject" name="subject" type="text" defaultValue={sp.subject ?? ""} placeholder="remediation:, connector:…" />
        </div>
        <div className="field">
          <label htmlFor="a-action">Action</label>
          <input id="a-action" name="action" type="text" defaultValue={sp.action ?? ""} placeholder="remediation.approved" />
        </div>
        <div className="field">
          <label htmlFor="a-actor">Actor</label>
          <input id="a-actor" name="actor" type="text" defaultValue={sp.actor ?? ""} placeholder="email, agent, token" />
        </div>
        <button type="submit" className="btn">
          Filter
        </button>
      </form>
      {!result.ok ? <p className="notice bad">{result.message}</p> : null}
      <section className="panel" aria-label="Audit entries">
        {data.entries.length === 0 ? (
          <Empty title="No entries" />
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>When</th>
                <th>Who</th>
                <th>Did</th>
                <th>To</th>
                <th>Why / change</th>
              </tr>
            </thead>
            <tbody>
              {data.entries.map((e) => (
                <tr key={e.seq}>
                  <td className="num faint" title={`hash ${e.hash}`}>
                    {e.seq}
                  </td>
                  <td title={stamp(e.at)}>
                    <When at={e.at} />
                  </td>
                  <td>
                    <Badge tone={ACTOR_TONE[e.actorType] ?? "neutral"}>{e.actorType.replace("_", " ")}</Badge>
                    <div className="sub truncate" style={{ maxWidth: 200 }}>
                      {e.actorId}
                    </div>
                  </td>
                  <td className="mono">{e.action}</td>
                  <td className="mono truncate" style={{ maxWidth: 260 }} title={e.subject}>
                    {e.subject}
                  </td>
                  <td style={{ maxWidth: 420 }}>
                    {e.reason ? <div>{e.reason}</div> : null}
                    {e.before !== null || e.after !== null ? (
                      <details className="disclose">
                        <summary>before / after</summary>
                        <Json value={{ before: e.before, after: e.after }} />
                      </details>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {data.nextBeforeSeq ? (
        <p style={{ marginTop: 10 }}>
          <Link href={`/audit?${qs({ before: String(data.nextBeforeSeq) })}`}>Older entries →</Link>
        </p>
      ) : null}
    </>
  );
}
