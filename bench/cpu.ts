/**
 * Issue 7: CPU the exporter uses at Prometheus' pace: one scrape per shipped scrape interval
 * (monitoring/config.ts, 10 s since issue 12; BENCH_CPU_INTERVAL overrides it) for 10 minutes at
 * 100 queues, everything on, as a percentage of one core (utime + stime of the exporter process
 * from /proc/<pid>/stat, before and after). Background work (queue discovery, S3 listing,
 * storage walk) counts, as it would in production.
 * Env: BENCH_CPU_MINUTES (default 10), BENCH_CPU_QUEUES (100), BENCH_CPU_RATE (live jobs/s, 5),
 * BENCH_NODE_FLAGS (node flags for the exporter) with BENCH_CPU_SECTION (results section, default cpu).
 * A full run takes over 10 minutes: run it in the background, e.g.
 *   nohup npm run bench -- bench/cpu.ts > cpu.log 2>&1 &
 * Writes the `cpu` section of bench/RESULTS.md.
 */
import { defaultConfig } from '../monitoring/config';
import { parseDuration } from '../src/config/duration';
import { sleep } from '../test/harness/process';
import { SHIPPED_NODE_OPTIONS } from '../test/harness/exporter';
import { startStack } from './lib/stack';
import { loadWatch, machineLine, writeSection } from './lib/results';
import { CLK_TCK, collectorDurations, cpuSeconds, failedCollectors } from './lib/proc';
import { median } from './lib/measure';
import { ms, rssMb } from './lib/stats';

const MINUTES = Number(process.env.BENCH_CPU_MINUTES ?? 10);
const QUEUES = Number(process.env.BENCH_CPU_QUEUES ?? 100);
const RATE = Number(process.env.BENCH_CPU_RATE ?? 5);
/** The shipped prometheus.yml's interval: a figure at another pace says nothing about what users get. */
const INTERVAL_MS = parseDuration(process.env.BENCH_CPU_INTERVAL ?? defaultConfig.scrapeInterval)!;
const TARGET_PERCENT = 0.5;
const LIVE_QUEUES = 5;
/** Node flags for the exporter (e.g. --max-semi-space-size=2), to see what a memory setting costs in CPU. */
/** The shipped node options unless BENCH_NODE_FLAGS names others. */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? SHIPPED_NODE_OPTIONS.join(' ')).split(' ').filter(Boolean);
const SECTION = process.env.BENCH_CPU_SECTION ?? 'cpu';

