/**
 * Multi-target mode end to end: one exporter, 20 real redis-servers with BullMQ queues, three
 * PostgreSQL databases (one cluster, a password from the credentials file) and an HTTP endpoint,
 * scraped by a real Prometheus through file_sd with the committed example configuration
 * (prometheus/examples/: only addresses, paths and intervals changed). Every target is up with
 * exact counts, and a target outside the allow-list is refused without ever being contacted.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { parse, stringify } from 'yaml';
import { startExporter, ROOT, type ExporterProcess } from '../harness/exporter';
import { startPostgres, type PostgresServer } from '../harness/postgres';
import { tempDir, waitFor } from '../harness/process';
import { startPrometheus, type PromServer } from '../harness/prometheus';
import { startRedis, type RedisServer } from '../harness/redis';
import { bullConnection } from '../collectors/bullmq/support';
import { startCountingServer, startTrap, type CountingServer, type Trap } from '../multitarget/support';

jest.setTimeout(180_000);

const REDIS_COUNT = 20;
const DATABASES = ['shop', 'billing', 'search'];
const PG_PASSWORD = 'pg-multi-target-secret-5b7e';
const EXAMPLES = path.join(ROOT, 'prometheus/examples');

let redis: RedisServer[] = [];
let pg: PostgresServer;
let health: CountingServer;
let trap: Trap;
let exporter: ExporterProcess;
let prom: PromServer;
const tmp = tempDir('multitarget-e2e');
/** instance (target URL) -> queue -> state -> count, from BullMQ's getJobCounts. */
const expectedQueues = new Map<string, Map<string, Record<string, number>>>();
/** instance -> state -> rows inserted. */
const expectedRows = new Map<string, Record<string, number>>();
const redisTarget = (r: RedisServer) => `redis://127.0.0.1:${r.port}`;
const pgTarget = (db: string) => `postgres://127.0.0.1:${pg.port}/${db}`;

/** Server i gets queues with i-dependent counts, so a mixed-up target shows. */
async function fillQueues(server: RedisServer, i: number): Promise<void> {
  const queues = new Map<string, Record<string, number>>();
  for (const [name, waiting, delayed] of [
    ['emails', (i % 7) + 1, i % 3],
    ['reports', 2, (i % 4) + 1],
  ] as const) {
    const queue = new Queue(name, { connection: bullConnection(server.port) });
    await queue.addBulk(Array.from({ length: waiting }, (_, n) => ({ name: 'job', data: { n } })));
    await queue.addBulk(
      Array.from({ length: delayed }, (_, n) => ({ name: 'later', data: { n }, opts: { delay: 3_600_000 } })),
    );
    queues.set(name, await queue.getJobCounts());
    await queue.close();
  }
  expectedQueues.set(redisTarget(server), queues);
}

async function fillDatabase(db: string, i: number): Promise<void> {
  await pg.sql(`CREATE DATABASE ${db}`);
  const rows = { waiting: i + 1, done: 3 * (i + 1), failed: 2 * i + 1 };
  const { Client } = await import('pg');
  const client = new Client({
    host: '127.0.0.1',
    port: pg.port,
    user: 'postgres',
    password: PG_PASSWORD,
    database: db,
  });
  await client.connect();
  try {
    await client.query('CREATE TABLE jobs (id serial PRIMARY KEY, state text NOT NULL)');
    for (const [state, count] of Object.entries(rows))
      await client.query('INSERT INTO jobs (state) SELECT $1 FROM generate_series(1, $2)', [state, count]);
  } finally {
    await client.end();
  }
  expectedRows.set(pgTarget(db), rows);
}

/** The committed example with only addresses, paths and intervals changed. */
function prometheusConfig(exporterAddress: string, sdDir: string): string {
  const text = readFileSync(path.join(EXAMPLES, 'multi-target.yml'), 'utf8')
    .replaceAll('jobstack-exporter:9478', exporterAddress)
    .replaceAll('/etc/prometheus/file_sd/', `${sdDir}/`)
    .replace('scrape_interval: 15s', 'scrape_interval: 3s')
    .replace('scrape_timeout: 10s', 'scrape_timeout: 3s');
  return text;
}

/** The example exporter config with the allow-list and the credentials file of this machine. */
function exporterConfig(credentialsFile: string): string {
  const config = parse(readFileSync(path.join(EXAMPLES, 'jobstack-multi-target.yml'), 'utf8'));
  config.multiTarget.allow = [
    ...redis.map((r) => `127.0.0.1:${r.port}`),
    `127.0.0.1:${pg.port}`,
    `127.0.0.1:${health.port}`,
  ];
  config.multiTarget.credentialsFile = credentialsFile;
  return stringify(config);
}

