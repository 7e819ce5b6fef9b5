import { defineMetric, defineMetrics } from '../../metrics/define';

const db = ['datname'] as const;
const query = ['query'] as const;

/** A pg_stat_database counter: postgres_exporter's name plus `_total`. */
const statCounter = (column: string, help: string, unit = '') =>
  defineMetric({
    name: `pg_stat_database_${column}${unit}_total`,
    help: `${help} (pg_stat_database.${column}).`,
    type: 'counter',
    labels: db,
  });

/**
 * PostgreSQL metrics, named after postgres_exporter's where those are lint-clean (counters gain
 * `_total`, times are in seconds). Custom SQL metrics are declared from the config at startup.
 */
export const postgresMetrics = defineMetrics({
  up: defineMetric({
    name: 'pg_up',
    help: 'Whether the last scrape could connect to PostgreSQL and read its statistics (1) or not (0).',
    type: 'gauge',
    labels: [],
  }),
  connectDuration: defineMetric({
    name: 'pg_connect_duration_seconds',
    help: 'Time to open and authenticate a new connection in the last scrape, in seconds.',
    type: 'gauge',
    labels: [],
  }),
  versionInfo: defineMetric({
    name: 'pg_version_info',
    help: 'PostgreSQL server version; always 1.',
    type: 'info',
    labels: ['short_version', 'version'],
  }),
  startTime: defineMetric({
    name: 'pg_postmaster_start_time_seconds',
    help: 'When the server started, as a Unix timestamp in seconds.',
    type: 'gauge',
    labels: [],
  }),
  maxConnections: defineMetric({
    name: 'pg_settings_max_connections',
    help: 'The max_connections setting.',
    type: 'gauge',
    labels: [],
  }),
  superuserReservedConnections: defineMetric({
    name: 'pg_settings_superuser_reserved_connections',
    help: 'The superuser_reserved_connections setting: slots of max_connections other roles cannot use.',
    type: 'gauge',
    labels: [],
  }),
  databaseSize: defineMetric({
    name: 'pg_database_size_bytes',
    help: 'Disk space used by the database, in bytes (databases the exporter may connect to).',
    type: 'gauge',
    labels: db,
  }),
  frozenXidAge: defineMetric({
    name: 'pg_database_frozenxid_age',
    help: 'Transactions since the database was last fully frozen by vacuum (age(datfrozenxid)); writes stop near 2^31 (wraparound).',
    type: 'gauge',
    labels: db,
  }),
  numBackends: defineMetric({
    name: 'pg_stat_database_numbackends',
    help: 'Backends connected to the database, the exporter included (pg_stat_database.numbackends).',
    type: 'gauge',
    labels: db,
  }),
  xactCommit: statCounter('xact_commit', 'Transactions committed'),
  xactRollback: statCounter('xact_rollback', 'Transactions rolled back'),
  blksRead: statCounter('blks_read', 'Disk blocks read'),
  blksHit: statCounter('blks_hit', 'Disk blocks found in the buffer cache'),
  tupReturned: statCounter(
    'tup_returned',
    'Live rows fetched by sequential scans and index entries returned by index scans',
  ),
  tupFetched: statCounter('tup_fetched', 'Live rows fetched by index scans'),
  tupInserted: statCounter('tup_inserted', 'Rows inserted'),
  tupUpdated: statCounter('tup_updated', 'Rows updated'),
  tupDeleted: statCounter('tup_deleted', 'Rows deleted'),
  conflicts: statCounter('conflicts', 'Queries cancelled by recovery conflicts (standbys only)'),
  tempFiles: statCounter('temp_files', 'Temporary files created by queries'),
  tempBytes: statCounter('temp_bytes', 'Bytes written to temporary files by queries'),
  deadlocks: statCounter('deadlocks', 'Deadlocks detected'),
  blkReadTime: statCounter(
    'blk_read_time',
    'Time spent reading data file blocks, in seconds; 0 unless track_io_timing is on',
    '_seconds',
  ),
  blkWriteTime: statCounter(
    'blk_write_time',
    'Time spent writing data file blocks, in seconds; 0 unless track_io_timing is on',
    '_seconds',
  ),
  activityCount: defineMetric({
    name: 'pg_stat_activity_connections',
    help: "Client connections by database and state, the exporter's own (application_name jobstack-exporter) excluded (pg_stat_activity).",
    type: 'gauge',
    labels: ['datname', 'state'],
  }),
  oldestTransactionAge: defineMetric({
    name: 'pg_stat_activity_oldest_transaction_age_seconds',
    help: 'Age of the oldest open transaction of any client, in seconds; 0 when none is open.',
    type: 'gauge',
    labels: [],
  }),
  oldestIdleInTransactionAge: defineMetric({
    name: 'pg_stat_activity_oldest_idle_in_transaction_age_seconds',
    help: 'Longest time any client has sat idle inside an open transaction, in seconds; 0 when none does.',
    type: 'gauge',
    labels: [],
  }),
  locksWaiting: defineMetric({
    name: 'pg_locks_waiting',
    help: 'Lock requests waiting to be granted, by requested lock mode (pg_locks where not granted).',
    type: 'gauge',
    labels: ['mode'],
  }),
  isReplica: defineMetric({
    name: 'pg_replication_is_replica',
    help: 'Whether the server is a standby in recovery (1) or a primary (0).',
    type: 'gauge',
    labels: [],
  }),
  replicationLag: defineMetric({
    name: 'pg_replication_lag_seconds',
    help: 'On a standby: seconds since the last replayed transaction, 0 when all received WAL is replayed. Absent on a primary.',
    type: 'gauge',
    labels: [],
  }),
  querySuccess: defineMetric({
    name: 'pg_custom_query_success',
    help: 'Whether the custom SQL query ran and its rows were exported in the last scrape (1) or not (0).',
    type: 'gauge',
    labels: query,
  }),
  queryDuration: defineMetric({
    name: 'pg_custom_query_duration_seconds',
    help: 'Time the custom SQL query took in the last scrape, in seconds.',
    type: 'gauge',
    labels: query,
  }),
  queryRows: defineMetric({
    name: 'pg_custom_query_rows',
    help: 'Rows the custom SQL query returned in the last scrape.',
    type: 'gauge',
    labels: query,
  }),
  querySkippedValues: defineMetric({
    name: 'pg_custom_query_skipped_values',
    help: 'Values of the custom SQL query not exported in the last scrape: NULL, not numeric, or a repeated label set.',
    type: 'gauge',
    labels: query,
  }),
});

/** Client states in pg_stat_activity, zero-filled per database so a state that empties reads 0. */
export const ACTIVITY_STATES = [
  'active',
  'idle',
  'idle in transaction',
  'idle in transaction (aborted)',
  'fastpath function call',
  'disabled',
] as const;

/** PostgreSQL's table-level lock modes, zero-filled so an alert on waiting locks has a series to read. */
export const LOCK_MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
] as const;
