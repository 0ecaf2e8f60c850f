import { startSandbox, route, type SandboxServer } from "../../sdk/sandbox-kit";

export interface ReceivedEvent {
  id: string;
  key: string;
  eventId: string;
  type: string;
  receivedAt: string;
  deliveries: number;
}

export interface HttpSinkSandbox extends SandboxServer {
  received: Map<string, ReceivedEvent>;
  /** Every POST, including idempotent replays. */
  posts: number;
}

/**
 * A receiving service that honours Idempotency-Key the way good APIs do: a repeated key returns
 * the first answer and writes nothing. Its record count is the ground truth for "no duplicates".
 */
export async function startHttpSinkSandbox(opts: { port?: number; latencyMs?: number } = {}): Promise<HttpSinkSandbox> {
  const received = new Map<string, ReceivedEvent>();
  const state = { posts: 0 };
  const server = await startSandbox({
    name: "http-sink",
    port: opts.port,
    state: () => ({ count: received.size, posts: state.posts, events: [...received.values()].slice(-100) }),
    reset: () => received.clear(),
    faultResponses: {
      rateLimited: (s) => ({ status: 429, headers: { "retry-after": String(s) }, body: { error: "rate_limited" } }),
      serverError: (status) => ({ status, body: { error: "unavailable" } }),
      expiredToken: () => ({ status: 401, body: { error: "invalid token" } }),
    },
    routes: [
      route("GET", "/", () => ({ status: 200, body: { ok: true } })),
      route("POST", "/events", async (req) => {
        state.posts++;
        if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
        const key = req.headers["idempotency-key"];
        if (!key) return { status: 400, body: { error: "Idempotency-Key header required" } };
        const existing = received.get(key);
        if (existing) {
          existing.deliveries++;
          return { status: 200, headers: { "idempotent-replayed": "true" }, body: { id: existing.id } };
        }
        const rec: ReceivedEvent = { id: `rcv_${received.size + 1}`, key, eventId: req.body?.id, type: req.body?.type, receivedAt: new Date().toISOString(), deliveries: 1 };
        received.set(key, rec);
        return { status: 201, body: { id: rec.id } };
      }),
      route("GET", "/events/by-key/:key", (req) => {
        const rec = received.get(req.params.key!);
        return rec ? { status: 200, body: { id: rec.id } } : { status: 404, body: { error: "not found" } };
      }),
    ],
  });
  return Object.assign(server, { received, get posts() { return state.posts; } });
}
