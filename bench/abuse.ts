/**
 * Issue 11 figures: the latency of /health (polled one request after another) and the exporter's
 * RSS before and after each hostile case, at the issue's counts, against the built CLI on
 * loopback. BENCH_ABUSE_BASE=path/to/cli.js also runs an earlier build for comparison. Writes
 * bench/RESULTS-abuse.md. The same attacks run with small counts in test/abuse/abuse.test.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import Redis from 'ioredis';
import { startExporter, type ExporterProcess } from '../test/harness/exporter';
import { sleep, tempDir } from '../test/harness/process';
import { startRedis } from '../test/harness/redis';
import {
  concurrentGets,
  endlessBody,
  fillQueues,
  hugeFailedJobs,
  rssBytes,
  silentConnections,
  wrongTypeQueue,
} from '../test/abuse/attacks';
import { machineNotes, percentile } from './lib/stats';

interface Row {
  readonly build: string;
  readonly attack: string;
  readonly outcome: string;
  readonly healthP50: number;
  readonly healthP99: number;
  readonly healthMax: number;
  readonly healthFailures: number;
  readonly rssBeforeMb: number;
  readonly rssAfterMb: number;
  readonly load: string;
}

const loadavg = () => execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
const mb = (bytes: number) => bytes / 1024 / 1024;
const fmt = (m: Map<string, number>) =>
  [...m]
    .sort()
    .map(([s, n]) => `${n}x ${s}`)
    .join(', ');

/**
 * Polls /health every 10 ms from a process of its own (bench/lib/health-poller.cjs), each probe on
 * a new connection as an orchestrator's: polled from this process, the attacking client's own
 * event loop (hundreds of answers to read) delayed the probes and was counted as the exporter's.
 */
function childProbe(url: string): {
  ready: Promise<void>;
  stop(): Promise<{ latencies: number[]; failures: number; errors: string[] }>;
} {
  const child = spawn(process.execPath, [path.join(__dirname, 'lib/health-poller.cjs'), `${url}/health`, '10'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let ready!: () => void;
  const polling = new Promise<void>((r) => (ready = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('ready\n')) ready();
  });
  const exited = new Promise((r) => child.on('exit', r));
  return {
    ready: polling,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      const result = JSON.parse(out.slice('ready\n'.length)) as {
        latencies: number[];
        failures: number;
        errors: string[];
      };
      if (result.errors.length) console.log(`/health failures: ${result.errors.join(', ')}`);
      return result;
    },
  };
}

/** `fn` `times` times, 300 ms apart: one burst gives too few /health samples for a p99. */
async function repeat(times: number, fn: () => Promise<string>): Promise<string> {
  const outcomes = new Set<string>();
  for (let i = 0; i < times; i++) {
    outcomes.add(await fn());
    await sleep(300);
  }
  return [...outcomes].join('; ');
}

/** RSS of a process that may have died meanwhile (NaN then). */
const rssOrNaN = (pid: number) => {
  try {
    return rssBytes(pid);
  } catch {
    return NaN;
  }
};

async function measure(
  build: string,
  exporter: ExporterProcess,
  attack: string,
  run: () => Promise<string>,
): Promise<Row> {
  const rssBefore = rssOrNaN(exporter.child.pid);
  const probe = childProbe(exporter.url);
  await probe.ready;
  let outcome: string;
  try {
    outcome = await run();
  } catch (err) {
    outcome = `failed: ${(err as Error).message}`;
  }
  const health = await probe.stop();
  const alive = exporter.child.running;
  const row = {
    build,
    attack,
    outcome: alive ? outcome : `${outcome}; EXPORTER DIED`,
    healthP50: percentile(health.latencies, 50),
    healthP99: percentile(health.latencies, 99),
    healthMax: Math.max(...health.latencies),
    healthFailures: health.failures,
    rssBeforeMb: mb(rssBefore),
    rssAfterMb: alive ? mb(rssOrNaN(exporter.child.pid)) : NaN,
    load: loadavg(),
  };
  console.log(JSON.stringify(row));
  return row;
}

