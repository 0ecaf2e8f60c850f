import { changeHub } from "@/app/lib/change-hub";
import { requireRole } from "@/app/lib/guard";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** A stream is closed after this long; EventSource reconnects, which re-checks the session. */
const MAX_STREAM_MS = 5 * 60_000;

/**
 * Server-sent change notices for the console: `event: change` with the topics that changed
 * (events, activity, failures, approvals, audit, recon, connections). Pages refresh themselves
 * on the topics they show; the data itself always comes from a normal page render.
 */
export async function GET(req: Request): Promise<Response> {
  const gate = await requireRole(req, "viewer");
  if (gate.response) return gate.response;
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const send = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      const unsubscribe = changeHub().subscribe((topics) => send(`event: change\ndata: ${JSON.stringify({ topics })}\n\n`));
      const heartbeat = setInterval(() => send(": keep-alive\n\n"), 15_000);
      const expiry = setTimeout(() => cleanup(), MAX_STREAM_MS);
      cleanup = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(expiry);
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      req.signal.addEventListener("abort", () => cleanup());
      send("retry: 2000\nevent: ready\ndata: {}\n\n");
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-store, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}
