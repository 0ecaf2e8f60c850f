import { z } from "zod";
import { fail, ok, parseBody, requireRole } from "@/app/lib/guard";
import { changeRole, LastAdminError } from "@/app/lib/ops/users";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

const Body = z.object({ role: z.enum(["viewer", "operator", "approver", "admin"]) });

/** Changes a user's role and ends their sessions (admin). */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await requireRole(req, "admin");
  if (gate.response) return gate.response;
  const body = await parseBody(req, Body);
  if (body.response) return body.response;
  try {
    return (await changeRole(await getRuntime(), gate.user, (await params).id, body.data.role)) ? ok() : fail(404, "not_found", "no such user");
  } catch (e) {
    if (e instanceof LastAdminError) return fail(409, "last_admin", e.message);
    throw e;
  }
}
