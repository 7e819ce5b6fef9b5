import { bullmqMetrics as b } from '../../src/collectors/bullmq/metrics';
import { BACKLOG_STATES } from '../../src/collectors/bullmq/queue-state';
import type { MixinConfig, QueueThresholds } from '../config';
import { rate, sel } from '../promql';
import { Q } from './names';
import type { AlertRule, RecordingRule } from './types';

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
      // Classic buckets, or the native histogram a Prometheus with native histograms enabled keeps instead.
      expr:
        `histogram_quantile(${q}, sum by (instance, queue, le) (rate(${metric}_bucket{${cfg.selector}}[${cfg.rateWindow}])))` +
        ` or histogram_quantile(${q}, sum by (instance, queue) (rate(${metric}{${cfg.selector}}[${cfg.rateWindow}])))`,
    }));
  return [
    { record: Q.completed, expr: finishedRate(cfg, 'completed') },
    { record: Q.failed, expr: finishedRate(cfg, 'failed') },
    // No ratio for a queue that finished nothing in the window (0/0 is not 0% failing).
    { record: Q.failureRatio, expr: `${Q.failed} / (${Q.completed} + ${Q.failed} > 0)` },
    {
      record: Q.backlog,
      expr: `sum by (instance, queue) (${sel(cfg, b.jobs, `state=~"${BACKLOG_STATES.join('|')}"`)})`,
    },
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
  return [
    `${series(`queue!~"${names}"`)} > ${cfg.queues[key]}`,
    ...overridden.map(([q, o]) => `${series(`queue="${quoted(q)}"`)} > ${o[key]}`),
  ].join(' or ');
}

