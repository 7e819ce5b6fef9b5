import { finiteNumber } from '../../metrics/finite-number';
import type { MetricBatch } from '../../metrics/batch';
import type { MetricDef } from '../../metrics/define';
import { APPLICATION_NAME } from './connection';
import { ACTIVITY_STATES, LOCK_MODES, postgresMetrics as m } from './metrics';
import { labelValue } from './custom-rows';

/**
 * The server statistics, as SQL sent in one round trip (a read-only transaction) and pure
 * functions from the result rows to samples. Needs PostgreSQL 10 or later (backend_type,
 * pg_last_wal_*). Every statement reads catalogs and statistics views only. Sessions named
 * `jobstack-exporter` (this exporter's, see createPool) are left out of the activity figures.
 */

type Row = Record<string, unknown>;

/** In the order the results come back; `toSamples` reads them by these names. */
export const SERVER_STATEMENTS = {
  server: `SELECT current_setting('server_version') AS short_version, version() AS version,
    current_setting('max_connections')::int AS max_connections, pg_is_in_recovery() AS in_recovery,
    current_setting('superuser_reserved_connections')::int AS superuser_reserved_connections,
    extract(epoch FROM pg_postmaster_start_time()) AS start_time,
    CASE WHEN NOT pg_is_in_recovery() THEN NULL
         WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
         ELSE greatest(0, extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())) END AS replication_lag`,
  databases: `SELECT d.datname,
    CASE WHEN has_database_privilege(d.datname, 'CONNECT') THEN pg_database_size(d.datname) END AS size_bytes,
    age(d.datfrozenxid) AS frozenxid_age,
    s.numbackends, s.xact_commit, s.xact_rollback, s.blks_read, s.blks_hit, s.tup_returned, s.tup_fetched,
    s.tup_inserted, s.tup_updated, s.tup_deleted, s.conflicts, s.temp_files, s.temp_bytes, s.deadlocks,
    s.blk_read_time, s.blk_write_time
    FROM pg_database d LEFT JOIN pg_stat_database s ON s.datid = d.oid
    WHERE d.datallowconn AND NOT d.datistemplate ORDER BY d.datname`,
  // Without pg_read_all_stats (pg_monitor) another role's session shows neither backend_type nor
  // state, only its database and role: it counts as state "unknown" rather than vanishing.
  activity: `SELECT datname, state, count(*) AS connections FROM pg_stat_activity
    WHERE (backend_type = 'client backend' OR (backend_type IS NULL AND usesysid IS NOT NULL))
      AND application_name IS DISTINCT FROM '${APPLICATION_NAME}' AND datname IS NOT NULL
    GROUP BY datname, state`,
  oldest: `SELECT
    coalesce(max(greatest(0, extract(epoch FROM clock_timestamp() - xact_start))), 0) AS oldest_transaction,
    coalesce(max(greatest(0, extract(epoch FROM clock_timestamp() - state_change)))
      FILTER (WHERE state IN ('idle in transaction', 'idle in transaction (aborted)')), 0) AS oldest_idle_in_transaction
    FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name IS DISTINCT FROM '${APPLICATION_NAME}' AND xact_start IS NOT NULL`,
  locks: `SELECT mode, count(*) AS waiting FROM pg_locks WHERE NOT granted GROUP BY mode`,
} as const;

export type ServerResults = { readonly [K in keyof typeof SERVER_STATEMENTS]: readonly Row[] };

/** The whole batch as one simple-protocol string: a read-only transaction with its own timeout. */
export function serverStatsSql(statementTimeoutMs: number): string {
  const timeout = Math.max(1, Math.floor(statementTimeoutMs));
  return [
    'BEGIN READ ONLY',
    `SET LOCAL statement_timeout = ${timeout}`,
    ...Object.values(SERVER_STATEMENTS),
    'COMMIT',
  ].join(';\n');
}

