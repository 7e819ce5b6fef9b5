import { execFile, spawnSync, type SpawnOptions } from 'node:child_process';
import path from 'node:path';
import { Child, canConnect, freePort, waitFor } from './process';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/cli.js');
const SHIPPED = (
  require('../../package.json') as {
    config: { nodeOptions: string; mallocArenaMax: string; mallocMmapThreshold: string };
  }
).config;
/**
 * The node options and environment the exporter ships with (package.json config, which
 * `npm start` and the Dockerfile pass): every exporter a test or benchmark starts runs with them
 * unless it names its own, so figures describe what users run.
 */
export const SHIPPED_NODE_OPTIONS: readonly string[] = SHIPPED.nodeOptions.split(' ').filter(Boolean);
export const SHIPPED_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: SHIPPED.mallocArenaMax,
  MALLOC_MMAP_THRESHOLD_: SHIPPED.mallocMmapThreshold,
};

export interface ExporterProcess {
  readonly url: string;
  readonly child: Child;
  scrape(headers?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

/** Runs the built CLI once (for --check-config, --help, bad config) and returns what it printed. */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** `runCli` without blocking, so several runs can share the machine's cores. */
export function runCliAsync(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ status: code, stdout, stderr });
      },
    );
  });
}

/**
 * Starts the built exporter on a free port with only the given environment. `spawn` adds
 * process options, e.g. `{ uid, gid }` to run it as an unprivileged user.
 */
/** Which build to run and with which node flags (benchmarks compare builds and V8 options). */
export interface ExporterBuild {
  /** Path to a built cli.js; the current build by default. */
  readonly cli?: string;
  /** Node options placed before the script (V8 flags such as --max-semi-space-size); SHIPPED_NODE_OPTIONS when absent. */
  readonly nodeArgs?: readonly string[];
  /** Whether SHIPPED_ENV is set (default true); false for a bare node, to compare. */
  readonly shippedEnv?: boolean;
}

export async function startExporter(
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
  scheme: 'http' | 'https' = 'http',
  spawn: Pick<SpawnOptions, 'uid' | 'gid'> = {},
  build: ExporterBuild = {},
): Promise<ExporterProcess> {
  const port = await freePort();
  const argv = [
    ...(build.nodeArgs ?? SHIPPED_NODE_OPTIONS),
    build.cli ?? CLI,
    `--web.listen-address=127.0.0.1:${port}`,
    ...args,
  ];
  const child = Child.start(process.execPath, argv, {
    env: { PATH: process.env.PATH, ...(build.shippedEnv === false ? {} : SHIPPED_ENV), ...env },
    ...spawn,
  });
  const url = `${scheme}://127.0.0.1:${port}`;
  await waitFor('exporter listening', async () => {
    if (!child.running) throw new Error(child.log());
    return scheme === 'http' ? (await fetch(`${url}/health`)).ok : canConnect(port);
  });
  return {
    url,
    child,
    async scrape(headers = {}) {
      const res = await fetch(`${url}/metrics`, { headers });
      if (!res.ok) throw new Error(`scrape: HTTP ${res.status}`);
      return res.text();
    },
    stop: () => child.stop(),
  };
}

/** `promtool check metrics` on exposition text: returns its findings (empty when clean). */
export function promtoolCheckMetrics(text: string): string {
  const res = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return `${res.stdout}${res.stderr}`.trim() + (res.status === 0 ? '' : `\n(exit ${res.status})`);
}
