import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pacificDate, pacificToUtc, utcToPacific } from "../pacific-time";

describe("ShipStation Pacific wall-clock times", () => {
  it("reads summer times as PDT (UTC-7) and winter times as PST (UTC-8)", () => {
    expect(pacificToUtc("2015-06-29T08:46:27.0000000")).toBe("2015-06-29T15:46:27.000Z");
    expect(pacificToUtc("2016-02-16T15:16:53.7070000")).toBe("2016-02-16T23:16:53.707Z");
    expect(pacificToUtc("2016-02-16T15:16:53.707")).toBe("2016-02-16T23:16:53.707Z");
  });

  it("reads a bare date as Pacific midnight", () => {
    expect(pacificToUtc("2014-10-03")).toBe("2014-10-03T07:00:00.000Z");
    expect(pacificToUtc("2015-01-15")).toBe("2015-01-15T08:00:00.000Z");
  });

  it("leaves times that carry a zone alone (normalised to Z)", () => {
    expect(pacificToUtc("2026-01-01T00:00:00Z")).toBe("2026-01-01T00:00:00.000Z");
    expect(pacificToUtc("2026-01-01T00:00:00+01:00")).toBe("2025-12-31T23:00:00.000Z");
  });

  it("takes the earlier instant in the repeated fall-back hour", () => {
    // 2026-11-01 01:30 happens at 08:30Z (PDT) and again at 09:30Z (PST).
    expect(pacificToUtc("2026-11-01T01:30:00")).toBe("2026-11-01T08:30:00.000Z");
  });

  it("reads a time in the spring-forward gap with the standard offset", () => {
    // 2026-03-08 02:30 never shows on a Los Angeles clock; PST reading = 10:30Z (03:30 PDT).
    expect(pacificToUtc("2026-03-08T02:30:00")).toBe("2026-03-08T10:30:00.000Z");
  });

  it("writes UTC as ShipStation's 7-digit Pacific form", () => {
    expect(utcToPacific("2015-06-29T15:46:27.000Z")).toBe("2015-06-29T08:46:27.0000000");
    expect(utcToPacific("2026-11-27T12:00:00.250Z")).toBe("2026-11-27T04:00:00.2500000");
    expect(pacificDate("2026-07-05T03:00:00.000Z")).toBe("2026-07-04");
  });

  it("rejects text that is not a timestamp", () => {
    expect(() => pacificToUtc("yesterday")).toThrow(/not a ShipStation timestamp/);
  });

  it("round-trips any instant through the wall clock", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), (ms) => {
        const iso = new Date(ms).toISOString();
        const back = pacificToUtc(utcToPacific(iso));
        // Only the second pass through the fall-back hour cannot be told apart: it reads an hour early.
        expect([iso, new Date(ms - 3_600_000).toISOString()]).toContain(back);
        expect(utcToPacific(back)).toBe(utcToPacific(iso));
      }),
      { numRuns: 500 },
    );
  });
});
