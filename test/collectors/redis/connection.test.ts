import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { COLLECTORS } from '../../../src/collectors';
import { BullmqCollector } from '../../../src/collectors/bullmq/collector';
import { bullmqMetrics } from '../../../src/collectors/bullmq/metrics';
import { RedisCollector } from '../../../src/collectors/redis/collector';
import { redisMetrics as m } from '../../../src/collectors/redis/metrics';
import { createLogger, type Logger } from '../../../src/log/logger';
import { promtoolCheckMetrics } from '../../harness/exporter';
import { freePort, tempDir, waitFor } from '../../harness/process';
import { startRedis, type RedisServer } from '../../harness/redis';
import { collectOnce, renderBatch } from '../../harness/collect';
import { bullConnection, testConfig } from '../bullmq/support';

/** The ways to reach Redis: database number, password, ACL user with least privileges, TLS. */

const PASSWORD = 'p@ss:w/rd-4711';
const logLines: string[] = [];
const log: Logger = createLogger('debug', (line) => logLines.push(line));
log.redactor.register(PASSWORD); // as main does with the config's secrets
let redis: RedisServer;
let admin: Redis;

beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD });
  admin = new Redis({ port: redis.port, password: PASSWORD, lazyConnect: true });
  await admin.connect();
}, 30_000);

afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

afterEach(() => {
  for (const line of logLines) expect(line).not.toContain(PASSWORD);
});

const base = () => `redis://127.0.0.1:${redis.port}`;

test('the password setting, a database number in the URL, INFO and the connection name', async () => {
  await admin.select(3);
  await admin.set('k1', 'v');
  await admin.set('k2', 'v', 'EX', 100);
  await admin.select(0);
  const collector = new RedisCollector({ url: `${base()}/3`, password: PASSWORD }, log);
  try {
    const batch = await collectOnce(collector);
    expect(batch.get(m.pingDuration)).toBeGreaterThan(0);
    expect(batch.get(m.connectDuration)).toBeGreaterThan(0);
    expect(batch.get(m.dbKeys, { db: '3' })).toBe(2);
    expect(batch.get(m.dbKeysExpiring, { db: '3' })).toBe(1);
    expect(batch.samples(m.instanceInfo)[0].labels).toMatchObject({
      role: 'master',
      mode: 'standalone',
      maxmemory_policy: 'noeviction',
    });
    expect(batch.get(m.connectedClients)).toBeGreaterThanOrEqual(2);
    expect(promtoolCheckMetrics(renderBatch(batch))).toBe('');
    const clients = (await admin.client('LIST')) as string;
    expect(clients).toMatch(/name=jobstack-exporter:redis .*db=3 /);
    expect(renderBatch(batch)).not.toContain(PASSWORD);
  } finally {
    await collector.close();
  }
});

test('the password in the URL, percent-encoded', async () => {
  const collector = new RedisCollector(
    { url: `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${redis.port}` },
    log,
  );
  try {
    expect((await collectOnce(collector)).get(m.uptime)).toBeGreaterThanOrEqual(0);
  } finally {
    await collector.close();
  }
});

/** The ACL line documented in docs/collectors/redis.md, as an argument list. */
function documentedAcl(user: string, password: string, prefix: string): string[] {
  const doc = readFileSync(path.join(__dirname, '../../../docs/collectors/redis.md'), 'utf8');
  const line = doc.split('\n').find((l) => l.startsWith('ACL SETUSER '))!;
  return line
    .split(' ')
    .slice(2)
    .map((word) =>
      word.replace('jobstack-exporter', user).replace('>PASSWORD', `>${password}`).replace('~bull:*', `~${prefix}:*`),
    );
}

