import Link from "next/link";
import { PageHead, Panel } from "@/app/components/ui";
import { credentialFields } from "@/app/lib/ops/connections";
import { can, requireUser } from "@/app/lib/session";
import { CONNECTORS } from "@/connectors/registry";
import { ConnectionEditor } from "../connection-editor";

export const metadata = { title: "Add connection" };

export default async function NewConnectionPage({ searchParams }: { searchParams: Promise<{ type?: string }> }) {
  const user = await requireUser();
  const { type } = await searchParams;
  if (!can(user, "admin")) {
    return (
      <>
        <PageHead title="Add connection" />
        <p className="notice info">Adding connections needs the admin role.</p>
      </>
    );
  }
  const def = type ? CONNECTORS[type] : undefined;
  if (!def) {
    return (
      <>
        <div className="faint" style={{ marginBottom: 6 }}>
          <Link href="/connections">Connections</Link> / new
        </div>
        <PageHead title="Add connection" description="Which system?" />
        <div className="grid grid-3">
          {Object.values(CONNECTORS).map((d) => (
            <Link key={d.id} href={`/connections/new?type=${encodeURIComponent(d.id)}`} className="panel" style={{ color: "inherit", textDecoration: "none" }}>
              <div className="panel-body">
                <h2>{d.displayName}</h2>
                <p className="faint" style={{ margin: "4px 0 0", fontSize: 12 }}>
                  {[d.capabilities.source.length ? `sends ${d.capabilities.source.join(", ")}` : null, d.capabilities.destination.length ? `receives ${d.capabilities.destination.join(", ")}` : null].filter(Boolean).join(" · ")}
                </p>
              </div>
            </Link>
          ))}
        </div>
      </>
    );
  }
  return (
    <>
      <div className="faint" style={{ marginBottom: 6 }}>
        <Link href="/connections">Connections</Link> / new
      </div>
      <PageHead title={`Add ${def.displayName}`} description="The form comes from the connector's own credentials schema. Secrets are encrypted when saved and never shown again." />
      <Panel title="Connection">
        <ConnectionEditor
          isNew
          connectorType={def.id}
          connectorName={def.displayName}
          defaultBaseUrl={def.defaultBaseUrl}
          initial={{ id: "", displayName: def.displayName, baseUrl: "", owner: "", enabled: true, settings: "" }}
          fields={credentialFields(def)}
        />
      </Panel>
    </>
  );
}
