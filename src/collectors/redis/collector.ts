import type { Collector, CollectContext } from '../types';
import type { Config } from '../../config/schema';
import type { Logger } from '../../log/logger';
import type { RedisClient, RedisClientOptions, RedisCommand } from '../../clients/redis';
import type { RedisClusterClient } from '../../clients/redis-cluster';
import { RedisEndpoint } from '../../clients/redis-endpoint';
import { redisMetrics as m } from './metrics';
import { byNode, parseInfo, setClusterInfoMetrics, setInfoMetrics } from './info';

/**
 * Redis health: PING latency on the open connection, then INFO mapped through a table.
 * Two round trips per scrape on the collector's own connection, so the PING it times is never
 * queued behind the BullMQ collector's batch. On a Redis Cluster the same two round trips go to
 * every master at once (INFO and CLUSTER INFO in the second), and each master's figures carry
 * its `node` label.
 */
export class RedisCollector implements Collector {
  readonly name = 'redis';
  readonly up = m.up;
  readonly endpoint: RedisEndpoint;
  /** The connection used when Redis is one server. */
  readonly client: RedisClient;

  constructor(connection: Config['redis'], log: Logger, options: Partial<RedisClientOptions> = {}) {
    this.endpoint = new RedisEndpoint(connection, { name: 'redis', log, ...options });
    this.client = this.endpoint.standalone;
  }

  async collect(ctx: CollectContext): Promise<void> {
    const { out, deadline, signal } = ctx;
    const mode = await this.endpoint.resolve(deadline, signal);
    if (mode.kind === 'cluster') return this.collectCluster(mode.client, ctx);
    await this.client.ready(deadline, signal);
    const started = performance.now();
    await this.client.call(deadline, ['ping'], signal);
    out.set(m.pingDuration, (performance.now() - started) / 1000);
    if (this.client.lastConnectSeconds !== undefined) out.set(m.connectDuration, this.client.lastConnectSeconds);
    const info = await this.client.call(deadline, ['info'], signal);
    if (typeof info !== 'string') throw new Error('INFO returned no text');
    setInfoMetrics(out, parseInfo(info));
  }

  /**
   * Every master: PING (timed per node), then INFO and CLUSTER INFO in one pipeline. A master that
   * does not answer reports `redis_cluster_node_up 0` and costs only its own figures; `redis_up`
   * is 0 only when no master answered.
   */
  private async collectCluster(
    client: RedisClusterClient,
    { out, deadline, signal, log }: CollectContext,
  ): Promise<void> {
    await client.ready(deadline, signal);
    const masters = client.masters();
    const send = (commands: RedisCommand[]) =>
      client.perNode(deadline, new Map(masters.map((node) => [node, commands])), signal, { perNodeErrors: true });
    const pings = await send([['ping']]);
    const pingSeconds = new Map(client.lastPipelineSeconds);
    const infos = await send([['info'], ['cluster', 'info']]);
    let answered = 0;
    let clusterSize: number | undefined;
    for (const node of masters) {
      const [ping] = pings.get(node) ?? [];
      const [info, cluster] = infos.get(node) ?? [];
      const ok =
        ping?.ok && info?.ok && cluster?.ok && typeof info.value === 'string' && typeof cluster.value === 'string';
      out.set(m.clusterNodeUp, ok ? 1 : 0, { node });
      if (!ok) {
        const failed = [ping, info, cluster].find((r) => r && !r.ok);
        log.debug('Redis Cluster node did not answer', {
          node,
          error: failed && !failed.ok ? log.redactor.errorMessage(failed.error) : 'no reply',
        });
        continue;
      }
      answered++;
      out.set(byNode(m.pingDuration), pingSeconds.get(node) ?? 0, { node });
      setInfoMetrics(out, parseInfo(info.value), node);
      const clusterInfo = parseInfo(cluster.value);
      setClusterInfoMetrics(out, clusterInfo, node);
      clusterSize ??= Number(clusterInfo.get('cluster_size'));
    }
    // ioredis forgets a dead master at once but learns of its promoted replica only from a new slot
    // map: read it when the cluster counts other masters than the map, so the next scrape has them.
    if (clusterSize !== undefined && clusterSize !== masters.length) client.refreshSlots();
    if (answered === 0) throw new Error(`no Redis Cluster master answered (of ${masters.length})`);
  }

  async close(): Promise<void> {
    await this.endpoint.close();
  }
}
