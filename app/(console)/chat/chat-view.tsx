"use client";

import Link from "next/link";
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";
import type { ConversationView } from "@/agent/chat/history";
import type { Citation, ProposalCard, TurnMode, WarningCode } from "@/agent/chat/events";
import type { Decision } from "@/app/components/decision-buttons";
import { AnswerText, citationHref } from "./answer-text";
import { ProposalCardView, type CardState } from "./proposal-card";
import { ChatRequestError, readChatStream, type ChatWireEvent } from "./read-chat-stream";
import { ToolSteps, type StepState } from "./tool-steps";

interface Answer {
  mode: TurnMode | null;
  model: string | null;
  text: string;
  steps: StepState[];
  proposals: ProposalCard[];
  warnings: { code: WarningCode; message: string }[];
  citations: Citation[];
  status: "streaming" | "done" | "error" | "stopped";
  error?: string;
}

interface Turn {
  key: string;
  question: string;
  answer: Answer;
}

const EMPTY_ANSWER: Answer = { mode: null, model: null, text: "", steps: [], proposals: [], warnings: [], citations: [], status: "streaming" };

/** Warnings whose message is also the first paragraph of a fallback answer: shown once, as a notice. */
const BANNER_CODES = new Set<WarningCode>(["no_model", "model_unreachable", "model_error"]);
/** Shown in the answer itself (the appended "Unverified" note), not again as a notice. */
const INLINE_CODES = new Set<WarningCode>(["unresolved_ids"]);

const SUGGESTIONS = ["What is failing right now?", "Why did order #1001 fail?", "Retry everything that failed on the NetSuite outage", "Is netsuite healthy?"];

/** The turn's answer after one more event (pure: React may call it twice). */
function reduce(a: Answer, e: ChatWireEvent | { type: "stopped" }): Answer {
  switch (e.type) {
    case "start":
      return { ...a, mode: e.mode, model: e.model };
    case "text":
      return { ...a, text: a.text + e.delta };
    case "tool_started":
      return a.steps.some((s) => s.callId === e.callId) ? a : { ...a, steps: [...a.steps, { callId: e.callId, name: e.name, args: e.args, ok: false, summary: "", durationMs: 0, running: true }] };
    case "tool_finished":
      return { ...a, steps: a.steps.map((s) => (s.callId === e.callId ? { ...s, ok: e.ok, summary: e.summary, durationMs: e.durationMs, running: false } : s)) };
    case "proposal":
      return a.proposals.some((p) => p.remediationId === e.card.remediationId) ? a : { ...a, proposals: [...a.proposals, e.card] };
    case "warning":
      return { ...a, warnings: [...a.warnings, { code: e.code, message: e.message }] };
    case "citations":
      return { ...a, citations: e.citations };
    case "final":
      return { ...a, text: e.result.text, status: "done" };
    case "error":
      return { ...a, status: "error", error: e.message, steps: a.steps.map((s) => (s.running ? { ...s, running: false, summary: "interrupted" } : s)) };
    case "stopped":
      return { ...a, status: "stopped", steps: a.steps.map((s) => (s.running ? { ...s, running: false, summary: "stopped" } : s)) };
  }
}

function turnsOf(view: ConversationView): Turn[] {
  return view.turns.map((t, i) => ({
    key: `h${i}`,
    question: t.question,
    answer: t.answer
      ? { mode: t.answer.mode, model: null, text: t.answer.text, steps: (t.answer.steps ?? []).map((s) => ({ ...s, running: false })), proposals: t.answer.proposals, warnings: t.answer.warnings, citations: t.answer.citations, status: "done" }
      : { ...EMPTY_ANSWER, status: "error", error: "This question was not answered (the turn did not finish)." },
  }));
}

function cardsOf(view: ConversationView): Record<string, CardState> {
  const out: Record<string, CardState> = {};
  for (const t of view.turns) for (const p of t.answer?.proposals ?? []) out[p.remediationId] = view.remediations[p.remediationId] ?? { status: p.status };
  return out;
}

