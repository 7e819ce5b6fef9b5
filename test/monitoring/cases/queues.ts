import { EXP, EXP_LABELS, type RuleCase } from './types';
import { Q as RULES } from '../../../monitoring/rules/names';

const SLOW = 'job="jobstack",instance="slow:9478"';

const Q = (queue: string) => ({ instance: 'exp:9478', queue });
const bucket = (metric: string, queue: string, le: string, values: string) => ({
  series: `${metric}_bucket{${EXP},queue="${queue}",le="${le}"}`,
  values,
});

export const queueCases: RuleCase[] = [
  {
    name: 'backlog with no workers',
    series: [
      { series: `bullmq_jobs{${EXP},queue="images",state="waiting"}`, values: '5x40' },
      { series: `bullmq_jobs{${EXP},queue="images",state="prioritized"}`, values: '0x40' },
      { series: `bullmq_jobs{${EXP},queue="images",state="delayed"}`, values: '2x40' },
      { series: `bullmq_jobs{${EXP},queue="images",state="active"}`, values: '0x40' },
      { series: `bullmq_queue_workers{${EXP},queue="images"}`, values: '0x40' },
      { series: `bullmq_jobs{${EXP},queue="emails",state="waiting"}`, values: '5x40' },
      { series: `bullmq_queue_workers{${EXP},queue="emails"}`, values: '2x40' },
      { series: `bullmq_jobs{${EXP},queue="idle",state="waiting"}`, values: '0x40' },
      { series: `bullmq_queue_workers{${EXP},queue="idle"}`, values: '0x40' },
    ],
    exprs: [
      {
        at: '1m',
        expr: RULES.backlog,
        expect: [
          { labels: `${RULES.backlog}{instance="exp:9478",queue="images"}`, value: 7 },
          { labels: `${RULES.backlog}{instance="exp:9478",queue="emails"}`, value: 5 },
          { labels: `${RULES.backlog}{instance="exp:9478",queue="idle"}`, value: 0 },
        ],
      },
    ],
    alerts: [
      { at: '1m45s', alert: 'QueueNoWorkers', firing: [] },
      {
        at: '4m',
        alert: 'QueueNoWorkers',
        firing: [
          {
            labels: { ...Q('images'), severity: 'critical', component: 'queue' },
            description: 'Queue images on exp:9478 has 7 jobs waiting and no worker connected.',
          },
        ],
      },
    ],
  },
  {
    name: 'backlog above threshold, oldest job stuck',
    series: [
      { series: `bullmq_jobs{${EXP},queue="images",state="waiting"}`, values: '1500x60' },
      { series: `bullmq_jobs{${EXP},queue="emails",state="waiting"}`, values: '900x60' },
      { series: `bullmq_queue_oldest_waiting_job_age_seconds{${EXP},queue="images"}`, values: '700x60' },
      { series: `bullmq_queue_oldest_waiting_job_age_seconds{${EXP},queue="emails"}`, values: '30x60' },
    ],
    alerts: [
      { at: '9m', alert: 'QueueBacklogHigh', firing: [] },
      {
        at: '11m',
        alert: 'QueueBacklogHigh',
        firing: [
          {
            labels: { ...Q('images'), severity: 'warning', component: 'queue' },
            description:
              'Queue images on exp:9478 has 1500 jobs waiting, prioritized or delayed (threshold 1000 unless overridden for the queue).',
          },
        ],
      },
      { at: '4m', alert: 'QueueOldestJobStuck', firing: [] },
      {
        at: '6m',
        alert: 'QueueOldestJobStuck',
        firing: [
          {
            labels: { job: 'jobstack', ...Q('images'), severity: 'warning', component: 'queue' },
            description:
              'The next job of queue images on exp:9478 has been waiting 11m 40s (threshold 600s unless overridden).',
          },
        ],
      },
    ],
  },
  {
    name: "failure ratio from BullMQ's counters, or from the sampled ones",
    series: [
      // emails: BullMQ's exact counters (3/s completed, 1/s failed) win over the sampled ones.
      { series: `bullmq_job_completed_total{${EXP},queue="emails"}`, values: '0+45x100' },
      { series: `bullmq_job_failed_total{${EXP},queue="emails"}`, values: '0+15x100' },
      { series: `bullmq_jobs_finished_total{${EXP},queue="emails",status="completed"}`, values: '0+30x100' },
      { series: `bullmq_jobs_finished_total{${EXP},queue="emails",status="failed"}`, values: '0+0x100' },
      // images: only the exporter's sampled counters (1/s each).
      { series: `bullmq_jobs_finished_total{${EXP},queue="images",status="completed"}`, values: '0+15x100' },
      { series: `bullmq_jobs_finished_total{${EXP},queue="images",status="failed"}`, values: '0+15x100' },
      // idle: finished nothing, so no ratio (never a fake 0).
      { series: `bullmq_jobs_finished_total{${EXP},queue="idle",status="completed"}`, values: '0x100' },
      { series: `bullmq_jobs_finished_total{${EXP},queue="idle",status="failed"}`, values: '0x100' },
    ],
    exprs: [
      {
        at: '10m',
        expr: RULES.completed,
        expect: [
          { labels: `${RULES.completed}{instance="exp:9478",queue="emails"}`, value: 3 },
          { labels: `${RULES.completed}{instance="exp:9478",queue="images"}`, value: 1 },
          { labels: `${RULES.completed}{instance="exp:9478",queue="idle"}`, value: 0 },
        ],
      },
      {
        at: '10m',
        expr: RULES.failed,
        expect: [
          { labels: `${RULES.failed}{instance="exp:9478",queue="emails"}`, value: 1 },
          { labels: `${RULES.failed}{instance="exp:9478",queue="images"}`, value: 1 },
          { labels: `${RULES.failed}{instance="exp:9478",queue="idle"}`, value: 0 },
        ],
      },
      {
        at: '10m',
        expr: RULES.failureRatio,
        expect: [
          {
            labels: `${RULES.failureRatio}{instance="exp:9478",queue="emails"}`,
            value: 0.25,
          },
          { labels: `${RULES.failureRatio}{instance="exp:9478",queue="images"}`, value: 0.5 },
        ],
      },
    ],
    alerts: [
      { at: '5m', alert: 'QueueFailureRatioHigh', firing: [] },
      {
        at: '16m',
        alert: 'QueueFailureRatioHigh',
        firing: [
          {
            labels: { ...Q('emails'), severity: 'warning', component: 'queue' },
            description: 'Queue emails on exp:9478: 25% of finished jobs failed over the last 5m.',
          },
          {
            labels: { ...Q('images'), severity: 'warning', component: 'queue' },
            description: 'Queue images on exp:9478: 50% of finished jobs failed over the last 5m.',
          },
          {
            labels: { ...Q('images'), severity: 'critical', component: 'queue' },
            description: 'Queue images on exp:9478: 50% of finished jobs failed over the last 5m.',
          },
        ],
      },
    ],
  },
  {
    name: 'duration quantiles and slow processing',
    series: [
      ...['processing', 'wait'].flatMap((kind) => [
        bucket(`bullmq_job_${kind}_duration_seconds`, 'reports', '300', '0x100'),
        bucket(`bullmq_job_${kind}_duration_seconds`, 'reports', '1810', '0+1x100'),
        bucket(`bullmq_job_${kind}_duration_seconds`, 'reports', '+Inf', '0+1x100'),
      ]),
      bucket('bullmq_job_processing_duration_seconds', 'fast', '1', '0+1x100'),
      bucket('bullmq_job_processing_duration_seconds', 'fast', '+Inf', '0+1x100'),
    ],
    exprs: [
      // Interpolated within the (300, 1810] bucket; x10 and rounded to stay clear of float noise.
      {
        at: '10m',
        expr: `round(10 * ${RULES.processingQuantile}{queue="reports"})`,
        expect: [
          { labels: '{instance="exp:9478",queue="reports",quantile="0.5"}', value: 10550 },
          { labels: '{instance="exp:9478",queue="reports",quantile="0.95"}', value: 17345 },
          { labels: '{instance="exp:9478",queue="reports",quantile="0.99"}', value: 17949 },
        ],
      },
      {
        at: '10m',
        expr: `round(10 * ${RULES.waitQuantile}{quantile="0.5"})`,
        expect: [{ labels: '{instance="exp:9478",queue="reports",quantile="0.5"}', value: 10550 }],
      },
    ],
    alerts: [
      { at: '10m', alert: 'QueueProcessingSlow', firing: [] },
      {
        at: '21m',
        alert: 'QueueProcessingSlow',
        firing: [
          {
            labels: { ...Q('reports'), quantile: '0.95', severity: 'warning', component: 'queue' },
            description: 'p95 processing time of queue reports on exp:9478 is 28m 54s.',
          },
        ],
      },
    ],
  },
  {
    name: 'histograms: total (no queue label): quantiles per exporter, slow processing and a hung job against all queues',
    series: [
      { series: `bullmq_job_processing_duration_seconds_bucket{${EXP},le="1"}`, values: '0+10x100' },
      { series: `bullmq_job_processing_duration_seconds_bucket{${EXP},le="+Inf"}`, values: '0+10x100' },
      { series: `bullmq_queue_oldest_active_job_age_seconds{${EXP},queue="images"}`, values: '0x10 2000x90' },
      { series: `bullmq_queue_oldest_active_job_age_seconds{${EXP},queue="emails"}`, values: '5x100' },
      { series: `bullmq_job_processing_duration_seconds_bucket{${SLOW},le="300"}`, values: '0x100' },
      { series: `bullmq_job_processing_duration_seconds_bucket{${SLOW},le="1800"}`, values: '0+1x100' },
      { series: `bullmq_job_processing_duration_seconds_bucket{${SLOW},le="+Inf"}`, values: '0+1x100' },
    ],
    exprs: [
      {
        at: '10m',
        expr: `round(100 * ${RULES.processingQuantile}{quantile="0.99"})`,
        expect: [
          { labels: '{instance="exp:9478",quantile="0.99"}', value: 99 },
          { labels: '{instance="slow:9478",quantile="0.99"}', value: 178500 },
        ],
      },
    ],
    alerts: [
      { at: '2m', alert: 'QueueJobHung', firing: [] },
      {
        at: '9m',
        alert: 'QueueJobHung',
        firing: [
          {
            labels: { ...EXP_LABELS, queue: 'images', severity: 'warning', component: 'queue' },
            description:
              "The oldest active job of queue images on exp:9478 has run 33m 20s, over 10x the queue's p99 (all queues' p99 where the exporter keeps one histogram for all).",
          },
        ],
      },
      { at: '10m', alert: 'QueueProcessingSlow', firing: [] },
      {
        at: '21m',
        alert: 'QueueProcessingSlow',
        firing: [
          {
            labels: { instance: 'slow:9478', quantile: '0.95', severity: 'warning', component: 'queue' },
            description: 'p95 processing time of all queues on slow:9478 is 28m 44s.',
          },
        ],
      }, // 1725 s less float noise
    ],
  },
];
