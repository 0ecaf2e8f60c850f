import type { ToolStepRecord } from "@/agent/chat/events";

export type StepState = ToolStepRecord & { running: boolean };

function compactArgs(args: unknown): string {
  if (args === null || args === undefined) return "";
  if (typeof args !== "object") return String(args);
  const parts = Object.entries(args as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  const s = parts.join(", ");
  return s.length > 90 ? `${s.slice(0, 89)}…` : s;
}

function durationText(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The tool calls one answer rests on, in order: each collapsible to its arguments and result. */
export function ToolSteps({ steps, idPrefix }: { steps: StepState[]; idPrefix: string }) {
  if (!steps.length) return <p className="faint" style={{ margin: 0 }}>No tools were called for this answer.</p>;
  return (
    <ol className="steps">
      {steps.map((s, i) => (
        <li key={s.callId} className="step" data-state={s.running ? "running" : s.ok ? "ok" : "bad"} data-tool={s.name}>
          <details className="disclose" id={`${idPrefix}-${i}`}>
            <summary>
              <span className="step-icon" aria-hidden="true" />
              <span className="visually-hidden">{s.running ? "running: " : s.ok ? "done: " : "failed: "}</span>
              <span className="mono step-name">{s.name}</span>
              <span className="faint step-args">{compactArgs(s.args)}</span>
              {!s.running ? <span className="faint num step-time">{durationText(s.durationMs)}</span> : null}
            </summary>
            <div className="step-body">
              <div className="label">Arguments</div>
              <pre className="json">{JSON.stringify(s.args ?? {}, null, 2)}</pre>
              <div className="label" style={{ marginTop: 6 }}>
                Result
              </div>
              <p className={s.ok ? undefined : "step-error"}>{s.running ? "running…" : s.summary || "(no summary)"}</p>
            </div>
          </details>
          {!s.running ? <div className={`step-summary ${s.ok ? "faint" : "step-error"}`}>{s.summary}</div> : null}
        </li>
      ))}
    </ol>
  );
}
