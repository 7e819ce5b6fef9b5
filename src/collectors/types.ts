import type { MetricBatch } from '../metrics/batch';
import type { MetricDef } from '../metrics/define';
import type { Logger } from '../log/logger';

export interface CollectContext {
  /**
   * Aborted at `deadline` (a timeout, a margin before the runner gives up: runner/deadline.ts) or
   * when the runner cancels: pass it to every I/O call that accepts one.
   */
  readonly signal: AbortSignal;
  /** Epoch milliseconds by which the collector must be done: when `signal` fires; no margin left to keep. */
  readonly deadline: number;
  /** Where the collector writes this collection's samples. */
  readonly out: MetricBatch;
  readonly log: Logger;
  /**
   * Reports the dependency as down without failing (the collector also sets its `up` to 0): the
   * sanitized reason reaches the landing page and /health/detailed, not only the log.
   */
  readonly reportDown?: (reason: string) => void;
}

/**
 * A collector fetches, parses and sets. It throws when its dependency cannot be read; the
 * runner then publishes only its `up` metric at 0, never the partial batch.
 */
export interface Collector {
  readonly name: string;
  /**
   * Gauge without labels set to 1 on success and 0 when the collector fails or times out. A
   * collector may set it itself (to 0 for a dependency it reports rather than throws on).
   */
  readonly up?: MetricDef<never, 'gauge'>;
  collect(ctx: CollectContext): Promise<void>;
  /**
   * Startup checks that need the dependency (e.g. that custom SQL returns the configured
   * columns): config problems to stop startup with exit 2. Skipped when it cannot be reached.
   */
  validate?(signal: AbortSignal): Promise<readonly string[]>;
  /** Releases clients and timers at shutdown. */
  close?(): Promise<void>;
}
