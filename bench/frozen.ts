/**
 * Issue 7: a frozen dependency (SIGSTOP: the TCP port still accepts, nothing ever answers) must
 * never add more than the deadline to a scrape. The built exporter, everything on, 100 queues;
 * scrapes send X-Prometheus-Scrape-Timeout-Seconds: 5 while Redis is frozen, then PostgreSQL, then
 * both, and once more after they are thawed. Writes the `frozen` section of bench/RESULTS.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ExporterProcess } from '../test/harness/exporter';
import { sleep } from '../test/harness/process';
import { startStack, type Stack } from './lib/stack';
import { loadWatch, machineLine, writeSection } from './lib/results';
import { failedCollectors, sampleValue } from './lib/proc';
import { ms, percentile } from './lib/stats';

const QUEUES = 100;
const TIMEOUT_S = 5;
const SCRAPES = Number(process.env.BENCH_FROZEN_SCRAPES ?? 10);
const HEADERS = { 'X-Prometheus-Scrape-Timeout-Seconds': String(TIMEOUT_S) };

interface Scrape {
  readonly ms: number;
  readonly failed: string[];
  readonly redisUp?: number;
  readonly bullmqUp?: number;
  readonly pgUp?: number;
}

async function scrape(exporter: ExporterProcess): Promise<Scrape> {
  const t = performance.now();
  const text = await exporter.scrape(HEADERS);
  return {
    ms: performance.now() - t,
    failed: failedCollectors(text),
    redisUp: sampleValue(text, 'redis_up'),
    bullmqUp: sampleValue(text, 'bullmq_up'),
    pgUp: sampleValue(text, 'pg_up'),
  };
}

/** SIGSTOP/SIGCONT for the PostgreSQL postmaster (new connections then hang in the accept queue). */
function postgresSignal(stack: Stack, signal: NodeJS.Signals): void {
  const pid = Number(readFileSync(path.join(stack.pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, signal);
}

interface Case {
  readonly name: string;
  freeze(): void;
  thaw(): void;
}

async function main(): Promise<void> {
  const load = loadWatch();
  const stack = await startStack(QUEUES);
  const rows: string[] = [];
  const notes: string[] = [];
  let worst = 0;
  try {
    const exporter = await stack.exporter();
    for (let i = 0; i < 5; i++) await scrape(exporter);
    const healthy: Scrape[] = [];
    for (let i = 0; i < SCRAPES; i++) healthy.push(await scrape(exporter));
    const healthyP50 = percentile(
      healthy.map((s) => s.ms),
      50,
    );
    rows.push(
      `| nothing frozen | ${SCRAPES} | ${ms(healthyP50)} | ${ms(Math.max(...healthy.map((s) => s.ms)))} | ${[...new Set(healthy.flatMap((s) => s.failed))].join(', ') || 'none'} | redis ${healthy[0].redisUp}, bullmq ${healthy[0].bullmqUp}, pg ${healthy[0].pgUp} | | |`,
    );

    const cases: Case[] = [
      { name: 'Redis frozen (SIGSTOP)', freeze: () => stack.redis.freeze(), thaw: () => stack.redis.thaw() },
      {
        name: 'PostgreSQL postmaster frozen (SIGSTOP)',
        freeze: () => postgresSignal(stack, 'SIGSTOP'),
        thaw: () => postgresSignal(stack, 'SIGCONT'),
      },
      {
        name: 'Redis and PostgreSQL frozen',
        freeze: () => {
          stack.redis.freeze();
          postgresSignal(stack, 'SIGSTOP');
        },
        thaw: () => {
          stack.redis.thaw();
          postgresSignal(stack, 'SIGCONT');
        },
      },
    ];
    for (const c of cases) {
      c.freeze();
      const frozen: Scrape[] = [];
      try {
        // One scrape that starts while a healthy collection could still be in flight, then sequential ones, then 3 at once.
        for (let i = 0; i < SCRAPES; i++) frozen.push(await scrape(exporter));
        frozen.push(...(await Promise.all([scrape(exporter), scrape(exporter), scrape(exporter)])));
      } finally {
        c.thaw();
      }
      const after = await scrape(exporter);
      // How long until every collector succeeds again (one scrape every 250 ms, 30 s at most).
      const thawedAt = performance.now();
      let recoveredScrapes = 1;
      let latest = after;
      while (latest.failed.length && performance.now() - thawedAt < 30_000) {
        await sleep(250);
        latest = await scrape(exporter);
        recoveredScrapes++;
      }
      const recovery = latest.failed.length
        ? 'not within 30 s'
        : recoveredScrapes === 1
          ? 'first scrape'
          : `scrape ${recoveredScrapes}, ${ms(performance.now() - thawedAt)} after the thaw`;
      const times = frozen.map((s) => s.ms);
      worst = Math.max(worst, ...times);
      const failed = [...new Set(frozen.flatMap((s) => s.failed))].join(', ') || 'none';
      const during = frozen[frozen.length - 1];
      rows.push(
        `| ${c.name} | ${frozen.length} (${SCRAPES} sequential, then 3 at once) | ${ms(percentile(times, 50))} | ${ms(Math.max(...times))} | ${failed} | redis ${during.redisUp}, bullmq ${during.bullmqUp}, pg ${during.pgUp} | ${ms(after.ms)}, ${after.failed.length ? `failing: ${after.failed.join(', ')}` : 'all collectors succeed'} (redis ${after.redisUp}, bullmq ${after.bullmqUp}, pg ${after.pgUp}) | ${recovery} |`,
      );
      process.stderr.write(
        `${c.name}: max ${ms(Math.max(...times))}, failed ${failed}; after thaw ${ms(after.ms)} failed ${after.failed.join(',') || 'none'}; recovered: ${recovery}\n`,
      );
      if (after.failed.length) {
        const reasons = exporter.child
          .log()
          .split('\n')
          .filter((l) => l.includes('collector failed'))
          .slice(-2);
        notes.push(
          `- After "${c.name}" ended, the first scrape still had failed collectors (${after.failed.join(', ')}); all succeeded again at: ${recovery}. Last failure log lines: ${reasons.map((r) => `\`${r.trim().slice(0, 300)}\``).join('; ')}.`,
        );
      }
    }
    // The scrape is answered by the deadline; the exporter itself must still be healthy.
    const health = await fetch(`${exporter.url}/health`);
    notes.push(
      `- /health after the run: HTTP ${health.status}; exporter process ${exporter.child.running ? 'still running' : 'EXITED'}.`,
    );
  } finally {
    await stack.stop();
  }
  const budget = TIMEOUT_S * 1000;
  const lines = [
    '## A frozen dependency and the scrape deadline',
    '',
    machineLine({ 'redis-server': stack.versions.redis, PostgreSQL: stack.versions.postgres }),
    `Load before: \`${load.before}\`; after: \`${load.after()}\`.`,
    '',
    'Run: `npm run bench -- bench/frozen.ts` (`BENCH_FROZEN_SCRAPES`, default 10).',
    '',
    `The built exporter, everything on, ${QUEUES} queues (the full-scrape stack). Every scrape sends \`X-Prometheus-Scrape-Timeout-Seconds: ${TIMEOUT_S}\`, so the collectors get ${TIMEOUT_S} s minus \`scrape.timeoutOffset\` (0.5 s). A frozen process (SIGSTOP) keeps its listening socket: connections are accepted by the kernel and nothing ever answers, the case client-side timeouts miss. Times are from request to last byte.`,
    '',
    '| case | scrapes | p50 | max | collectors failed | `_up` during (last scrape) | first scrape after thaw | all collectors succeed again at |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `- Target "a frozen dependency never adds more than the deadline to a scrape": longest scrape while frozen ${ms(worst)} against the ${TIMEOUT_S} s the scraper allows: **${worst <= budget ? 'met' : 'not met'}**.`,
    ...notes,
    '',
  ];
  writeSection('frozen', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
