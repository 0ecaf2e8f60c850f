import { access, readdir } from "node:fs/promises";
import { constants } from "node:fs";
import { fileURLToPath } from "node:url";
import { isClassifiedError } from "../../pipeline/errors";
import { headerAuth, HttpClient } from "../sdk/http-client";
import { classifyEdiError } from "./errors";
import type { TradingPartner } from "./partner-config";
import { writeFileAtomic } from "./watch-folder";

export const EDI_TOKEN_HEADER = "x-edi-token";

const MAX_SEND_WAIT_MS = 10_000;

export interface OutboundDocument {
  /** The whole interchange, ISA to IEA. */
  x12: string;
  /** What it carries, for file names and logs: 855, 856, 810, 997, TA1. */
  kind: string;
  isa13: string;
  /** The pipeline's idempotency key, sent as Idempotency-Key. */
  idempotencyKey?: string;
}

export interface SentDocument {
  externalId: string;
  /** Where it went: the URL, or the file path. */
  location: string;
  status?: number;
}

/**
 * Sends our X12 to one trading partner: POST to its HTTP endpoint (X-EDI-Token header), or a file
 * written atomically into its outbound folder when the base URL is file://.
 *
 * It also remembers what it sent per idempotency key (the last `outboxSize`), so a delivery retried
 * after a lost response resends the same bytes under the same ISA13 rather than taking new control
 * numbers; the partner recognises the resend as a duplicate interchange.
 */
export class EdiClient {
  readonly transport: "http" | "folder";
  private readonly http?: HttpClient;
  private readonly folder?: string;
  private readonly target: URL;
  private readonly outbox = new Map<string, { doc: OutboundDocument; sent?: SentDocument }>();
  private readonly asns = new Set<string>();
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly opts: { baseUrl: string; sharedSecret: string; partner: TradingPartner; fetch?: typeof fetch; timeoutMs?: number; outboxSize?: number },
  ) {
    this.target = new URL(opts.baseUrl);
    if (this.target.protocol === "file:") {
      this.transport = "folder";
      this.folder = fileURLToPath(this.target);
    } else if (this.target.protocol === "http:" || this.target.protocol === "https:") {
      this.transport = "http";
      // The endpoint is the base URL itself: split it so HttpClient does not append a slash.
      const parent = new URL(".", this.target);
      this.http = new HttpClient({ baseUrl: parent.href, auth: headerAuth(EDI_TOKEN_HEADER, opts.sharedSecret), classify: classifyEdiError, fetch: opts.fetch, timeoutMs: opts.timeoutMs, userAgent: "Loopkeeper-EDI/0.1" });
    } else {
      throw new Error(`EDI transport must be http(s):// or file://, not ${this.target.protocol}`);
    }
  }

  get partner(): TradingPartner {
    return this.opts.partner;
  }

  /** Shipments whose 856 this process sent: a fallback proof of "ASN before invoice" when the route has no `after`. */
  noteAsnSent(shipmentId: string): void {
    this.asns.add(shipmentId);
    if (this.asns.size > (this.opts.outboxSize ?? 1_000)) this.asns.delete(this.asns.values().next().value!);
  }

  asnSent(shipmentId: string): boolean {
    return this.asns.has(shipmentId);
  }

  /** A document generated for this idempotency key earlier, if this process still has it. */
  recall(idempotencyKey: string): { doc: OutboundDocument; sent?: SentDocument } | undefined {
    return this.outbox.get(idempotencyKey);
  }

  async send(doc: OutboundDocument): Promise<SentDocument> {
    if (doc.idempotencyKey) this.remember(doc.idempotencyKey, { doc });
    const sent = this.transport === "folder" ? await this.writeFile(doc) : await this.post(doc);
    if (doc.idempotencyKey) this.remember(doc.idempotencyKey, { doc, sent });
    return sent;
  }

  /**
   * Runs `fn` with no other numbered send of this connection in between. Partners read our ISA13s
   * in arrival order and flag a number that arrives before its predecessor as a gap, so taking a
   * control number and sending its interchange is one step, whether a delivery (855/856/810) or
   * the ingress (997/TA1) does it. This orders one process; the deliveries of a connection run at
   * concurrency 1, and the ingress of a multi-process deployment should run where they do.
   */
  serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /**
   * send(), retrying a rate limit or an outage a few times with the same bytes, within about ten
   * seconds, for documents no delivery retries later (the ingress's 997/TA1): the interchange
   * already has its control numbers, and while it waits nothing with a higher number overtakes it.
   * Deliveries use send() and are rescheduled by the pipeline, resending the same bytes.
   */
  async sendWithRetry(doc: OutboundDocument): Promise<SentDocument> {
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send(doc);
      } catch (e) {
        const retryable = isClassifiedError(e) && (e.errorClass === "rate_limited" || e.errorClass === "transient");
        const wait = Math.min(isClassifiedError(e) && e.retryAfterMs ? e.retryAfterMs : 250 * 2 ** (attempt - 1), MAX_SEND_WAIT_MS - waited);
        if (!retryable || wait <= 0 || attempt >= 5) throw e;
        waited += wait;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** A cheap check that the endpoint answers with our token, or that the folder is writable. */
  async ping(): Promise<string> {
    if (this.transport === "folder") {
      await access(this.folder!, constants.W_OK);
      const n = (await readdir(this.folder!)).length;
      return `folder ${this.folder} is writable (${n} entries)`;
    }
    const res = await this.http!.request({ method: "GET", path: this.endpointPath(), query: this.query(), headers: { accept: "*/*" } });
    return `${this.target.origin}${this.target.pathname} answered ${res.status}`;
  }

  private async post(doc: OutboundDocument): Promise<SentDocument> {
    const headers: Record<string, string> = { "content-type": "application/edi-x12", accept: "*/*" };
    if (doc.idempotencyKey) headers["idempotency-key"] = doc.idempotencyKey;
    const res = await this.http!.request({ method: "POST", path: this.endpointPath(), query: this.query(), rawBody: doc.x12, headers });
    return { externalId: `${this.opts.partner.id}:${doc.isa13}`, location: this.target.href, status: res.status };
  }

  private async writeFile(doc: OutboundDocument): Promise<SentDocument> {
    // The ISA13 in the name makes a resend overwrite its own earlier copy, never add a second one.
    const name = `${this.opts.partner.id}-${doc.kind}-${doc.isa13}.x12`;
    const path = await writeFileAtomic(this.folder!, name, doc.x12);
    return { externalId: `${this.opts.partner.id}:${doc.isa13}`, location: path };
  }

  private endpointPath(): string {
    return this.target.pathname.split("/").pop() ?? "";
  }

  private query(): Record<string, string> {
    return Object.fromEntries(this.target.searchParams.entries());
  }

  private remember(key: string, entry: { doc: OutboundDocument; sent?: SentDocument }): void {
    this.outbox.delete(key);
    this.outbox.set(key, entry);
    const max = this.opts.outboxSize ?? 1_000;
    while (this.outbox.size > max) this.outbox.delete(this.outbox.keys().next().value!);
  }
}
