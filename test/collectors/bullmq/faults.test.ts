import { Queue } from 'bullmq';
import { BullmqCollector } from '../../../src/collectors/bullmq/collector';
import { bullmqMetrics } from '../../../src/collectors/bullmq/metrics';
import { RedisCollector } from '../../../src/collectors/redis/collector';
import { redisMetrics } from '../../../src/collectors/redis/metrics';
import { createLogger, type Logger } from '../../../src/log/logger';
import { clearSecrets } from '../../../src/log/redact';
import { MetricBatch } from '../../../src/metrics/batch';
import { ScrapeRunner, type Collection } from '../../../src/runner/runner';
import { sleep } from '../../harness/process';
import { startRedis, type RedisServer } from '../../harness/redis';
import { bullConnection, testConfig } from './support';
import { renderBatch } from '../../harness/collect';

/**
 * Redis killed, restarted, frozen (SIGSTOP) and a wrong password, with the redis and bullmq
 * collectors driven by the real ScrapeRunner: every scrape returns within its budget with
 * redis_up 0 and the bullmq collector unsuccessful, the next scrape after Redis is back
 * recovers, nothing is left running, no reconnect storm, no password in any output or log.
 */

const PASSWORD = 'Redis-Secret-8086!';
const RECONNECT_MS = 200;
const BUDGET_MS = 800;

let redis: RedisServer;
const logLines: string[] = [];
const log: Logger = createLogger('debug', (line) => logLines.push(line));
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const outputs: string[] = [];

interface Pair {
  readonly runner: ScrapeRunner;
  readonly redis: RedisCollector;
  readonly bullmq: BullmqCollector;
}

function pair(url: string, password?: string): Pair {
  const config = testConfig({ collectors: { redis: { timeout: '2s' }, bullmq: { timeout: '2s' } } });
  const options = { reconnectIntervalMs: RECONNECT_MS };
  const r = new RedisCollector({ url, password }, log, options);
  const b = new BullmqCollector(
    config.collectors.bullmq,
    { url, password },
    { prefix: 'bull', queues: [] },
    log,
    options,
  );
  const runner = new ScrapeRunner(
    [
      { collector: r, timeoutMs: 2000 },
      { collector: b, timeoutMs: 2000 },
    ],
    log,
  );
  return { runner, redis: r, bullmq: b };
}

interface Scrape {
  readonly ms: number;
  readonly redisUp?: number;
  readonly bullmqOk: boolean;
  readonly errors: string;
  readonly collection: Collection;
}

async function scrape(p: Pair, budgetMs = BUDGET_MS): Promise<Scrape> {
  const started = Date.now();
  const collection = await p.runner.collect(budgetMs);
  const ms = Date.now() - started;
  const merged = new MetricBatch();
  for (const o of collection.outcomes) merged.merge(o.batch);
  outputs.push(renderBatch(merged));
  const outcome = (name: string) => collection.outcomes.find((o) => o.name === name)!;
  return {
    ms,
    redisUp: merged.get(redisMetrics.up),
    bullmqOk: outcome('bullmq').success,
    errors: collection.outcomes.map((o) => o.error ?? '').join(' | '),
    collection,
  };
}

const healthy = (s: Scrape) => s.redisUp === 1 && s.bullmqOk;
const down = (s: Scrape) => s.redisUp === 0 && !s.bullmqOk;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  redis = await startRedis({ password: PASSWORD });
  const queue = new Queue('jobs', { connection: bullConnection(redis.port, PASSWORD) });
  await queue.add('a', {});
  await queue.close();
}, 30_000);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await redis?.stop();
  clearSecrets();
});

afterEach(() => {
  expect(unhandled).toEqual([]);
  for (const text of [...logLines, ...outputs]) expect(text).not.toContain(PASSWORD);
});

test('a healthy Redis: both collectors succeed', async () => {
  const p = pair(redis.url);
  const s = await scrape(p);
  expect(healthy(s)).toBe(true);
  expect(s.collection.outcomes.find((o) => o.name === 'bullmq')!.batch.get(bullmqMetrics.queues)).toBe(1);
  await p.runner.close();
});

test('a wrong password: redis_up 0 and bullmq unsuccessful, the password nowhere', async () => {
  const p = pair(redis.url.replace(encodeURIComponent(PASSWORD), 'x'), 'Wrong-Password-123');
  const s = await scrape(p);
  expect(down(s)).toBe(true);
  expect(s.errors).toMatch(/WRONGPASS|invalid username-password/);
  expect(s.errors).not.toContain('Wrong-Password-123');
  expect(logLines.join('\n')).not.toContain('Wrong-Password-123');
  await p.runner.close();
});

test('frozen Redis (SIGSTOP): scrapes fail within the budget, nothing piles up, recovery after SIGCONT', async () => {
  const p = pair(redis.url);
  expect(healthy(await scrape(p))).toBe(true);
  const fresh = pair(redis.url); // never connected: its connect hangs too
  redis.freeze();
  try {
    for (let i = 0; i < 3; i++) {
      for (const q of [p, fresh]) {
        const s = await scrape(q);
        expect(down(s)).toBe(true);
        expect(s.ms).toBeLessThan(BUDGET_MS + 500);
        // The previous run settled: the runner never had to refuse a collector as still running.
        expect(s.errors).not.toMatch(/still running/);
      }
    }
  } finally {
    redis.thaw();
  }
  await sleep(RECONNECT_MS);
  expect(healthy(await scrape(p))).toBe(true);
  expect(healthy(await scrape(fresh))).toBe(true);
  await Promise.all([p.runner.close(), fresh.runner.close()]);
});

test('killed and restarted Redis: fast failures, bounded reconnects, state changes logged once, recovery', async () => {
  const p = pair(redis.url);
  expect(healthy(await scrape(p))).toBe(true);
  const attemptsBefore = p.redis.client.stats.connectAttempts + p.bullmq.client.stats.connectAttempts;
  const linesBefore = logLines.length;
  await redis.stop();

  const failures: Scrape[] = [];
  for (let i = 0; i < 6; i++) failures.push(await scrape(p));
  for (const s of failures) expect(down(s)).toBe(true);
  // Nothing reconnects between scrapes: at most one attempt per client per scrape.
  const attemptsDown = p.redis.client.stats.connectAttempts + p.bullmq.client.stats.connectAttempts - attemptsBefore;
  expect(attemptsDown).toBeLessThanOrEqual(2 * failures.length);
  await sleep(3 * RECONNECT_MS);
  expect(p.redis.client.stats.connectAttempts + p.bullmq.client.stats.connectAttempts - attemptsBefore).toBe(
    attemptsDown,
  );
  // One warning per client for the outage, not one per attempt.
  const lost = logLines
    .slice(linesBefore)
    .filter((l) => /"msg":"(Redis connection lost|Redis unavailable)"/.test(l) && /"level":"warn"/.test(l));
  expect(lost).toHaveLength(2);

  // A collector pair started while Redis is down fails the same way (discovery cannot run).
  const late = pair(redis.url);
  const lateScrape = await scrape(late);
  expect(down(lateScrape)).toBe(true);

  redis = await startRedis({ password: PASSWORD, port: redis.port });
  await sleep(RECONNECT_MS);
  const back = await scrape(p);
  expect(healthy(back)).toBe(true);
  expect(healthy(await scrape(late))).toBe(true);
  expect(
    logLines.slice(linesBefore).filter((l) => /Redis connection established/.test(l)).length,
  ).toBeGreaterThanOrEqual(2);
  await Promise.all([p.runner.close(), late.runner.close()]);
});
