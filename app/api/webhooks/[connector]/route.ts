import { handleWebhook } from "@/pipeline/ingress";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Inbound webhooks: the raw body is read as text before anything parses it (signatures cover the bytes). */
export async function POST(req: Request, { params }: { params: Promise<{ connector: string }> }): Promise<Response> {
  const { connector } = await params;
  const rawBody = await req.text();
  const headers: Record<string, string> = {};
  req.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
  const query = Object.fromEntries(new URL(req.url).searchParams);
  let rt;
  try {
    rt = await getRuntime();
  } catch (e) {
    return Response.json({ error: "unavailable", reason: `backend unavailable: ${(e as Error).message}` }, { status: 503, headers: { "retry-after": "5" } });
  }
  const result = await handleWebhook(rt, connector, { headers, rawBody, query });
  return Response.json(result.body, { status: result.status, headers: result.status === 503 ? { "retry-after": "5" } : undefined });
}
