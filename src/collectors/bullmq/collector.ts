import type { Collector, CollectContext } from '../types';
import type { RecentFailuresSource } from '../sources';
import type { Config } from '../../config/schema';
import type { BullmqCollectorConfig } from './config';
import type { Logger } from '../../log/logger';
import { labelSet, type MetricBatch } from '../../metrics/batch';
import type { MetricDef } from '../../metrics/define';
import { raceSignal } from '../../runner/deadline';
import { SlicedQueue, Slicer } from '../../runner/slice';
import { RedisClient, type RedisClientOptions, type RedisCommand, type Reply } from '../../clients/redis';
import { RedisEndpoint, type RedisMode } from '../../clients/redis-endpoint';
import type { RedisClusterClient } from '../../clients/redis-cluster';
import { bullmqMetrics as m } from './metrics';
import { planByNode } from './cluster-plan';
import { JOB_DETAILS_LUA, JOBS_PER_CALL, QUEUE_STATE_LUA } from './scripts';
import {
  JOB_STATES,
  decodeQueueState,
  queueReadError,
  parseScriptReply,
  summarize,
  type QueueReading,
  type RawQueueState,
} from './queue-state';
import {
  FAILED_REASON_CHARS,
  FinishedJobs,
  decodeJobDetails,
  durationHistograms,
  type DurationHistograms,
  type FailedJob,
  type FinishedState,
  type JobDetails,
  type SampleRequest,
} from './finished-jobs';
import { QueueDiscovery, type QueueSelection } from './discovery';
import { armCommand, keptState, QueueChanges, type KeptReading } from './changes';
import { clientNames, countWorkers, workerNameIndex } from './workers';
import { bytesOfText, textOfBytes, toArg, uniqueLabels } from './queue-name';

type HistogramDefs<L extends string> = {
  readonly wait: MetricDef<L, 'histogram'>;
  readonly processing: MetricDef<L, 'histogram'>;
};

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const FINISHED: readonly FinishedState[] = ['completed', 'failed'];

/** Redis Cluster answers for a slot being migrated between two masters (resharding). */
const SLOT_MIGRATING = /^(ASK|TRYAGAIN) /;

/** One queue's label sets (prepared by the batch once: labelSet) and key prefix, built once: a scrape of 1,000 queues otherwise allocates them 20,000 times. */
interface QueueNames {
  /** `<prefix>:<queue>:` as a command argument with exactly its bytes. */
  readonly keyPrefix: string | Buffer;
  /** The same as a byte string, to build job keys from. */
  readonly keyPrefixBytes: string;
  readonly queue: { readonly queue: string };
  readonly states: readonly { readonly queue: string; readonly state: string }[];
  readonly finished: Readonly<Record<FinishedState, { readonly queue: string; readonly status: string }>>;
}

/** `prefixBytes` and `queue` are byte strings; `label` is the queue's UTF-8 label (queue-name.ts). */
function queueNames(prefixBytes: string, queueBytes: string, queue: string): QueueNames {
  const keyPrefixBytes = `${prefixBytes}:${queueBytes}:`;
  return Object.freeze({
    keyPrefix: toArg(keyPrefixBytes),
    keyPrefixBytes,
    queue: labelSet({ queue }),
    states: JOB_STATES.map((state) => labelSet({ queue, state })),
    finished: {
      completed: labelSet({ queue, status: 'completed' }),
      failed: labelSet({ queue, status: 'failed' }),
    },
  });
}

/**
 * BullMQ queues read straight from Redis: per scrape one round trip of script calls (each
 * reading `queuesPerCall` queues) plus CLIENT LIST, and a second one only when jobs finished
 * since the last scrape (their times, for the histograms). Queue discovery runs in the
 * background. See docs/collectors/bullmq.md.
 */
