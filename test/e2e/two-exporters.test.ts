/**
 * Two replicas of the exporter on one Redis (two pods behind one service): each samples every
 * finished job, so each one's counters and histograms hold every job, and a sum across them holds
 * each job twice. Real BullMQ workers finish a known number of jobs; a real Prometheus scrapes
 * both replicas with the SHIPPED prometheus.yml (only addresses changed) and evaluates the SHIPPED
 * recording rules: the count-once rules and the dashboard's throughput query give the real number
 * of jobs, not double.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { parse, stringify } from 'yaml';
import { ROOT, startExporter, type ExporterProcess } from '../harness/exporter';
import { Child, sleep, waitFor } from '../harness/process';
import { startPrometheus, type PromServer } from '../harness/prometheus';
import { startRedis, type RedisServer } from '../harness/redis';
import { committedDashboard } from '../monitoring/committed-dashboard';

jest.setTimeout(300_000);

const shipped = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');
const JOBS = 240;
/** Every sixth job throws (one attempt): 200 completed, 40 failed for good. */
const FAILED = JOBS / 6;
const COMPLETED = JOBS - FAILED;
/** The shipped rate window (5m): rate x window is the count the rule stands for. */
const WINDOW_SECONDS = 300;

let redis: RedisServer;
let exporters: ExporterProcess[];
let prom: PromServer;
let queue: Queue;
let worker: Child | undefined;

function shippedPrometheusYaml(promPort: number, exporterTargets: string[]): string {
  type Job = { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: unknown };
  const config = parse(shipped('prometheus/prometheus.yml')) as {
    rule_files: string[];
    alerting?: unknown;
    scrape_configs: Job[];
  };
  config.rule_files = ['jobstack-recording.yml'];
  delete config.alerting; // no Alertmanager here: only the recording rules matter
  config.scrape_configs = config.scrape_configs.filter((j) => j.job_name === 'jobstack' || j.job_name === 'prometheus');
  for (const job of config.scrape_configs)
    job.static_configs![0].targets = job.job_name === 'jobstack' ? exporterTargets : [`127.0.0.1:${promPort}`];
  return stringify(config);
}

const value = async (expr: string): Promise<number[]> => (await prom.query(expr)).map((s) => Number(s.value[1]));

beforeAll(async () => {
  redis = await startRedis();
  queue = new Queue('orders', { connection: { host: '127.0.0.1', port: redis.port } });
  await queue.waitUntilReady();
  const env = { REDIS_URL: redis.url, BULLMQ_QUEUES: 'orders' };
  exporters = await Promise.all([startExporter([], env), startExporter([], env)]);
  prom = await startPrometheus(
    (port) =>
      shippedPrometheusYaml(
        port,
        exporters.map((e) => new URL(e.url).host),
      ),
    { 'jobstack-recording.yml': shipped('prometheus/rules/jobstack-recording.yml') },
  );
});

afterAll(async () => {
  await worker?.stop();
  await Promise.race([queue?.close(), sleep(3000)]);
  await prom?.stop();
  await Promise.allSettled((exporters ?? []).map((e) => e.stop()));
  await redis?.stop();
});

test('two exporters on one Redis: each counts every job; the shipped rules and panels count them once', async () => {
  // Both replicas have read the queue once (their watermark is placed): they count every job from now on.
  await waitFor(
    'both replicas scraped with the queue at 0 finished jobs',
    async () => (await prom.query('bullmq_jobs_finished_total{queue="orders",status="completed"} == 0')).length === 2,
    60_000,
    500,
  );

  await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'ship', data: { i } })));
  const script = `const { Worker } = require('bullmq');
new Worker('orders', async (job) => {
  await new Promise((r) => setTimeout(r, 20));
  if (job.data.i % 6 === 5) throw new Error('planned failure');
}, { connection: { host: '127.0.0.1', port: ${redis.port} }, concurrency: 8 });`;
  worker = Child.start(process.execPath, ['-e', script], { cwd: ROOT, env: { PATH: process.env.PATH } });
  await waitFor(
    'the worker finished every job',
    async () => {
      const counts = await queue.getJobCounts('completed', 'failed');
      return counts.completed === COMPLETED && counts.failed === FAILED;
    },
    60_000,
    250,
  );

  // Each replica saw every job: its own counters and histogram counts are the real numbers.
  const sel = 'job="jobstack",queue="orders"';
  await waitFor(
    'both replicas counted every job',
    async () =>
      (await prom.query(`bullmq_jobs_finished_total{${sel},status="completed"} == ${COMPLETED}`)).length === 2 &&
      (await prom.query(`bullmq_jobs_finished_total{${sel},status="failed"} == ${FAILED}`)).length === 2,
    60_000,
    500,
  );
  expect(await value(`bullmq_job_processing_duration_seconds_count{${sel}}`)).toEqual([JOBS, JOBS]);
  // The naive sum across replicas is double: what the shipped rules and panels must not do.
  expect(await value(`sum(bullmq_jobs_finished_total{${sel}})`)).toEqual([2 * JOBS]);

  // A rate over 80 s or more of samples: the extrapolation to the window end (at most 11 s) stays under 14%.
  await waitFor(
    'a minute of samples from both replicas',
    async () =>
      (await prom.query(`count_over_time(bullmq_jobs_finished_total{${sel},status="completed"}[5m]) >= 9`)).length ===
      2,
    90_000,
    1000,
  );
  await sleep(11_000); // one more rule evaluation after that
  const [completedOnce] = await value('job_queue:bullmq_jobs_completed:rate5m{queue="orders"}');
  const [failedOnce] = await value('job_queue:bullmq_jobs_failed:rate5m{queue="orders"}');
  const [perInstanceSum] = await value('sum(instance_queue:bullmq_jobs_completed:rate5m{queue="orders"})');

  // The dashboard's "Job throughput" query (committed JSON), all instances and queues selected.
  const throughput = committedDashboard('jobstack-overview.json').panels.find((p) => p.title === 'Job throughput')!;
  const panelExpr = (refId: string) =>
    throughput
      .targets!.find((t) => t.refId === refId)!
      .expr.replaceAll('$instance', '.*')
      .replaceAll('$queue', '.*')
      .replaceAll('$__rate_interval', '5m');
  const [panelCompleted] = await value(panelExpr('A'));
  const [panelFailed] = await value(panelExpr('B'));

  const counted = {
    completedRule: completedOnce * WINDOW_SECONDS,
    failedRule: failedOnce * WINDOW_SECONDS,
    completedPanel: panelCompleted * WINDOW_SECONDS,
    failedPanel: panelFailed * WINDOW_SECONDS,
    completedSummedAcrossReplicas: perInstanceSum * WINDOW_SECONDS,
  };
  process.stdout.write(`two replicas, ${COMPLETED} completed and ${FAILED} failed jobs: ${JSON.stringify(counted)}\n`);
  const aboutOnce = (count: number, real: number) => {
    expect(count).toBeGreaterThanOrEqual(real * 0.99);
    expect(count).toBeLessThanOrEqual(real * 1.17);
  };
  aboutOnce(counted.completedRule, COMPLETED);
  aboutOnce(counted.failedRule, FAILED);
  aboutOnce(counted.completedPanel, COMPLETED);
  aboutOnce(counted.failedPanel, FAILED);
  expect(counted.completedSummedAcrossReplicas).toBeGreaterThanOrEqual(2 * COMPLETED * 0.99);
});
