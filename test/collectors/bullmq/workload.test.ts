import { FlowProducer, Queue, Worker, type Job, type JobType } from 'bullmq';
import { BullmqCollector } from '../../../src/collectors/bullmq/collector';
import { bullmqMetrics as m } from '../../../src/collectors/bullmq/metrics';
import { JOB_STATES, type JobState } from '../../../src/collectors/bullmq/queue-state';
import type { MetricBatch } from '../../../src/metrics/batch';
import type { MetricDef } from '../../../src/metrics/define';
import { silentLogger } from '../../../src/log/logger';
import { promtoolCheckMetrics } from '../../harness/exporter';
import { waitFor } from '../../harness/process';
import { startRedis, type RedisServer } from '../../harness/redis';
import { collectOnce, renderBatch } from '../../harness/collect';
import { bullConnection, testConfig } from './support';

/**
 * A live BullMQ workload against a real redis-server: workers that complete, fail and retry,
 * delayed and prioritized jobs, a paused queue, a flow waiting for its children, a queue with
 * removeOnComplete, limits, and hostile queue names. The exporter must agree with BullMQ.
 */

const PREFIX = 'app:bull';
const HOSTILE = ['quote"back\\slash', 'new\nline', 'ünïcödé 🚀 名前', 'space and {braces}'];
const QUEUES = ['emails', 'reports', 'paused', 'parents', 'children', 'ephemeral', 'limited', ...HOSTILE];

let redis: RedisServer;
const queues = new Map<string, Queue>();
const workers: Worker[] = [];
let flow: FlowProducer;
let collector: BullmqCollector;

const q = (name: string) => queues.get(name)!;

async function process(job: Job): Promise<string> {
  if (job.data.fail === 'always') throw new Error(`boom ${job.data.n}: password=not-in-labels`);
  if (job.data.fail === 'once' && job.attemptsMade === 0) throw new Error('transient');
  await new Promise((r) => setTimeout(r, 5));
  return 'ok';
}

beforeAll(async () => {
  redis = await startRedis();
  const connection = bullConnection(redis.port);
  for (const name of QUEUES) queues.set(name, new Queue(name, { connection, prefix: PREFIX }));
  await Promise.all([...queues.values()].map((queue) => queue.waitUntilReady()));
  flow = new FlowProducer({ connection, prefix: PREFIX });
  collector = new BullmqCollector(
    testConfig({ collectors: { bullmq: { failedJobsKept: 5 } } }).collectors.bullmq,
    { url: redis.url },
    { prefix: PREFIX, queues: [] },
    silentLogger,
  );
}, 30_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await Promise.all([...queues.values()].map((queue) => queue.close()));
  await flow?.close();
  await collector?.close();
  await redis?.stop();
});

function startWorker(queue: string, options: { name?: string; metrics?: boolean } = {}): void {
  workers.push(
    new Worker(queue, process, {
      connection: bullConnection(redis.port),
      prefix: PREFIX,
      concurrency: 4,
      ...(options.name ? { name: options.name } : {}),
      ...(options.metrics ? { metrics: { maxDataPoints: 60 } } : {}),
    }),
  );
}

/** One sample's value, or undefined when the series is absent. */
const value = (batch: MetricBatch, def: MetricDef, labels: Record<string, string>) =>
  batch.samples(def).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

test('discovery finds every queue; the first collection places the watermarks', async () => {
  const first = await collectOnce(collector);
  expect(first.get(m.queues)).toBe(QUEUES.length); // new Queue() wrote each meta hash
  expect(first.get(m.queuesLeftOut)).toBe(0);
  for (const name of QUEUES) expect(value(first, m.jobs, { queue: name, state: 'waiting' })).toBe(0);
});

