import { z } from "zod";
import { loadConversationView, streamChatTurn } from "@/agent/chat";
import { fail, ok, parseBody, requireRole } from "@/app/lib/guard";
import { getRuntime } from "@/pipeline/runtime";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const ConversationId = z.string().min(6).max(80).regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only");

const ChatRequest = z.object({
  conversationId: ConversationId.optional(),
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

/**
 * A stored conversation of the signed-in user (`?conversationId=cnv_…`), so the chat page can show
 * it again after a reload: each question with its answer, steps and cards, and where each proposed
 * remediation stands now.
 */
export async function GET(req: Request): Promise<Response> {
  const gate = await requireRole(req, "viewer");
  if (gate.response) return gate.response;
  const id = ConversationId.safeParse(new URL(req.url).searchParams.get("conversationId"));
  if (!id.success) return fail(400, "invalid", `conversationId: ${id.error.issues[0]?.message}`);
  const r = await loadConversationView(await getRuntime(), { conversationId: id.data, userId: gate.user.id });
  if (!r.ok) return r.code === "forbidden" ? fail(403, "forbidden", "this conversation belongs to another user") : fail(404, "not_found", `no conversation ${id.data}`);
  return ok(r.view);
}