export class BullmqCollector implements Collector, RecentFailuresSource {
  readonly name = 'bullmq';
  readonly up = m.up;
  /** One server or a cluster (redis.cluster, or asked at the first collection). */
  readonly endpoint: RedisEndpoint;
  /** The connection used when Redis is one server. */
  readonly client: RedisClient;
  private readonly discovery?: QueueDiscovery;
  private readonly stateSha: string;
  private readonly detailsSha: string;
  /** histograms: per-queue: the definitions with the configured buckets. */
  private readonly perQueue?: HistogramDefs<'queue'>;
  /** histograms: total: one pair for every queue, kept across queue list changes so it never goes back. */
  private readonly total?: { readonly defs: HistogramDefs<never>; readonly state: DurationHistograms };
  private readonly finished = new Map<string, FinishedJobs>();
  /** Queues of the latest collection whose keys could not be read, with Redis' error. */
  private readErrors = new Map<string, string>();
  private clientListAllowed?: boolean;
  /** Configured queues, de-duplicated once, as byte strings. */
  private readonly configured: QueueSelection;
  /** The prefix's bytes as a byte string. */
  private readonly prefixBytes: string;
  /** Labels of the current queue list (rebuilt when it changes), and the way back from a label. */
  private labels?: {
    readonly queues: readonly string[];
    readonly label: Map<string, string>;
    readonly byLabel: Map<string, string>;
  };
  private readonly names = new Map<string, QueueNames>();
  /** Which queues changed since they were read (collectors.bullmq.changeTracking, one server only). */
  private readonly changes?: QueueChanges;
  private readonly kept = new Map<string, KeptReading>();
  /** Worker connection names of the current queue list, rebuilt when the list changes. */
  private workerIndex?: { readonly queues: readonly string[]; readonly index: Map<string, string> };

  constructor(
    private readonly config: BullmqCollectorConfig,
    connection: Config['redis'],
    private readonly source: Config['bullmq'],
    private readonly log: Logger,
    options: Partial<RedisClientOptions> = {},
  ) {
    this.endpoint = new RedisEndpoint(connection, { name: 'bullmq', log, ...options });
    this.client = this.endpoint.standalone;
    this.configured = { queues: [...new Set(source.queues.map(bytesOfText))], leftOut: 0 };
    this.prefixBytes = bytesOfText(source.prefix);
    this.stateSha = this.endpoint.script(QUEUE_STATE_LUA);
    this.detailsSha = this.endpoint.script(JOB_DETAILS_LUA);
    if (config.changeTracking)
      this.changes = new QueueChanges(this.client, this.endpoint.companion('bullmq-changes'), this.prefixBytes, log);
    if (source.queues.length === 0) {
      this.discovery = new QueueDiscovery(this.endpoint, {
        prefix: source.prefix,
        maxQueues: config.maxQueues,
        intervalMs: config.discoveryInterval,
        callTimeoutMs: config.timeout,
        log,
      });
    }
    const buckets = config.histogramBuckets;
    if (config.histograms === 'per-queue')
      this.perQueue = { wait: { ...m.waitDuration, buckets }, processing: { ...m.processingDuration, buckets } };
    if (config.histograms === 'total') {
      const defs = {
        wait: { ...m.waitDuration, labels: [], buckets },
        processing: { ...m.processingDuration, labels: [], buckets },
      };
      this.total = { defs, state: durationHistograms(buckets) };
    }
  }

  /** The queue (byte string) a label names, in the current list. */
  private byLabel(label: string): string | undefined {
    return this.labels?.byLabel.get(label);
  }

  /** The latest failed jobs of a queue (by label), newest first (kept in memory, never in /metrics); ids as text. */
  recentFailures(label: string): readonly FailedJob[] {
    const queue = this.byLabel(label);
    const jobs = queue === undefined ? undefined : this.finished.get(queue);
    return (jobs?.recentFailures() ?? []).map((f) => ({ ...f, id: textOfBytes(f.id) }));
  }

