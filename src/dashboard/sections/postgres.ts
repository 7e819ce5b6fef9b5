import { postgresMetrics as p } from '../../collectors/postgres/metrics';
import type { MetricBatch } from '../../metrics/batch';
import type { History } from '../history';
import type { DashboardData } from '../types';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export function postgresHistory(all: MetricBatch, out: Map<string, number>): void {
  const xacts = [...all.samples(p.xactCommit), ...all.samples(p.xactRollback)];
  if (xacts.length) out.set('pg:xacts', sum(xacts.map((s) => s.value)));
}

/** null when the postgres collector is not enabled. */
export function postgresSection(
  all: MetricBatch,
  history: History,
  windowSeconds: number,
  enabled: boolean,
): DashboardData['database'] {
  if (!enabled) return null;
  const up = all.get(p.up) === 1;
  const byState: Record<string, number> = {};
  for (const s of all.samples(p.activityCount)) byState[s.labels.state] = (byState[s.labels.state] ?? 0) + s.value;
  const version = all.samples(p.versionInfo)[0]?.labels.short_version ?? null;
  const sizes = all.samples(p.databaseSize);
  return {
    up,
    version,
    sizeBytes: sizes.length ? sum(sizes.map((s) => s.value)) : null,
    connections: { byState, max: all.get(p.maxConnections) ?? null },
    transactionsPerSecond: up ? history.rate('pg:xacts', windowSeconds) : null,
    longestTransactionSeconds: all.get(p.oldestTransactionAge) ?? null,
    customQueries: all.samples(p.querySuccess).map((s) => ({
      name: s.labels.query,
      success: s.value === 1,
      rows: all.get(p.queryRows, { query: s.labels.query }) ?? null,
    })),
  };
}
