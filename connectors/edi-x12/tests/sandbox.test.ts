import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClassifiedError } from "../../../pipeline/errors";
import { Shipment, type Order } from "../../../pipeline/model";
import type { EdiClient } from "../client";
import { build810 } from "../generate-810";
import { sscc18 } from "../generate-856";
import { baseUrlOf, ediX12, type TradingPartnerInput } from "../index";
import { outboundParties, writeInterchange } from "../write-envelope";
import { allocatorFromSequence } from "../control-numbers";
import { startTradingPartnerSandbox, type TradingPartnerSandbox } from "../sandbox/server";
import { startOurEndpoint } from "./our-endpoint";

let sandbox: TradingPartnerSandbox;
let ours: Awaited<ReturnType<typeof startOurEndpoint>>;
let client: EdiClient;

async function start(o: { sendAcks?: boolean; partner?: Partial<TradingPartnerInput> } = {}) {
  sandbox = await startTradingPartnerSandbox({ partner: o.partner });
  client = ediX12.createClient({ baseUrl: baseUrlOf(sandbox.partner)!, credentials: { sharedSecret: sandbox.token, partner: sandbox.partner } });
  ours = await startOurEndpoint({ partner: sandbox.partner, client, token: sandbox.token, sendAcks: o.sendAcks });
  sandbox.ourEndpoint = ours.url;
}

afterEach(async () => {
  await ours?.close();
  await sandbox?.close();
});

const PO = { poNumber: "SB-5001", lines: [{ sku: "AB-12", quantity: 4, unitPrice: "24.00", upc: "012345678905" }, { sku: "CM-01", quantity: 2, unitPrice: "18.00", buyerPart: "B-77" }] };
const deliver = (action: "send_855" | "send_856" | "send_810", ctx: Parameters<NonNullable<typeof ediX12.destinations>[string]["deliver"]>[1]) => ediX12.destinations![action]!.deliver(client, ctx);
const shipmentFor = (order: Order, shippedAt = new Date().toISOString()) =>
  Shipment.parse({
    id: "shipstation:77001", orderId: order.id, orderNumber: order.orderNumber, node: "reno", carrier: "fedex", trackingNumber: "794600000001", shippedAt,
    lines: [{ sku: "AB-12", quantity: 4, lineId: "1" }, { sku: "CM-01", quantity: 2, lineId: "2" }],
    cartons: [{ sscc: sscc18("0614141", 50001), lines: [{ sku: "AB-12", quantity: 4 }, { sku: "CM-01", quantity: 2 }] }],
  });

async function classified(p: Promise<unknown>): Promise<ClassifiedError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ClassifiedError) return e;
    throw e;
  }
  throw new Error("expected a ClassifiedError");
}