/** The answer's text without the fallback banner, which is shown as a notice above it instead. */
function bodyOf(a: Answer): string {
  let text = a.text;
  for (const w of a.warnings) if (BANNER_CODES.has(w.code) && text.startsWith(w.message)) text = text.slice(w.message.length).replace(/^\s+/, "");
  return text;
}

function AnswerView({ a, index, selected, onSelect, cards, canApprove, role, onDecided }: { a: Answer; index: number; selected: boolean; onSelect: (i: number) => void; cards: Record<string, CardState>; canApprove: boolean; role: string; onDecided: (id: string, d: Decision) => void }) {
  const banners = a.warnings.filter((w) => BANNER_CODES.has(w.code));
  const others = a.warnings.filter((w) => !BANNER_CODES.has(w.code) && !INLINE_CODES.has(w.code));
  const body = bodyOf(a);
  const streaming = a.status === "streaming";
  const running = a.steps.find((s) => s.running);
  return (
    <div className="msg agent" data-testid="answer" data-status={a.status} data-mode={a.mode ?? undefined} aria-busy={streaming}>
      <div className="msg-who">
        Agent
        {a.mode === "model" && a.model ? <span className="faint">{` · ${a.model}`}</span> : null}
      </div>
      {banners.map((w, i) => (
        <p key={i} className={`notice ${w.code === "no_model" ? "info" : "warn"}`} data-testid="no-model-notice">
          <b>{w.code === "no_model" ? "No model configured. " : "The model did not answer. "}</b>
          {w.message}
        </p>
      ))}
      {body ? <AnswerText text={body} citations={a.citations} /> : null}
      {streaming ? (
        <p className="faint thinking" aria-hidden="true">
          <span className="spinner" />
          {running ? `Calling ${running.name}…` : body ? "Writing…" : "Thinking…"}
        </p>
      ) : null}
      {a.proposals.map((card) => (
        <ProposalCardView key={card.remediationId} card={card} state={cards[card.remediationId] ?? { status: card.status }} canApprove={canApprove} role={role} onDecided={(d) => onDecided(card.remediationId, d)} />
      ))}
      {others.map((w, i) => (
        <p key={i} className="notice warn" data-warning={w.code}>
          {w.message}
        </p>
      ))}
      {a.status === "error" ? (
        <p className="notice bad" role="alert">
          {a.error}
        </p>
      ) : null}
      {a.status === "stopped" ? <p className="faint">Stopped. The part above was not checked or saved.</p> : null}
      <div className="msg-foot">
        <button type="button" className="btn small ghost" aria-pressed={selected} aria-controls="chat-steps" onClick={() => onSelect(index)}>
          {`${a.steps.length} ${a.steps.length === 1 ? "step" : "steps"}${a.steps.length ? `: ${[...new Set(a.steps.map((s) => s.name))].join(", ")}` : ""}`}
        </button>
      </div>
    </div>
  );
}

