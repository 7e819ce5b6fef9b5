/**
 * The monitoring stack end to end: a real Prometheus (rules every second, `for` shortened through
 * the mixin config) scrapes the real exporter watching Redis with a live BullMQ workload,
 * PostgreSQL, s3rver, a storage folder and a probe target; every dashboard query returns data;
 * then Redis stops and RedisDown reaches a webhook through a real Alertmanager, with the queue
 * alerts of that exporter kept quiet.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import { Queue, Worker } from 'bullmq';
import Koa from 'koa';
import { Registry } from 'prom-client';
import { redisMetrics } from '../../src/collectors/redis/metrics';
import { koaMiddleware, snapshotHandler } from '../../src/instrument';
import { stringify } from 'yaml';
import { withOverrides } from '../../monitoring/config';
import { overviewDashboard } from '../../monitoring/dashboards/overview';
import { alertRules, recordingRules, ruleFiles } from '../../monitoring/rules';
import { alertmanagerConfig } from '../../monitoring/stack/alertmanager';
import { prometheusConfig } from '../../monitoring/stack/prometheus';
import { startAlertmanager, type AlertmanagerServer } from '../harness/alertmanager';
import { startExporter, type ExporterProcess } from '../harness/exporter';
import { startPostgres, type PostgresServer } from '../harness/postgres';
import { freePort, sleep, tempDir, waitFor } from '../harness/process';
import { startPrometheus, type PromServer } from '../harness/prometheus';
import { startRedis, type RedisServer } from '../harness/redis';
import { S3RVER_CREDENTIALS, startS3, type S3Server } from '../harness/s3';
import { expectOutages } from '../harness/quiet';

jest.setTimeout(180_000);

const cfg = withOverrides({
  scrapeInterval: '1s',
  scrapeTimeout: '1s',
  evaluationInterval: '1s',
  for: { down: '2s', noWorkers: '2s', backlog: '2s', failureRatio: '2s', resource: '2s', collector: '2s' },
});

interface Notification {
  at: number;
  status: string;
  alerts: { status: string; labels: Record<string, string> }[];
}

let redis: RedisServer;
let pg: PostgresServer;
let s3: S3Server;
let exporter: ExporterProcess;
let prom: PromServer;
let am: AlertmanagerServer;
let receiver: http.Server;
let probeTarget: http.Server;
/** The team's API, instrumented: Prometheus would scrape its /metrics, the exporter reads its snapshot. */
let apiApp: http.Server;
let apiUrl = '';
let tlsTarget: https.Server;
const notifications: Notification[] = [];
const workers: Worker[] = [];
const queues: Queue[] = [];
let producer: NodeJS.Timeout | undefined;
const tmp = tempDir('stack');

async function listen(server: http.Server): Promise<number> {
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return port;
}

const step = (what: string) =>
  process.env.STACK_DEBUG && process.stderr.write(`[stack] ${new Date().toISOString()} ${what}\n`);

