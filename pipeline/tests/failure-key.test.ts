import { describe, expect, it } from "vitest";
import { ClassifiedError } from "../errors";
import { failureKeyOf } from "../failure-key";

describe("failure keys", () => {
  it("groups one unknown SKU across orders and channels, and keeps different SKUs apart", () => {
    const err = (sku: string) => new ClassifiedError({ errorClass: "validation", field: "item", reason: `SKU ${sku} has no NetSuite item`, message: "x" });
    const a = failureKeyOf("netsuite", "upsert_sales_order", err("AB-12"), { orderNumber: "#1001" });
    const b = failureKeyOf("netsuite", "upsert_sales_order", err("AB-12"), { orderNumber: "112-3345-1" });
    const c = failureKeyOf("netsuite", "upsert_sales_order", err("AB-13"), { orderNumber: "#1001" });
    expect(a.key).toBe(b.key);
    expect(a.key).not.toBe(c.key);
  });

  it("drops the order's own number from a validation reason so per-order messages group", () => {
    const err = (n: string) => new ClassifiedError({ errorClass: "validation", field: "customer.email", reason: `order ${n} has no customer e-mail and settings.defaultCustomerId is not set`, message: "x" });
    const a = failureKeyOf("netsuite", "upsert_sales_order", err("#1042"), { orderNumber: "#1042" });
    const b = failureKeyOf("netsuite", "upsert_sales_order", err("#1043"), { orderNumber: "#1043" });
    expect(a.key).toBe(b.key);
    expect(a.title).toContain("<order>");
  });

  it("keeps one group per destination for outages and credentials", () => {
    expect(failureKeyOf("qbo", "post", new ClassifiedError({ errorClass: "transient", message: "503" })).key).toBe("outage|qbo");
    expect(failureKeyOf("qbo", "post", new ClassifiedError({ errorClass: "auth", message: "401" })).key).toBe("auth|qbo");
  });
});
