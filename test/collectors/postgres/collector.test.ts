import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { Client } from 'pg';
import { PostgresCollector } from '../../../src/collectors/postgres/collector';
import { postgresMetrics as m } from '../../../src/collectors/postgres/metrics';
import { configSchema, type ConfigInput } from '../../../src/config/schema';
import { createLogger, type Logger } from '../../../src/log/logger';
import { clearSecrets, registerSecret } from '../../../src/log/redact';
import { MetricBatch } from '../../../src/metrics/batch';
import { ScrapeRunner } from '../../../src/runner/runner';
import { promtoolCheckMetrics } from '../../harness/exporter';
import { startPostgres, type PostgresServer } from '../../harness/postgres';
import { freePort, sleep, tempDir, waitFor } from '../../harness/process';
import { EXIT_CONFIG, main } from '../../../src/main';
import { collectOnce, renderBatch } from '../../harness/collect';

const PASSWORD = 'pg-Secret-4711';
type Queries = NonNullable<NonNullable<NonNullable<ConfigInput['collectors']>['postgres']>['queries']>;

let pg: PostgresServer;
const logLines: string[] = [];
const log: Logger = createLogger('debug', (line) => logLines.push(line));

beforeAll(async () => {
  pg = await startPostgres({ password: PASSWORD });
  registerSecret(PASSWORD);
  await pg.sql(`CREATE TABLE jobs (id serial PRIMARY KEY, status text NOT NULL, duration_ms int, created_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO jobs (status, duration_ms, created_at) VALUES ('done', 100, '2026-01-01T00:00:00Z'), ('done', 300, '2026-01-01T00:01:00Z'), ('failed', NULL, '2026-01-01T00:02:00Z'), ('waiting', NULL, '2026-01-01T00:03:00Z');
    CREATE TABLE locked_thing (id int)`);
  await pg.sql('CREATE DATABASE appdb');
}, 60_000);

afterAll(async () => {
  await pg?.stop();
  clearSecrets();
});

function collector(queries: Queries = [], url = pg.url, extra: { timeout?: string } = {}): PostgresCollector {
  const config = configSchema.parse({ collectors: { postgres: { queries, ...extra } } });
  return new PostgresCollector(config.collectors.postgres, { url }, log);
}

const collect = (c: PostgresCollector, budgetMs = 5000) => collectOnce(c, budgetMs, log);

/** A connection to one database as the superuser, for holding locks and transactions. */
async function session(database = 'postgres'): Promise<Client> {
  const client = new Client({ connectionString: pg.url.replace(/\/postgres$/, `/${database}`) });
  await client.connect();
  client.on('error', () => undefined);
  return client;
}

const exporterSessions = async () =>
  Number(
    (await pg.sql("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'jobstack-exporter'"))[0].n,
  );

const exposition = renderBatch;

