import { z } from "zod";
import { ROOT_CAUSES } from "../agent/diagnosis/taxonomy";
import { REMEDIATION_KINDS } from "../pipeline/remediations";

/** Output shapes shared by several tools (tool outputs are validated by MCP clients against these). */

export const EventSummary = z.object({
  id: z.string(),
  type: z.string(),
  sourceConnector: z.string(),
  sourceEventId: z.string(),
  orderNumber: z.string().nullable(),
  poNumber: z.string().nullable(),
  skus: z.array(z.string()),
  customer: z.string().nullable(),
  status: z.string(),
  openDeliveries: z.number(),
  parkedDeliveries: z.number(),
  occurredAt: z.string(),
  receivedAt: z.string(),
  correlationId: z.string(),
});

export const Attempt = z.object({
  id: z.number(),
  eventId: z.string(),
  deliveryId: z.string().nullable(),
  stage: z.string(),
  destination: z.string().nullable(),
  attemptNo: z.number(),
  startedAt: z.string(),
  durationMs: z.number(),
  outcome: z.string(),
  errorClass: z.string().nullable(),
  errorMessage: z.string().nullable(),
  upstream: z.unknown(),
  externalId: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});

export const Delivery = z.object({
  id: z.string(),
  eventId: z.string(),
  destination: z.string(),
  action: z.string(),
  dependsOn: z.string().nullable(),
  idempotencyKey: z.string(),
  status: z.string(),
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  externalId: z.string().nullable(),
  lastErrorClass: z.string().nullable(),
  lastError: z.string().nullable(),
  failureKey: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  parkedAt: z.string().nullable(),
  parkedReason: z.string().nullable(),
  parkedField: z.string().nullable(),
  parkedErrorClass: z.string().nullable(),
  releasedAt: z.string().nullable(),
  releasedBy: z.string().nullable(),
});

export const EvidenceItem = z.object({
  kind: z.enum(["event", "delivery", "parked_delivery", "attempt", "failure_group", "mapping", "connector", "quarantine"]),
  id: z.string(),
  summary: z.string(),
});

export const EvidenceRef = z.object({
  kind: z.enum(["event", "delivery", "parked_delivery", "attempt", "failure_group", "mapping", "connector", "quarantine", "recon_diff", "remediation"]),
  id: z.string(),
});

export const SuggestedFix = z.object({
  kind: z.enum([...REMEDIATION_KINDS, "none"]),
  params: z.record(z.string(), z.unknown()),
  description: z.string(),
  needs: z.array(z.string()),
  policyEligible: z.boolean(),
});

export const Diagnosis = z.object({
  subject: z.object({ kind: z.enum(["event", "failure_group", "quarantine_group", "connector"]), id: z.string() }),
  rootCause: z.enum(ROOT_CAUSES),
  label: z.string(),
  title: z.string(),
  confidence: z.number(),
  explanation: z.string(),
  evidence: z.array(EvidenceItem),
  suggestedFix: SuggestedFix,
  affected: z.object({ events: z.number(), eventsCapped: z.boolean(), eventIds: z.array(z.string()), orders: z.array(z.string()), connectors: z.array(z.string()) }),
  failureKey: z.string().nullable(),
  alternatives: z.array(z.object({ rootCause: z.enum(ROOT_CAUSES), confidence: z.number() })),
});

export const DryRun = z.object({
  checked: z.number(),
  wouldPass: z.number(),
  wouldFail: z.number(),
  summary: z.string(),
  items: z.array(z.object({ subject: z.string(), eventId: z.string().optional(), orderNumber: z.string().nullable().optional(), pass: z.boolean(), why: z.string() })),
  truncated: z.boolean(),
  notes: z.array(z.string()),
});

export const Remediation = z.object({
  id: z.string(),
  kind: z.enum(REMEDIATION_KINDS),
  status: z.enum(["proposed", "approved", "rejected", "applied", "failed"]),
  title: z.string(),
  rationale: z.string(),
  params: z.record(z.string(), z.unknown()),
  evidence: z.array(z.object({ kind: z.string(), id: z.string() })),
  dryRun: DryRun.nullable(),
  failureKey: z.string().nullable(),
  proposedBy: z.string(),
  decidedBy: z.string().nullable(),
  approvedByPolicy: z.string().nullable(),
  decisionReason: z.string().nullable(),
  outcome: z.unknown(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
  appliedAt: z.string().nullable(),
});

export const AuditEntry = z.object({
  seq: z.number(),
  id: z.string(),
  at: z.string(),
  actorType: z.string(),
  actorId: z.string(),
  action: z.string(),
  subject: z.string(),
  reason: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});

/** Opaque keyset cursors: base64url of JSON. */
export function encodeCursor(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString("base64url");
}

export function decodeCursor<T>(c: string | undefined): T | undefined {
  if (!c) return undefined;
  try {
    return JSON.parse(Buffer.from(c, "base64url").toString("utf8")) as T;
  } catch {
    return undefined;
  }
}
