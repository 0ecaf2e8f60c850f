import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { decryptCredentials, encryptCredentials } from "../credentials-crypto";
import { GroupCommit } from "../group-commit";
import { redactHeaders, redactText, redactValue } from "../redact";
import { routeEvent, type RoutingRule } from "../stages/route";
import { fromMinorUnits, toMinorUnits } from "../model";
import { sampleOrder } from "../testing/sample-events";

describe("credentials at rest", () => {
  const key = randomBytes(32);
  it("round-trips and never stores the plaintext", () => {
    const stored = encryptCredentials(key, { apiKey: "sk_live_abcdef123456" }, "netsuite");
    expect(stored).not.toContain("sk_live");
    expect(decryptCredentials(key, stored, "netsuite")).toEqual({ apiKey: "sk_live_abcdef123456" });
  });
  it("refuses a ciphertext moved to another connector or a wrong key", () => {
    const stored = encryptCredentials(key, { a: 1 }, "netsuite");
    expect(() => decryptCredentials(key, stored, "shopify")).toThrow();
    expect(() => decryptCredentials(randomBytes(32), stored, "netsuite")).toThrow();
  });
});

describe("redaction", () => {
  it("removes tokens from text, headers and nested values", () => {
    expect(redactText("Authorization: Bearer abcdefghijklmnop123")).not.toContain("abcdefghijklmnop123");
    expect(redactText("key shpat_0123456789abcdef used")).toBe("key [REDACTED] used");
    expect(redactText("https://x/y?access_token=abc123&z=1")).toBe("https://x/y?access_token=[REDACTED]&z=1");
    expect(redactHeaders({ Authorization: "Basic dXNlcjpwYXNz", "X-Shopify-Hmac-Sha256": "abc=" })).toEqual({ authorization: "[REDACTED]", "x-shopify-hmac-sha256": "abc=" });
    // Shared secrets that travel as plain headers (EDI partners, the Amazon notification relay).
    expect(redactHeaders({ "X-EDI-Token": "sandbox-edi-shared-secret-000000", "x-relay-token": "relay-token-0123", "x-edi-partner": "acme" })).toEqual({ "x-edi-token": "[REDACTED]", "x-relay-token": "[REDACTED]", "x-edi-partner": "acme" });
    expect(redactValue({ customer: { email: "a@b.c" }, credentials: { password: "p" }, token: "t" })).toEqual({ customer: { email: "a@b.c" }, credentials: { password: "[REDACTED]" }, token: "[REDACTED]" });
  });
  it("truncates long upstream bodies", () => {
    expect(redactText("x".repeat(5000), 100)).toMatch(/^x{100}… \[truncated 4900 chars\]$/);
  });
});

describe("money", () => {
  it("converts decimal strings without float error", () => {
    expect(toMinorUnits("19.99", "USD")).toBe(1999);
    expect(toMinorUnits("0.1", "USD")).toBe(10);
    expect(toMinorUnits(0.1 + 0.2, "USD")).toBe(30);
    expect(toMinorUnits("-5.005", "USD")).toBe(-501);
    expect(toMinorUnits("1500", "JPY")).toBe(1500);
    expect(toMinorUnits("1.234", "KWD")).toBe(1234);
    expect(fromMinorUnits(1999, "USD")).toBe("19.99");
    expect(fromMinorUnits(-5, "USD")).toBe("-0.05");
    expect(() => toMinorUnits("12,50", "EUR")).toThrow();
  });
});

describe("group commit", () => {
  it("writes concurrent items together and gives each its own result", async () => {
    const batches: number[][] = [];
    const gc = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      await new Promise((r) => setTimeout(r, 10));
      return items.map((i) => i * 2);
    });
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => gc.add(i)));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    // Added in the same tick: one flush, not the first item alone and then the rest.
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
  });
  it("writes what arrives during a flush together in the next one", async () => {
    const batches: number[][] = [];
    const gc = new GroupCommit<number>(async (items) => {
      batches.push(items);
      await new Promise((r) => setTimeout(r, 20));
    });
    const first = gc.add(1);
    await new Promise((r) => setTimeout(r, 5));
    await Promise.all([first, gc.add(2), gc.add(3)]);
    expect(batches).toEqual([[1], [2, 3]]);
  });
  it("fails every caller of a failed batch", async () => {
    const gc = new GroupCommit<number>(async () => {
      throw new Error("db down");
    });
    await expect(Promise.all([gc.add(1), gc.add(2)])).rejects.toThrow("db down");
  });
});

