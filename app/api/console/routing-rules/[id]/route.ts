import { fail, ok, requireRole } from "@/app/lib/guard";
import { removeRule } from "@/app/lib/ops/connections";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

/** Deletes a routing rule (admin). */
export async function DELETE(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await requireRole(req, "admin");
  if (gate.response) return gate.response;
  return (await removeRule(await getRuntime(), gate.user, (await params).id)) ? ok() : fail(404, "not_found", "no such rule");
}
