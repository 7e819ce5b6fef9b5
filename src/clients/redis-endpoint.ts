import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '../log/logger';
import { RedisClient } from './redis';
import { RedisClusterClient } from './redis-cluster';
import { DEFAULT_REDIS_URL } from './redis-options';

/**
 * Where a collector's Redis is: one server, or a Redis Cluster. `redis.cluster` decides when set;
 * otherwise several seed URLs mean a cluster, and one URL is asked once (`INFO cluster`,
 * `cluster_enabled:1`) at the first collection that reaches it. A server does not change mode
 * while it runs, so the answer is kept.
 */

export interface RedisEndpointConfig {
  /** One URL, or several separated by commas (cluster seed nodes). */
  readonly url?: string;
  readonly password?: string;
  /** true: a cluster; false: one server; absent: ask the server. */
  readonly cluster?: boolean;
}

export interface RedisEndpointOptions {
  readonly name: string;
  readonly log: Logger;
  readonly reconnectIntervalMs?: number;
  readonly tls?: ConnectionOptions;
}

export type RedisMode =
  | { readonly kind: 'standalone'; readonly client: RedisClient }
  | { readonly kind: 'cluster'; readonly client: RedisClusterClient };

/** The seed URLs of a `redis.url` value: comma-separated, blanks ignored. */
export function seedUrls(url: string | undefined): string[] {
  const seeds = (url ?? DEFAULT_REDIS_URL)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return seeds.length ? seeds : [DEFAULT_REDIS_URL];
}

/** Whether INFO text says the server runs in cluster mode. */
export const clusterEnabled = (info: string): boolean => /(?:^|\n)cluster_enabled:1\r?(?:\n|$)/.test(info);

export class RedisEndpoint {
  /** The connection to the first seed, used when the server is not a cluster (and to ask). */
  readonly standalone: RedisClient;
  private clusterClient?: RedisClusterClient;
  private decided?: 'standalone' | 'cluster';
  private readonly seeds: string[];
  private readonly scripts: string[] = [];

  constructor(
    private readonly config: RedisEndpointConfig,
    private readonly options: RedisEndpointOptions,
  ) {
    this.seeds = seedUrls(config.url);
    this.standalone = new RedisClient({ url: this.seeds[0], password: config.password }, options);
    if (config.cluster === false) this.decided = 'standalone';
    else if (config.cluster === true || this.seeds.length > 1) this.decided = 'cluster';
  }

  /**
   * One more connection to the server `standalone` talks to (a subscriber, say), under its own
   * name; quiet, since `standalone` already logs the server going down and coming back.
   */
  companion(name: string): RedisClient {
    return new RedisClient(
      { url: this.seeds[0], password: this.config.password },
      { ...this.options, name, quiet: true },
    );
  }

  /** Registers a Lua script with both clients; returns its SHA1 for EVALSHA commands. */
  script(lua: string): string {
    this.scripts.push(lua);
    this.clusterClient?.script(lua);
    return this.standalone.script(lua);
  }

  /** The cluster client, created at first use. */
  get cluster(): RedisClusterClient {
    if (!this.clusterClient) {
      this.clusterClient = new RedisClusterClient(this.seeds, this.config.password, this.options);
      for (const lua of this.scripts) this.clusterClient.script(lua);
    }
    return this.clusterClient;
  }

  /** The mode, asking the server at the first call when the config does not say. */
  async resolve(deadline: number, signal?: AbortSignal): Promise<RedisMode> {
    if (this.decided === undefined) {
      // A server or proxy that refuses INFO (an ACL without +info, a proxy's own command set) answers
      // with a Redis error: it is taken for one server, so the BullMQ collector still works there.
      const info = await this.standalone.call(deadline, ['info', 'cluster'], signal).catch((err: unknown) => {
        if (err instanceof Error && err.name === 'ReplyError') return '';
        throw err;
      });
      this.decided = typeof info === 'string' && clusterEnabled(info) ? 'cluster' : 'standalone';
      if (this.decided === 'cluster') {
        this.options.log.info('Redis runs in cluster mode: reading every master', { client: this.options.name });
        await this.standalone.close();
      }
    }
    return this.decided === 'cluster'
      ? { kind: 'cluster', client: this.cluster }
      : { kind: 'standalone', client: this.standalone };
  }

  /** The mode if already known. */
  get mode(): 'standalone' | 'cluster' | undefined {
    return this.decided;
  }

  async close(): Promise<void> {
    await Promise.all([this.standalone.close(), this.clusterClient?.close()]);
  }
}