async function run(build: string, cli: string | undefined, redisUrl: string, webConfig: string): Promise<Row[]> {
  const rows: Row[] = [];
  const opts = cli ? { cli } : {};
  // An earlier build may die under a case: each case then starts on a fresh exporter.
  let exporter = await startExporter(['--no-collector.host'], { REDIS_URL: redisUrl }, 'http', {}, opts);
  const cases: [string, (e: ExporterProcess, port: number) => Promise<string>][] = [
    ['idle (baseline)', async () => (await sleep(3000), '-')],
    // No collection yet: the first flood's first requests start one and the rest pile up behind it.
    [
      '200 concurrent /dashboard/data (1,300 queues), 5 times',
      (e) =>
        repeat(5, async () =>
          fmt(
            await concurrentGets(
              e.url,
              Array.from({ length: 200 }, () => '/dashboard/data'),
            ),
          ),
        ),
    ],
    [
      '500 concurrent /metrics/, /Metrics, /METRICS/, 5 times',
      (e) =>
        repeat(5, async () =>
          fmt(
            await concurrentGets(
              e.url,
              Array.from({ length: 500 }, (_, i) => ['/metrics/', '/Metrics', '/METRICS/'][i % 3]),
            ),
          ),
        ),
    ],
    [
      '/metrics then /dashboard/data (wrong-type key, 1 MB job fields, 10 KB names), 5 times',
      (e) =>
        repeat(5, async () => {
          const res = await fetch(`${e.url}/metrics`);
          const text = await res.text();
          const data = await (await fetch(`${e.url}/dashboard/data`)).text();
          const up = /^bullmq_up (\S+)/m.exec(text)?.[1];
          return `HTTP ${res.status}, bullmq_up ${up}, exposition ${mb(text.length).toFixed(1)} MB, /dashboard/data ${mb(data.length).toFixed(1)} MB`;
        }),
    ],
    [
      '100 silent connections, 15 s',
      async (_e, port) => {
        const s = await silentConnections(port, 100, 15_000);
        return `${s.openAfter} still open (watched up to 15 s)${s.closedAfterMs.length ? `, last closed after ${(Math.max(...s.closedAfterMs) / 1000).toFixed(1)} s` : ''}`;
      },
    ],
    [
      'GET with an endless chunked body',
      async (_e, port) => {
        const b = await endlessBody(port, 20_000);
        return `${b.statusLine || 'no answer'}, closed after ${Number.isFinite(b.closedAfterMs) ? `${(b.closedAfterMs / 1000).toFixed(2)} s` : 'more than 20 s'}`;
      },
    ],
  ];
  try {
    for (const [attack, fn] of cases) {
      if (!exporter.child.running) {
        await exporter.stop();
        exporter = await startExporter(['--no-collector.host'], { REDIS_URL: redisUrl }, 'http', {}, opts);
      }
      const e = exporter;
      rows.push(await measure(build, e, attack, () => fn(e, Number(new URL(e.url).port))));
    }
  } finally {
    await exporter.stop();
  }
  const guarded = await startExporter(['--no-collector.host', '--web.config.file', webConfig], {}, 'http', {}, opts);
  try {
    rows.push(
      await measure(build, guarded, '200 distinct wrong passwords from 20 clients', async () => {
        const statuses = new Map<string, number>();
        await Promise.all(
          Array.from({ length: 20 }, async (_, c) => {
            const answers = await concurrentGets(
              guarded.url,
              Array.from({ length: 10 }, () => '/metrics'),
              (i) => ({ authorization: `Basic ${Buffer.from(`prom:wrong-${c}-${i}`).toString('base64')}` }),
            );
            for (const [s, n] of answers) statuses.set(s, (statuses.get(s) ?? 0) + n);
          }),
        );
        const right = await fetch(`${guarded.url}/metrics`, {
          headers: { authorization: `Basic ${Buffer.from('prom:right-password').toString('base64')}` },
        });
        await right.text();
        return `${fmt(statuses)}; then the right password: HTTP ${right.status}`;
      }),
    );
  } finally {
    await guarded.stop();
  }
  return rows;
}

async function main(): Promise<void> {
  const tmp = tempDir('bench-abuse');
  const redis = await startRedis();
  const raw = new Redis(redis.port, '127.0.0.1');
  try {
    await fillQueues(
      raw,
      Array.from({ length: 1000 }, (_, i) => `queue-${String(i).padStart(4, '0')}`),
    );
    await fillQueues(
      raw,
      Array.from({ length: 300 }, (_, i) => `${i}-${'L'.repeat(10_000)}`),
    );
    await fillQueues(raw, [Buffer.from([0x71, 0xff, 0xfe])], 2);
    await wrongTypeQueue(raw, 'x');
    await hugeFailedJobs(raw, 'big', 20, 1024 * 1024, 64 * 1024);
    const web = path.join(tmp.dir, 'web.yml');
    writeFileSync(web, `basic_auth_users:\n  prom: '${bcrypt.hashSync('right-password', 10)}'\n`);
    const revision = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const builds: [string, string | undefined][] = [[`this build (${revision})`, undefined]];
    if (process.env.BENCH_ABUSE_BASE)
      builds.unshift([`before (${process.env.BENCH_ABUSE_BASE_NAME ?? 'base'})`, process.env.BENCH_ABUSE_BASE]);
    const rows: Row[] = [];
    for (const [name, cli] of builds) rows.push(...(await run(name, cli, redis.url, web)));
    const table = rows.map(
      (r) =>
        `| ${r.build} | ${r.attack} | ${r.outcome} | ${r.healthP50.toFixed(1)} / ${r.healthP99.toFixed(1)} / ${r.healthMax.toFixed(0)} ms | ${r.healthFailures} | ${r.rssBeforeMb.toFixed(0)} -> ${Number.isFinite(r.rssAfterMb) ? r.rssAfterMb.toFixed(0) : '-'} MB | ${r.load} |`,
    );
    writeFileSync(
      path.join(__dirname, 'RESULTS-abuse.md'),
      `# Abuse: /health latency and memory under each hostile case (issue 11)

Written by \`bench/abuse.ts\` (\`npm run bench -- bench/abuse.ts\`), ${machineNotes()}, shipped defaults,
loopback only. Redis holds 1,000 plain queues, 300 queues named with 10 KB, a queue whose name is not
UTF-8, a queue whose \`wait\` key is a string, and 20 failed jobs with 1 MB names and reasons (half with
64 KB ids). /health is polled every 10 ms, each probe on a new connection, by a process of its own
(bench/lib/health-poller.cjs) for the whole of each case; the bursts run 5 times, 300 ms apart.
Load average (1, 5, 15 min) after each case: the 2 cores also run Redis, the attacking client and
the poller, so latencies carry that load (compare with the idle baseline row).
An earlier build that dies under a case is restarted for the next one; its row says so.

| build | case | outcome | /health p50 / p99 / max | /health failures | RSS before -> after | load |
|---|---|---|---|---|---|---|
${table.join('\n')}
`,
    );
  } finally {
    raw.disconnect();
    await redis.stop();
    tmp.remove();
  }
}

void main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
