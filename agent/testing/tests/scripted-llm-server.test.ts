import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { startScriptedLlmServer, type ScriptedLlmServer } from "../scripted-llm-server";

/** The scripted endpoint speaks chat completions the way the openai SDK expects, streamed and not. */
describe("scripted OpenAI-compatible server", () => {
  let server: ScriptedLlmServer;
  let client: OpenAI;

  beforeAll(async () => {
    server = await startScriptedLlmServer({ apiKey: "sk-test-scripted" });
    client = new OpenAI({ apiKey: "sk-test-scripted", baseURL: server.baseURL, maxRetries: 0 });
  });
  afterAll(() => server.close());

  it("answers a non-streamed request with tool calls and records it", async () => {
    server.enqueue({ toolCalls: [{ name: "search_events", arguments: { orderNumber: "#1042" } }] });
    const r = await client.chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "hi" }], tools: [{ type: "function", function: { name: "search_events", parameters: { type: "object" } } }] });
    const tc = r.choices[0]!.message.tool_calls![0]!;
    expect(r.choices[0]!.finish_reason).toBe("tool_calls");
    // G7: the union narrows on type before .function is usable.
    expect(tc.type === "function" && JSON.parse(tc.function.arguments)).toEqual({ orderNumber: "#1042" });
    const req = server.requests.at(-1)!;
    expect(req.headers.authorization).toBe("Bearer sk-test-scripted");
    expect(req.body.messages[0]).toEqual({ role: "user", content: "hi" });
    expect(req.body.stream).toBeFalsy();
  });

  it("streams text and tool calls with arguments split across chunks, then [DONE]", async () => {
    const args = JSON.stringify({ eventId: "evt_0123456789abcdef", note: "a long enough argument string" });
    server.enqueue({ content: "Looking that up.", toolCalls: [{ name: "get_event", arguments: args }, { name: "list_failures", arguments: "{}" }] });
    const stream = await client.chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "go" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    const pieces = new Map<number, string[]>();
    let finish: string | null = null;
    let usage: number | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage.total_tokens;
      const c = chunk.choices[0];
      if (!c) continue;
      text += c.delta.content ?? "";
      for (const t of c.delta.tool_calls ?? []) pieces.set(t.index, [...(pieces.get(t.index) ?? []), t.function?.arguments ?? ""]);
      finish = c.finish_reason ?? finish;
    }
    expect(text).toBe("Looking that up.");
    expect(finish).toBe("tool_calls");
    expect(pieces.get(0)!.filter(Boolean).length).toBeGreaterThanOrEqual(3);
    expect(pieces.get(0)!.join("")).toBe(args);
    expect(pieces.get(1)!.join("")).toBe("{}");
    expect(usage).toBeGreaterThan(0);
  });

  it("reassembles a streamed tool call through the SDK's stream helper", async () => {
    server.enqueue({ toolCalls: [{ name: "explain_failure", arguments: { failureKey: "outage|netsuite" } }] });
    const final = await client.chat.completions.stream({ model: "scripted", messages: [{ role: "user", content: "go" }], tools: [{ type: "function", function: { name: "explain_failure", parameters: { type: "object" } } }] }).finalChatCompletion();
    const tc = final.choices[0]!.message.tool_calls![0]!;
    expect(tc.type === "function" && tc.function.name).toBe("explain_failure");
    expect(tc.type === "function" && JSON.parse(tc.function.arguments)).toEqual({ failureKey: "outage|netsuite" });
  });

  it("replies from a function of the request (a model that reacts to tool results)", async () => {
    server.enqueue((req) => ({ content: `you said ${String(req.body.messages.at(-1)!.content)}` }));
    const r = await client.chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "ping" }] });
    expect(r.choices[0]!.message.content).toBe("you said ping");
  });

  it("fails like an OpenAI endpoint: HTTP errors, a wrong key, an empty script", async () => {
    server.enqueue({ error: { status: 400, message: "context length exceeded" } });
    await expect(client.chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 400 });
    const wrong = new OpenAI({ apiKey: "nope", baseURL: server.baseURL, maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(server.remaining()).toBe(0);
    await expect(client.chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 500 });
  });
});
