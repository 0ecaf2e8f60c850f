import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { IngressRejection } from "../../../pipeline/errors";
import { Order } from "../../../pipeline/model";
import { fixturePath } from "../../../pipeline/testing/fixtures";
import { CONNECTORS } from "../../registry";
import type { InboundRequest } from "../../sdk/definition";
import {
  acknowledge, classifyEdiError, createEdiX12Connector, ediX12, InMemoryControlNumbers, InMemoryInterchangeRegistry, parseInterchange, parseTradingPartner,
  read997, readTa1, transactionsOf, type TradingPartnerInput,
} from "../index";
import { isaText, po850, x12 } from "./x12-text";

const base: TradingPartnerInput = { id: "sandbox-retail", name: "Sandbox Retail", isaQualifier: "ZZ", isaId: "SANDBOXRETAIL", ourIsaQualifier: "ZZ", ourIsaId: "LOOPKEEPER" };
const partner = parseTradingPartner(base);
const deps = () => ({ controlNumbers: new InMemoryControlNumbers(), interchanges: new InMemoryInterchangeRegistry(), now: new Date("2026-11-28T10:00:00Z") });
const ack997Of = (text: string) => {
  const ic = parseInterchange(text);
  return read997(transactionsOf(ic)[0]!.set, ic.delimiters);
};
const ta1Of = (text: string) => parseInterchange(text).ta1.map(readTa1);

