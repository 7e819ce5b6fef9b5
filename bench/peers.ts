/**
 * Issue 7: jobstack-exporter side by side with what it replaces, in one run at 1,000 queues on the
 * same Redis and PostgreSQL: redis_exporter + postgres_exporter + node_exporter (Debian packages;
 * skipped with a note when missing) on RSS and scrape time, and BullMQ's own
 * Queue.exportPrometheusMetrics() looped over the same queues (an HTTP server of its own) on the
 * queue part. Writes the `peers` section of bench/RESULTS.md.
 */
import { promtoolCheckMetrics } from '../test/harness/exporter';
import type { ExporterProcess } from '../test/harness/exporter';
import { spawnExporter, startStack } from './lib/stack';
import { loadWatch, machineLine, writeSection } from './lib/results';
import { interleaved, median, pacedRss, type Target } from './lib/measure';
import { missingGoPeers, startBullmqExport, startGoPeers, type Peer } from './lib/peers';
import { collectorDurations, samplesIn } from './lib/proc';
import { ms, percentile, rssMb, summary } from './lib/stats';

const QUEUES = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const PACED = Number(process.env.BENCH_PACED ?? 8);
const INTERVAL_MS = 15_000;
const TARGET_RSS_MB = 53;

const lintFindings = (text: string) =>
  promtoolCheckMetrics(text)
    .split('\n')
    .filter((l) => l && !l.startsWith('(exit')).length;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

