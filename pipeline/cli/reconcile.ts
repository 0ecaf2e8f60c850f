/**
 * `npm run reconcile -- --domain inventory [--subject AB-12] [--json]`: runs reconciliation now
 * against the configured connections (same DATABASE_URL / data dir as the app) and prints what it
 * found, bridge by bridge. --domain may repeat or be "all". Repairs are only proposed.
 * With the embedded PGlite store, stop the app first: one process at a time can open it.
 */
import { parseArgs } from "node:util";
import { log } from "../log";
import { getReconciliationReport, RECON_DOMAINS, reconcileNow, type ReconDomain } from "../reconcile";
import { Runtime } from "../runtime";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      domain: { type: "string", multiple: true, default: ["all"] },
      subject: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const wanted = values.domain!.includes("all") ? [...RECON_DOMAINS] : values.domain!;
  const bad = wanted.filter((d) => !(RECON_DOMAINS as readonly string[]).includes(d));
  if (bad.length) throw new Error(`unknown domain ${bad.join(", ")}: use ${RECON_DOMAINS.join(", ")} or all`);
  const rt = await Runtime.open();
  let drift = 0;
  try {
    for (const domain of wanted as ReconDomain[]) {
      const outcome = await reconcileNow(rt, { domain, subject: values.subject });
      const report = outcome.runId ? await getReconciliationReport(rt.store, { runId: outcome.runId, limit: 500 }) : undefined;
      drift += outcome.open;
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ outcome: { ...outcome, findings: undefined }, report }, null, 2)}\n`);
        continue;
      }
      const t = outcome.timings;
      process.stdout.write(`\n== ${domain}: ${outcome.status}${outcome.error ? ` (${outcome.error})` : ""}; ${outcome.checked} checked, ${outcome.open} drift, ${outcome.inFlight} in flight, ${outcome.resolved} resolved; read ${t.readMs} ms, compute ${t.computeMs} ms, store ${t.storeMs} ms\n`);
      for (const n of outcome.notes) process.stdout.write(`   note: ${n}\n`);
      for (const f of report?.findings ?? []) {
        process.stdout.write(`\n[${f.status} ${f.severity}] ${f.subject} ${f.kind} (${f.cause})\n`);
        for (const line of (f.explanation ?? "").split("\n")) process.stdout.write(`   ${line}\n`);
        if (f.proposedRepair) process.stdout.write(`   proposed (not applied): ${f.proposedRepair.title}\n`);
      }
      for (const a of outcome.agreements ?? []) {
        process.stdout.write(`\n[agrees] ${a.subject}: ${a.summary}\n`);
        for (const b of a.bridge) process.stdout.write(`   ${b.text}\n`);
      }
      if (outcome.failuresOpened.length) process.stdout.write(`\nfailures opened: ${outcome.failuresOpened.join(", ")}\n`);
    }
  } finally {
    await rt.close();
  }
  process.exitCode = drift > 0 ? 2 : 0;
}

main().catch((err) => {
  log.fatal({ err: err.message }, "reconcile failed");
  console.error(err.message);
  process.exit(1);
});
