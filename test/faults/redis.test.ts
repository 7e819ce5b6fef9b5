import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { Queue } from 'bullmq';
import { QUEUE_STATE_LUA } from '../../src/collectors/bullmq/scripts';
import { startRedis, type RedisServer } from '../harness/redis';
import { activeHandles, FaultExporter, faultCase, success, type Scrape } from './support';

/**
 * Redis faults through the whole exporter (dist/cli.js with REDIS_URL: the redis and bullmq
 * collectors, plus the host collector, which must stay unaffected).
 */

const PASSWORD = 'fault-matrix-Redis-1';
/** The Redis client's wait between connection attempts after a failed one (src/clients/redis.ts). */
const RECONNECT_GATE_MS = 1100;

let redis: RedisServer;
let admin: Redis;
let exporter: FaultExporter;

async function connectAdmin(): Promise<Redis> {
  const client = new Redis({
    port: redis.port,
    password: PASSWORD,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function seedQueue(): Promise<void> {
  const queue = new Queue('mail', {
    connection: { host: '127.0.0.1', port: redis.port, password: PASSWORD, maxRetriesPerRequest: null },
  });
  await queue.add('welcome', { to: 'a@example.com' });
  await queue.close();
}

beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD });
  await seedQueue();
  admin = await connectAdmin();
  exporter = await FaultExporter.start({ REDIS_URL: redis.url });
}, 30_000);

afterAll(async () => {
  admin?.disconnect();
  await exporter?.stop();
  await redis?.stop();
});

const healthy = (s: Scrape) => {
  expect(s.samples.get('redis_up')).toBe(1);
  expect(s.samples.get('bullmq_up')).toBe(1);
  expect(success(s, 'redis')).toBe(1);
  expect(success(s, 'bullmq')).toBe(1);
  expect(success(s, 'host')).toBe(1);
};

const down = (s: Scrape) => {
  expect(s.samples.get('redis_up')).toBe(0);
  expect(s.samples.get('bullmq_up')).toBe(0);
  expect(success(s, 'redis')).toBe(0);
  expect(success(s, 'bullmq')).toBe(0);
  // Nothing stale: no other redis_ or bullmq_ series than the up gauges while the collectors fail.
  expect([...s.samples.keys()].filter((k) => /^(redis|bullmq)_/.test(k) && !/^(redis|bullmq)_up$/.test(k))).toEqual([]);
  // The other collectors are unaffected.
  expect(success(s, 'host')).toBe(1);
};

/** Kills the exporter's connections (not the admin's), so it has to connect again. */
const killExporterConnections = async () => {
  await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
};

test('Redis killed (SIGKILL), then started again on the same port', async () => {
  await faultCase(exporter, {
    healthy,
    faulty: down,
    begin: async () => {
      admin.disconnect();
      redis.child.signal('SIGKILL');
      await redis.child.exited;
    },
    end: async () => {
      await redis.stop();
      redis = await startRedis({ password: PASSWORD, port: redis.port });
      admin = await connectAdmin();
    },
    settleMs: RECONNECT_GATE_MS,
  });
});

test('Redis restarted between two scrapes: the next scrape reconnects and succeeds (scripts loaded again)', async () => {
  const before = await exporter.scrape();
  healthy(before);
  admin.disconnect();
  await redis.stop();
  redis = await startRedis({ password: PASSWORD, port: redis.port });
  admin = await connectAdmin();
  await seedQueue();
  // The restart emptied the script cache: the BullMQ collector must load its scripts again.
  const sha = createHash('sha1').update(QUEUE_STATE_LUA).digest('hex');
  expect(await admin.script('EXISTS', sha)).toEqual([0]);
  const after = await exporter.scrape();
  healthy(after);
  expect(after.samples.get('bullmq_jobs{queue="mail",state="waiting"}')).toBe(1);
  expect(await admin.script('EXISTS', sha)).toEqual([1]);
  expect(activeHandles(after)).toBeLessThanOrEqual(activeHandles(before) + 4);
  exporter.expectAlive();
});

test('Redis frozen (SIGSTOP): every scrape answers in time with redis_up 0, recovery after SIGCONT', async () => {
  const report = await faultCase(exporter, {
    healthy,
    faulty: down,
    begin: () => redis.freeze(),
    end: () => redis.thaw(),
    // Every scrape tries a new connection to the frozen Redis, which must be torn down in time.
    repeats: 3,
    gapMs: RECONNECT_GATE_MS,
    settleMs: RECONNECT_GATE_MS,
  });
  // A frozen Redis takes the whole budget: the answer still came before the scraper's timeout.
  expect(report.during[0].ms).toBeGreaterThan(1000);
});

test('wrong password (rotated on the server): redis_up 0 until the password matches again', async () => {
  const report = await faultCase(exporter, {
    healthy,
    faulty: down,
    begin: async () => {
      await admin.config('SET', 'requirepass', 'rotated-Password-2');
      await killExporterConnections();
    },
    end: async () => {
      await admin.config('SET', 'requirepass', PASSWORD);
    },
    settleMs: RECONNECT_GATE_MS,
  });
  expect(report.during[0].ms).toBeLessThan(1000);
  expect(exporter.log()).toMatch(/WRONGPASS|invalid username-password/);
});

test('maxclients reached (maxclients 1, held by another client): redis_up 0, recovery when a slot is free', async () => {
  await faultCase(exporter, {
    healthy,
    faulty: down,
    begin: async () => {
      await admin.config('SET', 'maxclients', '1');
      await killExporterConnections();
    },
    end: async () => {
      await admin.config('SET', 'maxclients', '10000');
    },
    settleMs: RECONNECT_GATE_MS,
  });
  // Redis answers "-ERR max number of clients reached" and closes before reading the handshake,
  // so the client sees only the closed socket: write EPIPE, read ECONNRESET (when the close lands
  // while the handshake is in flight) or "Connection is closed", depending on timing.
  expect(exporter.log()).toMatch(
    /"msg":"collector failed","collector":"redis","error":"(Redis unavailable \()?cannot connect to Redis: (write EPIPE|read ECONNRESET|.*closed|.*max number of clients)/,
  );
});

test('the password never appears in the logs of all these faults', () => {
  expect(exporter.log()).not.toContain(PASSWORD);
});
