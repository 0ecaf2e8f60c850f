import type { LogDelivery, LogEvent } from "../db/queries/recon-evidence";
import type { DeliveryEvidence, EvidenceRef, LogEvidence, ProposedRepair } from "./types";

/**
 * How far one delivery of our log has got, as a reconciler sees it. Unfinished work younger than
 * the domain's lag is in flight (the gap it leaves is expected); older unfinished work is stuck,
 * and parked work is stopped: both are drift.
 */
export type WorkState = "done" | "skipped" | "in_flight" | "stuck" | "parked";

const UNFINISHED = new Set(["blocked", "pending", "in_flight"]);

export function workStateOf(d: LogDelivery, e: LogEvent, now: Date, lagMs: number): WorkState {
  if (d.status === "succeeded") return "done";
  if (d.status === "skipped") return "skipped";
  if (d.status === "parked") return "parked";
  if (UNFINISHED.has(d.status)) return now.getTime() - Date.parse(e.receivedAt) < lagMs ? "in_flight" : "stuck";
  return "stuck";
}

/** The worst state among several: a gap is only in flight if all of its work is. */
export function worstState(states: WorkState[]): WorkState | undefined {
  for (const s of ["parked", "stuck", "in_flight", "skipped", "done"] as const) if (states.includes(s)) return s;
  return undefined;
}

export function deliveryOf(e: LogEvent, action: string, destination?: string): LogDelivery | undefined {
  return e.deliveries.find((d) => d.action === action && (!destination || d.destination === destination));
}

export function describeWork(d: LogDelivery, state: WorkState): string {
  const what = `${d.destination}.${d.action}`;
  switch (state) {
    case "done":
      return `${what} succeeded`;
    case "skipped":
      return `${what} skipped`;
    case "parked":
      return `${what} parked after ${d.attempts} attempt${d.attempts === 1 ? "" : "s"}: ${d.parkedReason ?? d.lastError ?? "no reason recorded"}`;
    case "stuck":
      return `${what} still ${d.status} after ${d.attempts} attempt${d.attempts === 1 ? "" : "s"}, past the lag${d.lastError ? ` (last error: ${d.lastError.slice(0, 160)})` : ""}`;
    case "in_flight":
      return `${what} ${d.status === "blocked" ? "waiting for an earlier step" : d.attempts > 0 ? `retrying (${d.attempts} attempt${d.attempts === 1 ? "" : "s"} so far${d.lastError ? `, last error: ${d.lastError.slice(0, 120)}` : ""})` : "pending"}, within the lag`;
  }
}

export function deliveryEvidence(d: LogDelivery): DeliveryEvidence {
  return { id: d.id, destination: d.destination, action: d.action, status: d.status, attempts: d.attempts, lastError: d.lastError, parkedReason: d.parkedReason, createdAt: d.createdAt, updatedAt: d.updatedAt };
}

export function logEvidence(e: LogEvent, explains: string, note: string, deliveries: LogDelivery[] = e.deliveries): LogEvidence {
  return { eventId: e.id, type: e.type, source: e.source, orderNumber: e.orderNumber, receivedAt: e.receivedAt, explains, note, deliveries: deliveries.map(deliveryEvidence) };
}

export function refsOf(e: LogEvent, deliveries: LogDelivery[] = []): EvidenceRef[] {
  return [
    { kind: "event", id: e.id },
    ...deliveries.map((d) => ({ kind: "delivery" as const, id: d.id })),
    ...deliveries.filter((d) => d.status === "parked").map((d) => ({ kind: "parked_delivery" as const, id: d.id })),
  ];
}

/** Parked or stuck deliveries are fixed by sending them again: remediations.ts's retry. */
export function retryRepair(deliveries: LogDelivery[], why: string): ProposedRepair {
  const parked = deliveries.filter((d) => d.status === "parked");
  const target = deliveries[0]?.destination ?? "?";
  return {
    kind: "retry_delivery",
    target,
    title: parked.length ? `Retry the parked ${deliveries.map((d) => `${d.destination}.${d.action}`).join(", ")} once the cause is fixed (${why})` : `Find out why ${deliveries.map((d) => `${d.destination}.${d.action}`).join(", ")} is not finishing (${why})`,
    params: { deliveryIds: deliveries.map((d) => d.id) },
    ...(parked.length ? { remediation: { kind: "retry", params: { deliveryIds: parked.map((d) => d.id) } } } : {}),
    applied: false,
  };
}

export function dedupeRefs(refs: EvidenceRef[]): EvidenceRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.kind}:${r.id}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export const signed = (n: number): string => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "0");
