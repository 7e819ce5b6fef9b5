import { bullmqMetrics as b } from '../../src/collectors/bullmq/metrics';
import { localStorageMetrics as ls } from '../../src/collectors/localstorage/metrics';
import { postgresMetrics as p } from '../../src/collectors/postgres/metrics';
import { probeMetrics as pr } from '../../src/collectors/probes/metrics';
import { appMetrics as app } from '../../src/collectors/app/metrics';
import { redisMetrics as r } from '../../src/collectors/redis/metrics';
import { s3Metrics as s3 } from '../../src/collectors/s3/metrics';
import { HEALTH_PENALTIES as P } from '../../src/health/penalties';
import { selfMetrics } from '../../src/metrics/self';
import type { MixinConfig } from '../config';
import { sel } from '../promql';
import { Q, RECORD } from './names';
import type { AlertRule, RecordingRule } from './types';

/**
 * jobstack:health_score per exporter instance: 100 minus the penalties of src/health/penalties.ts
 * (the table the built-in dashboard uses too), at least 0, and 0 while the exporter is down.
 * Each penalty reads 0 when its metrics are absent (a collector not configured).
 */
export function healthRecordingRules(cfg: MixinConfig): RecordingRule[] {
  const base = `max by (instance) (up{${cfg.selector}})`;
  const term = (points: string) => `((${points}) or on (instance) (0 * ${base}))`;
  const flag = (points: number, cond: string) => term(`${points} * (count by (instance) (${cond}) > bool 0)`);
  const capped = (each: number, max: number, cond: string) =>
    term(`clamp_max(${each} * count by (instance) (${cond}), ${max})`);
  const worstFailure = `max by (instance) (${Q.failureRatio})`;
  const penalties = [
    flag(P.redisDown.points, `${sel(cfg, r.up)} == 0`),
    flag(P.postgresDown.points, `${sel(cfg, p.up)} == 0`),
    flag(P.storageDown.points, `${sel(cfg, s3.up)} == 0 or ${sel(cfg, ls.up)} == 0`),
    flag(P.queueWithoutWorkers.points, `${Q.backlog} > 0 and on (instance, queue) ${sel(cfg, b.workers)} == 0`),
    flag(P.stuckJobs.points, `${sel(cfg, b.oldestWaitingAge)} > ${cfg.queues.oldestWaitingSeconds}`),
    // Critical and warning do not add up: 10 for warning, 25 in all for critical.
    term(
      `${P.failureRatioWarning.points} * (${worstFailure} > bool ${cfg.queues.failureRatioWarning}) + ${P.failureRatioCritical.points - P.failureRatioWarning.points} * (${worstFailure} > bool ${cfg.queues.failureRatioCritical})`,
    ),
    // The disk alerts' ratio: a read-only filesystem (a squashfs snap, a mounted image) is always full and harmless.
    flag(
      P.storageNearlyFull.points,
      `${RECORD.localStorageAvail} < ${cfg.storage.freeWarning} or ${RECORD.hostFsAvail} < ${cfg.storage.freeWarning}`,
    ),
    capped(P.probeFailing.points, P.probeFailing.max, `${sel(cfg, pr.success)} == 0`),
    capped(P.collectorFailing.points, P.collectorFailing.max, `${sel(cfg, selfMetrics.collectorSuccess)} == 0`),
    // The app's own windowed figures as the exporter read them: the built-in dashboard penalises the same numbers.
    flag(P.apiErrorRatio.points, `${sel(cfg, app.recentErrorRatio)} > ${cfg.api.healthErrorRatio}`),
    flag(P.apiLatency.points, `${sel(cfg, app.recentP95)} > ${cfg.api.healthP95Seconds}`),
  ];
  return [{ record: RECORD.healthScore, expr: `clamp_min(100 - ${penalties.join(' - ')}, 0) * ${base}` }];
}

export function healthAlerts(cfg: MixinConfig): AlertRule[] {
  return [
    {
      alert: 'JobstackHealthScoreLow',
      expr: `${RECORD.healthScore} < ${cfg.healthScoreWarning}`,
      for: '10m',
      severity: 'warning',
      component: 'exporter',
      summary: 'Job stack health score low',
      description: `The health score of {{ $labels.instance }} is {{ $value }} (below ${cfg.healthScoreWarning}); several things are wrong at once.`,
      runbook: {
        meaning:
          'Several problems add up (see README "Health score" for the penalties): a dependency down, queues without workers, stuck or failing jobs, full storage, failing probes or collectors.',
        checks: [
          'The built-in dashboard (`/dashboard`) lists the reasons behind the score.',
          'The other alerts firing for the same instance.',
          'The "Components up" panel.',
        ],
        fix: 'Fix the individual causes; the score recovers by itself.',
      },
    },
  ];
}
