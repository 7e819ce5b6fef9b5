import { z } from 'zod';
import { collectorSection, duration } from '../../config/fields';
import { DEFAULT_DURATION_BUCKETS, HISTOGRAM_MODES } from './metrics';

/** `collectors.bullmq`: BullMQ queues under bullmq.prefix on the same Redis; on when redis.url is set. */
export const bullmqConfigSchema = collectorSection('5s', {
  /** Time between SCANs for `<prefix>:*:meta` when bullmq.queues is empty. */
  discoveryInterval: duration(1_000, 86_400_000).default('60s'),
  /** Queues read at most (first by name); the rest are counted in bullmq_queues_left_out. */
  maxQueues: z.number().int().min(1).max(100_000).default(1000),
  /** Queues read per Redis script call: bounds how long one call holds Redis. */
  queuesPerCall: z.number().int().min(1).max(1000).default(50),
  /** Script calls left unanswered at once; 0 sends them all in one round trip (other clients then wait for several). */
  callsInFlight: z.number().int().min(0).max(1000).default(0),
  /**
   * Read only the queues whose keys changed since the last scrape, as Redis reports them
   * (CLIENT TRACKING; one server, not a cluster); false reads every queue at every scrape.
   */
  changeTracking: z.boolean().default(true),
  /** Finished jobs sampled per queue and state in one scrape for the histograms; the rest wait for the next. */
  sampleLimit: z.number().int().min(1).max(100_000).default(1000),
  /** Failed jobs remembered per queue (id, name, reason, attempts) for the JSON endpoints. */
  failedJobsKept: z.number().int().min(0).max(1000).default(20),
  /**
   * The wait and processing time histograms: one pair per queue that has finished jobs
   * (per-queue), one pair for all queues together (total), or none (off). Series per queue
   * are a cost (README, "Series per queue").
   */
  histograms: z.enum(HISTOGRAM_MODES).default('per-queue'),
  /** Upper bounds of the wait and processing time histograms, in seconds (histograms: off turns them off). */
  histogramBuckets: z
    .array(z.number().positive().finite())
    .min(1, 'give at least one bound (histograms: off turns the histograms off)')
    .max(40)
    .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]), 'bucket bounds must be ascending')
    .default([...DEFAULT_DURATION_BUCKETS]),
});

export type BullmqCollectorConfig = z.output<typeof bullmqConfigSchema>;
