import type { Collector, CollectContext } from '../types';
import type { Config } from '../../config/schema';
import type { Logger } from '../../log/logger';
import type { MetricBatch } from '../../metrics/batch';
import type { MetricDef } from '../../metrics/define';
import { errorMessage } from '../../log/redact';
import { RedisClient, deadlineMargin, type RedisClientOptions, type RedisCommand, type Reply } from '../../clients/redis';
import { bullmqMetrics as m } from './metrics';
import { JOB_DETAILS_LUA, JOBS_PER_CALL, QUEUE_STATE_LUA } from './scripts';
import { JOB_STATES, decodeQueueState, summarize, type QueueSummary, type RawQueueState } from './queue-state';
import { FAILED_REASON_CHARS, FinishedJobs, decodeJobDetails, type FailedJob, type FinishedState, type JobDetails, type SampleRequest } from './finished-jobs';
import { QueueDiscovery, type QueueSelection } from './discovery';
import { clientNames, countWorkers } from './workers';

export type BullmqCollectorConfig = Config['collectors']['bullmq'];

/** One queue as the JSON endpoints and the dashboard read it. */
export interface QueueSnapshot {
  readonly summary: QueueSummary;
  /** Newest first, at most collectors.bullmq.failedJobsKept. */
  readonly recentFailures: readonly FailedJob[];
}

type HistogramDef = MetricDef<'queue', 'histogram'>;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const FINISHED: readonly FinishedState[] = ['completed', 'failed'];

/**
 * BullMQ queues read straight from Redis: per scrape one round trip of script calls (each
 * reading `queuesPerCall` queues) plus CLIENT LIST, and a second one only when jobs finished
 * since the last scrape (their times, for the histograms). Queue discovery runs in the
 * background. See docs/collectors/bullmq.md.
 */
export class BullmqCollector implements Collector {
  readonly name = 'bullmq';
  readonly up = m.up;
  readonly client: RedisClient;
  private readonly discovery?: QueueDiscovery;
  private readonly stateSha: string;
  private readonly detailsSha: string;
  private readonly histograms?: { readonly wait: HistogramDef; readonly processing: HistogramDef };
  private readonly finished = new Map<string, FinishedJobs>();
  private summaries = new Map<string, QueueSummary>();
  private clientListAllowed?: boolean;

  constructor(
    private readonly config: BullmqCollectorConfig,
    connection: Config['redis'],
    private readonly source: Config['bullmq'],
    private readonly log: Logger,
    options: Partial<RedisClientOptions> = {},
  ) {
    this.client = new RedisClient(connection, { name: 'bullmq', log, ...options });
    this.stateSha = this.client.script(QUEUE_STATE_LUA);
    this.detailsSha = this.client.script(JOB_DETAILS_LUA);
    if (source.queues.length === 0) {
      this.discovery = new QueueDiscovery(this.client, { prefix: source.prefix, maxQueues: config.maxQueues, intervalMs: config.discoveryInterval, callTimeoutMs: config.timeout, log });
    }
    const buckets = config.histogramBuckets;
    if (buckets.length) this.histograms = { wait: { ...m.waitDuration, buckets }, processing: { ...m.processingDuration, buckets } };
  }

  /** Every queue read in the latest successful collection. */
  queueSummaries(): readonly QueueSummary[] {
    return [...this.summaries.values()];
  }

  queueSnapshot(queue: string): QueueSnapshot | undefined {
    const summary = this.summaries.get(queue);
    return summary && { summary, recentFailures: this.recentFailures(queue) };
  }

  /** The latest failed jobs of a queue, newest first (kept in memory, never in /metrics). */
  recentFailures(queue: string): readonly FailedJob[] {
    return this.finished.get(queue)?.recentFailures() ?? [];
  }

  async collect({ out, deadline, signal }: CollectContext): Promise<void> {
    const selection = await this.selectQueues(deadline);
    const { queues } = selection;
    for (const queue of this.finished.keys()) if (!queues.includes(queue)) this.finished.delete(queue);
    const jobs = queues.map((queue) => this.finishedJobs(queue));

    // Round trip 1: every queue's state, and the client list for the worker counts.
    const groups = chunks(queues.map((queue, i) => ({ queue, jobs: jobs[i]! })), this.config.queuesPerCall);
    const commands: RedisCommand[] = groups.map((group) => [
      'evalsha', this.stateSha, group.length,
      ...group.map(({ queue }) => `${this.source.prefix}:${queue}:`),
      ...group.flatMap(({ jobs: j }) => FINISHED.map((state) => j.mode(state))),
    ]);
    commands.push(['client', 'list', 'type', 'normal']);
    const replies = await this.client.batch(deadline, commands, 1000, signal);
    const nowMs = Date.now();
    const raw = new Map<string, RawQueueState>();
    groups.forEach((group, i) => {
      const reply = replies[i]!;
      if (!reply.ok) throw new Error(`reading queues failed: ${errorMessage(reply.error)}`);
      group.forEach(({ queue }, j) => raw.set(queue, decodeQueueState((reply.value as unknown[])[j])));
    });
    const workers = this.workers(replies[replies.length - 1]!, queues);

    // Round trip 2, only when jobs finished: their times (and failure details).
    const plans = queues.flatMap((queue, i) => FINISHED.map((state) => ({ queue, state, jobs: jobs[i]!, ...jobs[i]!.plan(state, state === 'completed' ? raw.get(queue)!.newCompleted : raw.get(queue)!.newFailed) })));
    const details = await this.readJobs(deadline, signal, plans.flatMap((p) => p.requests.map((request) => ({ queue: p.queue, request }))));

    // Nothing below awaits: the state moves only when the whole collection succeeded.
    let k = 0;
    for (const plan of plans) {
      plan.jobs.commit(plan.state, plan.next, plan.requests.map((request) => [request, details[k++]] as const));
    }
    this.summaries = new Map(queues.map((queue) => [queue, summarize(queue, raw.get(queue)!, workers?.get(queue), nowMs)]));
    this.write(out, selection, workers !== undefined);
  }