function References({ citations }: { citations: Citation[] }) {
  if (!citations.length) return null;
  return (
    <div className="refs">
      <div className="label">Cited</div>
      <ul>
        {citations.map((c) => {
          const href = citationHref(c);
          return (
            <li key={`${c.kind}:${c.id}`}>
              <span className="faint">{`${c.kind.replace("_", " ")} `}</span>
              {!c.resolved ? (
                <span className="cite-missing" data-unresolved={c.id}>{`⚠ ${c.id} (not found)`}</span>
              ) : href ? (
                <Link href={href} className="mono">
                  {c.id}
                </Link>
              ) : (
                <span className="mono">{c.id}</span>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/**
 * The ops agent's conversation: answers stream in as /api/chat sends them, each with the tool
 * steps it took (side panel), its citations as links and its proposal cards. The conversation id
 * lives in the URL (?c=) and in localStorage per user, and a reload fetches it back from the server.
 */
export function ChatView({ userId, role, canApprove, initialConversationId }: { userId: string; role: string; canApprove: boolean; initialConversationId: string | null }) {
  const storageKey = `loopkeeper.chat.${userId}`;
  const [turns, setTurns] = useState<Turn[]>([]);
  const [cards, setCards] = useState<Record<string, CardState>>({});
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [input, setInput] = useState("");
  const [busy, setBusy] = useState(false);
  const [loading, setLoading] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const conversationRef = useRef<string | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const stickRef = useRef(true);

  const remember = useCallback(
    (id: string | null) => {
      conversationRef.current = id;
      setConversationId(id);
      try {
        if (id) localStorage.setItem(storageKey, id);
        else localStorage.removeItem(storageKey);
      } catch {
        // storage disabled: the URL still carries the conversation
      }
      const url = id ? `/chat?c=${encodeURIComponent(id)}` : "/chat";
      if (`${location.pathname}${location.search}` !== url) window.history.replaceState(null, "", url);
    },
    [storageKey],
  );

  // Read once: a later router.refresh (live updates, an approval) re-renders the page with ?c= set,
  // and reloading then would replace a turn that is still streaming.
  const initialRef = useRef(initialConversationId);
  useEffect(() => {
    let stored: string | null = null;
    try {
      stored = localStorage.getItem(storageKey);
    } catch {
      // storage disabled
    }
    const id = initialRef.current ?? stored;
    if (!id) return;
    const ac = new AbortController();
    setLoading(true);
    void (async () => {
      try {
        const res = await fetch(`/api/chat?conversationId=${encodeURIComponent(id)}`, { credentials: "same-origin", signal: ac.signal });
        const body = (await res.json()) as ConversationView & { reason?: string };
        if (!res.ok) {
          setNotice(`Conversation ${id} could not be loaded (${body.reason ?? `HTTP ${res.status}`}). This is a new one.`);
          remember(null);
          return;
        }
        setTurns(turnsOf(body));
        setCards(cardsOf(body));
        remember(body.id);
      } catch (e) {
        if (!ac.signal.aborted) setNotice(`Conversation ${id} could not be loaded: ${(e as Error).message}`);
      } finally {
        if (!ac.signal.aborted) setLoading(false);
      }
    })();
    return () => ac.abort();
  }, [storageKey, remember]);

  useEffect(() => () => abortRef.current?.abort(), []);

  useLayoutEffect(() => {
    const el = logRef.current;
    if (el && stickRef.current) el.scrollTop = el.scrollHeight;
  }, [turns, cards]);

  const update = useCallback((key: string, e: ChatWireEvent | { type: "stopped" }) => {
    setTurns((ts) => ts.map((t) => (t.key === key ? { ...t, answer: reduce(t.answer, e) } : t)));
  }, []);

  async function send(raw: string) {
    const message = raw.trim();
    if (!message || busy) return;
    const key = `t${Date.now()}`;
    stickRef.current = true;
    setNotice(null);
    setTurns((ts) => [...ts, { key, question: message, answer: EMPTY_ANSWER }]);
    setSelected(null);
    setInput("");
    setBusy(true);
    const ac = new AbortController();
    abortRef.current = ac;
    let ended = false;
    try {
      await readChatStream({ conversationId: conversationRef.current ?? undefined, message, signal: ac.signal }, (e) => {
        if (e.type === "start") remember(e.conversationId);
        if (e.type === "proposal") setCards((c) => (c[e.card.remediationId] ? c : { ...c, [e.card.remediationId]: { status: e.card.status } }));
        if (e.type === "final" || e.type === "error") ended = true;
        update(key, e);
      });
      if (!ended) update(key, { type: "error", message: "The answer stopped before it was complete (the connection closed). Ask again." });
    } catch (e) {
      if (ac.signal.aborted) update(key, { type: "stopped" });
      else update(key, { type: "error", message: e instanceof ChatRequestError ? e.message : `The console could not be reached: ${(e as Error).message}` });
    } finally {
      abortRef.current = null;
      setBusy(false);
      // Keep the keyboard where the next question goes, unless the user moved it somewhere on purpose.
      const active = document.activeElement;
      if (!active || active === document.body || active.closest("[data-chat-stop]")) inputRef.current?.focus();
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send(input);
    }
  }

  function startOver() {
    abortRef.current?.abort();
    setTurns([]);
    setCards({});
    setSelected(null);
    setNotice(null);
    remember(null);
    inputRef.current?.focus();
  }

  const onDecided = useCallback((id: string, d: Decision) => {
    setCards((c) => ({ ...c, [id]: { status: d.status, outcome: d.outcome, note: { tone: d.tone, text: d.text } } }));
  }, []);

  const shownIndex = selected !== null && selected < turns.length ? selected : turns.length - 1;
  const shown = turns[shownIndex];

  return (
    <div className="chat" data-conversation-id={conversationId ?? undefined}>
      <section className="panel chat-main" aria-labelledby="chat-conversation-title">
        <div className="panel-head">
          <div className="row">
            <h2 id="chat-conversation-title">Conversation</h2>
            {conversationId ? <span className="hint mono">{conversationId}</span> : <span className="hint">new</span>}
          </div>
          <button type="button" className="btn small" onClick={startOver} disabled={!turns.length && !conversationId}>
            New conversation
          </button>
        </div>
        <div
          ref={logRef}
          className="chat-messages"
          role="log"
          aria-label="Messages"
          aria-busy={busy || loading}
          onScroll={(e) => {
            const el = e.currentTarget;
            stickRef.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
          }}
        >
          {notice ? <p className="notice warn">{notice}</p> : null}
          {loading ? <p className="faint">Loading the conversation…</p> : null}
          {!loading && !turns.length ? (
            <div className="chat-empty">
              <h3>Ask about an order, a failure or a connection</h3>
              <p className="faint">Answers cite the events, orders and connectors they rest on. Fixes come back as proposals for an approver; nothing changes until one approves.</p>
              <div className="row">
                {SUGGESTIONS.map((s) => (
                  <button
                    key={s}
                    type="button"
                    className="btn small"
                    onClick={() => {
                      setInput(s);
                      inputRef.current?.focus();
                    }}
                  >
                    {s}
                  </button>
                ))}
              </div>
            </div>
          ) : null}
          {turns.map((t, i) => (
            <article key={t.key} className="chat-turn" aria-label={`Question ${i + 1}`}>
              <div className="msg user">
                <div className="msg-who">You</div>
                <div className="msg-question">{t.question}</div>
              </div>
              <AnswerView a={t.answer} index={i} selected={i === shownIndex} onSelect={setSelected} cards={cards} canApprove={canApprove} role={role} onDecided={onDecided} />
            </article>
          ))}
        </div>
        <form
          className="chat-input"
          aria-label="Ask the agent"
          onSubmit={(e) => {
            e.preventDefault();
            void send(input);
          }}
        >
          <label htmlFor="chat-input" className="visually-hidden">
            Your question
          </label>
          <textarea
            id="chat-input"
            ref={inputRef}
            rows={2}
            value={input}
            onChange={(e) => setInput(e.target.value)}
            onKeyDown={onKeyDown}
            placeholder="Ask about an order, a failure or a connection…"
            aria-describedby="chat-input-help"
            maxLength={8000}
            autoFocus
          />
          <div className="chat-actions">
            {busy ? (
              <button type="button" className="btn" data-chat-stop onClick={() => abortRef.current?.abort()}>
                Stop
              </button>
            ) : (
              <button type="submit" className="btn primary" disabled={!input.trim()}>
                Ask
              </button>
            )}
          </div>
          <p id="chat-input-help" className="chat-help faint">
            Enter sends · Shift+Enter adds a line
          </p>
        </form>
      </section>
      <aside id="chat-steps" className="panel chat-steps" aria-labelledby="chat-steps-title">
        <div className="panel-head">
          <h2 id="chat-steps-title">Steps</h2>
          <span className="hint">what the agent looked at</span>
        </div>
        <div className="panel-body">
          {shown ? (
            <>
              <p className="steps-for" title={shown.question}>
                <span className="faint">For: </span>
                {shown.question}
              </p>
              <ToolSteps steps={shown.answer.steps} idPrefix={`step-${shownIndex}`} />
              <References citations={shown.answer.citations} />
            </>
          ) : (
            <p className="faint" style={{ margin: 0 }}>
              Each tool the agent calls (search_events, explain_failure, propose_remediation…) appears here with its arguments and result.
            </p>
          )}
        </div>
      </aside>
    </div>
  );
}
