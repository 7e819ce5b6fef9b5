/**
 * Run by bench/memory.ts in a node started with --expose-gc and a young generation large enough
 * that no GC runs inside one scrape, so heapUsed deltas are what a phase allocated:
 *   node --expose-gc --min-semi-space-size=128 --max-semi-space-size=128 --import tsx bench/lib/alloc-probe.ts <redis port>
 * Prints JSON: MB allocated per collection (bullmq collector at the workload's queue count) and per
 * exposition (merge, render, process metrics), and what a collection leaves behind after GC.
 */
import { BullmqCollector } from '../../src/collectors/bullmq/collector';
import { configSchema } from '../../src/config/schema';
import { expose } from '../../src/http/exposition';
import { silentLogger } from '../../src/log/logger';
import { MetricBatch } from '../../src/metrics/batch';
import { ProcessMetrics } from '../../src/metrics/process';
import type { Collection } from '../../src/runner/runner';
import { median } from './measure';

const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => process.memoryUsage().heapUsed / 1024 / 1024;

async function main(): Promise<void> {
  if (!gc) throw new Error('run with --expose-gc');
  const port = Number(process.argv[2]);
  const config = configSchema.parse({ collectors: { bullmq: { timeout: '10s' } } }).collectors.bullmq;
  const collector = new BullmqCollector(
    config,
    { url: `redis://127.0.0.1:${port}` },
    { prefix: 'bull', queues: [] },
    silentLogger(),
  );
  const processMetrics = new ProcessMetrics();
  const build = { version: 'bench', revision: 'bench', nodejs: process.version };
  const collect = async () => {
    const out = new MetricBatch();
    await collector.collect({
      out,
      signal: new AbortController().signal,
      deadline: Date.now() + 10_000,
      log: silentLogger(),
    });
    return out;
  };
  const collection = (batch: MetricBatch): Collection => ({
    startedAt: 0,
    finishedAt: 0,
    outcomes: [{ name: 'bullmq', success: true, durationSeconds: 0, batch, finishedAt: 0 }],
  });
  for (let i = 0; i < 5; i++) await expose(collection(await collect()), i, build, [processMetrics], 'prometheus');
  const rows = {
    collect: [] as number[],
    expose: [] as number[],
    exposeMs: [] as number[],
    kept: [] as number[],
    text: 0,
  };
  for (let i = 0; i < 5; i++) {
    gc();
    const h0 = heap();
    const batch = await collect();
    const h1 = heap();
    const t = performance.now();
    const answer = await expose(collection(batch), i, build, [processMetrics], 'prometheus');
    rows.exposeMs.push(performance.now() - t);
    const h2 = heap();
    gc();
    rows.kept.push(heap() - h0);
    rows.collect.push(h1 - h0);
    rows.expose.push(h2 - h1);
    rows.text = answer.body.length / 1024 / 1024;
    answer.sent();
  }
  await collector.close();
  const r = (v: number) => Math.round(v * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({ collectMb: r(median(rows.collect)), exposeMb: r(median(rows.expose)), exposeMs: r(median(rows.exposeMs)), keptMb: r(median(rows.kept)), textMb: r(rows.text) })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
