import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionMessageToolCall, ChatCompletionTool } from "openai/resources/chat/completions";
import type { Actor } from "../../pipeline/approvals";
import { hasRole } from "../../pipeline/auth/roles";
import type { Config } from "../../pipeline/config";
import { listConnectorRows } from "../../pipeline/db/queries/health-queries";
import { log } from "../../pipeline/log";
import type { Runtime } from "../../pipeline/runtime";
import { toOpenAiTools } from "../../tools/openai-adapter";
import { answerWithoutModel } from "../fallback/answer";
import { checkCitations } from "./citations";
import type { ChatStreamEvent, ProposalCard, ToolStepRecord, TurnResult, TurnUsage, WarningCode } from "./events";
import { loadHistory, openConversation, saveTurn, type StoredMessage } from "./history";
import { buildSystemPrompt } from "./system-prompt";
import { displayArgs, runToolStep } from "./tool-steps";
import { wrapToolResult } from "./untrusted";

export interface TurnLimits {
  /** Rounds in which the model may call tools; one more round then asks for the answer without tools. */
  maxToolRounds: number;
  /** Prompt + completion tokens over the whole turn (as the endpoint reports them, or estimated). */
  maxTokensPerTurn: number;
  /** Completion tokens per model request. */
  maxCompletionTokens: number;
  /** Tool calls the model may make in one round (the rest are answered with a refusal). */
  maxToolCallsPerRound: number;
}

export const DEFAULT_LIMITS: TurnLimits = { maxToolRounds: 8, maxTokensPerTurn: 120_000, maxCompletionTokens: 2_048, maxToolCallsPerRound: 8 };

/** The signed-in console user the turn runs for (null in tests and scripts). */
export interface ChatUser {
  id: string;
  email: string;
  /** Console role: a viewer's agent may only look; operators and above may also propose. */
  role: string;
}

export interface ChatTurnDeps {
  rt: Runtime;
  /** The model endpoint; defaults to the runtime's config (null: no model, answer with the fallback). */
  llm?: Config["llm"];
  user?: ChatUser | null;
  limits?: Partial<TurnLimits>;
  signal?: AbortSignal;
  /** Per-request timeout of the model endpoint. */
  timeoutMs?: number;
}

export interface ChatTurnInput {
  conversationId?: string;
  message: string;
}

/**
 * The agent acts with at most read and propose scopes, and never more than its user may do: it can
 * look and propose, never approve (approvals.canApprove refuses every agent), and apply_remediation
 * refuses anything a human or a named policy has not approved. With no user (tests, scripts) it
 * proposes as "chat:anonymous".
 */
export function chatActor(user: ChatUser | null | undefined): Actor {
  const mayPropose = !user || hasRole(user.role, "operator");
  return { type: "agent", id: `chat:${user?.email ?? "anonymous"}`, scopes: mayPropose ? ["read", "propose"] : ["read"] };
}

/**
 * One chat turn, as a stream of typed events (see events.ts): the model loop over the tool
 * registry when a model is configured and answers, the deterministic fallback when it is not.
 * History is persisted once the answer is complete.
 */
