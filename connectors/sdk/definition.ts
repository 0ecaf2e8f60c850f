import type { z } from "zod";
import type { EntityKeys, EventDataOf, EventType, InventoryLevel, Order } from "../../pipeline/model";
import type { ClassifiedError, UnsentAnswer, UpstreamSummary } from "../../pipeline/errors";

/**
 * The connector SDK. Every folder under connectors/<system>/ exports one ConnectorDefinition
 * from its index.ts; the pipeline, the tools and the console know connectors only through it.
 */

/** An event a connector captured from its system, already in the canonical model. */
export interface CapturedEvent<T extends EventType = EventType> {
  type: T;
  /** The source's own id for this event: what duplicates are recognised by. */
  sourceEventId: string;
  occurredAt: string;
  data: EventDataOf<T>;
  correlationId?: string;
  causationId?: string;
  keys?: Partial<EntityKeys>;
}

/** An inbound HTTP request as the ingress saw it: headers lower-cased, the body exactly as sent. */
export interface InboundRequest {
  headers: Record<string, string>;
  rawBody: string;
  query: Record<string, string>;
}

/**
 * What a webhook carried: canonical events, or notifications that only point at a resource the
 * connector must fetch (ShipStation SHIP_NOTIFY, QuickBooks CloudEvents without data).
 */
export type ParsedWebhook =
  | { kind: "events"; events: CapturedEvent[] }
  | { kind: "notifications"; notifications: { sourceEventId: string; resource: string; topic?: string }[] }
  | { kind: "ignored"; reason: string };

export interface WebhookSupport<Secrets> {
  /** Throws IngressRejection(401, "bad_signature") when the signature does not verify. */
  verify(req: InboundRequest, secrets: Secrets): void;
  /**
   * Throws IngressRejection(400 malformed / 422 schema_invalid) with the field that failed. The
   * ingress passes the connection's secrets (webhookSecrets) so a parser can apply per-connection
   * configuration (an EDI partner's ids and item map); most parsers ignore them.
   */
  parse(req: InboundRequest, secrets?: Secrets): ParsedWebhook;
}

/** What the ingress did with one request whose signature verified (or one file from an inbound folder). */
export interface IngressOutcome {
  /** captured: events stored (duplicates included); notifications: recorded for fetching; ignored: nothing to store; rejected: quarantined. */
  kind: "captured" | "notifications" | "ignored" | "rejected";
  /** The raw_payloads row (captured, notifications, ignored). */
  rawPayloadId?: string;
  events?: { eventId: string; sourceEventId: string; duplicate: boolean }[];
  rejection?: { status: number; reasonCode: string; message: string };
}

export interface IngressHookContext<Client = unknown, Secrets = unknown> {
  /** The connector instance (connection) the request came in on. */
  instanceId: string;
  client: Client;
  secrets: Secrets;
  req: InboundRequest;
  outcome: IngressOutcome;
  /** The same named gap-free counters DeliveryContext.nextSequence gives this instance's deliveries. */
  nextSequence(name: string): Promise<number>;
  /**
   * Durable "seen before" per (sender, interchange control number), for protocols whose envelopes
   * carry their own numbers (an EDI ISA13 per partner): records it and says whether it already was.
   */
  interchanges: { seenInterchange(sender: string, controlNumber: string): Promise<boolean> };
}

/**
 * Files a system drops for us instead of calling a webhook (an SFTP or VAN mailbox). The pipeline
 * scans the folder on one worker at a time (a lease, like pollers) and treats each file as a
 * request that needs no signature: parse → capture → afterIngress.
 */
export interface InboundFolderSupport<Credentials> {
  intervalMs: number;
  /** The folder to watch for this connection, or undefined when it has none. */
  folderOf(credentials: Credentials): string | undefined;
  /**
   * Scans once and calls onFile per complete file; a file whose handler resolves is done, one
   * whose handler throws is set aside with the reason, unless the error says retryLater (a
   * backend outage), which leaves it in place for the next scan.
   */
  scan(folder: string, onFile: (file: { name: string; content: Buffer }) => Promise<void>): Promise<{ processed: string[]; rejected: string[] }>;
}

/** Translates keys between systems; the pipeline backs it with the mappings table. */
export interface MappingLookup {
  get(kind: string, sourceKey: string): Promise<string | undefined>;
}

export interface DeliveryContext<T extends EventType = EventType> {
  event: {
    id: string;
    type: T;
    data: EventDataOf<T>;
    keys: EntityKeys;
    correlationId: string;
    source: { connector: string; eventId: string };
  };
  action: string;
  /** Stable per (event, destination, action): send it through the API's own idempotency mechanism. */
  idempotencyKey: string;
  attemptNo: number;
  /** Set after a conflict (stale object): reload the upstream record before writing. */
  refetch: boolean;
  /** External ids produced by earlier steps of the same event, keyed "connector.action". */
  priorResults: Record<string, string | undefined>;
  mappings: MappingLookup;
  settings: Record<string, unknown>;
  /**
   * A gap-free counter by name, backed by the sequences table: for connectors that number their
   * own documents (EDI control numbers). Optional; a connector that needs it fails clearly without it.
   */
  nextSequence?(name: string): Promise<number>;
  /**
   * The canonical order as the pipeline last stored it, for actions on a shipment that need the
   * order too (an EDI 810 invoice prices the shipped lines from it). Optional, like nextSequence.
   */
  loadOrder?(orderId: string): Promise<Order | undefined>;
}

