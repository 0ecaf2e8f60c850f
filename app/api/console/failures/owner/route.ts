import { z } from "zod";
import { fail, ok, parseBody, requireRole } from "@/app/lib/guard";
import { setGroupOwner } from "@/app/lib/ops/failures";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

const Body = z.object({ key: z.string().min(1), owner: z.string().trim().max(200).nullable() });

/** Assigns who works a failure group (operator). */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "operator");
  if (gate.response) return gate.response;
  const body = await parseBody(req, Body);
  if (body.response) return body.response;
  const done = await setGroupOwner(await getRuntime(), gate.user, body.data.key, body.data.owner || null);
  return done ? ok() : fail(404, "not_found", "no such failure group");
}
