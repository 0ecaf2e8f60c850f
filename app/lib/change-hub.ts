import { changeSignature, type ChangeSignature } from "@/pipeline/db/queries/console-stream";
import { log } from "@/pipeline/log";
import { getRuntime } from "@/pipeline/runtime";

export type Topic = keyof ChangeSignature;
type Listener = (topics: Topic[]) => void;

const POLL_MS = 1_000;

/**
 * One database poll per process, shared by every open console: the stream route subscribes, and
 * polling runs only while someone listens. A poll never overlaps the previous one.
 */
class ChangeHub {
  private readonly listeners = new Set<Listener>();
  private timer?: NodeJS.Timeout;
  private last?: ChangeSignature;
  private failing = false;

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    if (this.listeners.size === 1) this.schedule(0);
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    try {
      const rt = await getRuntime();
      const sig = await changeSignature(rt.store);
      const prev = this.last;
      this.last = sig;
      this.failing = false;
      if (prev) {
        const changed = (Object.keys(sig) as Topic[]).filter((k) => sig[k] !== prev[k]);
        if (changed.length) for (const fn of this.listeners) fn(changed);
      }
    } catch (e) {
      if (!this.failing) log.warn({ err: (e as Error).message }, "live updates: change poll failed; retrying");
      this.failing = true;
    } finally {
      if (this.listeners.size > 0) this.schedule(POLL_MS);
      else this.timer = undefined;
    }
  }
}

const KEY = Symbol.for("loopkeeper.console-change-hub");

export function changeHub(): ChangeHub {
  const g = globalThis as unknown as Record<symbol, ChangeHub | undefined>;
  return (g[KEY] ??= new ChangeHub());
}
