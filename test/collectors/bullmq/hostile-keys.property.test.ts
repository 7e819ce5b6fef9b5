import fc from 'fast-check';
import { Queue, Worker, type JobType } from 'bullmq';
import Redis from 'ioredis';
import { BullmqCollector } from '../../../src/collectors/bullmq/collector';
import { bullmqMetrics as m } from '../../../src/collectors/bullmq/metrics';
import { JOB_STATES } from '../../../src/collectors/bullmq/queue-state';
import { silentLogger } from '../../../src/log/logger';
import { waitFor } from '../../harness/process';
import { startRedis, type RedisServer } from '../../harness/redis';
import { collectOnce } from '../../harness/collect';
import { bullConnection, testConfig } from './support';

/**
 * Per-queue isolation of the state reads: random Redis types are given to random BullMQ keys of
 * a few real queues (a string where a list belongs, a list where a sorted set belongs...). Every
 * queue whose keys are untouched must still report exactly what BullMQ's getJobCounts() says,
 * with bullmq_queue_read_error 0; a queue whose key has the wrong type reports read_error 1;
 * and the collection itself succeeds (bullmq_up stays 1).
 */

const PREFIX = 'bull';
const QUEUES = ['q0', 'q1', 'q2', 'q3'];
/** The type BullMQ gives each key the state script reads with a type-specific command. */
const KEY_TYPES: Readonly<Record<string, string>> = {
  wait: 'list',
  active: 'list',
  paused: 'list',
  prioritized: 'zset',
  delayed: 'zset',
  'waiting-children': 'zset',
  completed: 'zset',
  failed: 'zset',
  meta: 'hash',
  'metrics:completed': 'hash',
  'metrics:failed': 'hash',
};
/** Read with MGET, which answers nil for another type: never an error. */
const LENIENT = ['id', 'limiter'];
const TYPES = ['string', 'list', 'set', 'zset', 'hash', 'stream'] as const;

let redis: RedisServer;
let raw: Redis;
const queues = new Map<string, Queue>();
let collector: BullmqCollector;

beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis(redis.port, '127.0.0.1');
  const connection = bullConnection(redis.port);
  for (const [i, name] of QUEUES.entries()) {
    const queue = new Queue(name, { connection, prefix: PREFIX });
    queues.set(name, queue);
    await queue.addBulk([
      { name: 'ok', data: {} },
      { name: 'ok', data: {} },
      { name: 'bad', data: {} },
    ]);
    const worker = new Worker(
      name,
      async (job) => {
        if (job.name === 'bad') throw new Error('no');
      },
      { connection, prefix: PREFIX },
    );
    await waitFor(
      `${name} drained`,
      async () =>
        (await queue.getJobCounts('completed', 'failed')).failed === 1 && (await queue.getCompletedCount()) === 2,
    );
    await worker.close();
    await queue.add('later', {}, { delay: 600_000 });
    await queue.add('urgent', {}, { priority: 1 + i });
    await queue.addBulk(Array.from({ length: i + 1 }, () => ({ name: 'waiting', data: {} })));
  }
  collector = new BullmqCollector(
    testConfig().collectors.bullmq,
    { url: redis.url },
    { prefix: PREFIX, queues: QUEUES },
    silentLogger,
  );
}, 60_000);

afterAll(async () => {
  await collector?.close();
  await Promise.all([...queues.values()].map((q) => q.close()));
  raw?.disconnect();
  await redis?.stop();
});

async function writeAs(key: string, type: (typeof TYPES)[number]): Promise<void> {
  const commands: Record<(typeof TYPES)[number], (string | number)[]> = {
    string: ['set', key, 'hello'],
    list: ['rpush', key, 'a', 'b'],
    set: ['sadd', key, 'a'],
    zset: ['zadd', key, 1, 'a'],
    hash: ['hset', key, 'f', 'v'],
    stream: ['xadd', key, '*', 'f', 'v'],
  };
  const [name, ...args] = commands[type];
  await raw.call(name as string, ...args);
}

const corruption = fc.uniqueArray(
  fc.record({
    queue: fc.constantFrom(...QUEUES),
    suffix: fc.constantFrom(...Object.keys(KEY_TYPES), ...LENIENT),
    type: fc.constantFrom(...TYPES),
  }),
  { minLength: 1, maxLength: 4, selector: (c) => `${c.queue}:${c.suffix}` },
);

test('a key of the wrong type blinds only its own queue; the others equal getJobCounts()', async () => {
  await fc.assert(
    fc.asyncProperty(corruption, async (changes) => {
      const saved: [string, string | undefined][] = [];
      try {
        for (const { queue, suffix, type } of changes) {
          const key = `${PREFIX}:${queue}:${suffix}`;
          const aside = `saved:${key}`;
          const exists = (await raw.exists(key)) === 1;
          if (exists) await raw.rename(key, aside);
          saved.push([key, exists ? aside : undefined]);
          await writeAs(key, type);
        }
        const batch = await collectOnce(collector);
        const broken = new Set(
          changes.filter((c) => KEY_TYPES[c.suffix] && KEY_TYPES[c.suffix] !== c.type).map((c) => c.queue),
        );
        const touched = new Set(changes.map((c) => c.queue));
        expect(batch.get(m.queues)).toBe(QUEUES.length);
        for (const name of QUEUES) {
          if (broken.has(name)) {
            expect(batch.get(m.readError, { queue: name })).toBe(1);
            expect(batch.get(m.jobs, { queue: name, state: 'waiting' })).toBeUndefined();
          } else if (!touched.has(name)) {
            expect(batch.get(m.readError, { queue: name })).toBe(0);
            const counts = await queues.get(name)!.getJobCounts(...(JOB_STATES as unknown as JobType[]));
            for (const state of JOB_STATES)
              expect([name, state, batch.get(m.jobs, { queue: name, state })]).toEqual([
                name,
                state,
                counts[state] ?? 0,
              ]);
          }
        }
      } finally {
        for (const [key, aside] of saved.reverse()) {
          await raw.del(key);
          if (aside) await raw.rename(aside, key);
        }
      }
    }),
    { numRuns: 30 },
  );
}, 60_000);
