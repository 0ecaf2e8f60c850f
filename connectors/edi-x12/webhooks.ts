import { createHash, timingSafeEqual } from "node:crypto";
import { IngressRejection } from "../../pipeline/errors";
import type { InboundRequest, ParsedWebhook, WebhookSupport } from "../sdk/definition";
import { ordersFromReport, readInbound } from "./acknowledge";
import { EDI_TOKEN_HEADER } from "./client";
import { parseInterchange } from "./parse-interchange";
import type { TradingPartner } from "./partner-config";
import { envelopeAccepted, expectationsFor, type EnvelopeExpectations } from "./validate-envelope";

export interface EdiWebhookSecrets {
  sharedSecret: string;
}

/** Compares through SHA-256 digests so neither the length nor the content leaks through timing. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Rejects a request whose X-EDI-Token is missing or wrong (401 bad_signature). */
export function verifyEdiToken(req: InboundRequest, secrets: EdiWebhookSecrets): void {
  const given = req.headers[EDI_TOKEN_HEADER];
  if (!secrets.sharedSecret) throw new IngressRejection(401, "bad_signature", "no shared secret is configured for this EDI connection");
  if (!given || !tokensEqual(given, secrets.sharedSecret)) throw new IngressRejection(401, "bad_signature", "X-EDI-Token is missing or does not match the shared secret");
}

/**
 * Which partner sent this: ?partner=<id> on the ingress URL or an X-EDI-Partner header, looked up
 * among the configured partners; failing that, the one configured partner whose ISA05/ISA06 the
 * interchange carries.
 */
function partnerOf(req: InboundRequest, partners: TradingPartner[]): { id: string; config?: TradingPartner } {
  const named = req.query.partner ?? req.headers["x-edi-partner"];
  if (named) {
    // It becomes part of canonical order ids ("edi:<partner>:<PO>"): hold it to the config's rule.
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(named)) throw new IngressRejection(400, "malformed", `partner id ${JSON.stringify(named.slice(0, 70))} is not a trading partner id`);
    return { id: named, config: partners.find((p) => p.id === named) };
  }
  let sender: { qualifier: string; id: string } | undefined;
  try {
    const { isa } = parseInterchange(req.rawBody);
    sender = { qualifier: isa.senderQualifier, id: isa.senderId };
  } catch {
    // Unreadable: the parse below reports why, once the partner is known.
  }
  const bySender = sender ? partners.filter((p) => p.isaQualifier === sender.qualifier && p.isaId === sender.id) : [];
  if (bySender.length === 1) return { id: bySender[0]!.id, config: bySender[0] };
  throw new IngressRejection(400, "malformed", "cannot tell which trading partner sent this: add ?partner=<partner id> to the ingress URL");
}

/**
 * Webhook support for partners that POST X12 to us. parse() is synchronous and has no database,
 * so it checks what it can (delimiters, envelope counts, partner ids when the partner is
 * configured, element rules) and leaves duplicate detection to sourceEventId
 * `${partnerId}:${ISA13}:${ST02}`. The acknowledgements (TA1/997) come from acknowledge(), which
 * the pipeline calls with its control-number sequence and interchange registry.
 */
export function ediWebhooks(partners: TradingPartner[] = []): WebhookSupport<EdiWebhookSecrets & { partner?: TradingPartner }> {
  return {
    verify: verifyEdiToken,
    // The second argument is optional so the SDK's parse(req) contract still holds; an ingress that
    // passes the connection's secrets gets the partner's ids and item map applied.
    parse(req: InboundRequest, secrets?: { partner?: TradingPartner }): ParsedWebhook {
      const partner = secrets?.partner ? { id: secrets.partner.id, config: secrets.partner } : partnerOf(req, partners);
      const expect: EnvelopeExpectations = partner.config ? expectationsFor(partner.config) : { setTypes: ["850", "997"] };
      const reading = readInbound(req.rawBody, expect);
      if (reading.syntaxError) {
        throw new IngressRejection(400, "malformed", `not a readable X12 interchange (TA1 ${reading.syntaxError.ta1Code}): ${reading.syntaxError.message}`);
      }
      const events: Extract<ParsedWebhook, { kind: "events" }>["events"] = [];
      const acks: string[] = [];
      for (const report of reading.reports) {
        if (!envelopeAccepted(report)) {
          const t = report.ta1[0]!;
          throw new IngressRejection(422, "schema_invalid", `interchange ${report.isa13} rejected, TA1 ${t.code}: ${report.ta1.map((x) => x.message).join("; ")}`);
        }
        for (const g of report.groups) {
          if (g.codes.length) throw new IngressRejection(422, "schema_invalid", `group ${g.functionalId} ${g.controlNumber} rejected, AK9 ${g.codes.join(",")}: ${g.messages.join("; ")}`);
          for (const s of g.sets) {
            if (s.status === "R") throw new IngressRejection(422, "schema_invalid", `${s.type} ${s.controlNumber} rejected, AK5 ${s.codes.join(",")}: ${s.messages.join("; ")}`);
          }
          if (g.functionalId === "FA") acks.push(`997 for group ${g.controlNumber}`);
        }
        const mapped = ordersFromReport(report, { id: partner.id, name: partner.config?.name, currency: partner.config?.currency, itemMap: partner.config?.itemMap });
        // All or nothing: a transmission with one unmappable PO is quarantined whole, so no PO is
        // half-processed while the rest waits for an item map fix and a replay.
        if (mapped.rejections.length) {
          const r = mapped.rejections[0]!;
          throw new IngressRejection(422, "schema_invalid", `${r.reason}${r.field ? ` (${r.field})` : ""}`);
        }
        events.push(...mapped.events);
      }
      if (!events.length) return { kind: "ignored", reason: acks.length ? `acknowledgements only: ${acks.join(", ")}` : "no 850 purchase orders in the interchange" };
      return { kind: "events", events };
    },
  };
}
