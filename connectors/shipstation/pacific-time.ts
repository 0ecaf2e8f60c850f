/**
 * ShipStation API v1 sends and expects timestamps as Pacific wall-clock time with no offset
 * ("2015-06-29T08:46:27.0000000" means 08:46:27 in Los Angeles, PDT in June, PST in winter).
 * Reading them as UTC (what Date.parse does with no offset in some runtimes, local time in
 * others) shifts every time by 7 or 8 hours, so every v1 time crosses this module.
 * https://www.shipstation.com/docs/api/requirements/ ("all dates are in Pacific time")
 */
const ZONE = "America/Los_Angeles";

const wallClock = new Intl.DateTimeFormat("en-US", {
  timeZone: ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** The Los Angeles wall-clock reading of an instant, expressed as if it were a UTC epoch. */
function wallClockMs(utcMs: number): number {
  const p: Record<string, number> = {};
  for (const part of wallClock.formatToParts(new Date(utcMs))) if (part.type !== "literal") p[part.type] = Number(part.value);
  const ms = ((utcMs % 1000) + 1000) % 1000;
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) + ms;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$/;

/**
 * Converts a ShipStation v1 Pacific wall-clock time (or a bare date, read as Pacific midnight)
 * to UTC ISO-8601 with Z. Times that already carry Z or an offset are only normalised.
 * In the autumn fall-back hour, which happens twice, the earlier instant (PDT) is chosen; a time
 * in the spring-forward gap, which never happens on a wall clock, is read with the standard offset.
 */
export function pacificToUtc(local: string): string {
  const text = local.trim();
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) {
    const at = Date.parse(text);
    if (Number.isNaN(at)) throw new Error(`not a timestamp: ${JSON.stringify(local)}`);
    return new Date(at).toISOString();
  }
  const m = LOCAL.exec(text);
  if (!m) throw new Error(`not a ShipStation timestamp: ${JSON.stringify(local)}`);
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = ""] = m;
  const asUtc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + Number((frac + "000").slice(0, 3));
  // The zone's offsets either side of this reading cover both answers at a DST change.
  const offsets = [...new Set([asUtc - 86_400_000, asUtc + 86_400_000].map((t) => wallClockMs(t) - t))].sort((a, b) => b - a);
  const instants = offsets.map((o) => asUtc - o).filter((t) => wallClockMs(t) === asUtc);
  const chosen = instants.length > 0 ? Math.min(...instants) : asUtc - Math.min(...offsets);
  return new Date(chosen).toISOString();
}

/** Like pacificToUtc, for optional fields: null, undefined and "" stay undefined. */
export function pacificToUtcOrUndefined(local: string | null | undefined): string | undefined {
  return local ? pacificToUtc(local) : undefined;
}

/** Formats a UTC instant as the Pacific wall-clock string ShipStation v1 reads and writes. */
export function utcToPacific(iso: string | Date): string {
  const at = typeof iso === "string" ? Date.parse(iso) : iso.getTime();
  if (Number.isNaN(at)) throw new Error(`not a timestamp: ${JSON.stringify(iso)}`);
  return new Date(wallClockMs(at)).toISOString().replace("Z", "0000");
}

/** The Pacific calendar date ("2014-10-03") of a UTC instant: ShipStation's shipDate. */
export function pacificDate(iso: string | Date): string {
  return utcToPacific(iso).slice(0, 10);
}