test('counts, ages, workers, limits and histograms agree with BullMQ after a live workload', async () => {
  // emails: completes, retries once, fails for good; workers keep all-time metrics.
  await q('emails').addBulk(
    Array.from({ length: 30 }, (_, n) => ({
      name: 'send',
      data: { n, fail: n % 10 === 0 ? 'always' : n % 7 === 0 ? 'once' : undefined },
      opts: { attempts: 2, backoff: { type: 'fixed', delay: 20 } },
    })),
  );
  startWorker('emails', { name: 'mailer-1', metrics: true });
  startWorker('emails', { metrics: true });
  // ephemeral: removed on completion, so the histograms can never see these jobs.
  await q('ephemeral').addBulk(
    Array.from({ length: 10 }, (_, n) => ({ name: 'tmp', data: { n }, opts: { removeOnComplete: true } })),
  );
  startWorker('ephemeral');
  // reports: no worker; waiting, delayed and prioritized jobs stay.
  await q('reports').add('now', {});
  await q('reports').add('later', {}, { delay: 3_600_000 });
  await q('reports').add('sooner', {}, { delay: 600_000 });
  for (let p = 1; p <= 3; p++) await q('reports').add('urgent', { p }, { priority: p });
  // paused: jobs stay in wait while the queue is paused.
  await q('paused').pause();
  await q('paused').addBulk([
    { name: 'a', data: {} },
    { name: 'b', data: {} },
    { name: 'c', data: {}, opts: { priority: 2 } },
  ]);
  // a flow: the parent waits for children nobody processes.
  await flow.add({
    name: 'parent',
    queueName: 'parents',
    children: [
      { name: 'child', queueName: 'children', data: {} },
      { name: 'child', queueName: 'children', data: {} },
    ],
  });
  // limits.
  await q('limited').setGlobalConcurrency(3);
  await q('limited').setGlobalRateLimit(5, 60_000);
  await q('limited').add('x', {});
  // hostile names: one job each, and a worker on the first.
  for (const name of HOSTILE) await q(name).add('h', { fail: 'always' });
  startWorker(HOSTILE[0]);

  // Quiesce: every job a worker can take has finished.
  await waitFor(
    'workload to finish',
    async () => {
      const [emails, ephemeral, hostile] = await Promise.all([
        q('emails').getJobCounts(),
        q('ephemeral').getJobCounts(),
        q(HOSTILE[0]).getJobCounts(),
      ]);
      return (
        emails.completed + emails.failed === 30 && ephemeral.waiting + ephemeral.active === 0 && hostile.failed === 1
      );
    },
    30_000,
  );

  const batch = await collectOnce(collector);
  const text = renderBatch(batch);
  expect(promtoolCheckMetrics(text)).toBe('');

  for (const name of QUEUES) {
    const counts = (await q(name).getJobCounts(...(JOB_STATES as unknown as JobType[]))) as Record<JobState, number>;
    for (const state of JOB_STATES)
      expect({ name, state, n: value(batch, m.jobs, { queue: name, state }) }).toEqual({
        name,
        state,
        n: counts[state],
      });
    expect({ name, workers: value(batch, m.workers, { queue: name }) }).toEqual({
      name,
      workers: await q(name).getWorkersCount(),
    });
    expect(value(batch, m.paused, { queue: name })).toBe((await q(name).isPaused()) ? 1 : 0);
  }
  expect(value(batch, m.workers, { queue: 'emails' })).toBe(2);
  expect(value(batch, m.paused, { queue: 'paused' })).toBe(1);
  expect(value(batch, m.jobs, { queue: 'paused', state: 'waiting' })).toBe(2);
  expect(value(batch, m.jobs, { queue: 'parents', state: 'waiting-children' })).toBe(1);
  expect(value(batch, m.jobs, { queue: 'reports', state: 'prioritized' })).toBe(3);

  // True counters only where workers keep them.
  const emailCounts = await q('emails').getJobCounts();
  expect(value(batch, m.completedTotal, { queue: 'emails' })).toBe(emailCounts.completed);
  expect(value(batch, m.failedTotal, { queue: 'emails' })).toBe(emailCounts.failed);
  expect(value(batch, m.completedTotal, { queue: 'ephemeral' })).toBeUndefined();
  expect(text).not.toMatch(/bullmq_job_completed_total\{queue="ephemeral"\}/);
  expect(value(batch, m.addedTotal, { queue: 'emails' })).toBe(30);

  // Ages and due times.
  expect(value(batch, m.oldestWaitingAge, { queue: 'reports' })).toBeGreaterThan(0);
  expect(value(batch, m.oldestWaitingAge, { queue: 'reports' })).toBeLessThan(60);
  const [nextDelayed] = await q('reports').getDelayed(0, 0);
  const delayedJobs = await q('reports').getDelayed();
  const due = Math.min(...delayedJobs.map((j) => j.timestamp + j.delay)) / 1000;
  expect(value(batch, m.nextDelayedDue, { queue: 'reports' })).toBeCloseTo(due, 2);
  expect(nextDelayed).toBeDefined();
  expect(value(batch, m.oldestWaitingAge, { queue: 'emails' })).toBe(0);
  expect(value(batch, m.oldestActiveAge, { queue: 'emails' })).toBe(0);

  // Limits.
  expect(value(batch, m.globalConcurrency, { queue: 'limited' })).toBe(await q('limited').getGlobalConcurrency());
  expect(value(batch, m.rateLimitMax, { queue: 'limited' })).toBe(5);
  expect(value(batch, m.rateLimitDuration, { queue: 'limited' })).toBe(60);
  expect(value(batch, m.rateLimited, { queue: 'limited' })).toBe(0);
  expect(value(batch, m.rateLimited, { queue: 'emails' })).toBeUndefined();
  // A manual rate limit (what a worker's RateLimitError sets) holds the queue without meta.max.
  await q('reports').rateLimit(60_000);
  const limited = await collectOnce(collector);
  expect(value(limited, m.rateLimited, { queue: 'reports' })).toBe(1);
  expect(value(limited, m.rateLimitMax, { queue: 'reports' })).toBeUndefined();
  await q('reports').removeRateLimitKey();

  // Histograms: every job finished since the first collection, once; none of the removed ones.
  const histogramCount = (def: typeof m.waitDuration, queue: string) => batch.histogram(def, { queue })?.count;
  expect(histogramCount(m.waitDuration, 'emails')).toBe(emailCounts.completed + emailCounts.failed);
  expect(histogramCount(m.processingDuration, 'emails')).toBe(30);
  // Its jobs are removed on completion, so none is seen finishing: no histogram series at all (not an empty one).
  expect(histogramCount(m.waitDuration, 'ephemeral')).toBeUndefined();
  expect(histogramCount(m.waitDuration, HOSTILE[0])).toBe(1);
  // The sampled finished counter splits the same jobs by outcome, with or without BullMQ's metrics option.
  expect(value(batch, m.finished, { queue: 'emails', status: 'completed' })).toBe(emailCounts.completed);
  expect(value(batch, m.finished, { queue: 'emails', status: 'failed' })).toBe(emailCounts.failed);
  expect(value(batch, m.finished, { queue: 'ephemeral', status: 'completed' })).toBe(0);

  // A second collection with nothing new finished observes nothing more.
  const again = await collectOnce(collector);
  expect(again.histogram(m.waitDuration, { queue: 'emails' })?.count).toBe(30);

  // Failed jobs, outside /metrics.
  const failures = collector.recentFailures('emails');
  expect(failures).toHaveLength(3);
  expect(failures[0]).toMatchObject({
    name: 'send',
    attemptsMade: 2,
    failedReason: expect.stringMatching(/^boom \d+/),
  });
  expect(failures[0].finishedOn!).toBeGreaterThanOrEqual(failures[2].finishedOn!);
  expect(text).not.toContain('boom');
});