  async collect({ out, deadline, signal }: CollectContext): Promise<void> {
    const mode = await this.endpoint.resolve(deadline, signal);
    const selection = await this.selectQueues(signal);
    const { queues } = selection;
    if (this.labels?.queues !== queues) {
      const label = uniqueLabels(queues);
      this.labels = { queues, label, byLabel: new Map([...label].map(([q, l]) => [l, q])) };
      this.names.clear();
    }
    const current = new Set(queues);
    for (const queue of this.finished.keys()) if (!current.has(queue)) this.finished.delete(queue);
    for (const queue of this.names.keys()) if (!current.has(queue)) this.names.delete(queue);
    for (const queue of this.kept.keys()) if (!current.has(queue)) this.kept.delete(queue);

    // Only the queues Redis reports changed are read; the others' kept readings are exposed again.
    const toRead =
      mode.kind === 'standalone' && this.changes
        ? await this.changes.toRead(deadline, signal, queues, (queue) => !this.kept.has(queue))
        : 'untracked';
    const reading = typeof toRead === 'string' ? queues : queues.filter((queue) => toRead.has(queue));
    const tracked = toRead !== 'untracked';
    // Forgotten before they are read: a collection that fails reads them again next time.
    if (typeof toRead === 'string') this.kept.clear();
    else for (const queue of reading) this.kept.delete(queue);

    // Round trip 1: the queues to read in script calls of queuesPerCall queues, and the client
    // list. Each call's answer is decoded as it arrives (in order: one connection), while Redis
    // still reads the next queues, in time slices: answers that arrive in one read are not
    // decoded in one stretch of the event loop.
    const decoding = new SlicedQueue();
    const raw = new Map<string, RawQueueState>();
    const readErrors = new Map<string, string>();
    /** Queues whose tracking command failed: their reading is not kept. */
    const unarmed = new Set<string>();
    /** Readings to keep, once the whole collection has succeeded. */
    const keep = new Map<string, KeptReading>();
    let workers: Map<string, number> | undefined;
    const onClientList = (reply: Reply): void => {
      workers = this.workers(reply, queues);
    };
    const setWorkers = (counted: Map<string, number> | undefined): void => {
      workers = counted;
    };
    const onStates = (group: readonly string[], reply: Reply): void => {
      if (!reply.ok && SLOT_MIGRATING.test(reply.error.message)) {
        // A Redis Cluster slot moving right now: its queues report a read error, the others stay exact.
        for (const queue of group) readErrors.set(queue, this.log.redactor.errorMessage(reply.error));
        return;
      }
      if (!reply.ok) throw new Error(`reading queues failed: ${this.log.redactor.errorMessage(reply.error)}`);
      const states = parseScriptReply(reply.value);
      const readAtMs = Date.now();
      group.forEach((queue, j) => {
        const readError = queueReadError(states[j]);
        if (readError !== undefined) {
          // This queue's keys cannot be read (a key of the wrong type): it reports its own error,
          // every other queue stays exact and bullmq_up stays 1.
          readErrors.set(queue, textOfBytes(readError));
          return;
        }
        const state = decodeQueueState(states[j]);
        raw.set(queue, state);
        // Kept only when Redis tracks its keys, and when no finished job waits for the next read (sampleLimit).
        const limit = this.config.sampleLimit;
        if (tracked && !unarmed.has(queue) && state.newCompleted.length < limit && state.newFailed.length < limit)
          keep.set(queue, { state: { ...state, newCompleted: [], newFailed: [] }, readAtMs });
      });
    };
    const decodeStates = (group: readonly string[], reply: Reply): void =>
      decoding.push(() => onStates(group, reply), group.length * 32);
    if (mode.kind === 'cluster')
      await this.readStatesOnCluster(mode.client, deadline, signal, queues, setWorkers, decodeStates);
    else
      await this.readStatesOnServer(deadline, signal, reading, tracked, {
        clientList: (reply) => decoding.push(() => onClientList(reply), 64),
        states: decodeStates,
        unarmed: (group) => group.forEach((queue) => unarmed.add(queue)),
      });
    await decoding.drain();

    // Every queue in list order (so the exposition keeps its order): read now, or kept.
    const nowMs = Date.now();
    const slicer = new Slicer();
    for (const queue of queues) {
      if (slicer.due(16)) await slicer.pause();
      const names = this.namesOf(queue);
      const readError = readErrors.has(queue);
      const kept = this.kept.get(queue);
      const state = raw.get(queue) ?? (kept && keptState(kept, nowMs));
      if (!readError && !state) continue;
      out.set(m.readError, readError ? 1 : 0, names.queue);
      if (state) writeQueue(out, summarize(names.queue.queue, state, workers?.get(queue), nowMs), names);
    }

    // Round trip 2, only when jobs finished: their times (and failure details).
    const plans = queues.flatMap((queue) => {
      const state = raw.get(queue);
      if (!state) return [];
      const jobs = this.finishedJobs(queue);
      return FINISHED.map((which) => ({
        queue,
        jobs,
        which,
        ...jobs.plan(which, which === 'completed' ? state.newCompleted : state.newFailed),
      }));
    });
    const details = await this.readJobs(
      mode,
      deadline,
      signal,
      plans.flatMap((p) => p.requests.map((request) => ({ queue: p.queue, request }))),
    );

    // Nothing below awaits: the state moves only when the whole collection succeeded.
    let k = 0;
    for (const plan of plans)
      plan.jobs.commit(
        plan.which,
        plan.next,
        plan.requests.map((request) => [request, details[k++]] as const),
      );
    this.readErrors = readErrors;
    for (const [queue, reading] of keep) this.kept.set(queue, reading);
    if (readErrors.size)
      this.log.debug('queues not readable', { queues: readErrors.size, first: [...readErrors.values()][0] });
    out.set(m.queuesRead, reading.length);
    this.writeCollection(out, selection, workers !== undefined);
  }