describe("trading-partner sandbox, end to end over HTTP", () => {
  beforeEach(() => start());

  it("850 → order and 997; 855, 856, 810 in time and in order; the retailer acknowledges each; no violations", async () => {
    const isa13 = await sandbox.send850(PO);
    const order = ours.orders.get("edi:sandbox-retail:SB-5001")!;
    expect(order.lines.map((l) => [l.sku, l.quantity, l.unitPrice.amountMinor, l.partnerItemIds])).toEqual([
      ["AB-12", 4, 2400, { VN: "AB-12", UP: "012345678905" }],
      ["CM-01", 2, 1800, { VN: "CM-01", BP: "B-77" }],
    ]);
    expect(ours.results[0]!.events[0]!.sourceEventId).toBe(`sandbox-retail:${isa13}:0001`);
    expect(sandbox.state.purchaseOrders[0]!.ack997).toMatchObject({ status: "A", setStatus: "A" });

    const r855 = await deliver("send_855", ours.context("order.created", order, "send_855"));
    expect(r855.summary).toMatch(/^855 for PO SB-5001 sent to Sandbox Retail Co as interchange 00000000\d$/);
    const shipment = shipmentFor(order);
    const r856 = await deliver("send_856", ours.context("shipment.created", shipment, "send_856"));
    const r810 = await deliver("send_810", ours.context("shipment.created", shipment, "send_810", { priorResults: { "edi-sandbox.send_856": r856.externalId } }));
    expect(r810.externalId).toMatch(/^sandbox-retail:\d{9}$/);

    const po = sandbox.state.purchaseOrders[0]!;
    expect(po.ack855).toMatchObject({ bak02: "AD", lineStatuses: ["IA", "IA"] });
    expect(po.asns).toEqual([expect.objectContaining({ shipmentId: "77001" })]);
    expect(po.invoices).toEqual([expect.objectContaining({ invoiceNumber: "77001", totalCents: 4 * 2400 + 2 * 1800 })]);
    expect(sandbox.state.received.every((d) => d.valid)).toBe(true);
    // 997, 855, 856, 810: one ISA13 sequence, no gaps.
    expect(sandbox.state.ourInterchanges.map((x) => Number(x.isa13))).toEqual([1, 2, 3, 4]);
    expect(sandbox.violations()).toEqual([]);
    // The retailer's 997s for our 855/856/810 came back and were read, not acknowledged.
    await expect.poll(() => ours.results.flatMap((r) => r.received.ack997).map((a) => `${a.functionalId}:${a.status}`)).toEqual(["PR:A", "SH:A", "IN:A"]);
    expect(ours.results.every((r) => !r.ack997 || r.orders.length)).toBe(true);
    const state = await (await fetch(`${sandbox.url}/_sandbox/state`)).json();
    expect(state.violations).toEqual([]);
  });

  it("broken envelope: we answer TA1 R 001 and create no order", async () => {
    const isa13 = await sandbox.send850(PO, { fault: "broken_envelope" });
    expect(sandbox.state.purchaseOrders[0]!.ta1).toMatchObject({ ackCode: "R", noteCode: "001" });
    expect(ours.orders.size).toBe(0);
    expect(ours.results[0]!.interchanges[0]).toMatchObject({ isa13, accepted: false });
  });

  it("invalid element (PO1 without quantity): 997 rejects the set with AK4 330 code 1", async () => {
    await sandbox.send850(PO, { fault: "invalid_element" });
    expect(sandbox.state.purchaseOrders[0]!.ack997).toMatchObject({
      status: "R", setStatus: "R", setCodes: ["5"], errors: [{ segmentId: "PO1", code: "8", elements: [{ position: "2", reference: "330", code: "1" }] }],
    });
    expect(ours.orders.size).toBe(0);
    // We rejected it, so the retailer expects no 855 for it.
    sandbox.advanceClock(48 * 3_600_000);
    expect(sandbox.violations()).toEqual([]);
  });

  it("duplicate interchange: one order, the resend answered TA1 025", async () => {
    await sandbox.send850(PO, { fault: "duplicate_interchange" });
    const po = sandbox.state.purchaseOrders[0]!;
    expect(po.responses).toEqual([202, 202]);
    expect(po.duplicateRejected).toMatchObject({ noteCode: "025" });
    expect(po.ack997?.status).toBe("A");
    expect(ours.orders.size).toBe(1);
  });

  it("faults can be scheduled through /_sandbox/faults for the next 850s", async () => {
    await fetch(`${sandbox.url}/_sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ custom: { invalidElement: 1 } }) });
    const res = await fetch(`${sandbox.url}/_sandbox/send850`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...PO, poNumber: "SB-5002" }) });
    expect(res.status).toBe(200);
    await sandbox.send850({ ...PO, poNumber: "SB-5003" });
    expect(sandbox.state.purchaseOrders.map((p) => [p.poNumber, p.fault, p.ack997?.setStatus])).toEqual([["SB-5002", "invalid_element", "R"], ["SB-5003", undefined, "A"]]);
  });
});

describe("trading-partner sandbox: compliance windows", () => {
  it("a 997 and an 855 that never come are overdue after their windows", async () => {
    await start({ sendAcks: false });
    await sandbox.send850(PO);
    expect(sandbox.violations()).toEqual([]);
    sandbox.advanceClock(25 * 3_600_000);
    expect(sandbox.violations().map((v) => v.rule)).toEqual(["ack997_missing", "ack855_missing"]);
  });

  it("a late 855, a late ASN and an invoice before its ASN are violations", async () => {
    await start();
    await sandbox.send850(PO);
    const order = ours.orders.get("edi:sandbox-retail:SB-5001")!;
    sandbox.advanceClock(30 * 3_600_000);
    await deliver("send_855", ours.context("order.created", order, "send_855"));
    // Bypass the connector's own ASN-before-invoice guard to see the retailer catch it.
    const lines = [{ sku: "AB-12", quantity: 4, unitPriceMinor: 2400 }];
    const inv = await writeInterchange({ parties: outboundParties(sandbox.partner), functionalId: "IN", sets: [build810({ invoiceNumber: "X1", invoiceDate: new Date(), poNumber: "SB-5001", currency: "USD", lines })], controlNumbers: allocatorFromSequence(ours.nextSequence) });
    await client.send({ x12: inv.text, kind: "810", isa13: inv.isa13 });
    await deliver("send_856", ours.context("shipment.created", shipmentFor(order, new Date(Date.now() - 2 * 3_600_000).toISOString()), "send_856"));
    expect(sandbox.violations().map((v) => v.rule)).toEqual(["ack855_late", "invoice_before_asn", "asn_after_invoice", "asn_late"]);
  });

  it("a skipped control number is a violation", async () => {
    await start();
    await sandbox.send850(PO);
    await ours.nextSequence("edi-x12:sandbox-retail:isa"); // a number taken and never sent
    await deliver("send_855", ours.context("order.created", ours.orders.get("edi:sandbox-retail:SB-5001")!, "send_855"));
    expect(sandbox.violations()).toEqual([expect.objectContaining({ rule: "isa13_gap", detail: "ISA13 jumped from 1 to 3" })]);
  });
});

describe("destinations against the sandbox", () => {
  beforeEach(() => start());

  it("testConnection reaches /inbound with the token", async () => {
    await expect(ediX12.testConnection(client)).resolves.toMatchObject({ ok: true, detail: expect.stringContaining("answered 200") });
  });

  it("a wrong token is auth", async () => {
    await sandbox.send850(PO);
    const wrong = ediX12.createClient({ baseUrl: `${sandbox.url}/inbound`, credentials: { sharedSecret: "not-the-shared-secret", partner: sandbox.partner } });
    const ctx = ours.context("order.created", ours.orders.get("edi:sandbox-retail:SB-5001")!, "send_855");
    expect((await classified(ediX12.destinations!.send_855!.deliver(wrong, ctx))).errorClass).toBe("auth");
    await expect(ediX12.testConnection(wrong)).rejects.toMatchObject({ errorClass: "auth" });
  });

  it("429 is rate_limited, 5xx transient, and the retry resends the same ISA13", async () => {
    await sandbox.send850(PO);
    const order = ours.orders.get("edi:sandbox-retail:SB-5001")!;
    const ctx = ours.context("order.created", order, "send_855");
    sandbox.faults.set({ burst429: { count: 1, retryAfterSec: 2 }, errors5xx: { count: 1, status: 503 } });
    const rate = await classified(deliver("send_855", ctx));
    expect([rate.errorClass, rate.retryAfterMs]).toEqual(["rate_limited", 2_000]);
    expect((await classified(deliver("send_855", ctx))).errorClass).toBe("transient");
    const ok = await deliver("send_855", ctx);
    expect(ok.summary).toContain("(resent)");
    expect(await ediX12.destinations!.send_855!.lookupExisting!(client, ctx)).toBe(ok.externalId);
    // The first attempt took a control number; the retries reused it: the retailer sees no gap.
    expect(sandbox.violations()).toEqual([]);
    expect(sandbox.state.received.filter((d) => d.kinds.includes("855"))).toHaveLength(1);
  });

  it("send_810 waits for the 856; non-EDI events are skipped; another partner's order is refused", async () => {
    await sandbox.send850(PO);
    const order = ours.orders.get("edi:sandbox-retail:SB-5001")!;
    const shipment = shipmentFor(order);
    const early = await classified(deliver("send_810", ours.context("shipment.created", shipment, "send_810")));
    expect([early.errorClass, early.code]).toEqual(["transient", "asn_pending"]);
    expect(sandbox.state.received.filter((d) => d.kinds.includes("810"))).toEqual([]);

    const shopifyOrder = { ...order, id: "shopify:1042" };
    expect((await deliver("send_855", ours.context("order.created", shopifyOrder, "send_855"))).summary).toMatch(/did not come from EDI/);
    const foreign = await classified(deliver("send_855", ours.context("order.created", { ...order, id: "edi:other-partner:9" }, "send_855")));
    expect(foreign.errorClass).toBe("permanent");

    const noSeq = await classified(deliver("send_855", ours.context("order.created", order, "send_855", { nextSequence: undefined })));
    expect(noSeq.message).toMatch(/nextSequence/);
    const noOrder = await classified(deliver("send_810", ours.context("shipment.created", shipment, "send_810", { loadOrder: undefined, priorResults: { "x.send_856": "done" } })));
    expect(noOrder.message).toMatch(/loadOrder/);
  });

  it("an ASN the partner cannot take (no cartons where required) parks as validation", async () => {
    await ours.close();
    await sandbox.close();
    await start({ partner: { asn: { structure: "SOPI", requireCartons: true, ssccWithApplicationIdentifier: true } } });
    await sandbox.send850(PO);
    const order = ours.orders.get("edi:sandbox-retail:SB-5001")!;
    const loose = Shipment.parse({ ...shipmentFor(order), cartons: undefined });
    const e = await classified(deliver("send_856", ours.context("shipment.created", loose, "send_856")));
    expect([e.errorClass, e.field]).toEqual(["validation", "cartons"]);
  });
});
