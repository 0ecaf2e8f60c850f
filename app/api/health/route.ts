import { getRuntime } from "@/pipeline/runtime";
import { config } from "@/pipeline/config";

export const dynamic = "force-dynamic";

/** Which database and queue backend are in use, and whether each is reachable. */
export async function GET(): Promise<Response> {
  try {
    const health = await (await getRuntime()).health();
    return Response.json(health, { status: health.ok ? 200 : 503 });
  } catch (e) {
    const c = config();
    return Response.json(
      { ok: false, database: { kind: c.database.kind, ok: false, error: (e as Error).message }, queue: { kind: c.queue.kind, ok: false, error: "not started" } },
      { status: 503 },
    );
  }
}
