import { ok, requireRole } from "@/app/lib/guard";
import { resumeConnection } from "@/app/lib/ops/connections";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

/** Lets deliveries to a connection stopped for rejected credentials run again (admin). */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await requireRole(req, "admin");
  if (gate.response) return gate.response;
  await resumeConnection(await getRuntime(), gate.user, (await params).id);
  return ok();
}
