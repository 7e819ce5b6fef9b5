import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Shared parts of bench/instrument.ts and bench/instrument-soak.ts. */
export const ROOT = path.join(__dirname, '..', '..');
export const RESULTS_INSTRUMENT = path.join(ROOT, 'bench', 'RESULTS-instrument.md');
const APP = path.join(__dirname, 'instrument-app.cjs');

/** One hello-world app process (bench/lib/instrument-app.cjs). */
export interface App {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Pins this process (all its threads: autocannon runs here) to CPU 0, away from the apps. */
export function pinLoadGenerator(): void {
  execFileSync('taskset', ['-a', '-pc', '0', String(process.pid)], { stdio: 'ignore' });
}

export async function startApp(
  name: string,
  framework: 'koa' | 'express',
  variant: string,
  nodeFlags: string[] = [],
): Promise<App> {
  // The app on CPU 1, the load generator (this process, pinCpu) on CPU 0: on two shared cores
  // their scheduling against each other swung throughput by tens of percent between rounds.
  const child: ChildProcess = spawn('taskset', ['-c', '1', process.execPath, ...nodeFlags, APP, framework, variant], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: ROOT,
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** user + system CPU time of a process so far, in seconds (from /proc/<pid>/stat, clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface Load {
  /** Responses per second over the run. */
  readonly rps: number;
  readonly requests: number;
  readonly non2xx: number;
  /** Every response time of the run, ms, at full precision (autocannon's own histogram keeps whole ms). */
  readonly latenciesMs: Float64Array;
}

/**
 * autocannon against `url` over `distinctPaths` raw paths (/users/0 ... /users/N-1, in turn), for
 * `duration` seconds or `amount` requests, optionally at a fixed overall rate.
 */
export function load(
  url: string,
  opts: {
    connections: number;
    duration?: number;
    amount?: number;
    overallRate?: number;
    distinctPaths: number;
    /** Path prefix (`/ours` for the mounted app). */
    prefix?: string;
  },
): Promise<Load> {
  let next = 0;
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: opts.connections,
        // autocannon refuses keys present with an undefined value.
        ...(opts.duration !== undefined && { duration: opts.duration }),
        ...(opts.amount !== undefined && { amount: opts.amount }),
        ...(opts.overallRate !== undefined && { overallRate: opts.overallRate }),
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({ ...req, path: `${opts.prefix ?? ''}/users/${next++ % opts.distinctPaths}` }),
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          rps: result.requests.total / result.duration,
          requests: result.requests.total,
          non2xx: result.non2xx,
          latenciesMs: Float64Array.from(latencies),
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  });
}

export function percentileOf(values: Float64Array, p: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Replaces (or adds) the section `name` of bench/RESULTS-instrument.md, as bench/lib/results.ts does for RESULTS.md. */
export function writeInstrumentSection(name: string, markdown: string): void {
  const header =
    '# Benchmarks: jobstack-exporter/instrument\n\nFigures for issue 13, written by bench/instrument.ts and bench/instrument-soak.ts.\n';
  const current = existsSync(RESULTS_INSTRUMENT) ? readFileSync(RESULTS_INSTRUMENT, 'utf8') : header;
  const sections = new Map<string, string>();
  for (const m of current.matchAll(/<!-- bench:([\w-]+) -->\n([\s\S]*?)<!-- \/bench:\1 -->/g)) sections.set(m[1], m[2]);
  sections.set(name, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  const head = current.split('<!-- bench:')[0].trimEnd();
  const order = ['summary', 'overhead-mounted', 'overhead-focus', 'overhead', 'overhead-earlier', 'soak'];
  const names = [...sections.keys()].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  writeFileSync(
    RESULTS_INSTRUMENT,
    `${head}\n\n${names.map((n) => `<!-- bench:${n} -->\n${sections.get(n)}<!-- /bench:${n} -->`).join('\n\n')}\n`,
  );
}
