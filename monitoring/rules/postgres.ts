import { postgresMetrics as p } from '../../src/collectors/postgres/metrics';
import type { MixinConfig } from '../config';
import { rate, sel } from '../promql';
import type { AlertRule, RecordingRule } from './types';

export function postgresRecordingRules(cfg: MixinConfig): RecordingRule[] {
  return [
    { record: 'instance:pg_connections_utilisation:ratio', expr: `sum by (instance) (${sel(cfg, p.numBackends)}) / max by (instance) (${sel(cfg, p.maxConnections)} > 0)` },
    {
      record: 'instance:pg_cache_hit:ratio_rate5m',
      expr: `sum by (instance) (${rate(cfg, p.blksHit)}) / (sum by (instance) (${rate(cfg, p.blksHit)}) + sum by (instance) (${rate(cfg, p.blksRead)}) > 0)`,
    },
    { record: 'instance:pg_transactions:rate5m', expr: `sum by (instance) (${rate(cfg, p.xactCommit)} + ${rate(cfg, p.xactRollback)})` },
  ];
}

export function postgresAlerts(cfg: MixinConfig): AlertRule[] {
  const connRunbook = {
    meaning: 'PostgreSQL is close to max_connections. When it is reached, new connections (API requests, workers) fail with "too many clients".',
    checks: [
      '"PostgreSQL" panel: connections by state. Many `idle` means pools are oversized; many `idle in transaction` means code holds transactions open.',
      '`select usename, application_name, state, count(*) from pg_stat_activity group by 1,2,3 order by 4 desc;`',
      'Whether a deploy or a scaled-out worker fleet multiplied pool sizes.',
    ] as const,
    fix: 'Lower pool sizes, put PgBouncer in front, end leaked transactions, or raise max_connections (needs memory and a restart).',
  };
  return [
    {
      alert: 'PostgresDown',
      expr: `${sel(cfg, p.up)} == 0`,
      for: cfg.for.down,
      severity: 'critical',
      component: 'postgres',
      summary: 'PostgreSQL unreachable',
      description: `jobstack-exporter on {{ $labels.instance }} cannot connect to PostgreSQL or read its statistics (for ${cfg.for.down}).`,
      runbook: {
        meaning: 'The exporter cannot connect to PostgreSQL, authenticate, or read statistics within the scrape deadline. The application is probably failing the same way.',
        checks: [
          '`pg_isready -h <host> -p <port>` from the exporter host.',
          'The exporter landing page `/`: the last error (refused, timeout, authentication).',
          'PostgreSQL logs: crash, out of disk, too many clients, recovery in progress.',
        ],
        fix: 'Start or fail over the database; free disk if it stopped on a full volume; fix credentials if authentication fails.',
      },
    },
    {
      alert: 'PostgresConnectionsNearMax',
      expr: `instance:pg_connections_utilisation:ratio > ${cfg.postgres.connectionsWarning}`,
      for: cfg.for.resource,
      severity: 'warning',
      component: 'postgres',
      summary: 'PostgreSQL connections near max_connections',
      description: `{{ $labels.instance }}: {{ $value | humanizePercentage }} of max_connections in use.`,
      runbook: connRunbook,
    },
    {
      alert: 'PostgresConnectionsNearMax',
      expr: 'instance:pg_connections_utilisation:ratio > 0.95',
      for: '2m',
      severity: 'critical',
      component: 'postgres',
      summary: 'PostgreSQL connections exhausted',
      description: `{{ $labels.instance }}: {{ $value | humanizePercentage }} of max_connections in use; new connections are about to fail.`,
      runbook: connRunbook,
    },
    {
      alert: 'PostgresDeadlocks',
      expr: `sum by (instance, datname) (increase(${sel(cfg, p.deadlocks)}[${cfg.rateWindow}])) > 0`,
      for: '0m',
      severity: 'warning',
      component: 'postgres',
      summary: 'PostgreSQL deadlocks',
      description: `{{ $value | humanize }} deadlocks in database {{ $labels.datname }} on {{ $labels.instance }} over the last ${cfg.rateWindow}.`,
      runbook: {
        meaning: 'Transactions waited on each other and PostgreSQL aborted one of them. Jobs or requests failed with "deadlock detected".',
        checks: [
          'PostgreSQL log lines "deadlock detected": they name both statements.',
          'Which jobs failed at that time (recent failures on the built-in dashboard).',
          'Whether two code paths update the same rows in different orders.',
        ],
        fix: 'Make transactions touch rows in a consistent order, keep them short, or use SELECT ... FOR UPDATE SKIP LOCKED for job-claiming queries.',
      },
    },
    {
      alert: 'PostgresLongRunningTransaction',
      expr: `${sel(cfg, p.oldestTransactionAge)} > ${cfg.postgres.longTransactionSeconds}`,
      for: '2m',
      severity: 'warning',
      component: 'postgres',
      summary: 'Long-running PostgreSQL transaction',
      description: `A transaction on {{ $labels.instance }} has been open for {{ $value | humanizeDuration }}.`,
      runbook: {
        meaning: 'A transaction has stayed open for a long time. It may hold locks other work waits on, and it stops vacuum from cleaning up, so tables bloat.',
        checks: [
          '`select pid, usename, application_name, state, now() - xact_start as age, left(query, 80) from pg_stat_activity where xact_start is not null order by age desc limit 5;`',
          '`pg_locks_waiting` on the "PostgreSQL" panel: is anything blocked behind it?',
          '`idle in transaction` sessions: application code that forgot to commit.',
        ],
        fix: 'Cancel or terminate it (`select pg_cancel_backend(pid)`, then `pg_terminate_backend`), fix the code path, and set idle_in_transaction_session_timeout.',
      },
    },
    {
      alert: 'PostgresLocksWaiting',
      expr: `sum by (instance) (${sel(cfg, p.locksWaiting)}) > 0`,
      for: '5m',
      severity: 'warning',
      component: 'postgres',
      summary: 'Queries waiting on PostgreSQL locks',
      description: `{{ $value }} lock requests on {{ $labels.instance }} have been waiting for 5 minutes or more.`,
      runbook: {
        meaning: 'Queries are blocked behind locks held by other sessions: the database looks "locked" to the application.',
        checks: [
          '`select pid, pg_blocking_pids(pid), wait_event_type, left(query, 80) from pg_stat_activity where cardinality(pg_blocking_pids(pid)) > 0;`',
          'A migration or `ALTER TABLE` holding AccessExclusiveLock (mode label on the panel).',
          'The long-running transaction alert: often the same cause.',
        ],
        fix: 'End the blocking session, run migrations with lock_timeout, and keep transactions short.',
      },
    },
  ];
}