  /**
   * Round trip 1 on one server: per group of queues a pipeline of the tracking command (when
   * `tracked`, changes.ts) and the script call, then CLIENT LIST in a pipeline of its own (worker
   * counts are only needed once every queue is read).
   */
  private async readStatesOnServer(
    deadline: number,
    signal: AbortSignal,
    queues: readonly string[],
    tracked: boolean,
    on: {
      readonly clientList: (reply: Reply) => void;
      readonly states: (group: readonly string[], reply: Reply) => void;
      /** The tracking command failed for these queues: their reading must not be kept. */
      readonly unarmed: (group: readonly string[]) => void;
    },
  ): Promise<void> {
    const commands: RedisCommand[] = [];
    const handlers: ((reply: Reply) => void)[] = [];
    for (const group of chunks(queues, this.config.queuesPerCall)) {
      if (tracked) {
        commands.push(armCommand(group.map((queue) => this.namesOf(queue).keyPrefixBytes)));
        handlers.push((reply) => {
          if (!reply.ok) on.unarmed(group);
        });
      }
      commands.push(this.stateCommand(group));
      handlers.push((reply) => on.states(group, reply));
    }
    commands.push(['client', 'list', 'type', 'normal']);
    handlers.push(on.clientList);
    await this.client.batch(deadline, commands, {
      chunk: tracked ? 2 : 1,
      signal,
      onReply: (index, reply) => handlers[index](reply),
      inFlight: this.config.callsInFlight || undefined,
    });
  }

