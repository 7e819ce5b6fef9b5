import { spawnSync } from 'node:child_process';
import { ROOT } from '../../test/harness/exporter';
import { which } from '../../test/harness/debian';
import { Child, freePort, waitFor } from '../../test/harness/process';
import type { Stack } from './stack';

/** A peer exporter process started for a comparison. */
export interface Peer {
  readonly name: string;
  readonly version: string;
  readonly child: Child;
  readonly url: string;
  scrape(): Promise<string>;
  stop(): Promise<void>;
}

async function startPeer(
  name: string,
  version: string,
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ready: (text: string) => boolean,
): Promise<Peer> {
  const port = await freePort();
  const child = Child.start(cmd, [...args, `--web.listen-address=127.0.0.1:${port}`], {
    env: { PATH: process.env.PATH, ...env },
    cwd: ROOT,
  });
  const url = `http://127.0.0.1:${port}/metrics`;
  const scrape = async () => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
    return res.text();
  };
  try {
    await waitFor(
      name,
      async () => {
        if (!child.running) throw new Error(child.log());
        return ready(await scrape());
      },
      60_000,
      200,
    );
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { name, version, child, url, scrape, stop: () => child.stop() };
}

function versionOf(cmd: string): string {
  const res = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  return /version:? v?([\d.]+)|Exporter v?([\d.]+)/i.exec(`${res.stdout}${res.stderr}`)?.slice(1).find(Boolean) ?? '?';
}

export const GO_PEERS = [
  'prometheus-redis-exporter',
  'prometheus-postgres-exporter',
  'prometheus-node-exporter',
] as const;

/** The Debian packages of the three Go exporters that are missing. */
export const missingGoPeers = () => GO_PEERS.filter((p) => !which(p));

/** redis_exporter, postgres_exporter and node_exporter pointed at the stack's Redis and PostgreSQL. */
export async function startGoPeers(stack: Stack): Promise<Peer[]> {
  const peers: Peer[] = [];
  try {
    peers.push(
      await startPeer(
        'redis_exporter',
        versionOf('prometheus-redis-exporter'),
        'prometheus-redis-exporter',
        [`--redis.addr=redis://127.0.0.1:${stack.redis.port}`],
        {},
        (t) => /^redis_up 1$/m.test(t),
      ),
    );
    const dsn = `postgresql://postgres@127.0.0.1:${stack.pg.port}/postgres?sslmode=disable`;
    peers.push(
      await startPeer(
        'postgres_exporter',
        versionOf('prometheus-postgres-exporter'),
        'prometheus-postgres-exporter',
        [],
        { DATA_SOURCE_NAME: dsn },
        (t) => /^pg_up 1$/m.test(t),
      ),
    );
    peers.push(
      await startPeer('node_exporter', versionOf('prometheus-node-exporter'), 'prometheus-node-exporter', [], {}, (t) =>
        t.includes('node_load1'),
      ),
    );
    return peers;
  } catch (err) {
    await Promise.allSettled(peers.map((p) => p.stop()));
    throw err;
  }
}

/** What someone gets from BullMQ alone: an HTTP server looping Queue.exportPrometheusMetrics() over every queue. */
const BULLMQ_EXPORT_MAIN = `
const http = require('node:http');
const { Queue } = require('bullmq');
const Redis = require('ioredis');
const { redisPort, port, names } = JSON.parse(process.argv[1]);
const connection = new Redis({ port: redisPort, maxRetriesPerRequest: null });
const queues = names.map((name) => new Queue(name, { connection }));
http.createServer(async (req, res) => {
  if (req.url !== '/metrics') return res.end('ok');
  const parts = [];
  for (const q of queues) parts.push(await q.exportPrometheusMetrics());
  res.setHeader('content-type', 'text/plain; version=0.0.4');
  res.end(parts.join('\\n') + '\\n');
}).listen(port, '127.0.0.1');
`;

export async function startBullmqExport(stack: Stack): Promise<Peer> {
  const port = await freePort();
  const settings = JSON.stringify({ redisPort: stack.redis.port, port, names: stack.workload.names });
  const child = Child.start(process.execPath, ['-e', BULLMQ_EXPORT_MAIN, settings], {
    cwd: ROOT,
    env: { PATH: process.env.PATH },
  });
  const url = `http://127.0.0.1:${port}/metrics`;
  const scrape = async () => (await fetch(url)).text();
  await waitFor(
    'bullmq export loop',
    async () => {
      if (!child.running) throw new Error(child.log());
      return (await scrape()).includes('bullmq_job_count');
    },
    60_000,
    200,
  );
  const version = (require('bullmq/package.json') as { version: string }).version;
  return { name: 'BullMQ exportPrometheusMetrics() loop', version, child, url, scrape, stop: () => child.stop() };
}
