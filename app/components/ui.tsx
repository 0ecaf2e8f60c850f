import type { ReactNode } from "react";
import { ago, stamp, toneOfStatus, type Tone } from "@/app/lib/format";

export function Badge({ tone = "neutral", children, title }: { tone?: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge ${tone === "neutral" ? "" : tone}`} title={title}>
      {children}
    </span>
  );
}

/** A status word with its colour; the word itself carries the meaning, colour only helps. */
export function StatusBadge({ status, label }: { status: string | null | undefined; label?: string }) {
  const s = status ?? "unknown";
  return (
    <Badge tone={toneOfStatus(s)}>
      <span className="dot" aria-hidden="true" />
      {label ?? s.replace(/_/g, " ")}
    </Badge>
  );
}

/** Relative time with the absolute UTC time on hover and for screen readers via <time>. */
export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="faint">—</span>;
  return (
    <time dateTime={at} title={stamp(at)} className="nowrap">
      {ago(at)}
    </time>
  );
}

export function PageHead({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {description ? <p>{description}</p> : null}
      </div>
      {actions ? <div className="row">{actions}</div> : null}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h3>{title}</h3>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

export function Panel({ title, hint, actions, children, bodyless }: { title?: ReactNode; hint?: ReactNode; actions?: ReactNode; children: ReactNode; bodyless?: boolean }) {
  return (
    <section className="panel" aria-label={typeof title === "string" ? title : undefined}>
      {title ? (
        <div className="panel-head">
          <div className="row">
            <h2>{title}</h2>
            {hint ? <span className="hint">{hint}</span> : null}
          </div>
          {actions ? <div className="row">{actions}</div> : null}
        </div>
      ) : null}
      {bodyless ? children : <div className="panel-body">{children}</div>}
    </section>
  );
}

/** Shown instead of a control the signed-in user's role does not allow. */
export function RoleNote({ role, what }: { role: string; what: string }) {
  return <span className="faint">{`${what} needs the ${role} role.`}</span>;
}

export function Json({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}
