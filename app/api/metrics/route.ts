import { registry } from "@/pipeline/metrics";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";

/** Prometheus text format. */
export async function GET(): Promise<Response> {
  const rt = await getRuntime().catch(() => undefined);
  await rt?.engine.refreshQueueMetrics().catch(() => {});
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } });
}
