import type { ScrapeRunner } from '../runner/runner';

/**
 * One ScrapeRunner (with its collectors and their connections) per target and module, so the
 * rules of /metrics hold per target: concurrent scrapes of one target share a collection, a
 * frozen target's collector is not started again, and connections are reused between scrapes.
 * Bounded: past `maxTargets` the least recently scraped target is closed, and a target not
 * scraped for `idleMs` is closed too. A Map keeps insertion order; a use moves the key last.
 */

interface Entry {
  readonly runner: ScrapeRunner;
  /** Credentials the runner was made with: different ones (a rotated password) make a new runner. */
  readonly fingerprint: string;
  /** Requests using the runner now; an idle timer never closes a runner in use. */
  active: number;
  timer: NodeJS.Timeout;
}

export type CloseReason = 'evicted' | 'idle' | 'credentials' | 'shutdown';

export class TargetPool {
  private readonly entries = new Map<string, Entry>();
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly maxTargets: number,
    private readonly idleMs: number,
    private readonly onClose: (reason: CloseReason) => void = () => undefined,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `use` with the target's runner, creating it (and evicting the least recently used one
   * past the bound) when there is none or its credentials changed.
   */
  async with<T>(
    key: string,
    fingerprint: string,
    create: () => ScrapeRunner,
    use: (runner: ScrapeRunner) => Promise<T>,
  ): Promise<T> {
    let entry = this.entries.get(key);
    if (entry && entry.fingerprint !== fingerprint) {
      this.remove(key, entry, 'credentials');
      entry = undefined;
    }
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      entry = { runner: create(), fingerprint, active: 0, timer: this.idleTimer(key) };
      this.entries.set(key, entry);
      while (this.entries.size > this.maxTargets) {
        const [oldKey, oldest] = this.entries.entries().next().value as [string, Entry];
        this.remove(oldKey, oldest, 'evicted');
      }
    }
    entry.active++;
    entry.timer.refresh();
    try {
      return await use(entry.runner);
    } finally {
      entry.active--;
      entry.timer.refresh();
    }
  }

  private idleTimer(key: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const entry = this.entries.get(key);
      if (!entry || entry.timer !== timer) return;
      if (entry.active > 0) timer.refresh();
      else this.remove(key, entry, 'idle');
    }, this.idleMs);
    timer.unref();
    return timer;
  }

  private remove(key: string, entry: Entry, reason: CloseReason): void {
    clearTimeout(entry.timer);
    this.entries.delete(key);
    this.onClose(reason);
    // A request still using it finishes first (the runner waits, bounded, for its collectors).
    const closed = entry.runner.close().catch(() => undefined);
    this.closing.add(closed);
    void closed.finally(() => this.closing.delete(closed));
  }

  /** Closes every target (shutdown). */
  async close(): Promise<void> {
    for (const [key, entry] of [...this.entries]) this.remove(key, entry, 'shutdown');
    await Promise.allSettled([...this.closing]);
  }
}