describe('postgres collector: server statistics', () => {
  test('each metric against known database state', async () => {
    const c = collector();
    const app = await session('appdb');
    const idle1 = await session('appdb');
    const idle2 = await session('appdb');
    const inTx = await session('appdb');
    const locker = await session();
    const waiter = await session();
    try {
      const before = await collect(c);
      expect(before.get(m.oldestTransactionAge)).toBe(0);
      expect(before.get(m.deadlocks, { datname: 'appdb' })).toBe(0);
      const rollbacks0 = before.get(m.xactRollback, { datname: 'appdb' })!;
      const commits0 = before.get(m.xactCommit, { datname: 'appdb' })!;

      // Known activity in appdb: 5 rollbacks, 3 commits, 10 inserted rows, a temp file, a deadlock.
      for (let i = 0; i < 5; i++) await app.query('BEGIN; SELECT 1; ROLLBACK');
      await app.query('CREATE TABLE t (id int PRIMARY KEY, v int)');
      await app.query('INSERT INTO t SELECT g, 0 FROM generate_series(1, 10) g');
      await app.query('BEGIN; SELECT 1; COMMIT');
      await app.query(
        "SET work_mem = '64kB'; SELECT sum(g) FROM (SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC) s",
      );
      await idle1.query('BEGIN; UPDATE t SET v = 1 WHERE id = 1');
      await app.query('BEGIN; UPDATE t SET v = 2 WHERE id = 2');
      const blocked = idle1.query('UPDATE t SET v = 1 WHERE id = 2').catch((e: Error) => e);
      const deadlocked = await app.query('UPDATE t SET v = 2 WHERE id = 1').catch((e: Error) => e);
      const other = await blocked;
      const errors = [deadlocked, other].filter((e) => e instanceof Error).map((e) => e.message);
      expect(errors).toEqual(['deadlock detected']);
      await app.query('ROLLBACK').catch(() => undefined);
      await idle1.query('ROLLBACK').catch(() => undefined);

      // Idle in transaction for a while, and a lock request waiting behind an exclusive lock.
      await inTx.query('BEGIN; SELECT txid_current()');
      await locker.query('BEGIN; LOCK TABLE locked_thing IN ACCESS EXCLUSIVE MODE');
      const waiting = waiter.query('SELECT * FROM locked_thing').catch(() => undefined);
      await waitFor('lock wait', async () => (await pg.sql('SELECT 1 FROM pg_locks WHERE NOT granted')).length === 1);
      await sleep(50);

      // Statistics reach the shared view within a second or so (PostgreSQL flushes them lazily).
      let out = new MetricBatch();
      await waitFor(
        'statistics flushed',
        async () => {
          out = await collect(c);
          return (
            out.get(m.xactRollback, { datname: 'appdb' })! >= rollbacks0 + 5 &&
            out.get(m.deadlocks, { datname: 'appdb' }) === 1 &&
            out.get(m.tempFiles, { datname: 'appdb' })! >= 1
          );
        },
        10_000,
        300,
      );
      expect(out.get(m.xactCommit, { datname: 'appdb' })!).toBeGreaterThanOrEqual(commits0 + 3);
      expect(out.get(m.tupInserted, { datname: 'appdb' })!).toBeGreaterThanOrEqual(10);
      expect(out.get(m.tempBytes, { datname: 'appdb' })!).toBeGreaterThan(0);
      expect(out.get(m.blksHit, { datname: 'appdb' })!).toBeGreaterThan(0);
      expect(out.get(m.blkReadTime, { datname: 'appdb' })).toBe(0);

      const [sizes] = await Promise.all([pg.sql("SELECT pg_database_size('appdb')::float8 AS s")]);
      expect(out.get(m.databaseSize, { datname: 'appdb' })).toBeCloseTo(Number(sizes[0].s), -6);
      expect(out.get(m.databaseSize, { datname: 'template0' })).toBeUndefined();
      expect(out.get(m.maxConnections)).toBe(40);
      expect(out.get(m.superuserReservedConnections)).toBe(3);
      expect(out.get(m.frozenXidAge, { datname: 'appdb' })!).toBeGreaterThan(0);
      const version = (await pg.sql('SHOW server_version'))[0].server_version as string;
      expect(out.samples(m.versionInfo)[0].labels.short_version).toBe(version);
      expect(out.samples(m.versionInfo)[0].labels.version).toMatch(/^PostgreSQL /);
      expect(out.get(m.startTime)!).toBeLessThan(Date.now() / 1000);
      expect(out.get(m.isReplica)).toBe(0);
      expect(out.get(m.replicationLag)).toBeUndefined();
      expect(out.get(m.connectDuration)!).toBeGreaterThan(0);

      // app, idle1, idle2 idle; inTx idle in transaction; the exporter's own sessions are not counted.
      expect(out.get(m.activityCount, { datname: 'appdb', state: 'idle' })).toBe(3);
      expect(out.get(m.activityCount, { datname: 'appdb', state: 'idle in transaction' })).toBe(1);
      expect(out.get(m.activityCount, { datname: 'postgres', state: 'active' })).toBe(1); // the waiter
      expect(out.get(m.activityCount, { datname: 'postgres', state: 'idle in transaction' })).toBe(1); // the locker
      expect(out.get(m.activityCount, { datname: 'appdb', state: 'fastpath function call' })).toBe(0);
      expect(out.get(m.oldestTransactionAge)!).toBeGreaterThan(0);
      expect(out.get(m.oldestIdleInTransactionAge)!).toBeGreaterThan(0);
      expect(out.get(m.oldestTransactionAge)!).toBeGreaterThanOrEqual(out.get(m.oldestIdleInTransactionAge)!);
      expect(out.get(m.locksWaiting, { mode: 'AccessShareLock' })).toBe(1);
      expect(out.get(m.locksWaiting, { mode: 'AccessExclusiveLock' })).toBe(0);
      expect(promtoolCheckMetrics(exposition(out))).toBe('');

      await locker.query('ROLLBACK');
      await waiting;
      expect(c.connections).toBe(0);
    } finally {
      await Promise.all([app, idle1, idle2, inTx, locker, waiter].map((s) => s.end().catch(() => undefined)));
      await c.close();
    }
  });

  test('a standby reports itself as a replica with its replay lag', async () => {
    const replica = await startPostgres({ password: PASSWORD, replicaOf: pg });
    const c = collector(
      [{ name: 'jobs', sql: 'SELECT count(*) AS n FROM jobs', metrics: [{ column: 'n', name: 'app_jobs' }] }],
      replica.url,
    );
    try {
      const out = await collect(c);
      expect(out.get(m.isReplica)).toBe(1);
      expect(out.get(m.replicationLag)!).toBeGreaterThanOrEqual(0);
      expect(out.get(m.querySuccess, { query: 'jobs' })).toBe(1);
      expect(out.get(m.databaseSize, { datname: 'appdb' })!).toBeGreaterThan(0);
    } finally {
      await c.close();
      await replica.stop();
    }
  }, 60_000);
});