  /**
   * Round trip 1 on a cluster: each master gets one pipeline, CLIENT LIST then one state script
   * call per slot of its queues. A Worker's ioredis Cluster names its connection to every node it
   * opened, so a worker shows on several masters: as BullMQ's getWorkers() does, a queue's count is
   * the highest any one master shows, not the sum.
   */
  private async readStatesOnCluster(
    client: RedisClusterClient,
    deadline: number,
    signal: AbortSignal,
    queues: readonly string[],
    setWorkers: (workers: Map<string, number> | undefined) => void,
    onStates: (group: readonly string[], reply: Reply) => void,
  ): Promise<void> {
    await client.ready(deadline, signal);
    const plan = planByNode(
      queues,
      (queue) => this.namesOf(queue).keyPrefixBytes,
      (key) => client.nodeOf(key),
      this.config.queuesPerCall,
    );
    if (plan.unserved.length) throw new Error(`${plan.unserved.length} queues are in slots no master serves`);
    const clientList: RedisCommand = ['client', 'list', 'type', 'normal'];
    const batches = new Map<string, RedisCommand[]>(client.masters().map((node) => [node, [clientList]]));
    for (const [node, calls] of plan.byNode)
      batches.set(node, [clientList, ...calls.map((group) => this.stateCommand(group))]);
    const replies = await client.perNode(deadline, batches, signal);
    const perNode = [...replies.values()].map((r) => this.workers(r[0], queues));
    if (perNode.some((counts) => counts === undefined)) setWorkers(undefined);
    else {
      const most = new Map<string, number>();
      for (const counts of perNode as Map<string, number>[])
        for (const [queue, n] of counts) most.set(queue, Math.max(n, most.get(queue) ?? 0));
      setWorkers(most);
    }
    for (const [node, calls] of plan.byNode) calls.forEach((group, i) => onStates(group, replies.get(node)![i + 1]));
  }

  /** EVALSHA of the queue state script for some queues, with each one's finished-job reading mode. */
  private stateCommand(queues: readonly string[]): RedisCommand {
    const modes = queues.flatMap((queue) => {
      const jobs = this.finishedJobs(queue);
      return FINISHED.map((which) => jobs.mode(which));
    });
    // Byte strings to exact bytes: a mode holds the newest member's id, as Redis returned it.
    return [
      'evalshaBuffer',
      this.stateSha,
      queues.length,
      ...queues.map((queue) => this.namesOf(queue).keyPrefix),
      ...modes.map(toArg),
    ];
  }

  private namesOf(queue: string): QueueNames {
    let names = this.names.get(queue);
    if (!names) {
      names = queueNames(this.prefixBytes, queue, this.labels?.label.get(queue) ?? textOfBytes(queue));
      this.names.set(queue, names);
    }
    return names;
  }

  private finishedJobs(queue: string): FinishedJobs {
    let jobs = this.finished.get(queue);
    if (!jobs) {
      const durations = this.perQueue ? durationHistograms(this.config.histogramBuckets) : this.total?.state;
      jobs = new FinishedJobs(durations, this.config.sampleLimit, this.config.failedJobsKept);
      this.finished.set(queue, jobs);
    }
    return jobs;
  }

  /** Configured queues, or the latest discovery (the first scrape waits for the first one, until `signal`). */
  private async selectQueues(signal: AbortSignal): Promise<QueueSelection> {
    if (!this.discovery) return this.configured;
    if (!this.discovery.latest) {
      await raceSignal(this.discovery.refresh(), signal, () => new Error('deadline')).catch(() => undefined);
      if (!this.discovery.latest) throw new Error('queue discovery has not succeeded yet');
    }
    return this.discovery.latest;
  }

  /** Worker counts from CLIENT LIST; undefined when the exporter may not run it. */
  private workers(reply: Reply, queues: readonly string[]): Map<string, number> | undefined {
    const allowed = reply.ok && typeof reply.value === 'string';
    if (allowed !== this.clientListAllowed) {
      if (!allowed)
        this.log.warn('CLIENT LIST refused: bullmq_queue_workers not exported (grant the exporter +client|list)', {
          error: reply.ok ? 'no text' : this.log.redactor.errorMessage(reply.error),
        });
      this.clientListAllowed = allowed;
    }
    if (!allowed) return undefined;
    if (this.workerIndex?.queues !== queues)
      this.workerIndex = { queues, index: workerNameIndex(this.source.prefix, queues, 'latin1') };
    return countWorkers(clientNames(reply.value), this.source.prefix, this.workerIndex.index);
  }

