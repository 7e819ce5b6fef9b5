import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { startExporter, type ExporterProcess } from '../harness/exporter';
import { startPostgres, type PostgresServer } from '../harness/postgres';
import { tempDir, waitFor } from '../harness/process';
import { startRedis, type RedisServer } from '../harness/redis';
import { parseSamples } from '../faults/support';

/**
 * The least privileges of docs/security.md, taken from the document itself and given to the
 * built exporter against real servers: the collectors must succeed with nothing more, and the
 * accounts must not be able to write.
 */

const DOCS = path.join(__dirname, '../../docs');
const securityDoc = readFileSync(path.join(DOCS, 'security.md'), 'utf8');

async function scrape(exporter: ExporterProcess): Promise<Map<string, number>> {
  return parseSamples(await exporter.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '5' }));
}

describe('Redis: the documented ACL user', () => {
  const ADMIN_PASSWORD = 'privileges-Admin-1';
  const EXPORTER_PASSWORD = 'privileges-Exporter-1';
  /** A database other than 0, so the exporter has to SELECT it. */
  const DB = 2;
  let redis: RedisServer;
  let admin: Redis;
  let exporter: ExporterProcess;
  let queue: Queue;
  let worker: Worker;

  /** The ACL SETUSER line of docs/security.md, with a real password. */
  function documentedAcl(): string[] {
    const line = securityDoc.split('\n').find((l) => l.startsWith('ACL SETUSER '))!;
    return line
      .split(' ')
      .slice(2)
      .map((word) => (word === '>PASSWORD' ? `>${EXPORTER_PASSWORD}` : word));
  }

  beforeAll(async () => {
    redis = await startRedis({ password: ADMIN_PASSWORD });
    admin = new Redis({ port: redis.port, password: ADMIN_PASSWORD, lazyConnect: true });
    await admin.connect();
    const [user, ...rules] = documentedAcl();
    await admin.call('ACL', 'SETUSER', user, ...rules);
    const connection = {
      host: '127.0.0.1',
      port: redis.port,
      password: ADMIN_PASSWORD,
      db: DB,
      maxRetriesPerRequest: null,
    };
    queue = new Queue('mail', { connection });
    worker = new Worker(
      'mail',
      async (job) => {
        if (job.name === 'bad') throw new Error('refused');
      },
      { connection, name: 'w1' },
    );
    await queue.add('good', {});
    await queue.add('bad', {});
    await queue.add('later', {}, { delay: 60_000 });
    await waitFor('jobs finished', async () => {
      const c = await queue.getJobCounts();
      return c.completed === 1 && c.failed === 1;
    });
    exporter = await startExporter([], {
      REDIS_URL: `redis://jobstack-exporter:${EXPORTER_PASSWORD}@127.0.0.1:${redis.port}/${DB}`,
    });
    await admin.call('ACL', 'LOG', 'RESET');
  }, 30_000);

  afterAll(async () => {
    await exporter?.stop();
    await worker?.close();
    await queue?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  test('both collectors succeed with it, scripts loaded again after SCRIPT FLUSH, and Redis refused nothing', async () => {
    const first = await scrape(exporter);
    expect(first.get('redis_up')).toBe(1);
    expect(first.get('bullmq_up')).toBe(1);
    expect(first.get('jobstack_exporter_collector_success{collector="redis"}')).toBe(1);
    expect(first.get('jobstack_exporter_collector_success{collector="bullmq"}')).toBe(1);
    expect(first.get('bullmq_workers_visible')).toBe(1);
    expect(first.get('bullmq_queue_workers{queue="mail"}')).toBe(1);
    expect(first.get('bullmq_jobs{queue="mail",state="delayed"}')).toBe(1);

    // New finished jobs (the job details script) after the script cache was emptied (SCRIPT LOAD).
    await admin.script('FLUSH');
    await queue.add('good', {});
    await queue.add('bad', {});
    await waitFor('more jobs finished', async () => (await queue.getJobCounts()).completed === 2);
    const second = await scrape(exporter);
    expect(second.get('jobstack_exporter_collector_success{collector="bullmq"}')).toBe(1);
    expect(second.get('bullmq_jobs_finished_total{queue="mail",status="completed"}')).toBeGreaterThanOrEqual(1);

    const refused = (await admin.call('ACL', 'LOG')) as unknown[];
    expect(refused).toEqual([]);
    expect(exporter.child.log()).not.toMatch(/NOPERM|no permissions/);
  });

  test('the user cannot write, delete, flush or reconfigure', async () => {
    for (const command of [
      ['SET', 'bull:mail:x', '1'],
      ['DEL', 'bull:mail:wait'],
      ['HSET', 'bull:mail:meta', 'paused', '1'],
      ['FLUSHALL'],
      ['CONFIG', 'SET', 'maxmemory', '1'],
      ['EVAL', 'return 1', '0'],
      ['GET', 'other:key'],
    ]) {
      const verdict = String(await admin.call('ACL', 'DRYRUN', 'jobstack-exporter', ...command));
      expect({ command, verdict }).toEqual({ command, verdict: expect.stringMatching(/no permissions/) });
    }
  });

  test('the same line is in the Redis collector document', () => {
    const line = (doc: string) => doc.split('\n').find((l) => l.startsWith('ACL SETUSER '));
    expect(line(readFileSync(path.join(DOCS, 'collectors/redis.md'), 'utf8'))).toBe(line(securityDoc));
  });
});

describe('PostgreSQL: the documented pg_monitor role', () => {
  const PASSWORD = 'privileges-Role-1';
  const tmp = tempDir('privileges-pg');
  let pg: PostgresServer;
  let exporter: ExporterProcess;
  let idle: Client;

  /** The SQL block of the PostgreSQL section of docs/security.md, with a real password. */
  function documentedRoleSql(): string {
    const section = securityDoc.slice(securityDoc.indexOf('### PostgreSQL'));
    const sql = /```sql\n([\s\S]*?)```/.exec(section)![1];
    return sql.replace("'…'", `'${PASSWORD}'`);
  }

  beforeAll(async () => {
    pg = await startPostgres({ password: 'privileges-Super-1' });
    await pg.sql("CREATE TABLE jobs (status text); INSERT INTO jobs VALUES ('done'), ('done'), ('failed')");
    await pg.sql(documentedRoleSql());
    // Another role's session, idle in a transaction: only pg_monitor lets the exporter see its state.
    idle = new Client({ connectionString: pg.url });
    await idle.connect();
    await idle.query('BEGIN; SELECT 1');
    const config = path.join(tmp.dir, 'exporter.yml');
    writeFileSync(
      config,
      stringify({
        collectors: {
          postgres: {
            queries: [
              {
                name: 'jobs',
                sql: 'SELECT status, count(*) AS jobs FROM jobs GROUP BY status',
                labels: ['status'],
                metrics: [{ column: 'jobs', name: 'app_jobs', help: 'Jobs by status.' }],
              },
            ],
          },
        },
      }),
    );
    exporter = await startExporter(['--config', config], {
      DATABASE_URL: `postgres://jobstack_exporter:${PASSWORD}@127.0.0.1:${pg.port}/postgres`,
    });
  }, 60_000);

  afterAll(async () => {
    await exporter?.stop();
    await idle?.end();
    await pg?.stop();
    tmp.remove();
  });

  test('the collector and a custom query succeed, and every session state is visible', async () => {
    const s = await scrape(exporter);
    expect(s.get('pg_up')).toBe(1);
    expect(s.get('jobstack_exporter_collector_success{collector="postgres"}')).toBe(1);
    expect(s.get('pg_custom_query_success{query="jobs"}')).toBe(1);
    expect(s.get('app_jobs{status="done"}')).toBe(2);
    expect(s.get('pg_database_size_bytes{datname="postgres"}')).toBeGreaterThan(0);
    expect(s.get('pg_stat_activity_connections{datname="postgres",state="idle in transaction"}')).toBe(1);
    expect(s.has('pg_stat_activity_connections{datname="postgres",state="unknown"}')).toBe(false);
  });

  test('without pg_monitor the same session has no state: the grant is what makes it visible', async () => {
    await pg.sql('REVOKE pg_monitor FROM jobstack_exporter');
    try {
      const s = await scrape(exporter);
      expect(s.get('pg_up')).toBe(1);
      expect(s.get('pg_stat_activity_connections{datname="postgres",state="idle in transaction"}')).toBe(0);
      expect(s.get('pg_stat_activity_connections{datname="postgres",state="unknown"}')).toBe(1);
    } finally {
      await pg.sql('GRANT pg_monitor TO jobstack_exporter');
    }
  });

  test('the role cannot write', async () => {
    const client = new Client({
      connectionString: `postgres://jobstack_exporter:${PASSWORD}@127.0.0.1:${pg.port}/postgres`,
    });
    await client.connect();
    try {
      await expect(client.query("INSERT INTO jobs VALUES ('x')")).rejects.toThrow(
        /read-only transaction|permission denied/,
      );
      await expect(client.query('BEGIN READ WRITE; UPDATE jobs SET status = status')).rejects.toThrow(
        /permission denied/,
      );
      await client.query('ROLLBACK');
      await expect(client.query('CREATE TABLE sneaky (x int)')).rejects.toThrow(
        /read-only transaction|permission denied/,
      );
    } finally {
      await client.end();
    }
  });
});
