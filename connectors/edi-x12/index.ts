import { z } from "zod";
import { ClassifiedError, isClassifiedError } from "../../pipeline/errors";
import type { Order, Shipment } from "../../pipeline/model";
import { defineConnector, type DeliveryContext, type DeliveryResult } from "../sdk/definition";
import { answerInbound, resendAnswer } from "./answer-inbound";
import { EdiClient } from "./client";
import { allocatorFromSequence, type ControlNumberAllocator } from "./control-numbers";
import { classifyEdiError } from "./errors";
import { build810, invoiceLinesOf } from "./generate-810";
import { build855 } from "./generate-855";
import { AsnInputError, build856, sscc18 } from "./generate-856";
import { TradingPartner } from "./partner-config";
import { scanFolderOnce } from "./watch-folder";
import { ediWebhooks, type EdiWebhookSecrets } from "./webhooks";
import { outboundParties, writeInterchange, type OutboundSet } from "./write-envelope";
import { parseEdiOrderId, shipToLocationOf } from "./x850-to-order";

export { answerInbound, resendAnswer } from "./answer-inbound";
export { acknowledge, ordersFromReport, readInbound, type AcknowledgeDeps, type AcknowledgeResult, type BusinessRejection, type InterchangeOutcome } from "./acknowledge";
export { EdiClient, EDI_TOKEN_HEADER, type OutboundDocument, type SentDocument } from "./client";
export { allocatorFromSequence, formatIsa13, formatGs06, formatSt02, InMemoryControlNumbers, type ControlNumberAllocator, type ControlNumberKind } from "./control-numbers";
export { classifyEdiError } from "./errors";
export { build810, invoiceLinesOf, read810TotalCents, type Generate810Input, type InvoiceLine } from "./generate-810";
export { build855, type Generate855Input, type LineAck, type LineAckStatus } from "./generate-855";
export { AsnInputError, build856, gs1CheckDigit, isValidSscc, scacOf, sscc18, type Generate856Input } from "./generate-856";
export { build997, generate997, read997, type Received997 } from "./generate-997";
export { generateTa1, readTa1, ta1For, ta1Segment, type Ta1Ack } from "./generate-ta1";
export { el, parseInterchange, parseInterchanges, segmentsOf, transactionsOf, X12SyntaxError, type Delimiters, type X12Group, type X12Interchange, type X12Segment, type X12TransactionSet } from "./parse-interchange";
export { baseUrlOf, parseTradingPartner, TradingPartner, type TradingPartnerInput } from "./partner-config";
export {
  checkDuplicateInterchange, envelopeAccepted, expectationsFor, expectationsForOutbound, InMemoryInterchangeRegistry, validateEnvelope,
  type EnvelopeExpectations, type EnvelopeReport, type GroupAck, type InterchangeRegistry, type SetAck, type Ta1Issue,
} from "./validate-envelope";
export { scanFolderOnce, watchFolder, writeFileAtomic, type FolderFile, type WatchFolderOptions } from "./watch-folder";
export { ediWebhooks, tokensEqual, verifyEdiToken, type EdiWebhookSecrets } from "./webhooks";
export { inboundParties, outboundParties, writeInterchange, writeTa1Interchange, type EnvelopeParties, type OutboundSet, type WrittenInterchange } from "./write-envelope";
export { ediOrderId, parseEdiOrderId, resolveSku, shipToLocationOf, x850ToOrder, X850MappingError } from "./x850-to-order";

/**
 * One connection = one trading partner. The partner's implementation-guide settings travel with the
 * credentials because createClient and the webhook verifier see nothing else.
 */
export const EdiX12Credentials = z.object({
  sharedSecret: z
    .string()
    .min(16)
    .describe("Shared secret for the HTTP endpoints, sent and checked as the X-EDI-Token header in both directions (16+ characters)")
    .meta({ secret: true }),
  partner: TradingPartner.describe("The trading partner: ISA/GS ids, version, delimiters, expected documents and timing rules"),
});
export type EdiX12Credentials = z.infer<typeof EdiX12Credentials>;

/** The partner's inbound endpoint replaces this: there is no central EDI API. */
export const EDI_PLACEHOLDER_BASE_URL = "https://edi-partner.invalid/x12/inbound";

function controlNumbersOf(ctx: DeliveryContext): ControlNumberAllocator {
  if (!ctx.nextSequence) {
    throw new ClassifiedError({ errorClass: "permanent", message: "EDI documents need gap-free control numbers, and this pipeline did not provide DeliveryContext.nextSequence", field: "nextSequence" });
  }
  return allocatorFromSequence(ctx.nextSequence.bind(ctx));
}