describe("routing", () => {
  const rules: RoutingRule[] = [
    { id: "fba", name: "FBA orders only to accounting", priority: 1, match: { types: ["order.created"], where: [{ path: "fulfilmentChannel", equals: "marketplace" }] }, destinations: [{ connector: "quickbooks", action: "post_sales_receipt" }], enabled: true, stopOnMatch: true },
    { id: "dtc", name: "orders to ERP then 3PL", priority: 10, match: { types: ["order.created"], where: [] }, destinations: [{ connector: "netsuite", action: "upsert_sales_order" }, { connector: "shipstation", action: "create_order", after: "netsuite.upsert_sales_order" }], enabled: true, stopOnMatch: false },
    { id: "off", name: "disabled", priority: 20, match: { types: ["order.created"], where: [] }, destinations: [{ connector: "x", action: "y" }], enabled: false, stopOnMatch: false },
  ];
  it("chooses destinations by type and attributes, in priority order, honouring stopOnMatch", () => {
    expect(routeEvent(rules, { type: "order.created", sourceConnector: "amazon", data: sampleOrder(1, { fulfilmentChannel: "marketplace" }) })).toEqual([{ connector: "quickbooks", action: "post_sales_receipt" }]);
    expect(routeEvent(rules, { type: "order.created", sourceConnector: "shopify", data: sampleOrder(1) }).map((d) => `${d.connector}.${d.action}${d.after ? "<" + d.after : ""}`)).toEqual(["netsuite.upsert_sales_order", "shipstation.create_order<netsuite.upsert_sales_order"]);
    expect(routeEvent(rules, { type: "refund.created", sourceConnector: "shopify", data: {} })).toEqual([]);
  });
  it("matches a string prefix (a canonical id naming its channel) and nothing that is not a string", () => {
    const edi: RoutingRule[] = [{ id: "edi-ship", name: "EDI shipments", priority: 1, match: { types: ["shipment.created"], where: [{ path: "orderId", startsWith: "edi:acme:" }] }, destinations: [{ connector: "edi-acme", action: "send_856" }], enabled: true, stopOnMatch: true }];
    expect(routeEvent(edi, { type: "shipment.created", sourceConnector: "shipstation", data: { orderId: "edi:acme:PO-1" } })).toEqual([{ connector: "edi-acme", action: "send_856" }]);
    expect(routeEvent(edi, { type: "shipment.created", sourceConnector: "shipstation", data: { orderId: "shopify:1001" } })).toEqual([]);
    expect(routeEvent(edi, { type: "shipment.created", sourceConnector: "shipstation", data: { orderId: 7 } })).toEqual([]);
  });
  it("never routes an event back to its own source and drops a dependency that did not route", () => {
    expect(routeEvent(rules, { type: "order.created", sourceConnector: "netsuite", data: sampleOrder(1) })).toEqual([{ connector: "shipstation", action: "create_order" }]);
  });
  it("routes a reply to the event's own source only when the rule says it is one", () => {
    const reply: RoutingRule[] = [{ id: "po", name: "POs", priority: 1, match: { types: ["order.created"], where: [] }, destinations: [{ connector: "edi-acme", action: "send_855", replyToSource: true }, { connector: "edi-acme", action: "echo" }], enabled: true, stopOnMatch: false }];
    expect(routeEvent(reply, { type: "order.created", sourceConnector: "edi-acme", data: sampleOrder(1) })).toEqual([{ connector: "edi-acme", action: "send_855", replyToSource: true }]);
  });
});
