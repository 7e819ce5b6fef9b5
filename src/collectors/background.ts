import type { Logger } from '../log/logger';
import { errorMessage } from '../log/redact';
import { timedOut, withTimeout } from '../runner/deadline';

/** The latest successful result of a background task, with when and how long it took. */
export interface Refreshed<T> {
  readonly value: T;
  /** Epoch seconds when the run that produced `value` finished. */
  readonly finishedAt: number;
  readonly durationSeconds: number;
}

export interface BackgroundOptions<T> {
  /** What the task is, for log lines ("S3 listing"). */
  readonly what: string;
  /** Time between the end of one run and the start of the next. */
  readonly intervalMs: number;
  /** A run still going after this long is aborted (and counts as failed). */
  readonly timeoutMs: number;
  readonly task: (signal: AbortSignal) => Promise<T>;
  readonly log: Logger;
}

/**
 * Runs an expensive task (an S3 listing, a directory walk) off the scrape path: started on the
 * first `ensureStarted()`, then every interval, never two runs at once, each under a timeout.
 * Scrapes read `latest` and export its timestamp, so a stale figure is visible as stale.
 */
export class BackgroundRefresh<T> {
  private current?: Refreshed<T>;
  private lastRunOk?: boolean;
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private controller?: AbortController;
  private closed = false;

  constructor(private readonly options: BackgroundOptions<T>) {}

  /** The latest successful result, if any run succeeded yet. */
  get latest(): Refreshed<T> | undefined {
    return this.current;
  }

  /** Whether the latest finished run succeeded (undefined before the first one ends). */
  get lastSucceeded(): boolean | undefined {
    return this.lastRunOk;
  }

  /** Starts the schedule on first use; later calls do nothing. */
  ensureStarted(): void {
    if (!this.running && !this.timer && !this.closed) void this.refresh();
  }

  /** Runs the task now (or joins the run in progress) and resolves when it ends. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) return this.running;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.runOnce().finally(() => {
      this.running = undefined;
      if (!this.closed) this.timer = setTimeout(() => void this.refresh(), this.options.intervalMs).unref();
    });
    return this.running;
  }

  private async runOnce(): Promise<void> {
    const { task, timeoutMs, what, log } = this.options;
    const controller = new AbortController();
    this.controller = controller;
    const signal = withTimeout(controller.signal, timeoutMs);
    const started = performance.now();
    try {
      const value = await task(signal);
      signal.throwIfAborted();
      const durationSeconds = (performance.now() - started) / 1000;
      this.current = { value, finishedAt: Date.now() / 1000, durationSeconds };
      if (this.lastRunOk === false) log.info(`${what} works again`, { durationSeconds });
      else log.debug(`${what} finished`, { durationSeconds });
      this.lastRunOk = true;
    } catch (err) {
      // Once per failing streak: a dependency down for hours must not write a line every interval.
      if (!this.closed && this.lastRunOk !== false)
        log.warn(`${what} failed; keeping the previous figures`, {
          error: timedOut(signal) ? `${what} timed out after ${timeoutMs / 1000}s` : errorMessage(err),
        });
      this.lastRunOk = false;
    } finally {
      this.controller = undefined;
    }
  }

  /** Stops the schedule and aborts a run in progress. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.controller?.abort(new Error('closing'));
    await this.running;
  }
}