function partnerOfOrder(client: EdiClient, orderId: string): { poNumber: string } | undefined {
  const ref = parseEdiOrderId(orderId);
  if (!ref) return undefined;
  if (ref.partnerId !== client.partner.id) {
    throw new ClassifiedError({ errorClass: "permanent", message: `order ${orderId} belongs to trading partner ${ref.partnerId}, but this connection is for ${client.partner.id}: check the routing rule`, field: "orderId" });
  }
  return ref;
}

/**
 * Writes one interchange and sends it. A retry of the same delivery resends the bytes generated the
 * first time (same ISA13), so a lost response never costs a control number.
 */
function sendDocument(client: EdiClient, ctx: DeliveryContext, kind: "855" | "856" | "810", functionalId: string, build: () => OutboundSet, what: string): Promise<DeliveryResult> {
  return client.serially(() => numberAndSend(client, ctx, kind, functionalId, build, what));
}

async function numberAndSend(client: EdiClient, ctx: DeliveryContext, kind: "855" | "856" | "810", functionalId: string, build: () => OutboundSet, what: string): Promise<DeliveryResult> {
  const earlier = client.recall(ctx.idempotencyKey);
  let doc = earlier?.doc;
  if (!doc) {
    let set: OutboundSet;
    try {
      set = build();
    } catch (e) {
      if (isClassifiedError(e)) throw e;
      const field = e instanceof AsnInputError ? e.field : undefined;
      throw new ClassifiedError({ errorClass: "validation", message: `cannot build the ${kind} for ${what}: ${(e as Error).message}`, field, reason: (e as Error).message });
    }
    const written = await writeInterchange({ parties: outboundParties(client.partner), functionalId, sets: [set], controlNumbers: controlNumbersOf(ctx) });
    doc = { x12: written.text, kind, isa13: written.isa13, idempotencyKey: ctx.idempotencyKey };
  }
  const sent = await client.send(doc);
  return { externalId: sent.externalId, summary: `${kind} for ${what} sent to ${client.partner.name} as interchange ${doc.isa13}${earlier ? " (resent)" : ""}`, upstream: sent.status ? { status: sent.status } : undefined };
}

async function send855(client: EdiClient, ctx: DeliveryContext): Promise<DeliveryResult> {
  const order = ctx.event.data as Order;
  const ref = partnerOfOrder(client, order.id);
  if (!ref) return { summary: `${order.orderNumber} did not come from EDI: no 855` };
  if (!client.partner.expects.includes("855")) return { summary: `${client.partner.name} does not take 855s` };
  return sendDocument(client, ctx, "855", "PR", () => build855({ order, ackDate: new Date() }), `PO ${ref.poNumber}`);
}

async function send856(client: EdiClient, ctx: DeliveryContext): Promise<DeliveryResult> {
  const shipment = ctx.event.data as Shipment;
  const ref = partnerOfOrder(client, shipment.orderId);
  if (!ref) return { summary: `shipment ${shipment.id} is for a non-EDI order: no 856` };
  if (!client.partner.expects.includes("856")) return { summary: `${client.partner.name} does not take 856s` };
  const order = await ctx.loadOrder?.(shipment.orderId);
  const labelled = client.recall(ctx.idempotencyKey) ? shipment : await withCartons(shipment, client.partner, ctx);
  const result = await sendDocument(client, ctx, "856", "SH", () => build856({ shipment: labelled, poNumber: order?.purchaseOrder?.poNumber ?? ref.poNumber, partner: client.partner, order, now: new Date() }), `shipment ${shipment.id} (PO ${ref.poNumber})`);
  client.noteAsnSent(shipment.id);
  return result;
}

/**
 * A 3PL that labels cartons reports their SSCCs on the shipment. Most (ShipStation among them)
 * report none; with our GS1 company prefix in the connection's settings (gs1CompanyPrefix) the
 * shipment travels as one carton whose SSCC serial comes from a gap-free sequence, so no two
 * cartons ever share a label. Without a prefix the 856 goes without a pack level (SOI) if the
 * partner allows it.
 */
async function withCartons(shipment: Shipment, partner: TradingPartner, ctx: DeliveryContext): Promise<Shipment> {
  const prefix = typeof ctx.settings.gs1CompanyPrefix === "string" ? ctx.settings.gs1CompanyPrefix : undefined;
  if (shipment.cartons?.length || !prefix || partner.asn.structure !== "SOPI" || !ctx.nextSequence) return shipment;
  const serial = await ctx.nextSequence(`sscc:${prefix}`);
  const lines = [...shipment.lines.reduce((m, l) => m.set(l.sku, (m.get(l.sku) ?? 0) + l.quantity), new Map<string, number>())].map(([sku, quantity]) => ({ sku, quantity }));
  return { ...shipment, cartons: [{ sscc: sscc18(prefix, serial), lines }] };
}

