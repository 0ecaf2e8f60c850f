import { PageHead } from "@/app/components/ui";
import { can, requireUser } from "@/app/lib/session";
import { listConnections, listMappings, mappingKinds } from "@/pipeline/db/queries/console-connections";
import { getRuntime } from "@/pipeline/runtime";
import { MappingsEditor } from "./mappings-editor";

export const metadata = { title: "Mappings" };

export default async function MappingsPage({ searchParams }: { searchParams: Promise<{ connector?: string; kind?: string; q?: string }> }) {
  const user = await requireUser();
  const sp = await searchParams;
  const rt = await getRuntime();
  const connections = await listConnections(rt.store);
  const rows = await listMappings(rt.store, { connector: sp.connector || undefined, kind: sp.kind || undefined, q: sp.q?.trim() || undefined });
  const kinds = await mappingKinds(rt.store);
  return (
    <>
      <PageHead title="Mappings" description="How our keys translate into each system's: SKU ↔ ERP item, location ↔ fulfilment node. A fix here applies to new deliveries within seconds." />
      <form className="filters" method="get" role="search">
        <div className="field">
          <label htmlFor="m-q">Key</label>
          <input id="m-q" name="q" type="search" defaultValue={sp.q ?? ""} placeholder="SKU, item, location…" />
        </div>
        <div className="field">
          <label htmlFor="m-conn">Connection</label>
          <select id="m-conn" name="connector" defaultValue={sp.connector ?? ""}>
            <option value="">Any</option>
            {connections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.id}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="m-kind">Kind</label>
          <select id="m-kind" name="kind" defaultValue={sp.kind ?? ""}>
            <option value="">Any</option>
            {kinds.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn">
          Filter
        </button>
      </form>
      <section className="panel" aria-label="Mappings">
        <MappingsEditor rows={rows} connectors={connections.map((c) => c.id)} kinds={kinds} canEdit={can(user, "operator")} />
      </section>
    </>
  );
}
