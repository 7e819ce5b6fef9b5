/**
 * Issue 6 figures: the built-in page's weight, and the Redis commands one browser refreshing
 * every 5 s for a minute adds on top of a Prometheus scraping every 15 s. Writes
 * bench/RESULTS-dashboard.md.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { startExporter } from '../test/harness/exporter';
import { sleep } from '../test/harness/process';
import { startRedis } from '../test/harness/redis';
import { machineNotes } from './lib/stats';

const MINUTE = Number(process.env.BENCH_DASHBOARD_SECONDS ?? 60) * 1000;

async function commandsProcessed(admin: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))?.[1]);
}

/** One minute of traffic: scrapes every 15 s, and optionally the page's data request every 5 s. */
async function minute(
  url: string,
  admin: Redis,
  withBrowser: boolean,
): Promise<{ commands: number; scrapes: number; refreshes: number }> {
  const before = await commandsProcessed(admin);
  const started = Date.now();
  let scrapes = 0;
  let refreshes = 0;
  const scraper = (async () => {
    while (Date.now() - started < MINUTE) {
      await fetch(`${url}/metrics`, { headers: { 'x-prometheus-scrape-timeout-seconds': '10' } }).then((r) => r.text());
      scrapes++;
      await sleep(15_000 - ((Date.now() - started) % 15_000));
    }
  })();
  const browser = (async () => {
    if (!withBrowser) return;
    await sleep(2_500); // out of phase with the scrapes, as a person would be
    while (Date.now() - started < MINUTE) {
      await fetch(`${url}/dashboard/data`).then((r) => r.text());
      refreshes++;
      await sleep(5_000);
    }
  })();
  await Promise.all([scraper, browser]);
  // The two INFO calls of this measurement are not the exporter's.
  return { commands: (await commandsProcessed(admin)) - before - 1, scrapes, refreshes };
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const connection = { host: '127.0.0.1', port: redis.port };
  const queues = ['images', 'emails', 'reports'].map((n) => new Queue(n, { connection }));
  for (const q of queues) await q.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'job', data: { i } })));
  const exporter = await startExporter([], { REDIS_URL: redis.url });
  const admin = new Redis(redis.url);
  await fetch(`${exporter.url}/metrics`); // warm up: discovery, script loading

  const sizes = await Promise.all(
    ['/dashboard', '/dashboard/app.js', '/dashboard/app.css', '/dashboard/data'].map(
      async (p) => [p, (await (await fetch(`${exporter.url}${p}`)).arrayBuffer()).byteLength] as const,
    ),
  );
  const total = sizes.reduce((a, [, n]) => a + n, 0);

  const alone = await minute(exporter.url, admin, false);
  const withPage = await minute(exporter.url, admin, true);
  const extra = withPage.commands - alone.commands;

  const lines = [
    '# Built-in dashboard',
    '',
    `Machine: ${machineNotes()}`,
    '',
    '## Page weight (first load, uncompressed)',
    '',
    '| resource | bytes |',
    '|---|---|',
    ...sizes.map(([p, n]) => `| \`${p}\` | ${n} |`),
    `| total | ${total} (${(total / 1024).toFixed(1)} KB) |`,
    '',
    'Each refresh after that fetches only `/dashboard/data`.',
    '',
    `## Redis commands in ${MINUTE / 1000} s, 3 queues (dashboard.maxAge 15s)`,
    '',
    '| traffic | scrapes | page refreshes | Redis commands |',
    '|---|---|---|---|',
    `| Prometheus alone (every 15 s) | ${alone.scrapes} | 0 | ${alone.commands} |`,
    `| Prometheus + one browser refreshing every 5 s | ${withPage.scrapes} | ${withPage.refreshes} | ${withPage.commands} |`,
    '',
    `Extra Redis commands caused by the browser: ${extra} (${(extra / Math.max(1, withPage.refreshes)).toFixed(2)} per refresh).`,
    '',
  ];
  writeFileSync(path.join(__dirname, 'RESULTS-dashboard.md'), lines.join('\n'));
  process.stdout.write(lines.join('\n'));
  admin.disconnect();
  await Promise.all(queues.map((q) => q.close()));
  await exporter.stop();
  await redis.stop();
}

void main();
