import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { IngressRejection } from "../../../pipeline/errors";
import { listFixtures, readFixture } from "../../../pipeline/testing/fixtures";
import type { InboundRequest } from "../../sdk/definition";
import { quickbooks } from "../index";
import { parseQuickBooksWebhook, parseResource, verifyIntuitSignature } from "../webhooks";

const TOKEN = "verifier-token-for-tests";

const request = (rawBody: string, headers: Record<string, string> = {}): InboundRequest => ({ headers, rawBody, query: {} });
/** Computed here with node:crypto directly, independent of the code under test. */
const sign = (body: string, token = TOKEN) => createHmac("sha256", token).update(Buffer.from(body, "utf8")).digest("base64");

const EXPECTED: Record<string, { sourceEventId: string; resource: string; topic: string }[]> = {
  "cloudevents.account.created.intuit-blog-2025-11.json": [
    { sourceEventId: "88cd52aa-33b6-4351-9aa4-47572edbd068", resource: "Account/1234", topic: "account.created" },
  ],
  "cloudevents.customer.merged.docs.json": [
    { sourceEventId: "********-****-****-****-************-Customer-123", resource: "Customer/123", topic: "customer.merged" },
  ],
  "cloudevents.employee.created.docs.json": [
    { sourceEventId: "*-*********-***************-PayrollEmployee-000000011", resource: "Employee/000000011", topic: "employee.created" },
  ],
  "cloudevents.salesreceipt.updated.no-data.docs.json": [
    { sourceEventId: "*********-****-****-****-************-SalesReceipt-150", resource: "SalesReceipt/150", topic: "salesreceipt.updated" },
  ],
  "legacy.eventNotifications.intuit-blog-2025-11.json": [
    { sourceEventId: "310687:Account:1234:2025-09-08T20:52:31.657Z", resource: "Account/1234", topic: "account.created" },
  ],
};

describe("QuickBooks webhook fixtures", () => {
  const files = listFixtures("quickbooks/webhooks");

  it("has an expectation for exactly the fixtures on disk", () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`verifies and parses ${file}`, () => {
      const body = readFixture("quickbooks", "webhooks", file);
      const req = request(body, { "intuit-signature": sign(body) });
      expect(() => quickbooks.webhooks!.verify(req, { verifierToken: TOKEN })).not.toThrow();
      const parsed = quickbooks.webhooks!.parse(req);
      expect(parsed).toEqual({ kind: "notifications", notifications: EXPECTED[file] });
    });
  }
});

describe("intuit-signature verification", () => {
  const body = readFixture("quickbooks", "webhooks", "cloudevents.salesreceipt.updated.no-data.docs.json");

  const rejection = (fn: () => void): IngressRejection => {
    try {
      fn();
    } catch (e) {
      return e as IngressRejection;
    }
    throw new Error("expected a rejection");
  };

  it("rejects a body changed after signing", () => {
    const tampered = body.replace('"150"', '"151"');
    const e = rejection(() => verifyIntuitSignature(request(tampered, { "intuit-signature": sign(body) }), { verifierToken: TOKEN }));
    expect(e).toBeInstanceOf(IngressRejection);
    expect(e).toMatchObject({ status: 401, reasonCode: "bad_signature" });
  });

  it("rejects a signature made with another verifier token", () => {
    const e = rejection(() => verifyIntuitSignature(request(body, { "intuit-signature": sign(body, "someone-else") }), { verifierToken: TOKEN }));
    expect(e).toMatchObject({ status: 401, reasonCode: "bad_signature" });
  });

  it("rejects a missing header, garbage, and a truncated signature", () => {
    const variants: Record<string, string>[] = [{}, { "intuit-signature": "not base64 at all!" }, { "intuit-signature": sign(body).slice(0, 20) }];
    for (const headers of variants) {
      const e = rejection(() => verifyIntuitSignature(request(body, headers), { verifierToken: TOKEN }));
      expect(e).toMatchObject({ status: 401, reasonCode: "bad_signature" });
    }
  });

  it("verifies over the raw bytes, not re-serialised JSON", () => {
    const compact = JSON.stringify(JSON.parse(body));
    expect(compact).not.toBe(body);
    expect(() => verifyIntuitSignature(request(compact, { "intuit-signature": sign(body) }), { verifierToken: TOKEN })).toThrow(IngressRejection);
  });

  it("takes the verifier token from the credentials", () => {
    expect(quickbooks.webhookSecrets!({ webhookVerifierToken: TOKEN } as never)).toEqual({ verifierToken: TOKEN });
  });
});

describe("parseQuickBooksWebhook edge cases", () => {
  it("answers 400 malformed for a body that is not JSON", () => {
    expect(() => parseQuickBooksWebhook(request("eventNotifications="))).toThrow(expect.objectContaining({ status: 400, reasonCode: "malformed" }));
  });

  it("answers 422 for a CloudEvent without intuitentityid, naming the field", () => {
    const bad = JSON.stringify([{ specversion: "1.0", id: "e1", type: "qbo.invoice.created.v1", intuitaccountid: "1" }]);
    expect(() => parseQuickBooksWebhook(request(bad))).toThrow(/intuitentityid/);
  });

  it("answers 422 for a type outside qbo.<entity>.<op>.v<n>", () => {
    const bad = JSON.stringify([{ specversion: "1.0", id: "e1", type: "com.example.thing", intuitentityid: "1", intuitaccountid: "1" }]);
    expect(() => parseQuickBooksWebhook(request(bad))).toThrow(expect.objectContaining({ status: 422, reasonCode: "schema_invalid" }));
  });

  it("answers 422 for JSON of neither format", () => {
    expect(() => parseQuickBooksWebhook(request(JSON.stringify({ hello: "world" })))).toThrow(expect.objectContaining({ status: 422 }));
  });

  it("ignores an empty batch", () => {
    expect(parseQuickBooksWebhook(request("[]"))).toEqual({ kind: "ignored", reason: "the webhook carried no entity changes" });
  });

  it("keeps every entity of a multi-entity legacy notification, with QBO's entity spelling", () => {
    const body = JSON.stringify({
      eventNotifications: [
        {
          realmId: "9341",
          dataChangeEvent: {
            entities: [
              { name: "SalesReceipt", id: "7", operation: "Void", lastUpdated: "2026-01-02T03:04:05.000Z" },
              { name: "refundreceipt", id: "8", operation: "Delete", lastUpdated: "2026-01-02T03:04:06.000Z" },
            ],
          },
        },
      ],
    });
    const parsed = parseQuickBooksWebhook(request(body));
    expect(parsed).toEqual({
      kind: "notifications",
      notifications: [
        { sourceEventId: "9341:SalesReceipt:7:2026-01-02T03:04:05.000Z", resource: "SalesReceipt/7", topic: "salesreceipt.voided" },
        { sourceEventId: "9341:RefundReceipt:8:2026-01-02T03:04:06.000Z", resource: "RefundReceipt/8", topic: "refundreceipt.deleted" },
      ],
    });
  });

  it("splits a resource into entity and id", () => {
    expect(parseResource("SalesReceipt/150")).toEqual({ entity: "SalesReceipt", id: "150" });
    expect(() => parseResource("SalesReceipt")).toThrow();
  });
});
