import type { RedisCommand } from '../../clients/redis';
import type { RedisEndpoint } from '../../clients/redis-endpoint';
import type { Logger } from '../../log/logger';
import { BackgroundRefresh } from '../background';
import { bytesOfText, toArg } from './queue-name';
import { sameStrings } from '../../compare';

/**
 * Queue discovery: SCAN for `<prefix>:*:meta` hashes, in the background on an interval (never
 * a keyspace SCAN per scrape). Every queue BullMQ knows has a meta hash: `new Queue()`, any add
 * and any Worker write it, and obliterate() removes it. On a Redis Cluster every master is scanned
 * (one SCAN per master per step, sent together), so queues are found whatever their hash tag.
 */

/** SCAN MATCH pattern for a prefix, with glob characters in the prefix escaped. */
export const metaPattern = (prefix: string): string => `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*:meta`;

/**
 * The queue a key names, or undefined. Queue names cannot contain ':' (BullMQ refuses them), so
 * job hashes whose custom id ends in ':meta' (`<prefix>:<queue>:a:b:meta`) do not match.
 */
export function queueFromMetaKey(key: string, prefix: string): string | undefined {
  if (!key.startsWith(`${prefix}:`) || !key.endsWith(':meta')) return undefined;
  const queue = key.slice(prefix.length + 1, -':meta'.length);
  return queue !== '' && !queue.includes(':') ? queue : undefined;
}

export interface QueueSelection {
  /** Queues to read (their names' bytes, see queue-name.ts), sorted, at most `max`. */
  readonly queues: readonly string[];
  /** Queues found beyond `max`. */
  readonly leftOut: number;
}

/** Sorted, de-duplicated, capped: the same queues are chosen on every run. */
export function selectQueues(found: Iterable<string>, max: number): QueueSelection {
  const all = [...new Set(found)].sort();
  return { queues: all.slice(0, max), leftOut: Math.max(0, all.length - max) };
}

export interface Discovered extends QueueSelection {
  /** Epoch seconds when the run finished. */
  readonly finishedAt: number;
  readonly durationSeconds: number;
}

export interface DiscoveryOptions {
  readonly prefix: string;
  readonly maxQueues: number;
  readonly intervalMs: number;
  /** Upper bound for one SCAN call. */
  readonly callTimeoutMs: number;
  readonly log: Logger;
}

/** Keys examined per SCAN call: large enough to be quick, small enough that no call is long. */
const SCAN_COUNT = 1000;

/**
 * Runs the SCAN on the shared background schedule (src/collectors/background.ts): never two at
 * once, each bounded by the interval, failures logged once per streak, the previous list kept.
 */
export class QueueDiscovery {
  private readonly refresher: BackgroundRefresh<QueueSelection>;

  constructor(
    private readonly endpoint: RedisEndpoint,
    private readonly options: DiscoveryOptions,
  ) {
    this.refresher = new BackgroundRefresh({
      what: 'queue discovery',
      intervalMs: options.intervalMs,
      timeoutMs: options.intervalMs,
      task: (signal) => this.scan(signal),
      log: options.log,
    });
  }

  /** The latest successful discovery, if any. */
  get latest(): Discovered | undefined {
    const r = this.refresher.latest;
    return r && { ...r.value, finishedAt: r.finishedAt, durationSeconds: r.durationSeconds };
  }

  /** Runs discovery now, or joins the run in progress; the next run is scheduled after it. */
  refresh(): Promise<void> {
    return this.refresher.refresh();
  }

  private async scan(signal: AbortSignal): Promise<QueueSelection> {
    const { prefix, maxQueues, callTimeoutMs, log } = this.options;
    const found = new Set<string>();
    const prefixBytes = bytesOfText(prefix);
    // Keys as bytes: a queue whose name is not UTF-8 is found under its exact name (queue-name.ts).
    const scan = (cursor: string): RedisCommand => [
      'scanBuffer',
      cursor,
      'match',
      toArg(metaPattern(prefixBytes)),
      'count',
      SCAN_COUNT,
      'type',
      'hash',
    ];
    const take = (reply: unknown): string => {
      const [next, keys] = reply as [Buffer, Buffer[]];
      for (const key of keys) {
        const queue = queueFromMetaKey(key.toString('latin1'), prefixBytes);
        if (queue !== undefined) found.add(queue);
      }
      return next.toString('latin1');
    };
    const deadline = () => Date.now() + callTimeoutMs;
    const mode = await this.endpoint.resolve(deadline(), signal);
    if (mode.kind === 'standalone') {
      let cursor = '0';
      do {
        if (signal.aborted) throw signal.reason;
        cursor = take(await mode.client.call(deadline(), scan(cursor)));
      } while (cursor !== '0');
    } else {
      // Every master's cursor advances together: one pipeline per master and step.
      await mode.client.ready(deadline(), signal);
      const cursors = new Map(mode.client.masters().map((node) => [node, '0']));
      while (cursors.size) {
        if (signal.aborted) throw signal.reason;
        const batches = new Map([...cursors].map(([node, cursor]) => [node, [scan(cursor)]]));
        for (const [node, [reply]] of await mode.client.perNode(deadline(), batches, signal)) {
          if (!reply.ok) throw reply.error;
          const next = take(reply.value);
          if (next === '0') cursors.delete(node);
          else cursors.set(node, next);
        }
      }
    }
    const selection = selectQueues(found, maxQueues);
    if (selection.leftOut > 0)
      log.debug('queues left out over collectors.bullmq.maxQueues', { leftOut: selection.leftOut });
    // The same list as last time is the same array: the collector rebuilds its ~13 label sets per
    // queue (and their texts) only when the list is a new one.
    const previous = this.refresher.latest?.value.queues;
    if (previous && sameStrings(previous, selection.queues)) return { ...selection, queues: previous };
    return selection;
  }

  close(): void {
    void this.refresher.close();
  }
}
