import { createHmac, timingSafeEqual } from "node:crypto";
import { IngressRejection } from "../../pipeline/errors";
import type { CapturedEvent, InboundRequest, ParsedWebhook, WebhookSupport } from "../sdk/definition";
import { QboCloudEvent, QboLegacyNotification } from "./api-schemas";
import type { QuickBooksClient } from "./client";
import { postingFromQbo, utcOf, type PostingKind } from "./map";

export interface QuickBooksWebhookSecrets {
  /** The app's webhook verifier token (Intuit developer portal → Webhooks). */
  verifierToken: string;
}

/** intuit-signature = base64(HMAC-SHA256(key = verifier token, message = the raw body bytes)). */
export function signIntuitPayload(rawBody: string, verifierToken: string): string {
  return createHmac("sha256", verifierToken).update(rawBody, "utf8").digest("base64");
}

/** Throws IngressRejection(401, "bad_signature") unless intuit-signature matches the raw body. */
export function verifyIntuitSignature(req: InboundRequest, secrets: QuickBooksWebhookSecrets): void {
  const given = req.headers["intuit-signature"];
  if (!given) throw new IngressRejection(401, "bad_signature", "missing intuit-signature header");
  if (!secrets.verifierToken) throw new IngressRejection(401, "bad_signature", "no webhook verifier token is configured for this QuickBooks connection");
  const expected = Buffer.from(signIntuitPayload(req.rawBody, secrets.verifierToken), "base64");
  const actual = Buffer.from(given.trim(), "base64");
  // Compare decoded bytes in constant time; a length mismatch is already a mismatch.
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new IngressRejection(401, "bad_signature", "intuit-signature does not match the body");
  }
}

/** QBO's entity names in their API spelling, keyed by the lower-case form CloudEvents use. */
const ENTITY_NAMES: Record<string, string> = Object.fromEntries(
  [
    "Account", "Bill", "BillPayment", "Budget", "Class", "CreditMemo", "Currency", "Customer", "Department", "Deposit",
    "Employee", "Estimate", "Invoice", "Item", "JournalCode", "JournalEntry", "Payment", "PaymentMethod", "Preferences",
    "Purchase", "PurchaseOrder", "RefundReceipt", "SalesReceipt", "TaxAgency", "Term", "TimeActivity", "Transfer",
    "Vendor", "VendorCredit",
  ].map((n) => [n.toLowerCase(), n]),
);

function entityName(raw: string): string {
  return ENTITY_NAMES[raw.toLowerCase()] ?? raw.charAt(0).toUpperCase() + raw.slice(1);
}

/** "Create" → "created", as the CloudEvents type spells operations. */
function pastTense(operation: string): string {
  const op = operation.toLowerCase();
  if (op.endsWith("ed")) return op;
  return op.endsWith("e") ? `${op}d` : `${op}ed`;
}

/**
 * Parses both QBO webhook formats into notifications (QBO never sends the entity itself):
 * CloudEvents 1.0 arrays (`type` qbo.<entity>.<op>.v1; the event id is the dedupe key) and
 * the legacy eventNotifications body (no event id, so realm + entity + id + lastUpdated is).
 */
export function parseQuickBooksWebhook(req: InboundRequest): ParsedWebhook {
  let doc: unknown;
  try {
    doc = JSON.parse(req.rawBody);
  } catch {
    throw new IngressRejection(400, "malformed", "QuickBooks webhook body is not JSON");
  }
  const notifications: { sourceEventId: string; resource: string; topic?: string }[] = [];
  if (Array.isArray(doc)) {
    doc.forEach((raw, i) => {
      const parsed = QboCloudEvent.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new IngressRejection(422, "schema_invalid", `CloudEvent [${i}].${issue.path.join(".")}: ${issue.message}`);
      }
      const [, entity, operation] = parsed.data.type.split(".") as [string, string, string];
      notifications.push({
        sourceEventId: parsed.data.id,
        resource: `${entityName(entity)}/${parsed.data.intuitentityid}`,
        topic: `${entity}.${operation}`,
      });
    });
  } else if (doc && typeof doc === "object" && "eventNotifications" in doc) {
    const parsed = QboLegacyNotification.safeParse(doc);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new IngressRejection(422, "schema_invalid", `eventNotifications: ${issue.path.join(".")}: ${issue.message}`);
    }
    for (const n of parsed.data.eventNotifications) {
      for (const e of n.dataChangeEvent.entities) {
        const name = entityName(e.name);
        notifications.push({
          sourceEventId: `${n.realmId}:${name}:${e.id}:${e.lastUpdated ?? e.operation}`,
          resource: `${name}/${e.id}`,
          topic: `${name.toLowerCase()}.${pastTense(e.operation)}`,
        });
      }
    }
  } else {
    throw new IngressRejection(422, "schema_invalid", "QuickBooks webhook body is neither a CloudEvents array nor an eventNotifications object");
  }
  if (notifications.length === 0) return { kind: "ignored", reason: "the webhook carried no entity changes" };
  return { kind: "notifications", notifications };
}

export const quickBooksWebhooks: WebhookSupport<QuickBooksWebhookSecrets> = {
  verify: verifyIntuitSignature,
  parse: parseQuickBooksWebhook,
};

/** Splits "SalesReceipt/150" into its entity and id. */
export function parseResource(resource: string): { entity: string; id: string } {
  const i = resource.indexOf("/");
  if (i <= 0 || i === resource.length - 1) throw new Error(`not a QuickBooks resource: ${resource}`);
  return { entity: resource.slice(0, i), id: resource.slice(i + 1) };
}

const POSTING_ENTITIES: Record<string, { entity: "SalesReceipt" | "RefundReceipt" | "Invoice"; kind: PostingKind }> = {
  SalesReceipt: { entity: "SalesReceipt", kind: "sales_receipt" },
  RefundReceipt: { entity: "RefundReceipt", kind: "refund_receipt" },
  Invoice: { entity: "Invoice", kind: "invoice" },
};

/**
 * Reads the document a notification points at and reports it as the system of record sees it
 * now (a posting.created event). Other entities, and deletions or merges (nothing left to
 * read), produce no events.
 */
export async function fetchQuickBooksNotification(
  client: QuickBooksClient,
  notification: { sourceEventId: string; resource: string; topic?: string },
): Promise<CapturedEvent[]> {
  const { entity, id } = parseResource(notification.resource);
  const target = POSTING_ENTITIES[entity];
  if (!target) return [];
  if (notification.topic && /\.(deleted|merged)$/.test(notification.topic)) return [];
  const doc = await client.read(target.entity, id);
  const posting = postingFromQbo(target.kind, doc, { defaultCurrency: client.homeCurrency, skuByItemId: await skuMap(client, doc.Line) });
  const event: CapturedEvent<"posting.created"> = {
    type: "posting.created",
    sourceEventId: notification.sourceEventId,
    occurredAt: utcOf(doc.MetaData?.LastUpdatedTime) ?? posting.postedAt,
    data: posting,
  };
  return [event];
}

/** Resolves the SKUs of the items a document's lines reference (one query for all of them). */
export async function skuMap(client: QuickBooksClient, lines: { SalesItemLineDetail?: { ItemRef?: { value: string } } }[]): Promise<Record<string, string>> {
  const ids = lines.map((l) => l.SalesItemLineDetail?.ItemRef?.value).filter((v): v is string => !!v && /^\d+$/.test(v));
  if (ids.length === 0) return {};
  const items = await client.itemsByIds(ids);
  return Object.fromEntries(items.map((it) => [it.Id, it.Sku || it.Name]));
}