export async function* runChatTurn(deps: ChatTurnDeps, input: ChatTurnInput): AsyncGenerator<ChatStreamEvent, TurnResult, void> {
  const { rt } = deps;
  const llm = deps.llm === undefined ? rt.config.llm : deps.llm;
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const actor = chatActor(deps.user);
  const conv = await openConversation(rt.store, { conversationId: input.conversationId, userId: deps.user?.id ?? null, firstMessage: input.message });
  const warnings: TurnResult["warnings"] = [];
  const warn = (code: WarningCode, message: string): ChatStreamEvent => {
    warnings.push({ code, message });
    return { type: "warning", code, message };
  };
  const toolCalls: TurnResult["toolCalls"] = [];
  const steps: ToolStepRecord[] = [];
  const recordStep = (e: ChatStreamEvent): void => {
    if (e.type === "tool_started") steps.push({ callId: e.callId, name: e.name, args: e.args, ok: false, summary: "", durationMs: 0 });
    if (e.type === "tool_finished") {
      const s = steps.find((x) => x.callId === e.callId);
      if (s) Object.assign(s, { ok: e.ok, summary: e.summary, durationMs: e.durationMs });
    }
  };
  const proposals: ProposalCard[] = [];
  const usage: TurnUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  const stored: StoredMessage[] = [{ message: { role: "user", content: input.message } }];
  let text = "";
  /** Where the last model round's text starts: earlier rounds' text is stored with their tool calls. */
  let answerStart = 0;
  /** What the id check reads: the model's text and the fallback's answers, not banners or help examples. */
  let citable = "";
  let rounds = 0;
  let stopReason: TurnResult["stopReason"] = "answered";
  let mode: TurnResult["mode"] = llm ? "model" : "fallback";

  yield { type: "start", conversationId: conv.id, mode, model: llm?.model ?? null };
  if (conv.refused) yield warn("refused", conv.refused);

  let fallbackBanner: string | undefined;
  if (!llm) {
    fallbackBanner = "No language model is configured (OPENAI_API_KEY / OPENAI_BASE_URL are not set), so I am answering from the deterministic diagnosis.";
    yield warn("no_model", fallbackBanner);
  } else {
    const client = new OpenAI({ apiKey: llm.apiKey, baseURL: llm.baseURL, maxRetries: 1, timeout: deps.timeoutMs ?? 60_000 });
    const tools = toOpenAiTools({ actor });
    const history = await loadHistory(rt.store, conv.id);
    const system = buildSystemPrompt({
      connectors: (await listConnectorRows(rt.store)).map((c) => ({ id: c.id, type: c.connectorType, displayName: c.displayName, owner: c.owner, enabled: c.enabled })),
      now: new Date(),
      toolNames: tools.map((t) => (t.type === "function" ? t.function.name : "")).filter(Boolean),
    });
    const messages: ChatCompletionMessageParam[] = [{ role: "system", content: system }, ...history, { role: "user", content: input.message }];

    for (;;) {
      const lastRound = rounds >= limits.maxToolRounds;
      const remaining = limits.maxTokensPerTurn - usage.totalTokens;
      if (remaining <= 0) {
        stopReason = "token_budget";
        yield warn("token_budget_exhausted", `Stopped: this turn used its budget of ${limits.maxTokensPerTurn} tokens. Ask a narrower question to continue.`);
        break;
      }
      rounds++;
      answerStart = text.length;
      const round = yield* streamRound(client, { model: llm.model, messages, tools, lastRound, maxTokens: Math.min(limits.maxCompletionTokens, remaining), signal: deps.signal });
      addUsage(usage, round.usage);
      text += round.content;
      citable += round.content;
      if (round.error) {
        mode = "fallback";
        fallbackBanner = modelFailureMessage(llm, round.error);
        yield warn(round.error.kind === "unreachable" ? "model_unreachable" : "model_error", fallbackBanner);
        break;
      }
      const calls = round.toolCalls;
      const assistant: ChatCompletionMessageParam = calls.length
        ? { role: "assistant", content: round.content || null, tool_calls: calls }
        : { role: "assistant", content: round.content };
      if (calls.length === 0) break;
      if (lastRound) {
        // The model was asked to answer without tools and called them anyway: stop here rather than loop.
        stopReason = "tool_rounds";
        yield warn("tool_rounds_exhausted", `Stopped after ${limits.maxToolRounds} rounds of tool calls without a final answer. Ask a narrower question, or continue in a new message.`);
        break;
      }
      messages.push(assistant);
      stored.push({ message: assistant });
      for (const [i, call] of calls.entries()) {
        if (call.type !== "function") continue;
        const { name, arguments: raw } = call.function;
        const started: ChatStreamEvent = { type: "tool_started", callId: call.id, name, args: displayArgs(raw) };
        recordStep(started);
        yield started;
        const step = i < limits.maxToolCallsPerRound
          ? await runToolStep(rt, actor, { name, arguments: raw })
          : { ok: false, content: `error (refused): at most ${limits.maxToolCallsPerRound} tool calls per round; call fewer at a time`, summary: "refused: too many tool calls in one round", durationMs: 0, malformed: false, data: undefined, proposal: undefined };
        toolCalls.push({ name, ok: step.ok });
        if (step.malformed) yield warn("malformed_tool_arguments", `The model sent invalid arguments to ${name}; the error went back to it: ${step.content.slice(0, 200)}`);
        if (!step.ok && step.content.startsWith("error (not_found): no tool named")) yield warn("unknown_tool", `The model called a tool that does not exist (${name.slice(0, 80)}); it was told so.`);
        const finished: ChatStreamEvent = { type: "tool_finished", callId: call.id, name, ok: step.ok, summary: step.summary, durationMs: step.durationMs };
        recordStep(finished);
        yield finished;
        if (step.proposal) {
          proposals.push(step.proposal);
          yield { type: "proposal", card: step.proposal };
        }
        const tool: ChatCompletionMessageParam = { role: "tool", tool_call_id: call.id, content: wrapToolResult({ name, ok: step.ok, body: step.ok && step.data !== undefined ? step.data : step.content }) };
        messages.push(tool);
        stored.push({ message: tool });
      }
    }
  }

  if (fallbackBanner) {
    const sep = text ? "\n\n" : "";
    if (sep) yield { type: "text", delta: sep };
    const fb = yield* tap(answerWithoutModel(rt, actor, input.message, fallbackBanner), recordStep);
    text += sep + fb.text;
    citable += fb.citable;
    toolCalls.push(...fb.toolCalls);
    proposals.push(...fb.proposals);
    if (mode === "fallback" && stopReason === "answered") stopReason = "fallback";
  }

  const check = await checkCitations(rt.store, citable);
  if (check.note) {
    text += check.note;
    yield { type: "text", delta: check.note };
    yield warn("unresolved_ids", `The answer cites ${check.unresolved.length} reference(s) that do not exist in the store: ${check.unresolved.map((c) => c.id).join(", ")}`);
  }
  yield { type: "citations", citations: check.citations, unresolved: check.unresolved };

  const result: TurnResult = {
    conversationId: conv.id,
    mode,
    text,
    citations: check.citations,
    unresolvedIds: check.unresolved.map((c) => c.id),
    proposals,
    toolCalls,
    rounds,
    usage,
    stopReason,
    warnings,
  };
  // The turn's last assistant message holds the answer as shown (fallback text and notes included).
  const finalMessage: StoredMessage = {
    message: { role: "assistant", content: text.slice(answerStart) },
    meta: { mode, text, citations: result.citations, unresolvedIds: result.unresolvedIds, proposals, warnings, stopReason, steps },
  };
  const last = stored[stored.length - 1]!.message;
  if (last.role === "assistant" && !last.tool_calls?.length) stored[stored.length - 1] = finalMessage;
  else stored.push(finalMessage);
  await saveTurn(rt.store, conv.id, stored);
  yield { type: "final", result };
  return result;
}

