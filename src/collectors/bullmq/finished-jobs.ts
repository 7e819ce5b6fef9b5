import { finiteNumber } from '../../metrics/finite-number';
import { HistogramState } from '../../metrics/histogram';
import { redact } from '../../log/redact';
import type { Finished } from './queue-state';
import { textOfBytes } from './queue-name';

/**
 * Finished-job sampling for one queue: a watermark per set (completed, failed) so each finished
 * job is observed once, the two duration histograms, and the latest failed jobs.
 *
 * The first read of a set only places the watermark at its newest job (and, for failed jobs,
 * remembers the newest few for the JSON endpoints): jobs finished before the exporter started
 * are not observed. Then each scrape reads the jobs scored (finishedOn) at or after the
 * watermark, skipping those already seen at exactly the watermark score (several jobs can
 * finish in the same millisecond), at most `sampleLimit` of them; the rest wait for the next scrape.
 */

export type FinishedState = 'completed' | 'failed';

/** A failed job as remembered for the JSON endpoints; no data, no stack trace. */
export interface FailedJob {
  readonly id: string;
  readonly name?: string;
  /** Cut to FAILED_REASON_CHARS and redacted of known secrets. */
  readonly failedReason?: string;
  readonly attemptsMade?: number;
  /** Epoch milliseconds. */
  readonly finishedOn?: number;
}

export const FAILED_REASON_CHARS = 300;

/** Job fields JOB_DETAILS_LUA returns, decoded. */
export interface JobDetails {
  readonly timestamp?: number;
  readonly processedOn?: number;
  readonly finishedOn?: number;
  readonly name?: string;
  readonly failedReason?: string;
  readonly attemptsMade?: number;
}

interface Watermark {
  readonly score: number;
  readonly seen: ReadonlySet<string>;
  /** The set's newest member as last read: while it stays the newest, nothing finished since. */
  readonly newest: string;
}

/** Jobs to read details of, with what to do with them once read. */
export interface SampleRequest {
  readonly state: FinishedState;
  readonly id: string;
  /** Observed in the histograms (false for the failed jobs seeded at the first read). */
  readonly observe: boolean;
}

const toNumber = finiteNumber;

/** Decodes one job from JOB_DETAILS_LUA; undefined when the job hash is gone. */
export function decodeJobDetails(reply: unknown): JobDetails | undefined {
  if (!Array.isArray(reply)) return undefined;
  const [timestamp, processedOn, finishedOn, name, reason, attempts] = reply as unknown[];
  return {
    timestamp: toNumber(timestamp),
    processedOn: toNumber(processedOn),
    finishedOn: toNumber(finishedOn),
    // Byte strings from the script (queue-name.ts), shown as UTF-8; cut in bytes by Redis: drop a character split in two.
    name: typeof name === 'string' ? textOfBytes(name).replace(/\uFFFD+$/, '') : undefined,
    failedReason:
      typeof reason === 'string'
        ? redact(textOfBytes(reason).replace(/\uFFFD+$/, '')).slice(0, FAILED_REASON_CHARS)
        : undefined,
    attemptsMade: toNumber(attempts),
  };
}

/** Where finished jobs' durations are observed: a queue's own pair, the collector's pair for all queues, or none. */
export interface DurationHistograms {
  readonly wait: HistogramState;
  readonly processing: HistogramState;
}

export function durationHistograms(buckets: readonly number[]): DurationHistograms {
  return { wait: new HistogramState(buckets), processing: new HistogramState(buckets) };
}

export class FinishedJobs {
  private readonly marks: Partial<Record<FinishedState, Watermark>> = {};
  private failures: FailedJob[] = [];
  /** Jobs observed finishing since the exporter started, per set. */
  readonly observed: Record<FinishedState, number> = { completed: 0, failed: 0 };

  constructor(
    /** Undefined when the histograms are off: the jobs are still counted in `observed`. */
    readonly durations: DurationHistograms | undefined,
    private readonly sampleLimit: number,
    private readonly failedKept: number,
  ) {}

