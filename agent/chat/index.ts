import { log } from "../../pipeline/log";
import { toSse, type ChatStreamEvent } from "./events";
import { runChatTurn, type ChatTurnDeps, type ChatTurnInput } from "./turn";

export { chatActor, DEFAULT_LIMITS, runChatTurn, type ChatTurnDeps, type ChatTurnInput, type ChatUser, type TurnLimits } from "./turn";
export { toSse, type ChatStreamEvent, type Citation, type ProposalCard, type ToolStepRecord, type TurnMode, type TurnResult, type TurnUsage, type WarningCode } from "./events";
export { loadConversationView, type ConversationTurnView, type ConversationView, type RemediationState } from "./history";
export { checkCitations, extractCitedIds } from "./citations";

/**
 * A turn as an SSE byte stream (what /api/chat returns). Pulled, so a slow client slows the turn
 * instead of buffering it; a client that goes away aborts the model request. An unexpected error
 * ends the stream with an `error` message the UI can show; its details go to the log only.
 */
export function streamChatTurn(deps: ChatTurnDeps, input: ChatTurnInput): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const abort = new AbortController();
  deps.signal?.addEventListener("abort", () => abort.abort());
  let turn: AsyncGenerator<ChatStreamEvent, unknown, void> | undefined;
  return new ReadableStream<Uint8Array>({
    start() {
      turn = runChatTurn({ ...deps, signal: abort.signal }, input);
    },
    async pull(controller) {
      try {
        const next = await turn!.next();
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(toSse(next.value)));
      } catch (e) {
        if (!abort.signal.aborted) log.error({ err: (e as Error).message }, "chat turn failed");
        try {
          controller.enqueue(encoder.encode(`event: error\ndata: ${JSON.stringify({ message: "The turn failed unexpectedly; the error was logged. Try again." })}\n\n`));
          controller.close();
        } catch {
          // the client is gone
        }
      }
    },
    async cancel() {
      abort.abort();
      await turn?.return(undefined);
    },
  });
}
