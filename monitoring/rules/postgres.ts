import { postgresMetrics as p } from '../../src/collectors/postgres/metrics';
import type { MixinConfig } from '../config';
import { rate, sel } from '../promql';

const pct = (v: number) => `${Math.round(v * 100)}%`;
import { RECORD } from './names';
import type { AlertRule, RecordingRule } from './types';

export function postgresRecordingRules(cfg: MixinConfig): RecordingRule[] {
  return [
    // Of the connections ordinary roles may open: max_connections minus superuser_reserved_connections
    // (those fail with "remaining connection slots are reserved" first). Without the setting, all of them.
    {
      record: RECORD.pgConnections,
      expr: `sum by (instance) (${sel(cfg, p.numBackends)}) / max by (instance) ((${sel(cfg, p.maxConnections)} - ${sel(cfg, p.superuserReservedConnections)} or ${sel(cfg, p.maxConnections)}) > 0)`,
    },
    {
      record: RECORD.pgCacheHit,
      expr: `sum by (instance) (${rate(cfg, p.blksHit)}) / (sum by (instance) (${rate(cfg, p.blksHit)}) + sum by (instance) (${rate(cfg, p.blksRead)}) > 0)`,
    },
    {
      record: RECORD.pgTransactions,
      expr: `sum by (instance) (${rate(cfg, p.xactCommit)} + ${rate(cfg, p.xactRollback)})`,
    },
  ];
}

export function postgresAlerts(cfg: MixinConfig): AlertRule[] {
  const connRunbook = {
    meaning:
      'PostgreSQL is close to max_connections. When it is reached, new connections (API requests, workers) fail with "too many clients".',
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
        meaning:
          'The exporter cannot connect to PostgreSQL, authenticate, or read statistics within the scrape deadline. The application is probably failing the same way.',
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
      expr: `${RECORD.pgConnections} > ${cfg.postgres.connectionsWarning}`,
      for: cfg.for.resource,
      severity: 'warning',
      component: 'postgres',
      summary: 'PostgreSQL connections near max_connections',
      description: `{{ $labels.instance }}: {{ $value | humanizePercentage }} of max_connections in use.`,
      runbook: connRunbook,
    },
    {
      alert: 'PostgresConnectionsNearMax',
      expr: `${RECORD.pgConnections} > ${cfg.postgres.connectionsCritical}`,
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
        meaning:
          'Transactions waited on each other and PostgreSQL aborted one of them. Jobs or requests failed with "deadlock detected".',
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
        meaning:
          'A transaction has stayed open for a long time. It may hold locks other work waits on, and it stops vacuum from cleaning up, so tables bloat.',
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
        meaning:
          'Queries are blocked behind locks held by other sessions: the database looks "locked" to the application.',
        checks: [
          '`select pid, pg_blocking_pids(pid), wait_event_type, left(query, 80) from pg_stat_activity where cardinality(pg_blocking_pids(pid)) > 0;`',
          'A migration or `ALTER TABLE` holding AccessExclusiveLock (mode label on the panel).',
          'The long-running transaction alert: often the same cause.',
        ],
        fix: 'End the blocking session, run migrations with lock_timeout, and keep transactions short.',
      },
    },
    ...postgresHealthAlerts(cfg),
  ];
}

