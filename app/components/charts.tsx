"use client";

import { Area, AreaChart, Bar, BarChart, CartesianGrid, Cell, LabelList, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

const GRID = "#ececef";
const AXIS = { fontSize: 11, fill: "#6b6b74" } as const;
const COLORS = ["#4338ca", "#0f766e", "#b45309", "#be185d", "#1d4ed8", "#4d7c0f", "#7c3aed", "#0e7490", "#a16207", "#9f1239"];

const hhmm = (iso: string) => new Date(iso).toISOString().slice(11, 16);

export function ThroughputChart({ data }: { data: { at: string; captured: number; delivered: number; parked: number }[] }) {
  return (
    <div className="chart-box" role="img" aria-label="Events captured, delivered and stopped over time">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: -12 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey="at" tickFormatter={hhmm} tick={AXIS} minTickGap={28} axisLine={false} tickLine={false} />
          <YAxis allowDecimals={false} tick={AXIS} axisLine={false} tickLine={false} />
          <Tooltip labelFormatter={(v) => `${hhmm(String(v))} UTC`} />
          <Legend iconType="square" wrapperStyle={{ fontSize: 12 }} />
          <Area type="monotone" dataKey="captured" name="Captured" stroke="#4338ca" fill="#4338ca" fillOpacity={0.12} strokeWidth={1.5} isAnimationActive={false} />
          <Area type="monotone" dataKey="delivered" name="Delivered" stroke="#15803d" fill="#15803d" fillOpacity={0.1} strokeWidth={1.5} isAnimationActive={false} />
          <Area type="monotone" dataKey="parked" name="Stopped" stroke="#b42318" fill="#b42318" fillOpacity={0.15} strokeWidth={1.5} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Stacked bars: one colour per connector, one bar per day. */
export function UsageChart({ data, connectors }: { data: Record<string, string | number>[]; connectors: string[] }) {
  return (
    <div className="chart-box tall" role="img" aria-label="Billable events per connector per day">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: -8 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey="day" tick={AXIS} tickFormatter={(d: string) => d.slice(5)} axisLine={false} tickLine={false} />
          <YAxis allowDecimals={false} tick={AXIS} axisLine={false} tickLine={false} />
          <Tooltip />
          <Legend iconType="square" wrapperStyle={{ fontSize: 12 }} />
          {connectors.map((c, i) => (
            <Bar key={c} dataKey={c} stackId="usage" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function ReconTrendChart({ data }: { data: { at: string; checked: number; diffs: number }[] }) {
  return (
    <div className="chart-box tall" role="img" aria-label="Records checked and differences found per reconciliation run">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: -8 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey="at" tick={AXIS} tickFormatter={(v: string) => v.slice(5, 16).replace("T", " ")} minTickGap={30} axisLine={false} tickLine={false} />
          <YAxis yAxisId="l" allowDecimals={false} tick={AXIS} axisLine={false} tickLine={false} />
          <YAxis yAxisId="r" orientation="right" allowDecimals={false} tick={AXIS} axisLine={false} tickLine={false} />
          <Tooltip />
          <Legend iconType="square" wrapperStyle={{ fontSize: 12 }} />
          <Line yAxisId="l" type="monotone" dataKey="checked" name="Checked" stroke="#6b6b74" dot={false} strokeWidth={1.5} isAnimationActive={false} />
          <Line yAxisId="r" type="monotone" dataKey="diffs" name="Differences" stroke="#b42318" dot={{ r: 2 }} strokeWidth={2} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export function DiffKindsChart({ data }: { data: { kind: string; open: number; total: number }[] }) {
  return (
    <div className="chart-box" role="img" aria-label="Open differences by kind" style={{ height: 50 + data.length * 44 }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid stroke={GRID} horizontal={false} />
          <XAxis type="number" allowDecimals={false} tick={AXIS} axisLine={false} tickLine={false} />
          <YAxis type="category" dataKey="kind" width={140} tick={AXIS} axisLine={false} tickLine={false} />
          <Tooltip />
          <Bar dataKey="open" name="Open" fill="#b42318" isAnimationActive={false} />
          <Bar dataKey="total" name="All" fill="#d4d4d8" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export interface BridgeStep {
  label: string;
  /** A total states a figure (drawn from zero); a step adds to the running figure (floats). */
  amount: number;
  kind: "total" | "step";
  /** The full line, for the tooltip. */
  detail?: string;
}

/**
 * A waterfall: how one system's figure becomes the other's (ERP on hand → in-flight shipments →
 * unreported count → 3PL on hand; gross → fees → refunds → payout). Totals stand on zero; each
 * step floats from the running figure, green up, red down.
 */
export function BridgeChart({ steps, unit, currency = "USD" }: { steps: BridgeStep[]; unit: "minor" | "units"; currency?: string }) {
  let running = 0;
  const data = steps.map((s, i) => {
    const n = String(i + 1);
    if (s.kind === "total") {
      running = s.amount;
      return { n, label: s.label, base: Math.min(0, s.amount), value: Math.abs(s.amount), kind: s.kind, raw: s.amount, detail: s.detail ?? s.label, from: s.amount, to: s.amount };
    }
    const start = running;
    running += s.amount;
    return { n, label: s.label, base: Math.min(start, running), value: Math.abs(s.amount), kind: s.kind, raw: s.amount, detail: s.detail ?? s.label, from: start, to: running };
  });
  const fmt = (v: number) => (unit === "minor" ? new Intl.NumberFormat("en-US", { style: "currency", currency }).format(v / 100) : new Intl.NumberFormat("en-US").format(v));
  const signed = (d: { raw: number; kind: string }) => (d.kind === "step" && d.raw > 0 ? `+${fmt(d.raw)}` : fmt(d.raw));
  // Small differences between large figures vanish on an axis from zero: zoom to the figures' range.
  const figures = data.flatMap((d) => [d.from, d.to]);
  const lo = Math.min(...figures);
  const hi = Math.max(...figures);
  const pad = Math.max((hi - lo) * 0.25, unit === "minor" ? 100 : 1);
  const zoomed = lo > 0 && hi - lo < hi * 0.5;
  const domain: [number, number] = zoomed ? [Math.max(0, Math.floor(lo - pad)), Math.ceil(hi + pad)] : [Math.min(0, Math.floor(lo)), Math.ceil(hi + pad / 4)];
  return (
    <div>
      <div className="chart-box" role="img" aria-label={`Bridge: ${data.map((d) => `${d.detail} ${signed(d)}`).join("; ")}`}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 18, right: 12, bottom: 0, left: 8 }}>
            <CartesianGrid stroke={GRID} vertical={false} />
            <XAxis dataKey="n" tick={AXIS} interval={0} axisLine={false} tickLine={false} />
            <YAxis tick={AXIS} tickFormatter={(v: number) => fmt(v)} axisLine={false} tickLine={false} width={unit === "minor" ? 84 : 48} domain={domain} allowDataOverflow />
            <Tooltip formatter={(_v, _n, item) => signed(item.payload as { raw: number; kind: string })} labelFormatter={(_l, items) => String((items?.[0]?.payload as { detail?: string } | undefined)?.detail ?? _l)} />
            <Bar dataKey="base" stackId="w" fill="transparent" isAnimationActive={false} />
            <Bar dataKey="value" stackId="w" isAnimationActive={false}>
              {data.map((d, i) => (
                <Cell key={i} fill={d.kind === "total" ? "#4338ca" : d.raw >= 0 ? "#15803d" : "#b42318"} />
              ))}
              <LabelList dataKey="raw" position="top" formatter={(v: unknown) => (typeof v === "number" ? fmt(v) : "")} style={{ fontSize: 11, fill: "#3f3f46" }} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <ol className="bridge-legend">
        {data.map((d) => (
          <li key={d.n}>
            <span className="faint num">{d.n}</span>
            <span>{d.detail}</span>
            <span className="num" style={{ color: d.kind === "total" ? "var(--text)" : d.raw >= 0 ? "var(--ok)" : "var(--bad)" }}>
              {signed(d)}
            </span>
          </li>
        ))}
      </ol>
      {zoomed ? <p className="faint" style={{ fontSize: 11, margin: "4px 0 0" }}>The axis starts above zero so the differences show.</p> : null}
    </div>
  );
}
