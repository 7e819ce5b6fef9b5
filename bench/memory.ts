/**
 * Issue 7: where jobstack-exporter's memory goes and what the reductions buy, at 1,000 queues.
 *  1. What each dependency adds to a fresh node's RSS (core set minus one, core set plus a client).
 *  2. RSS by configuration (zero-config, the Go trio's scope, everything on).
 *  3. A matrix of builds x node flags (e.g. --max-semi-space-size): RSS idle, after back-to-back
 *     scrapes, and at Prometheus' pace (one scrape every 15 s), with the scrape time.
 *  4. Heap allocated per collection and per exposition (in process, GC held off).
 * Env: BENCH_CLIS="label=path/to/cli.js,..." adds builds to compare with dist/cli.js (e.g. one
 * compiled from an earlier revision); BENCH_NODE_FLAGS="flags|flags|..." and BENCH_TRIO_FLAGS
 * (node flags tried with everything on, and with the trio's scope; defaults below);
 * BENCH_PACED rounds (default 8). Writes the `memory` section of bench/RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, SHIPPED_ENV, SHIPPED_NODE_OPTIONS } from '../test/harness/exporter';
import type { ExporterProcess } from '../test/harness/exporter';
import { sleep } from '../test/harness/process';
import { spawnExporter, startStack, type ExporterBuild, type Stack } from './lib/stack';
import { loadWatch, machineLine, writeSection } from './lib/results';
import { interleaved, median, pacedRss } from './lib/measure';
import { mb, sampleValue } from './lib/proc';
import { ms, percentile, rssMb } from './lib/stats';

const QUEUES = 1000;
const HAMMER = 50;
const PACED = Number(process.env.BENCH_PACED ?? 8);
const INTERVAL_MS = 15_000;
const FLAGS = (
  process.env.BENCH_NODE_FLAGS ??
  '|--max-semi-space-size=4|--max-semi-space-size=2|--heap-growing-percent=30|--max-semi-space-size=4 --heap-growing-percent=30|--optimize-for-size'
)
  .split('|')
  .map((f) => f.trim());
const TRIO_FLAGS = (process.env.BENCH_TRIO_FLAGS ?? '|--max-semi-space-size=4').split('|').map((f) => f.trim());
const BUILDS: [string, string][] = [
  ...(process.env.BENCH_CLIS ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=') as [string, string]),
  ['current', path.join(ROOT, 'dist/cli.js')],
];
/** Loaded by every configuration (HTTP, config, process metrics, auth). */
const CORE = ['koa', '@koa/router', 'prom-client', 'zod', 'yaml', 'bcryptjs'];
/** Loaded only with their collector (src/collectors/index.ts requires them lazily). */
const CLIENTS = ['ioredis', 'pg', '@aws-sdk/client-s3'];

/** RSS and heap used (MB) of a fresh node that requires `mods` then runs a full GC; median of 3. */
function rssWith(mods: readonly string[]): { rss: number; heap: number } {
  const script = `for (const m of ${JSON.stringify(mods)}) require(m); gc(); const u = process.memoryUsage(); console.log(JSON.stringify({ rss: u.rss / 1048576, heap: u.heapUsed / 1048576 }))`;
  const runs = [0, 1, 2].map(
    () =>
      JSON.parse(
        spawnSync(process.execPath, ['--expose-gc', '-e', script], { cwd: ROOT, encoding: 'utf8' }).stdout,
      ) as { rss: number; heap: number },
  );
  return { rss: median(runs.map((r) => r.rss)), heap: median(runs.map((r) => r.heap)) };
}

/** What each dependency adds: core modules removed one at a time from the core set, client libraries added to it. */
function dependencyCosts(): {
  bare: number;
  core: { rss: number; heap: number };
  rows: { m: string; rss: number; heap: number }[];
} {
  const core = rssWith(CORE);
  const rows = [
    ...CORE.map((m) => {
      const without = rssWith(CORE.filter((c) => c !== m));
      return { m, rss: core.rss - without.rss, heap: core.heap - without.heap };
    }),
    ...[...CLIENTS.map((m) => [m]), CLIENTS].map((mods) => {
      const withIt = rssWith([...CORE, ...mods]);
      return { m: mods.join(' + '), rss: withIt.rss - core.rss, heap: withIt.heap - core.heap };
    }),
  ];
  return { bare: rssWith([]).rss, core, rows };
}

