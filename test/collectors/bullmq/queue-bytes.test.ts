import Redis from 'ioredis';
import { BullmqCollector } from '../../../src/collectors/bullmq/collector';
import { bullmqMetrics as m } from '../../../src/collectors/bullmq/metrics';
import { queueLabel, uniqueLabels } from '../../../src/collectors/bullmq/queue-name';
import { silentLogger } from '../../../src/log/logger';
import { promtoolCheckMetrics } from '../../harness/exporter';
import { startRedis, type RedisServer } from '../../harness/redis';
import { collectOnce, renderBatch } from '../../harness/collect';
import { testConfig } from './support';

/**
 * Keys as bytes end to end: a queue whose name is not valid UTF-8 (written by another client) is
 * discovered and read under its exact bytes; its label is valid UTF-8 (U+FFFD, then ~ and a
 * digest), and the queue named with that decoded text stays a separate series.
 */

let redis: RedisServer;
let raw: Redis;

const INVALID = Buffer.from([0xff, 0xfe, 0x71]); // \xff\xfe q: not UTF-8
const LOOKALIKE = INVALID.toString('utf8'); // "\uFFFD\uFFFDq": valid UTF-8, what a UTF-8 decoder shows

/** A queue's wait list and meta hash, written byte for byte, with `jobs` waiting jobs. */
async function writeQueue(name: Buffer, jobs: number): Promise<void> {
  const key = (suffix: string) => Buffer.concat([Buffer.from('bull:'), name, Buffer.from(`:${suffix}`)]);
  await raw.hset(key('meta'), 'opts.maxLenEvents', '10000');
  for (let i = 1; i <= jobs; i++) {
    await raw.hset(key(String(i)), 'timestamp', String(Date.now() - 1000), 'name', 'x', 'data', '{}', 'opts', '{}');
    await raw.lpush(key('wait'), String(i));
  }
}

beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis(redis.port, '127.0.0.1');
  await writeQueue(INVALID, 2);
  await writeQueue(Buffer.from(LOOKALIKE, 'utf8'), 1);
  await writeQueue(Buffer.from('plain'), 3);
}, 30_000);

afterAll(async () => {
  raw?.disconnect();
  await redis?.stop();
});

test('labels: valid UTF-8 unchanged; invalid bytes replaced and marked by a digest; never shared', () => {
  expect(queueLabel(Buffer.from('ünï 🚀').toString('latin1'))).toBe('ünï 🚀');
  const invalid = queueLabel(INVALID.toString('latin1'));
  expect(invalid).toMatch(/^\uFFFD\uFFFDq~[0-9a-f]{8}$/);
  const labels = uniqueLabels([INVALID.toString('latin1'), Buffer.from(LOOKALIKE).toString('latin1')]);
  expect(new Set(labels.values()).size).toBe(2);
});

test('a queue named with bytes that are not UTF-8 is discovered and read exactly, apart from its look-alike', async () => {
  const collector = new BullmqCollector(
    testConfig().collectors.bullmq,
    { url: redis.url },
    { prefix: 'bull', queues: [] },
    silentLogger,
  );
  try {
    const batch = await collectOnce(collector);
    expect(batch.get(m.queues)).toBe(3);
    const waiting = new Map(
      batch
        .samples(m.jobs)
        .filter((s) => s.labels.state === 'waiting')
        .map((s) => [s.labels.queue, s.value]),
    );
    const invalidLabel = queueLabel(INVALID.toString('latin1'));
    expect(waiting.get(invalidLabel)).toBe(2);
    expect(waiting.get(LOOKALIKE)).toBe(1);
    expect(waiting.get('plain')).toBe(3);
    const text = renderBatch(batch);
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
    expect(promtoolCheckMetrics(text)).toBe('');
  } finally {
    await collector.close();
  }
});
