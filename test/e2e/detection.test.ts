/**
 * Detection time with the SHIPPED files: the committed prometheus.yml (scrape and evaluation
 * intervals), rule files (`for:` values) and alertmanager-inbox.yml (group waits), with only the
 * addresses changed, a real Prometheus and Alertmanager, and the bundled alert inbox as the
 * receiver a person reads. Four exporters in one stack, each with its own fault, at the same time:
 *
 * - A: its Redis and its PostgreSQL stop          -> RedisDown and PostgresDown within 60 s
 * - B: the only worker of a queue with a backlog is killed -> QueueNoWorkers within 3 minutes
 * - C: the exporter is killed                     -> JobstackExporterDown within 60 s
 * - D: its Redis restarts                         -> no page (only the RedisRestarted warning)
 * - E: one scrape fails, then the exporter restarts -> no notification at all
 *
 * The Watchdog heartbeat reaches the inbox too. Measured times are printed and written to
 * test-output/detection.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Queue } from 'bullmq';
import { parse, stringify } from 'yaml';
import { startAlertmanager, type AlertmanagerServer } from '../harness/alertmanager';
import { ROOT, startExporter, type ExporterProcess } from '../harness/exporter';
import { startPostgres, type PostgresServer } from '../harness/postgres';
import { Child, freePort, sleep, waitFor } from '../harness/process';
import { startPrometheus, type PromServer } from '../harness/prometheus';
import { startRedis, type RedisServer } from '../harness/redis';

jest.setTimeout(480_000);

const INBOX_MAIN = path.join(ROOT, 'dist/inbox/main.js');
const shipped = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');

interface InboxSnapshot {
  heartbeat: { lastAt: string | null };
  notifications: { receivedAt: string; alerts: { status: string; labels: Record<string, string> }[] }[];
}

let inbox: Child;
let inboxUrl: string;
let am: AlertmanagerServer;
let prom: PromServer;
let redisA: RedisServer, redisB: RedisServer, redisD: RedisServer, redisE: RedisServer;
let pgA: PostgresServer;
let expA: ExporterProcess, expB: ExporterProcess, expC: ExporterProcess, expD: ExporterProcess, expE: ExporterProcess;
let worker: Child;
let orders: Queue;
/** E is scraped through it: its instance label stays the same across the exporter's restart. */
let proxyE: ScrapeProxy;
const host = (url: string) => new URL(url).host;

interface ScrapeProxy {
  /** The instance label Prometheus sees. */
  readonly address: string;
  /** Where scrapes go; changed when the exporter behind restarts on another port. */
  target: string;
  /** Answer the next scrape with a 503. */
  failNext: boolean;
  readonly server: http.Server;
}

