import { z } from "zod";
import { ok, parseBody, requireRole } from "@/app/lib/guard";
import { setGroupsStatus } from "@/app/lib/ops/failures";
import { FAILURE_STATUSES } from "@/pipeline/db/queries/console-failures";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

const Body = z.object({ keys: z.array(z.string().min(1)).min(1).max(500), status: z.enum(FAILURE_STATUSES), reason: z.string().max(500).optional() });

/** Acknowledge, ignore, resolve or reopen failure groups (operator). */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "operator");
  if (gate.response) return gate.response;
  const body = await parseBody(req, Body);
  if (body.response) return body.response;
  return ok(await setGroupsStatus(await getRuntime(), gate.user, body.data.keys, body.data.status, body.data.reason));
}
