import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { inject } from 'light-my-request';
import { configSchema, type ConfigInput } from '../../src/config/schema';
import { createApp } from '../../src/http/app';
import { createLogger, silentLogger } from '../../src/log/logger';
import { MultiTarget } from '../../src/multitarget/service';
import { ScrapeRunner } from '../../src/runner/runner';
import { promtoolCheckMetrics } from '../harness/exporter';
import { tempDir, waitFor } from '../harness/process';
import { startRedis, type RedisServer } from '../harness/redis';
import { bullConnection } from '../collectors/bullmq/support';
import { sample, startCountingServer, startTrap, type CountingServer, type Trap } from './support';

/**
 * GET /probe through the real app, against real redis-servers and HTTP servers on loopback.
 * Refused targets point at a trap that records connections: it must see none.
 */

const PASSWORD_1 = 'first-secret-4d1f';
const PASSWORD_2 = 'second-secret-9a2c';
const build = { version: '9.9.9', revision: 'abc123', nodejs: process.version };

let open: RedisServer;
let locked: RedisServer;
let health: CountingServer;
let slow: CountingServer;
let trap: Trap;
let allowedTrap: Trap;
const tmp = tempDir('multitarget');
const credentialsFile = path.join(tmp.dir, 'credentials.yml');
const logLines: string[] = [];

function writeCredentials(password: string): void {
  writeFileSync(
    credentialsFile,
    `"127.0.0.1:${locked.port}":\n  password: ${password}\n"127.0.0.1:${health.port}":\n  username: probe\n  password: ${password}\n`,
  );
}

function appWith(multiTarget: ConfigInput['multiTarget']) {
  const config = configSchema.parse({ multiTarget });
  const log = createLogger('debug', (line) => logLines.push(line));
  const mt = new MultiTarget(config, log);
  const runner = new ScrapeRunner([], silentLogger());
  const app = createApp({
    config,
    runner,
    build,
    log,
    collectorNames: [],
    extraFamilies: [mt],
    multiTarget: mt,
  });
  return { mt, handler: app.callback() };
}

const probe = (handler: ReturnType<typeof appWith>['handler'], query: string, headers: Record<string, string> = {}) =>
  inject(handler, { url: `/probe?${query}`, headers });
const q = (target: string, module?: string) =>
  `target=${encodeURIComponent(target)}${module === undefined ? '' : `&module=${encodeURIComponent(module)}`}`;

/** Connections of the exporter on a Redis (CLIENT LIST names them jobstack-exporter:...). */
async function exporterClients(server: RedisServer, password?: string): Promise<number> {
  const client = new Redis({ port: server.port, password, lazyConnect: true });
  try {
    await client.connect();
    const list = (await client.client('LIST')) as string;
    return list.split('\n').filter((l) => l.includes('name=jobstack-exporter')).length;
  } finally {
    client.disconnect();
  }
}

beforeAll(async () => {
  [open, locked, health, slow, trap, allowedTrap] = await Promise.all([
    startRedis(),
    startRedis({ password: PASSWORD_1 }),
    startCountingServer(),
    startCountingServer(300),
    startTrap(),
    startTrap(),
  ]);
  writeCredentials(PASSWORD_1);
  const orders = new Queue('orders', { connection: bullConnection(open.port) });
  await orders.addBulk([1, 2, 3].map((n) => ({ name: 'o', data: { n } })));
  await orders.add('later', {}, { delay: 3_600_000 });
  await orders.close();
  const mail = new Queue('mail', { connection: bullConnection(locked.port, PASSWORD_1), prefix: 'app' });
  await mail.addBulk([1, 2].map((n) => ({ name: 'm', data: { n } })));
  await mail.close();
});

afterAll(async () => {
  await Promise.all([open.stop(), locked.stop(), health.close(), slow.close(), trap.close(), allowedTrap.close()]);
  tmp.remove();
});

const allowAll = () => [
  `127.0.0.1:${open.port}`,
  `127.0.0.1:${locked.port}`,
  `127.0.0.1:${health.port}`,
  `127.0.0.1:${slow.port}`,
  `127.0.0.1:${allowedTrap.port}`,
];

