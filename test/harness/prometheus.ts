import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startHttpDaemon, tempDir } from './process';

export interface PromServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Instant query through the HTTP API; returns the result vector/scalar. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/**
 * A real Prometheus with the given config (and extra files) in a temp dir, on a free port. The
 * config may be a function of that port (Prometheus scraping itself); `flags` are added to its
 * command line (`--enable-feature=native-histograms`).
 */
export async function startPrometheus(
  configYaml: string | ((port: number) => string),
  files: Record<string, string> = {},
  flags: readonly string[] = [],
  /** A port chosen beforehand (replicas that scrape each other need each other's address first). */
  chosenPort?: number,
): Promise<PromServer> {
  const port = chosenPort ?? (await freePort());
  const tmp = tempDir('prom');
  const configFile = path.join(tmp.dir, 'prometheus.yml');
  writeFileSync(configFile, typeof configYaml === 'function' ? configYaml(port) : configYaml);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(tmp.dir, name), text);
  const { child, url } = await startHttpDaemon(
    'prometheus',
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(tmp.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      ...flags,
    ],
    port,
    '/-/ready',
  );
  return {
    port,
    url,
    dir: tmp.dir,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data: { result: never[] } };
      if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
      return body.data.result;
    },
    stop: async () => {
      await child.stop();
      tmp.remove();
    },
  };
}
