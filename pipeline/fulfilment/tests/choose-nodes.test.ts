import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { chooseNodes, type LineToPlace, type NodeProfile } from "../choose-nodes";

const node = (id: string, o: Partial<NodeProfile> = {}): NodeProfile => ({ id, slaDays: 2, costPerOrderMinor: 400, costPerUnitMinor: 50, priority: 100, ...o });
const stock = (levels: Record<string, Record<string, number>>) => (n: string, sku: string) => levels[n]?.[sku] ?? 0;
const lines = (...xs: [string, number][]): LineToPlace[] => xs.map(([sku, quantity], i) => ({ lineId: `L${i + 1}`, sku, quantity }));

const MAIN = node("main", { slaDays: 2, costPerOrderMinor: 450, priority: 10 });
const EAST = node("east", { slaDays: 3, costPerOrderMinor: 350, priority: 20 });

describe("chooseNodes", () => {
  it("ships from one node when it can fill every line", () => {
    const plan = chooseNodes({ lines: lines(["AB-12", 2], ["CM-01", 1]), nodes: [MAIN, EAST], available: stock({ main: { "AB-12": 5, "CM-01": 5 }, east: { "AB-12": 5, "CM-01": 5 } }) });
    expect(plan.kind).toBe("single");
    expect(plan.parts).toEqual([{ node: "main", lineIds: ["L1", "L2"], primary: true, held: false }]);
    expect(plan.reason).toContain("main: fills every line");
  });

  it("goes to the node that has everything when the better-ranked one lacks a line, and says why", () => {
    const plan = chooseNodes({ lines: lines(["AB-12", 1], ["TR-20", 1]), nodes: [MAIN, EAST], available: stock({ main: { "AB-12": 5, "TR-20": 0 }, east: { "AB-12": 5, "TR-20": 3 } }) });
    expect(plan.kind).toBe("single");
    expect(plan.parts.map((p) => p.node)).toEqual(["east"]);
    expect(plan.reason).toBe("east: main lacks TR-20 (1 wanted, 0 available)");
  });

  it("prefers the shorter SLA over the cheaper node, and the cheaper one when SLAs tie", () => {
    const levels = stock({ fast: { X: 9 }, cheap: { X: 9 } });
    const fastDear = node("fast", { slaDays: 1, costPerOrderMinor: 900 });
    const slowCheap = node("cheap", { slaDays: 3, costPerOrderMinor: 100 });
    expect(chooseNodes({ lines: lines(["X", 1]), nodes: [slowCheap, fastDear], available: levels }).parts[0]!.node).toBe("fast");
    const sameSla = node("cheap", { slaDays: 1, costPerOrderMinor: 100 });
    expect(chooseNodes({ lines: lines(["X", 1]), nodes: [fastDear, sameSla], available: levels }).parts[0]!.node).toBe("cheap");
    // Per-unit cost counts with the units ordered: 10 units make the low order fee the dearer choice.
    const perUnit = [node("a", { costPerOrderMinor: 100, costPerUnitMinor: 90 }), node("b", { costPerOrderMinor: 500, costPerUnitMinor: 10 })];
    expect(chooseNodes({ lines: lines(["X", 1]), nodes: perUnit, available: () => 99 }).parts[0]!.node).toBe("a");
    expect(chooseNodes({ lines: lines(["X", 10]), nodes: perUnit, available: () => 99 }).parts[0]!.node).toBe("b");
    // Priority breaks a full tie.
    const tied = [node("z", { priority: 1 }), node("a", { priority: 2 })];
    expect(chooseNodes({ lines: lines(["X", 1]), nodes: tied, available: () => 9 }).parts[0]!.node).toBe("z");
  });

  it("splits by lines over the fewest nodes when no single node can fill the order", () => {
    const plan = chooseNodes({
      lines: lines(["AB-12", 2], ["CM-01", 1], ["TR-20", 1]),
      nodes: [MAIN, EAST, node("west", { slaDays: 1, costPerOrderMinor: 900, priority: 5 })],
      available: stock({ main: { "AB-12": 9, "CM-01": 9, "TR-20": 0 }, east: { "AB-12": 0, "CM-01": 9, "TR-20": 4 }, west: { "AB-12": 2, "CM-01": 0, "TR-20": 0 } }),
    });
    expect(plan.kind).toBe("split");
    expect(plan.parts).toEqual([
      { node: "main", lineIds: ["L1", "L2"], primary: true, held: false },
      { node: "east", lineIds: ["L3"], primary: false, held: false },
    ]);
    expect(plan.reason).toContain("split into 2: main (AB-12 ×2, CM-01) + east (TR-20)");
    expect(plan.reason).toContain("main lacks TR-20 (1 wanted, 0 available)");
  });

  it("among splits of the same size prefers the faster, then the cheaper pair", () => {
    const nodes = [node("a", { slaDays: 1 }), node("b", { slaDays: 2, costPerOrderMinor: 100 }), node("c", { slaDays: 2, costPerOrderMinor: 900 })];
    const plan = chooseNodes({ lines: lines(["X", 1], ["Y", 1]), nodes, available: stock({ a: { X: 1 }, b: { Y: 1 }, c: { X: 1, Y: 0 } }) });
    expect(plan.parts.map((p) => p.node).sort()).toEqual(["a", "b"]);
  });

  it("places several lines of one SKU so that the node's stock covers their sum", () => {
    const plan = chooseNodes({ lines: lines(["X", 3], ["X", 3]), nodes: [MAIN, EAST], available: stock({ main: { X: 4 }, east: { X: 6 } }) });
    expect(plan).toMatchObject({ kind: "single", parts: [{ node: "east" }] });
    const split = chooseNodes({ lines: lines(["X", 3], ["X", 3]), nodes: [MAIN, EAST], available: stock({ main: { X: 4 }, east: { X: 4 } }) });
    expect(split.kind).toBe("split");
    expect(split.parts.map((p) => p.lineIds.length)).toEqual([1, 1]);
  });

  it("backorders with a clear reason when no node can fill a line, holding only the part that carries it", () => {
    const plan = chooseNodes({ lines: lines(["AB-12", 1], ["TR-20", 5]), nodes: [MAIN, EAST], available: stock({ main: { "AB-12": 9, "TR-20": 3 }, east: { "AB-12": 0, "TR-20": 2 } }) });
    expect(plan.kind).toBe("backorder");
    expect(plan.shortages).toEqual([{ lineId: "L2", sku: "TR-20", quantity: 5, byNode: { main: 3, east: 2 } }]);
    expect(plan.parts).toEqual([{ node: "main", lineIds: ["L1", "L2"], primary: true, held: true }]);
    expect(plan.reason).toBe("backordered: no node has enough TR-20 (5 wanted; main 3, east 2); held: main");

    const apart = chooseNodes({ lines: lines(["AB-12", 1], ["TR-20", 5]), nodes: [MAIN, EAST], available: stock({ main: { "AB-12": 0, "TR-20": 1 }, east: { "AB-12": 9, "TR-20": 4 } }) });
    expect(apart.parts).toEqual([{ node: "east", lineIds: ["L1", "L2"], primary: true, held: true }]);
    const mixed = chooseNodes({ lines: lines(["AB-12", 1], ["TR-20", 5]), nodes: [MAIN, EAST], available: stock({ main: { "AB-12": 0, "TR-20": 4 }, east: { "AB-12": 9, "TR-20": 0 } }) });
    expect(mixed.parts).toEqual([
      { node: "east", lineIds: ["L1"], primary: true, held: false },
      { node: "main", lineIds: ["L2"], primary: false, held: true },
    ]);
    expect(mixed.reason).toContain("ships now: east (AB-12)");
  });

  it("assumes stock never read is available, and says so", () => {
    const plan = chooseNodes({ lines: lines(["ZZ-99", 1]), nodes: [MAIN, EAST], available: () => undefined });
    expect(plan.kind).toBe("single");
    expect(plan.parts[0]!.node).toBe("main");
    expect(plan.reason).toContain("stock not read yet, assumed available: ZZ-99 at main, east");
  });

  it("keeps pinned lines where they are and plans new lines around them", () => {
    const plan = chooseNodes({ lines: lines(["AB-12", 1], ["CM-01", 1]), nodes: [MAIN, EAST], available: stock({ main: { "AB-12": 9, "CM-01": 9 }, east: { "AB-12": 9, "CM-01": 9 } }), pinned: { L1: "east" } });
    expect(plan.parts).toEqual([{ node: "east", lineIds: ["L1", "L2"], primary: true, held: false }]);
  });

  it("routes nothing without nodes or shippable lines", () => {
    expect(chooseNodes({ lines: lines(["X", 1]), nodes: [], available: () => 1 }).kind).toBe("none");
    expect(chooseNodes({ lines: [], nodes: [MAIN], available: () => 1 }).kind).toBe("none");
  });

  it("never plans more units at a node than it has, and every line ships from exactly one node", () => {
    const skus = ["A", "B", "C"];
    const ids = ["n1", "n2", "n3", "n4"];
    fc.assert(
      fc.property(
        fc.array(fc.record({ sku: fc.constantFrom(...skus), quantity: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: ids.length * skus.length, maxLength: ids.length * skus.length }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: ids.length, maxLength: ids.length }),
        (ls, levels, slas) => {
          const input = ls.map((l, i) => ({ lineId: `L${i}`, ...l }));
          const avail = (n: string, sku: string) => levels[ids.indexOf(n) * skus.length + skus.indexOf(sku)]!;
          const plan = chooseNodes({ lines: input, nodes: ids.map((id, i) => node(id, { slaDays: slas[i]! })), available: avail });
          expect(plan.parts.flatMap((p) => p.lineIds).sort()).toEqual(input.map((l) => l.lineId).sort());
          if (plan.kind === "backorder") return;
          const used = new Map<string, number>();
          for (const l of input) used.set(`${plan.nodeOf[l.lineId]}|${l.sku}`, (used.get(`${plan.nodeOf[l.lineId]}|${l.sku}`) ?? 0) + l.quantity);
          for (const [k, q] of used) {
            const [n, sku] = k.split("|");
            expect(q).toBeLessThanOrEqual(avail(n!, sku!));
          }
          // Fewest shipments: no single node could have filled a split order.
          if (plan.kind === "split") expect(ids.some((n) => input.every((l) => avail(n, l.sku) >= input.filter((x) => x.sku === l.sku).reduce((a, x) => a + x.quantity, 0)))).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
