/**
 * Issue 7: RSS and heap over 10,000 back-to-back scrapes at 1,000 queues, everything on, with a
 * light live workload (Workers finishing jobs, so every scrape also samples new finished jobs).
 * Samples every 500 scrapes; reports the least-squares slope in MB per 1,000 scrapes and whether
 * it is growth beyond noise. Long (about 25 minutes here): run it in the background, e.g.
 *   nohup npm run bench -- bench/soak.ts > soak.log 2>&1 &
 * Env: BENCH_SOAK_SCRAPES (default 10000), BENCH_SOAK_EVERY (500), BENCH_SOAK_RATE (jobs/s, 20).
 * For a soak by time (issue 14: one hour), BENCH_SOAK_MINUTES stops it after that long and
 * BENCH_SOAK_PACE_MS scrapes once per that many ms instead of back to back; it then writes the
 * `soak-hour` section instead of `soak`.
 */
import { sleep, tempDir } from '../test/harness/process';
import { SHIPPED_NODE_OPTIONS } from '../test/harness/exporter';
import { snapshot, snapshotFlags, type HeapSummary } from './lib/heap';
import { median } from './lib/measure';
import { startStack } from './lib/stack';
import { loadWatch, machineLine, writeSection } from './lib/results';
import { failedCollectors, linearFit, mb, sampleValue } from './lib/proc';
import { ms, percentile, rssMb } from './lib/stats';

const QUEUES = 1000;
const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 0);
const PACE_MS = Number(process.env.BENCH_SOAK_PACE_MS ?? 0);
const MAX_SCRAPES = Number(process.env.BENCH_SOAK_SCRAPES ?? (MINUTES ? Infinity : 10_000));
const EVERY = Number(process.env.BENCH_SOAK_EVERY ?? 500);
const RATE = Number(process.env.BENCH_SOAK_RATE ?? 20);
const LIVE_QUEUES = 10;
const RSS_AFTER_GC_MS = 100;

const spaceUsed = (text: string, space: string) =>
  Number(new RegExp(`^nodejs_heap_space_size_used_bytes\\{space="${space}"\\} (\\S+)`, 'm').exec(text)?.[1] ?? 0);

interface Point {
  readonly scrapes: number;
  /** Since the exporter started. */
  readonly minutes: number;
  readonly rss: number;
  readonly heap: number;
  readonly heapTotal: number;
  /** Outside the V8 heap (Buffers): freed only when V8 collects the objects that hold it. */
  readonly external: number;
  /** Code and bytecode (code + trusted spaces): JIT warm-up, not data. */
  readonly code: number;
  readonly handles: number;
  readonly fds: number;
}

function describeFit(xs: number[], ys: number[]): { text: string; beyondNoise: boolean } {
  const fit = linearFit(xs, ys);
  const beyondNoise = fit.slope > 2 * fit.slopeStdError;
  const ci = `${(fit.slope - 2 * fit.slopeStdError).toFixed(3)} to ${(fit.slope + 2 * fit.slopeStdError).toFixed(3)}`;
  return {
    text: `${fit.slope >= 0 ? '+' : ''}${fit.slope.toFixed(3)} MB per 1,000 scrapes (±2 SE: ${ci}; r² ${fit.r2.toFixed(2)})`,
    beyondNoise,
  };
}

/** Scrapes done (MAX_SCRAPES, or fewer when BENCH_SOAK_MINUTES ended the run first). */
let SCRAPES = 0;

