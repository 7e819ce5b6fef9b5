/**
 * Issue 13: memory of an instrumented app under 1,000,000 requests over 5,000 distinct raw paths
 * (one route template), against a bare app. Each app (bench/lib/instrument-app.cjs) runs with
 * --expose-gc; after every 100,000 requests the benchmark reads its RSS and its heap after a full
 * GC, and at the end counts the duration histogram's series. Writes the `soak` section of
 * bench/RESULTS-instrument.md. Takes several minutes: `nohup npm run bench -- bench/instrument-soak.ts &`.
 */
import { machineLine, uptime } from './lib/results';
import { rssMb } from './lib/stats';
import { load, startApp, writeInstrumentSection } from './lib/instrument-bench';

const TOTAL = Number(process.env.BENCH_SOAK_REQUESTS ?? 1_000_000);
const CHUNK = TOTAL / 10;
const PATHS = 5000;
const TARGETS = [
  ['koa', 'bare'],
  ['koa', 'ours'],
  ['express', 'ours'],
] as const;

async function heapAfterGcMb(url: string): Promise<number> {
  const res = await fetch(`${url}/_memory`);
  return ((await res.json()) as { heapUsed: number }).heapUsed / 1048576;
}

async function main(): Promise<void> {
  const loadBefore = uptime();
  const lines = ['## Memory over 1,000,000 requests on 5,000 distinct raw paths', ''];
  lines.push(machineLine());
  const rows: string[] = [];
  for (const [framework, variant] of TARGETS) {
    const app = await startApp(`${framework}/${variant}`, framework, variant, ['--expose-gc']);
    try {
      const rss: number[] = [];
      const heap: number[] = [];
      let sent = 0;
      let failed = 0;
      const started = Date.now();
      while (sent < TOTAL) {
        const run = await load(app.url, { connections: 10, amount: CHUNK, distinctPaths: PATHS });
        sent += run.requests;
        failed += run.non2xx;
        heap.push(await heapAfterGcMb(app.url));
        rss.push(rssMb(app.pid));
        process.stdout.write(
          `${app.name}: ${sent} requests, RSS ${rss.at(-1)!.toFixed(1)} MB, heap after GC ${heap.at(-1)!.toFixed(2)} MB\n`,
        );
      }
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      const routes = metrics
        .split('\n')
        .filter((l) => l.startsWith('http_server_request_duration_seconds_count'))
        .map((l) => /http_route="([^"]*)"/.exec(l)?.[1]);
      const minutes = ((Date.now() - started) / 60000).toFixed(1);
      rows.push(
        `| ${framework} | ${variant === 'ours' ? 'jobstack-exporter/instrument' : 'bare'} | ${sent.toLocaleString('en')}${failed ? ` (${failed} non-2xx)` : ''} | ${minutes} min | ${rss.map((v) => v.toFixed(0)).join(' / ')} | ${heap.map((v) => v.toFixed(1)).join(' / ')} | ${variant === 'ours' ? `${routes.length}: ${routes.map((r) => `\`${r}\``).join(', ')}` : '-'} |`,
      );
    } finally {
      await app.stop();
    }
  }
  lines.push(`Load before: \`${loadBefore}\`; after: \`${uptime()}\`.`, '');
  lines.push(
    'Run: `npm run bench -- bench/instrument-soak.ts` (`BENCH_SOAK_REQUESTS`, default 1,000,000). Several minutes: run it with nohup.',
    '',
  );
  lines.push(
    `Each app in its own process started with \`--expose-gc\`, answering \`GET /users/:id\`; autocannon sends ${TOTAL.toLocaleString('en')} requests with 10 connections, cycling through ${PATHS.toLocaleString('en')} raw paths (\`/users/0\` ... \`/users/4999\`). After every ${CHUNK.toLocaleString('en')} requests: RSS from /proc, and heapUsed after a full GC (\`global.gc()\` in the app). Series: the \`http_server_request_duration_seconds_count\` lines of the app's /metrics at the end, with their \`http_route\` (the template, whatever the raw path; \`/_memory\` is the benchmark's own probe).`,
    '',
  );
  lines.push(
    '| framework | variant | requests | time | RSS after each 100,000 (MB) | heap after GC after each 100,000 (MB) | duration series (http_route) |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  );
  writeInstrumentSection('soak', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
