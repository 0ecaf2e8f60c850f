import { ok, parseBody, requireRole } from "@/app/lib/guard";
import { RoutingRule, saveRule } from "@/app/lib/ops/connections";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

/** Creates or replaces a routing rule, validated by the pipeline's RoutingRule schema (admin). */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "admin");
  if (gate.response) return gate.response;
  const body = await parseBody(req, RoutingRule);
  if (body.response) return body.response;
  await saveRule(await getRuntime(), gate.user, body.data);
  return ok({ id: body.data.id });
}
