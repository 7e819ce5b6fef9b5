import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, type ClusterOptions, type Redis } from 'ioredis';
import type { Logger } from '../log/logger';
import { keySlot } from './cluster-slot';
import { CLIENT_NAME_PREFIX, connectionOptions } from './redis-options';
import { raceDeadline, settleWithin } from '../runner/deadline';
import type { RedisCommand, Reply } from './redis';

/**
 * The exporter's connection to a Redis Cluster: an ioredis Cluster (it follows MOVED and ASK and
 * refreshes its slot map) under the same rules as RedisClient: connect on demand at most once per
 * interval, no offline queue, every call bounded by the scrape deadline and the connection dropped
 * when a call outlives it, so a failover or a resharding never makes a scrape hang or pile up.
 *
 * Reads are sent per master: one pipeline per node, all written at once, so a scrape costs as many
 * round trips as there are masters (concurrently), whatever the number of queues.
 */

export interface ClusterClientOptions {
  /** Connection name suffix: CLIENT LIST on each node shows `jobstack-exporter:<name>`. */
  readonly name: string;
  readonly log: Logger;
  readonly reconnectIntervalMs?: number;
  readonly tls?: ConnectionOptions;
}

export interface ClusterStats {
  /** Sequential waits: 1 per `perNode` call (its pipelines run concurrently). */
  roundTrips: number;
  /** Pipelines written, all nodes together. */
  pipelines: number;
  /** Pipelines written per node (`host:port`). */
  readonly pipelinesByNode: Map<string, number>;
  connectAttempts: number;
}

