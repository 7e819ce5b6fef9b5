/**
 * Issue 10's promise, checked: a refactor changes no figure. Two builds of the exporter (this
 * one and BENCH_BEFORE_CLI, a cli.js built from an earlier commit) run side by side against the
 * same stack with every collector on, scraped in interleaved rounds so load changes hit both
 * alike. Writes the `before-after` section of bench/RESULTS.md.
 *
 *   git worktree add --detach /tmp/before <commit> && (cd /tmp/before && ln -s $PWD/node_modules . && npm run build)
 *   BENCH_BEFORE_CLI=/tmp/before/dist/cli.js BENCH_BEFORE_NAME=<commit> npm run bench -- bench/before-after.ts
 */
import path from 'node:path';
import { CLI } from '../test/harness/exporter';
import { startStack } from './lib/stack';
import { loadWatch, machineLine, writeSection } from './lib/results';
import { sampleValue } from './lib/proc';
import { percentile } from './lib/stats';

const QUEUES = Number(process.env.BENCH_QUEUES ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 20);

async function main(): Promise<void> {
  const beforeCli = process.env.BENCH_BEFORE_CLI;
  if (!beforeCli) {
    process.stdout.write('skipped: set BENCH_BEFORE_CLI to a cli.js built from the earlier commit\n');
    return;
  }
  const builds = [
    { name: process.env.BENCH_BEFORE_NAME ?? 'before', cli: path.resolve(beforeCli) },
    { name: 'this build', cli: CLI },
  ];
  const load = loadWatch();
  const stack = await startStack(QUEUES);
  try {
    const exporters = [
      await stack.exporter([], {}, { cli: builds[0].cli }),
      await stack.exporter([], {}, { cli: builds[1].cli }),
    ];
    const times = builds.map(() => [] as number[]);
    // The exporter's own RSS and heap as it reports them on every scrape: medians, not one sample.
    const rss = builds.map(() => [] as number[]);
    const heap = builds.map(() => [] as number[]);
    const series = builds.map(() => 0);
    for (const e of exporters) for (let i = 0; i < 5; i++) await e.scrape(); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, e] of exporters.entries()) {
        for (let n = 0; n < PER_ROUND; n++) {
          const started = performance.now();
          const text = await e.scrape();
          times[i].push(performance.now() - started);
          series[i] = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
          rss[i].push((sampleValue(text, 'process_resident_memory_bytes') ?? NaN) / 2 ** 20);
          heap[i].push((sampleValue(text, 'nodejs_heap_size_used_bytes') ?? NaN) / 2 ** 20);
          if (sampleValue(text, 'bullmq_queues') !== QUEUES) throw new Error(`${builds[i].name} lost queues`);
        }
      }
    }
    const rows = builds.map((b, i) => {
      const t = times[i];
      const median = (v: number[]) => percentile(v, 50).toFixed(0);
      return `| ${b.name} | ${percentile(t, 50).toFixed(1)} | ${percentile(t, 99).toFixed(1)} | ${series[i]} | ${median(rss[i])} / ${Math.max(...rss[i]).toFixed(0)} | ${median(heap[i])} |`;
    });
    for (const e of exporters) await e.stop();
    const text = [
      '## Before and after a refactor (issue 10)',
      '',
      `Written by \`bench/before-after.ts\`. ${machineLine()}. ${QUEUES} BullMQ queues and every collector on`,
      `(host, redis, bullmq, postgres, s3, localstorage, probes), shipped defaults. Both builds run at once against`,
      `the same stack; ${ROUNDS} rounds of ${PER_ROUND} scrapes each, alternating builds. Load before: ${load.before}; after: ${load.after()}.`,
      '',
      '| build | scrape p50 (ms) | scrape p99 (ms) | samples per scrape | RSS median / max (MiB) | heap used median (MiB) |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n');
    writeSection('before-after', text);
    process.stdout.write(text);
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
