import { postgresMetrics as m } from '../../../src/collectors/postgres/metrics';
import {
  SERVER_STATEMENTS,
  serverResults,
  serverStatsSql,
  setServerStats,
  type ServerResults,
} from '../../../src/collectors/postgres/server-stats';
import { MetricBatch } from '../../../src/metrics/batch';

const base: ServerResults = {
  server: [
    {
      short_version: '15.8',
      version: 'PostgreSQL 15.8 on x86_64',
      max_connections: 100,
      superuser_reserved_connections: 3,
      in_recovery: false,
      start_time: '1767225600.5',
      replication_lag: null,
    },
  ],
  databases: [
    {
      datname: 'app',
      size_bytes: '8192000',
      frozenxid_age: 1200000,
      numbackends: 3,
      xact_commit: '10',
      xact_rollback: '2',
      blks_read: '5',
      blks_hit: '95',
      tup_returned: '1',
      tup_fetched: '1',
      tup_inserted: '4',
      tup_updated: '0',
      tup_deleted: '0',
      conflicts: '0',
      temp_files: '1',
      temp_bytes: '4096',
      deadlocks: '0',
      blk_read_time: 1500,
      blk_write_time: 0,
    },
    { datname: 'private', size_bytes: null, numbackends: 0, xact_commit: null },
  ],
  activity: [
    { datname: 'app', state: 'active', connections: '2' },
    { datname: 'app', state: null, connections: '1' },
  ],
  oldest: [{ oldest_transaction: '12.5', oldest_idle_in_transaction: '3.25' }],
  locks: [{ mode: 'RowExclusiveLock', waiting: '2' }],
};

function collect(results: ServerResults): MetricBatch {
  const out = new MetricBatch();
  setServerStats(out, results);
  return out;
}

describe('server statistics -> samples', () => {
  test('one read-only transaction with its statement timeout, results split by statement', () => {
    const sql = serverStatsSql(1234.7);
    expect(sql.startsWith('BEGIN READ ONLY;\nSET LOCAL statement_timeout = 1234;\n')).toBe(true);
    expect(sql.endsWith(';\nCOMMIT')).toBe(true);
    const names = Object.keys(SERVER_STATEMENTS);
    const results = [{ rows: [] }, { rows: [] }, ...names.map((n) => ({ rows: [{ n }] })), { rows: [] }];
    expect(serverResults(results).locks).toEqual([{ n: 'locks' }]);
    expect(() => serverResults(results.slice(1))).toThrow(/expected 8 results, got 7/);
  });

  test('a primary: every family, counters as numbers, milliseconds as seconds, zero-filled states and modes', () => {
    const out = collect(base);
    expect(out.get(m.versionInfo, { short_version: '15.8', version: 'PostgreSQL 15.8 on x86_64' })).toBe(1);
    expect(out.get(m.maxConnections)).toBe(100);
    expect(out.get(m.superuserReservedConnections)).toBe(3);
    expect(out.get(m.frozenXidAge, { datname: 'app' })).toBe(1200000);
    expect(out.get(m.frozenXidAge, { datname: 'private' })).toBeUndefined();
    expect(out.get(m.startTime)).toBe(1767225600.5);
    expect(out.get(m.isReplica)).toBe(0);
    expect(out.get(m.replicationLag)).toBeUndefined();
    expect(out.get(m.databaseSize, { datname: 'app' })).toBe(8192000);
    expect(out.get(m.databaseSize, { datname: 'private' })).toBeUndefined();
    expect(out.get(m.xactCommit, { datname: 'app' })).toBe(10);
    expect(out.get(m.xactCommit, { datname: 'private' })).toBeUndefined();
    expect(out.get(m.numBackends, { datname: 'private' })).toBe(0);
    expect(out.get(m.blkReadTime, { datname: 'app' })).toBe(1.5);
    expect(out.get(m.tempBytes, { datname: 'app' })).toBe(4096);
    expect(out.get(m.activityCount, { datname: 'app', state: 'active' })).toBe(2);
    expect(out.get(m.activityCount, { datname: 'app', state: 'unknown' })).toBe(1);
    expect(out.get(m.activityCount, { datname: 'private', state: 'idle in transaction (aborted)' })).toBe(0);
    expect(out.samples(m.activityCount)).toHaveLength(2 * 6 + 1);
    expect(out.get(m.oldestTransactionAge)).toBe(12.5);
    expect(out.get(m.oldestIdleInTransactionAge)).toBe(3.25);
    expect(out.get(m.locksWaiting, { mode: 'RowExclusiveLock' })).toBe(2);
    expect(out.get(m.locksWaiting, { mode: 'AccessExclusiveLock' })).toBe(0);
    expect(out.samples(m.locksWaiting)).toHaveLength(8);
  });

  test('a standby reports its lag; no open transaction reads 0', () => {
    const out = collect({
      ...base,
      server: [{ ...base.server[0], in_recovery: true, replication_lag: '4.5' }],
      oldest: [{ oldest_transaction: null, oldest_idle_in_transaction: null }],
    });
    expect(out.get(m.isReplica)).toBe(1);
    expect(out.get(m.replicationLag)).toBe(4.5);
    expect(out.get(m.oldestTransactionAge)).toBe(0);
    expect(out.get(m.oldestIdleInTransactionAge)).toBe(0);
  });
});
