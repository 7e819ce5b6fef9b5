import type { DashboardData } from '../dashboard/types';
import { HEALTH_PENALTIES as P, HEALTH_THRESHOLDS as T } from './penalties';

type Figures = Pick<DashboardData, 'health' | 'queues' | 'storage' | 'probes' | 'system' | 'exporter' | 'api'>;

/** The health score with a reason per penalty, the same table the recording rule uses. */
export function healthScore(f: Omit<Figures, 'health'> & { health: Pick<DashboardData['health'], 'components'> }): {
  score: number;
  reasons: string[];
} {
  const reasons: string[] = [];
  let score = 100;
  const penalise = (points: number, why: string) => {
    if (points <= 0) return;
    score -= points;
    reasons.push(`-${points}: ${why}`);
  };
  const status = (name: string) => f.health.components.find((c) => c.name === name)?.status;
  if (status('redis') === 'down') penalise(P.redisDown.points, 'Redis is down');
  if (status('postgres') === 'down') penalise(P.postgresDown.points, 'PostgreSQL is down');
  if (status('storage') === 'down' || f.storage.some((s) => !s.up))
    penalise(P.storageDown.points, 'storage is not reachable');

  const list = (names: string[]) =>
    names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
  const noWorkers = f.queues.filter((q) => q.workers === 0 && q.backlog > 0).map((q) => q.name);
  if (noWorkers.length) penalise(P.queueWithoutWorkers.points, `jobs waiting with no worker: ${list(noWorkers)}`);
  const stuck = f.queues.filter((q) => (q.oldestWaitingSeconds ?? 0) > T.oldestWaitingSeconds).map((q) => q.name);
  if (stuck.length)
    penalise(P.stuckJobs.points, `oldest job waiting over ${T.oldestWaitingSeconds / 60} min: ${list(stuck)}`);
  const worst = Math.max(0, ...f.queues.map((q) => q.failureRatio ?? 0));
  if (worst > T.failureRatioCritical)
    penalise(P.failureRatioCritical.points, `failure ratio ${(worst * 100).toFixed(0)}%`);
  else if (worst > T.failureRatioWarning)
    penalise(P.failureRatioWarning.points, `failure ratio ${(worst * 100).toFixed(0)}%`);

  // A read-only filesystem (a squashfs snap, a mounted image) is always full and cannot fill further.
  const fullDisks = f.system.disks
    .filter((d) => !d.readonly && d.sizeBytes > 0 && d.availBytes / d.sizeBytes < T.freeRatioWarning)
    .map((d) => d.mountpoint);
  if (fullDisks.length)
    penalise(P.storageNearlyFull.points, `less than ${T.freeRatioWarning * 100}% space left on ${list(fullDisks)}`);

  const failingProbes = f.probes.filter((p) => !p.success).map((p) => p.name);
  if (failingProbes.length)
    penalise(
      Math.min(P.probeFailing.points * failingProbes.length, P.probeFailing.max),
      `probes failing: ${list(failingProbes)}`,
    );
  const failingCollectors = f.exporter.collectors.filter((c) => !c.success).map((c) => c.name);
  if (failingCollectors.length)
    penalise(
      Math.min(P.collectorFailing.points * failingCollectors.length, P.collectorFailing.max),
      `collectors failing: ${list(failingCollectors)}`,
    );
  const erring = f.api.filter((a) => (a.errorRatio ?? 0) > T.apiErrorRatio);
  if (erring.length)
    penalise(
      P.apiErrorRatio.points,
      `API 5xx above ${T.apiErrorRatio * 100}%: ${list(erring.map((a) => `${a.target} ${((a.errorRatio ?? 0) * 100).toFixed(1)}%`))}`,
    );
  const slow = f.api.filter((a) => (a.p95Seconds ?? 0) > T.apiP95Seconds);
  if (slow.length)
    penalise(
      P.apiLatency.points,
      `API p95 above ${T.apiP95Seconds} s: ${list(slow.map((a) => `${a.target} ${(a.p95Seconds ?? 0).toFixed(2)} s`))}`,
    );
  return { score: Math.max(0, score), reasons };
}
