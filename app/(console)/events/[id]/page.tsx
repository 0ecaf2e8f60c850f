import Link from "next/link";
import { notFound } from "next/navigation";
import { AttemptList } from "@/app/components/attempts";
import { Json, PageHead, Panel, StatusBadge, When } from "@/app/components/ui";
import { eventHref, orderHref, stamp } from "@/app/lib/format";
import { decodeParam } from "@/app/lib/params";
import { requireUser } from "@/app/lib/session";
import { attemptsOfEvents, deliveriesOfEvents, getEventRow, getRawPayloadInfo } from "@/pipeline/db/queries/event-read-queries";
import { redactValue } from "@/pipeline/redact";
import { getRuntime } from "@/pipeline/runtime";

export const metadata = { title: "Event" };

export default async function EventPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser();
  const id = decodeParam((await params).id);
  const rt = await getRuntime();
  const event = await getEventRow(rt.store, id);
  if (!event) notFound();
  const deliveries = await deliveriesOfEvents(rt.store, [id]);
  const attempts = await attemptsOfEvents(rt.store, [id]);
  const raw = event.rawPayloadId ? await getRawPayloadInfo(rt.store, event.rawPayloadId) : undefined;
  const ref = event.orderNumber ?? event.poNumber;
  const stageLog = attempts.filter((a) => !a.deliveryId);
  return (
    <>
      <div className="faint" style={{ marginBottom: 6 }}>
        <Link href="/events">Events</Link> / <span className="mono">{event.id}</span>
      </div>
      <PageHead title={event.type} description={`from ${event.sourceConnector}`} actions={<StatusBadge status={event.status} />} />
      <div className="split">
        <div className="stack">
          <Panel title="Deliveries" hint="one per destination, with every attempt" bodyless>
            {deliveries.length === 0 ? (
              <div className="empty">No destination: no routing rule matched this event.</div>
            ) : (
              deliveries.map((d) => (
                <section key={d.id} className="panel-body" style={{ borderBottom: "1px solid var(--border)" }} aria-label={`${d.destination} ${d.action}`}>
                  <div className="row" style={{ marginBottom: 6 }}>
                    <b>{`→ ${d.destination}`}</b>
                    <span className="mono faint">{d.action}</span>
                    <StatusBadge status={d.status} />
                    {d.externalId ? <span className="mono">{`id ${d.externalId}`}</span> : null}
                    <span className="faint mono" title="sent to the destination's own idempotency mechanism">{`key ${d.idempotencyKey}`}</span>
                  </div>
                  {d.status === "parked" && d.parkedReason ? <p className="notice bad">{`Stopped: ${d.parkedReason}`}</p> : null}
                  <AttemptList attempts={attempts.filter((a) => a.deliveryId === d.id)} />
                </section>
              ))
            )}
          </Panel>
          <Panel title="Canonical payload" hint="secrets redacted">
            <Json value={redactValue(event.payload)} />
          </Panel>
        </div>
        <div className="stack">
          <Panel title="Envelope">
            <dl className="props">
              <dt>Event id</dt>
              <dd className="mono">{event.id}</dd>
              <dt>Source event</dt>
              <dd className="mono">{event.sourceEventId}</dd>
              <dt>Order</dt>
              <dd>{ref ? <Link href={orderHref(ref)}>{ref}</Link> : "—"}</dd>
              <dt>SKUs</dt>
              <dd className="mono">{event.skus.join(", ") || "—"}</dd>
              <dt>Customer</dt>
              <dd>{event.customer ?? "—"}</dd>
              <dt>Occurred</dt>
              <dd title={stamp(event.occurredAt)}>
                <When at={event.occurredAt} />
              </dd>
              <dt>Received</dt>
              <dd title={stamp(event.receivedAt)}>
                <When at={event.receivedAt} />
              </dd>
              <dt>Correlation</dt>
              <dd className="mono">{event.correlationId}</dd>
              <dt>Caused by</dt>
              <dd>{event.causationId ? <Link href={eventHref(event.causationId)} className="mono">{event.causationId}</Link> : "—"}</dd>
              <dt>Schema version</dt>
              <dd>{event.schemaVersion}</dd>
              <dt>Raw payload</dt>
              <dd>{raw ? `${raw.contentType ?? "unknown type"}, ${raw.bytes} bytes, kept for replay` : "—"}</dd>
            </dl>
          </Panel>
          {stageLog.length ? (
            <Panel title="Capture and routing">
              <AttemptList attempts={stageLog} />
            </Panel>
          ) : null}
        </div>
      </div>
    </>
  );
}