/** A forwarding proxy in front of an exporter, which can fail exactly one scrape when asked. */
async function startScrapeProxy(target: string): Promise<ScrapeProxy> {
  const proxy = { target, failNext: false } as { -readonly [K in keyof ScrapeProxy]: ScrapeProxy[K] };
  proxy.server = http.createServer(async (req, res) => {
    if (proxy.failNext) {
      proxy.failNext = false;
      res.writeHead(503).end('injected failure\n');
      return;
    }
    const timeout = req.headers['x-prometheus-scrape-timeout-seconds'];
    const upstream = await fetch(`${proxy.target}${req.url}`, {
      headers: timeout ? { 'x-prometheus-scrape-timeout-seconds': String(timeout) } : {},
    }).catch(() => undefined);
    if (!upstream) return void res.writeHead(502).end();
    res
      .writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' })
      .end(await upstream.text());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => proxy.server.listen(port, '127.0.0.1', resolve));
  proxy.address = `127.0.0.1:${port}`;
  return proxy;
}

/** The shipped prometheus.yml with only target addresses replaced. */
function shippedPrometheusYaml(promPort: number, jobstackTargets: string[], amTarget: string): string {
  type Job = { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: unknown };
  const config = parse(shipped('prometheus/prometheus.yml')) as {
    rule_files: string[];
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    scrape_configs: Job[];
  };
  config.rule_files = ['jobstack-recording.yml', 'jobstack-alerts.yml'];
  config.alerting.alertmanagers[0].static_configs[0].targets = [amTarget];
  const targets: Record<string, string[]> = {
    jobstack: jobstackTargets,
    prometheus: [`127.0.0.1:${promPort}`],
    alertmanager: [amTarget],
  };
  for (const job of config.scrape_configs) {
    if (job.static_configs) job.static_configs[0].targets = targets[job.job_name]!;
    // The API job's DNS name is the compose demo's service: there is no API here (file_sd finds none).
    delete job.dns_sd_configs;
  }
  return stringify(config);
}

async function inboxSnapshot(): Promise<InboxSnapshot> {
  return (await (await fetch(`${inboxUrl}/api/notifications`)).json()) as InboxSnapshot;
}

/** When the inbox first received a firing `alertname` for `instance` after `since`, or undefined. */
async function firstFiring(alertname: string, instance: string, since: number): Promise<number | undefined> {
  const times = (await inboxSnapshot()).notifications
    .filter(
      (n) =>
        Date.parse(n.receivedAt) >= since &&
        n.alerts.some(
          (a) => a.status === 'firing' && a.labels.alertname === alertname && a.labels.instance === instance,
        ),
    )
    .map((n) => Date.parse(n.receivedAt));
  return times.length ? Math.min(...times) : undefined;
}

beforeAll(async () => {
  const inboxPort = await freePort();
  inboxUrl = `http://127.0.0.1:${inboxPort}`;
  inbox = Child.start(process.execPath, [INBOX_MAIN], {
    env: { PATH: process.env.PATH, INBOX_LISTEN: `127.0.0.1:${inboxPort}` },
  });
  await waitFor('inbox', async () => (await fetch(`${inboxUrl}/-/healthy`)).ok);

  [redisA, redisB, redisD, redisE, pgA] = await Promise.all([
    startRedis(),
    startRedis(),
    startRedis(),
    startRedis(),
    startPostgres(),
  ]);
  [expA, expB, expC, expD, expE] = await Promise.all([
    startExporter([], { REDIS_URL: redisA.url, DATABASE_URL: pgA.url }),
    startExporter([], { REDIS_URL: redisB.url }),
    startExporter([], {}),
    startExporter([], { REDIS_URL: redisD.url }),
    startExporter([], { REDIS_URL: redisE.url }),
  ]);

  // B: a queue whose only worker is busy on a long job while four more wait.
  orders = new Queue('orders', { connection: { host: '127.0.0.1', port: redisB.port } });
  await orders.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'ship', data: { i } })));
  const script = `const { Worker } = require('bullmq');
new Worker('orders', () => new Promise((r) => setTimeout(r, 600000)), { connection: { host: '127.0.0.1', port: ${redisB.port} }, concurrency: 1 });`;
  worker = Child.start(process.execPath, ['-e', script], { cwd: ROOT, env: { PATH: process.env.PATH } });

  proxyE = await startScrapeProxy(expE.url);
  am = await startAlertmanager(
    shipped('alertmanager/alertmanager-inbox.yml').replaceAll('http://alert-inbox:9095', inboxUrl),
  );
  prom = await startPrometheus(
    (port) =>
      shippedPrometheusYaml(
        port,
        [host(expA.url), host(expB.url), host(expC.url), host(expD.url), proxyE.address],
        host(am.url),
      ),
    {
      'jobstack-recording.yml': shipped('prometheus/rules/jobstack-recording.yml'),
      'jobstack-alerts.yml': shipped('prometheus/rules/jobstack-alerts.yml'),
    },
  );
});

afterAll(async () => {
  await worker?.stop();
  if (redisB && orders) await Promise.race([orders.close(), sleep(3000)]);
  proxyE?.server.closeAllConnections();
  proxyE?.server.close();
  await Promise.allSettled([prom?.stop(), am?.stop(), inbox?.stop()]);
  await Promise.allSettled([expA, expB, expC, expD, expE].map((e) => e?.stop()));
  await Promise.allSettled([redisA, redisB, redisD, redisE, pgA].map((s) => s?.stop()));
});

