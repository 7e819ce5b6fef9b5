/**
 * Issue 15 figures: the BullMQ collector on a Redis Cluster (3 masters + 3 replicas on loopback)
 * with queues spread over the masters: half under the hash-tagged prefix `{bull}` (one slot, one
 * master), half with hash-tagged names `bull:{q-N}` (a slot each, spread over all masters). Each
 * queue holds a few real BullMQ jobs. Prints scrape time and round trips per scrape for both
 * layouts and writes bench/RESULTS-cluster.md.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster } from 'ioredis';
import { Queue } from 'bullmq';
import { BullmqCollector } from '../src/collectors/bullmq/collector';
import { bullmqMetrics } from '../src/collectors/bullmq/metrics';
import { configSchema } from '../src/config/schema';
import { silentLogger } from '../src/log/logger';
import { MetricBatch } from '../src/metrics/batch';
import { startRedisCluster } from '../test/harness/redis-cluster';
import { machineNotes, ms, summary } from './lib/stats';

/** Queue totals measured, each on a fresh cluster (half per layout). */
const SIZES = (process.env.CLUSTER_BENCH_QUEUES ?? '500,2000').split(',').map(Number);
const RUNS = 30;
const log = (text: string) => process.stderr.write(`${text}\n`);

async function measure(QUEUES: number, rows: string[]): Promise<void> {
  const cluster = await startRedisCluster({ masters: 3, replicas: 1 });
  const connection = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0].port }], {
    redisOptions: { maxRetriesPerRequest: null },
  });
  try {
    const started = Date.now();
    const layouts = [
      { label: 'prefix {bull} (one slot)', prefix: '{bull}', name: (i: number) => `q-${i}` },
      { label: 'names {q-N} (one slot each)', prefix: 'bull', name: (i: number) => `{q-${i}}` },
    ];
    for (const layout of layouts) {
      for (let b = 0; b < QUEUES / 2; b += 50) {
        const queues = Array.from(
          { length: Math.min(50, QUEUES / 2 - b) },
          (_, k) => new Queue(layout.name(b + k), { connection, prefix: layout.prefix }),
        );
        await Promise.all(
          queues.map((q, k) =>
            q.addBulk([
              { name: 'a', data: {} },
              { name: 'b', data: {}, opts: { delay: 600_000 } },
              { name: 'c', data: {}, opts: { priority: 1 + ((b + k) % 3) } },
            ]),
          ),
        );
        await Promise.all(queues.map((q) => q.close()));
      }
    }
    log(`filled ${QUEUES} queues in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const config = configSchema.parse({}).collectors.bullmq;
    for (const layout of layouts) {
      const collector = new BullmqCollector(
        config,
        { url: cluster.url },
        { prefix: layout.prefix, queues: [] },
        silentLogger(),
      );
      let last = new MetricBatch();
      const collect = async () => {
        const out = new MetricBatch();
        last = out;
        const t = performance.now();
        await collector.collect({
          out,
          signal: new AbortController().signal,
          deadline: Date.now() + 10_000,
          log: silentLogger(),
        });
        return performance.now() - t;
      };
      await collect();
      await collect();
      const stats = collector.endpoint.cluster.stats;
      const before = { trips: stats.roundTrips, pipelines: stats.pipelines };
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push(await collect());
      const trips = (stats.roundTrips - before.trips) / RUNS;
      const pipelines = (stats.pipelines - before.pipelines) / RUNS;
      const { p50, p99 } = summary(times);
      const queues = new Set(last.samples(bullmqMetrics.jobs).map((s) => s.labels.queue)).size;
      const line = `| ${layout.label} | ${queues} | ${ms(p50)} | ${ms(p99)} | ${trips} | ${pipelines} |`;
      log(line);
      rows.push(line);
      await collector.close();
    }
  } finally {
    connection.disconnect();
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const size of SIZES) await measure(size, rows);
  const text = [
    '# BullMQ collector on a Redis Cluster (issue 15)',
    '',
    `\`npx tsx bench/cluster.ts\` (CLUSTER_BENCH_QUEUES=${SIZES.join(',')}, a fresh cluster each):`,
    '3 masters + 3 replicas from redis-server on loopback,',
    'queues filled by real BullMQ (3 jobs each: waiting, delayed, prioritized), no job finishing between scrapes;',
    `${RUNS} collections per layout after two warm-up ones (discovery done, scripts loaded).`,
    'Round trips: sequential waits per collection; pipelines: one per master per round trip.',
    '',
    '| layout | queues | p50 | p99 | round trips | pipelines |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    machineNotes(),
    '',
  ].join('\n');
  writeFileSync(path.join(__dirname, 'RESULTS-cluster.md'), text);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
