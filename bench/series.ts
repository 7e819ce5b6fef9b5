/**
 * Issue 14, cardinality: what one scrape of the built exporter holds at 1,000 BullMQ queues (10
 * waiting jobs each, only the bullmq collector on) for each `collectors.bullmq.histograms` choice,
 * before and after jobs finish on every 10th queue, in the text format and in the protobuf format
 * Prometheus asks for with native histograms. Counts and sizes, not times: they do not depend on
 * the machine's load. Writes bench/RESULTS-series.md.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { startExporter } from '../test/harness/exporter';
import { tempDir, waitFor } from '../test/harness/process';
import { startRedis } from '../test/harness/redis';
import { loadWatch, machineLine } from './lib/results';

const QUEUES = Number(process.env.BENCH_QUEUES ?? 1000);
const FINISHING_EVERY = 10;
const MODES = ['per-queue', 'total', 'off'] as const;
const PROTOBUF = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited';

const names = Array.from({ length: QUEUES }, (_, i) => `q${String(i).padStart(4, '0')}`);

interface Figures {
  samples: number;
  /** Samples labelled with this queue, for a queue that finished nothing and one that did. */
  idleQueue: number;
  busyQueue: number;
  textKiB: number;
  protobufKiB: number;
}

function samplesOf(text: string): string[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#'));
}

async function scrapeFigures(url: string): Promise<Figures> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const protobuf = await (await fetch(`${url}/metrics`, { headers: { accept: PROTOBUF } })).arrayBuffer();
  const lines = samplesOf(text);
  const ofQueue = (q: string) => lines.filter((l) => l.includes(`queue="${q}"`)).length;
  return {
    samples: lines.length,
    idleQueue: ofQueue(names[1]),
    busyQueue: ofQueue(names[0]),
    textKiB: text.length / 1024,
    protobufKiB: protobuf.byteLength / 1024,
  };
}

async function main(): Promise<void> {
  const load = loadWatch();
  const redis = await startRedis();
  const connection = new Redis({ port: redis.port, maxRetriesPerRequest: null });
  const dir = tempDir('series');
  const rows: string[] = [];
  try {
    const queues = names.map((n) => new Queue(n, { connection }));
    for (const q of queues) await q.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'j', data: { i } })));
    const exporters = await Promise.all(
      MODES.map(async (mode) => {
        const config = path.join(dir.dir, `${mode}.yml`);
        writeFileSync(config, `collectors:\n  bullmq:\n    histograms: ${mode}\n`);
        return {
          mode,
          exporter: await startExporter(['--config', config, '--no-collector.host', '--no-collector.redis'], {
            REDIS_URL: redis.url,
          }),
        };
      }),
    );
    const before = new Map<string, Figures>();
    for (const { mode, exporter } of exporters) before.set(mode, await scrapeFigures(exporter.url)); // also places the watermarks
    // Jobs finish on every 10th queue (q0000 among them): a Worker runs until its first completion.
    for (let i = 0; i < QUEUES; i += FINISHING_EVERY) {
      const worker = new Worker(names[i], async () => 'ok', {
        connection: { port: redis.port, maxRetriesPerRequest: null },
        autorun: false,
      });
      const done = new Promise((resolve) => worker.once('completed', resolve));
      void worker.run();
      await done;
      await worker.close();
    }
    for (const { mode, exporter } of exporters) {
      const finished = new RegExp(`^bullmq_jobs_finished_total\\{queue="${names[0]}",status="completed"\\} [1-9]`, 'm');
      await waitFor('the finished jobs seen', async () =>
        finished.test(await (await fetch(`${exporter.url}/metrics`)).text()),
      );
      const after = await scrapeFigures(exporter.url);
      const b = before.get(mode)!;
      rows.push(
        `| \`${mode}\` | ${b.idleQueue} | ${after.busyQueue} | ${b.samples.toLocaleString('en')} | ${after.samples.toLocaleString('en')} | ${b.textKiB.toFixed(0)} / ${after.textKiB.toFixed(0)} KiB | ${b.protobufKiB.toFixed(0)} / ${after.protobufKiB.toFixed(0)} KiB |`,
      );
      process.stderr.write(`${mode}: ${b.samples} -> ${after.samples} samples\n`);
      await exporter.stop();
    }
    await Promise.all(queues.map((q) => q.close()));
  } finally {
    connection.disconnect();
    await redis.stop();
    dir.remove();
  }
  const text = [
    '# Series per scrape: `collectors.bullmq.histograms` (issue 14)',
    '',
    machineLine(),
    `Load before: \`${load.before}\`; after: \`${load.after()}\` (counts and sizes do not depend on it).`,
    '',
    'Run: `npm run bench -- bench/series.ts` (`BENCH_QUEUES`, default 1000).',
    '',
    `${QUEUES.toLocaleString('en')} queues of 10 waiting jobs, only the bullmq collector on (the built CLI with \`--no-collector.host --no-collector.redis\`), one exporter per choice, default buckets. "Before": no job finished since the exporters started. "After": jobs finished on every ${FINISHING_EVERY}th queue. Samples are the non-comment lines of the text exposition; "protobuf" is the answer to the Accept header Prometheus sends with native histograms enabled (there each histogram is one native series).`,
    '',
    '| histograms | samples, a queue that finished nothing | samples, a queue that finished a job | samples per scrape before | after | text before / after | protobuf before / after |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Before this change (12 buckets, histograms written for every queue from the first scrape) the same 1,000 queues gave 46 samples per queue, 30 of them empty histogram series: 46,120 samples (issue 14).',
    '',
  ].join('\n');
  writeFileSync(path.join(__dirname, 'RESULTS-series.md'), text);
  process.stdout.write(text);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
