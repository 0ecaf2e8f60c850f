/**
 * Stripe's v1 request encoding: application/x-www-form-urlencoded with bracket nesting, the same
 * on query strings and bodies: `metadata[order_id]=1001`, `expand[0]=data.source` (or
 * `expand[]=…`), `created[gte]=1700000000`. Values stay strings; handlers coerce.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };

export function parseStripeForm(text: string): Record<string, FormValue> {
  const root: Record<string, FormValue> = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!m) continue;
    const path = [m[1]!, ...[...m[2]!.matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]!)];
    let node: Record<string, FormValue> = root;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!;
      const next = node[key];
      if (typeof next !== "object" || next === null) node[key] = {};
      node = node[key] as Record<string, FormValue>;
    }
    const last = path[path.length - 1]!;
    // `a[]=x` appends: give it the next free numeric key so it folds into an array below.
    node[last === "" ? String(Object.keys(node).length) : last] = value;
  }
  return foldArrays(root) as Record<string, FormValue>;
}

/** Objects whose keys are exactly 0..n-1 become arrays. */
function foldArrays(v: FormValue): FormValue {
  if (typeof v === "string" || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  const folded = Object.fromEntries(keys.map((k) => [k, foldArrays(v[k]!)]));
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => folded[k]!);
  return folded;
}

/** A stable text form of parsed params: the idempotency fingerprint. */
export function canonicalParams(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalParams).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalParams((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}
