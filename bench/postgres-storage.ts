/**
 * Issue 4 figures: PostgreSQL scrape time of jobstack-exporter vs Debian's
 * prometheus-postgres-exporter on the same throwaway cluster, and the S3 background refresh
 * time for 10,000 objects against s3rver. Writes bench/RESULTS-postgres-storage.md.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PostgresCollector } from '../src/collectors/postgres/collector';
import { S3Collector } from '../src/collectors/s3/collector';
import { s3Metrics } from '../src/collectors/s3/metrics';
import { configSchema } from '../src/config/schema';
import { silentLogger } from '../src/log/logger';
import { MetricBatch } from '../src/metrics/batch';
import { promtoolCheckMetrics, startExporter } from '../test/harness/exporter';
import { which } from '../test/harness/debian';
import { startPostgres } from '../test/harness/postgres';
import { Child, freePort, waitFor } from '../test/harness/process';
import { S3RVER_CREDENTIALS, startS3 } from '../test/harness/s3';
import { machineNotes, ms, rssMb, summary, timeIt } from './lib/stats';

const N = 200;
const OBJECTS = 10_000;
const S3_RUNS = 5;

const QUERIES = [
  {
    name: 'jobs_by_status',
    sql: 'SELECT status, count(*) AS jobs FROM jobs GROUP BY status',
    labels: ['status'],
    metrics: [{ column: 'jobs', name: 'app_jobs' }],
  },
  {
    name: 'recent_failures',
    sql: "SELECT count(*) AS n FROM jobs WHERE status = 'failed' AND created_at > now() - interval '1 hour'",
    metrics: [{ column: 'n', name: 'app_recent_failures' }],
  },
  {
    name: 'processing',
    sql: "SELECT avg(duration_ms) / 1000.0 AS s FROM jobs WHERE created_at > now() - interval '1 day'",
    metrics: [{ column: 's', name: 'app_job_duration_avg_seconds' }],
  },
];

const samples = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#')).length;
const findings = (text: string) =>
  promtoolCheckMetrics(text)
    .split('\n')
    .filter((l) => l && !l.startsWith('(exit')).length;

async function postgres(lines: string[]): Promise<void> {
  const pg = await startPostgres();
  await pg.sql(`CREATE TABLE jobs (id serial PRIMARY KEY, status text, duration_ms int, created_at timestamptz DEFAULT now());
    INSERT INTO jobs (status, duration_ms) SELECT (ARRAY['done','failed','waiting','active'])[1 + g % 4], g % 1000 FROM generate_series(1, 50000) g;
    CREATE INDEX ON jobs (status); ANALYZE jobs`);
  try {
    const config = configSchema.parse({ collectors: { postgres: { queries: QUERIES } } }).collectors.postgres;
    const inProcess = new PostgresCollector({ ...config, queries: [] }, { url: pg.url }, silentLogger);
    const collectOnce = (c: PostgresCollector) => () =>
      c.collect({
        out: new MetricBatch(),
        signal: new AbortController().signal,
        deadline: Date.now() + 5000,
        log: silentLogger,
      });
    const server = summary(await timeIt(N, collectOnce(inProcess)));
    await inProcess.close();
    const withQueries = new PostgresCollector(config, { url: pg.url }, silentLogger);
    const custom = summary(await timeIt(N, collectOnce(withQueries)));
    await withQueries.close();

    const ours = await startExporter(['--no-collector.host'], { DATABASE_URL: pg.url });
    lines.push('## PostgreSQL: scrape time on the same cluster', '');
    lines.push(
      `Throwaway cluster (initdb, PostgreSQL ${String((await pg.sql('SHOW server_version'))[0].server_version)}, fsync off) on a free port, database \`postgres\` with a 50,000-row \`jobs\` table; trust auth over TCP 127.0.0.1. Every figure is ${N} sequential scrapes after 5 warm-up ones; the two exporters' HTTP scrapes are interleaved (one of each in turn), so load from other processes on this shared machine hits both alike.`,
      '',
    );
    lines.push('| what | p50 | p99 | mean | samples | promtool findings |', '|---|---|---|---|---|---|');
    lines.push(
      `| jobstack-exporter postgres collector, in process (server statistics) | ${ms(server.p50)} | ${ms(server.p99)} | ${ms(server.mean)} | | |`,
    );
    lines.push(
      `| same plus 3 custom SQL queries (jobs by status, recent failures, avg processing time) | ${ms(custom.p50)} | ${ms(custom.p99)} | ${ms(custom.mean)} | | |`,
    );

    if (!which('prometheus-postgres-exporter')) {
      const oursHttp = summary(await timeIt(N, () => ours.scrape()));
      const oursText = await ours.scrape();
      lines.push(
        `| jobstack-exporter, full HTTP scrape (\`--no-collector.host\`, DATABASE_URL) | ${ms(oursHttp.p50)} | ${ms(oursHttp.p99)} | ${ms(oursHttp.mean)} | ${samples(oursText)} | ${findings(oursText)} |`,
      );
      lines.push(
        '',
        '- prometheus-postgres-exporter not installed (apt-get install prometheus-postgres-exporter): comparison skipped.',
      );
    } else {
      const port = await freePort();
      const dsn = `postgresql://postgres@127.0.0.1:${pg.port}/postgres?sslmode=disable`;
      const theirs = Child.start('prometheus-postgres-exporter', [`--web.listen-address=127.0.0.1:${port}`], {
        env: { PATH: process.env.PATH, DATA_SOURCE_NAME: dsn },
      });
      const url = `http://127.0.0.1:${port}/metrics`;
      await waitFor('postgres_exporter', async () => (await (await fetch(url)).text()).includes('pg_up 1'));
      const scrapeTheirs = async () => (await fetch(url)).text();
      const oursTimes: number[] = [];
      const theirTimes: number[] = [];
      const timed = async (fn: () => Promise<unknown>, into: number[]) => {
        const t = performance.now();
        await fn();
        into.push(performance.now() - t);
      };
      for (let i = 0; i < 5; i++) await Promise.all([ours.scrape(), scrapeTheirs()]);
      for (let i = 0; i < N; i++) {
        await timed(() => ours.scrape(), oursTimes);
        await timed(scrapeTheirs, theirTimes);
      }
      const [oursHttp, theirsHttp] = [summary(oursTimes), summary(theirTimes)];
      const [oursText, theirText] = [await ours.scrape(), await scrapeTheirs()];
      const [oursRss, theirRss] = [rssMb(ours.child.pid), rssMb(theirs.pid)];
      const version = Child.start('prometheus-postgres-exporter', ['--version']);
      await version.exited;
      await theirs.stop();
      lines.push(
        `| jobstack-exporter, full HTTP scrape (\`--no-collector.host\`, DATABASE_URL) | ${ms(oursHttp.p50)} | ${ms(oursHttp.p99)} | ${ms(oursHttp.mean)} | ${samples(oursText)} | ${findings(oursText)} |`,
      );
      lines.push(
        `| prometheus-postgres-exporter (Debian ${/version ([\d.]+)/.exec(version.log())?.[1] ?? '?'}), full HTTP scrape, default collectors, DATA_SOURCE_NAME | ${ms(theirsHttp.p50)} | ${ms(theirsHttp.p99)} | ${ms(theirsHttp.mean)} | ${samples(theirText)} | ${findings(theirText)} |`,
      );
      lines.push(
        '',
        `- RSS after ${N + 6} scrapes: jobstack-exporter ${oursRss.toFixed(1)} MB (all collectors' modules loaded, AWS SDK included), postgres_exporter ${theirRss.toFixed(1)} MB.`,
      );
    }
    await ours.stop();
    lines.push(
      '- Not like for like: jobstack-exporter opens a fresh connection every scrape (so pg_up sees a broken login at once, postgres_exporter #1120) and runs its statements in one read-only transaction with a statement_timeout; postgres_exporter keeps its connection open between scrapes and exports more families (bgwriter, per-table statistics), without `_total` on counters.',
      '',
    );
  } finally {
    await pg.stop();
  }
}

async function s3Refresh(lines: string[]): Promise<void> {
  const s3 = await startS3(['bench', 'small']);
  try {
    // Objects written straight into s3rver's folder (harness seed), 0-99 bytes each, 10 folders.
    s3.seed(
      'bench',
      Array.from({ length: OBJECTS }, (_, i) => ({
        key: `jobs/${i % 10}/output-${i}.json`,
        body: 'x'.repeat(i % 100),
      })),
    );
    s3.seed('small', [{ key: 'one', body: 'x' }]);
    const config = configSchema.parse({
      storage: { s3: { bucket: 'bench', endpoint: s3.endpoint, forcePathStyle: true } },
    });
    const c = new S3Collector(config.collectors.s3, config.storage.s3, silentLogger, {
      credentials: S3RVER_CREDENTIALS,
    });
    await c.refreshListings(); // s3rver computes each object's ETag on first listing; not counted
    const times = await timeIt(S3_RUNS, () => c.refreshListings(), 0);
    const out = new MetricBatch();
    const collectOnce = () =>
      c.collect({ out, signal: new AbortController().signal, deadline: Date.now() + 5000, log: silentLogger });
    const scrapes = summary(await timeIt(50, collectOnce));
    await c.close();
    // s3rver answers HEAD on a bucket by listing it, so the scrape path is also timed on a 1-object bucket.
    const small = configSchema.parse({
      storage: { s3: { bucket: 'small', endpoint: s3.endpoint, forcePathStyle: true } },
    });
    const cs = new S3Collector(small.collectors.s3, small.storage.s3, silentLogger, {
      credentials: S3RVER_CREDENTIALS,
    });
    const smallScrapes = summary(
      await timeIt(50, () =>
        cs.collect({
          out: new MetricBatch(),
          signal: new AbortController().signal,
          deadline: Date.now() + 5000,
          log: silentLogger,
        }),
      ),
    );
    await cs.close();
    const counted = out.get(s3Metrics.objects, { bucket: 'bench', prefix: '' });
    const t = summary(times);
    lines.push('## S3: background refresh of 10,000 objects (s3rver)', '');
    lines.push(
      `s3rver ${require('s3rver/package.json').version} on 127.0.0.1 (its own Node process), bucket of ${OBJECTS.toLocaleString('en')} objects; one refresh = paginated ListObjectsV2, 1,000 keys a page, 10 requests. ${S3_RUNS} refreshes after one warm-up.`,
      '',
    );
    lines.push('| what | p50 | max | mean |', '|---|---|---|---|');
    lines.push(
      `| refresh (count + bytes of ${OBJECTS.toLocaleString('en')} objects) | ${ms(t.p50)} | ${ms(Math.max(...times))} | ${ms(t.mean)} |`,
    );
    lines.push('', `- Counted: ${counted} objects (expected ${OBJECTS}).`);
    lines.push(
      `- The scrape path (HeadBucket plus publishing the cached figures), 50 collections: p50 ${ms(smallScrapes.p50)}, p99 ${ms(smallScrapes.p99)} on a 1-object bucket; p50 ${ms(scrapes.p50)}, p99 ${ms(scrapes.p99)} on the 10,000-object one, because s3rver answers HEAD on a bucket by listing it (AWS does not).`,
    );
    lines.push(
      "- s3rver walks its whole folder for every page, so its time grows with the bucket on each request; not measured against AWS, where the time is about 10 x one page's round trip per 10,000 objects.",
      '',
    );
  } finally {
    await s3.stop();
  }
}

async function main(): Promise<void> {
  const lines: string[] = [
    '# PostgreSQL and storage benchmarks',
    '',
    `Machine: ${machineNotes()}`,
    '',
    'Run: `npm run bench -- bench/postgres-storage.ts` (starts its own PostgreSQL, postgres_exporter and s3rver).',
    '',
  ];
  await postgres(lines);
  await s3Refresh(lines);
  lines.push(
    `Load average when the run ended: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ', ',
      )} on 2 cores shared with other work, so absolute figures vary by tens of percent between runs; the interleaved comparison is the fairer figure.`,
    '',
  );
  const text = lines.join('\n');
  writeFileSync(path.join(__dirname, 'RESULTS-postgres-storage.md'), text);
  process.stdout.write(text);
}

void main().catch((err) => {
  process.stderr.write(`${String(err?.stack ?? err)}\n`);
  process.exit(1);
});
