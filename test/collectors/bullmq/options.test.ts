import Redis from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { BullmqCollector } from '../../../src/collectors/bullmq/collector';
import type { BullmqCollectorConfig } from '../../../src/collectors/bullmq/config';
import { bullmqMetrics as m } from '../../../src/collectors/bullmq/metrics';
import { silentLogger } from '../../../src/log/logger';
import type { MetricBatch } from '../../../src/metrics/batch';
import { toExpositionFamily } from '../../../src/metrics/render';
import { waitFor } from '../../harness/process';
import { startRedis, type RedisServer } from '../../harness/redis';
import { collectOnce } from '../../harness/collect';
import { bullConnection, testConfig } from './support';

/** The collector's settings against a real Redis: static queues, the cap, call sizes, sampling limits, script reloads. */

const NAMES = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7'];
let redis: RedisServer;
let admin: Redis;
const queues: Queue[] = [];
const open: BullmqCollector[] = [];

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis({ port: redis.port });
  for (const [i, name] of NAMES.entries()) {
    const queue = new Queue(name, { connection: bullConnection(redis.port) });
    queues.push(queue);
    await queue.addBulk(Array.from({ length: i + 1 }, (_, n) => ({ name: 'j', data: { n } })));
  }
}, 30_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await Promise.all(queues.map((q) => q.close()));
  admin?.disconnect();
  await redis?.stop();
});

function collector(settings: Partial<BullmqCollectorConfig> = {}, queueList: string[] = []): BullmqCollector {
  const config = { ...testConfig().collectors.bullmq, ...settings };
  const c = new BullmqCollector(config, { url: redis.url }, { prefix: 'bull', queues: queueList }, silentLogger());
  open.push(c);
  return c;
}

const waiting = (batch: MetricBatch) =>
  Object.fromEntries(
    batch
      .samples(m.jobs)
      .filter((s) => s.labels.state === 'waiting')
      .map((s) => [s.labels.queue, s.value]),
  );

test('small calls sent one at a time read the same as one round trip, at one round trip per call', async () => {
  // Without change tracking every collection reads every queue (changes.test.ts: with it).
  const oneTrip = collector({ changeTracking: false });
  const stepwise = collector({ queuesPerCall: 2, callsInFlight: 1, changeTracking: false });
  const a = await collectOnce(oneTrip);
  const b = await collectOnce(stepwise);
  expect(waiting(b)).toEqual(waiting(a));
  expect(waiting(a)).toEqual({ q1: 1, q2: 2, q3: 3, q4: 4, q5: 5, q6: 6, q7: 7 });
  const before = { one: oneTrip.client.stats.roundTrips, step: stepwise.client.stats.roundTrips };
  await collectOnce(oneTrip);
  await collectOnce(stepwise);
  expect(oneTrip.client.stats.roundTrips - before.one).toBe(1);
  // CLIENT LIST and 4 script calls of at most 2 queues, one after the other.
  expect(stepwise.client.stats.roundTrips - before.step).toBe(5);
});

test('maxQueues keeps the first queues by name and counts the rest', async () => {
  const batch = await collectOnce(collector({ maxQueues: 3 }));
  expect(batch.get(m.queues)).toBe(3);
  expect(batch.get(m.queuesLeftOut)).toBe(4);
  expect(Object.keys(waiting(batch))).toEqual(['q1', 'q2', 'q3']);
  expect(batch.get(m.discoveryLastSuccess)).toBeGreaterThan(Date.now() / 1000 - 60);
});

test('configured queues are read as listed, without discovery; a queue that does not exist reads as empty', async () => {
  const batch = await collectOnce(collector({}, ['q2', 'nope', 'q2']));
  expect(waiting(batch)).toEqual({ q2: 2, nope: 0 });
  expect(batch.get(m.queuesLeftOut)).toBeUndefined();
  expect(batch.get(m.discoveryLastSuccess)).toBeUndefined();
});

test('after SCRIPT FLUSH (or a Redis restart) the scripts are loaded again within the scrape', async () => {
  const c = collector({}, ['q3']);
  await collectOnce(c);
  await admin.script('FLUSH');
  expect(waiting(await collectOnce(c))).toEqual({ q3: 3 });
});

test('sampleLimit spreads a burst of finished jobs over scrapes, each counted once', async () => {
  const c = collector({ sampleLimit: 2 }, ['burst']);
  const queue = new Queue('burst', { connection: bullConnection(redis.port) });
  queues.push(queue);
  await collectOnce(c); // watermark on the empty sets
  await queue.addBulk(Array.from({ length: 5 }, (_, n) => ({ name: 'j', data: { n } })));
  const worker = new Worker('burst', async () => 'ok', { connection: bullConnection(redis.port) });
  await waitFor('burst processed', async () => (await queue.getJobCounts()).completed === 5);
  await worker.close();
  const counts: number[] = [];
  for (let i = 0; i < 4; i++) {
    const batch = await collectOnce(c);
    counts.push(batch.histogram(m.waitDuration, { queue: 'burst' })!.count);
  }
  expect(counts).toEqual([2, 4, 5, 5]);
});

