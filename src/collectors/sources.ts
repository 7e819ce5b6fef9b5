import type { AppSnapshot } from '../instrument/snapshot';
import type { FailedJob } from './bullmq/finished-jobs';

/**
 * What collectors keep outside /metrics for the dashboard. A collector that offers one implements
 * its interface and the collector table hands it over by name (src/collectors/index.ts); main
 * passes the result to the dashboard, so nothing finds a collector by probing its methods.
 */

/** The latest failed jobs of a queue (by its label), newest first: the bullmq collector. */
export interface RecentFailuresSource {
  recentFailures(queue: string): readonly FailedJob[];
}

/** What the last collection read from one instrumented app's snapshot endpoint. */
export interface AppReading {
  readonly target: string;
  /** The snapshot when it was read and valid; null with `error` otherwise. */
  readonly snapshot: AppSnapshot | null;
  readonly error: string | null;
  readonly readAt: number;
}

/** What the last collection read from each instrumented app: the app collector. */
export interface AppReadingsSource {
  appReadings(): readonly AppReading[];
}

export interface DashboardSources {
  readonly failures?: RecentFailuresSource;
  readonly apps?: AppReadingsSource;
}
