import { ok, parseBody, requireRole } from "@/app/lib/guard";
import { checkRule, RoutingRule } from "@/app/lib/ops/connections";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

/** How a draft rule would have routed recent events; routes nothing (operator). */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "operator");
  if (gate.response) return gate.response;
  const body = await parseBody(req, RoutingRule);
  if (body.response) return body.response;
  return ok(await checkRule(await getRuntime(), body.data));
}
