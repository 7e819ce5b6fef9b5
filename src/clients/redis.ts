import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import Redis from 'ioredis';
import type { Logger } from '../log/logger';
import { CLIENT_NAME_PREFIX, connectionOptions, type RedisTarget } from './redis-options';
import { raceDeadline, settleWithin } from '../runner/deadline';

export { DEFAULT_REDIS_URL, connectionOptions, type RedisTarget } from './redis-options';

/**
 * The exporter's Redis connections. Each collector that reads Redis owns one `RedisClient`
 * (so the redis collector's PING is never queued behind the queue collector's batch), and
 * every client follows the same rules:
 *
 * - Connect on demand, at most one attempt per `reconnectIntervalMs`: ioredis' own reconnect
 *   loop is off, so a Redis that is down sees one connection attempt per scrape, never a storm.
 * - No offline queue and no retries: a command sent while disconnected fails at once.
 * - Every call is bounded by the scrape deadline. A call still unanswered at the deadline (a
 *   frozen Redis) drops the connection, so unanswered commands never pile up on the socket.
 * - State changes (up -> down, down -> up) are logged once; failures in between only at debug.
 */

export interface RedisClientOptions {
  /** Connection name suffix: CLIENT LIST shows `jobstack-exporter:<name>`. */
  readonly name: string;
  readonly log: Logger;
  /** Minimum time between connection attempts after a failed one. */
  readonly reconnectIntervalMs?: number;
  /** Extra TLS options for rediss:// (a private CA); NODE_EXTRA_CA_CERTS works too. */
  readonly tls?: ConnectionOptions;
  /** State changes logged at debug only: a second connection whose loss the first one already reports. */
  readonly quiet?: boolean;
}

/**
 * A command as sent: name then arguments. Buffers are sent as their exact bytes (keys that are
 * not UTF-8); a name ending in `Buffer` (`evalshaBuffer`, `scanBuffer`) answers with Buffers.
 */
export type RedisCommand = readonly [name: string, ...args: (string | number | Buffer)[]];

/** One command's outcome in a batch: a Redis error for one command does not fail the others. */
export type Reply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: Error };

export interface BatchOptions {
  /** Commands per pipeline (default 1000); every pipeline is written at once. */
  readonly chunk?: number;
  /** Aborted at the scrape deadline. */
  readonly signal?: AbortSignal;
  /** Called with each reply as its pipeline completes; a throw fails the batch after it settles. */
  readonly onReply?: (index: number, reply: Reply) => void;
  /**
   * Pipelines left unanswered at once; default all. Redis runs a client's queued commands back
   * to back, so a lower number lets other clients in between, at the cost of more round trips.
   */
  readonly inFlight?: number;
}

/** What this client sent since it was created; the benchmark and tests read it. */
export interface RedisStats {
  /** Sequential waits for Redis: 1 per batch sent all at once, pipelines / inFlight otherwise. */
  roundTrips: number;
  /** Pipelines written (a batch is split into pipelines of at most `chunk` commands). */
  pipelines: number;
  /** Commands sent by the client (a script call is one; the commands it runs are not counted). */
  commands: number;
  /** Connection attempts, successful or not. */
  connectAttempts: number;
  /** Longest single pipeline, from write to last reply, in ms. */
  longestPipelineMs: number;
}

type Health = 'unknown' | 'up' | 'down';