async function main(): Promise<void> {
  const load = loadWatch();
  const stack = await startStack(QUEUES);
  const points: Point[] = [];
  const times: number[] = [];
  const failures = new Map<string, number>();
  let produced = 0;
  /** Heap size after each full (mark-compact) GC, from V8's --trace-gc lines: the live heap, no snapshot needed. */
  const fullGcs: { scrapes: number; afterMb: number; rss?: number }[] = [];
  let atEnd: HeapSummary | undefined;
  const snapDir = tempDir('soak-heap');
  try {
    const live = stack.workload.names.filter((_, i) => i % 20 !== 0 && i % 50 !== 7).slice(0, LIVE_QUEUES);
    const traffic = stack.workload.live(live, RATE);
    // A heap snapshot would inflate RSS for the rest of the run (V8 builds it in malloc'd memory), so the live
    // heap comes from --trace-gc during the run, and one snapshot (for what is live) only at the end.
    const exporter = await stack.exporter(
      [],
      {},
      {
        nodeArgs: [...SHIPPED_NODE_OPTIONS, '--trace-gc', '--trace-gc-ignore-scavenger', ...snapshotFlags(snapDir.dir)],
      },
    );
    const exporterStarted = Date.now();
    let scrapesDone = 0;
    let lastStart = 0;
    let pending = '';
    exporter.child.proc.stdout?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const m = /Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(line);
        if (!m) continue;
        const gc: (typeof fullGcs)[number] = { scrapes: scrapesDone, afterMb: Number(m[1]) };
        fullGcs.push(gc);
        // RSS a moment after a full GC (V8 sweeps and frees Buffers concurrently): the floor under
        // the sawtooth that samples taken at a random point of the GC cycle swing across.
        setTimeout(() => {
          try {
            gc.rss = rssMb(exporter.child.pid);
          } catch {
            // The exporter has exited (end of run).
          }
        }, RSS_AFTER_GC_MS);
      }
    });
    for (let i = 0; i < 50; i++) await exporter.scrape();
    fullGcs.length = 0;
    const sample = (scrapes: number, text: string) => {
      const handles = [...text.matchAll(/^nodejs_active_handles\{[^}]*\} (\S+)/gm)].reduce(
        (a, m) => a + Number(m[1]),
        0,
      );
      points.push({
        scrapes,
        minutes: (Date.now() - exporterStarted) / 60_000,
        rss: rssMb(exporter.child.pid),
        heap: mb(sampleValue(text, 'nodejs_heap_size_used_bytes') ?? NaN),
        heapTotal: mb(sampleValue(text, 'nodejs_heap_size_total_bytes') ?? NaN),
        external: mb(sampleValue(text, 'nodejs_external_memory_bytes') ?? NaN),
        code: mb(spaceUsed(text, 'code') + spaceUsed(text, 'trusted') + spaceUsed(text, 'code_large_object')),
        handles,
        fds: sampleValue(text, 'process_open_fds') ?? NaN,
      });
    };
    sample(0, await exporter.scrape());
    const endAt = MINUTES ? Date.now() + MINUTES * 60_000 : Infinity;
    for (let n = 1; n <= MAX_SCRAPES && Date.now() < endAt; n++) {
      if (PACE_MS && n > 1) await sleep(Math.max(0, PACE_MS - (performance.now() - lastStart)));
      lastStart = performance.now();
      const t = performance.now();
      const text = await exporter.scrape();
      times.push(performance.now() - t);
      scrapesDone = n;
      for (const name of failedCollectors(text)) failures.set(name, (failures.get(name) ?? 0) + 1);
      if (n % EVERY === 0) {
        sample(n, text);
        const p = points[points.length - 1];
        process.stderr.write(
          `${n} scrapes: RSS ${p.rss.toFixed(1)} MB, heap ${p.heap.toFixed(1)} MB, handles ${p.handles}, fds ${p.fds}, last p50 ${ms(percentile(times.slice(-EVERY), 50))}\n`,
        );
      }
    }
    SCRAPES = scrapesDone;
    produced = (await traffic.stop()).produced;
    atEnd = await snapshot(exporter.child, snapDir.dir);
  } finally {
    await stack.stop();
    snapDir.remove();
  }

  const xs = points.map((p) => p.scrapes / 1000);
  const rss = describeFit(
    xs,
    points.map((p) => p.rss),
  );
  const heap = describeFit(
    xs,
    points.map((p) => p.heap),
  );
  const half = points.filter((p) => p.scrapes >= SCRAPES / 2);
  const rssLate = describeFit(
    half.map((p) => p.scrapes / 1000),
    half.map((p) => p.rss),
  );
  const heapLate = describeFit(
    half.map((p) => p.scrapes / 1000),
    half.map((p) => p.heap),
  );
  const liveWindows = Array.from({ length: Math.ceil(SCRAPES / EVERY) }, (_, i) => {
    const inWindow = fullGcs.filter((g) => g.scrapes > i * EVERY && g.scrapes <= (i + 1) * EVERY);
    const rssAfter = inWindow.flatMap((g) => (g.rss === undefined ? [] : [g.rss]));
    const to = (i + 1) * EVERY;
    const min = inWindow.length ? Math.min(...inWindow.map((g) => g.afterMb)) : NaN;
    return {
      to,
      min,
      /** Live heap less code and bytecode (read in the scrape that closed the window). */
      data: min - (points.find((p) => p.scrapes === to)?.code ?? NaN),
      rss: rssAfter.length ? Math.min(...rssAfter) : NaN,
      count: inWindow.length,
    };
  }).filter((w) => w.count > 0);
  const live = describeFit(
    liveWindows.map((w) => (w.to - EVERY / 2) / 1000),
    liveWindows.map((w) => w.min),
  );
  const lateWindows = liveWindows.filter((w) => w.to > SCRAPES / 2);
  const liveLate = describeFit(
    lateWindows.map((w) => (w.to - EVERY / 2) / 1000),
    lateWindows.map((w) => w.min),
  );
  const lateFit = (value: (w: (typeof liveWindows)[number]) => number) => {
    const late = lateWindows.filter((w) => Number.isFinite(value(w)));
    return describeFit(
      late.map((w) => (w.to - EVERY / 2) / 1000),
      late.map(value),
    );
  };
  const dataLate = lateFit((w) => w.data);
  const rssFloorLate = lateFit((w) => w.rss);
  const flat = (f: { beyondNoise: boolean }) => (f.beyondNoise ? 'growth beyond noise' : 'flat within noise');
  const first = points[0];
  const last = points[points.length - 1];
  const lines = [
    `## Soak: RSS and heap over ${MINUTES ? `${MINUTES} minutes (${SCRAPES.toLocaleString('en')} scrapes)` : `${SCRAPES.toLocaleString('en')} scrapes`} at ${QUEUES.toLocaleString('en')} queues`,
    '',
    machineLine({
      'redis-server': stack.versions.redis,
      PostgreSQL: stack.versions.postgres,
      bullmq: stack.versions.bullmq,
    }),
    `Load before: \`${load.before}\`; after: \`${load.after()}\`.`,
    '',
    `Run: \`${MINUTES ? `BENCH_SOAK_MINUTES=${MINUTES} BENCH_SOAK_PACE_MS=${PACE_MS} BENCH_SOAK_EVERY=${EVERY} ` : ''}nohup npm run bench -- bench/soak.ts > soak.log 2>&1 &\` (\`BENCH_SOAK_SCRAPES\`, \`BENCH_SOAK_EVERY\`, \`BENCH_SOAK_RATE\`, \`BENCH_SOAK_MINUTES\`, \`BENCH_SOAK_PACE_MS\`).`,
    '',
    `The built exporter with everything on (the full-scrape stack), ${QUEUES.toLocaleString('en')} queues, while ${LIVE_QUEUES} of them are worked by live Workers and a producer adds ${RATE} jobs/s (${produced.toLocaleString('en')} in all; 1 in 25 fails), so scrapes keep sampling newly finished jobs and recent failures. After 50 warm-up scrapes, ${SCRAPES.toLocaleString('en')} ${PACE_MS ? `scrapes, one every ${PACE_MS} ms` : 'back-to-back scrapes (the bench waits for each answer; no pause)'}${MINUTES ? ` for ${MINUTES} minutes` : ''}. Every ${EVERY}: RSS (/proc VmRSS), heap used and total (the exporter's own \`nodejs_heap_size_used_bytes\`/\`_total_bytes\` in that scrape), active handles (sum of \`nodejs_active_handles\`) and open fds (\`process_open_fds\`). Scrape time over the run: p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))}, max ${ms(Math.max(...times))}.`,
    '',
    '| scrapes | RSS | heap used | heap total | external | code and bytecode | active handles | open fds |',
    '|---|---|---|---|---|---|---|---|',
    ...points.map(
      (p) =>
        `| ${p.scrapes.toLocaleString('en')} | ${p.rss.toFixed(1)} MB | ${p.heap.toFixed(1)} MB | ${p.heapTotal.toFixed(1)} MB | ${p.external.toFixed(1)} MB | ${p.code.toFixed(1)} MB | ${p.handles} | ${p.fds} |`,
    ),
    '',
    `Least-squares slope over all ${points.length} samples ("beyond noise" = the slope exceeds twice its standard error, i.e. its ~95% interval excludes zero):`,
    '',
    `- RSS: ${rss.text}: **${rss.beyondNoise ? 'growth beyond noise' : 'no growth beyond noise'}**. Second half only (${(SCRAPES / 2).toLocaleString('en')}-${SCRAPES.toLocaleString('en')}): ${rssLate.text}${rssLate.beyondNoise ? ', still rising' : ', flat within noise'}.`,
    `- Heap used: ${heap.text}: **${heap.beyondNoise ? 'growth beyond noise' : 'no growth beyond noise'}**. Second half only: ${heapLate.text}${heapLate.beyondNoise ? ', still rising' : ', flat within noise'}.`,
    `- First vs last sample: RSS ${first.rss.toFixed(1)} -> ${last.rss.toFixed(1)} MB, heap used ${first.heap.toFixed(1)} -> ${last.heap.toFixed(1)} MB, active handles ${first.handles} -> ${last.handles}, open fds ${first.fds} -> ${last.fds}.`,
    `- Collector failures during the run: ${failures.size ? [...failures].map(([n, c]) => `${n} ${c}x`).join(', ') : 'none'}.`,
    "- Heap used is read at whatever point of V8's GC cycle a scrape lands, so single samples swing by tens of MB; the slope over many samples is the figure to read.",
    '',
    `Live heap: V8's own report after each full (mark-compact) GC (\`--trace-gc\`), ${fullGcs.length} of them over the run; the lowest per ${EVERY} scrapes is the live heap with the least of a scrape in flight:`,
    '',
    `| scrapes | ${liveWindows.map((w) => w.to.toLocaleString('en')).join(' | ')} |`,
    `|---|${liveWindows.map(() => '---|').join('')}`,
    `| live heap, MB (lowest after a full GC) | ${liveWindows.map((w) => w.min.toFixed(1)).join(' | ')} |`,
    `| live heap less code and bytecode, MB | ${liveWindows.map((w) => w.data.toFixed(1)).join(' | ')} |`,
    `| RSS ${RSS_AFTER_GC_MS} ms after a full GC, MB (lowest) | ${liveWindows.map((w) => w.rss.toFixed(1)).join(' | ')} |`,
    `| full GCs | ${liveWindows.map((w) => w.count).join(' | ')} |`,
    `| minutes since the exporter started | ${liveWindows.map((w) => points.find((p) => p.scrapes === w.to)?.minutes.toFixed(1) ?? '').join(' | ')} |`,
    '',
    `- Live heap slope: ${live.text}: **${live.beyondNoise ? 'growth beyond noise' : 'no growth beyond noise'}**. Second half only: ${liveLate.text}${liveLate.beyondNoise ? ', still rising' : ', flat within noise'}. Lowest ${liveWindows[0]?.min.toFixed(1)} MB in the first window, ${liveWindows[liveWindows.length - 1]?.min.toFixed(1)} MB in the last; median after a full GC over the run ${median(fullGcs.map((g) => g.afterMb)).toFixed(1)} MB.`,
    `- Second half only, without the JIT's warm-up: live heap less code and bytecode ${dataLate.text}: **${flat(dataLate)}**. RSS ${RSS_AFTER_GC_MS} ms after a full GC (the floor under the sawtooth; the lowest per window): ${rssFloorLate.text}: **${flat(rssFloorLate)}**.`,
    "- State kept for a time window grows with uptime, not with scrapes, until the window is full: the dashboard keeps 10 minutes of histogram snapshots (one a minute) for each queue's two histograms, and V8 keeps compiling hot code. Growth that stops once the run is past 10 minutes is that; a leak keeps its slope.",
    `- What is live at the end (heap snapshot after the last scrape, ${atEnd ? atEnd.liveMb.toFixed(1) : '?'} MB): ${
      atEnd
        ? atEnd.byKind
            .slice(0, 6)
            .map(
              ([kind, size, count]) =>
                `${kind.replace(/\|/g, '/')} ${size.toFixed(1)} MB (${count.toLocaleString('en')})`,
            )
            .join(', ')
        : 'not taken'
    }.`,
    '',
  ];
  writeSection(MINUTES ? 'soak-hour' : 'soak', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