/** Splits the results of `serverStatsSql` (one per statement) by statement name. */
export function serverResults(results: readonly { rows: Row[] }[]): ServerResults {
  const names = Object.keys(SERVER_STATEMENTS) as (keyof typeof SERVER_STATEMENTS)[];
  if (results.length !== names.length + 3)
    throw new Error(`expected ${names.length + 3} results, got ${results.length}`);
  return Object.fromEntries(names.map((name, i) => [name, results[i + 2].rows])) as unknown as ServerResults;
}

/** pg returns int8 and numeric as strings; NULL stays missing. */
const toNumber = finiteNumber;

/** pg_stat_database column -> metric, with a scale for milliseconds. */
const STAT_DATABASE: readonly (readonly [string, MetricDef<'datname', 'gauge' | 'counter'>, number?])[] = [
  ['numbackends', m.numBackends],
  ['xact_commit', m.xactCommit],
  ['xact_rollback', m.xactRollback],
  ['blks_read', m.blksRead],
  ['blks_hit', m.blksHit],
  ['tup_returned', m.tupReturned],
  ['tup_fetched', m.tupFetched],
  ['tup_inserted', m.tupInserted],
  ['tup_updated', m.tupUpdated],
  ['tup_deleted', m.tupDeleted],
  ['conflicts', m.conflicts],
  ['temp_files', m.tempFiles],
  ['temp_bytes', m.tempBytes],
  ['deadlocks', m.deadlocks],
  ['blk_read_time', m.blkReadTime, 1 / 1000],
  ['blk_write_time', m.blkWriteTime, 1 / 1000],
];

export function setServerStats(out: MetricBatch, r: ServerResults): void {
  const server = r.server[0] ?? {};
  out.set(m.versionInfo, 1, {
    short_version: labelValue(server.short_version),
    version: labelValue(server.version),
  });
  setIfNumber(out, m.maxConnections, server.max_connections);
  setIfNumber(out, m.superuserReservedConnections, server.superuser_reserved_connections);
  setIfNumber(out, m.startTime, server.start_time);
  out.set(m.isReplica, server.in_recovery === true ? 1 : 0);
  setIfNumber(out, m.replicationLag, server.replication_lag);

  const databases: string[] = [];
  for (const row of r.databases) {
    const datname = String(row.datname);
    databases.push(datname);
    const size = toNumber(row.size_bytes);
    if (size !== undefined) out.set(m.databaseSize, size, { datname });
    const xidAge = toNumber(row.frozenxid_age);
    if (xidAge !== undefined) out.set(m.frozenXidAge, xidAge, { datname });
    for (const [column, def, scale = 1] of STAT_DATABASE) {
      const value = toNumber(row[column]);
      if (value !== undefined) out.set(def, value * scale, { datname });
    }
  }

  for (const datname of databases) for (const state of ACTIVITY_STATES) out.set(m.activityCount, 0, { datname, state });
  for (const row of r.activity) {
    // Without pg_read_all_stats (pg_monitor), other roles' sessions show no state.
    const state = row.state === null || row.state === undefined ? 'unknown' : labelValue(row.state);
    out.set(m.activityCount, toNumber(row.connections) ?? 0, { datname: String(row.datname), state });
  }

  const oldest = r.oldest[0] ?? {};
  out.set(m.oldestTransactionAge, toNumber(oldest.oldest_transaction) ?? 0);
  out.set(m.oldestIdleInTransactionAge, toNumber(oldest.oldest_idle_in_transaction) ?? 0);

  for (const mode of LOCK_MODES) out.set(m.locksWaiting, 0, { mode });
  for (const row of r.locks) out.set(m.locksWaiting, toNumber(row.waiting) ?? 0, { mode: String(row.mode) });
}

function setIfNumber(out: MetricBatch, def: MetricDef<never, 'gauge'>, value: unknown): void {
  const n = toNumber(value);
  if (n !== undefined) out.set(def, n);
}
