/**
 * Native histograms end to end: Debian's Prometheus with `--enable-feature=native-histograms`
 * negotiates the protobuf exposition with the real exporter watching a real BullMQ workload; the
 * job duration histograms arrive as one native series each, their quantiles match the durations
 * BullMQ recorded, every other metric arrives too, and a scraper that asks for text still gets text.
 */
import { Queue, Worker } from 'bullmq';
import { withOverrides } from '../../monitoring/config';
import { queueRecordingRules } from '../../monitoring/rules/queues';
import { bullmqMetrics as b } from '../../src/collectors/bullmq/metrics';
import { startExporter, type ExporterProcess } from '../harness/exporter';
import { sleep, waitFor } from '../harness/process';
import { startPrometheus, type PromServer } from '../harness/prometheus';
import { startRedis, type RedisServer } from '../harness/redis';
import { bullConnection } from '../collectors/bullmq/support';

jest.setTimeout(120_000);

const QUEUE = 'native';
/** Processing times in ms, 12% apart: each lands in its own native bucket (9% wide at schema 3). */
const SLEEPS = Array.from({ length: 40 }, (_, k) => Math.round(20 * 1.12 ** k));

let redis: RedisServer;
let exporter: ExporterProcess;
let prom: PromServer;
let queue: Queue;
let worker: Worker | undefined;

beforeAll(async () => {
  redis = await startRedis();
  queue = new Queue(QUEUE, { connection: bullConnection(redis.port) });
  await queue.waitUntilReady();
  exporter = await startExporter(['--no-collector.host'], { REDIS_URL: redis.url, BULLMQ_QUEUES: QUEUE });
  const target = new URL(exporter.url).host;
  prom = await startPrometheus(
    `global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n  - job_name: jobstack\n    static_configs: [{targets: ['${target}']}]\n`,
    {},
    ['--enable-feature=native-histograms'],
  );
  // The exporter's first collection places the watermark: jobs finished before it are not observed.
  await waitFor('a first scrape', async () => (await prom.query(`${b.up.name}`)).length > 0, 30_000, 250);
}, 60_000);

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await Promise.all([prom?.stop(), exporter?.stop()]);
  await redis?.stop();
});

/** The observation `histogram_quantile(q)` falls on: the ceil(q * n)-th smallest. */
const nth = (sorted: readonly number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];

test('Prometheus with native histograms scrapes protobuf: one native series per histogram, quantiles match the real durations', async () => {
  await queue.addBulk(SLEEPS.map((ms, i) => ({ name: 'sleep', data: { ms }, opts: { jobId: `j${i}` } })));
  worker = new Worker(QUEUE, async (job) => sleep(job.data.ms as number), {
    connection: bullConnection(redis.port),
    concurrency: 10,
  });
  await waitFor(
    'every job completed',
    async () => (await queue.getJobCounts()).completed === SLEEPS.length,
    60_000,
    200,
  );
  const series = `${b.processingDuration.name}{queue="${QUEUE}"}`;
  await waitFor(
    'Prometheus to hold every job',
    async () => Number((await prom.query(`histogram_count(${series})`))[0]?.value[1]) === SLEEPS.length,
    30_000,
    250,
  );

  const seconds = (await queue.getCompleted(0, -1))
    .map((j) => (j.finishedOn! - j.processedOn!) / 1000)
    .sort((x, y) => x - y);
  expect(seconds).toHaveLength(SLEEPS.length);
  for (const q of [0.5, 0.9, 0.99]) {
    const [sample] = await prom.query(`histogram_quantile(${q}, ${series})`);
    const estimate = Number(sample.value[1]);
    // Within the native bucket of the true quantile: 2^(1/8) = 9% wide.
    expect({ q, relativeError: Math.abs(estimate - nth(seconds, q)) / nth(seconds, q) < 0.1 }).toEqual({
      q,
      relativeError: true,
    });
  }
  const total = seconds.reduce((x, y) => x + y, 0);
  expect(Number((await prom.query(`histogram_sum(${series})`))[0].value[1])).toBeCloseTo(total, 6);

  // One series per histogram: no _bucket/_sum/_count series besides it.
  const names = await prom.query(
    `count by (__name__) ({__name__=~"bullmq_job_(wait|processing)_duration_seconds.*",queue="${QUEUE}"})`,
  );
  expect(names.map((n) => n.metric.__name__).sort()).toEqual([b.processingDuration.name, b.waitDuration.name]);

  // Everything else arrived in the same protobuf scrape: gauges, counters, info, process metrics.
  const value = async (expr: string) => Number((await prom.query(expr))[0]?.value[1]);
  expect(await value(`${b.jobs.name}{queue="${QUEUE}",state="completed"}`)).toBe(SLEEPS.length);
  expect(await value(`${b.addedTotal.name}{queue="${QUEUE}"}`)).toBe(SLEEPS.length);
  expect(await value(`${b.finished.name}{queue="${QUEUE}",status="completed"}`)).toBe(SLEEPS.length);
  expect(await value('jobstack_exporter_build_info')).toBe(1);
  expect(await value('process_resident_memory_bytes')).toBeGreaterThan(0);
  expect((await prom.query('nodejs_gc_duration_seconds_count')).length).toBeGreaterThan(0); // a classic histogram, kept classic
  expect(await value(`up{job="jobstack"}`)).toBe(1);

  // The mixin's recording rule reads the native series (its classic half has nothing here).
  const cfg = withOverrides({ rateWindow: '1m' });
  const rule = queueRecordingRules(cfg).find((r) => r.record.includes('processing') && r.labels?.quantile === '0.5')!;
  expect(await prom.query(rule.expr)).toHaveLength(1);
});

test('a scraper that asks for text still gets text, with classic buckets', async () => {
  const text = await exporter.scrape({ accept: 'text/plain;version=0.0.4' });
  expect(text).toContain(`${b.processingDuration.name}_bucket{queue="${QUEUE}",le="+Inf"} ${SLEEPS.length}`);
  const res = await fetch(`${exporter.url}/metrics`, {
    headers: { accept: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited' },
  });
  expect(res.headers.get('content-type')).toBe(
    'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
  );
});
