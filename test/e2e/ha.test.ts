/**
 * The HA stack with the SHIPPED files: prometheus-ha-a.yml and prometheus-ha-b.yml (intervals,
 * external labels, alert relabelling), the rule files (`for:` values) and alertmanager-webhook.yml
 * (routes, group waits), with only addresses and paths changed. Two real Prometheus replicas send
 * to three real Alertmanagers gossiping on loopback (`--cluster.peer`), which notify a small
 * webhook receiver here. One stack, two exporters each on its own Redis, two fault phases in a row:
 *
 * 1. Redis A stopped -> exactly one RedisDown notification; Redis A back -> exactly one resolved.
 * 2. The Alertmanager that sent those is killed, then Redis B stopped -> still one, and one resolved.
 *    (Redis B, so that its alert starts a new Alertmanager group as a first fault does, rather
 *    than joining A's group, which ticks once a minute until Alertmanager drops it.)
 *
 * Times from Redis stop to the notification are printed and written to test-output/ha.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { startAlertmanager, type AlertmanagerServer } from '../harness/alertmanager';
import { ROOT, startExporter, type ExporterProcess } from '../harness/exporter';
import { freePort, sleep, tempDir, waitFor } from '../harness/process';
import { startPrometheus, type PromServer } from '../harness/prometheus';
import { startRedis, type RedisServer } from '../harness/redis';

jest.setTimeout(540_000);

const shipped = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');
const TOKEN = 'ha-test-token';
/** Longer than two Alertmanagers' peer waits (15 s each by position): a duplicate would have come. */
const QUIET_MS = 35_000;

interface Notification {
  readonly at: number;
  readonly status: string;
  readonly alerts: readonly { status: string; labels: Record<string, string> }[];
}

const received: Notification[] = [];
/** Arrival times of the Watchdog heartbeat. */
const heartbeats: number[] = [];
let unauthorized = 0;
let receiver: http.Server;
let receiverUrl: string;
let redis: RedisServer[] = [];
let exporters: ExporterProcess[] = [];
const ams: AlertmanagerServer[] = [];
const proms: PromServer[] = [];
const secrets = tempDir('ha-secrets');

