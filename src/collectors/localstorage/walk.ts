import { lstat, opendir } from 'node:fs/promises';
import path from 'node:path';

export interface WalkResult {
  readonly files: number;
  readonly bytes: number;
  /** Entries (directories and files) that could not be read; the counts leave them out. */
  readonly errors: number;
  /** Stopped at the cap: the counts are lower bounds. */
  readonly truncated: boolean;
}

/** lstat calls in flight at once within one directory. */
const STAT_BATCH = 64;

/**
 * Counts regular files and their apparent size under `root`, without following symlinks,
 * visiting at most `maxEntries` entries. A subdirectory or file that cannot be read (EACCES,
 * removed meanwhile, name too long) is counted in `errors` and skipped; the root itself not
 * being readable fails the walk.
 */
export async function walk(root: string, maxEntries: number, signal: AbortSignal): Promise<WalkResult> {
  let files = 0;
  let bytes = 0;
  let errors = 0;
  let entries = 0;
  const pending: string[] = [root];
  while (pending.length) {
    signal.throwIfAborted();
    const dir = pending.pop()!;
    let handle;
    try {
      handle = await opendir(dir, { bufferSize: 128 });
    } catch (err) {
      if (dir === root) throw err;
      errors++;
      continue;
    }
    let batch: string[] = [];
    const statBatch = async () => {
      const stats = await Promise.all(batch.map((file) => lstat(file).catch(() => undefined)));
      for (const st of stats) {
        if (!st) errors++;
        else if (st.isFile()) {
          files++;
          bytes += st.size;
        }
      }
      batch = [];
    };
    try {
      for await (const entry of handle) {
        if (++entries > maxEntries) {
          await statBatch();
          return { files, bytes, errors, truncated: true };
        }
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) pending.push(full);
        else if (entry.isFile()) {
          batch.push(full);
          if (batch.length >= STAT_BATCH) await statBatch();
        }
      }
    } catch (err) {
      // Reading the listing failed part way (the directory was removed, I/O error).
      if (dir === root) throw err;
      errors++;
    }
    await statBatch();
  }
  return { files, bytes, errors, truncated: false };
}
