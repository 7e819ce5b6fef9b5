import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { startPostgres, type PostgresServer } from '../harness/postgres';
import { tempDir } from '../harness/process';
import { CONTRACT_TIMEOUT_S, FaultExporter, faultCase, success, type Scrape } from './support';

/**
 * PostgreSQL faults through the whole exporter: the server stopped, a table locked, a slow
 * query and a failed login. The exporter logs in as a pg_monitor role with two custom queries:
 * `jobs` reads a table that gets locked, `slow` calls a function whose delay the test sets.
 */

const SUPERUSER_PASSWORD = 'fault-matrix-Super-1';
const EXPORTER_PASSWORD = 'fault-matrix-Exporter-1';
let pg: PostgresServer;
let exporter: FaultExporter;
const tmp = tempDir('faults-pg');

beforeAll(async () => {
  pg = await startPostgres({ password: SUPERUSER_PASSWORD });
  await pg.sql(`CREATE ROLE exporter LOGIN PASSWORD '${EXPORTER_PASSWORD}' IN ROLE pg_monitor;
    CREATE TABLE jobs (status text); INSERT INTO jobs VALUES ('done'), ('failed');
    CREATE TABLE delay (seconds float8); INSERT INTO delay VALUES (0);
    CREATE FUNCTION app_delay() RETURNS float8 LANGUAGE plpgsql STABLE AS $$
      DECLARE s float8; BEGIN SELECT seconds INTO s FROM delay; PERFORM pg_sleep(s); RETURN s; END $$;
    GRANT SELECT ON jobs, delay TO exporter`);
  const config = path.join(tmp.dir, 'exporter.yml');
  writeFileSync(
    config,
    stringify({
      collectors: {
        postgres: {
          queries: [
            // Its own timeout: blocked by the lock, it leaves the rest of the budget to the next query.
            {
              name: 'jobs',
              sql: 'SELECT status, count(*) AS jobs FROM jobs GROUP BY status',
              timeout: '400ms',
              labels: ['status'],
              metrics: [{ column: 'jobs', name: 'app_jobs', help: 'Jobs by status.' }],
            },
            {
              name: 'slow',
              sql: 'SELECT app_delay() AS delay_seconds',
              metrics: [{ column: 'delay_seconds', name: 'app_delay_seconds', help: 'Configured delay.' }],
            },
          ],
        },
      },
    }),
  );
  exporter = await FaultExporter.start(
    { DATABASE_URL: `postgres://exporter:${EXPORTER_PASSWORD}@127.0.0.1:${pg.port}/postgres` },
    ['--config', config],
  );
}, 60_000);

afterAll(async () => {
  await exporter?.stop();
  await pg?.stop();
  tmp.remove();
});

const query = (s: Scrape, name: string) => s.samples.get(`pg_custom_query_success{query="${name}"}`);

const healthy = (s: Scrape) => {
  expect(s.samples.get('pg_up')).toBe(1);
  expect(success(s, 'postgres')).toBe(1);
  expect(query(s, 'jobs')).toBe(1);
  expect(query(s, 'slow')).toBe(1);
  expect(s.samples.get('app_jobs{status="done"}')).toBe(1);
  expect(success(s, 'host')).toBe(1);
};

const serverDown = (s: Scrape) => {
  expect(s.samples.get('pg_up')).toBe(0);
  expect(success(s, 'postgres')).toBe(0);
  // Only pg_up remains of the collector's series: nothing stale.
  expect([...s.samples.keys()].filter((k) => /^(pg_|app_)/.test(k))).toEqual(['pg_up']);
  expect(success(s, 'host')).toBe(1);
};

/** The exporter's sessions (it names them jobstack-exporter): never more than its pool of 2. */
const exporterSessions = async () =>
  Number(
    (await pg.sql("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'jobstack-exporter'"))[0].n,
  );

async function superSession(): Promise<Client> {
  const client = new Client({ connectionString: pg.url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

test('PostgreSQL stopped (fast shutdown), then started again', async () => {
  await faultCase(exporter, { healthy, faulty: serverDown, begin: () => pg.halt(), end: () => pg.restart() });
});

test('a locked table: that query fails at its timeout, the next one and pg_up are unaffected, no session piles up', async () => {
  const locker = await superSession();
  let sessionsDuring = 0;
  await faultCase(exporter, {
    healthy,
    faulty: (s) => {
      expect(s.samples.get('pg_up')).toBe(1);
      expect(success(s, 'postgres')).toBe(1);
      expect(query(s, 'jobs')).toBe(0);
      expect(query(s, 'slow')).toBe(1);
      expect(s.samples.has('app_jobs{status="done"}')).toBe(false);
    },
    begin: async () => {
      await locker.query('BEGIN; LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE');
    },
    // The blocked query takes its 400 ms; a 1 s scrape (0.5 s of budget) would leave the next
    // query too little to show it is unaffected on a loaded machine, so every scrape gets 3 s.
    repeatTimeoutS: CONTRACT_TIMEOUT_S,
    end: async () => {
      sessionsDuring = await exporterSessions();
      await locker.query('ROLLBACK');
    },
  });
  expect(sessionsDuring).toBeLessThanOrEqual(2);
  await locker.end();
});

test('a slow query: cancelled at the deadline, the other query and the server statistics still reported', async () => {
  let sessionsDuring = 0;
  await faultCase(exporter, {
    healthy,
    faulty: (s) => {
      expect(s.samples.get('pg_up')).toBe(1);
      expect(success(s, 'postgres')).toBe(1);
      expect(query(s, 'slow')).toBe(0);
      expect(query(s, 'jobs')).toBe(1);
    },
    begin: async () => {
      await pg.sql('UPDATE delay SET seconds = 30');
    },
    end: async () => {
      sessionsDuring = await exporterSessions();
      await pg.sql('UPDATE delay SET seconds = 0');
    },
  });
  expect(sessionsDuring).toBeLessThanOrEqual(2);
  // statement_timeout ended the sleeps on the server too: none is left running.
  expect(
    await pg.sql(
      "SELECT 1 FROM pg_stat_activity WHERE query LIKE '%app_delay()%' AND state = 'active' AND pid <> pg_backend_pid()",
    ),
  ).toEqual([]);
});

test('authentication failure (password changed on the server): pg_up 0 until it matches again', async () => {
  await faultCase(exporter, {
    healthy,
    faulty: serverDown,
    begin: async () => {
      await pg.sql("ALTER ROLE exporter PASSWORD 'changed-Password-2'");
    },
    end: async () => {
      await pg.sql(`ALTER ROLE exporter PASSWORD '${EXPORTER_PASSWORD}'`);
    },
  });
  expect(exporter.log()).toMatch(/password authentication failed/);
  expect(exporter.log()).not.toContain(EXPORTER_PASSWORD);
});