  /** Job details in script calls of JOBS_PER_CALL jobs, in one round trip; one entry per request. */
  private async readJobs(
    mode: RedisMode,
    deadline: number,
    signal: AbortSignal,
    requests: readonly { queue: string; request: SampleRequest }[],
  ): Promise<(JobDetails | undefined)[]> {
    if (!requests.length) return [];
    const keyOf = (i: number) => `${this.namesOf(requests[i].queue).keyPrefixBytes}${requests[i].request.id}`;
    const command = (group: readonly number[]): RedisCommand => [
      'evalshaBuffer',
      this.detailsSha,
      group.length,
      ...group.map((i) => toArg(keyOf(i))),
      // Bytes: a reason cut to FAILED_REASON_CHARS characters fits in 4 bytes per character.
      FAILED_REASON_CHARS * 4,
      ...group.map((i) => (requests[i].request.state === 'failed' ? 'f' : 'c')),
    ];
    const indexes = requests.map((_, i) => i);
    const details = new Array<JobDetails | undefined>(requests.length);
    const decode = (group: readonly number[], reply: Reply): void => {
      if (!reply.ok) throw new Error(`reading finished jobs failed: ${this.log.redactor.errorMessage(reply.error)}`);
      const jobs = parseScriptReply(reply.value);
      group.forEach((index, j) => (details[index] = decodeJobDetails(jobs[j], this.log.redactor)));
    };
    if (mode.kind === 'cluster') {
      // One pipeline per master holding finished jobs, one call per slot (job keys share their queue's slot).
      const plan = planByNode(indexes, keyOf, (key) => mode.client.nodeOf(key), JOBS_PER_CALL);
      if (plan.unserved.length) throw new Error(`${plan.unserved.length} finished jobs are in slots no master serves`);
      const batches = new Map([...plan.byNode].map(([node, calls]) => [node, calls.map(command)]));
      const replies = await mode.client.perNode(deadline, batches, signal);
      for (const [node, calls] of plan.byNode) calls.forEach((group, i) => decode(group, replies.get(node)![i]));
      return details;
    }
    const groups = chunks(indexes, JOBS_PER_CALL);
    const replies = await this.client.batch(deadline, groups.map(command), {
      chunk: 1,
      signal,
      inFlight: this.config.callsInFlight || undefined,
    });
    replies.forEach((reply, i) => decode(groups[i], reply));
    return details;
  }

  /** Histograms and finished counts (after the finished jobs are recorded), and the collection-wide gauges. */
  private writeCollection(out: MetricBatch, selection: QueueSelection, workersVisible: boolean): void {
    for (const queue of selection.queues) {
      const jobs = this.finished.get(queue);
      if (!jobs || this.readErrors.has(queue)) continue; // not readable in this collection
      const names = this.namesOf(queue);
      // A queue's histograms appear with its first finished job and then stay: until then they
      // would be 20 empty series per queue, and a series that comes and goes breaks rate().
      if (this.perQueue && jobs.durations && jobs.anyObserved) {
        out.setHistogram(this.perQueue.wait, jobs.durations.wait.value, names.queue);
        out.setHistogram(this.perQueue.processing, jobs.durations.processing.value, names.queue);
      }
      out.set(m.finished, jobs.observed.completed, names.finished.completed);
      out.set(m.finished, jobs.observed.failed, names.finished.failed);
    }
    if (this.total) {
      out.setHistogram(this.total.defs.wait, this.total.state.wait.value);
      out.setHistogram(this.total.defs.processing, this.total.state.processing.value);
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
    await this.changes?.close();
    await this.endpoint.close();
  }
}

/** One queue's gauges and counters. */
function writeQueue(out: MetricBatch, s: QueueReading, names: QueueNames): void {
  const queue = names.queue;
  JOB_STATES.forEach((state, i) => out.set(m.jobs, s.counts[state], names.states[i]));
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
}
