import type { Config } from "../config";
import type { QueueTransport } from "./transport";

export type { QueueTransport } from "./transport";

/** The one place the transport is chosen: Redis when REDIS_URL is set, in-process otherwise. */
export async function createTransport(queue: Config["queue"]): Promise<QueueTransport> {
  if (queue.kind === "bullmq") {
    const { BullmqTransport } = await import("./bullmq");
    return new BullmqTransport(queue.url, queue.prefix);
  }
  const { InProcessTransport } = await import("./in-process");
  return new InProcessTransport();
}