/** Exposed samples (lines of /metrics) carrying queue="<queue>". */
function samplesOfQueue(batch: MetricBatch, queue: string): number {
  return [...batch.families.values()]
    .map(toExpositionFamily)
    .reduce((n, f) => n + f.samples.filter((s) => s.labels.queue === queue).length, 0);
}

test('histograms: per-queue appear with the first finished job and stay; total is one pair for all queues; off has none', async () => {
  const names = ['h1', 'h2'];
  const modes = {
    perQueue: collector({}, names),
    total: collector({ histograms: 'total' }, names),
    off: collector({ histograms: 'off' }, names),
  };
  const h1 = new Queue('h1', { connection: bullConnection(redis.port) });
  queues.push(h1, new Queue('h2', { connection: bullConnection(redis.port) }));
  await h1.addBulk(Array.from({ length: 3 }, (_, n) => ({ name: 'j', data: { n } })));
  const first = {
    perQueue: await collectOnce(modes.perQueue),
    total: await collectOnce(modes.total),
    off: await collectOnce(modes.off),
  };
  // Nothing finished yet: no histogram series per queue, at most 16 samples per queue whatever the mode.
  for (const batch of Object.values(first)) expect(samplesOfQueue(batch, 'h1')).toBe(16);
  expect(first.perQueue.families.get(m.waitDuration.name)).toBeUndefined();
  expect(first.total.families.get(m.waitDuration.name)?.histograms.get('')?.value.count).toBe(0);
  expect(first.off.families.get(m.waitDuration.name)).toBeUndefined();

  const worker = new Worker('h1', async () => 'ok', { connection: bullConnection(redis.port) });
  await waitFor('h1 processed', async () => (await h1.getJobCounts()).completed === 3);
  await worker.close();
  const buckets = testConfig().collectors.bullmq.histogramBuckets.length;
  const later = {
    perQueue: await collectOnce(modes.perQueue),
    total: await collectOnce(modes.total),
    off: await collectOnce(modes.off),
  };
  expect(later.perQueue.histogram(m.processingDuration, { queue: 'h1' })?.count).toBe(3);
  expect(later.perQueue.histogram(m.processingDuration, { queue: 'h2' })).toBeUndefined();
  expect(samplesOfQueue(later.perQueue, 'h1')).toBe(16 + 2 * (buckets + 3));
  expect(samplesOfQueue(later.perQueue, 'h2')).toBe(16);
  expect(later.total.families.get(m.processingDuration.name)?.histograms.get('')?.value.count).toBe(3);
  expect(samplesOfQueue(later.total, 'h1')).toBe(16);
  expect(later.off.families.get(m.processingDuration.name)).toBeUndefined();
  for (const batch of Object.values(later)) expect(batch.get(m.finished, { queue: 'h1', status: 'completed' })).toBe(3);

  // Nothing more finishes: the per-queue histograms stay, unchanged.
  const quiet = await collectOnce(modes.perQueue);
  expect(quiet.histogram(m.waitDuration, { queue: 'h1' })?.count).toBe(3);
});

test('data left by BullMQ < 5: a "0:" marker at the wait tail is not a job, the legacy paused list counts as paused', async () => {
  const queue = new Queue('legacy', { connection: bullConnection(redis.port) });
  queues.push(queue);
  await queue.add('j', {});
  await admin.rpush('bull:legacy:wait', '0:0');
  await admin.lpush('bull:legacy:paused', 'old-1', 'old-2');
  const c = collector({}, ['legacy']);
  const batch = await collectOnce(c);
  const count = (state: string) => batch.get(m.jobs, { queue: 'legacy', state });
  // Read ours first: getJobCounts() pops the marker as it counts.
  const bull = await queue.getJobCounts('waiting', 'paused' as never);
  expect(count('waiting')).toBe(bull.waiting);
  expect(count('waiting')).toBe(1);
  expect(count('paused')).toBe(bull.paused);
  expect(count('paused')).toBe(2);
  expect(batch.get(m.oldestWaitingAge, { queue: 'legacy' })).toBeGreaterThanOrEqual(0);
  expect(batch.get(m.oldestWaitingAge, { queue: 'legacy' })).toBeLessThan(60);
});

test('a rediscovery that finds the same queues keeps their label sets: nothing is rebuilt', async () => {
  const c = collector({ discoveryInterval: 1000 });
  const first = await collectOnce(c);
  const discoveredAt = first.get(m.discoveryLastSuccess)!;
  let again = first;
  await waitFor(
    'a second discovery',
    async () => {
      again = await collectOnce(c);
      return again.get(m.discoveryLastSuccess)! > discoveredAt;
    },
    10_000,
    200,
  );
  const labelsOf = (batch: MetricBatch) => batch.samples(m.paused).map((s) => s.labels);
  expect(labelsOf(again).length).toBeGreaterThanOrEqual(NAMES.length);
  expect(labelsOf(again)).toHaveLength(labelsOf(first).length);
  labelsOf(again).forEach((labels, i) => expect(labels).toBe(labelsOf(first)[i]));
});
