import Link from "next/link";
import { PageHead } from "@/app/components/ui";
import { count } from "@/app/lib/format";
import { can, requireUser } from "@/app/lib/session";
import { FAILURE_STATUSES, failureStatusCounts, listFailureGroups, type FailureStatus } from "@/pipeline/db/queries/console-failures";
import { getRuntime } from "@/pipeline/runtime";
import { FailureInbox } from "./failure-inbox";

export const metadata = { title: "Failures" };

export default async function FailuresPage({ searchParams }: { searchParams: Promise<{ status?: string; q?: string }> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const status = (FAILURE_STATUSES as readonly string[]).includes(sp.status ?? "") || sp.status === "all" ? (sp.status as FailureStatus | "all") : "open";
  const rt = await getRuntime();
  const groups = await listFailureGroups(rt.store, { status, q: sp.q || undefined });
  const counts = await failureStatusCounts(rt.store);
  const tabs: { id: FailureStatus | "all"; label: string; n?: number }[] = [
    { id: "open", label: "Open", n: counts.open },
    { id: "acknowledged", label: "Acknowledged", n: counts.acknowledged },
    { id: "resolved", label: "Resolved", n: counts.resolved },
    { id: "ignored", label: "Ignored", n: counts.ignored },
    { id: "all", label: "All" },
  ];
  return (
    <>
      <PageHead
        title="Failures"
        description="Stopped deliveries, grouped by business root cause: one row is one thing to fix, however many orders it hit."
      />
      <nav className="tabs" aria-label="Failure status">
        {tabs.map((t) => (
          <Link key={t.id} href={t.id === "open" ? "/failures" : `/failures?status=${t.id}`} aria-current={t.id === status ? "page" : undefined}>
            {t.label}
            {t.n !== undefined ? <span className="faint num">{` ${count(t.n)}`}</span> : null}
          </Link>
        ))}
      </nav>
      <FailureInbox groups={groups} canOperate={can(user, "operator")} status={status} />
    </>
  );
}
