import type { Logger } from '../../log/logger';
import type { RedisClient } from '../../clients/redis';
import { QUEUE_KEYS } from './scripts';
import { toArg } from './queue-name';
import type { RawQueueState } from './queue-state';

/** The channel Redis publishes CLIENT TRACKING invalidations on, for a client that redirects them. */
const INVALIDATE_CHANNEL = '__redis__:invalidate';
/** `:<key>` for each key QUEUE_KEYS names: how an invalidated key of a queue ends. */
const KEY_ENDINGS = QUEUE_KEYS.map((key) => `:${key}`);

/**
 * What `QueueChanges.toRead` answers: the queues that changed since they were read; 'all' to
 * read (tracking restarted); 'untracked' when changes cannot be told this time (read every queue
 * and keep no reading).
 */
export type QueuesToRead = 'all' | 'untracked' | ReadonlySet<string>;

/**
 * Which queues changed since the collector last read them, as Redis itself tells (server-assisted
 * client-side caching, `CLIENT TRACKING`). At 1,000 mostly idle queues, reading every queue's
 * 13 keys was ~20 ms of Redis time per scrape, the largest part of it; a queue nobody touched
 * since the last scrape now costs nothing in Redis, and its last reading is exposed again.
 *
 * How it stays exact:
 * - Before the state script reads a queue, the collector sends `EXISTS` over all the keys the
 *   script reads (`armCommand`): Redis then remembers that this connection read them, and tells
 *   the first later write to any of them (missing keys included, and a key that expires) on the
 *   invalidation channel. Scripts alone would not do: Redis before 7.2 tracks a script's declared
 *   keys, not the keys it reads.
 * - The invalidations go to a second connection (`REDIRECT`, RESP2 like every connection here).
 *   At the start of a collection a PING on that connection is the barrier: its answer comes after
 *   every invalidation for writes Redis ran before it, so the queues not marked by then read
 *   exactly as they would at that instant.
 * - Anything that could lose an invalidation makes every queue be read again: either connection
 *   new (Redis restarted, a network cut), a flush (Redis then invalidates everything), a barrier
 *   that did not answer. When Redis refuses tracking (an ACL without `+client|tracking` or the
 *   channel, a proxy, Redis before 6) every queue is read every time, as before; it is asked
 *   again after the next reconnection.
 * Redis keeps one entry per tracked key (13 per queue) in its tracking table; when that
 * table is full (tracking-table-max-keys) it invalidates keys to make room, which only costs
 * reads.
 */
export class QueueChanges {
  /** `connections` of the subscriber and of the main client when tracking was last turned on. */
  private armed?: { readonly sub: number; readonly main: number };
  /** The subscriber connection that is subscribed, and its CLIENT ID. */
  private subscribed?: { readonly connection: number; readonly id: number };
  /** The main connection on which Redis refused tracking (or its channel); asked again on a new connection. */
  private refusedOn?: number;
  private readonly changed = new Set<string>();
  /** Every queue must be read (an invalidation may have been lost). */
  private everything = true;
  /** `<prefix>:` as a byte string: invalidated keys under it name a queue. */
  private readonly keyStart: string;

  /** `main` reads the queues; `sub`, a second connection to the same server, receives the invalidations. */
  constructor(
    private readonly main: RedisClient,
    private readonly sub: RedisClient,
    prefixBytes: string,
    private readonly log: Logger,
  ) {
    this.keyStart = `${prefixBytes}:`;
    this.sub.redis.on('messageBuffer', (channel: Buffer, keys: unknown) => this.onInvalidate(channel, keys));
  }

