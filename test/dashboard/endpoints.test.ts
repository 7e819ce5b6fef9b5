/**
 * /health/detailed and /dashboard/data over a live stack: fields present and right, the latest
 * collection reused while fresh, a stopped Redis named as the cause, planted secrets nowhere.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import type { DashboardData } from '../../src/dashboard/types';
import type { HealthReport } from '../../src/health/types';
import { startExporter, type ExporterProcess } from '../harness/exporter';
import { startPostgres, type PostgresServer } from '../harness/postgres';
import { sleep, tempDir, waitFor } from '../harness/process';
import { startRedis, type RedisServer } from '../harness/redis';
import { S3RVER_CREDENTIALS, startS3, type S3Server } from '../harness/s3';

jest.setTimeout(120_000);

const SECRETS = { redis: 'planted-redis-pw-7Qx', postgres: 'planted-pg-pw-9Zk', s3: 'planted-s3-secret-4Wm' };
const tmp = tempDir('dash');
let redis: RedisServer;
let pg: PostgresServer;
let s3: S3Server;
let exporter: ExporterProcess;
const queues: Queue[] = [];
let worker: Worker;

const get = async (p: string) => {
  const res = await fetch(`${exporter.url}${p}`);
  return { status: res.status, text: await res.text() };
};
const data = async () => JSON.parse((await get('/dashboard/data')).text) as DashboardData;
const collections = async () =>
  Number(/^jobstack_exporter_collections_total (\d+)/m.exec((await get('/metrics')).text)?.[1]);

beforeAll(async () => {
  [redis, pg, s3] = await Promise.all([
    startRedis({ password: SECRETS.redis }),
    startPostgres({ password: SECRETS.postgres }),
    startS3(['files']),
  ]);
  const connection = { host: '127.0.0.1', port: redis.port, password: SECRETS.redis, maxRetriesPerRequest: null };
  const images = new Queue('images', { connection });
  const emails = new Queue('emails', { connection });
  const reports = new Queue('reports', { connection });
  queues.push(images, emails, reports);
  worker = new Worker(
    'images',
    async (job) => {
      if (job.data.fail) throw new Error(`cannot decode image ${job.data.n}`);
    },
    { connection, concurrency: 2 },
  );
  await emails.addBulk([1, 2, 3].map((n) => ({ name: 'send', data: { n } })));
  await reports.add('monthly', {});
  await reports.pause();
  const storage = path.join(tmp.dir, 'uploads');
  mkdirSync(storage);
  writeFileSync(path.join(storage, 'a.png'), Buffer.alloc(2048));
  exporter = await startExporter([], {
    REDIS_URL: redis.url,
    DATABASE_URL: pg.url,
    STORAGE_PATH: storage,
    S3_BUCKET: 'files',
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SECRETS.s3,
  });
  // First collection places the finished-job watermarks; jobs finishing after it are sampled.
  await get('/metrics');
  await images.addBulk(
    Array.from({ length: 10 }, (_, n) => ({ name: 'resize', data: { n, fail: n % 5 === 0 }, opts: { attempts: 1 } })),
  );
  await waitFor(
    'images processed',
    async () => (await images.getJobCounts('completed', 'failed')).completed === 8,
    20_000,
  );
  await get('/metrics');
});

afterAll(async () => {
  if (redis && !redis.child.running) redis = await startRedis({ port: redis.port, password: SECRETS.redis });
  await Promise.allSettled([worker?.close(true), ...queues.map((q) => q.close())]);
  await exporter?.stop();
  await Promise.allSettled([redis?.stop(), pg?.stop(), s3?.stop()]);
  tmp.remove();
});

test('/dashboard/data: every section, with figures that match the stack', async () => {
  const d = await data();
  expect(d.exporter.collectors.map((c) => c.name).sort()).toEqual([
    'bullmq',
    'host',
    'localstorage',
    'postgres',
    'redis',
    's3',
  ]);
  expect(d.redis).toMatchObject({ up: true, version: expect.stringMatching(/^\d+\.\d+/), role: 'master' });
  expect(d.redis!.memory.usedBytes).toBeGreaterThan(0);
  expect(d.database).toMatchObject({ up: true, version: expect.stringMatching(/^\d+/) });
  expect(d.database!.connections.max).toBe(40);
  expect(d.database!.sizeBytes).toBeGreaterThan(0);
  const q = Object.fromEntries(d.queues.map((x) => [x.name, x]));
  expect(q.images).toMatchObject({
    workers: 1,
    paused: false,
    counts: expect.objectContaining({ completed: 8, failed: 2 }),
  });
  expect(q.images.recentFailures.map((f) => f.reason).sort()).toEqual([
    'cannot decode image 0',
    'cannot decode image 5',
  ]);
  expect(q.images.recentFailures[0]).toMatchObject({ name: 'resize', attempts: 1, finishedAt: expect.any(String) });
  expect(q.images.processingP95Seconds === null || q.images.processingP95Seconds >= 0).toBe(true);
  expect(q.emails).toMatchObject({ workers: 0, backlog: 3, oldestWaitingSeconds: expect.any(Number) });
  expect(q.reports).toMatchObject({ paused: true, backlog: 1 });
  expect(d.storage.map((s) => s.backend).sort()).toEqual(['local', 's3']);
  await waitFor(
    'local walk counted',
    async () => (await data()).storage.find((s) => s.backend === 'local')?.objects === 1,
    10_000,
    200,
  );
  expect(d.system.memory.totalBytes).toBeGreaterThan(0);
  expect(d.system.process.rssBytes).toBeGreaterThan(0);
  expect(d.system.disks.some((k) => k.mountpoint === '/')).toBe(true);
  expect(d.health.reasons.join('\n')).toMatch(/no worker: emails/);
  expect(d.health.score).toBeLessThan(100);
  expect(d.config).toMatchObject({ bullmq: { prefix: 'bull' } });
});

test('README documents every field /dashboard/data returns', async () => {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const keys = new Set<string>();
  // Maps keyed by data (states, queue names, config) are documented as a whole, not per key.
  const opaque = new Set(['counts', 'byState', 'config']);
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        keys.add(k);
        if (!opaque.has(k)) walk(child);
      }
    }
  };
  walk(await data());
  const documented = (k: string) => [`\`${k}\``, `\`${k}[]\``, `"${k}"`].some((form) => readme.includes(form));
  const undocumented = [...keys].filter((k) => !documented(k));
  expect(undocumented).toEqual([]);
});

test('served from the latest collection while it is fresh: refreshing costs no collection', async () => {
  const before = await collections(); // this scrape collects
  for (let i = 0; i < 5; i++) await data();
  await get('/health/detailed');
  expect(await collections()).toBe(before + 1); // only the next /metrics scrape collected
});

test('/health/detailed: degraded with a queue lacking workers, down with Redis stopped', async () => {
  const ok = await get('/health/detailed');
  expect(ok.status).toBe(200);
  const report = JSON.parse(ok.text) as HealthReport;
  expect(report.status).toBe('degraded');
  expect(report.components.find((c) => c.name === 'queues')).toMatchObject({
    status: 'degraded',
    error: expect.stringMatching(/emails/),
  });
  expect(report.components.find((c) => c.name === 'redis')).toMatchObject({
    status: 'up',
    latencyMs: expect.any(Number),
  });

  await redis.stop();
  await get('/metrics'); // a fresh collection sees Redis gone
  const down = await get('/health/detailed');
  expect(down.status).toBe(503);
  const after = JSON.parse(down.text) as HealthReport;
  expect(after.status).toBe('down');
  expect(after.components.find((c) => c.name === 'redis')).toMatchObject({ status: 'down', error: expect.any(String) });
  expect(after.components.find((c) => c.name === 'postgres')!.status).toBe('up');
  await sleep(100);
});

test('planted secrets appear in no response and no log line', async () => {
  const bodies = await Promise.all(
    ['/', '/metrics', '/health', '/health/detailed', '/dashboard', '/dashboard/data', '/dashboard/app.js'].map(get),
  );
  const everything = [...bodies.map((b) => b.text), exporter.child.log()].join('\n');
  for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
  expect(exporter.child.log()).toMatch(/redis/i); // the failure was logged, just without the password
});