async function main(): Promise<void> {
  const load = loadWatch();
  const stack = await startStack(QUEUES);
  const peers: Peer[] = [];
  const exporters: ExporterProcess[] = [];
  const lines: string[] = [];
  try {
    const { JOBSTACK_CONFIG, REDIS_URL, DATABASE_URL } = stack.env;
    const start = async (args: string[], env: NodeJS.ProcessEnv) => {
      const e = await spawnExporter(args, env);
      exporters.push(e);
      return e;
    };
    const allOn = await start([], stack.env);
    // The trio's scope: host, redis, bullmq, postgres (no storage or probe settings).
    const trio = await start([], { JOBSTACK_CONFIG, REDIS_URL, DATABASE_URL });
    const queuePart = await start(['--no-collector.host', '--no-collector.redis'], { REDIS_URL });
    const missing = missingGoPeers();
    if (!missing.length) peers.push(...(await startGoPeers(stack)));
    const bull = await startBullmqExport(stack);
    peers.push(bull);

    const bullmqMs: number[] = [];
    const ours = [
      { name: 'jobstack-exporter, everything on', pid: allOn.child.pid, scrape: () => allOn.scrape() },
      {
        name: 'jobstack-exporter, trio scope (host, redis, bullmq, postgres)',
        pid: trio.child.pid,
        scrape: () => trio.scrape(),
      },
      {
        name: 'jobstack-exporter, queue part only (bullmq collector)',
        pid: queuePart.child.pid,
        scrape: async () => {
          const text = await queuePart.scrape();
          bullmqMs.push((collectorDurations(text).get('bullmq') ?? NaN) * 1000);
          return text;
        },
      },
    ] satisfies (Target & { scrape(): Promise<string> })[];
    const targets = [...ours, ...peers.map((p) => ({ name: p.name, pid: p.child.pid, scrape: () => p.scrape() }))];
    const times = await interleaved(targets, ROUNDS);
    const rssAfter = new Map(targets.map((t) => [t.name, rssMb(t.pid)]));
    const texts = new Map<string, string>();
    for (const t of targets) texts.set(t.name, await t.scrape());
    const paced = await pacedRss(targets, INTERVAL_MS, PACED);

    const row = (name: string, label = name) => {
      const s = summary(times.get(name)!);
      const p = paced.get(name)!;
      const text = texts.get(name)!;
      return `| ${label} | ${ms(s.p50)} | ${ms(s.p99)} | ${rssAfter.get(name)!.toFixed(1)} MB | ${median(p.floor).toFixed(1)} MB | ${median(p.peak).toFixed(1)} MB | ${samplesIn(text).toLocaleString('en')} | ${lintFindings(text)} |`;
    };
    const go = peers.filter((p) => p !== bull);
    lines.push("## Side by side: the three Go exporters and BullMQ's own export", '');
    lines.push(
      machineLine({
        'redis-server': stack.versions.redis,
        PostgreSQL: stack.versions.postgres,
        bullmq: stack.versions.bullmq,
        ...Object.fromEntries(go.map((p) => [p.name, p.version])),
      }),
    );
    lines.push(`Load before: \`${load.before}\`; after: \`${load.after()}\`.`, '');
    lines.push('Run: `npm run bench -- bench/peers.ts` (`BENCH_ROUNDS`, default 100; `BENCH_PACED`, default 8).', '');
    lines.push(
      `One run, one stack (bench/lib/stack.ts): ${QUEUES.toLocaleString('en')} BullMQ queues of the full-scrape workload on a redis-server of its own, a throwaway PostgreSQL cluster, s3rver and a local folder. All processes run at once; scrape times are ${ROUNDS} interleaved rounds (one scrape of each process in turn, after 5 warm-up rounds), timed by the benchmark process. RSS: after those rounds ("back-to-back"), then at Prometheus' pace (${PACED} rounds, each process scraped once every ${INTERVAL_MS / 1000} s; median RSS just before a scrape and just after it).`,
    );
    lines.push(
      `redis_exporter gets \`--redis.addr\`, postgres_exporter \`DATA_SOURCE_NAME\` (default collectors), node_exporter its defaults. The "BullMQ loop" is a node process serving \`for (const q of queues) parts.push(await q.exportPrometheusMetrics())\` over ${QUEUES.toLocaleString('en')} \`Queue\` objects sharing one ioredis connection (what BullMQ offers on its own).`,
      '',
    );
    lines.push(
      '| process | scrape p50 | scrape p99 | RSS back-to-back | RSS at 15 s pace, before scrape | after scrape | samples | promtool findings |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const t of ours) lines.push(row(t.name));
    for (const p of peers) lines.push(row(p.name, `${p.name} ${p.version}`));
    lines.push('');

    const ourAll = rssAfter.get(ours[0].name)!;
    const ourTrio = rssAfter.get(ours[1].name)!;
    const pacedPeak = (name: string) => median(paced.get(name)!.peak);
    if (go.length === 3) {
      const goSum = go.reduce((a, p) => a + rssAfter.get(p.name)!, 0);
      const goPacedSum = go.reduce((a, p) => a + pacedPeak(p.name), 0);
      const goSumP50 = go.reduce((a, p) => a + percentile(times.get(p.name)!, 50), 0);
      const goMaxP50 = Math.max(...go.map((p) => percentile(times.get(p.name)!, 50)));
      const trioP50 = percentile(times.get(ours[1].name)!, 50);
      lines.push('### RSS and scrape time against the three it replaces', '');
      lines.push(
        `- RSS, back-to-back: the three Go exporters sum to **${goSum.toFixed(1)} MB** (${go.map((p) => `${p.name} ${rssAfter.get(p.name)!.toFixed(1)}`).join(', ')}); jobstack-exporter ${ourTrio.toFixed(1)} MB in their scope (**${ratio(ourTrio, goSum)}** their sum) and ${ourAll.toFixed(1)} MB with everything on (${ratio(ourAll, goSum)}).`,
      );
      lines.push(
        `- RSS at 15 s pace, just after a scrape: Go sum ${goPacedSum.toFixed(1)} MB; ours ${pacedPeak(ours[1].name).toFixed(1)} MB in their scope (${ratio(pacedPeak(ours[1].name), goPacedSum)}), ${pacedPeak(ours[0].name).toFixed(1)} MB everything on (${ratio(pacedPeak(ours[0].name), goPacedSum)}).`,
      );
      lines.push(
        `- Target "RSS at ${QUEUES.toLocaleString('en')} queues at or below the three Go exporters' sum (~${TARGET_RSS_MB} MB measured before)": **${ourTrio <= goSum ? 'met' : 'not met'}** (measured sum here ${goSum.toFixed(1)} MB).`,
      );
      lines.push(
        `- Scrape time p50: ours in their scope ${ms(trioP50)}; theirs ${go.map((p) => `${p.name} ${ms(percentile(times.get(p.name)!, 50))}`).join(', ')} (sum ${ms(goSumP50)}, slowest ${ms(goMaxP50)}: Prometheus scrapes the three in parallel, so a round of them takes about the slowest one). Ours covers 1,000 queues (${samplesIn(texts.get(ours[1].name)!).toLocaleString('en')} samples) where redis_exporter sees no queue at all.`,
      );
    } else {
      lines.push(
        `- The Go exporters were skipped: missing Debian packages ${missing.join(', ')} (\`apt-get install ${missing.join(' ')}\`).`,
      );
    }
    const bullName = bull.name;
    const queueP50 = percentile(times.get(ours[2].name)!, 50);
    const bullP50 = percentile(times.get(bullName)!, 50);
    const queueP99 = percentile(times.get(ours[2].name)!, 99);
    const bullP99 = percentile(times.get(bullName)!, 99);
    lines.push('', "### The queue part against BullMQ's own export", '');
    lines.push(
      `- HTTP scrape p50: jobstack-exporter with only the bullmq collector ${ms(queueP50)} vs the BullMQ loop ${ms(bullP50)}: the BullMQ loop takes **${ratio(bullP50, queueP50)}** as long (target 5x); p99 ${ms(queueP99)} vs ${ms(bullP99)}: **${ratio(bullP99, queueP99)}** (target 3x).`,
    );
    lines.push(
      `- The bullmq collector's own time inside that exporter (\`jobstack_exporter_collector_duration_seconds{collector="bullmq"}\`, ms resolution): p50 ${ms(percentile(bullmqMs, 50))}, p99 ${ms(percentile(bullmqMs, 99))}; the rest of our scrape is rendering ${samplesIn(texts.get(ours[2].name)!).toLocaleString('en')} samples (${(texts.get(ours[2].name)!.length / 1024).toFixed(0)} KiB) and the transfer, against BullMQ's ${samplesIn(texts.get(bullName)!).toLocaleString('en')} samples (${(texts.get(bullName)!.length / 1024).toFixed(0)} KiB).`,
    );
    lines.push(
      `- RSS back-to-back: ours (queue part only) ${rssAfter.get(ours[2].name)!.toFixed(1)} MB vs the BullMQ loop ${rssAfter.get(bullName)!.toFixed(1)} MB; at 15 s pace after a scrape ${pacedPeak(ours[2].name).toFixed(1)} MB vs ${pacedPeak(bullName).toFixed(1)} MB.`,
    );
    lines.push(
      `- BullMQ's output repeats \`# HELP\`/\`# TYPE\` once per queue and is rejected by promtool (${lintFindings(texts.get(bullName)!)} findings); it has job counts by state plus completed/failed counters, where ours adds ages, workers, limits and wait/processing histograms per queue.`,
      '',
    );
  } finally {
    await Promise.allSettled([...peers, ...exporters].map((p) => p.stop()));
    await stack.stop();
  }
  writeSection('peers', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
