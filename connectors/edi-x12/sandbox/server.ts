import { createHash } from "node:crypto";
import { toMinorUnits } from "../../../pipeline/model";
import { route, startSandbox, WebhookEmitter, type SandboxRequest, type SandboxResponse, type SandboxServer } from "../../sdk/sandbox-kit";
import { readInbound } from "../acknowledge";
import { EDI_TOKEN_HEADER } from "../client";
import { InMemoryControlNumbers } from "../control-numbers";
import { generate997, read997 } from "../generate-997";
import { generateTa1, readTa1, ta1For, type Ta1Ack } from "../generate-ta1";
import { el, segmentsOf, type X12TransactionSet } from "../parse-interchange";
import { TradingPartner, type TradingPartnerInput } from "../partner-config";
import { isValidSscc } from "../sscc";
import { expectationsForOutbound, type EnvelopeReport } from "../validate-envelope";
import { tokensEqual } from "../webhooks";
import { inboundParties } from "../write-envelope";
import { parseX12DateTime } from "../x12-time";
import { build850, type Sandbox850Fault, type SandboxPurchaseOrder } from "./build-850";
import { emptyState, hoursBetween, overdueViolations, type ReceivedDocument, type SentPurchaseOrder, type TradingPartnerState, type Violation } from "./state";

export type { Sandbox850Fault, SandboxPurchaseOrder } from "./build-850";
export type { ReceivedDocument, SentPurchaseOrder, TradingPartnerState, Violation, ViolationRule } from "./state";

export const SANDBOX_EDI_TOKEN = "sandbox-edi-shared-secret-000000";

/** The sandbox retailer as we configure it: its ids are ISA05/06 on what it sends us. */
export const SANDBOX_PARTNER: TradingPartnerInput = {
  id: "sandbox-retail",
  name: "Sandbox Retail Co",
  isaQualifier: "ZZ",
  isaId: "SANDBOXRETAIL",
  ourIsaQualifier: "ZZ",
  ourIsaId: "LOOPKEEPER",
  version: "004010",
  usage: "T",
  vendorNumber: "V-1042",
  expects: ["997", "855", "856", "810"],
  timing: { ack997WithinHours: 24, ack855WithinHours: 24, asnWithinHoursOfShipment: 24, asnBeforeInvoice: true },
};

export interface TradingPartnerSandboxOptions {
  port?: number;
  /** Our configuration of this retailer; merged over SANDBOX_PARTNER. Its timing rules are the compliance windows. */
  partner?: Partial<TradingPartnerInput>;
  /** Where the retailer POSTs its 850s (and its 997/TA1 for our documents). */
  ourEndpoint?: string;
  /** The shared X-EDI-Token, both directions. */
  token?: string;
  /** The retailer's clock (compliance windows). advanceClock() moves it forward. */
  clock?: () => Date;
  /** Answer each of our interchanges with a 997 (and a TA1 on envelope errors), as retailers do. Default true. */
  acknowledgeOurDocuments?: boolean;
}

export interface TradingPartnerSandbox extends SandboxServer {
  /** Live state (also served at GET /_sandbox/state, with the overdue violations). */
  readonly state: TradingPartnerState;
  /** The partner config for Loopkeeper, its transport pointing at this sandbox's /inbound. */
  readonly partner: TradingPartner;
  readonly token: string;
  ourEndpoint: string | undefined;
  /** Sends an 850 to ourEndpoint; resolves with its ISA13 once our endpoint answered. */
  send850(po: SandboxPurchaseOrder, opts?: { fault?: Sandbox850Fault }): Promise<string>;
  /** Recorded violations plus those overdue at the sandbox clock. */
  violations(): Violation[];
  advanceClock(ms: number): void;
  now(): Date;
}

const X12_CONTENT_TYPE = "application/edi-x12";

/**
 * A retailer's EDI gateway: it sends 850s to our endpoint (POST with X-EDI-Token), receives our
 * 997/TA1/855/856/810 at POST /inbound, reads them with our own parser and envelope checks, answers
 * each with a 997, and keeps a compliance scorecard (997 and 855 within their windows, ASN within
 * N hours of shipment and before the invoice, SSCC check digits, invoice totals, ISA13 never reused
 * and never skipped).
 *
 * Faults: send850(po, { fault }) or POST /_sandbox/faults { custom: { duplicateInterchange: n,
 * brokenEnvelope: n, invalidElement: n } } for the next n 850s; the kit's 429/5xx/timeout faults
 * apply to /inbound, and its webhook faults (duplicates, drop, outOfOrder) to what the retailer sends.
 */