test('an ACL user with the documented least privileges runs both collectors; without CLIENT LIST only worker counts go', async () => {
  const prefix = 'acl';
  const connection = bullConnection(redis.port, PASSWORD);
  const queue = new Queue('mail', { connection, prefix });
  const worker = new Worker(
    'mail',
    async () => {
      throw new Error('nope');
    },
    { connection, prefix, name: 'w' },
  );
  await queue.add('x', {});
  await waitFor('job to fail', async () => (await queue.getJobCounts()).failed === 1);
  const aclArgs = documentedAcl('exporter', 'Exporter-Pass-1', prefix);
  await admin.call('ACL', 'SETUSER', 'exporter', ...aclArgs.slice(1));
  const url = `redis://exporter:Exporter-Pass-1@127.0.0.1:${redis.port}`;
  const config = testConfig({ collectors: { bullmq: { failedJobsKept: 5 } } }).collectors.bullmq;
  const redisCollector = new RedisCollector({ url }, log);
  const bullmq = new BullmqCollector(config, { url }, { prefix, queues: [] }, log);
  try {
    expect((await collectOnce(redisCollector)).get(m.memoryUsed)).toBeGreaterThan(0);
    await collectOnce(bullmq); // first read: places the watermarks, seeds the failed list
    const batch = await collectOnce(bullmq);
    expect(batch.get(bullmqMetrics.workersVisible)).toBe(1);
    expect(batch.get(bullmqMetrics.workers, { queue: 'mail' })).toBe(1);
    expect(batch.get(bullmqMetrics.jobs, { queue: 'mail', state: 'failed' })).toBe(1);
    expect(bullmq.recentFailures('mail')).toMatchObject([{ name: 'x', failedReason: 'nope' }]);

    await admin.call('ACL', 'SETUSER', 'exporter', '-client|list');
    const without = await collectOnce(bullmq);
    expect(without.get(bullmqMetrics.workersVisible)).toBe(0);
    expect(without.get(bullmqMetrics.workers, { queue: 'mail' })).toBeUndefined();
    expect(without.get(bullmqMetrics.jobs, { queue: 'mail', state: 'failed' })).toBe(1);
    expect(logLines.filter((l) => /CLIENT LIST refused/.test(l))).toHaveLength(1);
  } finally {
    await Promise.all([redisCollector.close(), bullmq.close(), worker.close(), queue.close()]);
  }
});

test('a user without +info: the BullMQ collector takes Redis for one server (cluster mode is asked with INFO) and reads', async () => {
  const prefix = 'noinfo';
  const queue = new Queue('mail', { connection: bullConnection(redis.port, PASSWORD), prefix });
  await queue.add('x', {});
  await admin.call('ACL', 'SETUSER', 'noinfo', ...documentedAcl('noinfo', 'Noinfo-Pass-1', prefix).slice(1), '-info');
  const url = `redis://noinfo:Noinfo-Pass-1@127.0.0.1:${redis.port}`;
  const config = testConfig().collectors.bullmq;
  const bullmq = new BullmqCollector(config, { url }, { prefix, queues: [] }, log);
  try {
    const batch = await collectOnce(bullmq);
    expect(bullmq.endpoint.mode).toBe('standalone');
    expect(batch.get(bullmqMetrics.jobs, { queue: 'mail', state: 'waiting' })).toBe(1);
  } finally {
    await Promise.all([bullmq.close(), queue.close()]);
  }
});

test('rediss:// verifies the server certificate; with the private CA it connects', async () => {
  const tmp = tempDir('redis-tls');
  const cert = path.join(tmp.dir, 'cert.pem');
  const key = path.join(tmp.dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  const tls = await startRedis({
    port,
    password: PASSWORD,
    args: [
      '--tls-port',
      String(port),
      '--port',
      '0',
      '--tls-cert-file',
      cert,
      '--tls-key-file',
      key,
      '--tls-auth-clients',
      'no',
    ],
  });
  const url = `rediss://localhost:${port}`;
  const trusted = new RedisCollector({ url, password: PASSWORD }, log, { tls: { ca: readFileSync(cert) } });
  const untrusted = new RedisCollector({ url, password: PASSWORD }, log);
  try {
    expect((await collectOnce(trusted)).get(m.uptime)).toBeGreaterThanOrEqual(0);
    await expect(collectOnce(untrusted)).rejects.toThrow(/self.signed|certificate/i);
  } finally {
    await Promise.all([trusted.close(), untrusted.close()]);
    await tls.stop();
    tmp.remove();
  }
});

test('on when redis.url is set or the collector is turned on; the URL then defaults to the local Redis', () => {
  const enabled = (input: Parameters<typeof testConfig>[0]) =>
    COLLECTORS.filter((s) => s.name === 'redis' || s.name === 'bullmq').map((s) => s.enabled(testConfig(input)));
  expect(enabled({})).toEqual([false, false]);
  expect(enabled({ redis: { url: 'redis://h:6379' } })).toEqual([true, true]);
  expect(enabled({ collectors: { redis: { enabled: true }, bullmq: { enabled: true } } })).toEqual([true, true]);
  expect(enabled({ redis: { url: 'redis://h:6379' }, collectors: { bullmq: { enabled: false } } })).toEqual([
    true,
    false,
  ]);
  const spec = COLLECTORS.find((s) => s.name === 'redis')!;
  const { collector } = spec.create(testConfig({ collectors: { redis: { enabled: true } } }), log, {});
  if (!(collector instanceof RedisCollector)) throw new Error('not a RedisCollector');
  expect(collector.client.redis.options).toMatchObject({ host: '127.0.0.1', port: 6379 });
  return collector.close();
});
