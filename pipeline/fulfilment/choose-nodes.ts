/**
 * The fulfilment chooser: pure, no I/O. Given an order's shippable lines, the nodes and what each
 * node has available, it picks where every line ships from:
 * 1. one node that can fill every line, ranked by SLA, then cost, then priority;
 * 2. otherwise a split by lines over the fewest nodes (fewest shipments), then the slowest
 *    part's SLA, then total cost;
 * 3. otherwise a backorder: what can be filled is planned as above, each short line goes to the
 *    node holding most of it, and the parts carrying short lines are held.
 * A line is never split across nodes. Stock never read for a node is assumed available (the
 * ERP back-orders if it is not), so a fresh start routes by rank instead of parking everything.
 */

export interface NodeProfile {
  id: string;
  slaDays: number;
  costPerOrderMinor: number;
  costPerUnitMinor: number;
  priority: number;
}

export interface LineToPlace {
  lineId: string;
  sku: string;
  quantity: number;
}

/** Units of a SKU a node can still promise; undefined when no level was ever read. */
export type Availability = (node: string, sku: string) => number | undefined;

export interface ChooseInput {
  /** Shippable lines in the order's own order (the first one decides the primary part). */
  lines: LineToPlace[];
  nodes: NodeProfile[];
  available: Availability;
  /** Lines whose node is already decided (an edited order keeps them where they are). */
  pinned?: Record<string, string>;
}

export interface PlannedPart {
  node: string;
  lineIds: string[];
  primary: boolean;
  /** Carries a line no node can fill: goes out only when someone releases it. */
  held: boolean;
}

export interface Shortage {
  lineId: string;
  sku: string;
  quantity: number;
  /** What each node had (null: never read). */
  byNode: Record<string, number | null>;
}

export interface NodePlan {
  kind: "single" | "split" | "backorder" | "none";
  parts: PlannedPart[];
  nodeOf: Record<string, string>;
  shortages: Shortage[];
  /** Node and SKU pairs whose stock was never read, assumed available. */
  unverified: { node: string; sku: string }[];
  /** One line for the trace: what was chosen and why. */
  reason: string;
}

/** Beyond this many nodes the split search would enumerate too many subsets; the best-ranked are kept. */
export const MAX_SEARCHED_NODES = 12;

type Caps = Map<string, number>;
const capKey = (node: string, sku: string) => `${node}\u0000${sku}`;

