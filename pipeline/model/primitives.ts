import { z } from "zod";

/** ISO 4217 code, upper case. */
export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, "currency must be an ISO 4217 code such as USD");

/**
 * Money is always integer minor units plus currency (cents for USD, yen for JPY).
 * Floats never cross a boundary: connectors convert "12.34" strings with toMinorUnits().
 */
export const Money = z.object({
  amountMinor: z.number().int(),
  currency: CurrencyCode,
});
export type Money = z.infer<typeof Money>;

/** UTC ISO-8601 timestamp with a trailing Z, e.g. 2026-11-27T12:00:00.000Z. */
export const UtcTimestamp = z
  .string()
  .refine((s) => /Z$/.test(s) && !Number.isNaN(Date.parse(s)), "time must be UTC ISO-8601 ending in Z");

export const Address = z.object({
  name: z.string().optional(),
  company: z.string().optional(),
  line1: z.string().optional(),
  line2: z.string().optional(),
  city: z.string().optional(),
  region: z.string().optional(),
  postalCode: z.string().optional(),
  country: z.string().optional(),
  phone: z.string().optional(),
});
export type Address = z.infer<typeof Address>;

/** The ids one business object has in each system, keyed by connector id. */
export const ExternalIds = z.record(z.string(), z.string());

const MINOR_DIGITS: Record<string, number> = { JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3 };

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

/**
 * Converts a decimal amount as APIs send it ("12.34", 12.34) to integer minor units without
 * binary float error: the decimal string is split, never multiplied.
 */
export function toMinorUnits(amount: string | number, currency: string): number {
  const digits = minorDigits(currency);
  const text = typeof amount === "number" ? amount.toFixed(digits + 2) : amount.trim();
  const m = /^(-)?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m) throw new Error(`not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign, whole = "", fraction = ""] = m;
  const padded = (fraction + "0".repeat(digits + 1)).slice(0, digits + 1);
  let minor = Number(whole || "0") * 10 ** digits + Number(padded.slice(0, digits) || "0");
  if (Number(padded[digits]) >= 5) minor += 1; // half-up on the first dropped digit
  return sign ? -minor : minor;
}

/** Formats minor units back to the decimal string APIs expect ("12.34"). */
export function fromMinorUnits(amountMinor: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = amountMinor < 0 ? "-" : "";
  const abs = Math.abs(amountMinor);
  if (digits === 0) return `${sign}${abs}`;
  const whole = Math.floor(abs / 10 ** digits);
  const frac = String(abs % 10 ** digits).padStart(digits, "0");
  return `${sign}${whole}.${frac}`;
}

export function money(amountMinor: number, currency: string): Money {
  return { amountMinor, currency };
}
