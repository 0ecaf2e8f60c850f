import Link from "next/link";
import { notFound } from "next/navigation";
import { Badge, PageHead, Panel, StatusBadge, When } from "@/app/components/ui";
import { credentialFields } from "@/app/lib/ops/connections";
import { decodeParam } from "@/app/lib/params";
import { can, requireUser } from "@/app/lib/session";
import { CONNECTORS } from "@/connectors/registry";
import { getConnection, listMappings, mappingKinds } from "@/pipeline/db/queries/console-connections";
import { getRuntime } from "@/pipeline/runtime";
import { MappingsEditor } from "../../mappings/mappings-editor";
import { ConnectionEditor } from "../connection-editor";
import { ResumeButton, TestConnectionButton } from "../connection-actions";

export const metadata = { title: "Connection" };

export default async function ConnectionPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const id = decodeParam((await params).id);
  const rt = await getRuntime();
  const conn = await getConnection(rt.store, id);
  if (!conn) notFound();
  const def = CONNECTORS[conn.connectorType];
  const live = rt.directory.instance(id);
  const mappings = await listMappings(rt.store, { connector: id });
  const kinds = await mappingKinds(rt.store);
  const stopped = conn.authState === "failed" || rt.engine.isStopped(id);
  return (
    <>
      <div className="faint" style={{ marginBottom: 6 }}>
        <Link href="/connections">Connections</Link> / <span className="mono">{id}</span>
      </div>
      <PageHead
        title={conn.displayName}
        description={`${def?.displayName ?? conn.connectorType} · ${conn.baseUrl ?? def?.defaultBaseUrl ?? ""}`}
        actions={
          <>
            {conn.enabled ? <Badge tone="ok">enabled</Badge> : <Badge>disabled</Badge>}
            {stopped ? <StatusBadge status="failed" label="stopped: credentials rejected" /> : conn.authState === "ok" ? <StatusBadge status="ok" label="credentials working" /> : <StatusBadge status="unknown" label="not tested yet" />}
          </>
        }
      />
      {stopped ? (
        <p className="notice bad" style={{ marginBottom: 14 }}>
          {`Deliveries to ${id} are stopped: ${conn.authError ?? "its credentials were rejected"}. Fix the credentials below, test them, then resume.`}
          {can(user, "admin") ? (
            <span style={{ marginLeft: 10 }}>
              <ResumeButton id={id} />
            </span>
          ) : null}
        </p>
      ) : null}
      {!def ? <p className="notice warn">{`The connector type ${conn.connectorType} is not installed in this build.`}</p> : null}
      <div className="split">
        <div className="stack">
          {def && can(user, "admin") ? (
            <Panel title="Settings and credentials">
              <ConnectionEditor
                isNew={false}
                connectorType={conn.connectorType}
                connectorName={def.displayName}
                defaultBaseUrl={def.defaultBaseUrl}
                initial={{
                  id: conn.id,
                  displayName: conn.displayName,
                  baseUrl: conn.baseUrl && conn.baseUrl !== def.defaultBaseUrl ? conn.baseUrl : "",
                  owner: conn.owner ?? "",
                  enabled: conn.enabled,
                  settings: Object.keys(conn.settings ?? {}).length ? JSON.stringify(conn.settings, null, 2) : "",
                }}
                fields={credentialFields(def, live?.credentials)}
              />
            </Panel>
          ) : (
            <Panel title="Settings">
              <dl className="props">
                <dt>Id</dt>
                <dd className="mono">{conn.id}</dd>
                <dt>Owner</dt>
                <dd>{conn.owner ?? "—"}</dd>
                <dt>Credentials</dt>
                <dd>{conn.hasCredentials ? "stored (encrypted)" : "none"}</dd>
                <dt>Updated</dt>
                <dd>
                  <When at={conn.updatedAt} />
                </dd>
              </dl>
              <p className="faint" style={{ marginTop: 10 }}>
                Editing a connection needs the admin role.
              </p>
            </Panel>
          )}
          <Panel title="Mappings" hint="key translations this connection uses (SKU → item, location → node)" bodyless>
            <MappingsEditor rows={mappings} fixedConnector={id} connectorType={conn.connectorType} connectors={[id]} kinds={kinds} canEdit={can(user, "operator")} />
          </Panel>
        </div>
        <div className="stack">
          <Panel title="Connection test">
            <p className="muted">{"Makes the connector's cheap authenticated read with the stored credentials."}</p>
            {can(user, "operator") ? <TestConnectionButton id={id} /> : <span className="faint">Testing needs the operator role.</span>}
          </Panel>
          {def ? (
            <Panel title="What it does">
              <dl className="props">
                <dt>Sends</dt>
                <dd>{def.capabilities.source.join(", ") || "—"}</dd>
                <dt>Receives</dt>
                <dd className="mono">{def.capabilities.destination.join(", ") || "—"}</dd>
                <dt>Reads for recon</dt>
                <dd>{def.capabilities.readers.join(", ") || "—"}</dd>
                <dt>Rate policy</dt>
                <dd>{`${def.ratePolicy.perSecond}/s, ${def.ratePolicy.concurrency} at once`}</dd>
                <dt>Webhooks</dt>
                <dd>{def.webhooks ? <span className="mono">{`/api/webhooks/${id}`}</span> : "none"}</dd>
              </dl>
              <p style={{ marginTop: 10 }}>
                <Link href={`/health#${encodeURIComponent(id)}`}>Health of this connection →</Link>
              </p>
            </Panel>
          ) : null}
        </div>
      </div>
    </>
  );
}