export function chooseNodes(input: ChooseInput): NodePlan {
  const lines = input.lines.filter((l) => l.quantity > 0);
  const nodes = [...input.nodes].sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id)).slice(0, MAX_SEARCHED_NODES);
  const empty = { parts: [], nodeOf: {}, shortages: [], unverified: [] };
  if (nodes.length === 0) return { kind: "none", ...empty, reason: "no fulfilment node is enabled" };
  if (lines.length === 0) return { kind: "none", ...empty, reason: "no line ships" };
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const pinned = Object.fromEntries(Object.entries(input.pinned ?? {}).filter(([lineId, node]) => byId.has(node) && lines.some((l) => l.lineId === lineId)));

  const caps: Caps = new Map();
  const unverified: { node: string; sku: string }[] = [];
  for (const n of nodes) {
    for (const sku of new Set(lines.map((l) => l.sku))) {
      const a = input.available(n.id, sku);
      if (a === undefined) unverified.push({ node: n.id, sku });
      caps.set(capKey(n.id, sku), a === undefined ? Infinity : a);
    }
  }
  const cap = (node: string, sku: string) => caps.get(capKey(node, sku)) ?? 0;
  const note = unverified.length ? `; stock not read yet, assumed available: ${describeUnverified(unverified)}` : "";

  const found = searchSubsets(lines, nodes, caps, pinned);
  if (found) {
    const parts = partsOf(lines, found.nodeOf, new Set());
    if (parts.length === 1) {
      const chosen = byId.get(parts[0]!.node)!;
      const units = lines.reduce((a, l) => a + l.quantity, 0);
      const ahead = nodes.filter((n) => n.id !== chosen.id && compareRank(singleRank(n, units), singleRank(chosen, units)) < 0);
      const why = ahead.map((n) => lacksText(n.id, lines, cap)).filter(Boolean);
      const reason = why.length ? `${chosen.id}: ${why.join("; ")}` : `${chosen.id}: fills every line, first by SLA (${chosen.slaDays} d) then cost`;
      return { kind: "single", parts, nodeOf: found.nodeOf, shortages: [], unverified, reason: reason + note };
    }
    const why = nodes.map((n) => lacksText(n.id, lines, cap)).filter(Boolean);
    const reason = `split into ${parts.length}: ${parts.map((p) => `${p.node} (${skusOf(lines, p.lineIds)})`).join(" + ")}; no single node has every line: ${why.join("; ")}`;
    return { kind: "split", parts, nodeOf: found.nodeOf, shortages: [], unverified, reason: reason + note };
  }

  // Backorder: plan what can be filled, then place each short line where most of it is.
  const fillable = lines.filter((l) => pinned[l.lineId] || nodes.some((n) => cap(n.id, l.sku) >= l.quantity));
  const partial = (fillable.length ? searchSubsets(fillable, nodes, caps, pinned) : undefined) ?? greedy(fillable, nodes, caps, pinned);
  const nodeOf = { ...partial.nodeOf };
  const used = new Set(Object.values(nodeOf));
  const left = new Map(caps);
  for (const l of fillable) left.set(capKey(nodeOf[l.lineId]!, l.sku), (left.get(capKey(nodeOf[l.lineId]!, l.sku)) ?? 0) - l.quantity);
  const shortages: Shortage[] = [];
  for (const l of lines) {
    if (nodeOf[l.lineId]) continue;
    const has = (n: NodeProfile) => Math.max(0, left.get(capKey(n.id, l.sku)) ?? 0);
    const best = [...nodes].sort((a, b) => has(b) - has(a) || Number(used.has(b.id)) - Number(used.has(a.id)) || compareRank(lineRank(a), lineRank(b)))[0]!;
    nodeOf[l.lineId] = best.id;
    used.add(best.id);
    left.set(capKey(best.id, l.sku), (left.get(capKey(best.id, l.sku)) ?? 0) - l.quantity);
    shortages.push({ lineId: l.lineId, sku: l.sku, quantity: l.quantity, byNode: Object.fromEntries(nodes.map((n) => [n.id, input.available(n.id, l.sku) ?? null])) });
  }
  const heldNodes = new Set(shortages.map((s) => nodeOf[s.lineId]!));
  const parts = partsOf(lines, nodeOf, heldNodes);
  const short = shortages.map((s) => `${s.sku} (${s.quantity} wanted; ${Object.entries(s.byNode).map(([n, a]) => `${n} ${a ?? "?"}`).join(", ")})`);
  const reason = `backordered: no node has enough ${short.join("; ")}; held: ${[...heldNodes].join(", ")}${parts.length > heldNodes.size ? `; ships now: ${parts.filter((p) => !p.held).map((p) => `${p.node} (${skusOf(lines, p.lineIds)})`).join(" + ")}` : ""}`;
  return { kind: "backorder", parts, nodeOf, shortages, unverified, reason: reason + note };
}

/** Tries node subsets from the smallest up; the first size with a feasible assignment wins. */
function searchSubsets(lines: LineToPlace[], nodes: NodeProfile[], caps: Caps, pinned: Record<string, string>): { nodeOf: Record<string, string> } | undefined {
  const pinnedNodes = new Set(Object.values(pinned));
  const free = lines.filter((l) => !pinned[l.lineId]);
  const base = new Map(caps);
  for (const l of lines) {
    const n = pinned[l.lineId];
    if (n) base.set(capKey(n, l.sku), (base.get(capKey(n, l.sku)) ?? 0) - l.quantity);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (let k = Math.max(1, pinnedNodes.size); k <= nodes.length; k++) {
    let best: { nodeOf: Record<string, string>; score: (number | string)[] } | undefined;
    for (const subset of combinations(nodes, k)) {
      if (![...pinnedNodes].every((p) => subset.some((n) => n.id === p))) continue;
      const assigned = assignLines(free, subset, base);
      if (!assigned) continue;
      const nodeOf = { ...pinned, ...assigned };
      const cost = subset.reduce((a, n) => a + n.costPerOrderMinor, 0) + lines.reduce((a, l) => a + l.quantity * byId.get(nodeOf[l.lineId]!)!.costPerUnitMinor, 0);
      const score = [Math.max(...subset.map((n) => n.slaDays)), cost, subset.reduce((a, n) => a + n.priority, 0), subset.map((n) => n.id).join(",")];
      if (!best || compareRank(score, best.score) < 0) best = { nodeOf, score };
    }
    if (best) return { nodeOf: best.nodeOf };
  }
  return undefined;
}

/**
 * Lines of different SKUs never compete for stock, so each SKU's lines are placed on their own:
 * usually one line, trivially; several lines of one SKU by a bounded backtracking search.
 */
function assignLines(lines: LineToPlace[], subset: NodeProfile[], caps: Caps): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const order = [...subset].sort((a, b) => compareRank(lineRank(a), lineRank(b)));
  const bySku = new Map<string, LineToPlace[]>();
  for (const l of lines) bySku.set(l.sku, [...(bySku.get(l.sku) ?? []), l]);
  for (const [sku, group] of bySku) {
    const sorted = [...group].sort((a, b) => b.quantity - a.quantity);
    const left = order.map((n) => caps.get(capKey(n.id, sku)) ?? 0);
    let steps = 0;
    const place = (i: number): boolean => {
      if (i === sorted.length) return true;
      if (++steps > 10_000) return false;
      for (let j = 0; j < order.length; j++) {
        if (left[j]! < sorted[i]!.quantity) continue;
        left[j]! -= sorted[i]!.quantity;
        out[sorted[i]!.lineId] = order[j]!.id;
        if (place(i + 1)) return true;
        left[j]! += sorted[i]!.quantity;
      }
      return false;
    };
    if (!place(0)) return undefined;
  }
  return out;
}

