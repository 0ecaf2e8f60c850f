import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A scripted OpenAI-compatible endpoint (POST /v1/chat/completions) for tests: it replays the
 * replies it was given, in order, streamed (SSE, with tool-call arguments split across chunks the
 * way real servers send them) or as one JSON body, and records every request it received. The
 * agent's real openai SDK code path runs against it; nothing in the agent knows it is a test.
 */

/** A tool call the scripted model makes. `arguments` may be any string: malformed JSON is a test case. */
export interface ScriptedToolCall {
  name: string;
  arguments: string | Record<string, unknown>;
  id?: string;
}

export type ScriptedReply =
  | { content: string; toolCalls?: undefined; usage?: ScriptedUsage }
  | { toolCalls: ScriptedToolCall[]; content?: string; usage?: ScriptedUsage }
  /** The endpoint fails: an HTTP error with an OpenAI-style error body. */
  | { error: { status: number; message: string; type?: string } };

/** A reply computed from what the model "sees": lets a scripted model react to tool results. */
export type ScriptedStep = ScriptedReply | ((req: RecordedRequest) => ScriptedReply);

export interface ScriptedUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface RecordedMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  name?: string;
}

export interface RecordedRequest {
  headers: Record<string, string>;
  body: {
    model: string;
    messages: RecordedMessage[];
    tools?: { type: string; function: { name: string; description?: string; parameters?: unknown } }[];
    tool_choice?: unknown;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    max_tokens?: number;
    max_completion_tokens?: number;
    [k: string]: unknown;
  };
  /** The raw request body, byte for byte: what a secret-leak assertion should search. */
  raw: string;
}

export interface ScriptedLlmServer {
  /** The base URL to give the SDK (ends in /v1). */
  baseURL: string;
  readonly requests: RecordedRequest[];
  /** Appends replies; each request consumes the next one. */
  enqueue(...steps: ScriptedStep[]): void;
  /** Replies not consumed yet (a test can assert the script ran to its end). */
  remaining(): number;
  close(): Promise<void>;
}

export interface ScriptedLlmServerOptions {
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
  /** Characters per content chunk when streaming (default 7: many small deltas). */
  chunkSize?: number;
  /** Pieces each tool call's arguments are split into when streaming (default 3). */
  argumentPieces?: number;
}

export async function startScriptedLlmServer(opts: ScriptedLlmServerOptions = {}): Promise<ScriptedLlmServer> {
  const script: ScriptedStep[] = [];
  const requests: RecordedRequest[] = [];
  let seq = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString("utf8"));
      } catch (e) {
        sendError(res, 500, `scripted server bug: ${(e as Error).message}`);
      }
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? "/", "http://llm");
    if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") return sendError(res, 404, `no route ${req.method} ${url.pathname}`, "not_found");
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) return sendError(res, 401, "Incorrect API key provided", "invalid_request_error");
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v ?? ""]));
    const recorded: RecordedRequest = { headers, body: JSON.parse(raw), raw };
    requests.push(recorded);
    const step = script.shift();
    if (!step) return sendError(res, 500, "the scripted model has no reply left for this request");
    const reply = typeof step === "function" ? step(recorded) : step;
    if ("error" in reply) return sendError(res, reply.error.status, reply.error.message, reply.error.type);
    const id = `chatcmpl-scripted-${++seq}`;
    const toolCalls = (reply.toolCalls ?? []).map((t, i) => ({
      id: t.id ?? `call_${seq}_${i}`,
      type: "function" as const,
      function: { name: t.name, arguments: typeof t.arguments === "string" ? t.arguments : JSON.stringify(t.arguments) },
    }));
    const usage = reply.usage ?? { promptTokens: Math.ceil(raw.length / 4), completionTokens: Math.ceil(((reply.content ?? "").length + JSON.stringify(toolCalls).length) / 4) };
    const usageBody = { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens };
    const finish = toolCalls.length ? "tool_calls" : "stop";
    const model = recorded.body.model;
    const created = Math.floor(Date.now() / 1000);

    if (!recorded.body.stream) {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          id, object: "chat.completion", created, model,
          choices: [{ index: 0, finish_reason: finish, logprobs: null, message: { role: "assistant", content: reply.content ?? null, refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) } }],
          usage: usageBody,
        }),
      );
      return;
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const send = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] })}\n\n`);
    send({ role: "assistant", content: "" });
    const size = opts.chunkSize ?? 7;
    const content = reply.content ?? "";
    for (let i = 0; i < content.length; i += size) send({ content: content.slice(i, i + size) });
    toolCalls.forEach((tc, index) => {
      // First chunk names the call; the arguments follow in pieces, as OpenAI, vLLM and llama.cpp stream them.
      send({ tool_calls: [{ index, id: tc.id, type: "function", function: { name: tc.function.name, arguments: "" } }] });
      for (const piece of split(tc.function.arguments, opts.argumentPieces ?? 3)) send({ tool_calls: [{ index, function: { arguments: piece } }] });
    });
    send({}, finish);
    if (recorded.body.stream_options?.include_usage) {
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage: usageBody })}\n\n`);
    }
    res.end("data: [DONE]\n\n");
  }

  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...steps) => void script.push(...steps),
    remaining: () => script.length,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function sendError(res: ServerResponse, status: number, message: string, type = "server_error"): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message, type, param: null, code: null } }));
}

function split(s: string, pieces: number): string[] {
  if (s.length === 0) return [];
  const size = Math.max(1, Math.ceil(s.length / pieces));
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

/** The text of the last message with this role (tool results are what a scripted model reacts to). */
export function lastMessage(req: RecordedRequest, role: string): string {
  const m = [...req.body.messages].reverse().find((x) => x.role === role);
  return typeof m?.content === "string" ? m.content : JSON.stringify(m?.content ?? "");
}

/** Every tool result the request carried, in order. */
export function toolResults(req: RecordedRequest): string[] {
  return req.body.messages.filter((m) => m.role === "tool").map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)));
}

/** The data inside the i-th tool result's <data> fence, parsed as JSON (or the raw text when it is an error message). */
export function toolResultData(req: RecordedRequest, i = -1): any {
  const all = toolResults(req);
  const content = all[i < 0 ? all.length + i : i] ?? "";
  const m = /<data>\n([\s\S]*)\n<\/data>/.exec(content);
  const inner = m ? m[1]! : content;
  try {
    return JSON.parse(inner);
  } catch {
    return inner;
  }
}
