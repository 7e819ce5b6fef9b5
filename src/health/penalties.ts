/**
 * The health score (0-100) both the built-in dashboard and the `jobstack:health_score` recording
 * rule compute: 100 minus these penalties, never below 0. One table, so the two agree.
 */
export const HEALTH_PENALTIES = {
  /** Redis unreachable: no queue can be read or worked. */
  redisDown: 40,
  /** PostgreSQL unreachable: job records cannot be written. */
  postgresDown: 30,
  /** Object or file storage unreachable. */
  storageDown: 20,
  /** Any queue holds jobs and has no worker connected. */
  queueWithoutWorkers: 25,
  /** Any queue's oldest waiting job is older than the stuck threshold. */
  stuckJobs: 15,
  /** Any queue's failure ratio above the warning / critical threshold (not added together). */
  failureRatioWarning: 10,
  failureRatioCritical: 25,
  /** Storage or a host filesystem with less than the warning share of space left. */
  storageNearlyFull: 15,
  /** Per failing probe, up to `probeFailingMax`. */
  probeFailing: 10,
  probeFailingMax: 20,
  /** Per failing collector, up to `collectorFailingMax`. */
  collectorFailing: 5,
  collectorFailingMax: 15,
} as const;

/** Thresholds the penalties use, shared with the alert defaults in monitoring/config.ts. */
export const HEALTH_THRESHOLDS = {
  oldestWaitingSeconds: 600,
  failureRatioWarning: 0.05,
  failureRatioCritical: 0.25,
  freeRatioWarning: 0.1,
} as const;
