/**
 * Issue 13's 3% bound, measured without process-to-process variance: one process per framework
 * serves bare, one empty middleware and this library side by side (bench/lib/instrument-app.cjs,
 * variant `mounted`, the same dispatcher in front of each), and the rounds alternate the load
 * between them. Separate processes differed by 5-10% from their JIT's luck alone, more than the
 * bound; here every variant shares one JIT, heap and process. Pinned as bench/instrument.ts is
 * (app on CPU 1, load generator on CPU 0). Writes the `overhead-mounted` section of
 * bench/RESULTS-instrument.md.
 */
import { machineLine, uptime } from './lib/results';
import { median } from './lib/measure';
import {
  cpuSeconds,
  load,
  percentileOf,
  pinLoadGenerator,
  startApp,
  writeInstrumentSection,
  type App,
} from './lib/instrument-bench';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const LATENCY_SECONDS = 3;
const LATENCY_RATE = 500;
const CONNECTIONS = 10;
const PATHS = 5000;
const VARIANTS = ['bare', 'empty', 'ours'] as const;
type Variant = (typeof VARIANTS)[number];
const LABEL: Record<Variant, string> = {
  bare: 'bare',
  empty: 'one empty middleware (the framework’s floor)',
  ours: 'jobstack-exporter/instrument',
};

interface Figures {
  rps: number[];
  cpuUsPerRequest: number[];
  latencies: Float64Array[];
}

async function phase(app: App, variant: Variant, f: Figures): Promise<void> {
  const prefix = `/${variant}`;
  const cpu0 = cpuSeconds(app.pid);
  const run = await load(app.url, { connections: CONNECTIONS, duration: SECONDS, distinctPaths: PATHS, prefix });
  f.rps.push(run.rps);
  f.cpuUsPerRequest.push(((cpuSeconds(app.pid) - cpu0) * 1e6) / run.requests);
  const paced = await load(app.url, {
    connections: 1,
    duration: LATENCY_SECONDS,
    overallRate: LATENCY_RATE,
    distinctPaths: PATHS,
    prefix,
  });
  f.latencies.push(paced.latenciesMs);
}

const signed = (v: number, digits: number, unit: string) =>
  `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}${unit}`;

async function main(): Promise<void> {
  pinLoadGenerator();
  const loadBefore = uptime();
  const rows: string[] = [];
  const perRound: string[] = [];
  for (const framework of ['koa', 'express'] as const) {
    const app = await startApp(`${framework}/mounted`, framework, 'mounted');
    const figures = new Map<Variant, Figures>(
      VARIANTS.map((v) => [v, { rps: [], cpuUsPerRequest: [], latencies: [] }]),
    );
    try {
      for (const v of VARIANTS)
        await load(app.url, { connections: CONNECTIONS, duration: 1, distinctPaths: PATHS, prefix: `/${v}` });
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 ? [...VARIANTS].reverse() : VARIANTS;
        for (const v of order) await phase(app, v, figures.get(v)!);
        process.stdout.write(`${framework}: round ${round + 1}/${ROUNDS} done\n`);
      }
    } finally {
      await app.stop();
    }
    const bare = figures.get('bare')!;
    const bareP99 = percentileOf(Float64Array.from(bare.latencies.flatMap((l) => [...l])), 99);
    for (const v of VARIANTS) {
      const f = figures.get(v)!;
      const lat = Float64Array.from(f.latencies.flatMap((l) => [...l]));
      const ratio = median(f.rps.map((r, i) => r / bare.rps[i]));
      const cpuAdded = median(f.cpuUsPerRequest.map((c, i) => c - bare.cpuUsPerRequest[i]));
      const p99 = percentileOf(lat, 99);
      const base = v === 'bare';
      rows.push(
        `| ${framework} | ${LABEL[v]} | ${Math.round(median(f.rps)).toLocaleString('en')} | ${base ? '-' : signed((ratio - 1) * 100, 1, '%')} | ${median(f.cpuUsPerRequest).toFixed(1)} µs | ${base ? '-' : signed(cpuAdded, 1, ' µs')} | ${percentileOf(lat, 50).toFixed(3)} ms | ${p99.toFixed(3)} ms | ${base ? '-' : signed(p99 - bareP99, 3, ' ms')} |`,
      );
      if (!base) perRound.push(`${framework}/${v} ${f.rps.map((r, i) => (r / bare.rps[i]).toFixed(3)).join(' ')}`);
    }
  }
  const lines = [
    '## Per-request overhead in one process (bare, empty and this library side by side)',
    '',
    machineLine({
      autocannon: require('autocannon/package.json').version,
      koa: require('koa/package.json').version,
      express: require('express/package.json').version,
    }),
    `Load before: \`${loadBefore}\`; after: \`${uptime()}\`.`,
    '',
    'Run: `npm run bench -- bench/instrument-mounted.ts` (`BENCH_ROUNDS`, default 10; `BENCH_SECONDS`, default 3).',
    '',
    `One process per framework, pinned to CPU 1 (the load generator on CPU 0), serves \`/bare/users/:id\`, \`/empty/users/:id\` and \`/ours/users/:id\` through the same dispatcher (bench/lib/instrument-app.cjs, variant \`mounted\`). ${ROUNDS} rounds; in each, every variant in turn (order reversed every other round) gets a throughput run (autocannon, ${CONNECTIONS} connections, ${SECONDS} s; the process's CPU time per request from /proc) and a latency run (1 connection at a fixed ${LATENCY_RATE} requests/s for ${LATENCY_SECONDS} s). The throughput and CPU columns are medians over rounds of each round's difference to bare; latency percentiles pool every round.`,
    '',
    '| framework | variant | requests/s | throughput vs bare | CPU per request | CPU added vs bare | p50 | p99 | p99 added vs bare |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Per-round throughput against bare: ${perRound.join('; ')}.`,
    '',
  ];
  writeInstrumentSection('overhead-mounted', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