/** ioredis' messages for a command that never reached Redis or never got an answer. */
const CONNECTION_LOST = /^(Stream isn't writeable|Connection is closed|Command timed out)/;

export class RedisClient {
  readonly redis: Redis;
  readonly stats: RedisStats = { roundTrips: 0, pipelines: 0, commands: 0, connectAttempts: 0, longestPipelineMs: 0 };
  /** Seconds the latest successful connection took (TCP, TLS, AUTH, SELECT, ready check). */
  lastConnectSeconds?: number;
  /**
   * Successful connections so far: a new value means a new connection, which has lost whatever
   * state the previous one held on the server (CLIENT TRACKING, subscriptions).
   */
  connections = 0;
  private connecting?: Promise<void>;
  private lastFailureAt = -Infinity;
  private lastError = 'not connected yet';
  private health: Health = 'unknown';
  private readonly scripts = new Map<string, string>();
  private readonly reconnectIntervalMs: number;

  constructor(
    target: RedisTarget,
    private readonly options: RedisClientOptions,
  ) {
    this.reconnectIntervalMs = options.reconnectIntervalMs ?? 1000;
    this.redis = new Redis({
      ...connectionOptions(target, options.tls),
      connectionName: `${CLIENT_NAME_PREFIX}:${options.name}`,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      autoResendUnfulfilledCommands: false,
      // RESP2: works with every Redis and proxy BullMQ runs on; replies are the same for what we read.
      protocol: 2,
      disableClientInfo: true,
      // No INFO before the first command: a least-privilege user may lack +info, and ioredis then
      // prints a warning with a stack trace on the console, outside our JSON log. While Redis loads
      // its dataset, commands fail with LOADING and the scrape says so, rather than waiting.
      enableReadyCheck: false,
      // Backstops only: every call is raced against the scrape deadline below.
      connectTimeout: 10_000,
      commandTimeout: 30_000,
    });
    // Without a listener ioredis prints every error to the console; failures surface through calls.
    this.redis.on('error', (err: Error) => {
      this.lastError = this.options.log.redactor.errorMessage(err);
    });
  }

  /** Registers a Lua script; returns its SHA1 for `['evalsha', sha, ...]` commands in a batch. */
  script(lua: string): string {
    const sha = createHash('sha1').update(lua).digest('hex');
    this.scripts.set(sha, lua);
    return sha;
  }

  /**
   * Sends `commands` as pipelines of at most `chunk` commands, all written at once (one round
   * trip), and resolves with one reply per command, before `deadline` or not at all.
   * `onReply` sees each pipeline's replies as they arrive, so the caller can work while Redis
   * still computes the rest; it may see a reply twice (the batch is resent once after NOSCRIPT),
   * never a NOSCRIPT answer that is about to be resent.
   */
  async batch(deadline: number, commands: readonly RedisCommand[], options: BatchOptions = {}): Promise<Reply[]> {
    const { chunk = 1000, signal, onReply, inFlight } = options;
    // The first error a reply callback threw, rethrown once the pipeline has settled.
    let callbackError: { error: unknown } | undefined;
    const deliver =
      onReply &&
      ((index: number, reply: Reply) => {
        try {
          onReply(index, reply);
        } catch (err) {
          callbackError ??= { error: err };
        }
      });
    await this.ready(deadline, signal);
    // A NOSCRIPT answer is not delivered from the first send: that command is sent again below.
    const noScript = (r: Reply) => !r.ok && r.error.message.startsWith('NOSCRIPT');
    const firstDeliver =
      deliver &&
      ((index: number, reply: Reply) => {
        if (!noScript(reply)) deliver(index, reply);
      });
    let replies = await this.bounded(deadline, signal, this.send(commands, chunk, firstDeliver, inFlight));
    if (replies.some(noScript)) {
      // Redis restarted or SCRIPT FLUSH: load our scripts and send the batch once more.
      await this.bounded(
        deadline,
        signal,
        this.send(
          [...this.scripts.values()].map((lua) => ['script', 'load', lua] as const),
          chunk,
        ),
      );
      callbackError = undefined;
      replies = await this.bounded(deadline, signal, this.send(commands, chunk, deliver, inFlight));
    }
    // ioredis resolves a pipeline on a dead socket with one error per command: that is no answer.
    const lost = replies.find((r) => !r.ok && CONNECTION_LOST.test(r.error.message));
    if (lost && !lost.ok) {
      this.markDown(lost.error);
      throw lost.error;
    }
    this.markUp();
    if (callbackError) throw callbackError.error;
    return replies;
  }

  /** One command; throws its Redis error. */
  async call(deadline: number, command: RedisCommand, signal?: AbortSignal): Promise<unknown> {
    const [reply] = await this.batch(deadline, [command], { chunk: 1, signal });
    if (!reply.ok) throw reply.error;
    return reply.value;
  }

  /**
   * Writes the pipelines, at most `inFlight` unanswered at a time (all at once when undefined),
   * and collects every reply in command order.
   */
  private async send(
    commands: readonly RedisCommand[],
    chunk: number,
    onReply?: (index: number, reply: Reply) => void,
    inFlight = Infinity,
  ): Promise<Reply[]> {
    this.stats.commands += commands.length;
    const starts: number[] = [];
    for (let i = 0; i < commands.length; i += chunk) starts.push(i);
    const replies: Reply[] = new Array<Reply>(commands.length);
    const one = async (first: number): Promise<void> => {
      const part = commands.slice(first, first + chunk);
      this.stats.pipelines++;
      const started = performance.now();
      const results = await this.redis.pipeline(part.map((c) => [...c])).exec();
      this.stats.longestPipelineMs = Math.max(this.stats.longestPipelineMs, performance.now() - started);
      if (!results) throw new Error('Redis pipeline was discarded');
      results.forEach(([error, value], j) => {
        const reply: Reply = error ? { ok: false, error } : { ok: true, value };
        replies[first + j] = reply;
        onReply?.(first + j, reply);
      });
    };
    // Each lane sends its next pipeline when its previous one is answered: `lanes` sequential waits.
    const lanes = Math.min(inFlight, starts.length);
    this.stats.roundTrips += Math.ceil(starts.length / Math.max(1, lanes));
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < starts.length) await one(starts[next++]);
    };
    // Every lane writes its first pipeline now, in this tick. Corked, they leave in one writev
    // instead of one write system call each (21 at 1,000 queues, ~5% of a scrape's CPU).
    const socket = this.redis.stream as { cork?(): void; uncork?(): void } | undefined;
    socket?.cork?.();
    let running: Promise<void[]>;
    try {
      running = Promise.all(Array.from({ length: Math.max(1, lanes) }, lane));
    } finally {
      socket?.uncork?.();
    }
    await running;
    return replies;
  }

  /** Connects if needed, at most once per interval, joining an attempt already under way. */
  async ready(deadline: number, signal?: AbortSignal): Promise<void> {
    if (this.redis.status === 'ready') return;
    if (!this.connecting) {
      const wait = this.lastFailureAt + this.reconnectIntervalMs - Date.now();
      if (wait > 0)
        throw new Error(`Redis unavailable (${this.lastError}); next connection attempt in ${Math.ceil(wait)}ms`);
      this.connecting = this.connect().finally(() => {
        this.connecting = undefined;
      });
    }
    await this.bounded(deadline, signal, this.connecting);
  }

  private async connect(): Promise<void> {
    this.stats.connectAttempts++;
    // A connection half-open from an earlier attempt is dropped first: connect() refuses otherwise.
    if (this.redis.status !== 'wait' && this.redis.status !== 'end') await this.dropConnection();
    this.lastError = 'connection closed during the handshake';
    const started = performance.now();
    try {
      await this.redis.connect();
      // ioredis sends SELECT for the URL's database but ignores a refusal (NOPERM, "DB index is out
      // of range") and stays on database 0, where the collectors would read the wrong keys without
      // a word: select it again, and drop the connection when that is refused.
      const db = this.redis.options.db ?? 0;
      if (db !== 0) {
        await this.redis.select(db).catch(async (err: unknown) => {
          await this.dropConnection();
          throw err;
        });
      }
      this.lastConnectSeconds = (performance.now() - started) / 1000;
      this.connections++;
    } catch (err) {
      // ioredis reports an AUTH failure as "Connection is closed"; the cause came as an error event.
      const reason =
        err instanceof Error && /Connection is closed/.test(err.message)
          ? this.lastError
          : this.options.log.redactor.errorMessage(err);
      this.lastFailureAt = Date.now();
      this.markDown(reason);
      throw new Error(`cannot connect to Redis: ${reason}`);
    }
  }

  /** Races `work` against the deadline and the abort signal; on either, drops the connection. */
  private async bounded<T>(deadline: number, signal: AbortSignal | undefined, work: Promise<T>): Promise<T> {
    try {
      // The losing side settles later (rejected by the disconnect); nobody else awaits it.
      return await raceDeadline(work, deadline, signal, 'Redis', () => {
        if (['ready', 'connect', 'connecting'].includes(this.redis.status)) void this.dropConnection();
      });
    } catch (err) {
      this.markDown(err);
      throw err;
    }
  }

  /** Closes the socket at once, failing whatever is still waiting on it. */
  private async dropConnection(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.redis.once('end', () => resolve()));
    this.redis.disconnect();
    // disconnect() only half-closes; a frozen Redis never closes its side, so destroy the socket.
    this.redis.stream?.destroy();
    await settleWithin(closed, 1000);
  }

  private markUp(): void {
    if (this.health !== 'up' && !this.options.quiet)
      this.options.log.info('Redis connection established', { client: this.options.name });
    this.health = 'up';
  }

  private markDown(err: unknown): void {
    const error = this.options.log.redactor.errorMessage(err);
    this.lastError = error;
    if (this.health === 'down' || this.options.quiet) {
      this.options.log.debug('Redis still unavailable', { client: this.options.name, error });
      this.health = 'down';
      return;
    }
    this.options.log.warn(this.health === 'up' ? 'Redis connection lost' : 'Redis unavailable', {
      client: this.options.name,
      error,
    });
    this.health = 'down';
  }

  /** Closes the connection (QUIT when it is healthy, else at once). */
  async close(): Promise<void> {
    if (this.redis.status === 'ready') {
      await settleWithin(this.redis.quit(), 1000);
    }
    if (this.redis.status !== 'end' && this.redis.status !== 'wait') this.redis.disconnect();
  }
}