async function send810(client: EdiClient, ctx: DeliveryContext): Promise<DeliveryResult> {
  const shipment = ctx.event.data as Shipment;
  const ref = partnerOfOrder(client, shipment.orderId);
  if (!ref) return { summary: `shipment ${shipment.id} is for a non-EDI order: no 810` };
  if (!client.partner.expects.includes("810")) return { summary: `${client.partner.name} does not take 810s` };
  const partner = client.partner;
  const asnDone = Object.entries(ctx.priorResults).some(([k, v]) => k.endsWith(".send_856") && v) || client.asnSent(shipment.id);
  if (partner.timing.asnBeforeInvoice && partner.expects.includes("856") && !asnDone) {
    // Transient, not parked at once: the 856 of the same shipment may still be in flight.
    throw new ClassifiedError({ errorClass: "transient", message: `the 856 for shipment ${shipment.id} has not been sent yet and ${partner.name} requires the ASN before the invoice: route send_810 after send_856`, code: "asn_pending" });
  }
  const order = await ctx.loadOrder?.(shipment.orderId);
  if (!order) {
    throw new ClassifiedError({ errorClass: "permanent", message: `the 810 for shipment ${shipment.id} needs order ${shipment.orderId} for its prices, and the pipeline could not load it (DeliveryContext.loadOrder)`, field: "orderId" });
  }
  // The shipment id is the invoice number: stable across retries, one invoice per shipment.
  const invoiceNumber = shipment.id.replace(/^.*:/, "").slice(-22);
  return sendDocument(
    client, ctx, "810", "IN",
    () => build810({
      invoiceNumber, invoiceDate: new Date(), poNumber: ref.poNumber, poDate: order.purchaseOrder?.poDate, currency: order.currency,
      lines: invoiceLinesOf(shipment, order), shipTo: order.shippingAddress, shipToLocation: shipToLocationOf(order), vendorNumber: partner.vendorNumber,
    }),
    `invoice ${invoiceNumber} (PO ${ref.poNumber})`,
  );
}

const lookupSent = async (client: EdiClient, ctx: DeliveryContext) => client.recall(ctx.idempotencyKey)?.sent?.externalId;

/**
 * Builds the definition. `partners` lets webhooks.parse recognise a partner's ids and item map
 * without a ?partner= hint; the registry's instance has none and reads the partner from the URL.
 */
export function createEdiX12Connector(opts: { partners?: TradingPartner[] } = {}) {
  return defineConnector<EdiX12Credentials, EdiClient, EdiWebhookSecrets & { partner?: TradingPartner }>({
    id: "edi-x12",
    displayName: "EDI X12 trading partner",
    credentials: EdiX12Credentials,
    defaultBaseUrl: EDI_PLACEHOLDER_BASE_URL,
    // One at a time: partners expect our ISA13s to arrive in ascending order.
    ratePolicy: { concurrency: 1, perSecond: 5 },
    capabilities: {
      source: ["order.created", "order.cancelled"],
      destination: ["send_855", "send_856", "send_810"],
      readers: [],
    },
    createClient: ({ baseUrl, credentials, fetch, timeoutMs }) =>
      new EdiClient({ baseUrl, sharedSecret: credentials.sharedSecret, partner: TradingPartner.parse(credentials.partner), fetch, timeoutMs }),
    async testConnection(client) {
      return { ok: true, detail: `${client.partner.name} (${client.partner.isaQualifier}/${client.partner.isaId}): ${await client.ping()}` };
    },
    webhooks: ediWebhooks(opts.partners),
    webhookSecrets: (credentials) => ({ sharedSecret: credentials.sharedSecret, partner: credentials.partner }),
    afterIngress: answerInbound,
    resendAnswer,
    inboundFolder: {
      intervalMs: 2_000,
      folderOf: (credentials) => {
        const t = TradingPartner.parse(credentials.partner).transport;
        return t?.kind === "folder" ? t.inbound : undefined;
      },
      scan: (folder, onFile) => scanFolderOnce({ dir: folder, onFile }),
    },
    destinations: {
      /** 855 for an EDI order (id "edi:<partner>:<PO>"), every line accepted as ordered. */
      send_855: { accepts: ["order.created"], deliver: send855, lookupExisting: lookupSent },
      /** 856 ASN for a shipment of an EDI order: S > O > P (SSCC) > I, or S > O > I without cartons. */
      send_856: { accepts: ["shipment.created"], deliver: send856, lookupExisting: lookupSent },
      /** 810 invoice for a shipment of an EDI order, after its 856, priced from the order. */
      send_810: { accepts: ["shipment.created"], deliver: send810, lookupExisting: lookupSent },
    },
    classifyError: classifyEdiError,
  });
}

export const ediX12 = createEdiX12Connector();
