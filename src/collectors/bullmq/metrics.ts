import { defineMetric, defineMetrics } from '../../metrics/define';

const queue = ['queue'] as const;

/**
 * Default upper bounds of the job duration histograms, seconds (collectors.bullmq.histogramBuckets).
 * Seven bounds about 5x apart, from a quick job (100 ms) to half an hour: each bucket is a series
 * per queue, so 7 instead of 12 saves 10 series per queue, and `histogram_quantile` interpolates
 * within a 5x bucket. 300 is the default QueueProcessingSlow threshold (monitoring/config.ts), so
 * that alert compares against a bound, not an interpolation.
 */
export const DEFAULT_DURATION_BUCKETS = [0.1, 0.5, 2.5, 10, 60, 300, 1800] as const;

/** Which duration histograms the collector exports (collectors.bullmq.histograms). */
export const HISTOGRAM_MODES = ['per-queue', 'total', 'off'] as const;

const SAMPLING =
  'Sampled from the completed and failed sets since the exporter started (a restart starts the histogram again at 0, ' +
  'which rate() reads as a counter reset); jobs removed before the next scrape (removeOnComplete/removeOnFail: true or a ' +
  'small count) are never seen, and jobs finished while the exporter was down are not counted.';

/**
 * BullMQ queue metrics. `bullmq_job_completed_total` and `bullmq_job_failed_total` keep the
 * names and labels of BullMQ's own Queue.exportPrometheusMetrics(); its `bullmq_job_count`
 * fails `promtool check metrics`, so the job counts are `bullmq_jobs{queue,state}` here (a
 * one-line recording rule restores the old name, see docs/collectors/bullmq.md).
 */