  /**
   * The queues of this collection that must be read: those changed since they were read, plus
   * `unread` ones (the caller has no reading of them).
   * Call it before sending the reads; every queue it does not name may be served from its last
   * reading.
   */
  async toRead(
    deadline: number,
    signal: AbortSignal,
    queues: readonly string[],
    unread: (queue: string) => boolean,
  ): Promise<QueuesToRead> {
    if (this.refusedOn !== undefined && this.refusedOn === this.main.connections) return 'untracked';
    // The barrier gets at most a quarter of what is left: a slow one falls back to reading everything.
    const barrierDeadline = Math.min(deadline, Date.now() + Math.max(0, deadline - Date.now()) / 4);
    try {
      await this.track(barrierDeadline, signal);
      await this.sub.call(barrierDeadline, ['ping'], signal);
    } catch (err) {
      this.everything = true;
      if (/^(ERR|NOPERM)/.test(err instanceof Error ? err.message : '')) {
        // Refused (ACL, proxy, Redis before 6): not asked again until the main connection is new.
        this.refusedOn = this.main.connections;
        this.log.warn('Redis refused change tracking: every queue is read at every scrape', {
          error: this.log.redactor.errorMessage(err),
          grant: '+client|id +client|tracking +subscribe &__redis__:invalidate',
        });
        void this.sub.close();
      } else {
        this.log.debug('queue change tracking unavailable for this collection', {
          error: this.log.redactor.errorMessage(err),
        });
      }
      return 'untracked';
    }
    if (this.everything) {
      this.everything = false;
      this.changed.clear();
      return 'all';
    }
    const out = new Set<string>();
    for (const queue of queues) if (this.changed.has(queue) || unread(queue)) out.add(queue);
    this.changed.clear();
    return out;
  }

  /** Subscribes the second connection and turns tracking on for the main one, when either is new. */
  private async track(deadline: number, signal: AbortSignal): Promise<void> {
    await this.sub.ready(deadline, signal);
    await this.main.ready(deadline, signal);
    let subscribed = this.subscribed;
    if (subscribed?.connection !== this.sub.connections) {
      this.everything = true;
      const id = Number(await this.sub.call(deadline, ['client', 'id'], signal));
      await this.sub.call(deadline, ['subscribe', INVALIDATE_CHANNEL], signal);
      subscribed = this.subscribed = { connection: this.sub.connections, id };
    }
    if (this.armed?.sub === this.sub.connections && this.armed.main === this.main.connections) return;
    this.everything = true;
    await this.main.call(deadline, ['client', 'tracking', 'on', 'redirect', subscribed.id], signal);
    this.armed = { sub: this.sub.connections, main: this.main.connections };
  }

  private onInvalidate(channel: Buffer, keys: unknown): void {
    if (channel.toString('latin1') !== INVALIDATE_CHANNEL) return;
    // No key list: Redis flushed a database, or dropped its whole tracking table.
    if (!Array.isArray(keys)) {
      this.everything = true;
      return;
    }
    for (const key of keys) {
      if (!Buffer.isBuffer(key)) continue;
      const text = key.toString('latin1');
      if (!text.startsWith(this.keyStart)) continue;
      // `<prefix>:<queue>:<key>`, where a queue name may hold ':' too: every reading is marked.
      for (const ending of KEY_ENDINGS) {
        if (text.length > this.keyStart.length + ending.length && text.endsWith(ending))
          this.changed.add(text.slice(this.keyStart.length, text.length - ending.length));
      }
    }
  }

  async close(): Promise<void> {
    await this.sub.close();
  }
}

/**
 * `EXISTS` over every key the state script reads for these queues (`keyPrefixBytes` each
 * `<prefix>:<queue>:`), sent just before the script call: from then on Redis tells the first
 * change to any of them. Sent before, not after, so that no write can fall between the reading
 * and the tracking.
 */
export function armCommand(keyPrefixes: readonly string[]): [string, ...(string | Buffer)[]] {
  const keys: (string | Buffer)[] = [];
  for (const prefix of keyPrefixes) for (const suffix of QUEUE_KEYS) keys.push(toArg(`${prefix}${suffix}`));
  return ['exists', ...keys];
}

/** A queue's latest reading, served again while Redis reports no change to its keys (changes.ts). */
export interface KeptReading {
  readonly state: RawQueueState;
  readonly readAtMs: number;
}

/**
 * A kept reading as it reads now: the one relative figure, the limiter's remaining time, counts
 * down (an expired limiter is gone, as Redis would answer), and no job is new since.
 */
export function keptState({ state, readAtMs }: KeptReading, nowMs: number): RawQueueState {
  const ttl = state.limiterTtlMs > 0 ? state.limiterTtlMs - (nowMs - readAtMs) : state.limiterTtlMs;
  if (ttl === state.limiterTtlMs) return state;
  return ttl > 0 ? { ...state, limiterTtlMs: ttl } : { ...state, limiterTtlMs: -2, limiterValue: undefined };
}
