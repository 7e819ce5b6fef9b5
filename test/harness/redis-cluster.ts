import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startRedis, type RedisServer } from './redis';
import { freePort, waitFor } from './process';

const run = promisify(execFile);

export interface ClusterOptions {
  /** Masters (default 3); each gets `replicas` replicas. */
  readonly masters?: number;
  readonly replicas?: number;
  /** cluster-node-timeout in ms: how long a silent master has before its replica takes over. */
  readonly nodeTimeoutMs?: number;
}

export interface RedisClusterHarness {
  /** Every redis-server, in creation order (masters first as redis-cli assigns them). */
  readonly nodes: readonly RedisServer[];
  /** Seed URL (the first node). */
  readonly url: string;
  /** `redis-cli` against one node. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Ports of the nodes whose role is master now (from CLUSTER NODES on a live node). */
  masterPorts(): Promise<number[]>;
  /** Port of the master serving a slot, from CLUSTER NODES on a live node. */
  masterOfSlot(slot: number): Promise<number>;
  /** Waits until every live node reports cluster_state:ok and the given number of masters serve slots. */
  waitHealthy(masters?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster on loopback: redis-server processes with cluster-enabled yes, each on a
 * free port with a free cluster bus port and its own temp dir, joined by
 * `redis-cli --cluster create ... --cluster-replicas N --cluster-yes`.
 */
export async function startRedisCluster(options: ClusterOptions = {}): Promise<RedisClusterHarness> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const count = masters * (1 + replicas);
  const nodes: RedisServer[] = [];
  const cli = async (port: number, ...args: string[]): Promise<string> =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 })).stdout;
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < count; i++) {
      const args = [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-port',
        String(await freePort()),
        '--cluster-node-timeout',
        String(options.nodeTimeoutMs ?? 2000),
        // A replica takes over however long it was cut off (the test kills masters on purpose).
        '--cluster-replica-validity-factor',
        '0',
      ];
      nodes.push(await startRedis({ args }));
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'],
      {
        timeout: 60_000,
      },
    );
    const harness: RedisClusterHarness = {
      nodes,
      url: `redis://127.0.0.1:${nodes[0].port}`,
      cli,
      masterPorts: async () => {
        const live = nodes.filter((n) => n.child.running);
        const text = await cli(live[0].port, 'cluster', 'nodes');
        return text
          .split('\n')
          .map((line) => line.trim().split(' '))
          .filter((f) => f.length > 8 && f[2].split(',').includes('master') && !f[2].includes('fail'))
          .map((f) => Number(/:(\d+)@/.exec(f[1])![1]))
          .sort((a, b) => a - b);
      },
      masterOfSlot: async (slot) => {
        const live = nodes.find((n) => n.child.running)!;
        for (const f of (await cli(live.port, 'cluster', 'nodes')).split('\n').map((l) => l.trim().split(' '))) {
          if (f.length <= 8 || !f[2].split(',').includes('master') || f[2].includes('fail')) continue;
          for (const range of f.slice(8)) {
            const [start, end = start] = range.split('-').map(Number);
            if (slot >= start && slot <= end) return Number(/:(\d+)@/.exec(f[1])![1]);
          }
        }
        throw new Error(`no master serves slot ${slot}`);
      },
      waitHealthy: async (expectedMasters = masters, timeoutMs = 30_000) => {
        await waitFor(
          'cluster ok on every live node',
          async () => {
            for (const node of nodes.filter((n) => n.child.running)) {
              if (!/cluster_state:ok/.test(await cli(node.port, 'cluster', 'info'))) return false;
            }
            return (await harness.masterPorts()).length === expectedMasters;
          },
          timeoutMs,
          200,
        );
      },
      stop,
    };
    await harness.waitHealthy();
    return harness;
  } catch (err) {
    await stop();
    throw err;
  }
}
