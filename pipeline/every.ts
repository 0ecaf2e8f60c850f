/**
 * Runs `run` every `ms` in the background, skipping a tick while the previous run is still going:
 * a slow run (a vacuum, a sweep of resends waiting on a partner's endpoint) must not overlap the
 * next, which would repeat its work or send out of order. The timer does not keep the process up.
 */
export function every(ms: number, run: () => Promise<unknown>): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void run().finally(() => (running = false));
  }, ms);
  timer.unref?.();
  return timer;
}
