import { ok, parseBody, requireRole } from "@/app/lib/guard";
import { MappingInput, saveMapping } from "@/app/lib/ops/connections";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

/** Adds or changes a key translation, e.g. SKU → ERP item (operator). */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "operator");
  if (gate.response) return gate.response;
  const body = await parseBody(req, MappingInput);
  if (body.response) return body.response;
  await saveMapping(await getRuntime(), gate.user, body.data);
  return ok();
}
