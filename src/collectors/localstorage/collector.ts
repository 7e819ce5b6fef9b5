import { opendir, stat, statfs } from 'node:fs/promises';
import type { Collector, CollectContext } from '../types';
import type { LocalStorageConfig } from './config';
import { ConfigError } from '../../config/errors';
import type { Logger } from '../../log/logger';
import { errorMessage } from '../../log/redact';
import { BackgroundRefresh } from '../background';
import { localStorageMetrics as m } from './metrics';
import { walk, type WalkResult } from './walk';

/**
 * The application's storage folder. Each scrape checks that it exists, is a directory and can
 * be listed (localstorage_up) and reads its filesystem's size; file count and bytes come from
 * a capped background walk. A path that vanishes or turns unreadable is reported as
 * localstorage_up 0, not thrown, so the collector itself stays healthy.
 */
export class LocalStorageCollector implements Collector {
  readonly name = 'localstorage';
  readonly up = m.up;
  private readonly path: string;
  private readonly walker: BackgroundRefresh<WalkResult>;
  /** The last problem logged, so a lasting one is logged once, not every scrape. */
  private lastProblem?: string;

  constructor(
    config: LocalStorageConfig,
    storagePath: string | undefined,
    private readonly log: Logger,
  ) {
    if (!storagePath)
      throw new ConfigError([
        'collectors.localstorage.enabled: the local storage collector needs storage.path (STORAGE_PATH)',
      ]);
    const root = storagePath;
    this.path = root;
    this.walker = new BackgroundRefresh({
      what: `walk of ${root}`,
      intervalMs: config.walkInterval,
      timeoutMs: config.walkInterval,
      task: (signal) => walk(root, config.maxFiles, signal),
      log,
    });
  }

  async collect({ out, signal, reportDown }: CollectContext): Promise<void> {
    this.walker.ensureStarted();
    const problem = await this.check(signal);
    if (problem !== this.lastProblem) {
      if (problem) this.log.warn('storage path unusable', { path: this.path, problem });
      else if (this.lastProblem) this.log.info('storage path usable again', { path: this.path });
      this.lastProblem = problem;
    }
    if (problem) {
      out.set(m.up, 0);
      reportDown?.(`storage path ${problem}`);
      return;
    }
    const fs = await statfs(this.path);
    out.set(m.fsSize, fs.blocks * fs.bsize);
    out.set(m.fsFree, fs.bfree * fs.bsize);
    out.set(m.fsAvail, fs.bavail * fs.bsize);
    if (this.walker.lastSucceeded !== undefined) out.set(m.walkSuccess, this.walker.lastSucceeded ? 1 : 0);
    const latest = this.walker.latest;
    if (latest) {
      out.set(m.files, latest.value.files);
      out.set(m.filesSize, latest.value.bytes);
      out.set(m.walkErrors, latest.value.errors);
      out.set(m.walkTruncated, latest.value.truncated ? 1 : 0);
      out.set(m.walkDuration, latest.durationSeconds);
      out.set(m.walkLastSuccess, latest.finishedAt);
    }
    out.set(m.up, 1);
  }

  /** Why the path cannot be used, or undefined when it can. Listing it checks the effective user's rights. */
  private async check(signal: AbortSignal): Promise<string | undefined> {
    try {
      const st = await stat(this.path);
      if (!st.isDirectory()) return 'not a directory';
      signal.throwIfAborted();
      const dir = await opendir(this.path);
      await dir.close();
      return undefined;
    } catch (err) {
      if (signal.aborted) throw err;
      return errorMessage(err);
    }
  }

  /** Walks now and resolves when done (tests, benchmarks). */
  refreshWalk(): Promise<void> {
    return this.walker.refresh();
  }

  close(): Promise<void> {
    return this.walker.close();
  }
}
