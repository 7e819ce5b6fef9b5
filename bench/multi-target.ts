/**
 * Issue 15 part 2: what multi-target mode costs. One exporter, 10 redis-servers x 10 database
 * numbers = 100 Redis targets (a BullMQ queue of 100 jobs in database 0 of each server):
 *  1. /probe latency of a target's first scrape (connect, queue discovery) and of later ones (pooled);
 *  2. the exporter's RSS idle, with 100 targets pooled, and after 50 more (maxTargets 100: the
 *     least recently used are closed); the exporter's Redis connections at each step.
 * Writes the `multi-target` section of bench/RESULTS.md.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { startExporter } from '../test/harness/exporter';
import { sleep, tempDir } from '../test/harness/process';
import { startRedis, type RedisServer } from '../test/harness/redis';
import { loadWatch, machineLine, writeSection } from './lib/results';
import { percentile, rssMb } from './lib/stats';

const SERVERS = 10;
const DBS_PER_SERVER = 15;
const POOLED = 100;

async function exporterConnections(servers: readonly RedisServer[]): Promise<number> {
  let total = 0;
  for (const s of servers) {
    const client = new Redis({ port: s.port });
    const list = (await client.client('LIST')) as string;
    total += list.split('\n').filter((l) => l.includes('name=jobstack-exporter')).length;
    client.disconnect();
  }
  return total;
}

async function main(): Promise<void> {
  const load = loadWatch();
  const servers = await Promise.all(Array.from({ length: SERVERS }, () => startRedis()));
  const tmp = tempDir('bench-mt');
  try {
    for (const s of servers) {
      const queue = new Queue('jobs', { connection: { port: s.port } });
      await queue.addBulk(Array.from({ length: 100 }, (_, n) => ({ name: 'j', data: { n } })));
      await queue.close();
    }
    const targets = servers.flatMap((s) =>
      Array.from({ length: DBS_PER_SERVER }, (_, db) => `redis://127.0.0.1:${s.port}/${db}`),
    );
    const config = path.join(tmp.dir, 'exporter.yml');
    writeFileSync(config, `multiTarget:\n  allow: ['127.0.0.1']\n  maxTargets: ${POOLED}\n  idleTimeout: 1h\n`);
    const exporter = await startExporter(['--config', config, '--no-collector.host']);
    const pid = exporter.child.pid;
    const probe = async (target: string) => {
      const started = performance.now();
      const res = await fetch(`${exporter.url}/probe?target=${encodeURIComponent(target)}`);
      const body = await res.text();
      if (!/^redis_up 1$/m.test(body)) throw new Error(`target ${target} not up`);
      return performance.now() - started;
    };
    await sleep(1000);
    const rssIdle = rssMb(pid);
    const cold: number[] = [];
    for (const t of targets.slice(0, POOLED)) cold.push(await probe(t));
    const warm: number[] = [];
    for (let round = 0; round < 3; round++) for (const t of targets.slice(0, POOLED)) warm.push(await probe(t));
    await sleep(1000);
    const rssPooled = rssMb(pid);
    const connPooled = await exporterConnections(servers);
    for (const t of targets.slice(POOLED)) await probe(t);
    await sleep(1000);
    const rssAfter = rssMb(pid);
    const connAfter = await exporterConnections(servers);
    const self = await exporter.scrape();
    const evicted = /^jobstack_exporter_probe_targets_closed_total\{reason="evicted"\} (\d+)/m.exec(self)?.[1];
    await exporter.stop();

    const f = (v: number) => `${v.toFixed(1)} ms`;
    const lines = [
      '## Multi-target mode (bench/multi-target.ts)',
      '',
      machineLine(),
      '',
      `${SERVERS} redis-servers x ${DBS_PER_SERVER} database numbers = ${targets.length} Redis targets (module \`redis\`: redis + bullmq collectors), one BullMQ queue of 100 jobs per server; \`multiTarget.maxTargets\` ${POOLED}; requests one at a time.`,
      '',
      '| figure | value |',
      '|---|---|',
      `| first /probe of a target (connect 3 clients, discover queues): p50 / p95 | ${f(percentile(cold, 50))} / ${f(percentile(cold, 95))} |`,
      `| later /probe of a pooled target: p50 / p95 (${warm.length} requests) | ${f(percentile(warm, 50))} / ${f(percentile(warm, 95))} |`,
      `| exporter RSS idle / ${POOLED} targets pooled / after ${targets.length - POOLED} more | ${rssIdle.toFixed(0)} / ${rssPooled.toFixed(0)} / ${rssAfter.toFixed(0)} MB |`,
      `| RSS per pooled target | ${(((rssPooled - rssIdle) / POOLED) * 1024).toFixed(0)} KB |`,
      `| exporter connections on the Redis servers with ${POOLED} pooled / after ${targets.length - POOLED} more | ${connPooled} / ${connAfter} |`,
      `| targets evicted (least recently used) | ${evicted} |`,
      '',
      `Load average before: ${load.before}; after: ${load.after()}.`,
    ];
    const text = lines.join('\n');
    console.log(text);
    writeSection('multi-target', text);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    tmp.remove();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