export const bullmqMetrics = defineMetrics({
  up: defineMetric({
    name: 'bullmq_up',
    help: 'Whether every configured or discovered queue was read within the scrape deadline (1) or not (0).',
    type: 'gauge',
    labels: [],
  }),
  jobs: defineMetric({
    name: 'bullmq_jobs',
    help: 'Jobs in each state, as BullMQ\'s Queue.getJobCounts() counts them (BullMQ\'s own export names this bullmq_job_count, which promtool rejects: _count is reserved for histograms). A paused queue keeps its jobs in waiting/prioritized (see bullmq_queue_paused); state="paused" counts only the legacy paused list of BullMQ < 5.',
    type: 'gauge',
    labels: ['queue', 'state'],
  }),
  completedTotal: defineMetric({
    name: 'bullmq_job_completed_total',
    help: 'Jobs completed since the queue was created, as counted by workers started with the metrics option; absent when no worker keeps this count.',
    type: 'counter',
    labels: queue,
  }),
  failedTotal: defineMetric({
    name: 'bullmq_job_failed_total',
    help: 'Jobs failed for good (retries exhausted) since the queue was created, as counted by workers started with the metrics option; absent when no worker keeps this count.',
    type: 'counter',
    labels: queue,
  }),
  finished: defineMetric({
    name: 'bullmq_jobs_finished_total',
    help: `Jobs the exporter saw finish, by status (completed, or failed for good), counted from the same sampling as the duration histograms, so available without BullMQ's metrics option. ${SAMPLING}`,
    type: 'counter',
    labels: ['queue', 'status'],
  }),
  addedTotal: defineMetric({
    name: 'bullmq_job_added_total',
    help: "Jobs added since the queue was created (BullMQ's id counter: every add counts, including a duplicate custom jobId).",
    type: 'counter',
    labels: queue,
  }),
  readError: defineMetric({
    name: 'bullmq_queue_read_error',
    help: "Whether this queue's keys could not be read in this collection (1: a key of the wrong type, e.g. WRONGTYPE; its other series are absent) or were read (0). Other queues are unaffected.",
    type: 'gauge',
    labels: queue,
  }),
  paused: defineMetric({
    name: 'bullmq_queue_paused',
    help: 'Whether the queue is paused (1) or not (0).',
    type: 'gauge',
    labels: queue,
  }),
  workers: defineMetric({
    name: 'bullmq_queue_workers',
    help: 'Workers connected to the queue (Redis CLIENT LIST connection names); absent when the exporter may not run CLIENT LIST.',
    type: 'gauge',
    labels: queue,
  }),
  oldestWaitingAge: defineMetric({
    name: 'bullmq_queue_oldest_waiting_job_age_seconds',
    help: 'How long the next job to run (tail of the wait list) has been runnable: now minus its add time plus delay, or its last attempt start after a retry. 0 when nothing waits; prioritized jobs are not covered.',
    type: 'gauge',
    labels: queue,
  }),
  oldestActiveAge: defineMetric({
    name: 'bullmq_queue_oldest_active_job_age_seconds',
    help: 'How long the longest-running active job has been running (now minus its processedOn). 0 when nothing is active.',
    type: 'gauge',
    labels: queue,
  }),
  nextDelayedDue: defineMetric({
    name: 'bullmq_queue_next_delayed_job_timestamp_seconds',
    help: 'When the next delayed job is due, as a Unix timestamp in seconds; absent when no job is delayed.',
    type: 'gauge',
    labels: queue,
  }),
  globalConcurrency: defineMetric({
    name: 'bullmq_queue_global_concurrency',
    help: 'Global concurrency limit set on the queue (setGlobalConcurrency); absent when not set.',
    type: 'gauge',
    labels: queue,
  }),
  rateLimitMax: defineMetric({
    name: 'bullmq_queue_global_rate_limit_max',
    help: 'Jobs allowed per rate-limit window set on the queue (setGlobalRateLimit); absent when not set.',
    type: 'gauge',
    labels: queue,
  }),
  rateLimitDuration: defineMetric({
    name: 'bullmq_queue_global_rate_limit_duration_seconds',
    help: 'Length of the rate-limit window set on the queue, in seconds; absent when not set.',
    type: 'gauge',
    labels: queue,
  }),
  rateLimited: defineMetric({
    name: 'bullmq_queue_rate_limited',
    help: 'Whether a queue-wide rate limit holds the queue now (1) or not (0); absent when no queue-wide limit is set (a worker-local limiter is not visible in Redis).',
    type: 'gauge',
    labels: queue,
  }),
  waitDuration: defineMetric({
    name: 'bullmq_job_wait_duration_seconds',
    help: `Time finished jobs waited before their last attempt started (processedOn - timestamp, retries and delay included), in seconds. ${SAMPLING}`,
    type: 'histogram',
    labels: queue,
    buckets: DEFAULT_DURATION_BUCKETS,
  }),
  processingDuration: defineMetric({
    name: 'bullmq_job_processing_duration_seconds',
    help: `Time finished jobs took in their last attempt (finishedOn - processedOn), completed and failed alike, in seconds. ${SAMPLING}`,
    type: 'histogram',
    labels: queue,
    buckets: DEFAULT_DURATION_BUCKETS,
  }),
  queues: defineMetric({
    name: 'bullmq_queues',
    help: 'Queues read in this collection (configured, or discovered and capped at collectors.bullmq.maxQueues).',
    type: 'gauge',
    labels: [],
  }),
  queuesRead: defineMetric({
    name: 'bullmq_queues_read',
    help: 'Queues read from Redis in this collection; the others had no key changed since their last reading and are exposed from it (collectors.bullmq.changeTracking). Equal to bullmq_queues when every queue is read.',
    type: 'gauge',
    labels: [],
  }),
  queuesLeftOut: defineMetric({
    name: 'bullmq_queues_left_out',
    help: 'Queues discovered beyond collectors.bullmq.maxQueues and not read (the last ones by name).',
    type: 'gauge',
    labels: [],
  }),
  discoveryLastSuccess: defineMetric({
    name: 'bullmq_discovery_last_success_timestamp_seconds',
    help: 'When the background queue discovery (SCAN for <prefix>:*:meta) last finished, as a Unix timestamp in seconds.',
    type: 'gauge',
    labels: [],
  }),
  discoveryDuration: defineMetric({
    name: 'bullmq_discovery_duration_seconds',
    help: 'How long the last successful queue discovery took, in seconds.',
    type: 'gauge',
    labels: [],
  }),
  workersVisible: defineMetric({
    name: 'bullmq_workers_visible',
    help: 'Whether the exporter may run CLIENT LIST to count workers (1) or not (0: grant +client|list).',
    type: 'gauge',
    labels: [],
  }),
});