  /** Whether this queue has seen a job finish since the exporter started (its histograms are exported from then on). */
  get anyObserved(): boolean {
    return this.observed.completed + this.observed.failed > 0;
  }

  /** The script's reading mode for a set: `<keep` at the first read, then `>score:limit`. */
  mode(state: FinishedState): string {
    const mark = this.marks[state];
    if (!mark) return `<${state === 'failed' ? Math.max(1, this.failedKept) : 1}`;
    return `>${mark.score}:${this.sampleLimit + mark.seen.size}:${mark.newest}`;
  }

  /**
   * Jobs from a read that are new, oldest first, and the watermark to keep once they are
   * recorded. Nothing changes here: `commit` applies the result after the details were read.
   * A read is empty when the set's newest member is still the one remembered.
   */
  plan(state: FinishedState, read: readonly Finished[]): { requests: SampleRequest[]; next?: Watermark } {
    const mark = this.marks[state];
    if (!mark) {
      // First read, newest first: place the watermark; failed jobs seed the recent list.
      const newest = read[0];
      const next = newest
        ? {
            score: newest.score,
            seen: new Set(read.filter((j) => j.score === newest.score).map((j) => j.id)),
            newest: newest.id,
          }
        : { score: 0, seen: new Set<string>(), newest: '' };
      const requests =
        state === 'failed' && this.failedKept > 0
          ? [...read].reverse().map((j) => ({ state, id: j.id, observe: false }))
          : [];
      return { requests, next };
    }
    const unseen = read.filter((j) => j.score > mark.score || !mark.seen.has(j.id));
    const fresh = unseen.slice(0, this.sampleLimit);
    // Nothing new (the newest member changed by a removal): remember the newest, so the next read is spared.
    if (!fresh.length)
      return { requests: [], next: read.length ? { ...mark, newest: read[read.length - 1].id } : undefined };
    const last = fresh[fresh.length - 1];
    const seen = new Set(fresh.filter((j) => j.score === last.score).map((j) => j.id));
    if (last.score === mark.score) for (const id of mark.seen) seen.add(id);
    // Cut by sampleLimit: the last job read is not the newest, so the next scrape reads on.
    const newest = fresh.length < unseen.length ? last.id : read[read.length - 1].id;
    return {
      requests: fresh.map((j) => ({ state, id: j.id, observe: true })),
      next: { score: last.score, seen, newest },
    };
  }

  /** Records the jobs read (oldest first) and moves the watermark. */
  commit(
    state: FinishedState,
    next: Watermark | undefined,
    jobs: readonly (readonly [SampleRequest, JobDetails | undefined])[],
  ): void {
    for (const [request, job] of jobs) {
      if (!job) continue; // removed before we read it: nothing to record, never a 0
      if (request.observe) {
        this.observed[state]++;
        const d = this.durations;
        if (d && job.processedOn !== undefined && job.timestamp !== undefined)
          d.wait.observe(Math.max(0, job.processedOn - job.timestamp) / 1000);
        if (d && job.finishedOn !== undefined && job.processedOn !== undefined)
          d.processing.observe(Math.max(0, job.finishedOn - job.processedOn) / 1000);
      }
      if (state === 'failed' && this.failedKept > 0) {
        // A job retried by hand and failed again is listed once, at its latest failure.
        this.failures = this.failures.filter((f) => f.id !== request.id);
        this.failures.unshift({
          id: request.id,
          name: job.name,
          failedReason: job.failedReason,
          attemptsMade: job.attemptsMade,
          finishedOn: job.finishedOn,
        });
      }
    }
    if (this.failures.length > this.failedKept) this.failures.length = this.failedKept;
    if (next) this.marks[state] = next;
  }

  /** The latest failed jobs, newest first. */
  recentFailures(): readonly FailedJob[] {
    return [...this.failures];
  }
}
