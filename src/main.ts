import http from 'node:http';
import https from 'node:https';
import { createServer } from './http/server';
import { parseArgs, type CliArgs } from './config/args';
import { ConfigError } from './config/errors';
import { loadConfig, type LoadedConfig } from './config/load';
import { redactedConfigYaml } from './config/redacted';
import { createCollectors } from './collectors';
import type { Collector } from './collectors/types';
import { createApp } from './http/app';
import { createLogger, silentLogger, type Logger } from './log/logger';
import { Redactor } from './log/redact';
import { ProcessMetrics } from './metrics/process';
import { ScrapeRunner } from './runner/runner';
import { GcAfterScrape, exposedGc } from './runner/gc-after-scrape';
import { buildInfo } from './version';
import { DashboardState } from './dashboard/state';
import { helpText } from './help';
import { MultiTarget } from './multitarget/service';

/** Exit codes: 0 ok, 1 runtime failure (port in use), 2 bad configuration. */
export const EXIT_CONFIG = 2;

export interface Running {
  readonly server: http.Server | https.Server;
  readonly runner: ScrapeRunner;
  /** Closes the server and every client; resolves when done or after the grace period. */
  stop(): Promise<void>;
}

/** Wires config -> collectors -> runner -> app -> listen. */
export async function serve(loaded: LoadedConfig, log: Logger): Promise<Running> {
  const { config } = loaded;
  const build = buildInfo();
  const { enabled, sources } = createCollectors(config, log, { awsCredentials: loaded.awsCredentials });
  await validateCollectors(
    enabled.map((e) => e.collector),
    config.scrape.defaultTimeout,
  );
  const runner = new ScrapeRunner(enabled, log);
  let multiTarget: MultiTarget | undefined;
  try {
    multiTarget = MultiTarget.enabled(config) ? new MultiTarget(config, log) : undefined;
  } catch (err) {
    await Promise.allSettled(enabled.map(async (e) => e.collector.close?.()));
    throw err;
  }
  const collectorNames = enabled.map((e) => e.collector.name);
  const dashboard = new DashboardState({ runner, config, build, collectorNames, sources, redactor: log.redactor });
  const gcAfterScrape = new GcAfterScrape(exposedGc());
  const app = createApp({
    config,
    runner,
    build,
    log,
    collectorNames,
    extraFamilies: [...(multiTarget ? [multiTarget] : []), new ProcessMetrics()],
    security: loaded.security,
    dashboard,
    multiTarget,
    scrapeDone: () => gcAfterScrape.scrapeDone(),
  });
  const tls = loaded.security.tls;
  // Koa's handler answers its own errors; the promise it returns needs no listener.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  const server = createServer(app.callback(), tls);
  const [, host, port] = /^\[?(.*?)\]?:(\d+)$/.exec(config.listen)!;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(port), host || undefined, () => resolve());
  });
  const address = server.address();
  log.info('listening', {
    address: typeof address === 'object' && address ? `${address.address}:${address.port}` : config.listen,
    version: build.version,
    collectors: enabled.map((e) => e.collector.name),
    configFile: loaded.file,
    tls: tls !== undefined,
    auth: loaded.security.users.size > 0 ? 'basic' : loaded.security.bearerToken ? 'bearer' : 'none',
  });
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.all([runner.close(), multiTarget?.close()]);
    server.closeAllConnections();
    await closed;
  };
  return { server, runner, stop };
}

/** Runs the collectors' startup checks (bounded); any problem stops startup as a config error. */
async function validateCollectors(collectors: readonly Collector[], timeoutMs: number): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  const problems = (await Promise.all(collectors.map(async (c) => (await c.validate?.(signal)) ?? []))).flat();
  if (problems.length) {
    await Promise.allSettled(collectors.map(async (c) => c.close?.()));
    throw new ConfigError(problems);
  }
}

/** Problems the collectors find when they are created (then closed again at once). */
async function collectorProblems(loaded: LoadedConfig): Promise<readonly string[]> {
  try {
    const { enabled } = createCollectors(loaded.config, silentLogger(), { awsCredentials: loaded.awsCredentials });
    await Promise.allSettled(enabled.map(async (e) => e.collector.close?.()));
    // Reads the credentials files; contacts no target.
    if (MultiTarget.enabled(loaded.config)) await new MultiTarget(loaded.config, silentLogger()).close();
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

/** Runs the CLI; resolves with an exit code for one-shot modes, or keeps serving. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  let args: CliArgs;
  let loaded: LoadedConfig;
  try {
    args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(helpText());
      return 0;
    }
    if (args.version) {
      const b = buildInfo();
      process.stdout.write(`jobstack-exporter ${b.version} (revision ${b.revision}, node ${b.nodejs})\n`);
      return 0;
    }
    loaded = loadConfig(args, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) process.stderr.write(`config error: ${problem}\n`);
    return EXIT_CONFIG;
  }
  if (args.checkConfig) {
    // Some checks happen when a collector is created (a probe's CA file, a collector turned on
    // without its target): create them too, so --check-config fails wherever a start would.
    // Creating one connects to nothing; only the startup checks that need the database are skipped.
    const problems = await collectorProblems(loaded);
    if (problems.length) {
      for (const problem of problems) process.stderr.write(`config error: ${problem}\n`);
      return EXIT_CONFIG;
    }
    process.stdout.write(
      `# configuration is valid${loaded.file ? ` (file ${loaded.file})` : ''}\n${redactedConfigYaml(loaded.config)}`,
    );
    return 0;
  }

  // The process's one redactor, holding every secret of the config; everything reaches it through the logger.
  const redactor = new Redactor();
  for (const secret of loaded.secrets) redactor.register(secret);
  const log = createLogger(loaded.config.logLevel, undefined, {}, redactor);
  let running: Running;
  try {
    running = await serve(loaded, log);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`config error: ${problem}\n`);
      return EXIT_CONFIG;
    }
    log.error('cannot start', { error: log.redactor.errorMessage(err) });
    return 1;
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    // Exit within a few seconds even if a client refuses to close.
    setTimeout(() => process.exit(0), 4000).unref();
    void running.stop().then(() => {
      log.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) =>
    log.error('unhandled rejection', { error: log.redactor.errorMessage(reason) }),
  );
  return undefined;
}
