import { z } from "zod";
import type { Store } from "../db/client";
import { readReconSettingsRows, saveReconSettingsRow } from "../db/queries/recon-settings";
import { RECON_DOMAINS, type ReconDomain } from "./types";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Tolerances and timing lags of one reconciliation domain, stored per domain in the
 * recon_settings table (row absent = the defaults below). Per-channel safety stock stays where
 * set_inventory reads it: the channel instance's settings.safetyStock.
 *
 * - lagMs: work from our log younger than this (a delivery pending, retrying or blocked behind
 *   another) explains a gap as in flight, not drift. Older unfinished work is "stuck": drift.
 * - failAfterMs: drift seen for at least this long opens a failure group (default: lagMs).
 * - windowMs: how far back the readers look (orders, shipments, postings) and how far back our
 *   log is searched for explanations (refunds, shipments, stock changes).
 * - tolerance: differences up to this are agreement (units for inventory, minor currency units
 *   for orders and accounting totals).
 * - everyMs: the schedule (a BullMQ job scheduler in scale-out mode, a timer in embedded mode).
 */
export const DomainSettings = z.object({
  enabled: z.boolean().default(true),
  everyMs: z.number().int().min(50).default(15 * MINUTE),
  lagMs: z.number().int().min(0).default(15 * MINUTE),
  failAfterMs: z.number().int().min(0).optional(),
  windowMs: z.number().int().positive().default(14 * DAY),
  tolerance: z.number().min(0).default(0),
  /** Order totals are compared with these roles' systems only (3PLs often store no discounts). */
  compareTotalsWith: z.array(z.enum(["erp", "3pl"])).default(["erp"]),
});
export type DomainSettings = z.infer<typeof DomainSettings>;

const DEFAULTS: Record<ReconDomain, Partial<DomainSettings>> = {
  inventory: { everyMs: 15 * MINUTE, lagMs: 15 * MINUTE, windowMs: 14 * DAY },
  orders: { everyMs: 15 * MINUTE, lagMs: 30 * MINUTE, windowMs: 7 * DAY },
  shipments: { everyMs: 15 * MINUTE, lagMs: 30 * MINUTE, windowMs: 7 * DAY },
  accounting: { everyMs: 60 * MINUTE, lagMs: 60 * MINUTE, windowMs: 7 * DAY },
};

export function defaultSettings(domain: ReconDomain): DomainSettings {
  return DomainSettings.parse(DEFAULTS[domain]);
}

/** The effective settings of every domain: stored values over the defaults. An invalid stored row fails loudly. */
export async function loadReconSettings(store: Store): Promise<Record<ReconDomain, DomainSettings>> {
  const stored = new Map((await readReconSettingsRows(store)).map((r) => [r.domain, r.settings]));
  const out = {} as Record<ReconDomain, DomainSettings>;
  for (const d of RECON_DOMAINS) {
    const parsed = DomainSettings.safeParse({ ...DEFAULTS[d], ...(stored.get(d) ?? {}) });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`recon_settings for ${d}: ${issue.path.join(".")} ${issue.message}`);
    }
    out[d] = parsed.data;
  }
  return out;
}

/** Changes some settings of a domain (validated first); returns the effective settings. */
export async function saveReconSettings(store: Store, domain: ReconDomain, patch: Partial<DomainSettings>, by: string): Promise<DomainSettings> {
  const current = (await readReconSettingsRows(store)).find((r) => r.domain === domain)?.settings ?? {};
  const next = { ...current, ...patch };
  const parsed = DomainSettings.parse({ ...DEFAULTS[domain], ...next });
  await saveReconSettingsRow(store, domain, next, by);
  return parsed;
}

export function failAfterOf(s: DomainSettings): number {
  return s.failAfterMs ?? s.lagMs;
}
