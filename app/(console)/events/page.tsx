import Link from "next/link";
import { Empty, PageHead, StatusBadge, When } from "@/app/components/ui";
import { eventHref, orderHref, shortId } from "@/app/lib/format";
import { requireUser } from "@/app/lib/session";
import { searchEvents } from "@/pipeline/db/queries/event-read-queries";
import { EVENT_TYPES } from "@/pipeline/model";
import { getRuntime } from "@/pipeline/runtime";

export const metadata = { title: "Events" };

const STATUSES = ["received", "processing", "retrying", "delivered", "parked", "skipped"];

export default async function EventsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  await requireUser();
  const sp = await searchParams;
  const rt = await getRuntime();
  const q = sp.q?.trim();
  const events = await searchEvents(rt.store, {
    type: EVENT_TYPES.includes(sp.type as never) ? sp.type : undefined,
    status: STATUSES.includes(sp.status ?? "") ? sp.status : undefined,
    connector: sp.connector?.trim() || undefined,
    sku: sp.sku?.trim() || undefined,
    errorText: q || undefined,
    limit: 200,
  });
  return (
    <>
      <PageHead title="Events" description="The event log: every canonical event captured, newest first. Search the error text of their attempts." />
      <form className="filters" method="get" role="search">
        <div className="field">
          <label htmlFor="q">Error text</label>
          <input id="q" name="q" type="search" defaultValue={q ?? ""} placeholder="e.g. tax code" />
        </div>
        <div className="field">
          <label htmlFor="type">Type</label>
          <select id="type" name="type" defaultValue={sp.type ?? ""}>
            <option value="">Any</option>
            {EVENT_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="status">Status</label>
          <select id="status" name="status" defaultValue={sp.status ?? ""}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="connector">Connector</label>
          <input id="connector" name="connector" type="text" defaultValue={sp.connector ?? ""} placeholder="source or destination" />
        </div>
        <div className="field">
          <label htmlFor="sku">SKU</label>
          <input id="sku" name="sku" type="text" defaultValue={sp.sku ?? ""} />
        </div>
        <button type="submit" className="btn">
          Filter
        </button>
      </form>
      <section className="panel" aria-label="Events">
        {events.length === 0 ? (
          <Empty title="No events match">Events appear as soon as a connection captures something.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th>Event</th>
                  <th>Source</th>
                  <th>Order</th>
                  <th>SKUs</th>
                  <th>Status</th>
                  <th>Received</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => {
                  const ref = e.orderNumber ?? e.poNumber;
                  return (
                    <tr key={e.id}>
                      <td>
                        <Link href={eventHref(e.id)} className="title">
                          {e.type}
                        </Link>
                        <div className="sub mono">{shortId(e.id, 16)}</div>
                      </td>
                      <td>{e.sourceConnector}</td>
                      <td>{ref ? <Link href={orderHref(ref)} className="mono">{ref}</Link> : <span className="faint">—</span>}</td>
                      <td className="mono truncate" style={{ maxWidth: 200 }}>
                        {e.skus.join(", ")}
                      </td>
                      <td>
                        <StatusBadge status={e.status} />
                      </td>
                      <td>
                        <When at={e.receivedAt} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