/** Commands a node cannot answer any more: the call failed for want of a connection. */
const CONNECTION_LOST =
  /^(Stream isn't writeable|Connection is closed|Command timed out|Failed to refresh slots cache|None of startup nodes)/;

export interface PerNodeOptions {
  /**
   * A node that fails (connection lost, pipeline refused) answers errors for its commands instead of
   * failing the whole call: for reads where every node stands on its own (INFO per master).
   */
  readonly perNodeErrors?: boolean;
}

/** Errors after which the slot map may be out of date. */
const SLOT_MAP_STALE =
  /^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN|Stream isn't writeable|Connection is closed|Command timed out)/;

const nodeKey = (node: Redis): string => `${node.options.host}:${node.options.port}`;

export class RedisClusterClient {
  private current: Cluster;
  /**
   * Masters seen serving slots, besides the seeds: a reconnect starts from them too, so losing the
   * seed node (a failover of the very master REDIS_URL names) does not leave the exporter blind.
   */
  private readonly known = new Set<string>();
  private readonly seeds: readonly { host: string; port: number }[];
  private readonly clusterOptions: ClusterOptions;
  readonly stats: ClusterStats = { roundTrips: 0, pipelines: 0, pipelinesByNode: new Map(), connectAttempts: 0 };
  /** Seconds each node's pipeline took in the latest perNode call, write to last reply. */
  readonly lastPipelineSeconds = new Map<string, number>();
  private connecting?: Promise<void>;
  private lastFailureAt = -Infinity;
  private lastError = 'not connected yet';
  private health: 'unknown' | 'up' | 'down' = 'unknown';
  private readonly scripts = new Map<string, string>();
  private readonly reconnectIntervalMs: number;

  /** `seeds`: one or more URLs of cluster nodes; credentials and TLS come from the first. */
  constructor(
    seeds: readonly string[],
    password: string | undefined,
    private readonly options: ClusterClientOptions,
  ) {
    this.reconnectIntervalMs = options.reconnectIntervalMs ?? 1000;
    const parsed = seeds.map((url) => connectionOptions({ url, password }, options.tls));
    const { host: _host, port: _port, db, ...shared } = parsed[0];
    if (db) throw new Error('Redis Cluster has only database 0: remove the /db from the URL');
    // TLS options serve every node: the first seed's name as servername would make every node's
    // certificate be checked against it, so it is left out and each node is checked against its own
    // host (no SNI is sent then; ioredis has no per-node TLS options).
    if (shared.tls) {
      const { servername: _servername, ...tls } = shared.tls;
      shared.tls = tls;
    }
    this.seeds = parsed.map((p) => ({ host: p.host!, port: p.port! }));
    this.clusterOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      // No background reconnect loop: ready() reconnects at most once per interval.
      clusterRetryStrategy: () => null,
      scaleReads: 'master',
      // Ready once the slot map is read, even while cluster_state is fail (during a failover): the
      // reads then fail with CLUSTERDOWN, quickly, instead of connect() waiting for the cluster.
      enableReadyCheck: false,
      // A backstop for changes no read notices (a manual CLUSTER FAILOVER): one CLUSTER SLOTS a while.
      slotsRefreshInterval: 10_000,
      maxRedirections: 16,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      slotsRefreshTimeout: 2000,
      redisOptions: {
        ...shared,
        connectionName: `${CLIENT_NAME_PREFIX}:${options.name}`,
        protocol: 2,
        disableClientInfo: true,
        maxRetriesPerRequest: 0,
        connectTimeout: 10_000,
        commandTimeout: 30_000,
      },
    };
    this.current = this.create();
  }

  /** The ioredis Cluster now (replaced at each reconnect). */
  get cluster(): Cluster {
    return this.current;
  }

  private create(): Cluster {
    const seen = new Set(this.seeds.map((s) => `${s.host}:${s.port}`));
    const startup = [...this.seeds];
    for (const key of this.known) {
      if (seen.has(key)) continue;
      const colon = key.lastIndexOf(':');
      startup.push({ host: key.slice(0, colon), port: Number(key.slice(colon + 1)) });
    }
    const cluster = new Cluster(startup, this.clusterOptions);
    cluster.on('error', (err: Error) => {
      this.lastError = this.options.log.redactor.errorMessage(err);
    });
    cluster.on('node error', (err: Error) => {
      this.lastError = this.options.log.redactor.errorMessage(err);
    });
    return cluster;
  }

  /** Registers a Lua script (loaded on a node that answers NOSCRIPT); returns its SHA1. */
  script(lua: string): string {
    const sha = createHash('sha1').update(lua).digest('hex');
    this.scripts.set(sha, lua);
    return sha;
  }

  /** Masters serving slots now, as `host:port`, sorted. */
  masters(): string[] {
    return this.cluster.nodes('master').map(nodeKey).sort();
  }

  /** Reads the slot map again in the background (the next scrape sees a promoted replica). */
  refreshSlots(): void {
    if (this.cluster.status === 'ready') this.cluster.refreshSlotsCache();
  }

  /** The master serving a key's slot in the current slot map, or undefined (slot not served). */
  nodeOf(key: string | Buffer): string | undefined {
    return (this.cluster.slots[keySlot(key)] as string[] | undefined)?.[0];
  }

  /** Connects if needed, at most once per interval, joining an attempt already under way. */
  async ready(deadline: number, signal?: AbortSignal): Promise<void> {
    if (this.cluster.status === 'ready') return;
    if (!this.connecting) {
      const wait = this.lastFailureAt + this.reconnectIntervalMs - Date.now();
      if (wait > 0)
        throw new Error(
          `Redis Cluster unavailable (${this.lastError}); next connection attempt in ${Math.ceil(wait)}ms`,
        );
      const attempt: Promise<void> = this.connect().finally(() => {
        if (this.connecting === attempt) this.connecting = undefined;
      });
      this.connecting = attempt;
    }
    await this.bounded(deadline, signal, this.connecting);
  }

  private async connect(): Promise<void> {
    this.stats.connectAttempts++;
    if (this.current.status !== 'wait') {
      this.drop();
      this.current = this.create();
    }
    try {
      await this.current.connect();
      for (const node of this.masters()) this.known.add(node);
    } catch (err) {
      this.lastFailureAt = Date.now();
      this.drop();
      const reason = this.options.log.redactor.errorMessage(err);
      this.markDown(reason);
      throw new Error(`cannot connect to Redis Cluster: ${reason}`);
    }
  }

  /**
   * Sends each node its commands as one pipeline, all nodes at once, and answers with each node's
   * replies in order. A pipeline with keys goes through the cluster (routed by its keys' slot, which
   * must all be served by that node; MOVED and ASK are followed); one without keys (CLIENT LIST, a
   * SCAN) goes straight to the node. NOSCRIPT on a node (a promoted replica, a restart) loads the
   * scripts there and resends that node's pipeline once.
   */
  async perNode(
    deadline: number,
    batches: ReadonlyMap<string, readonly RedisCommand[]>,
    signal?: AbortSignal,
    { perNodeErrors = false }: PerNodeOptions = {},
  ): Promise<Map<string, Reply[]>> {
    await this.ready(deadline, signal);
    this.stats.roundTrips++;
    this.lastPipelineSeconds.clear();
    const work = Promise.all(
      [...batches].map(async ([node, commands]) => {
        const started = performance.now();
        try {
          const replies = await this.sendToNode(node, commands);
          this.lastPipelineSeconds.set(node, (performance.now() - started) / 1000);
          return [node, replies] as const;
        } catch (err) {
          if (!perNodeErrors) throw err;
          const error = err instanceof Error ? err : new Error(this.options.log.redactor.errorMessage(err));
          return [node, commands.map((): Reply => ({ ok: false, error }))] as const;
        }
      }),
    );
    const results = new Map(await this.bounded(deadline, signal, work));
    // A node gone or a redirection ioredis did not follow: read the slot map again for the next
    // scrape (a promoted replica, moved slots), in the background.
    if ([...results.values()].some((replies) => replies.some((r) => !r.ok && SLOT_MAP_STALE.test(r.error.message))))
      this.refreshSlots();
    if (perNodeErrors) {
      if ([...results.values()].some((replies) => replies.some((r) => r.ok))) this.markUp();
      return results;
    }
    for (const [node, replies] of results) {
      const lost = replies.find((r) => !r.ok && CONNECTION_LOST.test(r.error.message));
      if (lost && !lost.ok) {
        const error = new Error(`Redis Cluster node ${node}: ${this.options.log.redactor.errorMessage(lost.error)}`);
        this.markDown(error.message);
        throw error;
      }
    }
    for (const node of this.masters()) this.known.add(node);
    this.markUp();
    return results;
  }

  private async sendToNode(node: string, commands: readonly RedisCommand[]): Promise<Reply[]> {
    let replies = await this.followRedirections(commands, await this.pipeline(node, commands));
    if (replies.some((r) => !r.ok && r.error.message.startsWith('NOSCRIPT'))) {
      // Loaded on every master: a command may have been redirected (MOVED, ASK) to another node than `node`.
      const load = [...this.scripts.values()].map((lua) => ['script', 'load', lua]);
      await Promise.all(this.cluster.nodes('master').map((n) => n.pipeline(load).exec()));
      replies = await this.followRedirections(commands, await this.pipeline(node, commands));
    }
    return replies;
  }

  /**
   * ioredis re-sends a pipeline after MOVED only when every command in it failed alike; after a
   * resharding one slot of a node's pipeline has moved while the others answer. The commands refused
   * with MOVED are sent again one by one, where ioredis follows the redirection: one more round trip,
   * once, until the slot map is read again. ASK (a slot migrating now) is not followed: a script
   * call over several queues of that slot would bounce (TRYAGAIN) until the migration ends, so it
   * stays an error the caller reports for those queues only.
   */
  private async followRedirections(commands: readonly RedisCommand[], replies: Reply[]): Promise<Reply[]> {
    const redirected = replies.flatMap((r, i) => (!r.ok && /^MOVED /.test(r.error.message) ? [i] : []));
    if (!redirected.length) return replies;
    const again = await Promise.all(
      redirected.map(async (i): Promise<Reply> => {
        const [name, ...args] = commands[i];
        try {
          const value = name.endsWith('Buffer')
            ? await this.cluster.callBuffer(name.slice(0, -'Buffer'.length), ...args)
            : await this.cluster.call(name, ...args);
          return { ok: true, value };
        } catch (err) {
          return {
            ok: false,
            error: err instanceof Error ? err : new Error(this.options.log.redactor.errorMessage(err)),
          };
        }
      }),
    );
    const out = [...replies];
    redirected.forEach((index, k) => (out[index] = again[k]!));
    return out;
  }

  private async pipeline(node: string, commands: readonly RedisCommand[]): Promise<Reply[]> {
    this.stats.pipelines++;
    this.stats.pipelinesByNode.set(node, (this.stats.pipelinesByNode.get(node) ?? 0) + 1);
    const keyed = commands.some(([name]) => /^(evalsha|eval)/i.test(name));
    const target = keyed ? this.cluster : this.node(node);
    if (!target) return commands.map(() => ({ ok: false, error: new Error(`Connection is closed (${node})`) }));
    const results = await target.pipeline(commands.map((c) => [...c])).exec();
    if (!results) throw new Error('Redis pipeline was discarded');
    return results.map(([error, value]) => (error ? { ok: false, error } : { ok: true, value }));
  }

  private node(key: string): Redis | undefined {
    return this.cluster.nodes('master').find((n) => nodeKey(n) === key);
  }

  /** Races `work` against the deadline and the signal; on either, drops every connection. */
  private async bounded<T>(deadline: number, signal: AbortSignal | undefined, work: Promise<T>): Promise<T> {
    try {
      // Unanswered commands must not pile up on the sockets: the next scrape reconnects.
      return await raceDeadline(work, deadline, signal, 'Redis Cluster', () => this.drop());
    } catch (err) {
      this.markDown(err);
      throw err;
    }
  }

  private drop(): void {
    // An attempt cut off here may never settle (ioredis leaves connect() pending when disconnected
    // meanwhile): forget it, so the next scrape starts a fresh one instead of waiting on it.
    this.connecting = undefined;
    if (this.cluster.status !== 'end' && this.cluster.status !== 'wait') this.cluster.disconnect();
  }

  private markUp(): void {
    if (this.health !== 'up')
      this.options.log.info('Redis Cluster connection established', {
        client: this.options.name,
        masters: this.masters().length,
      });
    this.health = 'up';
  }

  private markDown(reason: unknown): void {
    const error = this.options.log.redactor.errorMessage(reason);
    this.lastError = error;
    if (this.health === 'up')
      this.options.log.warn('Redis Cluster connection lost', { client: this.options.name, error });
    else if (this.health === 'unknown')
      this.options.log.warn('Redis Cluster unavailable', { client: this.options.name, error });
    else this.options.log.debug('Redis Cluster still unavailable', { client: this.options.name, error });
    this.health = 'down';
  }

  /** QUIT on every node (at most a second), then drops what is left. */
  async close(): Promise<void> {
    if (this.current.status === 'ready')
      await settleWithin(
        this.current.quit().catch(() => undefined),
        1000,
      );
    this.drop();
  }
}
