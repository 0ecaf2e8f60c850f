import { fail, ok, requireRole } from "@/app/lib/guard";
import { removeMapping } from "@/app/lib/ops/connections";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

/** Deletes a key translation (operator). */
export async function DELETE(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await requireRole(req, "operator");
  if (gate.response) return gate.response;
  const id = Number((await params).id);
  if (!Number.isInteger(id)) return fail(400, "invalid", "mapping id must be a number");
  return (await removeMapping(await getRuntime(), gate.user, id)) ? ok() : fail(404, "not_found", "no such mapping");
}