describe('GET /probe', () => {
  test('a Redis target: redis and bullmq collected, exact counts, only the target metrics, lint-clean', async () => {
    const { handler, mt } = appWith({ allow: allowAll() });
    const res = await probe(handler, q(`redis://127.0.0.1:${open.port}`));
    expect(res.statusCode).toBe(200);
    expect(sample(res.body, 'redis_up')).toBe(1);
    expect(sample(res.body, 'bullmq_up')).toBe(1);
    expect(sample(res.body, 'bullmq_jobs{queue="orders",state="waiting"}')).toBe(3);
    expect(sample(res.body, 'bullmq_jobs{queue="orders",state="delayed"}')).toBe(1);
    expect(sample(res.body, 'jobstack_exporter_collector_success{collector="bullmq"}')).toBe(1);
    expect(res.body).not.toContain('jobstack_exporter_build_info');
    expect(res.body).not.toContain('process_');
    expect(promtoolCheckMetrics(res.body)).toBe('');
    const om = await probe(handler, q(`redis://127.0.0.1:${open.port}`), {
      accept: 'application/openmetrics-text; version=1.0.0',
    });
    expect(om.headers['content-type']).toMatch(/^application\/openmetrics-text; version=1.0.0/);
    expect(om.body.endsWith('# EOF\n')).toBe(true);
    await mt.close();
  });

  test('credentials come from the file, follow its changes, and appear nowhere', async () => {
    const { handler, mt } = appWith({
      allow: allowAll(),
      credentialsFile,
      modules: { app: { collectors: ['redis', 'bullmq'], bullmq: { prefix: 'app' } } },
    });
    const target = `redis://127.0.0.1:${locked.port}`;
    let res = await probe(handler, q(target, 'app'));
    expect(sample(res.body, 'redis_up')).toBe(1);
    expect(sample(res.body, 'bullmq_jobs{queue="mail",state="waiting"}')).toBe(2);
    const http = await probe(handler, q(`http://127.0.0.1:${health.port}/health`));
    expect(sample(http.body, 'probe_success{target="http"}')).toBe(1);
    expect(health.lastAuthorization).toBe(`Basic ${Buffer.from(`probe:${PASSWORD_1}`).toString('base64')}`);

    // Rotation: the server takes the new password, then the file does.
    const admin = new Redis({ port: locked.port, password: PASSWORD_1 });
    await admin.config('SET', 'requirepass', PASSWORD_2);
    admin.disconnect();
    writeCredentials(PASSWORD_2);
    // The file is checked at most once a second; the target's runner is then made anew, with
    // fresh connections that must log in with the new password.
    let metrics = await inject(handler, { url: '/metrics' });
    await waitFor('the changed file read', async () => {
      res = await probe(handler, q(target, 'app'));
      metrics = await inject(handler, { url: '/metrics' });
      return sample(metrics.body, 'jobstack_exporter_probe_targets_closed_total{reason="credentials"}') === 1;
    });
    expect(sample(res.body, 'redis_up')).toBe(1);
    expect(sample(res.body, 'bullmq_jobs{queue="mail",state="waiting"}')).toBe(2);
    for (const text of [res.body, http.body, metrics.body, logLines.join('\n')]) {
      expect(text).not.toContain(PASSWORD_1);
      expect(text).not.toContain(PASSWORD_2);
    }
    await mt.close();
  });

  test('refused targets get 400 with a short message and are never contacted', async () => {
    const { handler, mt } = appWith({ allow: allowAll() });
    const secret = 'query-secret-77e1';
    const cases: [string, RegExp][] = [
      [q(`redis://127.0.0.1:${trap.port}`), /^target is not allowed by multiTarget.allow$/],
      [q(`postgres://127.0.0.1:${trap.port}/db`), /^target is not allowed/],
      [q(`http://127.0.0.1:${trap.port}/`), /^target is not allowed/],
      [q(`redis://localhost:${allowedTrap.port}`), /^target is not allowed/],
      [q(`redis://:${secret}@127.0.0.1:${allowedTrap.port}`), /^target must not hold credentials/],
      [q(`http://u:${secret}@127.0.0.1:${allowedTrap.port}/`), /^target must not hold credentials/],
      [q(`redis://127.0.0.1:${allowedTrap.port}/0?password=${secret}`), /^a Redis target takes no \?parameters$/],
      [q(`postgres://127.0.0.1:${allowedTrap.port}/db?host=/tmp`), /^a PostgreSQL target takes no \?parameters/],
      [
        q(`redis://127.0.0.1:${allowedTrap.port}`, 'postgres'),
        /^module "postgres" collects postgres targets, not redis$/,
      ],
      [
        q(`redis://127.0.0.1:${allowedTrap.port}`, 'x'.repeat(5000)),
        /^unknown module \(known: redis, postgres, http\)$/,
      ],
      [
        `${q(`redis://127.0.0.1:${allowedTrap.port}`)}&module=nope`,
        /^unknown module "nope" \(known: redis, postgres, http\)$/,
      ],
      [
        `${q(`redis://127.0.0.1:${allowedTrap.port}`)}&module=a%0Ab<i>`,
        /^unknown module \(known: redis, postgres, http\)$/,
      ],
      [`target=${'a'.repeat(10_000)}`, /^target is longer than 2048 characters$/],
      ['target=not%20a%20url', /^target holds spaces/],
      ['target=%%%', /^target is not a URL/],
      [q(`gopher://127.0.0.1:${allowedTrap.port}/`), /^target scheme "gopher" is not supported/],
      ['', /^target is required/],
      [
        `target=redis://127.0.0.1:${allowedTrap.port}&target=redis://127.0.0.1:${open.port}`,
        /^give one target per request$/,
      ],
    ];
    for (const [query, message] of cases) {
      const res = await probe(handler, query);
      expect({ query: query.slice(0, 80), status: res.statusCode }).toEqual({ query: query.slice(0, 80), status: 400 });
      expect(res.body.trim()).toMatch(message);
      expect(res.body.length).toBeLessThan(200);
      expect(res.body).not.toContain(secret);
    }
    expect(trap.connections).toBe(0);
    expect(allowedTrap.connections).toBe(0);
    const metrics = await inject(handler, { url: '/metrics' });
    expect(sample(metrics.body, 'jobstack_exporter_probe_requests_total{module="redis",result="not_allowed"}')).toBe(2);
    expect(sample(metrics.body, 'jobstack_exporter_probe_requests_total{module="postgres",result="not_allowed"}')).toBe(
      1,
    );
    expect(sample(metrics.body, 'jobstack_exporter_probe_requests_total{module="http",result="not_allowed"}')).toBe(1);
    expect(sample(metrics.body, 'jobstack_exporter_probe_requests_total{module="",result="invalid"}')).toBe(10);
    expect(sample(metrics.body, 'jobstack_exporter_probe_requests_total{module="postgres",result="invalid"}')).toBe(1);
    expect(sample(metrics.body, 'jobstack_exporter_probe_requests_total{module="",result="unknown_module"}')).toBe(3);
    expect(logLines.join('\n')).not.toContain(secret);
    await mt.close();
  });

  test('concurrent scrapes of one target share a collection; the deadline holds for a frozen target', async () => {
    const { handler, mt } = appWith({ allow: allowAll() });
    const before = slow.requests;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => probe(handler, q(`http://127.0.0.1:${slow.port}/`))),
    );
    expect(answers.map((a) => sample(a.body, 'probe_success{target="http"}'))).toEqual([1, 1, 1, 1, 1]);
    expect(slow.requests - before).toBe(1);

    // allowedTrap accepts and never answers, like a frozen Redis.
    const started = Date.now();
    const res = await probe(handler, q(`redis://127.0.0.1:${allowedTrap.port}`), {
      'x-prometheus-scrape-timeout-seconds': '1.5',
    });
    expect(res.statusCode).toBe(200);
    expect(sample(res.body, 'redis_up')).toBe(0);
    expect(sample(res.body, 'bullmq_up')).toBe(0);
    expect(Date.now() - started).toBeLessThan(4000);
    await mt.close();
  });

  test('pooled targets are bounded (LRU) and closed when idle; their connections go with them', async () => {
    const { handler, mt } = appWith({ allow: allowAll(), maxTargets: 2, idleTimeout: '1s', credentialsFile });
    await probe(handler, q(`redis://127.0.0.1:${open.port}`));
    // The redis and bullmq collectors' connections, and the bullmq collector's change-tracking one.
    expect(await exporterClients(open)).toBe(3);
    await probe(handler, q(`http://127.0.0.1:${health.port}/`));
    await probe(handler, q(`http://127.0.0.1:${slow.port}/`)); // third target: the Redis one is evicted
    await waitFor('evicted target closed', async () => (await exporterClients(open)) === 0);
    let metrics = await inject(handler, { url: '/metrics' });
    expect(sample(metrics.body, 'jobstack_exporter_probe_targets')).toBe(2);
    expect(sample(metrics.body, 'jobstack_exporter_probe_targets_closed_total{reason="evicted"}')).toBe(1);

    await probe(handler, q(`redis://127.0.0.1:${open.port}`));
    expect(await exporterClients(open)).toBe(3);
    await waitFor('idle targets closed', async () => (await exporterClients(open)) === 0);
    metrics = await inject(handler, { url: '/metrics' });
    expect(sample(metrics.body, 'jobstack_exporter_probe_targets')).toBe(0);
    expect(sample(metrics.body, 'jobstack_exporter_probe_targets_closed_total{reason="idle"}')).toBeGreaterThanOrEqual(
      2,
    );
    // /metrics never carries a target: its labels are modules and fixed sets.
    expect(metrics.body).not.toMatch(/127\.0\.0\.1/);
    expect(promtoolCheckMetrics(metrics.body)).toBe('');
    await mt.close();
  });

  test('a module selects its collectors; /probe is 404 while multiTarget.allow is empty', async () => {
    const { handler, mt } = appWith({
      allow: allowAll(),
      modules: { queues: { collectors: ['bullmq'], bullmq: { queues: ['orders'] } } },
    });
    const res = await probe(handler, q(`redis://127.0.0.1:${open.port}`, 'queues'));
    expect(sample(res.body, 'bullmq_jobs{queue="orders",state="waiting"}')).toBe(3);
    expect(res.body).not.toContain('redis_up');
    await mt.close();

    const config = configSchema.parse({});
    expect(MultiTarget.enabled(config)).toBe(false);
    const app = createApp({
      config,
      runner: new ScrapeRunner([], silentLogger()),
      build,
      log: silentLogger(),
      collectorNames: [],
    });
    expect((await inject(app.callback(), { url: `/probe?${q(`redis://127.0.0.1:${open.port}`)}` })).statusCode).toBe(
      404,
    );
  });
});
