import { EXP, EXP_LABELS, type RuleCase } from './types';
import { RECORD } from '../../../monitoring/rules/names';

export const postgresCases: RuleCase[] = [
  {
    name: 'PostgreSQL down, connections, cache hit ratio, transactions',
    series: [
      { series: `pg_up{${EXP}}`, values: '1 1 1 1 0x20' },
      { series: `pg_settings_max_connections{${EXP}}`, values: '100x40' },
      { series: `pg_stat_database_numbackends{${EXP},datname="jobs"}`, values: '50x4 85x36' },
      { series: `pg_stat_database_numbackends{${EXP},datname="postgres"}`, values: '1x40' },
      { series: `pg_stat_database_blks_hit_total{${EXP},datname="jobs"}`, values: '0+45x40' },
      { series: `pg_stat_database_blks_read_total{${EXP},datname="jobs"}`, values: '0+15x40' },
      { series: `pg_stat_database_xact_commit_total{${EXP},datname="jobs"}`, values: '0+30x40' },
      { series: `pg_stat_database_xact_rollback_total{${EXP},datname="jobs"}`, values: '0+15x40' },
    ],
    exprs: [
      {
        at: '6m',
        expr: RECORD.pgConnections,
        expect: [{ labels: `${RECORD.pgConnections}{instance="exp:9478"}`, value: 0.86 }],
      },
      {
        at: '6m',
        expr: RECORD.pgCacheHit,
        expect: [{ labels: `${RECORD.pgCacheHit}{instance="exp:9478"}`, value: 0.75 }],
      },
      {
        at: '6m',
        expr: RECORD.pgTransactions,
        expect: [{ labels: `${RECORD.pgTransactions}{instance="exp:9478"}`, value: 3 }],
      },
    ],
    alerts: [
      { at: '1m15s', alert: 'PostgresDown', firing: [] },
      {
        at: '4m',
        alert: 'PostgresDown',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'critical', component: 'postgres' },
            description: 'jobstack-exporter on exp:9478 cannot connect to PostgreSQL or read its statistics (for 20s).',
          },
        ],
      },
      { at: '5m', alert: 'PostgresConnectionsNearMax', firing: [] },
      {
        at: '12m',
        alert: 'PostgresConnectionsNearMax',
        firing: [
          {
            labels: { instance: 'exp:9478', severity: 'warning', component: 'postgres' },
            description: 'exp:9478: 86% of max_connections in use.',
          },
        ],
      },
    ],
  },
  {
    name: 'connections exhausted: the critical twin',
    series: [
      { series: `pg_settings_max_connections{${EXP}}`, values: '100x20' },
      { series: `pg_stat_database_numbackends{${EXP},datname="jobs"}`, values: '97x20' },
    ],
    alerts: [
      {
        at: '3m',
        alert: 'PostgresConnectionsNearMax',
        firing: [
          {
            labels: { instance: 'exp:9478', severity: 'critical', component: 'postgres' },
            description: 'exp:9478: 97% of max_connections in use; new connections are about to fail.',
          },
        ],
      },
    ],
  },
  {
    name: 'deadlocks, long transaction, waiting locks',
    series: [
      {
        series: `pg_stat_database_deadlocks_total{${EXP},datname="jobs"}`,
        values: '0 0 0 0 0 0 0 0 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2',
      },
      { series: `pg_stat_activity_oldest_transaction_age_seconds{${EXP}}`, values: '0 100 1000+15x20' },
      { series: `pg_locks_waiting{${EXP},mode="AccessExclusiveLock"}`, values: '0 0 1x30' },
      { series: `pg_locks_waiting{${EXP},mode="RowExclusiveLock"}`, values: '0 0 2x30' },
    ],
    alerts: [
      { at: '1m', alert: 'PostgresDeadlocks', firing: [] },
      {
        at: '3m',
        alert: 'PostgresDeadlocks',
        firing: [
          {
            labels: { instance: 'exp:9478', datname: 'jobs', severity: 'warning', component: 'postgres' },
            description: '2 deadlocks in database jobs on exp:9478 over the last 5m.',
          },
        ],
      },
      { at: '1m', alert: 'PostgresLongRunningTransaction', firing: [] },
      {
        at: '3m',
        alert: 'PostgresLongRunningTransaction',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'warning', component: 'postgres' },
            description: 'A transaction on exp:9478 has been open for 19m 10s.',
          },
        ],
      },
      { at: '4m', alert: 'PostgresLocksWaiting', firing: [] },
      {
        at: '6m',
        alert: 'PostgresLocksWaiting',
        firing: [
          {
            labels: { instance: 'exp:9478', severity: 'warning', component: 'postgres' },
            description: '3 lock requests on exp:9478 have been waiting for 5 minutes or more.',
          },
        ],
      },
    ],
  },
];
