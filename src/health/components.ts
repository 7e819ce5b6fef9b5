import type { Collection, CollectorOutcome } from '../runner/runner';
import type { DashboardData } from '../dashboard/types';
import { HEALTH_THRESHOLDS as T } from './penalties';
import type { ComponentHealth, HealthReport, OverallStatus } from './types';

/**
 * /health/detailed rules, one per component, from the latest collection only:
 * - a component whose collectors are not enabled is `disabled`;
 * - `down` when its collector failed (dependency unreachable, timed out) or its `_up` is 0;
 * - `degraded` when it answers but something is wrong (see each rule below);
 * - `up` otherwise.
 * Overall: `down` when Redis, PostgreSQL or the queue view is down (jobs cannot run or be
 * recorded); `degraded` when any other component is down or anything is degraded; else `healthy`.
 */
const CRITICAL: ReadonlySet<ComponentHealth['name']> = new Set(['redis', 'postgres', 'queues']);

/** Which collectors make up each component. */
export const COMPONENT_COLLECTORS: Readonly<Record<ComponentHealth['name'], readonly string[]>> = {
  redis: ['redis'],
  postgres: ['postgres'],
  storage: ['s3', 'localstorage'],
  probes: ['probes'],
  queues: ['bullmq'],
  host: ['host'],
  api: ['app'],
};

function fromOutcomes(
  name: ComponentHealth['name'],
  outcomes: readonly CollectorOutcome[],
  degradedWhy: string | null,
): ComponentHealth {
  if (!outcomes.length) return { name, status: 'disabled', latencyMs: null, error: null };
  const failed = outcomes.find((o) => !o.success);
  const latencyMs = Math.max(...outcomes.map((o) => o.durationSeconds * 1000));
  if (failed) return { name, status: 'down', latencyMs, error: failed.error ?? 'failed' };
  const reported = outcomes.find((o) => o.dependencyDown !== undefined);
  if (reported && outcomes.every((o) => o.dependencyDown !== undefined))
    return { name, status: 'down', latencyMs, error: reported.dependencyDown! };
  if (reported) return { name, status: 'degraded', latencyMs, error: `${reported.name}: ${reported.dependencyDown}` };
  return { name, status: degradedWhy ? 'degraded' : 'up', latencyMs, error: degradedWhy };
}

/** Reasons a component is degraded though its collector succeeded, from the dashboard figures. */
function degradation(
  name: ComponentHealth['name'],
  d: Pick<DashboardData, 'database' | 'storage' | 'probes' | 'queues' | 'system' | 'api'>,
): string | null {
  switch (name) {
    case 'postgres': {
      const db = d.database;
      if (db && !db.up) return 'not reachable';
      const failing = db?.customQueries.filter((q) => !q.success).map((q) => q.name) ?? [];
      if (failing.length) return `custom queries failing: ${failing.join(', ')}`;
      const used = db ? Object.values(db.connections.byState).reduce((a, b) => a + b, 0) : 0;
      return db?.connections.max && used / db.connections.max > T.usedRatioDegraded
        ? `connections above ${T.usedRatioDegraded * 100}% of max_connections`
        : null;
    }
    case 'storage': {
      const down = d.storage.filter((s) => !s.up).map((s) => s.backend);
      return down.length ? `${down.join(', ')} not reachable` : null;
    }
    case 'probes': {
      const failing = d.probes.filter((p) => !p.success).map((p) => p.name);
      return failing.length ? `failing: ${failing.join(', ')}` : null;
    }
    case 'queues': {
      const unreadable = d.queues.filter((q) => q.readError).map((q) => q.name);
      if (unreadable.length)
        return `queues not readable (a key of the wrong type): ${unreadable.slice(0, 5).join(', ')}`;
      const noWorkers = d.queues.filter((q) => q.workers === 0 && q.backlog > 0).map((q) => q.name);
      if (noWorkers.length) return `backlog without workers: ${noWorkers.slice(0, 5).join(', ')}`;
      const stuck = d.queues.filter((q) => (q.oldestWaitingSeconds ?? 0) > T.oldestWaitingSeconds).map((q) => q.name);
      return stuck.length
        ? `jobs waiting over ${T.oldestWaitingSeconds / 60} min: ${stuck.slice(0, 5).join(', ')}`
        : null;
    }
    case 'api': {
      const down = d.api.filter((a) => !a.up).map((a) => a.target);
      if (down.length) return `snapshot unreadable: ${down.join(', ')}`;
      const erring = d.api.filter((a) => (a.errorRatio ?? 0) > T.apiErrorRatio).map((a) => a.target);
      if (erring.length) return `5xx above ${T.apiErrorRatio * 100}%: ${erring.join(', ')}`;
      const slow = d.api.filter((a) => (a.p95Seconds ?? 0) > T.apiP95Seconds).map((a) => a.target);
      return slow.length ? `p95 above ${T.apiP95Seconds} s: ${slow.join(', ')}` : null;
    }
    case 'host': {
      const full = d.system.disks
        .filter((k) => !k.readonly && k.usedRatio > T.usedRatioDegraded)
        .map((k) => k.mountpoint);
      if (full.length) return `filesystems over ${T.usedRatioDegraded * 100}% full: ${full.join(', ')}`;
      return (d.system.memory.usedRatio ?? 0) > T.usedRatioDegraded
        ? `memory over ${T.usedRatioDegraded * 100}% used`
        : null;
    }
    default:
      return null;
  }
}

export function evaluateHealth(
  collection: Collection | undefined,
  figures: Pick<DashboardData, 'database' | 'storage' | 'probes' | 'queues' | 'system' | 'api'>,
): HealthReport {
  const outcomes = collection?.outcomes ?? [];
  const components = (Object.keys(COMPONENT_COLLECTORS) as ComponentHealth['name'][]).map((name): ComponentHealth => {
    const mine = outcomes.filter((o) => COMPONENT_COLLECTORS[name].includes(o.name));
    const base = fromOutcomes(name, mine, mine.length ? degradation(name, figures) : null);
    // A collector that reports its dependency as down without throwing (storage path gone) counts as down.
    if (
      base.status === 'degraded' &&
      ((name === 'storage' && figures.storage.every((s) => !s.up)) ||
        (name === 'postgres' && figures.database && !figures.database.up) ||
        (name === 'api' && figures.api.length > 0 && figures.api.every((a) => !a.up)))
    ) {
      return { ...base, status: 'down' };
    }
    return base;
  });
  let status: OverallStatus = 'healthy';
  for (const c of components) {
    if (c.status === 'down' && CRITICAL.has(c.name)) status = 'down';
    else if ((c.status === 'down' || c.status === 'degraded') && status === 'healthy') status = 'degraded';
  }
  if (!collection) status = 'down';
  return { status, checkedAt: new Date(collection?.finishedAt ?? Date.now()).toISOString(), components };
}
