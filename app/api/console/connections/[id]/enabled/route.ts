import { z } from "zod";
import { fail, ok, parseBody, requireRole } from "@/app/lib/guard";
import { toggleConnection } from "@/app/lib/ops/connections";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

const Body = z.object({ enabled: z.boolean() });

/** Turns a connection on or off (admin). */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await requireRole(req, "admin");
  if (gate.response) return gate.response;
  const body = await parseBody(req, Body);
  if (body.response) return body.response;
  return (await toggleConnection(await getRuntime(), gate.user, (await params).id, body.data.enabled)) ? ok() : fail(404, "not_found", "no such connection");
}