beforeAll(async () => {
  step('starting servers');
  [redis, pg, s3] = await Promise.all([
    startRedis({ args: ['--maxmemory', '256mb', '--maxmemory-policy', 'noeviction'] }),
    startPostgres(),
    startS3(['uploads']),
  ]);
  const storage = path.join(tmp.dir, 'storage');
  mkdirSync(path.join(storage, 'a'), { recursive: true });
  writeFileSync(path.join(storage, 'a', 'f.bin'), Buffer.alloc(1000));

  probeTarget = http.createServer((_req, res) => res.end('ok'));
  const probePort = await listen(probeTarget);
  const key = path.join(tmp.dir, 'tls.key');
  const cert = path.join(tmp.dir, 'tls.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  tlsTarget = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => res.end('ok'));
  const tlsPort = await listen(tlsTarget);
  const registry = new Registry();
  const koa = new Koa();
  koa.use(koaMiddleware({ registry, service: 'stack-api' }));
  const router = new Router();
  router.get('/orders/:id', (ctx) => {
    ctx.body = 'ok';
  });
  router.get('/_jobstack', snapshotHandler({ registry }));
  router.get('/metrics', async (ctx) => {
    ctx.body = await registry.metrics();
  });
  koa.use(router.routes());
  apiApp = http.createServer(koa.callback());
  apiUrl = `http://127.0.0.1:${await listen(apiApp)}`;
  // Enough requests on one route for its p95 to count in the snapshot's figures.
  for (let i = 0; i < 12; i++) await (await fetch(`${apiUrl}/orders/${i}`)).text();
  const configFile = path.join(tmp.dir, 'exporter.yml');
  writeFileSync(
    configFile,
    stringify({
      collectors: {
        probes: {
          targets: [
            { name: 'app', url: `http://127.0.0.1:${probePort}/health` },
            { name: 'app-tls', url: `https://127.0.0.1:${tlsPort}/health`, caFile: cert },
          ],
        },
        app: { targets: [{ name: 'api', url: `${apiUrl}/_jobstack` }] },
      },
    }),
  );
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const parsed = JSON.parse(body) as Omit<Notification, 'at'>;
      notifications.push({ at: Date.now(), status: parsed.status, alerts: parsed.alerts });
      res.end();
    });
  });
  const receiverPort = await listen(receiver);

  // A live workload: `images` is worked (some jobs fail), `emails` has jobs and no worker.
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  // Redis is stopped on purpose below: the queues' connection errors are expected.
  const images = expectOutages(new Queue('images', { connection }));
  const emails = expectOutages(new Queue('emails', { connection }));
  queues.push(images, emails);
  workers.push(
    expectOutages(
      new Worker(
        'images',
        async (job) => {
          await sleep(20);
          if (job.data.n % 5 === 0) throw new Error('decode failed');
        },
        { connection, concurrency: 2, metrics: { maxDataPoints: 60 } },
      ),
    ),
  );
  await emails.addBulk(Array.from({ length: 3 }, (_, i) => ({ name: 'send', data: { i } })));
  // A job due in an hour, so the delayed-job metrics exist.
  await emails.add('digest', {}, { delay: 3_600_000 });
  let n = 0;
  producer = setInterval(() => void images.add('resize', { n: n++ }), 100);

  step('starting exporter');
  exporter = await startExporter(['--config', configFile], {
    REDIS_URL: redis.url,
    DATABASE_URL: pg.url,
    STORAGE_PATH: storage,
    S3_BUCKET: 'uploads',
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  });

  step('starting alertmanager and prometheus');
  am = await startAlertmanager(
    stringify(
      alertmanagerConfig({
        receiver: 'inbox',
        notifications: { inboxUrl: `http://127.0.0.1:${receiverPort}` },
        groupWait: '1s',
        groupInterval: '1s',
        criticalGroupWait: '1s',
      }),
    ),
  );
  const rules = ruleFiles(cfg) as { recording: unknown; alerts: unknown };
  prom = await startPrometheus(
    (port) =>
      stringify(
        prometheusConfig(cfg, {
          exporterTarget: new URL(exporter.url).host,
          alertmanagerTarget: new URL(am.url).host,
          prometheusTarget: `127.0.0.1:${port}`,
          ruleFiles: ['recording.yml', 'alerts.yml'],
        }),
      ),
    { 'recording.yml': stringify(rules.recording), 'alerts.yml': stringify(rules.alerts) },
  );
});

afterAll(async () => {
  step('cleaning up');
  clearInterval(producer);
  // BullMQ's close() waits for Redis: bring it back on the same port so the clients can say goodbye.
  if (redis && !redis.child.running) redis = await startRedis({ port: redis.port });
  const bounded = (p: Promise<unknown>) => Promise.race([p, sleep(5000)]);
  await Promise.allSettled(workers.map((w) => bounded(w.close(true))));
  await Promise.allSettled(queues.map((q) => bounded(q.close())));
  await Promise.allSettled([prom?.stop(), am?.stop(), exporter?.stop()]);
  await Promise.allSettled([redis?.stop(), pg?.stop(), s3?.stop()]);
  receiver?.close();
  probeTarget?.close();
  apiApp?.closeAllConnections();
  apiApp?.close();
  tlsTarget?.close();
  tmp.remove();
});

/** Every target of every panel, with the dashboard variables substituted as Grafana would. */
function dashboardQueries(): { panel: string; expr: string }[] {
  const board = overviewDashboard(cfg) as { panels: { type: string; title: string; targets?: { expr: string }[] }[] };
  return board.panels
    .filter((p) => p.type !== 'row')
    .flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        panel: p.title,
        expr: t.expr
          .replace(/\$instance/g, '.*')
          .replace(/\$queue/g, '.*')
          .replace(/\$__rate_interval/g, '15s'),
      })),
    );
}