describe("acknowledge", () => {
  it("a sound 850: the order, its event, a 997 accepting the group, no TA1 unless asked", async () => {
    const r = await acknowledge(x12(po850()), partner, deps());
    expect(r.orders.map((o) => o.id)).toEqual(["edi:sandbox-retail:PO-1001"]);
    expect(r.events).toEqual([expect.objectContaining({ type: "order.created", sourceEventId: "sandbox-retail:000000101:0001", occurredAt: "2026-11-27T12:00:00.000Z" })]);
    expect(Order.safeParse(r.events[0]!.data).success).toBe(true);
    expect(ack997Of(r.ack997!)).toMatchObject({ functionalId: "PO", groupControlNumber: "7", status: "A", accepted: 1, sets: [{ type: "850", controlNumber: "0001", status: "A" }] });
    expect(r.ta1).toBeUndefined();

    const asked = await acknowledge(x12(po850(), { ackRequested: "1" }), partner, deps());
    expect(ta1Of(asked.ta1!)).toEqual([{ controlNumber: "000000101", date: "261127", time: "1200", ackCode: "A", noteCode: "000" }]);
    const always = await acknowledge(x12(po850()), parseTradingPartner({ ...base, ta1: "always" }), deps());
    expect(ta1Of(always.ta1!)[0]!.noteCode).toBe("000");
  });

  it("acknowledgements come from the allocator: the 997 takes the next ISA13, GS06 and ST02", async () => {
    const d = deps();
    const first = await acknowledge(x12(po850(), { isa13: "000000101" }), partner, d);
    const second = await acknowledge(x12(po850(), { isa13: "000000102" }), partner, d);
    const ics = [first.ack997!, second.ack997!].map((t) => parseInterchange(t));
    expect(ics.map((i) => [i.isa.controlNumber, i.groups[0]!.controlNumber, transactionsOf(i)[0]!.set.controlNumber])).toEqual([["000000001", "1", "0001"], ["000000002", "2", "0002"]]);
    expect(ics[0]!.isa).toMatchObject({ senderId: "LOOPKEEPER", receiverId: "SANDBOXRETAIL" });
  });

  it("an invalid element: 997 with AK3/AK4/AK5 and AK9 R, and no order", async () => {
    const r = await acknowledge(x12(po850({ lines: ["PO1*1**EA*24**VN*AB-12"] })), partner, deps());
    expect(r.orders).toEqual([]);
    const ack = ack997Of(r.ack997!);
    expect(ack.status).toBe("R");
    expect(ack.sets[0]).toMatchObject({ status: "R", codes: ["5"], errors: [{ segmentId: "PO1", position: 6, code: "8", elements: [{ position: "2", reference: "330", code: "1" }] }] });
  });

  it("a broken envelope (the EDI.Net fixture, IEA02 ≠ ISA13): TA1 R 001, no 997, no orders", async () => {
    const p = parseTradingPartner({ id: "edinet", name: "EDI.Net sample", isaQualifier: "01", isaId: "000123456", ourIsaQualifier: "ZZ", ourIsaId: "PARTNERID" });
    const r = await acknowledge(readFileSync(fixturePath("x12", "850", "edinet_x12.850_iea-control-mismatch.edi")), p, deps());
    expect(ta1Of(r.ta1!)).toEqual([{ controlNumber: "000000055", date: "090827", time: "0936", ackCode: "R", noteCode: "001" }]);
    expect([r.ack997, r.orders]).toEqual([undefined, []]);
    expect(r.interchanges[0]!.reason).toMatch(/^TA1 001: ISA13 000000055 does not match IEA02 000000001/);
  });

  it("an interchange from someone else: TA1 006", async () => {
    const r = await acknowledge(x12(po850(), { sender: ["ZZ", "INTRUDER"] }), partner, deps());
    expect(ta1Of(r.ta1!)[0]).toMatchObject({ ackCode: "R", noteCode: "006" });
    expect(r.orders).toEqual([]);
  });

  it("a resent interchange: TA1 025 and no second order", async () => {
    const d = deps();
    const first = await acknowledge(x12(po850()), partner, d);
    const again = await acknowledge(x12(po850()), partner, d);
    expect([first.orders.length, again.orders.length]).toEqual([1, 0]);
    expect(ta1Of(again.ta1!)[0]).toMatchObject({ controlNumber: "000000101", ackCode: "R", noteCode: "025" });
    expect(again.ack997).toBeUndefined();
  });

  it("unreadable delimiters: TA1 with the ISA13 that could still be read", async () => {
    const r = await acknowledge(isaText({ comp: "*" }) + "~IEA*0*000000101~", partner, deps());
    expect(ta1Of(r.ta1!)).toEqual([{ controlNumber: "000000101", date: "261127", time: "1200", ackCode: "R", noteCode: "027" }]);
  });

  it("a PO whose item cannot be resolved: the 997 accepts the syntax, the rejection names the line", async () => {
    const r = await acknowledge(x12(po850({ lines: ["PO1*1*2*EA*24**BP*B-77"] })), partner, deps());
    expect(ack997Of(r.ack997!).status).toBe("A");
    expect(r.orders).toEqual([]);
    expect(r.rejections).toEqual([expect.objectContaining({ isa13: "000000101", st02: "0001", poNumber: "PO-1001", field: "PO107" })]);
    const mapped = await acknowledge(x12(po850({ lines: ["PO1*1*2*EA*24**BP*B-77"] })), parseTradingPartner({ ...base, itemMap: { "BP:B-77": "AB-12" } }), deps());
    expect(mapped.orders[0]!.lines[0]!.sku).toBe("AB-12");
  });

  it("a 997 the partner sent for our documents is read, never acknowledged", async () => {
    const text = x12(["GS*FA*SANDBOXRETAIL*LOOPKEEPER*20261128*1000*55*X*004010", "ST*997*0001", "AK1*PR*3", "AK2*855*0003", "AK5*A", "AK9*A*1*1*1", "SE*6*0001", "GE*1*55"]);
    const r = await acknowledge(text, partner, deps());
    expect(r.received.ack997).toEqual([expect.objectContaining({ functionalId: "PR", groupControlNumber: "3", status: "A" })]);
    expect([r.ack997, r.ta1, r.orders]).toEqual([undefined, undefined, []]);
  });

  it("no 997 for a partner that does not want them", async () => {
    const r = await acknowledge(x12(po850()), parseTradingPartner({ ...base, expects: ["855", "856", "810"] }), deps());
    expect([r.ack997, r.orders.length]).toEqual([undefined, 1]);
  });
});