  private finishedJobs(queue: string): FinishedJobs {
    let jobs = this.finished.get(queue);
    if (!jobs) {
      jobs = new FinishedJobs(this.config.histogramBuckets, this.config.sampleLimit, this.config.failedJobsKept);
      this.finished.set(queue, jobs);
    }
    return jobs;
  }

  /** Configured queues, or the latest discovery (the first scrape waits for the first one). */
  private async selectQueues(deadline: number): Promise<QueueSelection> {
    if (!this.discovery) return { queues: [...new Set(this.source.queues)], leftOut: 0 };
    if (!this.discovery.latest) {
      let timer: NodeJS.Timeout | undefined;
      const remaining = deadline - Date.now();
      await Promise.race([this.discovery.refresh(), new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, remaining - deadlineMargin(remaining)))))]);
      clearTimeout(timer);
      if (!this.discovery.latest) throw new Error('queue discovery has not succeeded yet');
    }
    return this.discovery.latest;
  }

  /** Worker counts from CLIENT LIST; undefined when the exporter may not run it. */
  private workers(reply: Reply, queues: readonly string[]): Map<string, number> | undefined {
    const allowed = reply.ok && typeof reply.value === 'string';
    if (allowed !== this.clientListAllowed) {
      if (!allowed) this.log.warn('CLIENT LIST refused: bullmq_queue_workers not exported (grant the exporter +client|list)', { error: reply.ok ? 'no text' : errorMessage(reply.error) });
      this.clientListAllowed = allowed;
    }
    return allowed ? countWorkers(clientNames(reply.value as string), this.source.prefix, queues) : undefined;
  }

  /** Job details in script calls of JOBS_PER_CALL jobs, in one round trip; one entry per request. */
  private async readJobs(deadline: number, signal: AbortSignal, requests: readonly { queue: string; request: SampleRequest }[]): Promise<(JobDetails | undefined)[]> {
    if (!requests.length) return [];
    const groups = chunks(requests, JOBS_PER_CALL);
    const commands: RedisCommand[] = groups.map((group) => [
      'evalsha', this.detailsSha, group.length,
      ...group.map(({ queue, request }) => `${this.source.prefix}:${queue}:${request.id}`),
      // Bytes: a reason cut to FAILED_REASON_CHARS characters fits in 4 bytes per character.
      FAILED_REASON_CHARS * 4,
      ...group.map(({ request }) => (request.state === 'failed' ? 'f' : 'c')),
    ]);
    const replies = await this.client.batch(deadline, commands, 1000, signal);
    return replies.flatMap((reply, i) => {
      if (!reply.ok) throw new Error(`reading finished jobs failed: ${errorMessage(reply.error)}`);
      return groups[i]!.map((_, j) => decodeJobDetails((reply.value as unknown[])[j]));
    });
  }

  private write(out: MetricBatch, selection: QueueSelection, workersVisible: boolean): void {
    for (const s of this.summaries.values()) {
      const queue = { queue: s.queue };
      for (const state of JOB_STATES) out.set(m.jobs, s.counts[state], { queue: s.queue, state });
      if (s.completedTotal !== undefined) out.set(m.completedTotal, s.completedTotal, queue);
      if (s.failedTotal !== undefined) out.set(m.failedTotal, s.failedTotal, queue);
      out.set(m.addedTotal, s.jobsAdded, queue);
      out.set(m.paused, s.paused ? 1 : 0, queue);
      if (s.workers !== undefined) out.set(m.workers, s.workers, queue);
      if (s.oldestWaitingAgeSeconds !== undefined) out.set(m.oldestWaitingAge, s.oldestWaitingAgeSeconds, queue);
      if (s.oldestActiveAgeSeconds !== undefined) out.set(m.oldestActiveAge, s.oldestActiveAgeSeconds, queue);
      if (s.nextDelayedDueSeconds !== undefined) out.set(m.nextDelayedDue, s.nextDelayedDueSeconds, queue);
      if (s.globalConcurrency !== undefined) out.set(m.globalConcurrency, s.globalConcurrency, queue);
      if (s.globalRateLimit) {
        out.set(m.rateLimitMax, s.globalRateLimit.max, queue);
        out.set(m.rateLimitDuration, s.globalRateLimit.durationSeconds, queue);
      }
      if (s.rateLimited !== undefined) out.set(m.rateLimited, s.rateLimited ? 1 : 0, queue);
      const jobs = this.finished.get(s.queue);
      if (this.histograms && jobs) {
        out.setHistogram(this.histograms.wait, jobs.wait.value, queue);
        out.setHistogram(this.histograms.processing, jobs.processing.value, queue);
        out.set(m.finished, jobs.observed.completed, { queue: s.queue, status: 'completed' });
        out.set(m.finished, jobs.observed.failed, { queue: s.queue, status: 'failed' });
      }
    }
    out.set(m.queues, selection.queues.length);
    out.set(m.workersVisible, workersVisible ? 1 : 0);
    if (this.discovery?.latest) {
      out.set(m.queuesLeftOut, selection.leftOut);
      out.set(m.discoveryLastSuccess, this.discovery.latest.finishedAt);
      out.set(m.discoveryDuration, this.discovery.latest.durationSeconds);
    }
  }

  async close(): Promise<void> {
    this.discovery?.close();
    await this.client.close();
  }
}
