import { describe, expect, it } from "vitest";
import { MIN_POLL_INTERVAL_MS, pollIntervalOf } from "../pollers";

describe("a poller's interval", () => {
  it("is the connector's default unless the instance's settings name one for that poller", () => {
    expect(pollIntervalOf({ id: "netsuite", settings: {} }, "inventory", 1_000)).toBe(1_000);
    expect(pollIntervalOf({ id: "netsuite", settings: { pollers: { inventory: { intervalMs: 500 } } } }, "inventory", 1_000)).toBe(500);
    expect(pollIntervalOf({ id: "netsuite", settings: { pollers: { inventory: { intervalMs: 500 } } } }, "orders", 60_000)).toBe(60_000);
  });

  it("ignores a setting that would hammer the source or is not a number, keeping the default", () => {
    expect(pollIntervalOf({ id: "netsuite", settings: { pollers: { inventory: { intervalMs: MIN_POLL_INTERVAL_MS - 1 } } } }, "inventory", 1_000)).toBe(1_000);
    expect(pollIntervalOf({ id: "netsuite", settings: { pollers: { inventory: { intervalMs: "fast" } } } }, "inventory", 1_000)).toBe(1_000);
  });
});
