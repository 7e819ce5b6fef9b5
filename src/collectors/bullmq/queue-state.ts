import { finiteNumber } from '../../metrics/finite-number';
import type { JobState as BullmqJobState } from 'bullmq';
import { QUEUE_FIELDS } from './scripts';

/** Job states as BullMQ's getJobCounts() names them (its JobState union), plus the legacy `paused` list. */
export const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
  'paused',
] as const satisfies readonly (BullmqJobState | 'paused')[];
export type JobState = (typeof JOB_STATES)[number];

/**
 * The backlog: jobs no worker has started yet. The dashboard, the health score, the
 * instance_queue:bullmq_backlog:sum rule and the panels all add up these states.
 */
export const BACKLOG_STATES = ['waiting', 'prioritized', 'delayed'] as const satisfies readonly BullmqJobState[];

/** Jobs in the backlog states of one queue's counts (a state missing counts 0). */
export const backlogOf = (counts: Partial<Readonly<Record<JobState, number>>>): number =>
  BACKLOG_STATES.reduce((sum, s) => sum + (counts[s] ?? 0), 0);

/** BullMQ's queue.rateLimit(ms) sets the limiter to this value, whatever the configured max. */
export const MANUAL_RATE_LIMIT = 9007199254740991;

/** A finished job id with its score (finishedOn, ms) from the completed or failed set. */
export interface Finished {
  readonly id: string;
  readonly score: number;
}

/** One queue as QUEUE_STATE_LUA read it, decoded but not interpreted. */
export interface RawQueueState {
  readonly counts: Readonly<Record<JobState, number>>;
  readonly oldestWaiting?: {
    readonly id: string;
    readonly timestamp?: number;
    readonly delay?: number;
    readonly processedOn?: number;
  };
  readonly oldestActiveProcessedOn?: number;
  readonly meta: {
    readonly paused: boolean;
    readonly concurrency?: number;
    readonly max?: number;
    readonly duration?: number;
  };
  readonly metricsCompleted?: number;
  readonly metricsFailed?: number;
  readonly added: number;
  readonly limiterTtlMs: number;
  readonly limiterValue?: number;
  readonly nextDelayedScore?: number;
  readonly newCompleted: readonly Finished[];
  readonly newFailed: readonly Finished[];
}

const num = finiteNumber;

function pairs(v: unknown): Finished[] {
  if (!Array.isArray(v)) return [];
  const out: Finished[] = [];
  for (let i = 0; i + 1 < v.length; i += 2) {
    const score = num(v[i + 1]);
    if (score !== undefined) out.push({ id: String(v[i]), score });
  }
  return out;
}

/**
 * The JSON text a script answered, as the array it must be. A Buffer reply is decoded as latin1,
 * so every string in it is a byte string (ids and names exactly as Redis holds them; see queue-name.ts).
 */
export function parseScriptReply(reply: unknown): unknown[] {
  const value: unknown = Buffer.isBuffer(reply)
    ? JSON.parse(reply.toString('latin1'))
    : typeof reply === 'string'
      ? JSON.parse(reply)
      : reply;
  if (!Array.isArray(value)) throw new Error('unexpected reply shape from a collector script');
  return value;
}

/** The error a queue's entry carries when the state script could not read its keys; undefined otherwise. */
export function queueReadError(entry: unknown): string | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return undefined;
  const err = (entry as { err?: unknown }).err;
  return typeof err === 'string' ? err : 'unreadable';
}

const F = Object.fromEntries(QUEUE_FIELDS.map((name, i) => [name, i])) as Record<(typeof QUEUE_FIELDS)[number], number>;

/** Decodes one queue's array from QUEUE_STATE_LUA; throws on a reply of the wrong shape. */
export function decodeQueueState(reply: unknown): RawQueueState {
  if (!Array.isArray(reply) || reply.length < QUEUE_FIELDS.length)
    throw new Error('unexpected reply shape from the queue state script');
  const fields = reply as unknown[];
  const meta = Array.isArray(fields[F.meta]) ? (fields[F.meta] as unknown[]) : [];
  const oldest = Array.isArray(fields[F.oldestWaiting]) ? (fields[F.oldestWaiting] as unknown[]) : undefined;
  return {
    counts: {
      waiting: num(reply[F.waiting]) ?? 0,
      active: num(reply[F.active]) ?? 0,
      delayed: num(reply[F.delayed]) ?? 0,
      prioritized: num(reply[F.prioritized]) ?? 0,
      'waiting-children': num(reply[F.waitingChildren]) ?? 0,
      completed: num(reply[F.completed]) ?? 0,
      failed: num(reply[F.failed]) ?? 0,
      paused: num(reply[F.paused]) ?? 0,
    },
    oldestWaiting: oldest && {
      id: String(oldest[0]),
      timestamp: num(oldest[1]),
      delay: num(oldest[2]),
      processedOn: num(oldest[3]),
    },
    oldestActiveProcessedOn: num(reply[F.oldestActiveProcessedOn]),
    meta: { paused: meta[0] === '1', concurrency: num(meta[1]), max: num(meta[2]), duration: num(meta[3]) },
    metricsCompleted: num(reply[F.metricsCompleted]),
    metricsFailed: num(reply[F.metricsFailed]),
    added: num(reply[F.added]) ?? 0,
    limiterTtlMs: num(reply[F.limiterTtl]) ?? -2,
    limiterValue: num(reply[F.limiterValue]),
    nextDelayedScore: num(reply[F.nextDelayedScore]),
    newCompleted: pairs(reply[F.newCompleted]),
    newFailed: pairs(reply[F.newFailed]),
  };
}

