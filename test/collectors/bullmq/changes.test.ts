import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Redis from 'ioredis';
import { Queue, Worker, type Job } from 'bullmq';
import { BullmqCollector } from '../../../src/collectors/bullmq/collector';
import type { BullmqCollectorConfig } from '../../../src/collectors/bullmq/config';
import { bullmqMetrics as m } from '../../../src/collectors/bullmq/metrics';
import { JOB_STATES, decodeQueueState } from '../../../src/collectors/bullmq/queue-state';
import { keptState } from '../../../src/collectors/bullmq/changes';
import { QUEUE_KEYS, QUEUE_STATE_LUA } from '../../../src/collectors/bullmq/scripts';
import { createLogger, silentLogger } from '../../../src/log/logger';
import type { MetricBatch } from '../../../src/metrics/batch';
import { collectOnce } from '../../harness/collect';
import { waitFor } from '../../harness/process';
import { startRedis, type RedisServer } from '../../harness/redis';
import { bullConnection, testConfig } from './support';

/**
 * Change tracking (changes.ts): a collector that reads only the queues Redis reports changed must
 * expose exactly what a collector reading every queue exposes, through every kind of change
 * BullMQ (or a hand on redis-cli) makes, a flush, a restart and a refusal.
 */

/** BullMQ refuses ':' in a queue name, but a hand can make one: 'with:colon' is written by hand. */
const BULL_NAMES = ['alpha', 'beta', 'gamma', 'with', 'ünï "q"'];
const NAMES = [...BULL_NAMES, 'with:colon'];
let redis: RedisServer;
let admin: Redis;
const queues = new Map<string, Queue>();
const open: BullmqCollector[] = [];

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis({ port: redis.port });
  for (const name of BULL_NAMES) queues.set(name, new Queue(name, { connection: bullConnection(redis.port) }));
  await Promise.all([...queues.values()].map((q) => q.waitUntilReady()));
}, 30_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await Promise.all([...queues.values()].map((q) => q.close()));
  admin?.disconnect();
  await redis?.stop();
});

function collector(settings: Partial<BullmqCollectorConfig> = {}, url = redis.url, log = silentLogger()) {
  const config = { ...testConfig().collectors.bullmq, ...settings };
  const c = new BullmqCollector(config, { url }, { prefix: 'bull', queues: NAMES }, log);
  open.push(c);
  return c;
}

const q = (name: string) => queues.get(name)!;

/** Every sample but the ages, which move with the clock between two collections, and how many queues were read. */
const AGES = new Set<string>([m.oldestWaitingAge.name, m.oldestActiveAge.name, m.queuesRead.name]);
function exact(batch: MetricBatch): Map<string, number> {
  const out = new Map<string, number>();
  for (const family of batch.families.values()) {
    if (AGES.has(family.def.name)) continue;
    for (const s of family.samples.values()) out.set(`${family.def.name}${JSON.stringify(s.labels)}`, s.value);
    for (const h of family.histograms.values())
      out.set(`${family.def.name}${JSON.stringify(h.labels)}`, h.value.count * 1e6 + h.value.sum);
  }
  return out;
}

/** The ages agree within the time between the two collections. */
function agesAgree(a: MetricBatch, b: MetricBatch, toleranceSeconds: number): void {
  for (const def of [m.oldestWaitingAge, m.oldestActiveAge]) {
    const left = new Map(a.samples(def).map((s) => [s.labels.queue, s.value]));
    const right = new Map(b.samples(def).map((s) => [s.labels.queue, s.value]));
    expect([...right.keys()].sort()).toEqual([...left.keys()].sort());
    for (const [queue, v] of left) expect(Math.abs(v - right.get(queue)!)).toBeLessThanOrEqual(toleranceSeconds);
  }
}

