import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { AppCollector } from '../../src/collectors/app/collector';
import { BullmqCollector } from '../../src/collectors/bullmq/collector';
import { HostCollector } from '../../src/collectors/host/collector';
import { LocalStorageCollector } from '../../src/collectors/localstorage/collector';
import { PostgresCollector } from '../../src/collectors/postgres/collector';
import { ProbesCollector } from '../../src/collectors/probes/collector';
import { RedisCollector } from '../../src/collectors/redis/collector';
import { parseInfo, setInfoMetrics } from '../../src/collectors/redis/info';
import { S3Collector } from '../../src/collectors/s3/collector';
import type { Collector } from '../../src/collectors/types';
import { configSchema, type ConfigInput } from '../../src/config/schema';
import { silentLogger } from '../../src/log/logger';
import { MetricBatch } from '../../src/metrics/batch';
import { sampleSnapshot } from '../fixtures/app-snapshot';
import { collectOnce, renderBatch } from '../harness/collect';
import { promtoolCheckMetrics } from '../harness/exporter';
import { golden, normaliseExposition } from '../harness/golden';
import { tempDir, waitFor } from '../harness/process';
import { startPostgres, type PostgresServer } from '../harness/postgres';
import { startRedis, type RedisServer } from '../harness/redis';
import { S3RVER_CREDENTIALS, startS3, type S3Server } from '../harness/s3';

/**
 * One golden exposition per collector (test/fixtures/golden/<name>.prom): each collector runs
 * against real parts (its own Redis, PostgreSQL, s3rver, HTTP servers) or the fixtures its own
 * tests use (/proc, INFO), its output rendered, normalised (harness/golden.ts) and compared with
 * the committed file; every golden file passes `promtool check metrics`.
 */

const config = (input: ConfigInput = {}) => configSchema.parse(input);
const tmp = tempDir('golden');
let redis: RedisServer;
let pg: PostgresServer;
let s3: S3Server;
let web: http.Server;
let webBase = '';
const closing: Collector[] = [];

beforeAll(async () => {
  [redis, pg, s3] = await Promise.all([startRedis(), startPostgres(), startS3(['files'])]);
  s3.seed('files', [
    { key: 'uploads/a.pdf', body: 'x'.repeat(10) },
    { key: 'reports/b.csv', body: 'y'.repeat(20) },
  ]);
  web = http.createServer((req, res) => {
    if (req.url === '/snapshot') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(sampleSnapshot(Date.now())));
    } else {
      res.statusCode = req.url === '/health' ? 200 : 500;
      res.end('ok');
    }
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webBase = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(closing.map(async (c) => c.close?.()));
  web?.closeAllConnections();
  await new Promise((r) => web?.close(r));
  await Promise.allSettled([redis?.stop(), pg?.stop(), s3?.stop()]);
  tmp.remove();
});

/** Label values that differ between runs and machines. */
const VARYING: (readonly [RegExp, string])[] = [
  [/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT'],
  [/(version="|redis_version="|server_version=")[^"]*"/g, '$1VERSION"'],
];

async function expectGolden(name: string, collector: Collector, replace: (readonly [RegExp, string])[] = []) {
  closing.push(collector);
  const text = normaliseExposition(renderBatch(await collectOnce(collector, 10_000)), [
    [new RegExp(tmp.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g'), '/TMP'],
    ...VARYING,
    ...replace,
  ]);
  expect(text).toBe(golden(name, text));
  expect(promtoolCheckMetrics(golden(name, text))).toBe('');
}

test('host, from the /proc and /sys fixtures', async () => {
  const host = config().collectors.host;
  const collector = new HostCollector(
    { ...host, rootPath: tmp.dir, sysPath: path.join(__dirname, '../fixtures/sys'), mountPointsExclude: '.*' },
    { procPath: path.join(__dirname, '../fixtures/proc') },
  );
  // uname is the machine's own; the filesystems are the machine's too (statfs), so they are left out.
  await expectGolden('host', collector, [[/(sysname|release|machine|nodename)="[^"]*"/g, '$1="UNAME"']]);
});

test('redis, a real server', async () => {
  await expectGolden('redis', new RedisCollector(config({ redis: { url: redis.url } }).redis, silentLogger()));
});

test('redis INFO of a master, from the fixture', async () => {
  const out = new MetricBatch();
  setInfoMetrics(out, parseInfo(readFileSync(path.join(__dirname, '../fixtures/redis/info-master.txt'), 'utf8')));
  const text = normaliseExposition(renderBatch(out));
  expect(text).toBe(golden('redis-info-master', text));
});

test('bullmq, real queues with finished, failed, delayed and prioritized jobs and a worker', async () => {
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const emails = new Queue('emails', { connection });
  closing.push({ name: 'queue', collect: async () => undefined, close: () => emails.close() });
  let finished = 0;
  const worker = new Worker(
    'emails',
    async (job) => {
      if (job.data.fail) throw new Error('bounced');
    },
    { connection },
  );
  worker.on('completed', () => finished++);
  worker.on('failed', () => finished++);
  closing.push({ name: 'worker', collect: async () => undefined, close: () => worker.close() });
  const c = config({ redis: { url: redis.url }, bullmq: { queues: ['emails'] } });
  const collector = new BullmqCollector(c.collectors.bullmq, c.redis, c.bullmq, silentLogger());
  // The first read sets the watermark; jobs finishing after it feed the duration histograms.
  await collectOnce(collector, 10_000);
  await emails.add('send', { fail: false });
  await emails.add('send', { fail: true });
  await waitFor('two jobs finished', async () => finished === 2);
  await emails.add('later', {}, { delay: 3_600_000 });
  await emails.add('urgent', {}, { priority: 2, delay: 3_600_000 });
  await expectGolden('bullmq', collector);
});

test('postgres, a real server', async () => {
  const c = config({ postgres: { url: pg.url } });
  await expectGolden('postgres', new PostgresCollector(c.collectors.postgres, c.postgres, silentLogger()));
});

test('s3, a real S3 API (s3rver)', async () => {
  const c = config({
    storage: { s3: { bucket: 'files', endpoint: s3.endpoint, forcePathStyle: true } },
    collectors: { s3: { prefixes: ['', 'uploads/'] } },
  });
  const collector = new S3Collector(c.collectors.s3, c.storage.s3, silentLogger(), { credentials: S3RVER_CREDENTIALS });
  await collector.refreshListings();
  await expectGolden('s3', collector);
});

test('localstorage, a temp folder', async () => {
  const root = path.join(tmp.dir, 'storage');
  mkdirSync(path.join(root, 'uploads'), { recursive: true });
  writeFileSync(path.join(root, 'uploads', 'a.bin'), 'x'.repeat(100));
  const c = config({ storage: { path: root } });
  await expectGolden(
    'localstorage',
    new LocalStorageCollector(c.collectors.localstorage, c.storage.path, silentLogger()),
  );
});

test('probes, a local HTTP server', async () => {
  const c = config({
    collectors: {
      probes: {
        targets: [
          { name: 'api', url: `${webBase}/health` },
          { name: 'broken', url: `${webBase}/fail` },
        ],
      },
    },
  });
  await expectGolden('probes', new ProbesCollector(c.collectors.probes));
});

test('app, an instrumented app snapshot', async () => {
  const c = config({ collectors: { app: { targets: [{ name: 'orders', url: `${webBase}/snapshot` }] } } });
  await expectGolden('app', new AppCollector(c.collectors.app));
});
