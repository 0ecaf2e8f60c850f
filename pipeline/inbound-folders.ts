import { hostname } from "node:os";
import { recordLeaseError, takeLease } from "./db/queries/lease-queries";
import type { LiveInstance } from "./connector-instances";
import { handleInboundFile } from "./ingress";
import { log } from "./log";
import type { Runtime } from "./runtime";

const OWNER = `${hostname()}:${process.pid}`;

/** Thrown by a file handler when the pipeline could not store the file: it stays for the next scan. */
class RetryLater extends Error {
  readonly retryLater = true;
}

/**
 * Watches the inbound folders of connections that receive files (EDI partners on an SFTP/VAN
 * mailbox). Each folder is leased on its sync_cursors row like a poller's cursor, so with any
 * number of workers one scans it at a time and a dead worker's folder is taken over when its
 * lease runs out. Every file goes through the ingress (parse → capture → afterIngress).
 */
export class InboundFolderRunner {
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly rt: Runtime, private readonly owner = OWNER) {}

  start(): void {
    for (const inst of this.rt.directory.listInstances()) {
      const support = inst.definition.inboundFolder;
      if (!inst.enabled || !support || !support.folderOf(inst.credentials)) continue;
      const tick = async () => {
        if (this.stopped) return;
        const run = this.scanOnce(inst).catch((err) => log.warn({ connector: inst.id, err: (err as Error).message }, "inbound folder scan failed"));
        this.running.add(run);
        await run;
        this.running.delete(run);
        if (!this.stopped) this.timers.push(setTimeout(tick, support.intervalMs));
      };
      this.timers.push(setTimeout(tick, 50));
    }
  }

  /** One scan if this process holds (or takes) the folder's lease; undefined when another worker holds it. */
  async scanOnce(inst: LiveInstance): Promise<{ processed: string[]; rejected: string[] } | undefined> {
    const support = inst.definition.inboundFolder;
    const folder = support?.folderOf(inst.credentials);
    if (!support || !folder) return undefined;
    const leaseId = `${inst.id}:inbound-folder`;
    const leaseSeconds = Math.max(10, Math.ceil((support.intervalMs * 3) / 1000));
    if (!(await takeLease(this.rt.store, leaseId, this.owner, leaseSeconds))) return undefined;
    try {
      const result = await support.scan(folder, async (file) => {
        const r = await handleInboundFile(this.rt, inst.id, { name: file.name, content: file.content.toString("utf8") });
        if (r.status === 503) throw new RetryLater(`not stored, kept for the next scan: ${String(r.body.reason)}`);
        if (r.status >= 400) throw new Error(`rejected ${r.status} ${String(r.body.error)}: ${String(r.body.reason)}`);
      });
      await recordLeaseError(this.rt.store, leaseId, null);
      return result;
    } catch (e) {
      await recordLeaseError(this.rt.store, leaseId, `scan of ${folder} failed: ${(e as Error).message}`.slice(0, 500)).catch(() => {});
      throw e;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([...this.running]);
  }
}
