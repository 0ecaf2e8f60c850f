import { PageHead } from "@/app/components/ui";
import { can, requireUser } from "@/app/lib/session";
import { listRoutingRules } from "@/pipeline/db/queries/console-connections";
import { EVENT_TYPES } from "@/pipeline/model";
import { getRuntime } from "@/pipeline/runtime";
import { RoutingEditor, type RuleView } from "./routing-editor";

export const metadata = { title: "Routing rules" };

export default async function RoutingPage() {
  const user = await requireUser();
  const rt = await getRuntime();
  const rules = await listRoutingRules(rt.store);
  const connectors = rt.directory.listInstances().map((i) => ({ id: i.id, name: i.definition.displayName, actions: Object.keys(i.definition.destinations ?? {}) }));
  return (
    <>
      <PageHead
        title="Routing rules"
        description="Which systems receive which events. Rules run in priority order (lowest first); every matching rule adds its destinations unless an earlier one says stop."
      />
      <RoutingEditor rules={rules as RuleView[]} connectors={connectors} eventTypes={[...EVENT_TYPES]} canEdit={can(user, "admin")} canCheck={can(user, "operator")} />
    </>
  );
}