describe("webhooks", () => {
  const req = (body: string, o: { token?: string; query?: Record<string, string> } = {}): InboundRequest => ({
    headers: { "content-type": "application/edi-x12", ...(o.token ? { "x-edi-token": o.token } : {}) },
    rawBody: body,
    query: o.query ?? { partner: "sandbox-retail" },
  });
  const secret = "a-shared-secret-of-32-characters";
  const rejection = (fn: () => unknown): IngressRejection => {
    try {
      fn();
    } catch (e) {
      if (e instanceof IngressRejection) return e;
      throw e;
    }
    throw new Error("expected an IngressRejection");
  };

  it("verify: the X-EDI-Token must equal the shared secret", () => {
    expect(() => ediX12.webhooks!.verify(req("", { token: secret }), { sharedSecret: secret })).not.toThrow();
    expect(rejection(() => ediX12.webhooks!.verify(req("", { token: secret.slice(1) }), { sharedSecret: secret }))).toMatchObject({ status: 401, reasonCode: "bad_signature" });
    expect(rejection(() => ediX12.webhooks!.verify(req(""), { sharedSecret: secret })).status).toBe(401);
  });

  it("parse: an 850 interchange becomes order.created with sourceEventId partner:ISA13:ST02", () => {
    const parsed = ediX12.webhooks!.parse(req(x12(po850())));
    expect(parsed.kind).toBe("events");
    if (parsed.kind !== "events") return;
    expect(parsed.events.map((e) => [e.type, e.sourceEventId])).toEqual([["order.created", "sandbox-retail:000000101:0001"]]);
    expect(Order.parse(parsed.events[0]!.data).id).toBe("edi:sandbox-retail:PO-1001");
  });

  it("parse: broken envelope, invalid element, unreadable input and unknown items are rejected with the reason", () => {
    expect(rejection(() => ediX12.webhooks!.parse(req(x12([...po850(), "IEA*1*000000999"]))))).toMatchObject({ status: 422, message: expect.stringContaining("TA1 001") });
    expect(rejection(() => ediX12.webhooks!.parse(req(x12(po850({ lines: ["PO1*1**EA*24**VN*A"] })))))).toMatchObject({ status: 422, message: expect.stringContaining("AK5 5") });
    expect(rejection(() => ediX12.webhooks!.parse(req("hello")))).toMatchObject({ status: 400, reasonCode: "malformed" });
    expect(rejection(() => ediX12.webhooks!.parse(req(x12(po850({ lines: ["PO1*1*1*EA*24**BP*B-77"] })))))).toMatchObject({ status: 422, message: expect.stringContaining("(PO107)") });
  });

  it("parse: acknowledgements only are ignored; an unknown sender needs ?partner=", () => {
    const fa = x12(["GS*FA*SANDBOXRETAIL*LOOPKEEPER*20261128*1000*55*X*004010", "ST*997*0001", "AK1*PR*3", "AK9*A*1*1*1", "SE*4*0001", "GE*1*55"]);
    expect(ediX12.webhooks!.parse(req(fa))).toEqual({ kind: "ignored", reason: "acknowledgements only: 997 for group 55" });
    expect(rejection(() => ediX12.webhooks!.parse(req(x12(po850()), { query: {} }))).status).toBe(400);
  });

  it("parse: a configured partner is found by its ISA id and its ids and item map apply", () => {
    const def = createEdiX12Connector({ partners: [parseTradingPartner({ ...base, itemMap: { "BP:B-77": "AB-12" } })] });
    const parsed = def.webhooks!.parse(req(x12(po850({ lines: ["PO1*1*1*EA*24**BP*B-77"] })), { query: {} }));
    expect(parsed.kind === "events" && (parsed.events[0]!.data as Order).lines[0]!.sku).toBe("AB-12");
    expect(rejection(() => def.webhooks!.parse(req(x12(po850(), { receiver: ["ZZ", "NOTUS"] }), { query: { partner: "sandbox-retail" } }))).message).toContain("TA1 009");
  });
});

describe("definition", () => {
  it("is registered as edi-x12 with its destinations and a secret credential", () => {
    expect(CONNECTORS["edi-x12"]).toBe(ediX12);
    expect(Object.fromEntries(Object.entries(ediX12.destinations!).map(([k, v]) => [k, v.accepts]))).toEqual({
      send_855: ["order.created"], send_856: ["shipment.created"], send_810: ["shipment.created"],
    });
    expect(ediX12.capabilities.destination).toEqual(["send_855", "send_856", "send_810"]);
    const secretMeta = (ediX12.credentials as any).shape.sharedSecret.meta();
    expect(secretMeta).toMatchObject({ secret: true });
    expect(ediX12.credentials.safeParse({ sharedSecret: "short", partner: base }).success).toBe(false);
  });

  it("classifies the partner endpoint's answers", () => {
    const c = (status: number, headers: Record<string, string> = {}) => classifyEdiError({ status, headers, body: "nope" });
    expect([401, 403, 408, 409, 422, 429, 500, 503, 404].map((s) => c(s).errorClass)).toEqual(["auth", "auth", "transient", "duplicate", "validation", "rate_limited", "transient", "transient", "permanent"]);
    expect(c(429, { "Retry-After": "7" }).retryAfterMs).toBe(7_000);
  });
});
