import { bullmqMetrics as b } from '../../src/collectors/bullmq/metrics';
import type { MixinConfig, QueueThresholds } from '../config';
import { rate, sel } from '../promql';
import type { AlertRule, RecordingRule } from './types';

/** Recording rule names the alerts, the health score and the dashboard share. */
export const Q = {
  completed: 'instance_queue:bullmq_jobs_completed:rate5m',
  failed: 'instance_queue:bullmq_jobs_failed:rate5m',
  failureRatio: 'instance_queue:bullmq_jobs_failure:ratio_rate5m',
  backlog: 'instance_queue:bullmq_backlog:sum',
  waitQuantile: 'instance_queue_quantile:bullmq_job_wait_duration_seconds:histogram_quantile',
  processingQuantile: 'instance_queue_quantile:bullmq_job_processing_duration_seconds:histogram_quantile',
} as const;

/** States that are work not started yet. */
export const BACKLOG_STATES = 'waiting|prioritized|delayed';
const QUANTILES = ['0.5', '0.95', '0.99'] as const;

/**
 * Completed or failed jobs per second: BullMQ's own all-time counters where workers keep them
 * (exact), else the exporter's sampled count of finished jobs.
 */
function finishedRate(cfg: MixinConfig, status: 'completed' | 'failed'): string {
  const exact = status === 'completed' ? b.completedTotal : b.failedTotal;
  return `sum by (instance, queue) (${rate(cfg, exact)}) or sum by (instance, queue) (${rate(cfg, b.finished, cfg.rateWindow, `status="${status}"`)})`;
}

export function queueRecordingRules(cfg: MixinConfig): RecordingRule[] {
  const quantiles = (record: string, metric: string) =>
    QUANTILES.map((q) => ({
      record,
      labels: { quantile: q },
      expr: `histogram_quantile(${q}, sum by (instance, queue, le) (rate(${metric}_bucket{${cfg.selector}}[${cfg.rateWindow}])))`,
    }));
  return [
    { record: Q.completed, expr: finishedRate(cfg, 'completed') },
    { record: Q.failed, expr: finishedRate(cfg, 'failed') },
    // No ratio for a queue that finished nothing in the window (0/0 is not 0% failing).
    { record: Q.failureRatio, expr: `${Q.failed} / (${Q.completed} + ${Q.failed} > 0)` },
    { record: Q.backlog, expr: `sum by (instance, queue) (${sel(cfg, b.jobs, `state=~"${BACKLOG_STATES}"`)})` },
    ...quantiles(Q.waitQuantile, b.waitDuration.name),
    ...quantiles(Q.processingQuantile, b.processingDuration.name),
  ];
}

