import type { Collector, CollectContext } from '../types';
import type { Config } from '../../config/schema';
import type { Logger } from '../../log/logger';
import { RedisClient, type RedisClientOptions } from '../../clients/redis';
import { redisMetrics as m } from './metrics';
import { parseInfo, setInfoMetrics } from './info';

/**
 * Redis health: PING latency on the open connection, then INFO mapped through a table.
 * Two round trips per scrape on the collector's own connection, so the PING it times is never
 * queued behind the BullMQ collector's batch.
 */
export class RedisCollector implements Collector {
  readonly name = 'redis';
  readonly up = m.up;
  readonly client: RedisClient;

  constructor(connection: Config['redis'], log: Logger, options: Partial<RedisClientOptions> = {}) {
    this.client = new RedisClient(connection, { name: 'redis', log, ...options });
  }

  async collect({ out, deadline, signal }: CollectContext): Promise<void> {
    await this.client.ready(deadline, signal);
    const started = performance.now();
    await this.client.call(deadline, ['ping'], signal);
    out.set(m.pingDuration, (performance.now() - started) / 1000);
    if (this.client.lastConnectSeconds !== undefined) out.set(m.connectDuration, this.client.lastConnectSeconds);
    const info = await this.client.call(deadline, ['info'], signal);
    if (typeof info !== 'string') throw new Error('INFO returned no text');
    setInfoMetrics(out, parseInfo(info));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
