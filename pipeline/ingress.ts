import { ZodError } from "zod";
import type { InboundRequest, IngressOutcome } from "../connectors/sdk/definition";
import type { LiveInstance } from "./connector-instances";
import { insertQuarantine, insertRawPayload } from "./db/queries/capture-queries";
import { recordNotifications } from "./db/queries/notification-queries";
import { BackendUnavailable, IngressRejection } from "./errors";
import { newId } from "./ids";
import { runAfterIngress } from "./ingress-hooks";
import { log } from "./log";
import { ingressRejections } from "./metrics";
import { redactHeaders, redactText } from "./redact";
import type { Runtime } from "./runtime";

export interface IngressResult {
  status: number;
  body: Record<string, unknown>;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * POST /api/webhooks/<connector>: verify the signature over the raw body, normalise, capture,
 * answer 202. Anything we cannot accept is answered 4xx with the reason and quarantined whole;
 * a backend outage is a 503 so the sender retries, and nothing is half-written.
 */
export function handleWebhook(rt: Runtime, connectorId: string, req: InboundRequest): Promise<IngressResult> {
  return ingest(rt, connectorId, req, { verify: true });
}

/**
 * A file from a connection's inbound folder (an SFTP/VAN mailbox): the same path as a webhook
 * without the signature check, since only the partner's mailbox writes there.
 */
export function handleInboundFile(rt: Runtime, connectorId: string, file: { name: string; content: string }): Promise<IngressResult> {
  return ingest(rt, connectorId, { headers: { "content-type": "application/octet-stream", "x-inbound-file": file.name }, rawBody: file.content, query: {} }, { verify: false });
}

async function ingest(rt: Runtime, connectorId: string, req: InboundRequest, opts: { verify: boolean }): Promise<IngressResult> {
  const headers = redactHeaders(req.headers);
  // The query string is kept (redacted) with quarantined payloads so a replay sees the same request.
  const query = new URLSearchParams(req.query).toString();
  let verified: { inst: LiveInstance; secrets: unknown } | undefined;
  let outcome: IngressOutcome;
  let result: IngressResult;
  try {
    if (Buffer.byteLength(req.rawBody) > MAX_BODY_BYTES) throw new IngressRejection(413, "too_large", `body exceeds ${MAX_BODY_BYTES} bytes`);
    const inst = rt.directory.instance(connectorId);
    if (!inst || !inst.definition.webhooks) {
      throw new IngressRejection(404, "unknown_connector", inst ? `connector ${connectorId} does not receive webhooks` : `no connector instance named ${connectorId}`);
    }
    if (!inst.enabled) throw new IngressRejection(404, "unknown_connector", `connector ${connectorId} is disabled`);
    const secrets = inst.definition.webhookSecrets?.(inst.credentials as never, { baseUrl: inst.baseUrl });
    if (opts.verify) inst.definition.webhooks.verify(req, secrets);
    verified = { inst, secrets };
    const parsed = inst.definition.webhooks.parse(req, secrets);
    const rawPayloadId = newId("raw");
    await insertRawPayload(rt.store.db, { id: rawPayloadId, connector: connectorId, contentType: req.headers["content-type"] ?? null, headers, body: req.rawBody });
    if (parsed.kind === "ignored") {
      outcome = { kind: "ignored", rawPayloadId };
      result = { status: 200, body: { accepted: 0, ignored: parsed.reason } };
    } else if (parsed.kind === "notifications") {
      const recorded = await recordNotifications(rt.store, connectorId, rawPayloadId, parsed.notifications);
      await rt.enqueueNotificationFetches(recorded.filter((r) => r.fresh).map((r) => r.id), connectorId);
      outcome = { kind: "notifications", rawPayloadId };
      result = { status: 202, body: { accepted: recorded.filter((r) => r.fresh).length, duplicates: recorded.filter((r) => !r.fresh).length } };
    } else {
      const outcomes = await rt.engine.capture(connectorId, parsed.events, { rawPayloadId });
      outcome = { kind: "captured", rawPayloadId, events: outcomes.map((o, i) => ({ eventId: o.eventId, sourceEventId: parsed.events[i]!.sourceEventId, duplicate: o.duplicate })) };
      result = {
        status: 202,
        body: { accepted: outcomes.filter((o) => !o.duplicate).length, duplicates: outcomes.filter((o) => o.duplicate).length, eventIds: outcomes.map((o) => o.eventId) },
      };
    }
  } catch (e) {
    const rejection = toRejection(e);
    if (!rejection) {
      const reason = e instanceof BackendUnavailable ? e.message : `storage unavailable: ${(e as Error).message}`;
      log.error({ err: (e as Error).message, connector: connectorId }, "ingress could not store the webhook; answering 503 so the sender retries");
      return { status: 503, body: { error: "unavailable", reason } };
    }
    await quarantine(rt, connectorId, rejection, query ? { ...headers, ":query": redactText(query, 2000) } : headers, req.rawBody);
    result = { status: rejection.status, body: { error: rejection.reasonCode, reason: rejection.message, quarantined: true } };
    // Only a sender that proved who it is gets an answer in its own protocol.
    if (!verified) return result;
    outcome = { kind: "rejected", rejection: { status: rejection.status, reasonCode: rejection.reasonCode, message: rejection.message } };
  }
  if (!verified.inst.definition.afterIngress) return result;
  const after = await runAfterIngress(rt, verified.inst, verified.secrets, req, outcome);
  return after ? { ...result, body: { ...result.body, answered: after } } : result;
}

function toRejection(e: unknown): IngressRejection | undefined {
  if (e instanceof IngressRejection) return e;
  if (e instanceof ZodError) {
    const issue = e.issues[0];
    return new IngressRejection(422, "schema_invalid", `payload does not match the canonical model at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  if (e instanceof SyntaxError) return new IngressRejection(400, "malformed", `malformed JSON: ${e.message}`);
  return undefined;
}

async function quarantine(rt: Runtime, connector: string, r: IngressRejection, headers: Record<string, string>, body: string): Promise<void> {
  ingressRejections.inc({ connector, reason: r.reasonCode });
  try {
    await insertQuarantine(rt.store.db, { id: newId("qtn"), connector, reasonCode: r.reasonCode, reason: r.message, headers, body });
  } catch (err) {
    // The rejection answer still goes out; the sender keeps its copy. Log loudly.
    log.error({ err: (err as Error).message, connector }, "could not quarantine a rejected payload");
  }
}