async function main(): Promise<void> {
  const load = loadWatch();
  const stack = await startStack(QUEUES);
  const perScrape: number[] = [];
  /** CPU from the start of a scrape to 1 s after its answer: the scrape plus the GC work it leaves behind. */
  const withAftermath: number[] = [];
  const perCollector = new Map<string, number[]>();
  const times: number[] = [];
  const rss: number[] = [];
  let failures = 0;
  let result: { cpu: number; wall: number; scrapes: number; produced: number };
  try {
    const live = stack.workload.names.filter((_, i) => i % 20 !== 0 && i % 50 !== 7).slice(0, LIVE_QUEUES);
    const traffic = RATE > 0 ? stack.workload.live(live, RATE) : undefined;
    const exporter = await stack.exporter([], {}, { nodeArgs: NODE_FLAGS });
    const pid = exporter.child.pid;
    // Startup and the first scrapes (module compilation, first discovery and listings) are not steady state.
    for (let i = 0; i < 3; i++) await exporter.scrape();
    await sleep(INTERVAL_MS);
    const windowMs = MINUTES * 60_000;
    const startedAt = Date.now();
    const cpuBefore = cpuSeconds(pid);
    let scrapes = 0;
    while (Date.now() - startedAt < windowMs) {
      const due = startedAt + scrapes * INTERVAL_MS;
      await sleep(Math.max(0, due - Date.now()));
      const c0 = cpuSeconds(pid);
      const t = performance.now();
      const text = await exporter.scrape({ 'X-Prometheus-Scrape-Timeout-Seconds': '10' });
      times.push(performance.now() - t);
      perScrape.push(cpuSeconds(pid) - c0);
      rss.push(rssMb(pid));
      if (failedCollectors(text).length) failures++;
      for (const [name, seconds] of collectorDurations(text))
        perCollector.set(name, [...(perCollector.get(name) ?? []), seconds * 1000]);
      await sleep(1000);
      withAftermath.push(cpuSeconds(pid) - c0);
      scrapes++;
    }
    await sleep(Math.max(0, startedAt + windowMs - Date.now()));
    const cpu = cpuSeconds(pid) - cpuBefore;
    const wall = (Date.now() - startedAt) / 1000;
    const produced = traffic ? (await traffic.stop()).produced : 0;
    result = { cpu, wall, scrapes, produced };
  } finally {
    await stack.stop();
  }
  const percent = (result.cpu / result.wall) * 100;
  const scrapeCpu = perScrape.reduce((a, b) => a + b, 0);
  const aftermathCpu = withAftermath.reduce((a, b) => a + b, 0);
  const slowest = [...perCollector]
    .map(([name, v]) => `${name} ${ms(median(v))}`)
    .sort((a, b) => parseFloat(b.split(' ')[1]) - parseFloat(a.split(' ')[1]));
  const lines = [
    `## CPU at a ${INTERVAL_MS / 1000} s scrape interval, ${QUEUES.toLocaleString('en')} queues${NODE_FLAGS.length ? `, exporter run with \`node ${NODE_FLAGS.join(' ')}\`` : ', exporter run without node options'}`,
    '',
    machineLine({
      'redis-server': stack.versions.redis,
      PostgreSQL: stack.versions.postgres,
      bullmq: stack.versions.bullmq,
    }),
    `Load before: \`${load.before}\`; after: \`${load.after()}\`.`,
    '',
    `Run: \`nohup npm run bench -- bench/cpu.ts > cpu.log 2>&1 &\` (\`BENCH_CPU_MINUTES\`, default 10; this run: ${MINUTES}).`,
    '',
    `The built exporter with everything on (the full-scrape stack) at ${QUEUES.toLocaleString('en')} queues, ${RATE ? `${LIVE_QUEUES} of them worked by live Workers while a producer adds ${RATE} jobs/s (${result.produced.toLocaleString('en')} in all)` : 'no live jobs'}. After 3 warm-up scrapes and ${INTERVAL_MS / 1000} s, one \`GET /metrics\` every ${INTERVAL_MS / 1000} s for ${MINUTES} minutes (${result.scrapes} scrapes). CPU = utime + stime of the exporter process from /proc/<pid>/stat (clock ticks of 1/${CLK_TCK} s) over the whole window, background work included (queue discovery every 60 s, S3 listing and storage walk every 5 min, timers).`,
    '',
    '| what | value |',
    '|---|---|',
    `| CPU time over ${result.wall.toFixed(0)} s | ${result.cpu.toFixed(2)} s |`,
    `| **CPU, % of one core** | **${percent.toFixed(3)} %** |`,
    `| target | below ${TARGET_PERCENT} % of a core: **${percent < TARGET_PERCENT ? 'met' : 'not met'}** (${(percent / TARGET_PERCENT).toFixed(2)}x the target) |`,
    `| CPU inside scrapes (request to answer, summed) | ${scrapeCpu.toFixed(2)} s (${((scrapeCpu / result.cpu) * 100).toFixed(0)} % of it); median per scrape ${ms(median(perScrape) * 1000)} (tick resolution ${ms(1000 / CLK_TCK)}) |`,
    `| CPU from each scrape's start to 1 s after its answer (the scrape plus the GC it leaves) | ${aftermathCpu.toFixed(2)} s (${((aftermathCpu / result.cpu) * 100).toFixed(0)} %); median ${ms(median(withAftermath) * 1000)} |`,
    `| CPU in the rest of the window (timers, queue discovery, S3 listing, storage walk, idle GC) | ${(result.cpu - aftermathCpu).toFixed(2)} s |`,
    `| scrape time p50 / max | ${ms(median(times))} / ${ms(Math.max(...times))} |`,
    `| collector time p50 (they run concurrently) | ${slowest.join(', ')} |`,
    `| RSS after scrapes, median / max | ${median(rss).toFixed(1)} MB / ${Math.max(...rss).toFixed(1)} MB |`,
    `| scrapes with a failed collector | ${failures} |`,
    '',
  ];
  writeSection(SECTION, lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
