import { Child, canConnect, freePort, tempDir, waitFor } from './process';

export interface RedisOptions {
  /** requirepass for the default user. */
  readonly password?: string;
  /** Extra `--name value` pairs for redis-server. */
  readonly args?: readonly string[];
  /** Reuse a port (restart on the same address). */
  readonly port?: number;
}

export interface RedisServer {
  readonly port: number;
  /** URL with the password, for clients that must authenticate. */
  readonly url: string;
  readonly child: Child;
  /** SIGSTOP / SIGCONT: a frozen Redis accepts TCP connections and never answers. */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

/** A throwaway redis-server on a free port, in its own temp dir, persisting nothing. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const tmp = tempDir('redis');
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    tmp.dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
  ];
  if (options.password) args.push('--requirepass', options.password);
  args.push(...(options.args ?? []));
  const child = Child.start('redis-server', args);
  try {
    await waitFor(`redis-server on ${port}`, async () => {
      if (!child.running) throw new Error(child.log());
      return canConnect(port);
    });
  } catch (err) {
    await child.stop();
    tmp.remove();
    throw err;
  }
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    child,
    freeze: () => child.signal('SIGSTOP'),
    thaw: () => child.signal('SIGCONT'),
    stop: async () => {
      await child.stop();
      tmp.remove();
    },
  };
}
