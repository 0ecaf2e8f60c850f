/**
 * The typed events one chat turn yields, in order: `start`, then any number of `text`,
 * `tool_started` / `tool_finished`, `proposal` and `warning`, then `citations`, then exactly one
 * `final`. The console's /api/chat route writes each as one SSE message (`event: <type>`,
 * `data: <json>`); agent/chat/README.md documents the format for the UI.
 */

export type TurnMode = "model" | "fallback";

/** A reference the answer rests on, checked against the store after the answer is written. */
export interface Citation {
  kind: "event" | "delivery" | "remediation" | "quarantine" | "audit" | "raw_payload" | "notification" | "recon_diff" | "order" | "connector";
  id: string;
  resolved: boolean;
}

/** A remediation proposed during the turn: the console renders it as a card with approve / reject for approvers. */
export interface ProposalCard {
  remediationId: string;
  title: string;
  kind: string;
  /** proposed (awaiting a human), approved (by a named policy), or whatever it is now. */
  status: string;
  dryRunSummary: string | null;
  wouldPass: number | null;
  wouldFail: number | null;
  failureKey: string | null;
  approvedByPolicy: string | null;
}

/** One tool call of a turn as the console shows it; kept with the stored answer so a reloaded conversation shows its steps too. */
export interface ToolStepRecord {
  callId: string;
  name: string;
  args: unknown;
  ok: boolean;
  summary: string;
  durationMs: number;
}

export type WarningCode =
  | "no_model"
  | "model_unreachable"
  | "model_error"
  | "tool_rounds_exhausted"
  | "token_budget_exhausted"
  | "unresolved_ids"
  | "malformed_tool_arguments"
  | "unknown_tool"
  | "refused";

export interface TurnUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface TurnResult {
  conversationId: string;
  mode: TurnMode;
  /** The whole answer as shown, including any appended note about ids that did not resolve. */
  text: string;
  citations: Citation[];
  /** Ids the answer cites that do not exist in the store (also flagged in `text`). */
  unresolvedIds: string[];
  proposals: ProposalCard[];
  toolCalls: { name: string; ok: boolean }[];
  rounds: number;
  usage: TurnUsage;
  /** answered; limit: a bound on rounds or tokens stopped the model; fallback: answered without a model. */
  stopReason: "answered" | "tool_rounds" | "token_budget" | "fallback";
  warnings: { code: WarningCode; message: string }[];
}

export type ChatStreamEvent =
  | { type: "start"; conversationId: string; mode: TurnMode; model: string | null }
  | { type: "text"; delta: string }
  | { type: "tool_started"; callId: string; name: string; args: unknown }
  | { type: "tool_finished"; callId: string; name: string; ok: boolean; summary: string; durationMs: number }
  | { type: "proposal"; card: ProposalCard }
  | { type: "warning"; code: WarningCode; message: string }
  | { type: "citations"; citations: Citation[]; unresolved: Citation[] }
  | { type: "final"; result: TurnResult };

/** One SSE message for an event: `event: <type>` and its JSON on one `data:` line. */
export function toSse(e: ChatStreamEvent): string {
  const { type, ...data } = e;
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