/** The webhook: every notification kept with its arrival time; the heartbeat only counted. */
async function startReceiver(): Promise<void> {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/heartbeat') heartbeats.push(Date.now());
      else if (req.headers.authorization !== `Bearer ${TOKEN}`) unauthorized++;
      else {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as Omit<Notification, 'at'>;
        received.push({ at: Date.now(), status: body.status, alerts: body.alerts });
      }
      res.writeHead(200).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${port}`;
}

/** The shipped alertmanager-webhook.yml with the receiver's URLs and the token file moved here. */
function shippedAlertmanagerYaml(): string {
  const tokenFile = path.join(secrets.dir, 'webhook_token');
  writeFileSync(tokenFile, TOKEN);
  return shipped('alertmanager/alertmanager-webhook.yml')
    .replaceAll('https://alerts.example.com/alertmanager', `${receiverUrl}/alerts`)
    .replaceAll('http://alert-inbox:9095/heartbeat', `${receiverUrl}/heartbeat`)
    .replaceAll('/etc/alertmanager/secrets/webhook_token', tokenFile);
}

/** A shipped prometheus-ha-<replica>.yml with only target addresses and rule paths replaced. */
function shippedPrometheusYaml(replica: string, targets: Record<string, string[]>): string {
  type Job = { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: unknown };
  const config = parse(shipped(`prometheus/prometheus-ha-${replica}.yml`)) as {
    rule_files: string[];
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    scrape_configs: Job[];
  };
  config.rule_files = ['jobstack-recording.yml', 'jobstack-alerts.yml'];
  config.alerting.alertmanagers[0].static_configs[0].targets = targets.alertmanager!;
  for (const job of config.scrape_configs) {
    if (job.static_configs) job.static_configs[0].targets = targets[job.job_name]!;
    // The API job's DNS name is the compose demo's service: there is no API here.
    delete job.dns_sd_configs;
  }
  return stringify(config);
}

const redisDown = (instance?: string) =>
  received.filter((n) =>
    n.alerts.some((a) => a.labels.alertname === 'RedisDown' && (!instance || a.labels.instance === instance)),
  );

/** Waits for the next RedisDown notification with `status` after `since`; its arrival time. */
async function nextRedisDown(instance: string, status: string, since: number, timeoutMs: number): Promise<number> {
  let at = 0;
  await waitFor(
    `a ${status} RedisDown notification`,
    () => {
      at = redisDown(instance).find((n) => n.at >= since && n.status === status)?.at ?? 0;
      return at > 0;
    },
    timeoutMs,
    250,
  );
  return at;
}

async function webhookNotificationsSent(am: AlertmanagerServer): Promise<number> {
  const text = await (await fetch(`${am.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('alertmanager_notifications_total{integration="webhook"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

beforeAll(async () => {
  await startReceiver();
  redis = await Promise.all([startRedis(), startRedis()]);
  exporters = await Promise.all(redis.map((r) => startExporter([], { REDIS_URL: r.url })));
  const gossipPorts = [await freePort(), await freePort(), await freePort()];
  const amConfig = shippedAlertmanagerYaml();
  ams.push(
    ...(await Promise.all(
      gossipPorts.map((port) =>
        startAlertmanager(amConfig, {
          port,
          peers: gossipPorts.filter((p) => p !== port).map((p) => `127.0.0.1:${p}`),
        }),
      ),
    )),
  );
  const promPorts = [await freePort(), await freePort()];
  const targets = {
    jobstack: exporters.map((e) => new URL(e.url).host),
    prometheus: promPorts.map((p) => `127.0.0.1:${p}`),
    alertmanager: ams.map((am) => new URL(am.url).host),
  };
  const rules = {
    'jobstack-recording.yml': shipped('prometheus/rules/jobstack-recording.yml'),
    'jobstack-alerts.yml': shipped('prometheus/rules/jobstack-alerts.yml'),
  };
  proms.push(
    ...(await Promise.all(
      ['a', 'b'].map((replica, i) => startPrometheus(shippedPrometheusYaml(replica, targets), rules, [], promPorts[i])),
    )),
  );
});

afterAll(async () => {
  await Promise.allSettled([...proms, ...ams].map((s) => s.stop()));
  await Promise.allSettled(exporters.map((e) => e.stop()));
  await Promise.allSettled(redis.map((r) => r.stop()));
  receiver?.close();
  secrets.remove();
});

test('one notification and one resolution per fault, also with one Alertmanager killed', async () => {
  await waitFor(
    'every target up on both replicas, the Alertmanagers in one cluster, the heartbeat through',
    async () => {
      for (const prom of proms) if ((await prom.query('up == 1')).length !== 7) return false;
      for (const am of ams) {
        const status = (await (await fetch(`${am.url}/api/v2/status`)).json()) as {
          cluster: { status: string; peers: unknown[] };
        };
        if (status.cluster.status !== 'ready' || status.cluster.peers.length !== 3) return false;
      }
      return heartbeats.length > 0;
    },
    120_000,
    1000,
  );

  const [a, b] = exporters.map((e) => new URL(e.url).host) as [string, string];
  /** Stops Redis `i`, waits for its notification, starts it again on the same port, waits for the resolution. */
  async function fault(i: number): Promise<{ stopped: number; fired: number; back: number; resolved: number }> {
    const instance = i === 0 ? a : b;
    const port = redis[i].port;
    const stopped = Date.now();
    await redis[i].stop();
    const fired = await nextRedisDown(instance, 'firing', stopped, 90_000);
    // Redis stays down until both replicas fire too: one replica's notification is enough for the
    // webhook, and the other, a scrape behind, would otherwise see Redis back before its `for:` ends.
    await waitFor(
      'RedisDown firing on both replicas',
      async () => {
        for (const prom of proms)
          if (
            (await prom.query(`ALERTS{alertname="RedisDown",alertstate="firing",instance="${instance}"}`)).length === 0
          )
            return false;
        return true;
      },
      60_000,
      500,
    );
    redis[i] = await startRedis({ port });
    const back = Date.now();
    return { stopped, fired, back, resolved: await nextRedisDown(instance, 'resolved', back, 150_000) };
  }

  // Phase 1: all three Alertmanagers.
  const p1 = await fault(0);
  // Phase 2: the Alertmanager that notified is killed first (the others must take over). Not within
  // moments of its notification: killed before it gossips that it sent one (every 200 ms), the
  // next one sends it again - Alertmanager delivers at least once (seen once in six runs).
  await sleep(5000);
  const sent = await Promise.all(ams.map(webhookNotificationsSent));
  const notifier = sent.indexOf(Math.max(...sent));
  ams[notifier].child.proc.kill('SIGKILL');
  await ams[notifier].child.exited;
  const p2 = await fault(1);
  await sleep(QUIET_MS);

  const notes = redisDown();
  const others = received.filter((n) => !notes.includes(n));
  const seconds = (from: number, to: number) => `${((to - from) / 1000).toFixed(1)} s`;
  const names = (n: Notification) =>
    [...new Set(n.alerts.map((a) => `${a.labels.alertname}{instance="${a.labels.instance}"}`))].join('+');
  const report = [
    'HA stack (2 Prometheus, 3 Alertmanagers, shipped files), RedisDown at the webhook:',
    `- phase 1: notified ${seconds(p1.stopped, p1.fired)} after Redis A stopped; ` +
      `resolved ${seconds(p1.back, p1.resolved)} after it came back`,
    `- phase 2 (Alertmanager ${notifier + 1} of 3, the one that had notified, killed first): ` +
      `notified ${seconds(p2.stopped, p2.fired)} after Redis B stopped; ` +
      `resolved ${seconds(p2.back, p2.resolved)} after it came back`,
    `- RedisDown notifications in order: ${notes.map((n) => `${n.status} (${n.alerts.length} alert)`).join(', ')}`,
    `- other notifications: ${others.map((n) => `${n.status} ${names(n)}`).join(', ') || 'none'}`,
    `- heartbeats at +${heartbeats.map((t) => ((t - heartbeats[0]) / 1000).toFixed(0)).join(', +')} s`,
    `- webhook notifications (heartbeats included) sent per Alertmanager before phase 2: ${sent.join(', ')}`,
    '',
  ].join('\n');
  process.stdout.write(report);
  mkdirSync(path.join(ROOT, 'test-output'), { recursive: true });
  writeFileSync(path.join(ROOT, 'test-output/ha.md'), report);

  // Exactly one notification per fault and one per recovery, each of one alert, never a replica label.
  expect(notes.map((n) => `${n.status} ${n.alerts[0].labels.instance}`)).toEqual([
    `firing ${a}`,
    `resolved ${a}`,
    `firing ${b}`,
    `resolved ${b}`,
  ]);
  for (const n of notes) {
    expect(n.alerts).toHaveLength(1);
    expect(Object.keys(n.alerts[0].labels)).not.toContain('replica');
  }
  // The other alerts (RedisRestarted after each restart, MonitoringTargetDown for the dead one): once each too.
  const otherKeys = others.map((n) => `${n.status} ${names(n)}`);
  expect(otherKeys).toEqual([...new Set(otherKeys)]);
  expect(unauthorized).toBe(0);
  // Both replicas did see both: each has the alerts (so the dedup, not a silent replica, made them one).
  for (const prom of proms)
    expect(await prom.query('count_over_time(ALERTS{alertname="RedisDown",alertstate="firing"}[10m])')).toHaveLength(2);
});