/** One queue's figures as read in a collection, written to /metrics (the dashboard's view is dashboard/types.ts QueueSummary). */
export interface QueueReading {
  readonly queue: string;
  readonly counts: Readonly<Record<JobState, number>>;
  readonly paused: boolean;
  /** Workers connected (CLIENT LIST); undefined when the exporter may not list clients. */
  readonly workers?: number;
  /** Age of the job at the tail of the wait list (the next to run): 0 when none waits, undefined when unreadable. */
  readonly oldestWaitingAgeSeconds?: number;
  /** Time the longest-running active job has been running: 0 when none is active, undefined when unreadable. */
  readonly oldestActiveAgeSeconds?: number;
  /** When the next delayed job is due, epoch seconds; undefined when none is delayed. */
  readonly nextDelayedDueSeconds?: number;
  /** Add attempts since the queue was created (BullMQ's `id` counter). */
  readonly jobsAdded: number;
  /** All-time totals kept by workers with `metrics` enabled; undefined when not kept. */
  readonly completedTotal?: number;
  readonly failedTotal?: number;
  readonly globalConcurrency?: number;
  readonly globalRateLimit?: { readonly max: number; readonly durationSeconds: number };
  /** Whether a queue-wide rate limit holds the queue now; undefined when none is set. */
  readonly rateLimited?: boolean;
  /** When this was read, epoch seconds. */
  readonly collectedAt: number;
}

/** Delayed scores are due time * 4096 + a sequence number (BullMQ's getDelayedScore). */
export const delayedDueMs = (score: number): number => Math.floor(score / 0x1000);

/**
 * When the oldest waiting job became runnable: added + its delay, or, after a retry, no earlier
 * than its last attempt started (BullMQ records no "entered wait" time, so this is a lower bound).
 */
export function waitingSinceMs(job: RawQueueState['oldestWaiting']): number | undefined {
  if (!job || job.timestamp === undefined) return undefined;
  return Math.max(job.timestamp + (job.delay ?? 0), job.processedOn ?? 0);
}

/** Seconds since `since`; 0 when nothing is in the state, undefined when the job could not be read. */
function age(count: number, since: number | undefined, nowMs: number): number | undefined {
  if (count === 0) return 0;
  return since === undefined ? undefined : Math.max(0, (nowMs - since) / 1000);
}

/** Interprets a decoded queue state; `workers` comes from CLIENT LIST, read separately. */
export function summarize(queue: string, raw: RawQueueState, workers: number | undefined, nowMs: number): QueueReading {
  const { meta } = raw;
  const limitSet = meta.max !== undefined || raw.limiterTtlMs > 0;
  const limited =
    raw.limiterTtlMs > 0 && raw.limiterValue !== undefined && raw.limiterValue >= (meta.max ?? MANUAL_RATE_LIMIT);
  return {
    queue,
    counts: raw.counts,
    paused: meta.paused,
    workers,
    oldestWaitingAgeSeconds: age(raw.counts.waiting, waitingSinceMs(raw.oldestWaiting), nowMs),
    oldestActiveAgeSeconds: age(raw.counts.active, raw.oldestActiveProcessedOn, nowMs),
    nextDelayedDueSeconds: raw.nextDelayedScore === undefined ? undefined : delayedDueMs(raw.nextDelayedScore) / 1000,
    jobsAdded: raw.added,
    completedTotal: raw.metricsCompleted,
    failedTotal: raw.metricsFailed,
    globalConcurrency: meta.concurrency,
    globalRateLimit:
      meta.max !== undefined && meta.duration !== undefined
        ? { max: meta.max, durationSeconds: meta.duration / 1000 }
        : undefined,
    rateLimited: limitSet ? limited : undefined,
    collectedAt: nowMs / 1000,
  };
}
