import type { RedisClient } from '../../clients/redis';
import type { Logger } from '../../log/logger';
import { errorMessage } from '../../log/redact';

/**
 * Queue discovery: SCAN for `<prefix>:*:meta` hashes, in the background on an interval (never
 * a keyspace SCAN per scrape). Every queue BullMQ knows has a meta hash: `new Queue()`, any add
 * and any Worker write it, and obliterate() removes it.
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
  /** Queues to read, sorted by name, at most `max`. */
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

export class QueueDiscovery {
  latest?: Discovered;
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private failing = false;

  constructor(private readonly client: RedisClient, private readonly options: DiscoveryOptions) {}

  /** Runs discovery now, or joins the run in progress; the next run is scheduled after it. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.running) {
      clearTimeout(this.timer);
      this.running = this.run().finally(() => {
        this.running = undefined;
        if (!this.closed) this.timer = setTimeout(() => void this.refresh(), this.options.intervalMs).unref();
      });
    }
    return this.running;
  }

  private async run(): Promise<void> {
    const { prefix, maxQueues, callTimeoutMs, log } = this.options;
    const started = performance.now();
    const found = new Set<string>();
    try {
      let cursor = '0';
      do {
        if (this.closed) return;
        const reply = await this.client.call(Date.now() + callTimeoutMs, ['scan', cursor, 'match', metaPattern(prefix), 'count', SCAN_COUNT, 'type', 'hash']);
        const [next, keys] = reply as [string, string[]];
        for (const key of keys) {
          const queue = queueFromMetaKey(key, prefix);
          if (queue !== undefined) found.add(queue);
        }
        cursor = next;
      } while (cursor !== '0');
      const durationSeconds = (performance.now() - started) / 1000;
      this.latest = { ...selectQueues(found, maxQueues), finishedAt: Date.now() / 1000, durationSeconds };
      if (this.failing) log.info('queue discovery works again', { queues: this.latest.queues.length });
      this.failing = false;
      if (this.latest.leftOut > 0) log.debug('queues left out over collectors.bullmq.maxQueues', { leftOut: this.latest.leftOut });
    } catch (err) {
      // The Redis client logs the connection state; say only once that discovery is affected.
      if (!this.failing) log.warn('queue discovery failed; keeping the previous queue list', { error: errorMessage(err) });
      this.failing = true;
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
