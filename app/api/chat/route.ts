import { z } from "zod";
import { streamChatTurn } from "@/agent/chat";
import { parseBody, requireRole } from "@/app/lib/guard";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const ChatRequest = z.object({
  conversationId: z.string().min(6).max(80).regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only").optional(),
  message: z.string().trim().min(1, "ask something").max(8_000, "at most 8000 characters"),
});

/**
 * One agent turn as server-sent events (format: agent/chat/README.md). Any signed-in user may
 * ask; what the agent may do follows their role (viewers' agents only read), and nothing the agent
 * does approves or applies a remediation.
 */
export async function POST(req: Request): Promise<Response> {
  const gate = await requireRole(req, "viewer");
  if (gate.response) return gate.response;
  const body = await parseBody(req, ChatRequest);
  if (body.response) return body.response;
  let rt;
  try {
    rt = await getRuntime();
  } catch (e) {
    return Response.json({ error: "unavailable", reason: `backend unavailable: ${(e as Error).message}` }, { status: 503, headers: { "retry-after": "5" } });
  }
  const stream = streamChatTurn({ rt, user: { id: gate.user.id, email: gate.user.email, role: gate.user.role }, signal: req.signal }, body.data);
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-store, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}
