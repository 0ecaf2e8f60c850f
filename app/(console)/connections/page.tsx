import Link from "next/link";
import { Badge, Empty, PageHead, StatusBadge, When } from "@/app/components/ui";
import { can, requireUser } from "@/app/lib/session";
import { CONNECTORS } from "@/connectors/registry";
import { listConnections } from "@/pipeline/db/queries/console-connections";
import { getRuntime } from "@/pipeline/runtime";

export const metadata = { title: "Connections" };

export default async function ConnectionsPage() {
  const user = await requireUser();
  const rt = await getRuntime();
  const connections = await listConnections(rt.store);
  const isAdmin = can(user, "admin");
  return (
    <>
      <PageHead
        title="Connections"
        description="The systems Loopkeeper talks to. Credentials are encrypted at rest and never shown again once saved."
        actions={
          isAdmin ? (
            <Link href="/connections/new" className="btn primary">
              Add connection
            </Link>
          ) : null
        }
      />
      <section className="panel" aria-label="Connections">
        {connections.length === 0 ? (
          <Empty title="No connections yet">{isAdmin ? "Add the first one: a channel, your ERP, your 3PL or your books." : "An admin adds connections."}</Empty>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th>Connection</th>
                <th>System</th>
                <th>Credentials</th>
                <th>Owner</th>
                <th>State</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {connections.map((c) => {
                const def = CONNECTORS[c.connectorType];
                return (
                  <tr key={c.id}>
                    <td>
                      <Link href={`/connections/${encodeURIComponent(c.id)}`} className="title">
                        {c.displayName}
                      </Link>
                      <div className="sub mono">{c.id}</div>
                    </td>
                    <td>
                      {def?.displayName ?? c.connectorType}
                      <div className="sub mono truncate" style={{ maxWidth: 260 }}>
                        {c.baseUrl ?? def?.defaultBaseUrl}
                      </div>
                    </td>
                    <td>
                      {c.authState === "failed" ? (
                        <StatusBadge status="failed" label="rejected" />
                      ) : c.authState === "ok" ? (
                        <StatusBadge status="ok" label="working" />
                      ) : (
                        <StatusBadge status="unknown" label={c.hasCredentials ? "not tested" : "missing"} />
                      )}
                      {c.authError ? <div className="sub truncate" style={{ maxWidth: 240 }}>{c.authError}</div> : null}
                    </td>
                    <td>{c.owner ?? <span className="faint">—</span>}</td>
                    <td>{c.enabled ? <Badge tone="ok">enabled</Badge> : <Badge>disabled</Badge>}</td>
                    <td>
                      <When at={c.updatedAt} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <p className="faint" style={{ marginTop: 10 }}>
        {`Available systems: ${Object.values(CONNECTORS).map((d) => d.displayName).join(", ")}.`}
      </p>
    </>
  );
}
