/**
 * The health score (0-100) both the built-in dashboard and the `jobstack:health_score` recording
 * rule compute: 100 minus these penalties, never below 0. One table, so the two agree and the
 * README section is generated from it.
 */
export interface Penalty {
  readonly points: number;
  /** Cap for penalties counted per failing thing. */
  readonly max?: number;
  readonly why: string;
}

export const HEALTH_PENALTIES = {
  redisDown: { points: 40, why: 'Redis is unreachable (`redis_up` 0): no queue can be read or worked.' },
  postgresDown: { points: 30, why: 'PostgreSQL is unreachable (`pg_up` 0): job records cannot be written.' },
  storageDown: { points: 20, why: 'The S3 bucket or the local storage path cannot be reached or read.' },
  queueWithoutWorkers: {
    points: 25,
    why: 'At least one queue holds jobs (waiting, prioritized or delayed) and has no worker connected.',
  },
  stuckJobs: {
    points: 15,
    why: "At least one queue's oldest waiting job is older than the stuck threshold (10 minutes).",
  },
  failureRatioWarning: { points: 10, why: "The worst queue's failure ratio is above the warning threshold (5%)." },
  failureRatioCritical: {
    points: 25,
    why: "The worst queue's failure ratio is above the critical threshold (25%); replaces the warning penalty.",
  },
  storageNearlyFull: {
    points: 15,
    why: 'The storage filesystem or a writable host filesystem has less than 10% space left (a read-only one cannot fill).',
  },
  probeFailing: { points: 10, max: 20, why: 'Per failing HTTP probe.' },
  collectorFailing: {
    points: 5,
    max: 15,
    why: 'Per exporter collector failing (`jobstack_exporter_collector_success` 0).',
  },
  apiErrorRatio: {
    points: 15,
    why: 'An instrumented app answers more than 5% of its requests with a 5xx status over its recent window (`app_snapshot_recent_error_ratio`, 5 min by default).',
  },
  apiLatency: {
    points: 10,
    why: "An instrumented app's slowest busy route (10+ requests in its recent window) has a p95 above 1 s (`app_snapshot_recent_p95_seconds`).",
  },
} as const satisfies Record<string, Penalty>;

/** Thresholds the penalties use, shared with the alert defaults in monitoring/config.ts. */
export const HEALTH_THRESHOLDS = {
  oldestWaitingSeconds: 600,
  failureRatioWarning: 0.05,
  failureRatioCritical: 0.25,
  freeRatioWarning: 0.1,
  /** 5xx share of an app's requests: 5%, the same line as for failing jobs. */
  apiErrorRatio: 0.05,
  /** p95 of an app's slowest busy route: 1 s is where users notice (the library's default slow threshold too). */
  apiP95Seconds: 1,
  /**
   * Share used of PostgreSQL connections, a host filesystem or memory above which /health/detailed
   * calls the component degraded (no score penalty: the alerts warn earlier, at monitoring/config.ts' lines).
   */
  usedRatioDegraded: 0.9,
} as const;