beforeAll(async () => {
  [redis, pg, health, trap] = await Promise.all([
    Promise.all(Array.from({ length: REDIS_COUNT }, () => startRedis())),
    startPostgres({ password: PG_PASSWORD }),
    startCountingServer(),
    startTrap(),
  ]);
  const databases = (async () => {
    // One at a time: CREATE DATABASE copies template1, which concurrent copies may find busy.
    for (const [i, db] of DATABASES.entries()) await fillDatabase(db, i);
  })();
  await Promise.all([...redis.map((server, i) => fillQueues(server, i)), databases]);

  const credentialsFile = path.join(tmp.dir, 'credentials.yml');
  writeFileSync(
    credentialsFile,
    stringify({ [`127.0.0.1:${pg.port}`]: { username: 'postgres', password: PG_PASSWORD } }),
  );
  const configFile = path.join(tmp.dir, 'exporter.yml');
  writeFileSync(configFile, exporterConfig(credentialsFile));
  exporter = await startExporter(['--config', configFile, '--no-collector.host']);

  const sdDir = path.join(tmp.dir, 'file_sd');
  mkdirSync(sdDir);
  // The refused target sits among the allowed ones, as a typo in a targets file would.
  writeFileSync(
    path.join(sdDir, 'multi-target-redis.yml'),
    stringify([{ targets: [...redis.map(redisTarget), `redis://127.0.0.1:${trap.port}`], labels: { team: 'queues' } }]),
  );
  writeFileSync(path.join(sdDir, 'multi-target-postgres.yml'), stringify([{ targets: DATABASES.map(pgTarget) }]));
  writeFileSync(
    path.join(sdDir, 'multi-target-http.yml'),
    stringify([{ targets: [`http://127.0.0.1:${health.port}/health`] }]),
  );
  prom = await startPrometheus(prometheusConfig(exporter.url.replace('http://', ''), sdDir));
});

afterAll(async () => {
  await Promise.allSettled([prom?.stop(), exporter?.stop()]);
  await Promise.allSettled([...redis.map((r) => r.stop()), pg?.stop(), health?.close(), trap?.close()]);
  tmp.remove();
});

const TARGETS = REDIS_COUNT + 1 + DATABASES.length + 1;

test('every allowed target is up with exact counts; the refused one is never contacted', async () => {
  const started = Date.now();
  await waitFor(
    'every target scraped',
    async () => (await prom.query('count(up{job=~"jobstack-(redis|postgres|http)"})'))[0]?.value[1] === String(TARGETS),
    60_000,
    500,
  );
  // The queues were filled before anything started, so the first successful scrape of each is exact;
  // a first scrape may still miss its deadline on a loaded machine (up 0), so wait for all to be up.
  await waitFor(
    'every allowed target up',
    async () =>
      (await prom.query('count(up{job=~"jobstack-(redis|postgres|http)"} == 1)'))[0]?.value[1] === String(TARGETS - 1),
    60_000,
    500,
  );
  const up = new Map((await prom.query('up')).map((s) => [s.metric.instance, s.value[1]]));
  for (const server of redis)
    expect([redisTarget(server), up.get(redisTarget(server))]).toEqual([redisTarget(server), '1']);
  for (const db of DATABASES) expect([pgTarget(db), up.get(pgTarget(db))]).toEqual([pgTarget(db), '1']);
  expect(up.get(`http://127.0.0.1:${health.port}/health`)).toBe('1');
  // Refused: the exporter answers 400, so Prometheus records the scrape as failed.
  expect(up.get(`redis://127.0.0.1:${trap.port}`)).toBe('0');
  expect(trap.connections).toBe(0);

  const redisUp = await prom.query('redis_up == 1 and bullmq_up == 1');
  expect(redisUp).toHaveLength(REDIS_COUNT);
  const jobs = await prom.query('bullmq_jobs');
  let compared = 0;
  for (const [instance, queues] of expectedQueues) {
    for (const [queue, counts] of queues) {
      for (const state of ['waiting', 'delayed', 'active', 'completed', 'failed']) {
        const got = jobs.find(
          (s) => s.metric.instance === instance && s.metric.queue === queue && s.metric.state === state,
        );
        expect({ instance, queue, state, value: got?.value[1] }).toEqual({
          instance,
          queue,
          state,
          value: String(counts[state] ?? 0),
        });
        compared++;
      }
    }
  }
  expect(compared).toBe(REDIS_COUNT * 2 * 5);
  // file_sd labels and the job reach every series of the target.
  expect(new Set(jobs.map((s) => `${s.metric.job}/${s.metric.team}`))).toEqual(new Set(['jobstack-redis/queues']));

  const pgUp = await prom.query('pg_up');
  expect(pgUp.map((s) => [s.metric.instance, s.value[1]]).sort()).toEqual(
    DATABASES.map((db) => [pgTarget(db), '1']).sort(),
  );
  const rows = await prom.query('app_jobs');
  for (const [instance, counts] of expectedRows)
    for (const [state, count] of Object.entries(counts)) {
      const got = rows.find((s) => s.metric.instance === instance && s.metric.state === state);
      expect({ instance, state, value: got?.value[1] }).toEqual({ instance, state, value: String(count) });
    }

  // The exporter's own /metrics: refusals counted, targets pooled, no target in any label.
  const self = await exporter.scrape();
  expect(self).toMatch(/^jobstack_exporter_probe_requests_total\{module="redis",result="not_allowed"\} [1-9]/m);
  expect(self).toMatch(new RegExp(`^jobstack_exporter_probe_targets ${TARGETS - 1}$`, 'm'));
  expect(self).not.toContain('127.0.0.1:');
  expect(self).not.toContain(PG_PASSWORD);
  console.log(
    `multi-target e2e: ${TARGETS - 1} targets up (1 refused) with exact counts ${Date.now() - started} ms after Prometheus started`,
  );
});