test('every dashboard query returns data from Prometheus scraping the live stack', async () => {
  const queries = dashboardQueries();
  expect(queries.length).toBeGreaterThan(30);
  const empty = async () => {
    const out: string[] = [];
    for (const q of queries) if ((await prom.query(q.expr)).length === 0) out.push(`${q.panel}: ${q.expr}`);
    return out;
  };
  step('querying panels');
  let missing: string[] = [];
  await waitFor(
    'every panel query to return data',
    async () => (missing = await empty()).length === 0,
    90_000,
    2000,
  ).catch(() => undefined);
  expect(missing).toEqual([]);
  // The queue without a worker fired and reached the webhook.
  await waitFor(
    'QueueNoWorkers notification',
    () =>
      notifications.some((n) =>
        n.alerts.some(
          (a) => a.labels.alertname === 'QueueNoWorkers' && a.labels.queue === 'emails' && a.status === 'firing',
        ),
      ),
    30_000,
    200,
  );
});

/** Metric names an expression selects (`name{` or `name[`), recording rule names included. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)]
    .map((m) => m[1])
    .filter((n) => !['by', 'on', 'ignoring', 'without', 'group_left', 'group_right'].includes(n));
}

test('every metric a rule, alert or panel uses is in a live scrape or made by a recording rule', async () => {
  const scraped = new Set(
    [...(await exporter.scrape()).matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)].map((m) => m[1]),
  );
  // The API's own registry (job api), as Prometheus scrapes it.
  for (const m of (await (await fetch(`${apiUrl}/metrics`)).text()).matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm))
    scraped.add(m[1]);
  // A histogram's own name: the native histogram Prometheus keeps when it scrapes the protobuf exposition.
  for (const n of [...scraped]) if (n.endsWith('_bucket')) scraped.add(n.slice(0, -'_bucket'.length));
  scraped.add('up'); // written by Prometheus itself
  scraped.add('scrape_duration_seconds');
  // Exported only by replicas (this stack runs primaries) or with custom SQL queries configured;
  // each is tested in test/collectors/redis and test/collectors/postgres.
  for (const name of ['redis_master_link_up', 'pg_replication_lag_seconds', 'pg_custom_query_success'])
    scraped.add(name);
  // Exported on a Redis Cluster only (this stack runs one server); tested in test/collectors/redis-cluster.test.ts.
  scraped.add(redisMetrics.clusterState.name);
  // Prometheus and Alertmanager scraping themselves (monitoring/rules/meta.ts).
  const names = (await (await fetch(`${prom.url}/api/v1/label/__name__/values`)).json()) as { data: string[] };
  for (const n of names.data.filter((x) => /^(prometheus|alertmanager)_/.test(x))) scraped.add(n);
  const recorded = new Set(recordingRules(cfg).map((r) => r.record));
  const exprs = [
    ...recordingRules(cfg).map((r) => r.expr),
    ...alertRules(cfg).map((a) => a.expr),
    ...dashboardQueries().map((q) => q.expr),
  ];
  const used = new Set(exprs.flatMap(metricNames));
  expect(used.size).toBeGreaterThan(40);
  const unknown = [...used].filter((n) => !scraped.has(n) && !recorded.has(n));
  expect(unknown).toEqual([]);
});

test('Redis stops: RedisDown reaches the webhook through Alertmanager, queue alerts stay quiet', async () => {
  const stoppedAt = Date.now();
  await redis.stop();
  await waitFor(
    'RedisDown at the webhook',
    () =>
      notifications.some(
        (n) => n.at > stoppedAt && n.alerts.some((a) => a.labels.alertname === 'RedisDown' && a.status === 'firing'),
      ),
    60_000,
    100,
  );
  const received = notifications.find(
    (n) => n.at > stoppedAt && n.alerts.some((a) => a.labels.alertname === 'RedisDown'),
  )!;
  const seconds = (received.at - stoppedAt) / 1000;
  process.stdout.write(`RedisDown reached the webhook ${seconds.toFixed(1)} s after Redis stopped\n`);
  const out = path.resolve(__dirname, '../../test-output');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'alerting.md'),
    `Redis stopped -> RedisDown at the webhook: ${seconds.toFixed(1)} s (scrape and rule evaluation every 1 s, for: 2s, Alertmanager group_wait 1 s).\n`,
  );

  // While RedisDown fires, nothing about the queues of that exporter is notified...
  const redisDownAt = received.at;
  await sleep(5000);
  const queueNotes = notifications.filter(
    (n) => n.at >= redisDownAt && n.alerts.some((a) => a.labels.component === 'queue'),
  );
  expect(queueNotes).toEqual([]);
  // ...and any queue alert Alertmanager still holds for it is suppressed by RedisDown.
  const held = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as {
    labels: Record<string, string>;
    status: { state: string };
  }[];
  for (const a of held.filter((x) => x.labels.component === 'queue')) expect(a.status.state).toBe('suppressed');
  expect(held.some((a) => a.labels.alertname === 'RedisDown' && a.status.state === 'active')).toBe(true);
});
