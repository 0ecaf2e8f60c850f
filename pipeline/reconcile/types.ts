import type { LiveInstance } from "../connector-instances";
import type { Store } from "../db/client";
import type { MappingRow } from "../db/queries/mapping-queries";
import type { LogDelivery } from "../db/queries/recon-evidence";
import type { DomainSettings } from "./settings";

export const RECON_DOMAINS = ["inventory", "orders", "shipments", "accounting"] as const;
export type ReconDomain = (typeof RECON_DOMAINS)[number];

/**
 * open: drift (a person should look); in_flight: the gap is work still inside its lag (shown, never
 * alarmed on); resolved: a later run found the systems agreeing again.
 */
export type FindingStatus = "open" | "in_flight" | "resolved";
export type Severity = "critical" | "error" | "warning" | "info";

/** A row the evidence points at; `kind` matches pipeline/db/queries/evidence-queries.ts. */
export interface EvidenceRef {
  kind: "event" | "delivery" | "parked_delivery" | "connector" | "failure_group" | "recon_diff";
  id: string;
}

/**
 * One line of a bridge from one system's figure to another's: a starting count, an adjustment
 * for work in flight or a known cause, a subtotal, or the residual nobody explains.
 */
export interface BridgeLine {
  kind: "start" | "adjust" | "total" | "compare" | "residual";
  text: string;
  /** What this line adds (adjust, residual) or the figure it states (start, total, compare). */
  amount?: number;
  /** How an adjustment is classified: in_flight is within its lag, the others are drift. */
  status?: "in_flight" | "parked" | "stuck" | "explained" | "unexplained";
  refs?: EvidenceRef[];
}

/** A delivery of a log event, as the evidence shows it: the same fields the log query reads. */
export type DeliveryEvidence = LogDelivery;

/** An event from our log that explains (part of) a gap, with what it explains. */
export interface LogEvidence {
  eventId: string;
  type: string;
  source: string;
  orderNumber: string | null;
  receivedAt: string;
  /** "committed_not_shipped", "shipped_not_fulfilled", "return_not_restocked", "parked", "lost_webhook"... */
  explains: string;
  note: string;
  deliveries: DeliveryEvidence[];
}

/**
 * A fix the reconciler suggests. It is never applied by the reconciler: it is stored with the
 * finding and goes through the same approval and audit as every other remediation. `remediation`
 * is filled when the fix is one of pipeline/remediations.ts's kinds (retry, replay_from_stage...).
 */
export interface ProposedRepair {
  kind: "post_adjustment" | "push_inventory" | "retry_delivery" | "backfill_event" | "void_posting" | "correct_posting" | "post_document" | "investigate";
  /** The connector instance the fix writes to (or should be checked in). */
  target: string;
  title: string;
  params: Record<string, unknown>;
  remediation?: { kind: string; params: Record<string, unknown> };
  /** Set once the repair was proposed through the approval flow (remediations table). */
  remediationId?: string;
  applied: false;
}

export interface Evidence {
  /** The cause in one word: unreported_adjustment, return_restocked_in_3pl_only, lost_webhook, parked_delivery... */
  cause: string;
  /** One sentence a person reads first. */
  summary: string;
  /** The figure that differs after everything explainable was taken into account (units or minor units). */
  residual?: number;
  unit?: "units" | "minor";
  /** The bridge from one system's figure to the other's, line by line. */
  bridge: BridgeLine[];
  /** Events from our log that explain the gap (or whose absence is the explanation). */
  log: LogEvidence[];
  refs: EvidenceRef[];
  proposedRepair?: ProposedRepair;
  /** Anything else worth showing (raw totals, the matched postings...). */
  detail?: Record<string, unknown>;
}

/** What a reconciler found about one subject: stored as one recon_diffs row. */
export interface Finding {
  subject: string;
  kind: string;
  /** Distinguishes two findings of one kind on one subject (e.g. two 3PLs): part of the row id. */
  counterpart?: string;
  severity: Severity;
  status: "open" | "in_flight";
  /** The records on each side, keyed by connector instance id. */
  sides: Record<string, unknown>;
  evidence: Evidence;
  /** The failure root cause this drift raises once it outlives its lag (inventory_drift, unposted_order...). */
  rootCause: string;
  /** Whose owner the failure goes to: the system suspected of being wrong, or the one to fix. */
  ownerConnector?: string;
}

/** What every reconciler gets: the live connector instances, mappings, settings and a clock. */
export interface ReconcileContext {
  store: Store;
  instances: LiveInstance[];
  mappings: MappingRow[];
  settings: DomainSettings;
  now: Date;
  /**
   * Only these subjects (a SKU, "SKU@location", an order number): an on-demand look at one thing.
   * Such a run also returns the bridge of subjects that agree.
   */
  subject?: string;
  /** Calls a connector's reader with retries on rate limits and transient faults; times the read. */
  read<T>(inst: LiveInstance, reader: string, ...args: unknown[]): Promise<T>;
}

export interface ReconcileResult {
  /** false: the systems this domain needs are not connected; nothing was compared. */
  applicable: boolean;
  checked: number;
  findings: Finding[];
  notes: string[];
  /** Which instance played which part, and record counts per side. */
  systems: Record<string, unknown>;
  /** Subject-scoped runs only: the bridges of subjects that agree, to show why they agree. */
  agreements?: { subject: string; summary: string; bridge: BridgeLine[] }[];
}

export interface Reconciler {
  domain: ReconDomain;
  run(ctx: ReconcileContext): Promise<ReconcileResult>;
}