export function queueAlerts(cfg: MixinConfig): AlertRule[] {
  const failureRunbook = {
    meaning:
      'A large share of the jobs that finished on this queue failed (after their retries). Users see missing results: images not processed, e-mails not sent.',
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
      description:
        'Queue {{ $labels.queue }} on {{ $labels.instance }} has {{ $value }} jobs waiting and no worker connected.',
      runbook: {
        meaning:
          'Jobs are waiting but no worker is connected to the queue, so nothing will process them. The backlog only grows.',
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
        meaning:
          'The job at the head of the queue has waited a long time: workers are stuck, starved, paused or rate-limited, even if the backlog is small.',
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
      description:
        'Queue {{ $labels.queue }} on {{ $labels.instance }}: {{ $value | humanizePercentage }} of finished jobs failed over the last ' +
        cfg.rateWindow +
        '.',
      runbook: failureRunbook,
    },
    {
      alert: 'QueueFailureRatioHigh',
      expr: aboveThreshold(cfg, Q.failureRatio, '', 'failureRatioCritical'),
      for: '5m',
      severity: 'critical',
      component: 'queue',
      summary: 'Most jobs failing',
      description:
        'Queue {{ $labels.queue }} on {{ $labels.instance }}: {{ $value | humanizePercentage }} of finished jobs failed over the last ' +
        cfg.rateWindow +
        '.',
      runbook: failureRunbook,
    },
    {
      alert: 'QueueProcessingSlow',
      expr: aboveThreshold(cfg, Q.processingQuantile, 'quantile="0.95"', 'processingP95Seconds'),
      for: '15m',
      severity: 'warning',
      component: 'queue',
      summary: 'Jobs take too long',
      description:
        'p95 processing time of {{ with $labels.queue }}queue {{ . }}{{ else }}all queues{{ end }} on {{ $labels.instance }} is {{ $value | humanizeDuration }}.',
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
    ...queueStateAlerts(cfg),
  ];
}

/** Paused, losing workers, hung jobs, overdue delayed jobs, and what the exporter cannot see. */
function queueStateAlerts(cfg: MixinConfig): AlertRule[] {
  const h = cfg.queueHealth;
  const workers = sel(cfg, b.workers);
  const oldestActive = sel(cfg, b.oldestActiveAge);
  return [
    {
      alert: 'QueuePausedWithBacklog',
      expr: `${sel(cfg, b.paused)} == 1 and on (instance, queue) ${Q.backlog} > 0`,
      for: '15m',
      severity: 'warning',
      component: 'queue',
      summary: 'Queue paused with jobs waiting',
      description:
        'Queue {{ $labels.queue }} on {{ $labels.instance }} has been paused for 15 minutes while jobs wait.',
      runbook: {
        meaning:
          'Someone (or some code) paused the queue and it was not resumed: its jobs wait and nothing processes them, although workers are connected.',
        checks: [
          'Who paused it: deploy scripts, an admin UI (bull-board), `Queue.pause()` in maintenance code.',
          'Whether the pause is intended (a migration, an incident on a downstream service).',
          'The backlog and oldest waiting job age on the dashboard.',
        ],
        fix: 'Resume it (`await queue.resume()` or the admin UI) once the reason for pausing is gone.',
      },
    },
    {
      alert: 'QueueWorkersDropped',
      expr: `${workers} <= ${h.workersDropRatio} * max_over_time(${workers}[30m]) and max_over_time(${workers}[30m]) >= 2`,
      for: '5m',
      severity: 'warning',
      component: 'queue',
      summary: 'Half the workers of a queue are gone',
      description: `Queue {{ $labels.queue }} on {{ $labels.instance }} has {{ $value }} workers, at most ${Math.round(h.workersDropRatio * 100)}% of its peak of the last 30 minutes.`,
      runbook: {
        meaning:
          'Workers of this queue disappeared (crashed, evicted, scaled down, or a deploy that did not come up): throughput falls and the backlog will grow.',
        checks: [
          'Worker processes or pods: restarts, OOM kills, crash loops.',
          'A deploy or autoscaler event at that time.',
          'Redis connection errors in worker logs (maxclients, auth).',
        ],
        fix: 'Bring the workers back (roll back the deploy, fix the crash); if intended, this alert clears after 30 minutes.',
      },
    },
    {
      alert: 'QueueJobHung',
      // The queue's own p99, or (collectors.bullmq.histograms: total) the p99 of all its exporter's queues.
      expr:
        `(${oldestActive} > on (instance, queue) group_left () (${h.hungFactor} * max by (instance, queue) (${Q.processingQuantile}{quantile="0.99"}))` +
        ` or ${oldestActive} > on (instance) group_left () (${h.hungFactor} * max by (instance) (${Q.processingQuantile}{quantile="0.99",queue=""})))` +
        ` and ${oldestActive} > ${h.hungMinSeconds}`,
      for: '5m',
      severity: 'warning',
      component: 'queue',
      summary: 'An active job runs far longer than usual',
      description: `The oldest active job of queue {{ $labels.queue }} on {{ $labels.instance }} has run {{ $value | humanizeDuration }}, over ${h.hungFactor}x the queue's p99 (all queues' p99 where the exporter keeps one histogram for all).`,
      runbook: {
        meaning:
          "A job has been active far longer than the queue's usual jobs: it is probably hung on a call without a timeout, holding a worker slot (BullMQ's stalled-job check does not help while the worker keeps renewing the lock).",
        checks: [
          'The job id: `bull:<queue>:active` (oldest at the tail) and its data and logs.',
          'What it waits on: an HTTP call, a database lock, an external API without timeout.',
          'Worker CPU: busy looping or idle waiting?',
        ],
        fix: 'Add timeouts to what the job calls; kill the worker process holding it (the job stalls and is retried) or move it to failed.',
      },
    },
    {
      alert: 'QueueDelayedJobsOverdue',
      expr: `time() - ${sel(cfg, b.nextDelayedDue)} > ${h.delayedOverdueSeconds}`,
      for: '5m',
      severity: 'warning',
      component: 'queue',
      summary: 'Delayed jobs are overdue',
      description:
        'The next delayed job of queue {{ $labels.queue }} on {{ $labels.instance }} was due {{ $value | humanizeDuration }} ago and is still delayed.',
      runbook: {
        meaning:
          'A delayed job is past its due time but was not moved to waiting. Workers promote delayed jobs; none is doing it (no worker, or workers stuck or rate-limited), so scheduled work (retries with backoff, reminders) is late.',
        checks: [
          'Workers of the queue (`bullmq_queue_workers`) and whether they are paused.',
          'Redis clock vs worker clocks (a large skew delays promotion).',
          'A global rate limit holding the queue (`bullmq_queue_rate_limited`).',
        ],
        fix: 'Start or unstick the workers; the delayed jobs are promoted at once when a worker runs.',
      },
    },
    {
      alert: 'QueuesLeftOut',
      expr: `${sel(cfg, b.queuesLeftOut)} > 0`,
      for: '15m',
      severity: 'warning',
      component: 'queue',
      summary: 'Queues discovered but not watched',
      description:
        '{{ $value }} queues under the prefix on {{ $labels.instance }} exceed collectors.bullmq.maxQueues and are not read: no alert can fire for them.',
      runbook: {
        meaning:
          'Discovery found more queues than `collectors.bullmq.maxQueues`; the last ones by name are not read, so their backlogs, workers and failures are invisible.',
        checks: [
          '`bullmq_queues` and `bullmq_queues_left_out` on the exporter.',
          'Whether old queues were left behind (renamed queues keep their keys).',
          "The exporter's configured maxQueues.",
        ],
        fix: 'Delete obsolete queues (`Queue.obliterate()`), list the queues to watch in BULLMQ_QUEUES, or raise collectors.bullmq.maxQueues.',
      },
    },
    {
      alert: 'QueueUnreadable',
      expr: `${sel(cfg, b.readError)} == 1`,
      for: '5m',
      severity: 'warning',
      component: 'queue',
      summary: "A queue's keys cannot be read",
      description:
        'The exporter on {{ $labels.instance }} cannot read the keys of queue {{ $labels.queue }} (a key of the wrong type): its counts are absent and no other queue alert can fire for it.',
      runbook: {
        meaning:
          "One of the queue's Redis keys has a type BullMQ never gives it (WRONGTYPE), so the exporter reads that queue as unreadable while every other queue stays exact. BullMQ's own scripts fail on the same key: workers and producers of this queue are likely failing too.",
        checks: [
          "`bullmq_queue_read_error` and the queue's mark on /dashboard; `/health/detailed` names the error.",
          '`TYPE <prefix>:<queue>:wait` (list), `active` (list), `completed`/`failed`/`delayed`/`prioritized` (sorted sets), `meta` (hash) in redis-cli.',
          'Whether another application writes keys under the BullMQ prefix.',
        ],
        fix: "Move or delete the key that is not BullMQ's (after saving what it holds), and keep other applications off the BullMQ prefix (or give BullMQ its own prefix or Redis database).",
      },
    },
    {
      alert: 'QueueWorkersNotVisible',
      expr: `${sel(cfg, b.workersVisible)} == 0`,
      for: '15m',
      severity: 'warning',
      component: 'queue',
      summary: 'Workers cannot be counted (CLIENT LIST refused)',
      description:
        'The exporter on {{ $labels.instance }} may not run CLIENT LIST: worker counts are missing and QueueNoWorkers can never fire.',
      runbook: {
        meaning:
          'Redis refused CLIENT LIST to the exporter (ACL, or a managed Redis that disables it). Workers are counted from it, so `bullmq_queue_workers` is absent and a queue losing all its workers goes unnoticed.',
        checks: [
          '`ACL GETUSER <exporter user>`: does it include `+client|list`?',
          'Managed Redis: whether CLIENT is a renamed or blocked command.',
          'The exporter landing page for the exact error.',
        ],
        fix: "Grant `+client|list` to the exporter's Redis user (docs/security.md has the full ACL line); where impossible, alert on throughput instead.",
      },
    },
  ];
}
