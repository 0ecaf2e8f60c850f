import { z } from "zod";
import { ok, parseBody, requireRole } from "@/app/lib/guard";
import { previewReplay } from "@/app/lib/ops/failures";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

const Body = z.object({ keys: z.array(z.string().min(1)).min(1).max(500) });

/** What replaying these groups would do; changes nothing (operator, as it precedes a replay). */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "operator");
  if (gate.response) return gate.response;
  const body = await parseBody(req, Body);
  if (body.response) return body.response;
  return ok(await previewReplay(await getRuntime(), gate.user, body.data.keys));
}
