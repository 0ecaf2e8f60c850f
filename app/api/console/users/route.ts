import { fail, ok, parseBody, requireRole } from "@/app/lib/guard";
import { addUser } from "@/app/lib/ops/users";
import { NewUserInput, UserExistsError } from "@/pipeline/auth/users";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

/** Creates a console user; the generated password is in this response only (admin). */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "admin");
  if (gate.response) return gate.response;
  const body = await parseBody(req, NewUserInput);
  if (body.response) return body.response;
  try {
    return ok(await addUser(await getRuntime(), gate.user, body.data));
  } catch (e) {
    if (e instanceof UserExistsError) return fail(409, "exists", e.message);
    throw e;
  }
}
