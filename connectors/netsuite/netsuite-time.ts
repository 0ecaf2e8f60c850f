/**
 * SuiteQL renders datetimes in the time zone of the NetSuite user behind the token, with no
 * offset, and TO_TIMESTAMP reads literals in that same zone. We therefore keep NetSuite's own
 * "YYYY-MM-DD HH24:MI:SS" text for comparisons sent back to NetSuite, and convert to UTC only
 * for what leaves the connector. The zone is the `timeZone` credential field (IANA name).
 */

export const SUITEQL_DATETIME_FORMAT = "YYYY-MM-DD HH24:MI:SS";
const LOCAL_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Minutes to add to UTC to get the wall clock in `tz` at instant `ms`. */
function offsetMinutes(ms: number, tz: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** "2026-11-27 04:00:00" in `tz` → "2026-11-27T12:00:00.000Z". */
export function netsuiteLocalToUtcIso(text: string, tz: string): string {
  const m = LOCAL_TEXT.exec(text.trim());
  if (!m) throw new Error(`not a SuiteQL datetime (${SUITEQL_DATETIME_FORMAT}): ${JSON.stringify(text)}`);
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  // Two passes settle the offset on either side of a DST change.
  let utc = wall - offsetMinutes(wall, tz) * 60_000;
  utc = wall - offsetMinutes(utc, tz) * 60_000;
  return new Date(utc).toISOString();
}

/** "2026-11-27T12:00:00Z" → the same instant as NetSuite text in `tz`, truncated to the second. */
export function utcIsoToNetsuiteLocal(iso: string, tz: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${JSON.stringify(iso)}`);
  const local = new Date(Math.floor(ms / 1000) * 1000 + offsetMinutes(ms, tz) * 60_000);
  return local.toISOString().slice(0, 19).replace("T", " ");
}
