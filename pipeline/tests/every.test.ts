import { afterEach, describe, expect, it, vi } from "vitest";
import { every } from "../every";

describe("every", () => {
  afterEach(() => vi.useRealTimers());

  it("skips ticks while the previous run is still going, and runs again once it has finished", async () => {
    vi.useFakeTimers();
    let finish: () => void = () => {};
    const run = vi.fn(() => new Promise<void>((r) => (finish = r)));
    const timer = every(1_000, run);
    try {
      await vi.advanceTimersByTimeAsync(3_500);
      expect(run).toHaveBeenCalledTimes(1);
      finish();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(run).toHaveBeenCalledTimes(2);
    } finally {
      clearInterval(timer);
    }
  });
});