/** When even the fillable lines do not fit together: each goes to the best node that still has it. */
function greedy(lines: LineToPlace[], nodes: NodeProfile[], caps: Caps, pinned: Record<string, string>): { nodeOf: Record<string, string> } {
  const left = new Map(caps);
  const nodeOf: Record<string, string> = {};
  for (const l of lines) {
    const n = pinned[l.lineId];
    if (n) (nodeOf[l.lineId] = n), left.set(capKey(n, l.sku), (left.get(capKey(n, l.sku)) ?? 0) - l.quantity);
  }
  const used = () => new Set(Object.values(nodeOf));
  for (const l of lines) {
    if (nodeOf[l.lineId]) continue;
    const u = used();
    const fit = nodes.filter((n) => (left.get(capKey(n.id, l.sku)) ?? 0) >= l.quantity).sort((a, b) => Number(u.has(b.id)) - Number(u.has(a.id)) || compareRank(lineRank(a), lineRank(b)))[0];
    if (!fit) continue;
    nodeOf[l.lineId] = fit.id;
    left.set(capKey(fit.id, l.sku), (left.get(capKey(fit.id, l.sku)) ?? 0) - l.quantity);
  }
  return { nodeOf };
}

function partsOf(lines: LineToPlace[], nodeOf: Record<string, string>, held: Set<string>): PlannedPart[] {
  const parts: PlannedPart[] = [];
  for (const l of lines) {
    const node = nodeOf[l.lineId]!;
    const p = parts.find((x) => x.node === node);
    if (p) p.lineIds.push(l.lineId);
    else parts.push({ node, lineIds: [l.lineId], primary: parts.length === 0, held: held.has(node) });
  }
  return parts;
}

function singleRank(n: NodeProfile, units: number): (number | string)[] {
  return [n.slaDays, n.costPerOrderMinor + n.costPerUnitMinor * units, n.priority, n.id];
}

function lineRank(n: NodeProfile): (number | string)[] {
  return [n.costPerUnitMinor, n.slaDays, n.priority, n.id];
}

function compareRank(a: (number | string)[], b: (number | string)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    return typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
  }
  return 0;
}

function* combinations<T>(xs: T[], k: number, start = 0, acc: T[] = []): Generator<T[]> {
  if (acc.length === k) {
    yield [...acc];
    return;
  }
  for (let i = start; i <= xs.length - (k - acc.length); i++) {
    acc.push(xs[i]!);
    yield* combinations(xs, k, i + 1, acc);
    acc.pop();
  }
}

/** "main lacks TR-20 (1 wanted, 0 available)", or "" when the node has every line. */
function lacksText(node: string, lines: LineToPlace[], cap: (node: string, sku: string) => number): string {
  const want = new Map<string, number>();
  for (const l of lines) want.set(l.sku, (want.get(l.sku) ?? 0) + l.quantity);
  const short = [...want].filter(([sku, q]) => cap(node, sku) < q).map(([sku, q]) => `${sku} (${q} wanted, ${Math.max(0, cap(node, sku))} available)`);
  return short.length ? `${node} lacks ${short.join(", ")}` : "";
}

function skusOf(lines: LineToPlace[], lineIds: string[]): string {
  return lines.filter((l) => lineIds.includes(l.lineId)).map((l) => (l.quantity > 1 ? `${l.sku} ×${l.quantity}` : l.sku)).join(", ");
}

function describeUnverified(pairs: { node: string; sku: string }[]): string {
  const bySku = new Map<string, string[]>();
  for (const p of pairs) bySku.set(p.sku, [...(bySku.get(p.sku) ?? []), p.node]);
  return [...bySku].map(([sku, ns]) => `${sku} at ${ns.join(", ")}`).join("; ");
}