export interface DeliveryResult {
  /** The id of the record in the destination (sales order internal id, QBO Id...). */
  externalId?: string;
  /** One line for the trace: what was written. */
  summary?: string;
  upstream?: UpstreamSummary;
  /** Canonical events the destination's answer implies (e.g. an ERP stock change). */
  emits?: CapturedEvent[];
}

export interface DestinationAction<Client> {
  /** Which canonical event types this action accepts. */
  accepts: EventType[];
  deliver(client: Client, ctx: DeliveryContext): Promise<DeliveryResult>;
  /**
   * After a `duplicate` error: find the record that already exists (by external id, orderKey,
   * DocNumber...) so the delivery counts as done. Also used by preview_replay.
   */
  lookupExisting?(client: Client, ctx: DeliveryContext): Promise<string | undefined>;
}

export interface PollResult<Cursor> {
  events: CapturedEvent[];
  cursor: Cursor;
}

export interface Poller<Client, Cursor = unknown> {
  intervalMs: number;
  initialCursor(): Cursor;
  poll(client: Client, cursor: Cursor, now: Date): Promise<PollResult<Cursor>>;
}

/** Reads the system of record itself, for reconciliation (never our own copy of what we sent). */
export interface RecordReaders<Client> {
  inventory?(client: Client): Promise<InventoryLevel[]>;
  orders?(client: Client, since: string): Promise<{ orderNumber: string; externalId: string; totalMinor?: number; currency?: string; lines: { sku: string; quantity: number }[]; status?: string }[]>;
  [domain: string]: ((client: Client, ...args: any[]) => Promise<unknown>) | undefined;
}

export interface RatePolicy {
  /** Concurrent requests per connector instance. */
  concurrency: number;
  /** Steady requests per second (the documented bucket leak or quota). */
  perSecond: number;
  /**
   * The API's documented bucket size, kept for reference. Not enforced: the queue's limiter is a
   * fixed window of `perSecond`, so a full bucket is never spent at once. That is slower than the
   * API allows after a quiet spell, but a fixed window sized to the burst could send two bursts
   * back to back across a window edge, which the API would answer with 429s.
   */
  burst?: number;
}

export interface ConnectorDefinition<Credentials = any, Client = any, Secrets = any> {
  id: string;
  displayName: string;
  /** Field descriptions feed the console's generated credentials form; mark secrets with .meta({ secret: true }). */
  credentials: z.ZodType<Credentials>;
  /** The default API base URL of the real service; the sandbox URL replaces it by configuration. */
  defaultBaseUrl: string;
  ratePolicy: RatePolicy;
  capabilities: {
    source: EventType[];
    destination: string[];
    readers: string[];
  };
  createClient(opts: {
    baseUrl: string;
    credentials: Credentials;
    fetch?: typeof fetch;
    timeoutMs?: number;
    /**
     * Called when the system issued new credentials during a session (OAuth refresh-token
     * rotation): the pipeline re-encrypts and stores them so a restart does not lose them.
     */
    onCredentialsRefreshed?: (patch: Partial<Credentials>) => void | Promise<void>;
  }): Client;
  /** A cheap authenticated read that proves the credentials work (the console's "Test connection"). */
  testConnection(client: Client): Promise<{ ok: true; detail: string }>;
  webhooks?: WebhookSupport<Secrets>;
  /**
   * Which credential fields the webhook verifier needs. `connection.baseUrl` is the configured API
   * base URL, for verifiers that check where a notification points (ShipStation's resource_url).
   */
  webhookSecrets?(credentials: Credentials, connection?: { baseUrl: string }): Secrets;
  fetchNotification?(client: Client, notification: { sourceEventId: string; resource: string; topic?: string }): Promise<CapturedEvent[]>;
  /**
   * Runs after the ingress handled a request that verified (captured, ignored or rejected), to
   * answer the sender in its own protocol (EDI TA1/997). It runs before the HTTP answer; what it
   * throws is logged and leaves the answer alone, since the capture is already durable. Throwing
   * AnswersNotSent (pipeline/errors) with the documents still owed has the pipeline keep them and
   * send them again with resendAnswer while the failure is one that passes (outage, rate limit).
   */
  afterIngress?(ctx: IngressHookContext<Client, Secrets>): Promise<{ summary?: string } | void>;
  /** Sends a kept answer again, byte for byte; says what went out. */
  resendAnswer?(client: Client, answer: UnsentAnswer): Promise<{ summary: string }>;
  inboundFolder?: InboundFolderSupport<Credentials>;
  destinations?: Record<string, DestinationAction<Client>>;
  pollers?: Record<string, Poller<Client, any>>;
  readers?: RecordReaders<Client>;
  /** Maps any upstream error response to the shared taxonomy. Pure: tested against ../shared/fixtures. */
  classifyError(res: { status: number; headers: Record<string, string>; body: string }): ClassifiedError;
}

export function defineConnector<C, Cl, S>(def: ConnectorDefinition<C, Cl, S>): ConnectorDefinition<C, Cl, S> {
  return def;
}