export async function startTradingPartnerSandbox(opts: TradingPartnerSandboxOptions = {}): Promise<TradingPartnerSandbox> {
  const token = opts.token ?? SANDBOX_EDI_TOKEN;
  let offsetMs = 0;
  const now = () => new Date((opts.clock ? opts.clock().getTime() : Date.now()) + offsetMs);
  let partner = TradingPartner.parse({ ...SANDBOX_PARTNER, ...opts.partner });
  let state = emptyState(partner);
  const numbers = new InMemoryControlNumbers();
  const ackOurDocs = opts.acknowledgeOurDocuments ?? true;
  let emitter: WebhookEmitter | undefined;
  let ourEndpoint = opts.ourEndpoint;

  const violate = (v: Omit<Violation, "at">) => state.violations.push({ at: now().toISOString(), ...v });
  const poOf = (poNumber: string) => state.purchaseOrders.find((p) => p.poNumber === poNumber);

  async function post(body: string): Promise<(number | "error" | "dropped" | "held")[]> {
    if (!emitter || !ourEndpoint) throw new Error("the trading-partner sandbox has no ourEndpoint to send to");
    emitter.targetUrl = ourEndpoint;
    const before = emitter.sent.length;
    await emitter.emit(body, { "content-type": X12_CONTENT_TYPE });
    return emitter.sent.slice(before).map((s) => s.status);
  }

  function takeCustomFault(): Sandbox850Fault | undefined {
    const custom = (server.faults.settings.custom ??= {});
    for (const [key, fault] of [["duplicateInterchange", "duplicate_interchange"], ["brokenEnvelope", "broken_envelope"], ["invalidElement", "invalid_element"]] as const) {
      const n = Number(custom[key] ?? 0);
      if (n > 0) {
        custom[key] = n - 1;
        server.faults.log.push({ at: now().toISOString(), fault, path: "send850" });
        return fault;
      }
    }
    return undefined;
  }

  async function send850(po: SandboxPurchaseOrder, o: { fault?: Sandbox850Fault } = {}): Promise<string> {
    const fault = o.fault ?? takeCustomFault();
    const built = await build850(po, { parties: inboundParties(partner), controlNumbers: numbers, now: now(), fault });
    const entry: SentPurchaseOrder = { poNumber: po.poNumber, isa13: built.isa13, gs06: built.gs06, st02: built.st02, sentAt: now().toISOString(), fault, responses: [], asns: [], invoices: [] };
    state.purchaseOrders.push(entry);
    entry.responses.push(...(await post(built.text)));
    if (fault === "duplicate_interchange") entry.responses.push(...(await post(built.text)));
    return built.isa13;
  }

  async function receive(req: SandboxRequest): Promise<SandboxResponse> {
    const at = now();
    const doc: ReceivedDocument = { receivedAt: at.toISOString(), isa13: "", kinds: [], poNumbers: [], valid: true, problems: [], body: req.rawBody };
    state.received.push(doc);
    const reading = readInbound(req.rawBody, expectationsForOutbound(partner));
    if (reading.syntaxError) {
      doc.kinds.push("unreadable");
      doc.valid = false;
      doc.problems.push(reading.syntaxError.message);
      violate({ rule: "invalid_document", detail: `unreadable X12 (TA1 ${reading.syntaxError.ta1Code}): ${reading.syntaxError.message}` });
      return { status: 400, text: `not a readable X12 interchange: ${reading.syntaxError.message}` };
    }
    const acks: EnvelopeReport["groups"] = [];
    const ta1s: Ta1Ack[] = [];
    for (const report of reading.reports) {
      doc.isa13 ||= report.isa13;
      checkSequence(report.isa13, req.rawBody);
      if (report.ta1.length) {
        doc.valid = false;
        doc.problems.push(...report.ta1.map((t) => `TA1 ${t.code}: ${t.message}`));
        violate({ rule: "invalid_document", isa13: report.isa13, detail: report.ta1.map((t) => `TA1 ${t.code}: ${t.message}`).join("; ") });
        ta1s.push(ta1For(report));
        continue;
      }
      for (const seg of report.interchange.ta1) {
        doc.kinds.push("TA1");
        const t = readTa1(seg);
        const po = state.purchaseOrders.find((p) => p.isa13 === t.controlNumber);
        if (!po) violate({ rule: "unknown_po", isa13: report.isa13, detail: `TA1 for interchange ${t.controlNumber}, which we never sent` });
        else if (t.noteCode === "025") po.duplicateRejected = { noteCode: t.noteCode, receivedAt: at.toISOString() };
        else po.ta1 = { ackCode: t.ackCode, noteCode: t.noteCode, receivedAt: at.toISOString() };
      }
      report.interchange.groups.forEach((group, gi) => {
        const g = report.groups[gi]!;
        if (g.status !== "A") {
          doc.valid = false;
          const why = [...g.messages, ...g.sets.flatMap((s) => s.messages)].join("; ");
          doc.problems.push(why);
          violate({ rule: "invalid_document", isa13: report.isa13, detail: `group ${group.functionalId} ${group.controlNumber}: AK9 ${g.status} ${why}` });
        }
        if (group.functionalId !== "FA") acks.push(g);
        group.transactions.forEach((set, si) => {
          if (g.sets[si]!.status === "R") return;
          doc.kinds.push(set.type);
          judge(set, report, at, doc);
        });
      });
    }
    if (ackOurDocs && ourEndpoint) {
      const parties = inboundParties(partner);
      // Sent after we answer, as a real gateway does: the 997 is its own transmission.
      setImmediate(() => void (async () => {
        if (ta1s.length) await post((await generateTa1(ta1s, { partner, parties, controlNumbers: numbers, now: now() })).text);
        const ack = await generate997(acks, { partner, parties, controlNumbers: numbers, now: now() });
        if (ack) await post(ack.text);
      })().catch(() => undefined));
    }
    return { status: 202, text: "accepted" };
  }

  function checkSequence(isa13: string, body: string): void {
    const digest = createHash("sha256").update(body).digest("hex");
    const same = state.ourInterchanges.find((x) => x.isa13 === isa13);
    if (same) {
      if (same.digest !== digest) violate({ rule: "isa13_reused", isa13, detail: `ISA13 ${isa13} was already used for a different interchange` });
      return;
    }
    const max = Math.max(0, ...state.ourInterchanges.map((x) => Number(x.isa13)));
    if (state.ourInterchanges.length && Number(isa13) > max + 1) violate({ rule: "isa13_gap", isa13, detail: `ISA13 jumped from ${max} to ${Number(isa13)}` });
    state.ourInterchanges.push({ isa13, digest });
  }

  function judge(set: X12TransactionSet, report: EnvelopeReport, at: Date, doc: ReceivedDocument): void {
    const isa13 = report.isa13;
    const t = partner.timing;
    if (set.type === "997") {
      const r = read997(set, report.interchange.delimiters);
      const po = state.purchaseOrders.find((p) => p.gs06 === r.groupControlNumber && r.functionalId === "PO");
      if (!po) return void violate({ rule: "unknown_po", isa13, detail: `997 for group ${r.functionalId} ${r.groupControlNumber}, which we never sent` });
      doc.poNumbers.push(po.poNumber);
      const s = r.sets[0];
      po.ack997 = { status: String(r.status), setStatus: s ? String(s.status) : undefined, setCodes: (s?.codes ?? []).map(String), errors: (s?.errors ?? []).map((e) => ({ ...e, code: String(e.code), elements: e.elements.map((x) => ({ position: x.position, reference: x.reference, code: String(x.code) })) })), receivedAt: at.toISOString() };
      if (hoursBetween(po.sentAt, at) > t.ack997WithinHours) violate({ rule: "ack997_late", isa13, poNumber: po.poNumber, detail: `997 for PO ${po.poNumber} after ${hoursBetween(po.sentAt, at).toFixed(1)} h (window ${t.ack997WithinHours} h)` });
      return;
    }
    if (set.type === "855") {
      const bak = segmentsOf(set, "BAK")[0];
      const poNumber = el(bak, 3);
      doc.poNumbers.push(poNumber);
      const po = poOf(poNumber);
      if (!po) return void violate({ rule: "unknown_po", isa13, poNumber, detail: `855 for PO ${poNumber}, which we never sent` });
      po.ack855 = { receivedAt: at.toISOString(), bak02: el(bak, 2), lineStatuses: segmentsOf(set, "ACK").map((a) => el(a, 1)) };
      if (hoursBetween(po.sentAt, at) > t.ack855WithinHours) violate({ rule: "ack855_late", isa13, poNumber, detail: `855 for PO ${poNumber} after ${hoursBetween(po.sentAt, at).toFixed(1)} h (window ${t.ack855WithinHours} h)` });
      return;
    }
    if (set.type === "856") {
      const shipmentId = el(segmentsOf(set, "BSN")[0], 2);
      const dtm = segmentsOf(set, "DTM").find((d) => el(d, 1) === "011");
      const shippedAt = dtm ? parseX12DateTime(el(dtm, 2), el(dtm, 3) || undefined) : undefined;
      for (const man of segmentsOf(set, "MAN").filter((m) => el(m, 1) === "GM")) {
        if (!isValidSscc(el(man, 2))) violate({ rule: "invalid_sscc", isa13, detail: `856 ${shipmentId}: SSCC ${el(man, 2)} has a wrong check digit` });
      }
      for (const prf of segmentsOf(set, "PRF")) {
        const poNumber = el(prf, 1);
        doc.poNumbers.push(poNumber);
        const po = poOf(poNumber);
        if (!po) {
          violate({ rule: "unknown_po", isa13, poNumber, detail: `856 ${shipmentId} for PO ${poNumber}, which we never sent` });
          continue;
        }
        if (po.invoices.length) violate({ rule: "asn_after_invoice", isa13, poNumber, detail: `856 ${shipmentId} arrived after invoice ${po.invoices[0]!.invoiceNumber}` });
        if (shippedAt && hoursBetween(shippedAt, at) > t.asnWithinHoursOfShipment) {
          violate({ rule: "asn_late", isa13, poNumber, detail: `856 ${shipmentId} arrived ${hoursBetween(shippedAt, at).toFixed(1)} h after shipment (window ${t.asnWithinHoursOfShipment} h)` });
        }
        po.asns.push({ receivedAt: at.toISOString(), shipmentId });
      }
      return;
    }
    if (set.type === "810") {
      const big = segmentsOf(set, "BIG")[0];
      const poNumber = el(big, 4);
      doc.poNumbers.push(poNumber);
      const po = poOf(poNumber);
      if (!po) return void violate({ rule: "unknown_po", isa13, poNumber, detail: `810 ${el(big, 2)} for PO ${poNumber}, which we never sent` });
      const totalCents = Number(el(segmentsOf(set, "TDS")[0], 1));
      const lines = segmentsOf(set, "IT1").reduce((sum, it) => sum + Number(el(it, 2)) * toMinorUnits(el(it, 4) || "0", "USD"), 0);
      if (lines !== totalCents) violate({ rule: "invoice_total_mismatch", isa13, poNumber, detail: `810 ${el(big, 2)}: TDS ${totalCents} but the lines add up to ${lines}` });
      if (t.asnBeforeInvoice && !po.asns.length) violate({ rule: "invoice_before_asn", isa13, poNumber, detail: `810 ${el(big, 2)} for PO ${poNumber} arrived before any 856` });
      po.invoices.push({ receivedAt: at.toISOString(), invoiceNumber: el(big, 2), totalCents });
    }
  }

  const server = await startSandbox({
    name: "edi-x12",
    port: opts.port,
    routes: [
      route("POST", "/inbound", receive),
      route("GET", "/inbound", () => ({ status: 200, body: { ok: true, partner: partner.name, accepts: ["997", "TA1", "855", "856", "810"] } })),
      route("POST", "/_sandbox/send850", async (req) => {
        const { fault, ...po } = (req.body ?? {}) as SandboxPurchaseOrder & { fault?: Sandbox850Fault };
        try {
          return { status: 200, body: { isa13: await send850(po, { fault }) } };
        } catch (e) {
          return { status: 409, body: { message: (e as Error).message } };
        }
      }, { unauthenticated: true }),
      route("POST", "/_sandbox/clock", (req) => {
        offsetMs += Number((req.body as { advanceMs?: number })?.advanceMs ?? 0);
        return { status: 200, body: { now: now().toISOString() } };
      }, { unauthenticated: true }),
    ],
    faultResponses: {
      rateLimited: (s) => ({ status: 429, headers: { "retry-after": String(s) }, text: "Too Many Requests" }),
      serverError: (status) => ({ status, text: "EDI gateway unavailable" }),
      expiredToken: () => ({ status: 401, text: "X-EDI-Token missing or invalid" }),
    },
    authorize: (req) => tokensEqual(req.headers[EDI_TOKEN_HEADER] ?? "", token),
    state: () => ({ ...state, violations: [...state.violations, ...overdueViolations(state, now())], now: now().toISOString() }),
    reset: () => {
      state = emptyState(partner);
      offsetMs = 0;
    },
  });

  partner = TradingPartner.parse({ ...SANDBOX_PARTNER, ...opts.partner, transport: { kind: "http", url: `${server.url}/inbound` } });
  state.partner = partner;
  emitter = new WebhookEmitter(server.faults, () => ({ [EDI_TOKEN_HEADER]: token }));

  return {
    ...server,
    get state() {
      return state;
    },
    partner,
    token,
    get ourEndpoint() {
      return ourEndpoint;
    },
    set ourEndpoint(url: string | undefined) {
      ourEndpoint = url;
    },
    send850,
    violations: () => [...state.violations, ...overdueViolations(state, now())],
    advanceClock: (ms: number) => void (offsetMs += ms),
    now,
  };
}
