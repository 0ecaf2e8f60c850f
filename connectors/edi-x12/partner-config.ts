import { pathToFileURL } from "node:url";
import { z } from "zod";
import { Address, CurrencyCode } from "../../pipeline/model";

/** Characters a partner may choose as a delimiter: printable, not alphanumeric, not a space. */
const DelimiterChar = z
  .string()
  .length(1)
  .refine((c) => !/[A-Za-z0-9 ]/.test(c), "a delimiter must not be a letter, a digit or a space");

export const OutboundDelimiters = z
  .object({
    element: DelimiterChar.default("*"),
    component: DelimiterChar.default(">"),
    segment: z.string().length(1).refine((c) => !/[A-Za-z0-9 ]/.test(c), "a segment terminator must not be a letter, a digit or a space").default("~"),
    /** ISA11 for ISA12 00402 and later; ignored for older versions, which carry "U" there. */
    repetition: DelimiterChar.default("^"),
    /** Append a line break after each terminator: some partners' FTP tooling wants lines. */
    lineBreak: z.boolean().default(false),
  })
  .refine((d) => new Set([d.element, d.component, d.segment, d.repetition]).size === 4, "element, component, segment and repetition delimiters must all differ");
export type OutboundDelimiters = z.infer<typeof OutboundDelimiters>;

const IsaQualifier = z.string().regex(/^[A-Z0-9]{2}$/, "an ISA id qualifier is two characters, e.g. ZZ, 01, 12");
const IsaId = z.string().min(1).max(15).regex(/^[^*~>|^\r\n]+$/, "an ISA id must not contain delimiter characters");

export const DocumentKind = z.enum(["855", "856", "810", "997"]);
export type DocumentKind = z.infer<typeof DocumentKind>;

export const PartnerTransport = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("http"), url: z.string().url().describe("The partner's inbound endpoint: we POST our X12 here") }),
  z.object({
    kind: z.literal("folder"),
    outbound: z.string().min(1).describe("Folder we write our X12 files into (an SFTP/VAN mailbox mount)"),
    inbound: z.string().min(1).optional().describe("Folder the partner drops its X12 files into; watched by watch-folder"),
  }),
]);
export type PartnerTransport = z.infer<typeof PartnerTransport>;

/**
 * One trading partner as its implementation guide describes it. "isa*" are the partner's own
 * interchange ids (ISA05/06 on what it sends us); "ourIsa*" are ours (ISA07/08 on what it sends).
 */
export const TradingPartner = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "partner id: lower-case letters, digits and dashes (it becomes part of canonical order ids)"),
  name: z.string().min(1),
  isaQualifier: IsaQualifier,
  isaId: IsaId,
  ourIsaQualifier: IsaQualifier,
  ourIsaId: IsaId,
  /** GS02/GS03 application codes; default to the ISA ids. */
  gsIds: z.object({ theirs: z.string().min(2).max(15), ours: z.string().min(2).max(15) }).optional(),
  /** GS08, e.g. 004010 or 004010VICS; ISA12 is derived (004010 → 00401). */
  version: z.string().regex(/^\d{6}[A-Z0-9]{0,6}$/, "GS08 version, e.g. 004010 or 004010VICS").default("004010"),
  usage: z.enum(["P", "T"]).default("P"),
  delimiters: OutboundDelimiters.default({ element: "*", component: ">", segment: "~", repetition: "^", lineBreak: false }),
  /** Documents the partner expects from us. */
  expects: z.array(DocumentKind).default(["997", "855", "856", "810"]),
  /** TA1 on what the partner sends: on errors only, also when ISA14 asks for one, or always. */
  ta1: z.enum(["on_error", "when_requested", "always"]).default("when_requested"),
  /** Ask the partner for a TA1 on what we send (ISA14). */
  requestTa1: z.boolean().default(false),
  currency: CurrencyCode.default("USD"),
  timing: z
    .object({
      ack997WithinHours: z.number().positive().default(24),
      ack855WithinHours: z.number().positive().default(24),
      asnWithinHoursOfShipment: z.number().positive().default(24),
      /** The 810 may only go after the 856 of the same shipment. */
      asnBeforeInvoice: z.boolean().default(true),
    })
    .default({ ack997WithinHours: 24, ack855WithinHours: 24, asnWithinHoursOfShipment: 24, asnBeforeInvoice: true }),
  asn: z
    .object({
      /** SOPI = Shipment/Order/Pack/Item (BSN05 0001), SOI = no pack level (0004). */
      structure: z.enum(["SOPI", "SOI"]).default("SOPI"),
      /** Refuse an ASN for a shipment without carton SSCCs (most big-box retailers). */
      requireCartons: z.boolean().default(false),
      /** MAN02 as the 20-character "00" + SSCC-18 (MAN01 GM is "SSCC-18 and Application Identifier") or the bare 18 digits. */
      ssccWithApplicationIdentifier: z.boolean().default(true),
    })
    .default({ structure: "SOPI", requireCartons: false, ssccWithApplicationIdentifier: true }),
  /** Our vendor number at the partner (REF*IA on 856/810). */
  vendorNumber: z.string().optional(),
  /** Our ship-from address (856 N1*SF). */
  shipFrom: Address.optional(),
  /** Partner item ids to our SKUs: "BP:0459001004" (qualifier:id) or a bare id → SKU. */
  itemMap: z.record(z.string(), z.string()).default({}),
  transport: PartnerTransport.optional(),
});
export type TradingPartner = z.infer<typeof TradingPartner>;
export type TradingPartnerInput = z.input<typeof TradingPartner>;

/** ISA12 for a GS08 version: 004010 → 00401, 005010X222A1 → 00501. */
export function isaVersionOf(partner: Pick<TradingPartner, "version">): string {
  return partner.version.slice(0, 5);
}

export function gsIdsOf(partner: TradingPartner): { theirs: string; ours: string } {
  return partner.gsIds ?? { theirs: partner.isaId, ours: partner.ourIsaId };
}

/** The base URL createClient takes for a partner's transport (http URL, or file:// for a folder). */
export function baseUrlOf(partner: TradingPartner): string | undefined {
  if (!partner.transport) return undefined;
  if (partner.transport.kind === "http") return partner.transport.url;
  return pathToFileURL(partner.transport.outbound).href;
}

/** Parses a partner config and says which field is wrong, for start-up and the console. */
export function parseTradingPartner(input: unknown): TradingPartner {
  const r = TradingPartner.safeParse(input);
  if (r.success) return r.data;
  const first = r.error.issues[0]!;
  throw new Error(`trading partner config: ${first.path.join(".") || "(root)"}: ${first.message}`);
}