describe('postgres collector: pg_up 0 within the deadline', () => {
  const runOnce = async (c: PostgresCollector, budgetMs: number) => {
    const runner = new ScrapeRunner([{ collector: c, timeoutMs: 10_000 }], log);
    const { outcomes } = await runner.collect(budgetMs);
    return outcomes[0];
  };

  test('authentication failure: pg_up 0, and the password never reaches the error or the log', async () => {
    logLines.length = 0;
    const c = collector([], pg.url.replace(PASSWORD, 'wrong-password-1'));
    registerSecret('wrong-password-1');
    try {
      const o = await runOnce(c, 3000);
      expect(o.success).toBe(false);
      expect(o.batch.get(m.up)).toBe(0);
      expect(o.batch.families.size).toBe(4); // pg_up plus the runner's duration, success and label values cut
      expect(o.error).toMatch(/password authentication failed/);
      for (const text of [o.error!, ...logLines]) {
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain('wrong-password-1');
      }
    } finally {
      await c.close();
    }
  });

  test('connection refused: pg_up 0', async () => {
    const c = collector([], `postgres://postgres@127.0.0.1:${await freePort()}/postgres`);
    try {
      const o = await runOnce(c, 3000);
      expect(o.batch.get(m.up)).toBe(0);
      expect(o.error).toMatch(/ECONNREFUSED/);
    } finally {
      await c.close();
    }
  });

  test('unreachable (accepts TCP, never answers): pg_up 0 at the deadline, and never more than 2 connections', async () => {
    const sockets = new Set<net.Socket>();
    let mostAtOnce = 0;
    const blackHole = net.createServer((s) => {
      s.resume(); // read (and ignore) the startup packet, so the client's close is seen
      sockets.add(s);
      // Counted a moment later: a socket the client just destroyed may not have reported its close yet.
      setTimeout(() => (mostAtOnce = Math.max(mostAtOnce, sockets.size)), 20);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
    const port = (blackHole.address() as net.AddressInfo).port;
    const c = collector(
      [{ name: 'one', sql: 'SELECT 1 AS v', metrics: [{ column: 'v', name: 'app_one' }] }],
      `postgres://postgres@127.0.0.1:${port}/postgres`,
      { timeout: '1s' },
    );
    try {
      for (let i = 0; i < 4; i++) {
        const o = await runOnce(c, 400);
        expect(o.batch.get(m.up)).toBe(0);
        expect(o.error).toMatch(/timed out|still busy/);
      }
      expect(mostAtOnce).toBeGreaterThan(0);
      expect(mostAtOnce).toBeLessThanOrEqual(2);
      // The pool's own connect timeout (the collector timeout, 1 s) then closes the stuck sockets.
      await waitFor('stuck connections closed', () => c.connections === 0 && sockets.size === 0, 5000);
    } finally {
      await c.close();
      blackHole.close();
    }
  });
});

describe('postgres collector: custom SQL metrics', () => {
  const queries: Queries = [
    {
      name: 'jobs_by_status',
      sql: 'SELECT status, count(*) AS jobs FROM jobs GROUP BY status',
      labels: ['status'],
      metrics: [{ column: 'jobs', name: 'app_jobs', help: 'Jobs by status.' }],
    },
    {
      name: 'processing',
      sql: "SELECT avg(duration_ms) / 1000.0 AS avg_seconds, max(created_at) AS last_created, count(*) FILTER (WHERE status = 'failed') AS failures, bool_or(status = 'waiting') AS any_waiting FROM jobs",
      metrics: [
        { column: 'avg_seconds', name: 'app_job_duration_avg_seconds' },
        { column: 'last_created', name: 'app_job_last_created_timestamp_seconds' },
        { column: 'failures', name: 'app_job_failures_total', type: 'counter' },
        { column: 'any_waiting', name: 'app_jobs_waiting_present' },
      ],
    },
    {
      name: 'odd_values',
      sql: "SELECT status, CASE WHEN status = 'done' THEN 'abc' ELSE '7' END AS weird, NULL::int AS nothing FROM jobs UNION ALL SELECT 'done', '1', 1",
      labels: ['status'],
      metrics: [
        { column: 'weird', name: 'app_weird' },
        { column: 'nothing', name: 'app_nothing' },
      ],
    },
    {
      name: 'failing',
      sql: 'SELECT count(*) AS n FROM no_such_table',
      metrics: [{ column: 'n', name: 'app_missing' }],
    },
    {
      name: 'over_cap',
      sql: 'SELECT id, 1 AS v FROM jobs',
      maxRows: 3,
      labels: ['id'],
      metrics: [{ column: 'v', name: 'app_over_cap' }],
    },
    { name: 'writes', sql: "SELECT nextval('jobs_id_seq') AS v", metrics: [{ column: 'v', name: 'app_sneaky_write' }] },
  ];

  test('good queries report; failing, over-cap and writing ones report success 0 and nothing else', async () => {
    logLines.length = 0;
    const c = collector(queries);
    try {
      const out = await collect(c);
      expect(out.get(m.up)).toBeUndefined(); // the runner sets it
      expect(out.get(m.maxConnections)).toBe(40);
      const find = (name: string, labels: Record<string, string> = {}) => {
        const family = [...out.families.values()].find((f) => f.def.name === name);
        return family && out.get(family.def, labels);
      };
      expect(['done', 'failed', 'waiting'].map((status) => find('app_jobs', { status }))).toEqual([2, 1, 1]);
      expect(find('app_job_duration_avg_seconds')).toBeCloseTo(0.2);
      expect(find('app_job_last_created_timestamp_seconds')).toBe(Date.parse('2026-01-01T00:03:00Z') / 1000);
      expect(find('app_job_failures_total')).toBe(1);
      expect(find('app_jobs_waiting_present')).toBe(1);
      for (const q of ['jobs_by_status', 'processing', 'odd_values'])
        expect(out.get(m.querySuccess, { query: q })).toBe(1);
      expect(out.get(m.queryRows, { query: 'jobs_by_status' })).toBe(3);

      // 'abc' and NULLs dropped, the repeated 'done' row dropped, '7' read as 7.
      expect(find('app_weird', { status: 'failed' })).toBe(7);
      expect(find('app_weird', { status: 'done' })).toBeUndefined();
      expect(find('app_nothing', { status: 'waiting' })).toBeUndefined();
      expect(out.get(m.queryRows, { query: 'odd_values' })).toBe(5);
      expect(out.get(m.querySkippedValues, { query: 'odd_values' })).toBe(2 + 2 + 1 + 1 + 2);

      for (const q of ['failing', 'over_cap', 'writes']) {
        expect(out.get(m.querySuccess, { query: q })).toBe(0);
        expect(out.get(m.queryDuration, { query: q })).toBeGreaterThanOrEqual(0);
      }
      expect(find('app_missing')).toBeUndefined();
      expect([...out.families.values()].some((f) => f.def.name === 'app_over_cap')).toBe(false);
      const failures = logLines.filter((l) => l.includes('custom query failed')).join('\n');
      expect(failures).toMatch(/"query":"failing".*relation \\"no_such_table\\" does not exist/);
      expect(failures).toMatch(/"query":"over_cap".*more than maxRows \(3\)/);
      expect(failures).toMatch(/"query":"writes".*read-only transaction/);
      expect((await pg.sql('SELECT last_value FROM jobs_id_seq'))[0].last_value).toBe('4');
      expect(promtoolCheckMetrics(exposition(out))).toBe('');
      expect(c.connections).toBe(0);
    } finally {
      await c.close();
    }
  });

  test('pg_sleep past its timeout: statement cancelled, other queries report, no session left behind', async () => {
    logLines.length = 0;
    const c = collector([
      {
        name: 'slow',
        sql: 'SELECT 1 AS v FROM pg_sleep(10)',
        timeout: '300ms',
        metrics: [{ column: 'v', name: 'app_slow' }],
      },
      { name: 'after', sql: 'SELECT 2 AS v', metrics: [{ column: 'v', name: 'app_after' }] },
    ]);
    try {
      const out = await collect(c);
      expect(out.get(m.querySuccess, { query: 'slow' })).toBe(0);
      expect(out.get(m.querySuccess, { query: 'after' })).toBe(1);
      expect(logLines.join('\n')).toMatch(/canceling statement due to statement timeout/);
      expect(c.connections).toBe(0);
      await waitFor('exporter sessions gone', async () => (await exporterSessions()) === 0, 5000);
    } finally {
      await c.close();
    }
  });

  test('a server that cannot even cancel (backend stopped): the client gives up and closes the connection', async () => {
    logLines.length = 0;
    const c = collector([
      {
        name: 'stuck',
        sql: 'SELECT 1 AS v FROM pg_sleep(3)',
        timeout: '1500ms',
        metrics: [{ column: 'v', name: 'app_stuck' }],
      },
    ]);
    let pid = 0;
    try {
      const running = collect(c, 5000);
      await waitFor(
        'query running',
        async () => {
          const rows = await pg.sql(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'jobstack-exporter' AND query LIKE '%pg_sleep(3)%' AND state = 'active'",
          );
          pid = Number(rows[0]?.pid ?? 0);
          return pid > 0;
        },
        3000,
        20,
      );
      process.kill(pid, 'SIGSTOP');
      const out = await running;
      expect(out.get(m.querySuccess, { query: 'stuck' })).toBe(0);
      expect(logLines.join('\n')).toMatch(/Query read timeout/);
      expect(c.connections).toBe(0);
    } finally {
      if (pid) process.kill(pid, 'SIGCONT');
      await c.close();
    }
    await waitFor('stopped backend gone after it resumes', async () => (await exporterSessions()) === 0, 10_000);
  });

  test('a locked table: the query times out each scrape, sessions never pile up, the rest still reports', async () => {
    const locker = await session();
    const c = collector([
      {
        name: 'locked',
        sql: 'SELECT count(*) AS n FROM locked_thing',
        timeout: '200ms',
        metrics: [{ column: 'n', name: 'app_locked' }],
      },
      { name: 'free', sql: 'SELECT count(*) AS n FROM jobs', metrics: [{ column: 'n', name: 'app_free' }] },
    ]);
    try {
      await locker.query('BEGIN; LOCK TABLE locked_thing IN ACCESS EXCLUSIVE MODE');
      let most = 0;
      for (let i = 0; i < 3; i++) {
        let done = false;
        const run = collect(c, 2000).finally(() => (done = true));
        while (!done) {
          most = Math.max(most, await exporterSessions());
          await sleep(20);
        }
        const out = await run;
        expect(out.get(m.maxConnections)).toBe(40);
        expect(out.get(m.querySuccess, { query: 'locked' })).toBe(0);
        expect(out.get(m.querySuccess, { query: 'free' })).toBe(1);
      }
      expect(most).toBeLessThanOrEqual(2);
      await waitFor('exporter sessions gone', async () => (await exporterSessions()) === 0, 5000);
    } finally {
      await locker.end();
      await c.close();
    }
  });

  test('startup check against the database: missing columns and syntax errors are config problems', async () => {
    const c = collector([
      {
        name: 'ok',
        sql: 'SELECT status, count(*) AS n FROM jobs GROUP BY status',
        labels: ['status'],
        metrics: [{ column: 'n', name: 'app_ok' }],
      },
      {
        name: 'typo',
        sql: 'SELECT status, count(*) AS jobs FROM jobs GROUP BY status',
        labels: ['state'],
        metrics: [{ column: 'n', name: 'app_typo' }],
      },
      { name: 'syntax', sql: 'SELECT count(* AS n FROM jobs', metrics: [{ column: 'n', name: 'app_syntax' }] },
      {
        name: 'later',
        sql: 'SELECT count(*) AS n FROM table_from_a_later_migration',
        metrics: [{ column: 'n', name: 'app_later' }],
      },
    ]);
    try {
      const problems = await c.validate(new AbortController().signal);
      expect(problems).toEqual([
        'collectors.postgres.queries.1 (typo): result has no column "state", "n" (columns: status, jobs)',
        expect.stringMatching(/^collectors\.postgres\.queries\.2 \(syntax\): .*syntax error/),
      ]);
      expect(c.connections).toBe(0);
    } finally {
      await c.close();
    }
    const unreachable = collector(
      [{ name: 'x', sql: 'SELECT 1 AS n', metrics: [{ column: 'n', name: 'app_x' }] }],
      `postgres://postgres@127.0.0.1:${await freePort()}/postgres`,
    );
    expect(await unreachable.validate(new AbortController().signal)).toEqual([]);
    await unreachable.close();
  });

  test('the exporter refuses to start (exit 2) when a query lacks a configured column', async () => {
    const tmp = tempDir('pgmain');
    const file = path.join(tmp.dir, 'config.yml');
    const queries = [
      { name: 'typo', sql: 'SELECT count(*) AS jobs FROM jobs', metrics: [{ column: 'n', name: 'app_typo' }] },
    ];
    writeFileSync(
      file,
      stringify({ logLevel: 'error', collectors: { host: { enabled: false }, postgres: { queries } } }),
    );
    const stderr: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    try {
      const code = await main(['--config', file, '--web.listen-address=127.0.0.1:0'], { DATABASE_URL: pg.url });
      expect(code).toBe(EXIT_CONFIG);
    } finally {
      spy.mockRestore();
      tmp.remove();
    }
    expect(stderr.join('')).toContain(
      'config error: collectors.postgres.queries.0 (typo): result has no column "n" (columns: jobs)',
    );
    expect(stderr.join('')).not.toContain(PASSWORD);
  });
});