/** The Go trio's scope: host, redis, bullmq and postgres (no S3, local storage or probes). */
function trioEnv(stack: Stack): NodeJS.ProcessEnv {
  const { JOBSTACK_CONFIG, REDIS_URL, DATABASE_URL } = stack.env;
  return { JOBSTACK_CONFIG, REDIS_URL, DATABASE_URL };
}

interface Variant {
  readonly build: string;
  readonly flags: string;
  readonly scope: 'all on' | 'trio scope' | 'zero-config';
  exporter?: ExporterProcess;
  idle?: number;
  hammered?: number;
  heapUsed?: number;
  p50?: number;
  p99?: number;
}

async function main(): Promise<void> {
  const load = loadWatch();
  const lines: string[] = [];
  const deps = dependencyCosts();

  const stack = await startStack(QUEUES);
  const variants: Variant[] = [];
  let alloc: { collectMb: number; exposeMb: number; exposeMs: number; keptMb: number; textMb: number } | undefined;
  try {
    for (const [build] of BUILDS) {
      // Without node options, and with the shipped ones (package.json config.nodeOptions).
      for (const flags of ['', SHIPPED_NODE_OPTIONS.join(' ')]) variants.push({ build, flags, scope: 'zero-config' });
      for (const flags of FLAGS) variants.push({ build, flags, scope: 'all on' });
      for (const flags of build === 'current' ? TRIO_FLAGS : ['']) variants.push({ build, flags, scope: 'trio scope' });
    }
    for (const v of variants) {
      // The shipped options come with the shipped environment (malloc settings); any other set runs without it.
      const spec: ExporterBuild = {
        cli: BUILDS.find(([b]) => b === v.build)![1],
        nodeArgs: v.flags ? v.flags.split(' ') : [],
        shippedEnv: v.flags === SHIPPED_NODE_OPTIONS.join(' '),
      };
      const env = v.scope === 'all on' ? stack.env : v.scope === 'trio scope' ? trioEnv(stack) : {};
      v.exporter = await spawnExporter([], env, spec);
      await sleep(1000);
      v.idle = rssMb(v.exporter.child.pid);
      const e = v.exporter;
      const times = (await interleaved([{ name: 'x', pid: e.child.pid, scrape: () => e.scrape() }], HAMMER)).get('x')!;
      v.hammered = rssMb(e.child.pid);
      v.heapUsed = mb(sampleValue(await e.scrape(), 'nodejs_heap_size_used_bytes') ?? NaN);
      v.p50 = percentile(times, 50);
      v.p99 = percentile(times, 99);
      process.stderr.write(
        `${v.build} ${v.scope} [${v.flags}]: idle ${v.idle.toFixed(1)} hammered ${v.hammered.toFixed(1)} MB, p50 ${ms(v.p50)}\n`,
      );
    }
    const paced = await pacedRss(
      variants.map((v, i) => ({ name: String(i), pid: v.exporter!.child.pid, scrape: () => v.exporter!.scrape() })),
      INTERVAL_MS,
      PACED,
    );
    for (const v of variants) await v.exporter?.stop();

    const probe = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--min-semi-space-size=128',
        '--max-semi-space-size=128',
        '--import',
        'tsx',
        'bench/lib/alloc-probe.ts',
        String(stack.redis.port),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (probe.status === 0) alloc = JSON.parse(probe.stdout.trim().split('\n').pop()!) as typeof alloc;
    else process.stderr.write(probe.stderr);

    lines.push('## Memory: where it goes and what the reductions buy', '');
    lines.push(machineLine({ 'redis-server': stack.versions.redis, PostgreSQL: stack.versions.postgres }));
    lines.push(`Load before: \`${load.before}\`; after: \`${load.after()}\`.`, '');
    lines.push(
      'Run: `npm run bench -- bench/memory.ts` (`BENCH_CLIS=before=/path/to/dist/cli.js` adds a build to compare; `BENCH_NODE_FLAGS`, `BENCH_PACED`).',
      '',
    );
    lines.push('### What each dependency costs when required', '');
    lines.push(
      `Fresh \`node --expose-gc\` processes require a set of modules, run a full GC and report RSS and heap used (median of 3). A bare node is ${deps.bare.toFixed(1)} MB of RSS here, most of it the node binary's own pages; the core set every configuration loads (${CORE.join(', ')}) brings it to ${deps.core.rss.toFixed(1)} MB (heap used ${deps.core.heap.toFixed(1)} MB). Core modules: what removing one from the core set saves; client libraries: what adding them to it costs (the first module loaded also pays node's own loader warm-up, so single-module figures overstate).`,
      '',
    );
    lines.push('| module | RSS | heap used |', '|---|---|---|');
    for (const d of deps.rows)
      lines.push(
        `| ${d.m} | ${d.rss >= 0 ? '+' : ''}${d.rss.toFixed(1)} MB | ${d.heap >= 0 ? '+' : ''}${d.heap.toFixed(1)} MB |`,
      );
    lines.push('', `### RSS at ${QUEUES.toLocaleString('en')} queues by build, node flags and scope`, '');
    lines.push(
      `Every variant is its own exporter process on the same stack (bench/lib/stack.ts, the full-scrape workload). "idle": 1 s after startup, before any scrape. "back-to-back": after ${HAMMER + 5} sequential scrapes (nothing lets V8 shrink its heap). "15 s pace": ${PACED} rounds, every variant scraped once per ${INTERVAL_MS / 1000} s in turn, RSS read just before each scrape (floor, after the idle interval) and just after it (peak); medians over the rounds, and the highest peak. "trio scope" is what redis_exporter + postgres_exporter + node_exporter cover: host, redis, bullmq and postgres collectors only (REDIS_URL, DATABASE_URL); "all on" adds s3, localstorage and probes. The shipped node flags (\`${SHIPPED_NODE_OPTIONS.join(' ')}\`, package.json config) run with the shipped environment too (\`${Object.entries(
        SHIPPED_ENV,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}\`); every other row runs without it.`,
      '',
    );
    lines.push(
      '| build | node flags | scope | idle | back-to-back | heap used | scrape p50 / p99 | 15 s pace: floor | peak (median) | peak (max) |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    variants.forEach((v, i) => {
      const p = paced.get(String(i))!;
      lines.push(
        `| ${v.build} | ${v.flags ? `\`${v.flags}\`` : 'none'} | ${v.scope} | ${v.idle!.toFixed(1)} MB | ${v.hammered!.toFixed(1)} MB | ${v.heapUsed!.toFixed(1)} MB | ${ms(v.p50!)} / ${ms(v.p99!)} | ${median(p.floor).toFixed(1)} MB | ${median(p.peak).toFixed(1)} MB | ${Math.max(...p.peak).toFixed(1)} MB |`,
      );
    });
    if (alloc) {
      lines.push('', '### Heap allocated per scrape (current build, in process)', '');
      lines.push(
        `bench/lib/alloc-probe.ts in \`node --expose-gc --min-semi-space-size=128 --max-semi-space-size=128\` (no GC inside a scrape, so heapUsed deltas are allocations), ${QUEUES.toLocaleString('en')} queues, median of 5: the bullmq collection allocates ${alloc.collectMb} MB, building the exposition (merge, render, process metrics) ${alloc.exposeMb} MB in ${ms(alloc.exposeMs)} for ${alloc.textMb} MB of text; ${alloc.keptMb} MB is still reachable after a full GC.`,
      );
    }
  } finally {
    await Promise.allSettled(variants.map(async (v) => v.exporter?.stop()));
    await stack.stop();
  }
  writeSection('memory', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