/** Replication, sessions, restarts, rollbacks, wraparound and custom queries. */
function postgresHealthAlerts(cfg: MixinConfig): AlertRule[] {
  const c = cfg.postgres;
  const wraparoundRunbook = {
    meaning:
      'Vacuum has not frozen old rows of this database for a long time. At about 2.1 billion transactions PostgreSQL stops accepting writes to prevent data loss (transaction ID wraparound), and only a long single-user VACUUM brings it back.',
    checks: [
      "`select datname, age(datfrozenxid) from pg_database order by 2 desc;` then per table: `select relname, age(relfrozenxid) from pg_class where relkind = 'r' order by 2 desc limit 10;`",
      'What blocks vacuum: long transactions, idle-in-transaction sessions, abandoned replication slots or prepared transactions.',
      'Autovacuum settings and whether autovacuum workers are busy elsewhere (`pg_stat_progress_vacuum`).',
    ] as const,
    fix: 'End what blocks vacuum, drop stale replication slots, then `VACUUM (FREEZE, VERBOSE)` the oldest tables; tune autovacuum so it keeps up.',
  };
  const xidAge = sel(cfg, p.frozenXidAge);
  return [
    {
      alert: 'PostgresReplicationLag',
      expr: `${sel(cfg, p.replicationLag)} > ${c.replicationLagSeconds}`,
      for: '5m',
      severity: 'warning',
      component: 'postgres',
      summary: 'PostgreSQL standby lagging',
      description: `The standby watched by {{ $labels.instance }} is {{ $value | humanizeDuration }} behind its primary (above ${c.replicationLagSeconds}s).`,
      runbook: {
        meaning:
          'A standby replays WAL far behind the primary: reads from it are stale, and a failover would lose the missing transactions.',
        checks: [
          'On the primary: `select client_addr, state, write_lag, flush_lag, replay_lag from pg_stat_replication;`',
          'Standby I/O and CPU; long queries on the standby delaying replay (`max_standby_streaming_delay`).',
          'Network bandwidth between them during bulk writes.',
        ],
        fix: 'Remove the replay conflict (cancel long standby queries), give the standby I/O, or throttle the bulk job on the primary.',
      },
    },
    {
      alert: 'PostgresIdleInTransaction',
      expr: `${sel(cfg, p.oldestIdleInTransactionAge)} > ${c.idleInTransactionSeconds}`,
      for: '2m',
      severity: 'warning',
      component: 'postgres',
      summary: 'A PostgreSQL session sits idle inside a transaction',
      description: `A session on {{ $labels.instance }} has been idle in transaction for {{ $value | humanizeDuration }} (above ${c.idleInTransactionSeconds}s).`,
      runbook: {
        meaning:
          'A client opened a transaction and stopped talking: it holds its locks and stops vacuum, so other queries wait and tables bloat. Nearly always a code path that forgot to commit or roll back (often after an error).',
        checks: [
          "`select pid, usename, application_name, now() - state_change as idle, left(query, 80) from pg_stat_activity where state like 'idle in transaction%' order by idle desc;`",
          'The application named there: an error path without rollback, or a transaction spanning a network call.',
          'Whether locks wait behind it (`pg_locks_waiting`).',
        ],
        fix: '`select pg_terminate_backend(pid)`, fix the code path, and set `idle_in_transaction_session_timeout` for application roles.',
      },
    },
    {
      alert: 'PostgresRestarted',
      expr: `time() - ${sel(cfg, p.startTime)} < ${cfg.restartedWithinSeconds}`,
      for: '0m',
      severity: 'warning',
      component: 'postgres',
      summary: 'PostgreSQL restarted',
      description: 'PostgreSQL watched by {{ $labels.instance }} started {{ $value | humanizeDuration }} ago.',
      runbook: {
        meaning:
          'The PostgreSQL server restarted in the last five minutes: every connection was cut, running transactions were rolled back, and jobs writing at that time may have failed.',
        checks: [
          'PostgreSQL log: shutdown reason, crash ("terminated by signal"), OOM kill in `dmesg`.',
          'Failed jobs at that time on the dashboard.',
          'Whether it was planned (minor upgrade, failover, config change needing restart).',
        ],
        fix: 'If it crashed, find the cause in the log (out of memory, disk full, a bug) before it repeats; retry the jobs that failed.',
      },
    },
    {
      alert: 'PostgresRollbackRatioHigh',
      expr: `sum by (instance, datname) (${rate(cfg, p.xactRollback)}) / (sum by (instance, datname) (${rate(cfg, p.xactCommit)} + ${rate(cfg, p.xactRollback)}) > 0.1) > ${c.rollbackRatioWarning}`,
      for: '10m',
      severity: 'warning',
      component: 'postgres',
      summary: 'Many PostgreSQL transactions roll back',
      description: `{{ $value | humanizePercentage }} of transactions in database {{ $labels.datname }} on {{ $labels.instance }} roll back (above ${pct(c.rollbackRatioWarning)}).`,
      runbook: {
        meaning:
          'A large share of transactions end in rollback: statements fail (constraint violations, serialization failures, deadlocks, timeouts) and the application retries or gives up.',
        checks: [
          'PostgreSQL log with `log_min_error_statement = error`: which errors?',
          'Failed jobs and API errors at the same time.',
          'A deploy that changed queries or a migration that added a constraint.',
        ],
        fix: 'Fix the failing statements; for serialization failures, reduce contention or retry with backoff.',
      },
    },
    {
      alert: 'PostgresTxidWraparound',
      expr: `${xidAge} > ${c.xidAgeWarning}`,
      for: '15m',
      severity: 'warning',
      component: 'postgres',
      summary: 'PostgreSQL transaction IDs approaching wraparound',
      description:
        'Database {{ $labels.datname }} on {{ $labels.instance }} has age(datfrozenxid) {{ $value | humanize }}; writes stop near 2.1 billion.',
      runbook: wraparoundRunbook,
    },
    {
      alert: 'PostgresTxidWraparound',
      expr: `${xidAge} > ${c.xidAgeCritical}`,
      for: '15m',
      severity: 'critical',
      component: 'postgres',
      summary: 'PostgreSQL transaction IDs close to wraparound',
      description:
        'Database {{ $labels.datname }} on {{ $labels.instance }} has age(datfrozenxid) {{ $value | humanize }}; writes stop near 2.1 billion.',
      runbook: wraparoundRunbook,
    },
    {
      alert: 'PostgresCustomQueryFailing',
      expr: `${sel(cfg, p.querySuccess)} == 0`,
      for: '5m',
      severity: 'warning',
      component: 'postgres',
      summary: 'A custom SQL metric query keeps failing',
      description:
        'Custom query {{ $labels.query }} on {{ $labels.instance }} has failed every scrape for 5m; its business metrics are missing.',
      runbook: {
        meaning:
          'One of the SQL queries configured under collectors.postgres.queries errors or times out, so the metrics (and alerts) built on it are missing.',
        checks: [
          "The exporter landing page `/` and logs: the query's error (syntax, permission denied, statement timeout).",
          'Whether a migration renamed a table or column the query reads.',
          '`pg_custom_query_duration_seconds` close to the collector timeout.',
        ],
        fix: 'Fix the SQL or grant the exporter role SELECT on what it reads; add an index or raise the collector timeout if it is slow.',
      },
    },
  ];
}