const escapeRegex = (s: string) => s.replace(/[\\.*+?^${}()|[\]"]/g, (c) => (c === '"' ? '\\"' : `\\\\${c}`));

/**
 * `metric{matchers} > threshold` with per-queue overrides: the default for every queue not
 * overridden, then one term per overridden queue.
 */
function aboveThreshold(cfg: MixinConfig, metric: string, matchers: string, key: keyof QueueThresholds): string {
  const series = (queueMatcher: string) => {
    const all = [matchers, queueMatcher].filter(Boolean).join(',');
    return all ? `${metric}{${all}}` : metric;
  };
  const overridden = Object.entries(cfg.queues.overrides).filter(([, o]) => o[key] !== undefined);
  if (!overridden.length) return `${series('')} > ${cfg.queues[key]}`;
  const names = overridden.map(([q]) => escapeRegex(q)).join('|');
  const quoted = (q: string) => q.replace(/["\\]/g, '\\$&');
  return [`${series(`queue!~"${names}"`)} > ${cfg.queues[key]}`, ...overridden.map(([q, o]) => `${series(`queue="${quoted(q)}"`)} > ${o[key]}`)].join(' or ');
}

export function queueAlerts(cfg: MixinConfig): AlertRule[] {
  const failureRunbook = {
    meaning: 'A large share of the jobs that finished on this queue failed (after their retries). Users see missing results: images not processed, e-mails not sent.',
    checks: [
      'Recent failures on the built-in dashboard (`/dashboard`): the failedReason of the latest failed jobs.',
      'Whether a dependency the jobs call (API, database, S3) is down or rate limiting.',
      'Whether a deploy changed the job code or payload shape at the time the ratio rose.',
    ] as const,
    fix: 'Fix the cause, then retry the failed jobs (Queue.retryJobs or the admin UI). Add backoff for transient errors.',
  };
  return [
    {
      alert: 'QueueNoWorkers',
      expr: `${Q.backlog} > 0 and on (instance, queue) ${sel(cfg, b.workers)} == 0`,
      for: cfg.for.noWorkers,
      severity: 'critical',
      component: 'queue',
      summary: 'Queue has jobs and no worker',
      description: 'Queue {{ $labels.queue }} on {{ $labels.instance }} has {{ $value }} jobs waiting and no worker connected.',
      runbook: {
        meaning: 'Jobs are waiting but no worker is connected to the queue, so nothing will process them. The backlog only grows.',
        checks: [
          'Are the worker processes running? (`systemctl status`, `kubectl get pods`, `docker compose ps`).',
          'Worker logs: crash loops, failed Redis connections (wrong REDIS_URL, auth), out-of-memory kills.',
          'Whether a deploy renamed the queue or changed the BullMQ prefix the workers use.',
        ],
        fix: 'Start or fix the workers. Jobs wait safely in Redis meanwhile; they run when workers come back.',
      },
    },
    {
      alert: 'QueueBacklogHigh',
      expr: aboveThreshold(cfg, Q.backlog, '', 'backlog'),
      for: cfg.for.backlog,
      severity: 'warning',
      component: 'queue',
      summary: 'Queue backlog above its threshold',
      description: `Queue {{ $labels.queue }} on {{ $labels.instance }} has {{ $value }} jobs waiting, prioritized or delayed (threshold ${cfg.queues.backlog} unless overridden for the queue).`,
      runbook: {
        meaning: 'More work is arriving than the workers finish. Jobs complete later and later.',
        checks: [
          '"Throughput" panel: did completions drop (workers slow or failing) or did additions jump (a burst)?',
          '"Workers online": fewer workers than usual?',
          '"Job processing time": did jobs get slower (a slow dependency)?',
        ],
        fix: 'Add workers or concurrency, fix the slow dependency, or rate-limit the producer. A one-off burst drains by itself.',
      },
    },
    {
      alert: 'QueueOldestJobStuck',
      expr: aboveThreshold(cfg, b.oldestWaitingAge.name, cfg.selector, 'oldestWaitingSeconds'),
      for: '5m',
      severity: 'warning',
      component: 'queue',
      summary: 'Oldest waiting job is too old',
      description: `The next job of queue {{ $labels.queue }} on {{ $labels.instance }} has been waiting {{ $value | humanizeDuration }} (threshold ${cfg.queues.oldestWaitingSeconds}s unless overridden).`,
      runbook: {
        meaning: 'The job at the head of the queue has waited a long time: workers are stuck, starved, paused or rate-limited, even if the backlog is small.',
        checks: [
          '`bullmq_queue_paused` and `bullmq_queue_rate_limited` for the queue.',
          'Active jobs: `bullmq_queue_oldest_active_job_age_seconds` shows workers stuck on long jobs.',
          'Global concurrency (`bullmq_queue_global_concurrency`) reached by active jobs.',
        ],
        fix: 'Resume the queue, raise concurrency, kill stuck jobs (they stall and retry), or add workers.',
      },
    },
    {
      alert: 'QueueFailureRatioHigh',
      expr: aboveThreshold(cfg, Q.failureRatio, '', 'failureRatioWarning'),
      for: cfg.for.failureRatio,
      severity: 'warning',
      component: 'queue',
      summary: 'Many jobs failing',
      description: 'Queue {{ $labels.queue }} on {{ $labels.instance }}: {{ $value | humanizePercentage }} of finished jobs failed over the last ' + cfg.rateWindow + '.',
      runbook: failureRunbook,
    },
    {
      alert: 'QueueFailureRatioHigh',
      expr: aboveThreshold(cfg, Q.failureRatio, '', 'failureRatioCritical'),
      for: '5m',
      severity: 'critical',
      component: 'queue',
      summary: 'Most jobs failing',
      description: 'Queue {{ $labels.queue }} on {{ $labels.instance }}: {{ $value | humanizePercentage }} of finished jobs failed over the last ' + cfg.rateWindow + '.',
      runbook: failureRunbook,
    },
    {
      alert: 'QueueProcessingSlow',
      expr: aboveThreshold(cfg, Q.processingQuantile, 'quantile="0.95"', 'processingP95Seconds'),
      for: '15m',
      severity: 'warning',
      component: 'queue',
      summary: 'Jobs take too long',
      description: 'p95 processing time of queue {{ $labels.queue }} on {{ $labels.instance }} is {{ $value | humanizeDuration }}.',
      runbook: {
        meaning: 'Jobs take much longer than usual to process; throughput drops and backlog builds.',
        checks: [
          '"Job processing time" panel: sudden step (deploy, dependency) or slow drift (data growth)?',
          'Host CPU and memory of the workers; PostgreSQL locks and long transactions.',
          'S3 or HTTP dependencies the job calls: latency and errors.',
        ],
        fix: 'Fix the slow dependency or code path; split big jobs; raise the threshold for queues whose jobs are long by nature.',
      },
    },
  ];
}
