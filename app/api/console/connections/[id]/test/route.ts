import { ok, requireRole } from "@/app/lib/guard";
import { testConnection } from "@/app/lib/ops/connections";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

/** Runs the connector's connection test through the live client (operator). */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await requireRole(req, "operator");
  if (gate.response) return gate.response;
  return ok(await testConnection(await getRuntime(), (await params).id));
}
