/**
 * Issue 7: full scrape latency of the built exporter with every collector on (host, redis, bullmq,
 * postgres, s3, localstorage, probes) at 10, 100 and 1,000 BullMQ queues. One redis-server grows
 * its workload between sizes; the exporter is restarted for each size (its queue discovery runs
 * at startup). Writes the `full-scrape` section of bench/RESULTS.md.
 */
import { promtoolCheckMetrics } from '../test/harness/exporter';
import { startStack } from './lib/stack';
import { loadWatch, machineLine, writeSection } from './lib/results';
import { collectorDurations, failedCollectors, mb, sampleValue, samplesIn } from './lib/proc';
import { ms, percentile, rssMb, summary, timeIt } from './lib/stats';

const SIZES = [10, 100, 1000];
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 200);
const COLLECTORS = ['bullmq', 'redis', 'postgres', 's3', 'localstorage', 'host', 'probes'];

async function main(): Promise<void> {
  const load = loadWatch();
  const stack = await startStack(SIZES[0]);
  const rows: string[] = [];
  const breakdown: string[] = [];
  const notes: string[] = [];
  try {
    for (const size of SIZES) {
      await stack.workload.grow(size);
      const exporter = await stack.exporter();
      const first = await exporter.scrape();
      const queues = sampleValue(first, 'bullmq_queues');
      if (queues !== size) throw new Error(`exporter sees ${queues} queues, expected ${size}`);
      const perCollector = new Map<string, number[]>(COLLECTORS.map((c) => [c, []]));
      const failures = new Set<string>();
      let last = first;
      const times = await timeIt(SCRAPES, async () => {
        last = await exporter.scrape();
        for (const [name, seconds] of collectorDurations(last)) perCollector.get(name)?.push(seconds * 1000);
        for (const name of failedCollectors(last)) failures.add(name);
      });
      const rss = rssMb(exporter.child.pid);
      const heap = mb(sampleValue(last, 'nodejs_heap_size_used_bytes') ?? NaN);
      const lint = promtoolCheckMetrics(last)
        .split('\n')
        .filter((l) => l && !l.startsWith('(exit')).length;
      await exporter.stop();
      const s = summary(times);
      rows.push(
        `| ${size.toLocaleString('en')} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.mean)} | ${samplesIn(last).toLocaleString('en')} | ${(last.length / 1024).toFixed(0)} KiB | ${rss.toFixed(1)} MB | ${heap.toFixed(1)} MB | ${failures.size ? failures.size : 'none'} | ${lint} |`,
      );
      breakdown.push(
        `| ${size.toLocaleString('en')} | ${COLLECTORS.map((c) => ms(percentile(perCollector.get(c)!, 50))).join(' | ')} |`,
      );
      if (failures.size)
        notes.push(`- At ${size} queues these collectors failed at least once: ${[...failures].join(', ')}.`);
      process.stderr.write(`${size} queues: p50 ${ms(s.p50)} p99 ${ms(s.p99)}, RSS ${rss.toFixed(1)} MB\n`);
    }
  } finally {
    await stack.stop();
  }
  const lines = [
    '## Full scrape latency, every collector on',
    '',
    machineLine({
      'redis-server': stack.versions.redis,
      PostgreSQL: stack.versions.postgres,
      bullmq: stack.versions.bullmq,
    }),
    `Load before: \`${load.before}\`; after: \`${load.after()}\`.`,
    '',
    'Run: `npm run bench -- bench/full-scrape.ts` (`BENCH_SCRAPES`, default 200).',
    '',
    `The built CLI (\`dist/cli.js\`, started by test/harness/exporter.ts) with all seven collectors on: host; redis and bullmq on a redis-server of its own; postgres on a throwaway cluster (server statistics plus 2 custom SQL queries on a 20,000-row jobs table); s3 on s3rver (bucket of 100 objects: s3rver answers HeadBucket by listing the bucket, which AWS does not; HeadBucket per scrape, listing in the background); localstorage on a temp folder of 500 files; probes of one HTTP health endpoint (a plain node:http server answering \`ok\`).`,
    `Workload (bench/lib/workload.ts, real BullMQ \`Queue\`/\`Worker\`/\`FlowProducer\`): per queue 20 jobs run to an end by real Workers (1 in 10 failing for good, 1 in 7 failing once then retried, half the workers keeping \`metrics\`), then 10 waiting; every 5th queue 5 delayed, every 7th 3 prioritized, every 20th a flow parent waiting for its child, every 50th paused, every 100th a global concurrency; every 20th (not paused) keeps a Worker connected holding one job active. The workload grows from 10 to 100 to 1,000 queues on the same Redis; the exporter is restarted for each size.`,
    `Each size: 5 warm-up scrapes, then ${SCRAPES} sequential \`GET /metrics\` (Prometheus text) timed from request to last byte by the benchmark process on the same machine. RSS is /proc/<pid>/status VmRSS after the run; heap is the exporter's own \`nodejs_heap_size_used_bytes\` in the last scrape.`,
    '',
    '| queues | p50 | p99 | mean | samples | exposition | RSS after | heap used | collector failures | promtool findings |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Where the time goes: p50 of `jobstack_exporter_collector_duration_seconds` per collector (they run concurrently, so the scrape is about the slowest one plus rendering and transfer):',
    '',
    `| queues | ${COLLECTORS.join(' | ')} |`,
    `|---|${COLLECTORS.map(() => '---|').join('')}`,
    ...breakdown,
    '',
    ...notes,
  ];
  writeSection('full-scrape', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
