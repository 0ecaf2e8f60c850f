/**
 * X12 dates and times carry no zone. We write and read them as UTC: the partner's local zone is
 * not part of the envelope, and a fixed rule keeps control dates comparable across partners.
 */

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** CCYYMMDD (GS04, BEG05, BIG01, DTM02 in 4010 and later). */
export function x12Date(d: Date): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** YYMMDD (ISA09, TA102). */
export function x12ShortDate(d: Date): string {
  return x12Date(d).slice(2);
}

/** HHMM (ISA10, GS05, TA103). */
export function x12Time(d: Date): string {
  return `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
}

/**
 * Reads a DT element (CCYYMMDD, or YYMMDD in pre-4010 sets) plus an optional TM (HHMM[SS[D..]])
 * into an ISO-8601 UTC timestamp. Undefined when it is not a real calendar date or time.
 * Two-digit years pivot at 50, as X12 translators commonly do.
 */
export function parseX12DateTime(date: string, time?: string): string | undefined {
  let y: number, m: number, d: number;
  if (/^\d{8}$/.test(date)) [y, m, d] = [Number(date.slice(0, 4)), Number(date.slice(4, 6)), Number(date.slice(6, 8))];
  else if (/^\d{6}$/.test(date)) {
    const yy = Number(date.slice(0, 2));
    [y, m, d] = [yy < 50 ? 2000 + yy : 1900 + yy, Number(date.slice(2, 4)), Number(date.slice(4, 6))];
  } else return undefined;
  let hh = 0, mi = 0, ss = 0;
  if (time) {
    if (!/^\d{4}(\d{2}(\d{1,2})?)?$/.test(time)) return undefined;
    [hh, mi, ss] = [Number(time.slice(0, 2)), Number(time.slice(2, 4)), time.length >= 6 ? Number(time.slice(4, 6)) : 0];
    if (hh > 23 || mi > 59 || ss > 59) return undefined;
  }
  const at = new Date(Date.UTC(y, m - 1, d, hh, mi, ss));
  if (at.getUTCFullYear() !== y || at.getUTCMonth() !== m - 1 || at.getUTCDate() !== d) return undefined;
  return at.toISOString();
}

export function isX12Date(s: string): boolean {
  return parseX12DateTime(s) !== undefined;
}

export function isX12Time(s: string): boolean {
  return /^\d{4,8}$/.test(s) && parseX12DateTime("20000101", s.slice(0, Math.min(6, s.length))) !== undefined;
}
