import { Json, StatusBadge, When } from "@/app/components/ui";
import { duration, stamp } from "@/app/lib/format";
import type { AttemptView } from "@/pipeline/db/queries/event-read-queries";

/** What the other system answered, already redacted when it was recorded. */
export function Upstream({ value }: { value: unknown }) {
  if (!value || typeof value !== "object") return null;
  const u = value as { status?: number; code?: string; requestId?: string; body?: string };
  const parts = [u.status ? `HTTP ${u.status}` : null, u.code ? `code ${u.code}` : null, u.requestId ? `request ${u.requestId}` : null].filter(Boolean);
  return (
    <details className="disclose">
      <summary>{parts.length ? `Response: ${parts.join(" · ")}` : "Response"}</summary>
      {u.body ? <pre className="json">{u.body}</pre> : <Json value={value} />}
    </details>
  );
}

/** The execution log of one delivery: one line per attempt, oldest first. */
export function AttemptList({ attempts }: { attempts: AttemptView[] }) {
  if (attempts.length === 0) return <p className="faint" style={{ margin: 0 }}>No attempt yet.</p>;
  return (
    <ol className="attempts">
      {attempts.map((a) => (
        <li key={a.id}>
          <span className="faint nowrap" title={stamp(a.startedAt)}>
            {`#${a.attemptNo} · ${new Date(a.startedAt).toISOString().slice(11, 19)}`}
          </span>
          <span>
            <StatusBadge status={a.outcome === "ok" ? "succeeded" : a.outcome} label={a.outcome.replace(/_/g, " ")} />
          </span>
          <span>
            <span className={a.errorClass ? "" : "muted"}>{a.errorMessage ?? (a.outcome === "ok" ? "delivered" : "")}</span>
            <span className="faint">{` · ${duration(a.durationMs / 1000)}`}</span>
            {a.errorClass ? <span className="faint">{` · ${a.errorClass}`}</span> : null}
            {a.externalId ? <span className="mono faint">{` · id ${a.externalId}`}</span> : null}
            {a.nextAttemptAt ? (
              <span className="faint">
                {" · next try "}
                <When at={a.nextAttemptAt} />
              </span>
            ) : null}
            <Upstream value={a.upstream} />
          </span>
        </li>
      ))}
    </ol>
  );
}

