import { fail, ok, parseBody, requireRole } from "@/app/lib/guard";
import { ConnectionForm, ConnectionInputError, saveConnection } from "@/app/lib/ops/connections";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

/** Creates or updates a connection with its credentials (admin). */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "admin");
  if (gate.response) return gate.response;
  const body = await parseBody(req, ConnectionForm);
  if (body.response) return body.response;
  try {
    await saveConnection(await getRuntime(), gate.user, body.data);
  } catch (e) {
    if (e instanceof ConnectionInputError) return fail(400, "invalid", e.message);
    throw e;
  }
  return ok({ id: body.data.id });
}
