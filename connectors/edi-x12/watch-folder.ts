import { mkdir, readdir, readFile, rename, stat, writeFile, access, unlink } from "node:fs/promises";
import { constants } from "node:fs";
import { basename, join } from "node:path";

/**
 * Folder transport for partners that exchange files (an SFTP mailbox, a VAN drop folder). There is
 * no file watcher dependency: fs.watch misses events on network mounts, so we poll with readdir.
 *
 * Guarantees: a file leaves the inbox only by rename into processed/ (handled) or rejected/ (the
 * handler threw, with <name>.reason.txt beside it); a crash mid-handling leaves it in the inbox to
 * be handled again, so handlers must be idempotent (ISA13 duplicate detection is). A handler that
 * could not store the file (its database down) throws an error with `retryLater: true`, and the
 * file stays in the inbox for the next scan. Files still
 * being written are skipped: temporary names (.tmp, .part, dot-files) and files modified within
 * `settleMs`.
 */
export interface FolderFile {
  name: string;
  path: string;
  content: Buffer;
}

export interface WatchFolderOptions {
  dir: string;
  onFile(file: FolderFile): Promise<void>;
  intervalMs?: number;
  settleMs?: number;
  /** Reports scan failures (an unmounted share); the watcher keeps polling. */
  onError?(error: unknown): void;
  now?: () => number;
}

export interface ScanResult {
  processed: string[];
  rejected: string[];
  /** Left in the inbox because the handler asked to retry later. */
  deferred: string[];
}

const IN_PROGRESS = /(^\.|\.tmp$|\.part$|\.partial$|\.filepart$)/i;

export async function scanFolderOnce(opts: WatchFolderOptions): Promise<ScanResult> {
  const { dir } = opts;
  const now = opts.now ?? Date.now;
  const result: ScanResult = { processed: [], rejected: [], deferred: [] };
  await mkdir(join(dir, "processed"), { recursive: true });
  await mkdir(join(dir, "rejected"), { recursive: true });
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isFile() || IN_PROGRESS.test(e.name)) continue;
    const path = join(dir, e.name);
    let content: Buffer;
    try {
      const st = await stat(path);
      if (now() - st.mtimeMs < (opts.settleMs ?? 1_000)) continue;
      content = await readFile(path);
    } catch (err) {
      // Gone between readdir and read (another watcher took it): not ours to report.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    try {
      await opts.onFile({ name: e.name, path, content });
    } catch (err) {
      if ((err as { retryLater?: unknown } | undefined)?.retryLater === true) {
        result.deferred.push(e.name);
        continue;
      }
      const target = await freeName(join(dir, "rejected"), e.name);
      // The reason is in place before the file shows up in rejected/, so whoever sees the file
      // finds why (written after the rename, a reader could see the file alone).
      const reason = `${target}.reason.txt`;
      await writeFile(reason, `${new Date(now()).toISOString()} ${(err as Error)?.message ?? String(err)}\n`);
      try {
        await rename(path, target);
      } catch (renameErr) {
        await unlink(reason).catch(() => {});
        throw renameErr;
      }
      result.rejected.push(basename(target));
      continue;
    }
    const target = await freeName(join(dir, "processed"), e.name);
    await rename(path, target);
    result.processed.push(basename(target));
  }
  return result;
}

/** Polls `dir` until stopped. One scan at a time: a slow handler delays the next scan, never overlaps it. */
export function watchFolder(opts: WatchFolderOptions): { stop(): Promise<void>; scanNow(): Promise<ScanResult> } {
  let stopped = false;
  let running: Promise<ScanResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const scan = (): Promise<ScanResult> => {
    running ??= scanFolderOnce(opts).finally(() => (running = undefined));
    return running;
  };
  const tick = async () => {
    try {
      await scan();
    } catch (e) {
      opts.onError?.(e);
    }
    if (!stopped) timer = setTimeout(tick, opts.intervalMs ?? 5_000);
  };
  timer = setTimeout(tick, 0);
  return {
    scanNow: scan,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}

/**
 * Writes a file so that a reader polling the folder never sees it half-written: the bytes go to a
 * dot-file first, are flushed, then renamed into place in one step.
 */
export async function writeFileAtomic(dir: string, name: string, content: string | Buffer): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${name}.${process.pid}.${Date.now()}.tmp`);
  const target = join(dir, name);
  try {
    await writeFile(tmp, content, { flush: true });
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return target;
}

async function freeName(dir: string, name: string): Promise<string> {
  let candidate = join(dir, name);
  for (let i = 1; await exists(candidate); i++) candidate = join(dir, `${name}.${i}`);
  return candidate;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}