test('with the shipped intervals and for: values, each fault reaches the inbox in time, and a blip pages nobody', async () => {
  // Warm-up: every target scraped, B's worker seen, Prometheus sending to Alertmanager.
  await waitFor(
    'all targets up, the worker seen, fresh Redises flagged',
    async () => {
      const up = await prom.query('up == 1');
      const workers = await prom.query('bullmq_queue_workers{queue="orders"} == 1');
      // Every Redis here is fresh: RedisRestarted fires for the four exporters that watch one.
      const restarted = await prom.query('ALERTS{alertname="RedisRestarted", alertstate="firing"}');
      return up.length === 7 && workers.length === 1 && restarted.length === 4;
    },
    90_000,
    1000,
  );
  // A warm-up wait, not a measured figure: generous, as a loaded machine delays the first rule evaluation.
  await waitFor(
    'Watchdog heartbeat at the inbox',
    async () => (await inboxSnapshot()).heartbeat.lastAt !== null,
    120_000,
    1000,
  );

  // What already fires for E before the fault (a fresh Redis's RedisRestarted): a restart of the
  // exporter may repeat it, which is no new notification.
  const eFiringBefore = new Set(
    (await prom.query(`ALERTS{instance="${proxyE.address}", alertstate="firing"}`)).map((s) => s.metric.alertname),
  );
  const t0 = Date.now();
  await Promise.all([
    redisA.stop(),
    pgA.halt(),
    Promise.resolve(expC.child.proc.kill('SIGKILL')),
    Promise.resolve(worker.proc.kill('SIGKILL')),
  ]);
  // E: one failed scrape now; then its exporter restarts (the proxy keeps its instance label).
  // D: its Redis restarts on the same port (a few seconds down).
  proxyE.failNext = true;
  await sleep(15_000);
  const dRedisPort = redisD.port;
  await expE.stop();
  await Promise.all([
    (async () => {
      await redisD.stop();
      redisD = await startRedis({ port: dRedisPort });
    })(),
    (async () => {
      expE = await startExporter([], { REDIS_URL: redisE.url });
      proxyE.target = expE.url;
    })(),
  ]);

  const goals = [
    { alert: 'RedisDown', instance: host(expA.url), within: 60 },
    { alert: 'PostgresDown', instance: host(expA.url), within: 60 },
    { alert: 'JobstackExporterDown', instance: host(expC.url), within: 60 },
    { alert: 'QueueNoWorkers', instance: host(expB.url), within: 180 },
  ];
  const measured = new Map<string, number>();
  await waitFor(
    'every fault notified',
    async () => {
      for (const g of goals) {
        if (measured.has(g.alert)) continue;
        const at = await firstFiring(g.alert, g.instance, t0);
        if (at !== undefined) measured.set(g.alert, (at - t0) / 1000);
      }
      return measured.size === goals.length;
    },
    200_000,
    1000,
  ).catch(() => undefined);

  const lines = goals.map(
    (g) =>
      `${g.alert}: ${measured.has(g.alert) ? `${measured.get(g.alert)!.toFixed(1)} s` : 'not notified'} (goal ${g.within} s)`,
  );
  const notes = (await inboxSnapshot()).notifications.filter((n) => Date.parse(n.receivedAt) >= t0);
  const alertsOf = (instance: string, known = new Set<string>()) =>
    notes.flatMap((n) =>
      n.alerts
        .filter((a) => a.status === 'firing' && a.labels.instance === instance && !known.has(a.labels.alertname ?? ''))
        .map((a) => `${a.labels.severity}/${a.labels.alertname}`),
    );
  const [dAlerts, eAlerts] = [alertsOf(host(expD.url)), alertsOf(proxyE.address, eFiringBefore)];
  const listed = (alerts: string[]) => `${alerts.length} (${[...new Set(alerts)].join(', ') || 'none'})`;
  const report = `Detection with the shipped files (scrape/evaluation ${readFileSync(path.join(ROOT, 'prometheus/prometheus.yml'), 'utf8').match(/scrape_interval: (\S+)/)![1]}):\n${lines.map((l) => `- ${l}`).join('\n')}\n- Redis restart: alerts notified ${listed(dAlerts)}\n- one failed scrape + exporter restart: new alerts notified ${listed(eAlerts)} (already firing before: ${[...eFiringBefore].join(', ') || 'none'})\n`;
  process.stdout.write(report);
  mkdirSync(path.join(ROOT, 'test-output'), { recursive: true });
  writeFileSync(path.join(ROOT, 'test-output/detection.md'), report);

  expect(goals.filter((g) => !(measured.get(g.alert)! < g.within)).map((g) => g.alert)).toEqual([]);
  // The injected failure was real: Prometheus recorded E down for that scrape (and its restart).
  expect(await prom.query(`min_over_time(up{instance="${proxyE.address}"}[5m]) == 0`)).toHaveLength(1);
  // E came back: scraped as up again after the restart.
  expect(await prom.query(`up{instance="${proxyE.address}"} == 1`)).toHaveLength(1);
  // A failed scrape and an exporter restart notify nobody of anything new.
  expect(eAlerts).toEqual([]);
  // No page for D. The one notification allowed is the RedisRestarted warning: a restart can lose
  // jobs that were not persisted, which someone should know about in working hours.
  expect(dAlerts.filter((a) => a !== 'warning/RedisRestarted')).toEqual([]);
});