async function countsAgree(batch: MetricBatch): Promise<void> {
  for (const [name, queue] of queues) {
    const counts = await queue.getJobCounts(...JOB_STATES.filter((s) => s !== 'paused'));
    for (const [state, n] of Object.entries(counts))
      expect([name, state, batch.get(m.jobs, { queue: name, state })]).toEqual([name, state, n]);
  }
}

/** Collects with both and checks they agree; returns the tracked collection. */
async function compare(tracked: BullmqCollector, full: BullmqCollector, counts = true): Promise<MetricBatch> {
  const started = Date.now();
  const a = await collectOnce(tracked);
  const b = await collectOnce(full);
  expect(exact(a)).toEqual(exact(b));
  agesAgree(a, b, (Date.now() - started) / 1000 + 0.01);
  if (counts) await countsAgree(a);
  return a;
}

const scriptCalls = async () => {
  const line = (await admin.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_evalsha:'));
  return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
};

test('an unchanged queue is not read again; a changed one is, alone', async () => {
  const tracked = collector({ queuesPerCall: 1 });
  await q('alpha').add('j', {});
  expect((await collectOnce(tracked)).get(m.queuesRead)).toBe(NAMES.length);
  let before = await scriptCalls();
  expect((await collectOnce(tracked)).get(m.queuesRead)).toBe(0);
  expect((await scriptCalls()) - before).toBe(0);

  await q('beta').add('j', {});
  before = await scriptCalls();
  const batch = await collectOnce(tracked);
  expect((await scriptCalls()) - before).toBe(1);
  expect(batch.get(m.queuesRead)).toBe(1);
  expect(batch.get(m.jobs, { queue: 'beta', state: 'waiting' })).toBe(1);
  // The kept readings are exposed too, whole.
  expect(batch.get(m.jobs, { queue: 'alpha', state: 'waiting' })).toBe(1);
  expect(batch.samples(m.jobs)).toHaveLength(NAMES.length * JOB_STATES.length);
});

test('every kind of change a queue goes through reads the same as reading every queue', async () => {
  const tracked = collector();
  const full = collector({ changeTracking: false });
  await compare(tracked, full);
  const steps: [string, () => Promise<unknown>][] = [
    ['add', () => q('alpha').addBulk(Array.from({ length: 5 }, (_, n) => ({ name: 'j', data: { n } })))],
    ['delayed', () => q('beta').add('d', {}, { delay: 60_000 })],
    ['prioritized', () => q('gamma').add('p', {}, { priority: 3 })],
    ['pause', () => q('alpha').pause()],
    ['resume', () => q('alpha').resume()],
    ['global concurrency', () => q('beta').setGlobalConcurrency(3)],
    ['global rate limit', () => q('beta').setGlobalRateLimit(10, 1000)],
    ['manual rate limit', () => q('gamma').rateLimit(60_000)],
    ['remove a job', async () => (await q('alpha').getWaiting(0, 0))[0].remove()],
    ['promote', async () => (await q('beta').getDelayed(0, 0))[0].promote()],
    ['queue name with a colon', () => admin.rpush('bull:with:colon:wait', 'c1', 'c2')],
    ['its shorter neighbour', () => q('with').add('c', {})],
    ['hostile name', () => q('ünï "q"').add('h', {})],
    ['drain', () => q('gamma').drain(true)],
    ['metrics hash by hand', () => admin.hset('bull:alpha:metrics:completed', 'count', '41')],
    ['id counter by hand', () => admin.set('bull:beta:id', '1000')],
    ['a key of the wrong type', () => admin.del('bull:gamma:active').then(() => admin.set('bull:gamma:active', 'x'))],
    ['and back', () => admin.del('bull:gamma:active')],
    ['flush the database', () => admin.flushdb()],
    ['queues again', () => Promise.all(BULL_NAMES.map((name) => q(name).add('again', {})))],
  ];
  for (const [what, step] of steps) {
    await step();
    try {
      // getJobCounts() itself fails on a key of the wrong type.
      await compare(tracked, full, what !== 'a key of the wrong type');
    } catch (err) {
      throw new Error(`after "${what}": ${(err as Error).message}`);
    }
  }
}, 30_000);

test('jobs finishing are sampled and counted as when every queue is read; more than sampleLimit at once still all arrive', async () => {
  const tracked = collector({ sampleLimit: 3 });
  const full = collector({ sampleLimit: 3, changeTracking: false });
  await compare(tracked, full);
  const worker = new Worker(
    'alpha',
    async (job: Job) => {
      if (job.data.fail) throw new Error('no');
      return 1;
    },
    { connection: bullConnection(redis.port), concurrency: 5 },
  );
  try {
    const finishedSoFar = async () => {
      const c = await q('alpha').getJobCounts('completed', 'failed', 'waiting', 'active');
      return { finished: c.completed + c.failed, busy: c.waiting + c.active };
    };
    const before = (await finishedSoFar()).finished;
    await q('alpha').addBulk(Array.from({ length: 10 }, (_, n) => ({ name: 'f', data: { fail: n % 3 === 0 } })));
    await waitFor('the 10 jobs to finish', async () => {
      const now = await finishedSoFar();
      return now.finished - before >= 10 && now.busy === 0;
    });
    await worker.pause();
    // 10 jobs finished; at most 3 per set are sampled per collection, the rest in the next ones.
    for (let i = 0; i < 4; i++) await compare(tracked, full);
    const finished = (await collectOnce(tracked)).samples(m.finished).reduce((sum, s) => sum + s.value, 0);
    expect(finished).toBeGreaterThanOrEqual(10);
  } finally {
    await worker.close();
  }
}, 30_000);

test("a kept reading's limiter counts down from when it was read and is gone once it ran out; nothing else moves", () => {
  const fields: unknown[] = [3, false, 0, 0, 0, 0, 0, 0, 0, [], false, false, '7', 2000, '5', false, false, [], []];
  const state = decodeQueueState(fields);
  expect(keptState({ state, readAtMs: 1000 }, 1000)).toBe(state);
  expect(keptState({ state, readAtMs: 1000 }, 2500)).toEqual({ ...state, limiterTtlMs: 500 });
  expect(keptState({ state, readAtMs: 1000 }, 3000)).toEqual({ ...state, limiterTtlMs: -2, limiterValue: undefined });
  const noLimiter = decodeQueueState(fields.map((v, i) => (i === 13 ? -2 : i === 14 ? false : v)));
  expect(keptState({ state: noLimiter, readAtMs: 0 }, 99_999)).toBe(noLimiter);
});

test("a rate limit's remaining time counts down on a kept reading, and ends", async () => {
  const tracked = collector();
  await q('gamma').rateLimit(1500);
  expect((await collectOnce(tracked)).get(m.rateLimited, { queue: 'gamma' })).toBe(1);
  await new Promise((r) => setTimeout(r, 1700));
  const after = await collectOnce(tracked);
  expect(after.get(m.rateLimited, { queue: 'gamma' }) ?? 0).toBe(0);
});

test('the state script reads no key of a queue outside QUEUE_KEYS (besides job hashes)', async () => {
  // Every state at once on one queue, so every branch of the script runs.
  const name = 'alpha';
  await q(name).add('w', {});
  await q(name).add('d', {}, { delay: 60_000 });
  await q(name).add('p', {}, { priority: 2 });
  await admin.rpush('bull:alpha:active', 'nope');
  await admin.zadd('bull:alpha:waiting-children', 1, 'c');
  await admin.set('bull:alpha:limiter', '1', 'PX', 10_000);
  // MONITOR on a plain socket: ioredis' monitor mode can misread a line that arrives with its OK.
  const monitor = net.connect(redis.port, '127.0.0.1');
  let lines = '';
  monitor.on('data', (chunk: Buffer) => (lines += chunk.toString('latin1')));
  monitor.write('MONITOR\r\n');
  await waitFor('MONITOR on', () => lines.startsWith('+OK'));
  try {
    await admin.eval(QUEUE_STATE_LUA, 1, 'bull:alpha:', '<1', '<1');
    await admin.eval(QUEUE_STATE_LUA, 1, 'bull:alpha:', '>0:10:x', '>0:10:x');
    await admin.ping();
    await waitFor('the PING in MONITOR', () => lines.includes('"ping"') || lines.includes('"PING"'));
  } finally {
    monitor.destroy();
    await admin.del('bull:alpha:active', 'bull:alpha:waiting-children', 'bull:alpha:limiter');
  }
  // `+<time> [0 lua] "COMMAND" "key" ...`: the second quoted word of each line the script ran.
  const keys = new Set<string>();
  for (const line of lines.split('\r\n')) {
    const key = / \[\d+ lua\] "[^"]+" "([^"]*)"/.exec(line)?.[1];
    if (key !== undefined) keys.add(key);
  }
  const jobIds = new Set((await admin.keys('bull:alpha:*')).map((k) => k.slice('bull:alpha:'.length)));
  const read = [...keys].map((k) => k.slice('bull:alpha:'.length));
  expect(read.length).toBeGreaterThan(10);
  expect(read.filter((k) => !(QUEUE_KEYS as readonly string[]).includes(k) && !jobIds.has(k) && k !== 'nope')).toEqual(
    [],
  );
  expect([...QUEUE_KEYS].filter((k) => !read.includes(k))).toEqual([]);
});

test('a restarted Redis (new data, no tracking state) is read whole again', async () => {
  const other = await startRedis();
  try {
    const tracked = collector({}, other.url);
    const queue = new Queue('alpha', { connection: bullConnection(other.port) });
    await queue.add('j', {});
    expect((await collectOnce(tracked)).get(m.jobs, { queue: 'alpha', state: 'waiting' })).toBe(1);
    await queue.close();
    await other.stop();
    await expect(collectOnce(tracked)).rejects.toThrow();
    const again = await startRedis({ port: other.port });
    try {
      const fresh = new Queue('alpha', { connection: bullConnection(again.port) });
      await fresh.addBulk([
        { name: 'a', data: {} },
        { name: 'b', data: {} },
        { name: 'c', data: {} },
      ]);
      await fresh.close();
      await new Promise((r) => setTimeout(r, 1100)); // the reconnect interval
      expect((await collectOnce(tracked)).get(m.jobs, { queue: 'alpha', state: 'waiting' })).toBe(3);
    } finally {
      await again.stop();
    }
  } finally {
    await other.stop().catch(() => undefined);
  }
}, 30_000);

test.each(['+client|tracking', '&__redis__:invalidate', '+subscribe'])(
  'a user without %s: one warning, every queue read at every scrape, still exact',
  async (right) => {
    // The documented least privileges (docs/collectors/redis.md) without that one right.
    const doc = readFileSync(path.join(__dirname, '../../../docs/collectors/redis.md'), 'utf8');
    const acl = doc
      .split('\n')
      .find((l) => l.startsWith('ACL SETUSER '))!
      .split(' ')
      .slice(3)
      .map((word) => word.replace('>PASSWORD', '>pw'))
      .filter((word) => word !== right);
    await admin.call('ACL', 'SETUSER', 'notrack', 'reset', ...acl);
    const lines: string[] = [];
    const url = `redis://notrack:pw@127.0.0.1:${redis.port}`;
    const tracked = collector(
      {},
      url,
      createLogger('debug', (line) => lines.push(line)),
    );
    const full = collector({ changeTracking: false });
    await compare(tracked, full);
    const before = await scriptCalls();
    await compare(tracked, full);
    expect((await scriptCalls()) - before).toBeGreaterThanOrEqual(2); // both read every queue
    const warnings = lines.filter((l) => l.includes('refused change tracking') && l.includes('"warn"'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('pw');
    await tracked.close();
  },
);
