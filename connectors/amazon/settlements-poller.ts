import { isClassifiedError } from "../../pipeline/errors";
import type { Payout } from "../../pipeline/model";
import type { CapturedEvent, Poller } from "../sdk/definition";
import type { SpReport } from "./api-schemas";
import { SETTLEMENT_REPORT_TYPE, type AmazonClient } from "./client";
import { parseSettlementReport } from "./settlement-report";

export interface SettlementsCursor {
  /** createdSince of the next getReports query; null before the first poll. */
  createdSince: string | null;
  /** Report ids already handled whose createdTime the next query still covers. */
  seen: string[];
  skipped: { reportId: string; reason: string }[];
}

export interface SettlementsPollerOptions {
  intervalMs?: number;
  /** First poll reaches back this far (getReports keeps 90 days). Default 30 days. */
  initialLookbackMs?: number;
  overlapMs?: number;
}

/** Downloads and parses one settlement report. */
export async function readSettlementReport(client: AmazonClient, report: SpReport): Promise<Payout | undefined> {
  if (!report.reportDocumentId) return undefined;
  const doc = await client.getReportDocument(report.reportDocumentId);
  return parseSettlementReport(await client.downloadReportDocument(doc));
}

/**
 * Settlement reports cannot be requested: Amazon generates one per settlement period (about every
 * two weeks). The poller lists DONE reports of GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2 created
 * since the last poll, parses each into a Payout and emits payout.settled with the settlement id
 * as sourceEventId (Amazon may publish a settlement twice; the id makes that one event).
 * getReportDocument allows one call a minute after a burst of 15, so a long backlog is emitted
 * over several polls.
 */
export function settlementsPoller(opts: SettlementsPollerOptions = {}): Poller<AmazonClient, SettlementsCursor> {
  const overlapMs = opts.overlapMs ?? 60 * 60_000;
  const lookbackMs = opts.initialLookbackMs ?? 30 * 24 * 60 * 60_000;
  return {
    intervalMs: opts.intervalMs ?? 60 * 60_000,
    initialCursor: () => ({ createdSince: null, seen: [], skipped: [] }),
    async poll(client, cursor, now) {
      const since = cursor.createdSince ? Date.parse(cursor.createdSince) : now.getTime() - lookbackMs;
      const reports = await client.listReports({
        reportTypes: [SETTLEMENT_REPORT_TYPE],
        processingStatuses: ["DONE"],
        createdSince: new Date(since).toISOString(),
      });
      reports.sort((a, b) => Date.parse(a.createdTime) - Date.parse(b.createdTime));
      const seen = new Set(cursor.seen);
      const skipped = [...cursor.skipped];
      const events: CapturedEvent[] = [];
      let newest = since;
      for (const report of reports) {
        newest = Math.max(newest, Date.parse(report.createdTime));
        if (seen.has(report.reportId)) continue;
        try {
          const payout = await readSettlementReport(client, report);
          if (payout) {
            events.push({
              type: "payout.settled",
              sourceEventId: payout.id,
              occurredAt: payout.depositDate ?? payout.periodEnd ?? new Date(Date.parse(report.createdTime)).toISOString(),
              data: payout,
            });
          }
        } catch (e) {
          if (isClassifiedError(e) && e.errorClass === "validation") skipped.push({ reportId: report.reportId, reason: e.message });
          else if (isClassifiedError(e) && (e.errorClass === "rate_limited" || e.errorClass === "transient") && events.length) {
            return { events, cursor: { createdSince: cursor.createdSince ?? new Date(since).toISOString(), seen: [...seen], skipped: skipped.slice(-50) } };
          } else throw e;
        }
        seen.add(report.reportId);
      }
      const nextSince = Math.max(since, newest - overlapMs);
      const keep = reports.filter((r) => Date.parse(r.createdTime) >= nextSince && seen.has(r.reportId)).map((r) => r.reportId);
      return { events, cursor: { createdSince: new Date(nextSince).toISOString(), seen: keep, skipped: skipped.slice(-50) } };
    },
  };
}
