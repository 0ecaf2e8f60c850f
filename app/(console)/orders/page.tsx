import Link from "next/link";
import { Empty, PageHead, StatusBadge, When } from "@/app/components/ui";
import { count, orderHref } from "@/app/lib/format";
import { requireUser } from "@/app/lib/session";
import { listOrders, type OrderListRow } from "@/pipeline/db/queries/console-orders";
import { getRuntime } from "@/pipeline/runtime";

export const metadata = { title: "Orders" };

const STATE_LABEL: Record<OrderListRow["state"], { status: string; label: string }> = {
  parked: { status: "parked", label: "needs attention" },
  open: { status: "processing", label: "in progress" },
  done: { status: "delivered", label: "complete" },
};

export default async function OrdersPage({ searchParams }: { searchParams: Promise<{ q?: string; state?: string }> }) {
  await requireUser();
  const sp = await searchParams;
  const state = sp.state === "parked" || sp.state === "open" || sp.state === "done" ? sp.state : undefined;
  const rt = await getRuntime();
  const orders = await listOrders(rt.store, { q: sp.q?.trim() || undefined, state, limit: 200 });
  return (
    <>
      <PageHead title="Orders" description="Every order the loop has seen, newest first. Open one to follow it through every system." />
      <form className="filters" method="get" role="search">
        <div className="field">
          <label htmlFor="q">Order, PO, SKU or customer</label>
          <input id="q" name="q" type="search" defaultValue={sp.q ?? ""} style={{ width: 280 }} />
        </div>
        <div className="field">
          <label htmlFor="state">State</label>
          <select id="state" name="state" defaultValue={state ?? ""}>
            <option value="">Any</option>
            <option value="parked">Needs attention</option>
            <option value="open">In progress</option>
            <option value="done">Complete</option>
          </select>
        </div>
        <button type="submit" className="btn">
          Search
        </button>
      </form>
      <section className="panel" aria-label="Orders">
        {orders.length === 0 ? (
          <Empty title={sp.q ? `No order matches “${sp.q}”` : "No orders yet"}>Orders appear as soon as a channel sends one.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th>Order</th>
                  <th>Customer</th>
                  <th>State</th>
                  <th>Systems</th>
                  <th className="num">Events</th>
                  <th>Reconciliation</th>
                  <th>Last activity</th>
                </tr>
              </thead>
              <tbody>
                {orders.map((o) => (
                  <tr key={o.ref}>
                    <td>
                      <Link href={orderHref(o.ref)} className="mono title">
                        {o.ref}
                      </Link>
                    </td>
                    <td className="truncate" style={{ maxWidth: 220 }}>
                      {o.customer ?? <span className="faint">—</span>}
                    </td>
                    <td>
                      <StatusBadge status={STATE_LABEL[o.state].status} label={STATE_LABEL[o.state].label} />
                    </td>
                    <td className="muted">{o.sources.join(", ")}</td>
                    <td className="num">{count(o.events)}</td>
                    <td>{o.openReconDiffs ? <StatusBadge status="warning" label={`${o.openReconDiffs} open`} /> : <span className="faint">—</span>}</td>
                    <td>
                      <When at={o.lastAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