/** Passes a generator's events through, letting `see` record them on the way. */
async function* tap<T>(gen: AsyncGenerator<ChatStreamEvent, T, void>, see: (e: ChatStreamEvent) => void): AsyncGenerator<ChatStreamEvent, T, void> {
  for (;;) {
    const next = await gen.next();
    if (next.done) return next.value;
    see(next.value);
    yield next.value;
  }
}

interface RoundResult {
  content: string;
  toolCalls: ChatCompletionMessageToolCall[];
  usage: TurnUsage;
  error?: { kind: "unreachable" | "error"; message: string; status?: number };
}

/**
 * One streamed chat-completions request. Text deltas are yielded as they arrive; tool calls are
 * assembled from their deltas by index (ids and names come in the first delta of each call, the
 * arguments in pieces). Endpoint failures are returned, not thrown, so the turn can fall back.
 */
async function* streamRound(
  client: OpenAI,
  r: { model: string; messages: ChatCompletionMessageParam[]; tools: ChatCompletionTool[]; lastRound: boolean; maxTokens: number; signal?: AbortSignal },
): AsyncGenerator<ChatStreamEvent, RoundResult, void> {
  let content = "";
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  let reported: TurnUsage | undefined;
  try {
    const stream = await client.chat.completions.create(
      {
        model: r.model,
        messages: r.messages,
        tools: r.tools,
        tool_choice: r.lastRound ? "none" : "auto",
        stream: true,
        stream_options: { include_usage: true },
        // max_tokens rather than max_completion_tokens: vLLM, Ollama and llama.cpp all read it.
        max_tokens: r.maxTokens,
      },
      { signal: r.signal },
    );
    for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
      if (chunk.usage) reported = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens, totalTokens: chunk.usage.total_tokens };
      const delta = chunk.choices[0]?.delta;
      if (!delta) continue;
      if (delta.content) {
        content += delta.content;
        yield { type: "text", delta: delta.content };
      }
      for (const tc of delta.tool_calls ?? []) {
        const cur = calls.get(tc.index) ?? { id: "", name: "", arguments: "" };
        if (tc.id) cur.id = tc.id;
        if (tc.function?.name) cur.name += tc.function.name;
        if (tc.function?.arguments) cur.arguments += tc.function.arguments;
        calls.set(tc.index, cur);
      }
    }
  } catch (e) {
    if (r.signal?.aborted) throw e;
    const estimated = estimateUsage(r.messages, content);
    if (e instanceof OpenAI.APIConnectionError) return { content, toolCalls: [], usage: estimated, error: { kind: "unreachable", message: e.message } };
    if (e instanceof OpenAI.APIError) return { content, toolCalls: [], usage: estimated, error: { kind: "error", message: e.message, status: e.status } };
    log.warn({ err: (e as Error).message }, "model stream failed");
    return { content, toolCalls: [], usage: estimated, error: { kind: "error", message: (e as Error).message } };
  }
  const toolCalls: ChatCompletionMessageToolCall[] = [...calls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([i, c]) => ({ id: c.id || `call_${i}`, type: "function" as const, function: { name: c.name, arguments: c.arguments } }));
  return { content, toolCalls, usage: reported ?? estimateUsage(r.messages, content + JSON.stringify(toolCalls)) };
}

/** When an endpoint reports no usage: about four characters per token. */
function estimateUsage(messages: ChatCompletionMessageParam[], completion: string): TurnUsage {
  const promptTokens = Math.ceil(JSON.stringify(messages).length / 4);
  const completionTokens = Math.ceil(completion.length / 4);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

function addUsage(total: TurnUsage, u: TurnUsage): void {
  total.promptTokens += u.promptTokens;
  total.completionTokens += u.completionTokens;
  total.totalTokens += u.totalTokens;
}

/** What the operator reads when the model fails: where it is (origin only, never a key) and why. */
function modelFailureMessage(llm: NonNullable<Config["llm"]>, err: NonNullable<RoundResult["error"]>): string {
  const where = originOf(llm.baseURL) ?? "api.openai.com";
  const why = err.kind === "unreachable"
    ? `The language model endpoint at ${where} could not be reached (${err.message})`
    : `The language model at ${where} answered with an error${err.status ? ` (HTTP ${err.status})` : ""}: ${err.message.slice(0, 200)}`;
  return `${why}, so I am answering from the deterministic diagnosis instead.`;
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
