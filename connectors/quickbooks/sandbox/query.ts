/**
 * Just enough of QBO's query language for what the connector sends:
 *   select * from <Entity> [where <field> <op> <value> [and ...]] [orderby <field> [asc|desc]]
 *   [startposition <n>] [maxresults <n>]
 * with ops = != < <= > >= in like, values in single quotes (\' escapes a quote). Anything else
 * is a QueryParserError, as QBO would answer.
 */

export interface Condition {
  field: string;
  op: "=" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "like";
  values: string[];
}

export interface ParsedQuery {
  entity: string;
  conditions: Condition[];
  orderBy?: { field: string; desc: boolean };
  startPosition: number;
  maxResults: number;
}

export class QueryError extends Error {
  constructor(readonly code: "4000" | "4001", message: string) {
    super(message);
  }
}

const TOKEN = /\s*(?:'((?:\\.|[^'\\])*)'|(>=|<=|!=|=|<|>|\(|\)|,|\*)|([A-Za-z_][\w.]*)|(-?\d+))/y;

type Token = { kind: "string" | "op" | "word" | "number"; text: string };

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < sql.length) {
    if (/^\s*$/.test(sql.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(sql);
    if (!m) throw new QueryError("4000", `Encountered " ${sql.slice(at).trim().slice(0, 20)} " at column ${at + 1}`);
    if (m[1] !== undefined) tokens.push({ kind: "string", text: m[1].replace(/\\(.)/g, "$1") });
    else if (m[2] !== undefined) tokens.push({ kind: "op", text: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: "word", text: m[3] });
    else tokens.push({ kind: "number", text: m[4]! });
  }
  return tokens;
}

export function parseQuery(sql: string): ParsedQuery {
  const t = tokenize(sql);
  let i = 0;
  const peekWord = (w: string) => t[i]?.kind === "word" && t[i]!.text.toLowerCase() === w;
  const expectWord = (w: string) => {
    if (!peekWord(w)) throw new QueryError("4000", `Encountered " ${t[i]?.text ?? "<EOF>"} " where ${w.toUpperCase()} was expected`);
    i++;
  };
  const take = (kind: Token["kind"], what: string): string => {
    const tok = t[i];
    if (!tok || tok.kind !== kind) throw new QueryError("4000", `Encountered " ${tok?.text ?? "<EOF>"} " where ${what} was expected`);
    i++;
    return tok.text;
  };
  expectWord("select");
  if (t[i]?.text === "*") i++;
  else {
    take("word", "a field");
    while (t[i]?.text === ",") (i++, take("word", "a field"));
  }
  expectWord("from");
  const entity = take("word", "an entity");
  const conditions: Condition[] = [];
  if (peekWord("where")) {
    i++;
    do {
      const field = take("word", "a field");
      let op: Condition["op"];
      if (peekWord("in")) op = "in";
      else if (peekWord("like")) op = "like";
      else op = take("op", "an operator") as Condition["op"];
      if (op === "in" || op === "like") i++;
      if (!["=", "!=", "<", "<=", ">", ">=", "in", "like"].includes(op)) throw new QueryError("4000", `unsupported operator ${op}`);
      const values: string[] = [];
      if (op === "in") {
        if (t[i]?.text !== "(") throw new QueryError("4000", "IN needs a parenthesised list");
        i++;
        do values.push(take("string", "a quoted value"));
        while (t[i]?.text === "," && ++i);
        if (t[i]?.text !== ")") throw new QueryError("4000", "IN list is not closed");
        i++;
      } else values.push(t[i]?.kind === "number" ? take("number", "a value") : take("string", "a quoted value"));
      conditions.push({ field, op, values });
    } while (peekWord("and") && ++i);
  }
  let orderBy: ParsedQuery["orderBy"];
  if (peekWord("orderby")) {
    i++;
    const field = take("word", "a field");
    let desc = false;
    if (peekWord("desc")) (desc = true, i++);
    else if (peekWord("asc")) i++;
    orderBy = { field, desc };
  }
  let startPosition = 1;
  let maxResults = 100;
  if (peekWord("startposition")) (i++, (startPosition = Number(take("number", "a number"))));
  if (peekWord("maxresults")) (i++, (maxResults = Number(take("number", "a number"))));
  if (i < t.length) throw new QueryError("4000", `Encountered " ${t[i]!.text} " after the end of the statement`);
  if (startPosition < 1) throw new QueryError("4001", `value ${startPosition} is too small. Min allowed value is 1`);
  if (maxResults < 1) throw new QueryError("4001", `value ${maxResults} is too small. Min allowed value is 1`);
  if (maxResults > 1000) throw new QueryError("4001", `value ${maxResults} is too large. Max allowed value is 1000`);
  return { entity, conditions, orderBy, startPosition, maxResults };
}

function valueAt(row: Record<string, unknown>, path: string): unknown {
  let v: unknown = row;
  for (const part of path.split(".")) v = v && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
  if (v && typeof v === "object" && "value" in v) return (v as { value: unknown }).value; // a Ref compares by its id
  return v;
}

function compare(field: string, actual: unknown, expected: string): number {
  if (/(Time|Date)$/.test(field)) return Date.parse(String(actual)) - Date.parse(expected);
  const a = String(actual ?? "");
  return a < expected ? -1 : a > expected ? 1 : 0;
}

function matches(row: Record<string, unknown>, c: Condition): boolean {
  const actual = valueAt(row, c.field);
  if (actual === undefined) return false;
  switch (c.op) {
    case "in":
      return c.values.some((v) => compare(c.field, actual, v) === 0);
    case "like": {
      const pattern = new RegExp(`^${c.values[0]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, ".*")}$`, "i");
      return pattern.test(String(actual));
    }
    default: {
      const d = compare(c.field, actual, c.values[0]!);
      return c.op === "=" ? d === 0 : c.op === "!=" ? d !== 0 : c.op === "<" ? d < 0 : c.op === "<=" ? d <= 0 : c.op === ">" ? d > 0 : d >= 0;
    }
  }
}

/** Filters, sorts and pages rows; QBO's default order is by Id. */
export function runQuery<T extends Record<string, unknown>>(rows: T[], q: ParsedQuery): T[] {
  const filtered = rows.filter((r) => q.conditions.every((c) => matches(r, c)));
  const by = q.orderBy;
  filtered.sort((a, b) => {
    if (by) {
      const d = compare(by.field, valueAt(a, by.field), String(valueAt(b, by.field) ?? ""));
      if (d !== 0) return by.desc ? -d : d;
    }
    return byId(String(a.Id), String(b.Id));
  });
  return filtered.slice(q.startPosition - 1, q.startPosition - 1 + q.maxResults);
}

function byId(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
