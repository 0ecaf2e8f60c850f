/** Display helpers shared by server and client components. Pure: no Node or DOM APIs. */

export function toDate(v: string | Date | null | undefined): Date | null {
  if (!v) return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "12 s ago", "4 min ago", "3 h ago", "2 d ago"; future times read "in 4 min". */
export function ago(v: string | Date | null | undefined, now: number = Date.now()): string {
  const d = toDate(v);
  if (!d) return "—";
  const s = Math.round((now - d.getTime()) / 1000);
  const abs = Math.abs(s);
  const text = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 86_400 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86_400)} d`;
  return s >= 0 ? `${text} ago` : `in ${text}`;
}

/** A duration in seconds as people say it: "850 ms", "4.2 s", "3 min", "2.5 h". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : new Intl.NumberFormat("en-US").format(n);
}

/** "2026-11-27 10:04:12 UTC": absolute time for titles and tooltips. */
export function stamp(v: string | Date | null | undefined): string {
  const d = toDate(v);
  return d ? `${d.toISOString().slice(0, 19).replace("T", " ")} UTC` : "—";
}

export function shortId(id: string, keep = 10): string {
  return id.length > keep + 4 ? `${id.slice(0, keep)}…` : id;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** The URL of an order's trace: order numbers carry "#" and "/" that must not reach the path raw. */
export function orderHref(orderNumber: string): string {
  return `/orders/${encodeURIComponent(orderNumber)}`;
}

export function eventHref(id: string): string {
  return `/events/${encodeURIComponent(id)}`;
}

export type Tone = "ok" | "warn" | "bad" | "info" | "neutral" | "accent";

export function toneOfStatus(status: string | null | undefined): Tone {
  switch (status) {
    case "delivered":
    case "succeeded":
    case "ok":
    case "applied":
    case "resolved":
    case "approved":
    case "matched":
    case "closed":
      return "ok";
    case "retrying":
    case "pending":
    case "in_flight":
    case "processing":
    case "acknowledged":
    case "proposed":
    case "warning":
    case "rate_limited":
    case "retry":
    case "circuit_open":
    case "half_open":
    case "unknown":
      return "warn";
    case "parked":
    case "failed":
    case "open":
    case "rejected":
    case "error":
    case "critical":
    case "isolated":
      return "bad";
    case "blocked":
    case "received":
      return "info";
    default:
      return "neutral";
  }
}
