import { z } from "zod";
import { ok, parseBody, requireRole } from "@/app/lib/guard";
import { replayGroups } from "@/app/lib/ops/failures";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

const Body = z.object({ keys: z.array(z.string().min(1)).min(1).max(500) });

/** Retries the groups' stopped deliveries now (operator). */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "operator");
  if (gate.response) return gate.response;
  const body = await parseBody(req, Body);
  if (body.response) return body.response;
  return ok(await replayGroups(await getRuntime(), gate.user, body.data.keys));
}
